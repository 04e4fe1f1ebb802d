"""Fingerprinting of media not seen before: the per-media work of a run.

:func:`fingerprint_media` is pure with respect to the archive (it reads the
media file, returns a :class:`MediaOutcome`) so that it can run in worker
processes; only the coordinating process writes the outcomes to the archive.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from .archive import Archive
from .errors import ProvenanceError
from .fingerprint import KIND as FRAMES_KIND
from .fingerprint import Fingerprints, MediaFingerprint, fingerprint_frames
from .frames import extract_frames
from .keypoints import KIND as KEYPOINTS_KIND
from .keypoints import features_from_bytes, features_to_bytes
from .media import probe_media
from .model import MediaInfo, MediaRecord
from .progress import progress

log = logging.getLogger("provenance")


@dataclass(frozen=True)
class MediaOutcome:
    """What fingerprinting one media item gave: its info, or why it failed."""

    sha256: str
    file: str
    info: MediaInfo | None = None
    fingerprints: dict[str, bytes] = field(default_factory=dict)
    error: str | None = None


def analyse_file(file: str) -> tuple[MediaInfo, dict[str, bytes]]:
    """Probe a media file, then fingerprint its frames. Raises on bad media."""
    info = probe_media(file)
    prints = fingerprint_frames(extract_frames(file), duration_s=info.duration_s)
    return info, {
        FRAMES_KIND: prints.frames.to_bytes(),
        KEYPOINTS_KIND: features_to_bytes(prints.keyframes),
    }


def decode_prints(stored: dict[str, bytes]) -> Fingerprints | None:
    """The fingerprints of one media item from their stored bytes (None if absent)."""
    if FRAMES_KIND not in stored:
        return None
    keyframes = features_from_bytes(stored[KEYPOINTS_KIND]) if KEYPOINTS_KIND in stored else []
    return Fingerprints(MediaFingerprint.from_bytes(stored[FRAMES_KIND]), keyframes)


def stored_prints(archive: Archive) -> dict[str, Fingerprints]:
    """Every media item's fingerprints, by sha256."""
    frames = archive.fingerprints(FRAMES_KIND)
    keypoints = archive.fingerprints(KEYPOINTS_KIND)
    prints = {}
    for sha, data in frames.items():
        stored = {FRAMES_KIND: data}
        if sha in keypoints:
            stored[KEYPOINTS_KIND] = keypoints[sha]
        prints[sha] = decode_prints(stored)
    return prints


def fingerprint_media(sha256: str, file: str) -> MediaOutcome:
    """Analyse one media file. Never raises for bad media: the reason is returned."""
    try:
        info, fingerprints = analyse_file(file)
    except ProvenanceError as exc:
        return MediaOutcome(sha256, file, error=exc.reason)
    except FileNotFoundError:
        return MediaOutcome(sha256, file, error="media file no longer at its ingested location")
    except Exception as exc:  # a decoder bug must not stop the batch
        log.exception("unexpected failure on %s", file)
        return MediaOutcome(sha256, file, error=f"unexpected {type(exc).__name__}: {exc}")
    return MediaOutcome(sha256, file, info=info, fingerprints=fingerprints)


def process_media(
    archive: Archive, records: Sequence[MediaRecord], *, workers: int = 1
) -> list[MediaOutcome]:
    """Fingerprint ``records`` and store each outcome as soon as it is known.

    Each outcome is its own transaction, so a run killed half-way keeps what
    it finished and the next run takes the rest.
    """
    outcomes: list[MediaOutcome] = []
    for outcome in progress(_run(records, workers), total=len(records), desc="fingerprinting"):
        if outcome.info is not None:
            archive.record_media_info(outcome.sha256, outcome.info, outcome.fingerprints)
        else:
            log.warning("%s: %s", outcome.file, outcome.error)
            archive.record_media_failure(outcome.sha256, outcome.error or "unknown failure")
        outcomes.append(outcome)
    return outcomes


def _run(records: Sequence[MediaRecord], workers: int) -> Iterator[MediaOutcome]:
    if workers <= 1 or len(records) <= 1:
        for record in records:
            yield fingerprint_media(record.sha256, record.file)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(
            fingerprint_media, [r.sha256 for r in records], [r.file for r in records]
        )
