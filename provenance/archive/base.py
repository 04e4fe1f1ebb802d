"""What the pipeline needs from claim storage, independent of the database.

The pipeline talks only to :class:`Archive`; :mod:`provenance.archive.sqlite`
is the default implementation. A server database can be added beside it
without touching the pipeline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from ..model import (
    Claim,
    Credibility,
    Finding,
    MediaFile,
    MediaInfo,
    MediaRecord,
    MediaStatus,
    Problem,
    ScoreChange,
    StoredClaim,
)

# The stages of analysing one media item that can fail on their own; a new
# analysis of the item replaces their problems.
ANALYSIS_STAGES = ("analysis", "close-ups", "launch sound")


def matching_stage(matcher: str) -> str:
    """The stage name under which ``matcher``'s failures on an item are recorded."""
    return f"matching ({matcher_family(matcher)})"


def matcher_family(matcher: str) -> str:
    """``"copies-v1"`` -> ``"copies"``: the versions of one matcher share their stored matches."""
    family, _, version = matcher.rpartition("-v")
    return family if family and version.isdigit() else matcher


class AddOutcome(StrEnum):
    ADDED = "added"
    UNCHANGED = "unchanged"  # the same claim was ingested before


@dataclass(frozen=True)
class AddResult:
    outcome: AddOutcome
    new_media: tuple[str, ...]  # sha256 of media first seen with this claim


@dataclass(frozen=True)
class ScoredClaim:
    claim_id: str
    credibility: Credibility


class Archive(Protocol):
    """Claims, media, fingerprints, findings and scores, with their history.

    Every method that writes is one transaction: it is all done or not at all.
    """

    path: str

    def close(self) -> None: ...
    def snapshot(self) -> AbstractContextManager[None]: ...

    # claims and media
    def add_claim(self, claim: Claim, media: Sequence[MediaFile]) -> AddResult: ...
    def claims(self) -> list[StoredClaim]: ...
    def claim(self, claim_id: str) -> StoredClaim | None: ...
    def media(self, sha256: str) -> MediaRecord | None: ...
    def media_holders(self, sha256: str) -> list[tuple[str, str]]: ...
    def all_media(self) -> list[MediaRecord]: ...
    def pending_media(self) -> list[MediaRecord]: ...
    def record_media_info(
        self,
        sha256: str,
        info: MediaInfo,
        fingerprints: Mapping[str, bytes] | None = None,
        problems: Sequence[Problem] = (),
        run_id: int | None = None,
    ) -> None: ...
    def record_media_failure(
        self,
        sha256: str,
        reason: str,
        kind: MediaStatus = MediaStatus.UNREADABLE,
        run_id: int | None = None,
    ) -> None: ...

    # fingerprints: opaque bytes per (media, kind), written with the media's info
    def fingerprint(self, sha256: str, kind: str) -> bytes | None: ...
    def item_fingerprints(self, sha256: str, kinds: Sequence[str]) -> dict[str, bytes]: ...
    def fingerprints(self, kind: str) -> dict[str, bytes]: ...
    def add_fingerprint(self, sha256: str, kind: str, data: bytes) -> None: ...
    def fingerprint_epoch(self) -> tuple[str, int] | None: ...
    def fingerprint_seqs(self, kinds: Sequence[str]) -> dict[str, int]: ...

    # media matches: what each matcher matched each item to, kept between runs
    def unmatched_media(self, matcher: str) -> list[str]: ...
    def record_matches(
        self,
        sha256: str,
        matches: Mapping[str, str],
        matcher: str,
        run_id: int,
        *,
        problems: Sequence[Problem] = (),
    ) -> None: ...
    def media_matches(self, matcher: str) -> list[tuple[str, str, str]]: ...

    # findings and scores, recomputed by a re-scoring run
    def save_results(
        self, run_id: int, findings: Iterable[Finding], scores: Iterable[ScoredClaim]
    ) -> list[ScoreChange]: ...
    def findings(self, claim_id: str | None = None) -> list[Finding]: ...
    def score(self, claim_id: str) -> Credibility | None: ...
    def score_history(self, claim_id: str) -> list[tuple[str, int, str]]: ...

    # runs
    def start_run(self, command: str) -> int: ...
    def finish_run(self, run_id: int, status: str, summary: dict) -> None: ...
