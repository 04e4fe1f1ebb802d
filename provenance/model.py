"""Plain data that flows between the pipeline stages.

Everything here is a small frozen dataclass or an enum; dictionaries appear
only at the JSON edge (``report``) and in ``Finding.evidence``, whose content
depends on the kind of finding and is written out as is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any


class MediaKind(str, Enum):
    VIDEO = "video"
    IMAGE = "image"


class MediaStatus(str, Enum):
    """Where a media item stands in the pipeline."""

    PENDING = "pending"  # stored, not yet fingerprinted
    DONE = "done"
    FAILED = "failed"  # unreadable: recorded with its reason, never retried silently


class FindingKind(str, Enum):
    COPY = "copy"
    OTHER_ANGLE = "other_angle"
    SAME_SITE = "same_site"
    RECYCLED_IDENTIFIER = "recycled_identifier"
    NO_CLOSEUP = "no_closeup"


class Rating(str, Enum):
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


@dataclass(frozen=True)
class MediaRecord:
    """A media item as the archive holds it (one per distinct sha256)."""

    sha256: str
    size_bytes: int
    file: str  # where its bytes were found when first ingested
    status: MediaStatus
    info: MediaInfo | None = None
    error: str | None = None


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


@dataclass(frozen=True)
class Segment:
    """Matched time span in the media (``start_s``) and in the other media."""

    start_s: float
    end_s: float
    other_start_s: float
    other_end_s: float


@dataclass(frozen=True)
class Finding:
    """One piece of evidence about a claim's media, relative to another claim."""

    kind: FindingKind
    claim_id: str | None  # None for footage checked without storing it
    media: str  # path as written in the claim's manifest (or given to ``check``)
    confidence: float  # 0..1
    other_claim: str | None = None
    other_media: str | None = None
    segment: Segment | None = None
    evidence: dict[str, Any] = field(default_factory=dict, hash=False)


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
