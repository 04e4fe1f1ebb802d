"""``copy`` findings: footage that repeats an earlier claim's footage.

This version finds the exact case, the same bytes (a re-upload): certain, and
the segment is the whole item on both sides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..model import Finding, FindingKind, MediaRecord, Segment, StoredClaim


@dataclass(frozen=True)
class Holder:
    """A claim's use of a media item, in archive order."""

    claim_id: str
    path: str


def identical_copy(
    claim_id: str | None,
    path: str,
    record: MediaRecord | None,
    earlier: Sequence[Holder],
) -> Finding | None:
    """The finding for media whose bytes ``earlier`` claims already hold.

    ``earlier`` is ordered earliest first; its first holder is the original.
    Holders from the same claim are not evidence (reuse inside one claim).
    """
    others = [h for h in earlier if h.claim_id != claim_id]
    if not others:
        return None
    original = others[0]
    duration = record.info.duration_s if record is not None and record.info is not None else None
    segment = Segment(0.0, duration, 0.0, duration) if duration else None
    return Finding(
        kind=FindingKind.COPY,
        claim_id=claim_id,
        media=path,
        confidence=1.0,
        other_claim=original.claim_id,
        other_media=original.path,
        segment=segment,
        evidence={
            "method": "identical_bytes",
            "sha256": record.sha256 if record is not None else None,
            "also_in": sorted({h.claim_id for h in others[1:]}),
        },
    )


def find_identical_copies(
    claims: Sequence[StoredClaim], media: Mapping[str, MediaRecord]
) -> list[Finding]:
    """Findings for every media item whose bytes appeared in an earlier claim.

    ``claims`` must be in archive order (earliest first).
    """
    seen: dict[str, list[Holder]] = {}
    findings: list[Finding] = []
    for stored in claims:
        claim_id = stored.claim.id
        for item in stored.media:
            earlier = seen.setdefault(item.sha256, [])
            finding = identical_copy(claim_id, item.path, media.get(item.sha256), earlier)
            if finding is not None:
                findings.append(finding)
        for item in stored.media:
            seen[item.sha256].append(Holder(claim_id, item.path))
    return findings
