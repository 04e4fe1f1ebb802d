"""The JSON report of the contract, and the dict forms ``check --json`` shares."""

from __future__ import annotations

import json
from typing import Any

from ..findings.launches import Launch, LaunchClaim
from ..fingerprint import CloseupReading, Marking, SurfaceMeasure
from ..media import FileMetadata
from ..model import Credibility, Finding, MediaRecord, MediaStatus, ViewGeometry, iso_utc
from ..scoring import SCORING_MODEL
from . import ReportData

SCHEMA = 1


def media_dict(
    path: str,
    record: MediaRecord | None,
    reading: CloseupReading | None = None,
    metadata: FileMetadata | None = None,
) -> dict[str, Any]:
    """One ``media`` object (``record`` None: not in the archive).

    ``status`` says whose failure it was when the item could not be analysed
    (``unreadable``: the footage; ``internal_error``: our code, never held
    against the claim); ``decoded_s`` and ``incomplete`` say how much of a
    video cut short or damaged was read. ``closeup`` is null until the item's
    close-ups are read; ``closeup_marks`` is the frame whose surface shows the most
    marks when that made it an identifying close-up (with or without text);
    ``metadata`` null when the file says nothing about itself.
    """
    if record is None:
        record = MediaRecord("", 0, path, MediaStatus.PENDING, error="not in the archive")
    info = record.info
    return {
        "path": path,
        "sha256": record.sha256 or None,
        "kind": info.kind.value if info else None,
        "status": record.reported_status.value,
        "duration_s": info.duration_s if info else None,
        "decoded_s": info.decoded_s if info else None,
        "incomplete": info.incomplete if info else None,
        "width": info.width if info else None,
        "height": info.height if info else None,
        "closeup": reading.closeup if reading is not None else None,
        "identifiers": [identifier_dict(m) for m in reading.identifiers] if reading else [],
        "closeup_marks": surface_dict(reading.by_marks) if reading is not None else None,
        "metadata": metadata_dict(metadata),
        "error": record.reported_error,
    }


def surface_dict(surface: SurfaceMeasure | None) -> dict[str, Any] | None:
    """The measures of a close-up recognised by its surface's marks (None: not so)."""
    if surface is None:
        return None
    return {
        "time_s": surface.time_s,
        "surface_share": surface.cover,
        "marks": surface.marks,
        "sharpness": surface.sharpness,
    }


def metadata_dict(metadata: FileMetadata | None) -> dict[str, Any] | None:
    """What the file says about itself, or None when it says nothing (or was not read)."""
    if metadata is None or metadata.empty:
        return None
    capture = metadata.capture
    return {
        "capture_time": None if capture is None else iso_utc(capture.moment),
        "capture_field": None if capture is None else capture.field,
        "capture_value": None if capture is None else capture.value,
        "device": metadata.device,
        "software": metadata.software,
        "place": metadata.place,
        "notes": list(metadata.notes),
        "tags": [{"where": t.where, "key": t.key, "value": t.value} for t in metadata.tags],
        "c2pa": None
        if metadata.c2pa is None
        else {
            "validation_state": metadata.c2pa.state,
            "signer": metadata.c2pa.signer,
            "claim_generator": metadata.c2pa.generator,
            "actions": list(metadata.c2pa.actions),
            "failures": list(metadata.c2pa.failures),
        },
        "error": metadata.error,
    }


def identifier_dict(marking: Marking) -> dict[str, Any]:
    """An identifier as read: text, where (frame time, box in analysed pixels), confidence."""
    return {
        "text": marking.text,
        "time_s": marking.time_s,
        "box": list(marking.box),
        "confidence": marking.score,
    }


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
        "evidence": evidence_dict(finding),
    }


def evidence_dict(finding: Finding) -> dict[str, Any]:
    """The finding's evidence as stored, and for other angles which cues decided."""
    evidence = finding.evidence.to_dict()
    if isinstance(finding.evidence, ViewGeometry):
        evidence["decided_by"] = finding.evidence.decided_by
    return evidence


def credibility_dict(cred: Credibility | None) -> dict[str, Any] | None:
    if cred is None:
        return None
    return {
        "score": cred.score,
        "rating": cred.rating.value,
        "model": cred.model,
        "reasons": [{"code": r.code, "effect": r.effect, "text": r.text} for r in cred.reasons],
    }


def scoring_models(data: ReportData) -> str:
    """The scoring model of the report's scores, as stored with them ("v2, v3" if mixed).

    A report of an archive not re-scored since an upgrade says so, rather
    than claiming the code's model; with no score yet, the code's model.
    """
    models = sorted({v.credibility.model for v in data.claims if v.credibility is not None})
    return ", ".join(models) if models else SCORING_MODEL


def launch_claim_dict(shown: LaunchClaim) -> dict[str, Any]:
    """A claim showing a launch: who, when, with which media, and how (null for the first)."""
    return {
        "claim": shown.claim_id,
        "claimed_at": iso_utc(shown.claimed_at),
        "group": shown.group,
        "media": list(shown.media),
        "how": shown.how,
        "other_claim": shown.other_claim,
        "other_media": shown.other_media,
        "confidence": shown.confidence,
    }


def launch_dict(launch: Launch) -> dict[str, Any]:
    """One launch: its first claim, every later claim showing it and how, its cameras."""
    return {
        "id": launch.id,
        "summary": launch.summary,
        "claim_count": len(launch.claims),
        "groups": list(launch.groups),
        "cameras": launch.cameras,
        "span_days": round(launch.span_days, 2),
        "first": launch_claim_dict(launch.first),
        "later": [launch_claim_dict(c) for c in launch.later],
    }


def report_dict(data: ReportData) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "generated_at": iso_utc(data.generated_at),
        "scoring_model": scoring_models(data),
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
                    media_dict(
                        item.path,
                        record,
                        view.closeups.get(item.sha256),
                        view.metadata.get(item.sha256),
                    )
                    for item, record in view.media
                ],
                "findings": [finding_dict(f) for f in view.findings],
            }
            for view in data.claims
        ],
        "launches": [launch_dict(launch) for launch in data.launches],
    }


def render_json(data: ReportData) -> str:
    return json.dumps(report_dict(data), indent=1, ensure_ascii=False) + "\n"
