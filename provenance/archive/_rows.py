"""Rows of the archive's tables, to and from the dataclasses of :mod:`provenance.model`."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import ArchiveError
from ..model import (
    Claim,
    ClaimMedia,
    Finding,
    FindingKind,
    MediaFile,
    MediaInfo,
    MediaKind,
    MediaRecord,
    MediaStatus,
    Problem,
    Segment,
    StoredClaim,
    evidence_from_dict,
)


def utc_now() -> datetime:
    return datetime.now(UTC)


def format_utc(moment: datetime) -> str:
    """Fixed-width UTC timestamp, so that text order is time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc(text: str) -> datetime:
    """What :func:`format_utc` wrote (``fromisoformat``: a tenth of ``strptime``'s cost,
    which was most of reading 10,000 claims)."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:  # written by hand without its Z: UTC all the same
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def write_error(path: str | Path, exc: sqlite3.Error) -> ArchiveError:
    return ArchiveError(path, f"cannot write the archive ({exc}); this step was rolled back")


def read_error(path: str | Path, exc: sqlite3.Error) -> ArchiveError:
    return ArchiveError(path, f"cannot read the archive ({exc}); it may be damaged")


def dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def stored_claim(row: sqlite3.Row, media: tuple[ClaimMedia, ...]) -> StoredClaim:
    claim = Claim(
        id=row["id"],
        claimed_at=parse_utc(row["claimed_at"]),
        group=row["group_name"],
        media=tuple(m.path for m in media),
        target=row["target"],
        text=row["text"],
        source=row["source"],
        extra=json.loads(row["extra_json"]),
    )
    return StoredClaim(claim, row["seq"], parse_utc(row["first_seen_at"]), media)


def claim_differences(existing: StoredClaim, claim: Claim, media: Sequence[MediaFile]) -> list[str]:
    old = existing.claim
    differences = [
        name
        for name in ("claimed_at", "group", "target", "text", "source")
        if getattr(old, name) != getattr(claim, name)
    ]
    if dump(old.extra) != dump(claim.extra):
        differences.append("extra fields")
    if [(m.path, m.sha256) for m in existing.media] != [(m.path, m.sha256) for m in media]:
        differences.append("media (paths or file contents)")
    return differences


def media_record(row: sqlite3.Row, problems: tuple[Problem, ...] = ()) -> MediaRecord:
    info = None
    if row["kind"] is not None:
        info = MediaInfo(
            kind=MediaKind(row["kind"]),
            width=row["width"],
            height=row["height"],
            duration_s=row["duration_s"],
            fps=row["fps"],
            codec=row["codec"],
            decoded_s=row["decoded_s"],
            incomplete=row["incomplete"],
        )
    status = MediaStatus.PENDING if row["status"] == "pending" else MediaStatus.DONE
    if row["status"] == "failed":
        status = MediaStatus(row["failure"] or MediaStatus.UNREADABLE.value)
    return MediaRecord(
        sha256=row["sha256"],
        size_bytes=row["size_bytes"],
        file=row["file"],
        status=status,
        info=info,
        error=row["error"],
        problems=problems,
    )


def segment_dict(segment: Segment) -> dict[str, float]:
    return {
        "start_s": segment.start_s,
        "end_s": segment.end_s,
        "other_start_s": segment.other_start_s,
        "other_end_s": segment.other_end_s,
    }


def finding(row: sqlite3.Row) -> Finding:
    segment = None
    if row["segment_json"]:
        segment = Segment(**json.loads(row["segment_json"]))
    return Finding(
        kind=FindingKind(row["kind"]),
        claim_id=row["claim_id"],
        media=row["media_path"],
        confidence=row["confidence"],
        other_claim=row["other_claim_id"],
        other_media=row["other_media_path"],
        segment=segment,
        evidence=evidence_from_dict(json.loads(row["evidence_json"])),
    )
