"""The JSON report of the contract, and the dict forms ``check --json`` shares."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from ..closeups import CloseupReading, Marking
from ..model import Credibility, Finding, MediaInfo, MediaRecord
from ..scoring import SCORING_MODEL
from . import ReportData

SCHEMA = 1


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def media_dict(
    path: str,
    sha256: str | None,
    info: MediaInfo | None,
    error: str | None,
    reading: CloseupReading | None = None,
) -> dict[str, Any]:
    """One ``media`` object. ``closeup`` is null until the item's close-ups are read."""
    return {
        "path": path,
        "sha256": sha256,
        "kind": info.kind.value if info else None,
        "duration_s": info.duration_s if info else None,
        "width": info.width if info else None,
        "height": info.height if info else None,
        "closeup": reading.closeup if reading is not None else None,
        "identifiers": [identifier_dict(m) for m in reading.identifiers] if reading else [],
        "error": error,
    }


def identifier_dict(marking: Marking) -> dict[str, Any]:
    """An identifier as read: text, where (frame time, box in analysed pixels), confidence."""
    return {
        "text": marking.text,
        "time_s": marking.time_s,
        "box": list(marking.box),
        "confidence": marking.score,
    }


def record_dict(
    path: str, record: MediaRecord | None, reading: CloseupReading | None = None
) -> dict[str, Any]:
    if record is None:
        return media_dict(path, None, None, "not in the archive")
    return media_dict(path, record.sha256, record.info, record.error, reading)


def finding_dict(finding: Finding) -> dict[str, Any]:
    seg = finding.segment
    return {
        "kind": finding.kind.value,
        "media": finding.media,
        "other_claim": finding.other_claim,
        "other_media": finding.other_media,
        "confidence": round(finding.confidence, 4),
        "segment": None
        if seg is None
        else {
            "start_s": seg.start_s,
            "end_s": seg.end_s,
            "other_start_s": seg.other_start_s,
            "other_end_s": seg.other_end_s,
        },
        "evidence": finding.evidence,
    }


def credibility_dict(cred: Credibility | None) -> dict[str, Any] | None:
    if cred is None:
        return None
    return {
        "score": cred.score,
        "rating": cred.rating.value,
        "reasons": [{"code": r.code, "effect": r.effect, "text": r.text} for r in cred.reasons],
    }


def report_dict(data: ReportData) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "generated_at": iso_utc(data.generated_at),
        "scoring_model": SCORING_MODEL,
        "claims": [
            {
                "id": view.stored.claim.id,
                "claimed_at": iso_utc(view.stored.claim.claimed_at),
                "group": view.stored.claim.group,
                "target": view.stored.claim.target,
                "text": view.stored.claim.text,
                "source": view.stored.claim.source,
                "credibility": credibility_dict(view.credibility),
                "media": [
                    record_dict(item.path, record, view.closeups.get(item.sha256))
                    for item, record in view.media
                ],
                "findings": [finding_dict(f) for f in view.findings],
            }
            for view in data.claims
        ],
    }


def render_json(data: ReportData) -> str:
    return json.dumps(report_dict(data), indent=1, ensure_ascii=False) + "\n"
