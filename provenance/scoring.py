"""Stage 4: findings -> a credibility score per claim, with every reason.

Pure and versioned: the same evidence always gives the same score under one
:data:`SCORING_MODEL`. A claim starts at :data:`BASE_SCORE` (footage that
nothing contradicts, but that nothing confirms either) and each reason adds
or takes off points; the result is clamped to 0-100 and banded into a rating.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .fingerprint import CloseupReading
from .model import (
    AirframeEvidence,
    CaptureEvidence,
    Credibility,
    Finding,
    FindingKind,
    FrameHashCopy,
    IdenticalBytes,
    IdentifierEvidence,
    MediaRecord,
    MediaStatus,
    NoCloseupEvidence,
    Rating,
    Reason,
    StoredClaim,
    ViewGeometry,
)

SCORING_MODEL = "v5"
BASE_SCORE = 70

# code -> effect in points. Codes are stable: reports and analysts' tools key on them.
# A new code or a new effect is a new SCORING_MODEL.
EFFECTS: dict[str, int] = {
    # strong: the footage was shown before
    "copy_of_earlier_claim": -40,  # its footage is an earlier claim's footage
    "other_angle_of_earlier_claim": -35,  # the launch an earlier claim showed, another camera
    "recycled_identifier": -30,  # an airframe's serial an earlier claim showed
    "recycled_identifier_in_copy": 0,  # the same, inside footage already counted as a copy
    "recycled_airframe": -30,  # an airframe an earlier claim showed, known again by its marks
    "recorded_before_claim": -30,  # the file says it was recorded days before the attack
    "recorded_before_claim_in_copy": 0,  # the same, of footage already counted as a copy
    # moderate: nothing ties the claim to one airframe
    "no_identifying_closeup": -15,
    # positive: a new airframe, shown close enough to be checked
    "fresh_identifier": 10,
    "fresh_airframe": 10,  # the same without a serial: its own marks, in no earlier claim
    # uncertainty, not guilt
    "media_unreadable": 0,  # rated on the other media
    "media_not_analysed": 0,  # still pending; the next rescore analyses it
    "no_usable_footage": -20,  # nothing in the claim could be read at all
    # our own failure: said, never held against the claim
    "media_internal_error": 0,
}

# lowest score of each rating, best first
RATING_BANDS: tuple[tuple[int, Rating], ...] = (
    (75, Rating.HIGH),
    (50, Rating.MEDIUM),
    (25, Rating.LOW),
    (0, Rating.VERY_LOW),
)


def rating_for(score: int) -> Rating:
    return next(rating for floor, rating in RATING_BANDS if score >= floor)


def score_claim(
    claim: StoredClaim,
    findings: Sequence[Finding],
    media: Mapping[str, MediaRecord],
    readings: Mapping[str, CloseupReading] | None = None,
) -> Credibility:
    """Score one claim from its own findings, the state of its media and their close-ups.

    ``readings`` (close-up readings by sha256) give the identifiers the claim
    shows; one that no ``recycled_identifier`` finding points back from is
    fresh. Findings against the claim itself (reuse inside one claim) are
    not evidence.
    """
    own = claim.claim.id
    reasons: list[Reason] = []
    evidence = [f for f in findings if f.other_claim != own]
    copied = {(f.media, f.other_claim) for f in evidence if f.kind is FindingKind.COPY}
    angles: dict[str, list[Finding]] = {}  # one launch: counted once per media item
    for finding in evidence:
        if finding.kind is FindingKind.OTHER_ANGLE:
            angles.setdefault(finding.media, []).append(finding)
    for finding in evidence:
        if finding.kind is FindingKind.COPY:
            reasons.append(_reason("copy_of_earlier_claim", _copy_text(finding)))
        elif finding.kind is FindingKind.OTHER_ANGLE and finding is angles[finding.media][0]:
            text = _angle_text(finding, [f.other_claim for f in angles[finding.media][1:]])
            reasons.append(_reason("other_angle_of_earlier_claim", text))
        elif finding.kind is FindingKind.RECYCLED_IDENTIFIER:
            in_copy = (finding.media, finding.other_claim) in copied
            code = "recycled_identifier_in_copy" if in_copy else "recycled_identifier"
            reasons.append(_reason(code, _identifier_text(finding, in_copy)))
        elif finding.kind is FindingKind.RECYCLED_AIRFRAME:
            reasons.append(_reason("recycled_airframe", _airframe_text(finding)))
        elif finding.kind is FindingKind.RECORDED_BEFORE_CLAIM:
            in_copy = any(media_path == finding.media for media_path, _ in copied)
            code = "recorded_before_claim_in_copy" if in_copy else "recorded_before_claim"
            reasons.append(_reason(code, _recorded_text(finding, in_copy)))
        elif finding.kind is FindingKind.NO_CLOSEUP:
            assert isinstance(finding.evidence, NoCloseupEvidence)  # the kind's (model)
            paths = ", ".join(finding.evidence.media_read)
            reasons.append(
                _reason(
                    "no_identifying_closeup",
                    f"none of the claim's readable media ({paths}) shows an identifying close-up",
                )
            )
    fresh = _fresh_identifier(claim, evidence, readings or {})
    if fresh is not None:
        reasons.append(_reason("fresh_identifier", fresh))
    elif (fresh := _fresh_airframe(claim, evidence, readings or {})) is not None:
        reasons.append(_reason("fresh_airframe", fresh))

    states = [(item.path, media.get(item.sha256)) for item in claim.media]
    unreadable = [(p, r) for p, r in states if r is not None and r.status is MediaStatus.UNREADABLE]
    ours = [
        (p, r)
        for p, r in states
        if r is not None and r.reported_status is MediaStatus.INTERNAL_ERROR
    ]
    pending = [p for p, r in states if r is None or r.status is MediaStatus.PENDING]
    if unreadable and len(unreadable) == len(states):
        reasons.append(_reason("no_usable_footage", "none of the claim's media could be read"))
    for path, record in unreadable:
        reasons.append(_reason("media_unreadable", f"{path} could not be read: {record.error}"))
    for path, record in ours:
        reasons.append(
            _reason(
                "media_internal_error",
                f"{path} was not fully analysed because of an error in provenance itself"
                f" ({record.reported_error}); not held against the claim",
            )
        )
    for path in pending:
        reasons.append(_reason("media_not_analysed", f"{path} has not been analysed yet"))

    score = max(0, min(100, BASE_SCORE + sum(r.effect for r in reasons)))
    return Credibility(score, rating_for(score), tuple(reasons), SCORING_MODEL)


def _fresh_identifier(
    claim: StoredClaim, evidence: Sequence[Finding], readings: Mapping[str, CloseupReading]
) -> str | None:
    """The sentence for the claim's first identifier no earlier claim showed, if any."""
    recycled = {
        (f.media, f.evidence.key)
        for f in evidence
        if f.kind is FindingKind.RECYCLED_IDENTIFIER and isinstance(f.evidence, IdentifierEvidence)
    }
    for item in claim.media:
        reading = readings.get(item.sha256)
        for marking in reading.identifiers if reading is not None else ():
            if (item.path, marking.key) not in recycled:
                return (
                    f"{item.path} {format_time(marking.time_s)} shows identifier "
                    f"{marking.text} in a close-up, not seen in any earlier claim"
                )
    return None


def _fresh_airframe(
    claim: StoredClaim, evidence: Sequence[Finding], readings: Mapping[str, CloseupReading]
) -> str | None:
    """The sentence for the claim's first close-up that shows an airframe by its marks
    and recycles none, if any (a claim with a fresh identifier is credited for that)."""
    recycled = {
        f.media
        for f in evidence
        if f.kind
        in (FindingKind.RECYCLED_AIRFRAME, FindingKind.RECYCLED_IDENTIFIER, FindingKind.COPY)
    }
    for item in claim.media:
        reading = readings.get(item.sha256)
        shown = None if reading is None else reading.by_marks
        if shown is not None and item.path not in recycled:
            return (
                f"{item.path} {format_time(shown.time_s)} shows an airframe close enough to"
                f" make out its marks ({shown.marks} distinct marks on"
                f" {shown.cover:.0%} of the frame), in no earlier claim"
            )
    return None


def _airframe_text(finding: Finding) -> str:
    ev = finding.evidence
    assert isinstance(ev, AirframeEvidence)  # the kind's (model)
    return (
        f"{finding.media} {format_time(ev.frame_s)} shows the airframe of"
        f" {finding.other_media} {format_time(ev.other_frame_s)} of earlier claim"
        f" {finding.other_claim}: {ev.agreeing} of {len(ev.marks)} patches of fine detail"
        " (scratches, chips, dirt) agree once the two close-ups are registered"
    )


def _reason(code: str, text: str) -> Reason:
    return Reason(code, EFFECTS[code], text)


def format_time(seconds: float) -> str:
    """Media time as MM:SS (H:MM:SS past an hour)."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def format_span(start_s: float, end_s: float) -> str:
    return f"{format_time(start_s)}-{format_time(end_s)}"


def _copy_text(finding: Finding) -> str:
    seg = finding.segment
    here, there = finding.media, finding.other_media
    if seg is not None:
        here += " " + format_span(seg.start_s, seg.end_s)
        there = f"{there} {format_span(seg.other_start_s, seg.other_end_s)}"
    how = " (identical file)" if isinstance(finding.evidence, IdenticalBytes) else ""
    if isinstance(finding.evidence, FrameHashCopy) and (via := finding.evidence.via) is not None:
        how = f" (traced through {via.path} of claim {via.claim_id}, which repeats it)"
    return f"{here} repeats {there} of earlier claim {finding.other_claim}{how}"


def _angle_text(finding: Finding, also: Sequence[str | None] = ()) -> str:
    ev = finding.evidence
    offset = ev.offset_s if isinstance(ev, ViewGeometry) else None
    when = f" (time offset {offset:+.2f} s)" if offset is not None else ""
    others = sorted({c for c in also if c and c != finding.other_claim})
    and_in = f"; the same launch is also in claim {', '.join(others)}" if others else ""
    return (
        f"{finding.media} shows the launch of {finding.other_media} of earlier claim "
        f"{finding.other_claim} from another camera{when}{and_in}"
    )


def _identifier_text(finding: Finding, in_copy: bool) -> str:
    ev = finding.evidence
    assert isinstance(ev, IdentifierEvidence)  # the kind's (model)
    here = f"{finding.media} {format_time(ev.frame_s)}"
    there = f"{finding.other_media} {format_time(ev.other_frame_s)}"
    counted = " (counted once, as the copy)" if in_copy else ""
    return (
        f"{here} shows identifier {ev.identifier}, already shown in {there} "
        f"of earlier claim {finding.other_claim}{counted}"
    )


def _recorded_text(finding: Finding, in_copy: bool) -> str:
    ev = finding.evidence
    assert isinstance(ev, CaptureEvidence)  # the kind's (model)
    zone = "" if ev.zoned else ", no time zone: counted from the latest it can mean"
    counted = " (counted once, as the copy)" if in_copy else ""
    return (
        f"{finding.media} says it was recorded at {ev.value} ({ev.field}{zone}),"
        f" {ev.days_before_claim:.0f} days before the claim{counted}"
    )
