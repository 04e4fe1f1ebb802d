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
from .fingerprint import KIND as FINGERPRINT_KIND
from .fingerprint import fingerprint_frames
from .frames import extract_frames
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
    fingerprint = fingerprint_frames(extract_frames(file))
    return info, {FINGERPRINT_KIND: fingerprint.to_bytes()}


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
