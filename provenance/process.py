"""Fingerprinting of media not seen before: the per-media work of a run.

:func:`fingerprint_media` is pure with respect to the archive (it reads the
media file, returns a :class:`MediaOutcome`) so that it can run in worker
processes; only the coordinating process writes the outcomes to the archive.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import TypeVar

from . import closeups, sound, views
from .archive import Archive
from .cluster import cluster_map
from .errors import ProvenanceError
from .fingerprint import KIND as FRAMES_KIND
from .fingerprint import THUMBS_KIND, Fingerprints, MediaFingerprint, fingerprint_frames
from .frames import DEADLINE, SOUND_RATE, Frame, extract_frames, sound_in, transients_in
from .keypoints import KIND as KEYPOINTS_KIND
from .keypoints import WORDS_KIND, WordBag, features_from_bytes, features_to_bytes, word_bag
from .media import probe_media
from .model import MediaInfo, MediaRecord
from .progress import progress

log = logging.getLogger("provenance")
T = TypeVar("T")


@dataclass(frozen=True)
class MediaOutcome:
    """What fingerprinting one media item gave: its info, or why it failed."""

    sha256: str
    file: str
    info: MediaInfo | None = None
    fingerprints: dict[str, bytes] = field(default_factory=dict)
    error: str | None = None


def analyse_file(file: str) -> tuple[MediaInfo, dict[str, bytes]]:
    """Probe a media file, fingerprint its frames, read its close-ups. Raises on bad media.

    One decoding pass: the close-up reader keeps its few candidate frames as
    the frames stream past the fingerprinting, and reads them afterwards.
    """
    info = probe_media(file)
    candidates = closeups.CandidateFrames()

    def frames() -> Iterator[Frame]:
        for frame in extract_frames(file):
            candidates.offer(frame.time_s, frame.luma)
            yield frame

    prints = fingerprint_frames(
        frames(),
        duration_s=info.duration_s,
        refine=lambda windows: transients_in(file, windows),
    )
    reading = closeups.read_media_closeups(candidates.frames())
    heard = _launch_sound(file, prints, info.duration_s)
    stored = {
        FRAMES_KIND: prints.frames.to_bytes(),
        THUMBS_KIND: prints.frames.thumbs_to_bytes(),
        KEYPOINTS_KIND: features_to_bytes(prints.keyframes),
        WORDS_KIND: prints.words.to_bytes(),
    }
    if prints.views is not None:
        stored[views.KIND] = prints.views.keyframes_to_bytes()
        stored[views.WORDS_KIND] = prints.views.words_to_bytes()
        stored[views.TRACK_KIND] = prints.views.track_to_bytes()
        stored[sound.KIND] = heard.to_bytes()
    stored[closeups.KIND] = reading.to_bytes()
    return info, stored


def _launch_sound(file: str, prints: Fingerprints, duration_s: float | None) -> sound.LaunchSound:
    """The sound around the launch onsets the pictures show (nothing to hear: empty)."""
    if prints.views is None or not len(prints.views.track):
        return sound.LaunchSound(())
    track = prints.views.track
    windows = sound.sound_windows([float(track.time_s[i]) for i in track.onsets()], duration_s)
    if not windows:
        return sound.LaunchSound(())
    return sound.launch_sound(sound_in(file, windows, rate=SOUND_RATE), SOUND_RATE)


def decode_prints(stored: Mapping[str, bytes]) -> Fingerprints | None:
    """A media item's fingerprints from their stored bytes (None if it has none).

    Whatever kinds are missing stay out: without thumbnails and key frames the
    result is the light form the archive-wide index needs.
    """
    if FRAMES_KIND not in stored:
        return None
    frames = MediaFingerprint.from_bytes(stored[FRAMES_KIND], stored.get(THUMBS_KIND))
    keyframes = features_from_bytes(stored[KEYPOINTS_KIND]) if KEYPOINTS_KIND in stored else []
    words = WordBag.from_bytes(stored[WORDS_KIND]) if WORDS_KIND in stored else word_bag(keyframes)
    scene = None
    if views.WORDS_KIND in stored:
        view_words, view_counts = views.SceneViews.words_from_bytes(stored[views.WORDS_KIND])
        scene = views.SceneViews(
            views.SceneViews.keyframes_from_bytes(stored[views.KIND])
            if views.KIND in stored
            else [],
            view_words,
            view_counts,
            views.SceneViews.track_from_bytes(stored[views.TRACK_KIND])
            if views.TRACK_KIND in stored
            else views.EventTrack.empty(),
            sound.LaunchSound.from_bytes(stored[sound.KIND]) if sound.KIND in stored else None,
        )
    reading = (
        closeups.CloseupReading.from_bytes(stored[closeups.KIND])
        if closeups.KIND in stored
        else None
    )
    return Fingerprints(frames, keyframes, words, scene, reading)


def stored_prints(archive: Archive) -> dict[str, Fingerprints]:
    """Every media item's light fingerprints (frame table, visual words, close-up
    reading), by sha256."""
    light = [WORDS_KIND, views.WORDS_KIND, closeups.KIND]
    stored_light = {kind: archive.fingerprints(kind) for kind in light}
    prints = {}
    for sha, data in archive.fingerprints(FRAMES_KIND).items():
        stored = {FRAMES_KIND: data}
        for kind in light:
            if sha in stored_light[kind]:
                stored[kind] = stored_light[kind][sha]
        found = decode_prints(stored)
        if found is not None:
            prints[sha] = found
    return prints


_COPY_KINDS = (FRAMES_KIND, THUMBS_KIND, KEYPOINTS_KIND, WORDS_KIND, closeups.KIND)
_VIEW_KINDS = (views.KIND, views.WORDS_KIND, views.TRACK_KIND, sound.KIND)


def full_prints(archive: Archive, sha256: str, *, with_views: bool = True) -> Fingerprints | None:
    """One media item's complete fingerprints, thumbnails and key frames included.

    ``with_views=False`` leaves out the other-angle views (SIFT key frames, the
    largest kind): copy matching does not use them, and loading them was a
    quarter of the time it spends loading candidates.
    """
    kinds = _COPY_KINDS + _VIEW_KINDS if with_views else _COPY_KINDS
    stored = {
        kind: data for kind in kinds if (data := archive.fingerprint(sha256, kind)) is not None
    }
    return decode_prints(stored)


ITEM_TIME_LIMIT_S = 900.0  # decoding one item longer than this: stopped, recorded as failed


def item_time_limit() -> float:
    """The time limit of one item: ``$PROVENANCE_ITEM_TIME_LIMIT`` seconds, or the default."""
    try:
        return max(0.001, float(os.environ.get("PROVENANCE_ITEM_TIME_LIMIT", ITEM_TIME_LIMIT_S)))
    except ValueError:
        return ITEM_TIME_LIMIT_S


def fingerprint_media(sha256: str, file: str) -> MediaOutcome:
    """Analyse one media file. Never raises for bad media: the reason is returned.

    Decoding stops at the item's time limit (:func:`item_time_limit`), checked
    between packets, and the item is recorded as failed with that reason. A
    decoder stuck inside one call is not interrupted by this.
    """
    limit = item_time_limit()
    token = DEADLINE.set((time.monotonic() + limit, limit))
    try:
        info, fingerprints = analyse_file(file)
    except ProvenanceError as exc:
        return MediaOutcome(sha256, file, error=exc.reason)
    except FileNotFoundError:
        return MediaOutcome(sha256, file, error="media file no longer at its ingested location")
    except Exception as exc:  # a decoder bug must not stop the batch
        log.exception("unexpected failure on %s", file)
        return MediaOutcome(sha256, file, error=f"unexpected {type(exc).__name__}: {exc}")
    finally:
        DEADLINE.reset(token)
    return MediaOutcome(sha256, file, info=info, fingerprints=fingerprints)


def process_media(
    archive: Archive,
    records: Sequence[MediaRecord],
    *,
    workers: int = 1,
    scheduler: str | None = None,
) -> list[MediaOutcome]:
    """Fingerprint ``records`` and store each outcome as soon as it is known.

    Each outcome is its own transaction, so a run killed half-way keeps what
    it finished and the next run takes the rest. The work runs here, in
    ``workers`` local processes, or on the Dask cluster at ``scheduler``;
    only this process writes to the archive.
    """
    outcomes: list[MediaOutcome] = []
    run = run_each(
        fingerprint_media,
        [r.sha256 for r in records],
        [r.file for r in records],
        workers=workers,
        scheduler=scheduler,
    )
    for outcome in progress(run, total=len(records), desc="fingerprinting"):
        if outcome.info is not None:
            archive.record_media_info(outcome.sha256, outcome.info, outcome.fingerprints)
        else:
            log.warning("%s: %s", outcome.file, outcome.error)
            archive.record_media_failure(outcome.sha256, outcome.error or "unknown failure")
        outcomes.append(outcome)
    return outcomes


def run_each(
    fn: Callable[..., T],
    *iterables: Sequence,
    workers: int = 1,
    scheduler: str | None = None,
) -> Iterator[T]:
    """``fn`` over the zipped ``iterables``: here, in local processes, or on a cluster.

    Results come as they are done (not in order with workers or a cluster), so
    the caller can store each at once. ``fn`` must be a module-level function
    that catches its own errors.
    """
    count = min((len(i) for i in iterables), default=0)
    if scheduler is not None:
        yield from cluster_map(scheduler, fn, *iterables)
    elif workers <= 1 or count <= 1:
        yield from map(fn, *iterables)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(fn, *args) for args in zip(*iterables, strict=True)]
            for future in as_completed(futures):
                yield future.result()
