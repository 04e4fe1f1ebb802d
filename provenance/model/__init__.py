"""Plain data that flows between the pipeline stages.

Everything here is a small frozen dataclass or an enum; dictionaries appear
only at the JSON edge (``report``, and the archive's JSON columns). A
finding's evidence is one dataclass per kind of evidence (:mod:`._evidence`),
turned into its JSON object by ``to_dict`` and back by
:func:`evidence_from_dict`.
"""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from ._evidence import (
    AirframeEvidence,
    CaptureEvidence,
    EventAgreement,
    Evidence,
    FrameHashCopy,
    Holder,
    IdenticalBytes,
    IdentifierEvidence,
    NoCloseupEvidence,
    SetAsideText,
    SoundAgreement,
    UnresolvedMarking,
    ViewGeometry,
    evidence_from_dict,
)


class MediaKind(StrEnum):
    VIDEO = "video"
    IMAGE = "image"


class MediaStatus(StrEnum):
    """Where a media item stands in the pipeline (the report's ``media[].status``)."""

    PENDING = "pending"  # stored, not yet analysed
    DONE = "done"
    UNREADABLE = "unreadable"  # the footage cannot be decoded: uncertainty, never guilt
    INTERNAL_ERROR = "internal_error"  # our own code failed on it: never held against the claim

    @property
    def failed(self) -> bool:
        return self in (MediaStatus.UNREADABLE, MediaStatus.INTERNAL_ERROR)


class FindingKind(StrEnum):
    COPY = "copy"
    OTHER_ANGLE = "other_angle"
    SAME_SITE = "same_site"
    RECYCLED_IDENTIFIER = "recycled_identifier"
    RECYCLED_AIRFRAME = "recycled_airframe"
    NO_CLOSEUP = "no_closeup"
    RECORDED_BEFORE_CLAIM = "recorded_before_claim"


class Rating(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    VERY_LOW = "very low"


@dataclass(frozen=True)
class Claim:
    """One claim as the manifest states it. ``media`` holds paths as written."""

    id: str
    claimed_at: datetime  # timezone-aware, UTC
    group: str
    media: tuple[str, ...]
    target: str | None = None
    text: str | None = None
    source: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class MediaFile:
    """A media path of a claim, resolved on disk and identified by its bytes."""

    path: str  # as written in the manifest
    file: Path  # resolved location on disk
    sha256: str
    size_bytes: int


@dataclass(frozen=True)
class MediaInfo:
    """What probing a media file tells: enough to plan decoding and to report."""

    kind: MediaKind
    width: int
    height: int
    duration_s: float | None = None  # None for still images
    fps: float | None = None  # average rate; None for stills or when unknown
    codec: str | None = None
    decoded_s: float | None = None  # how much of a video decoded (None: stills, not read)
    incomplete: str | None = None  # "cut short: 1.7 s of 4.0 s decoded"; None when whole


@dataclass(frozen=True)
class Problem:
    """A stage of the work on one media item that could not be done, and why.

    ``kind`` says whose failure it is: :attr:`MediaStatus.UNREADABLE` (the
    footage) or :attr:`MediaStatus.INTERNAL_ERROR` (our own code, with its
    ``traceback`` for the log). What the other stages found still counts.
    """

    stage: str  # "analysis", "close-ups", "launch sound", "copy matching", ...
    kind: MediaStatus
    reason: str
    traceback: str | None = field(default=None, compare=False)

    @property
    def text(self) -> str:
        whose = "internal error" if self.kind is MediaStatus.INTERNAL_ERROR else "unreadable"
        return f"{whose} in {self.stage}: {self.reason}"

    @classmethod
    def internal(cls, stage: str, exc: BaseException, *, about: str = "") -> Problem:
        """A failure of our own code in ``stage``: the exception in one line, and its traceback.

        ``about`` says what it failed on when that is narrower than the item
        (a pair: "with 3f2a..."), and goes before the reason.
        """
        lines = str(exc).strip().splitlines()
        said = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
        return cls(
            stage,
            MediaStatus.INTERNAL_ERROR,
            f"{about}: {said}" if about else said,
            "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
        )


@dataclass(frozen=True)
class MediaRecord:
    """A media item as the archive holds it (one per distinct sha256)."""

    sha256: str
    size_bytes: int
    file: str  # where its bytes were found when first ingested
    status: MediaStatus
    info: MediaInfo | None = None
    error: str | None = None  # why the item could not be analysed at all
    problems: tuple[Problem, ...] = ()  # stages that failed while the rest was done

    @property
    def reported_status(self) -> MediaStatus:
        """The status a report shows: an item analysed in part is an internal error."""
        if self.status is MediaStatus.DONE and any(
            p.kind is MediaStatus.INTERNAL_ERROR for p in self.problems
        ):
            return MediaStatus.INTERNAL_ERROR
        return self.status

    @property
    def reported_error(self) -> str | None:
        """What a report says went wrong: the item's error, or its failed stages."""
        if self.error is not None:
            return self.error
        return "; ".join(p.text for p in self.problems) or None


@dataclass(frozen=True)
class StoredClaim:
    """A claim with what the archive adds: ingest order and its media."""

    claim: Claim
    seq: int  # order first seen in the archive; breaks ties of claimed_at
    first_seen_at: datetime
    media: tuple[ClaimMedia, ...]


@dataclass(frozen=True)
class ClaimMedia:
    path: str  # as written in the manifest
    sha256: str


def iso_utc(moment: datetime) -> str:
    """``moment`` as the reports write times: ISO 8601 in UTC, "Z" for the zone."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def claim_order(claim: StoredClaim) -> tuple:
    """Which claim came first: by claimed date, then by first seen in the archive."""
    return (claim.claim.claimed_at, claim.seq)


def holders_by_sha(claims: Sequence[StoredClaim]) -> dict[str, list[Holder]]:
    """Which claims hold each media item (by sha256), in the order of ``claims``."""
    holders: dict[str, list[Holder]] = {}
    for stored in claims:
        for item in stored.media:
            holders.setdefault(item.sha256, []).append(Holder(stored.claim.id, item.path))
    return holders


@dataclass(frozen=True)
class Segment:
    """Matched time span in the media (``start_s``) and in the other media."""

    start_s: float
    end_s: float
    other_start_s: float
    other_end_s: float


@dataclass(frozen=True)
class Finding:
    """One piece of evidence about a claim's media, relative to another claim.

    ``evidence`` (keyword only) is what it rests on, of a type its ``kind``
    allows (:data:`EVIDENCE_OF_KIND`).
    """

    kind: FindingKind
    claim_id: str | None  # None for footage checked without storing it
    media: str  # path as written in the claim's manifest (or given to ``check``)
    confidence: float  # 0..1
    other_claim: str | None = None
    other_media: str | None = None
    segment: Segment | None = None
    evidence: Evidence = field(kw_only=True)

    def __post_init__(self) -> None:
        if not isinstance(self.evidence, EVIDENCE_OF_KIND[self.kind]):
            raise TypeError(
                f"{self.kind.value} finding with {type(self.evidence).__name__} evidence"
            )


# the evidence each kind of finding may rest on
EVIDENCE_OF_KIND: dict[FindingKind, tuple[type[Evidence], ...]] = {
    FindingKind.COPY: (IdenticalBytes, FrameHashCopy),
    FindingKind.OTHER_ANGLE: (ViewGeometry,),
    FindingKind.SAME_SITE: (ViewGeometry,),
    FindingKind.RECYCLED_IDENTIFIER: (IdentifierEvidence,),
    FindingKind.RECYCLED_AIRFRAME: (AirframeEvidence,),
    FindingKind.NO_CLOSEUP: (NoCloseupEvidence,),
    FindingKind.RECORDED_BEFORE_CLAIM: (CaptureEvidence,),
}


@dataclass(frozen=True)
class Reason:
    """One step of a score: a stable ``code``, its ``effect`` in points, a sentence."""

    code: str
    effect: int
    text: str


@dataclass(frozen=True)
class Credibility:
    score: int  # 0..100, higher = better supported by its footage
    rating: Rating
    reasons: tuple[Reason, ...]
    model: str

    @property
    def top_reason(self) -> Reason | None:
        """The reason that moved the score most (ties: the first)."""
        return max(self.reasons, key=lambda r: abs(r.effect), default=None)


@dataclass(frozen=True)
class ScoreChange:
    """A claim whose score moved in a re-scoring run (``old`` None when new)."""

    claim_id: str
    old: int | None
    new: int
    reason: str | None  # the top reason of the new score, if any


__all__ = [
    "EVIDENCE_OF_KIND",
    "AirframeEvidence",
    "CaptureEvidence",
    "Claim",
    "ClaimMedia",
    "Credibility",
    "EventAgreement",
    "Evidence",
    "Finding",
    "FindingKind",
    "FrameHashCopy",
    "Holder",
    "IdenticalBytes",
    "IdentifierEvidence",
    "MediaFile",
    "MediaInfo",
    "MediaKind",
    "MediaRecord",
    "MediaStatus",
    "NoCloseupEvidence",
    "Problem",
    "Rating",
    "Reason",
    "ScoreChange",
    "Segment",
    "SetAsideText",
    "SoundAgreement",
    "StoredClaim",
    "UnresolvedMarking",
    "ViewGeometry",
    "claim_order",
    "evidence_from_dict",
    "holders_by_sha",
    "iso_utc",
]
