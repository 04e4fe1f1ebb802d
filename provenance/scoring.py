"""Stage 4: findings -> a credibility score per claim, with every reason.

Pure and versioned: the same evidence always gives the same score under one
:data:`SCORING_MODEL`. A claim starts at :data:`BASE_SCORE` (footage that
nothing contradicts, but that nothing confirms either) and each reason adds
or takes off points; the result is clamped to 0-100 and banded into a rating.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .model import (
    Credibility,
    Finding,
    FindingKind,
    MediaRecord,
    MediaStatus,
    Rating,
    Reason,
    StoredClaim,
)

SCORING_MODEL = "v1"
BASE_SCORE = 70

# code -> effect in points. Codes are stable: reports and analysts' tools key on them.
EFFECTS: dict[str, int] = {
    "copy_of_earlier_claim": -40,  # its footage is an earlier claim's footage
    "media_unreadable": 0,  # uncertainty, not guilt: rated on the other media
    "media_not_analysed": 0,  # still pending; the next rescore analyses it
    "no_usable_footage": -20,  # nothing in the claim could be read at all
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
    claim: StoredClaim, findings: Sequence[Finding], media: Mapping[str, MediaRecord]
) -> Credibility:
    """Score one claim from its own findings and the state of its media."""
    reasons: list[Reason] = []
    for finding in findings:
        if finding.kind is FindingKind.COPY and finding.other_claim != claim.claim.id:
            reasons.append(_reason("copy_of_earlier_claim", _copy_text(finding)))

    states = [(item.path, media.get(item.sha256)) for item in claim.media]
    failed = [(p, r) for p, r in states if r is not None and r.status is MediaStatus.FAILED]
    pending = [p for p, r in states if r is None or r.status is MediaStatus.PENDING]
    if failed and len(failed) == len(states):
        reasons.append(_reason("no_usable_footage", "none of the claim's media could be read"))
    for path, record in failed:
        reasons.append(_reason("media_unreadable", f"{path} could not be read: {record.error}"))
    for path in pending:
        reasons.append(_reason("media_not_analysed", f"{path} has not been analysed yet"))

    score = max(0, min(100, BASE_SCORE + sum(r.effect for r in reasons)))
    return Credibility(score, rating_for(score), tuple(reasons), SCORING_MODEL)


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
    how = " (identical file)" if finding.evidence.get("method") == "identical_bytes" else ""
    return f"{here} repeats {there} of earlier claim {finding.other_claim}{how}"
