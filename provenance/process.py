"""Fingerprinting of media not seen before: the per-media work of a run.

:func:`fingerprint_media` is pure with respect to the archive (it reads the
media file, returns a :class:`MediaOutcome`) so that it can run in worker
processes; only the coordinating process writes the outcomes to the archive.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures import as_completed
from dataclasses import dataclass, field, replace
from typing import Generic, TypeVar

import av
import cv2
import pebble
from threadpoolctl import threadpool_limits

from . import closeups, sound, views
from .archive import Archive
from .cluster import cluster_map
from .errors import ProvenanceError
from .fingerprint import KIND as FRAMES_KIND
from .fingerprint import THUMBS_KIND, Fingerprints, MediaFingerprint, fingerprint_frames
from .frames import (
    DEADLINE,
    SOUND_RATE,
    DecodeReport,
    Frame,
    extract_frames,
    sound_in,
    transients_in,
)
from .keypoints import KIND as KEYPOINTS_KIND
from .keypoints import WORDS_KIND, WordBag, features_from_bytes, features_to_bytes, word_bag
from .media import probe_media
from .model import MediaInfo, MediaKind, MediaRecord, MediaStatus, Problem
from .progress import progress

log = logging.getLogger("provenance")
T = TypeVar("T")


@dataclass(frozen=True)
class MediaOutcome:
    """What analysing one media item gave: its info and fingerprints, or why it failed.

    ``status`` is :attr:`MediaStatus.DONE`, or whose failure it was:
    :attr:`MediaStatus.UNREADABLE` (the footage) or
    :attr:`MediaStatus.INTERNAL_ERROR` (our code; ``traceback`` for the log).
    ``problems`` are stages that failed while the rest was analysed.
    """

    sha256: str
    file: str
    info: MediaInfo | None = None
    fingerprints: dict[str, bytes] = field(default_factory=dict)
    error: str | None = None
    status: MediaStatus = MediaStatus.DONE
    problems: tuple[Problem, ...] = ()
    traceback: str | None = field(default=None, compare=False)

    @property
    def internal_errors(self) -> list[Problem]:
        """Every failure of our own code on this item (the whole item, or stages of it)."""
        found = [p for p in self.problems if p.kind is MediaStatus.INTERNAL_ERROR]
        if self.status is MediaStatus.INTERNAL_ERROR:
            found.insert(
                0, Problem("analysis", self.status, self.error or "unknown", self.traceback)
            )
        return found


def analyse_file(file: str) -> tuple[MediaInfo, dict[str, bytes], tuple[Problem, ...]]:
    """Probe a media file, fingerprint its frames, read its close-ups. Raises on bad media.

    One decoding pass: the close-up reader keeps its few candidate frames as
    the frames stream past the fingerprinting, and reads them afterwards.
    Then the few seconds of sound around each launch onset the pictures show
    are decoded (a seek each). A file cut short or damaged is analysed as far
    as it decodes, and its info says how far that was. The close-ups and the
    sound are extras: if they fail, the item keeps everything else, and the
    failure is returned as a :class:`Problem` of that stage.
    """
    info = probe_media(file)
    candidates = closeups.CandidateFrames()
    decoded = DecodeReport()

    def frames() -> Iterator[Frame]:
        for frame in extract_frames(file, report=decoded):
            candidates.offer(frame.time_s, frame.luma)
            yield frame

    prints = fingerprint_frames(
        frames(),
        duration_s=info.duration_s,
        refine=lambda windows: transients_in(file, windows),
    )
    if info.kind is MediaKind.VIDEO:
        decoded_s, incomplete = decoded.extent(info.duration_s, info.fps)
        info = replace(info, decoded_s=decoded_s, incomplete=incomplete)
    problems: list[Problem] = []
    try:
        reading = closeups.read_media_closeups(candidates.frames())
    except Exception as exc:  # our OCR stage failed: the item keeps its other fingerprints
        problems.append(Problem.internal("close-ups", exc))
        reading = closeups.CloseupReading(
            tuple(t for t, _ in candidates.frames()), error=f"internal error: {problems[-1].reason}"
        )
    stored = {
        FRAMES_KIND: prints.frames.to_bytes(),
        THUMBS_KIND: prints.frames.thumbs_to_bytes(),
        KEYPOINTS_KIND: features_to_bytes(prints.keyframes),
        WORDS_KIND: prints.words.to_bytes(),
    }
    if prints.views is not None:
        try:
            heard = _launch_sound(file, prints, info.duration_s)
        except ProvenanceError as exc:
            problems.append(Problem("launch sound", MediaStatus.UNREADABLE, exc.reason))
            heard = sound.LaunchSound(())
        except Exception as exc:  # our sound stage failed: the pictures stand
            problems.append(Problem.internal("launch sound", exc))
            heard = sound.LaunchSound(())
        stored[views.KIND] = prints.views.keyframes_to_bytes()
        stored[views.WORDS_KIND] = prints.views.words_to_bytes()
        stored[views.TRACK_KIND] = prints.views.track_to_bytes()
        stored[sound.KIND] = heard.to_bytes()
    stored[closeups.KIND] = reading.to_bytes()
    return info, stored, tuple(problems)


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
    scene = _decode_views(stored)
    reading = (
        closeups.CloseupReading.from_bytes(stored[closeups.KIND])
        if closeups.KIND in stored
        else None
    )
    return Fingerprints(frames, keyframes, words, scene, reading)


def _decode_views(stored: Mapping[str, bytes]) -> views.SceneViews | None:
    """The other-angle views among ``stored`` (None without their words)."""
    if views.WORDS_KIND not in stored:
        return None
    view_words, view_counts = views.SceneViews.words_from_bytes(stored[views.WORDS_KIND])
    return views.SceneViews(
        views.SceneViews.keyframes_from_bytes(stored[views.KIND]) if views.KIND in stored else [],
        view_words,
        view_counts,
        views.SceneViews.track_from_bytes(stored[views.TRACK_KIND])
        if views.TRACK_KIND in stored
        else views.EventTrack.empty(),
        sound.LaunchSound.from_bytes(stored[sound.KIND]) if sound.KIND in stored else None,
    )


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


def stored_views(archive: Archive, sha256: str) -> views.SceneViews | None:
    """One media item's complete other-angle views, and nothing else (None if none)."""
    return _decode_views(
        {kind: data for kind in _VIEW_KINDS if (data := archive.fingerprint(sha256, kind))}
    )


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


HANG_GRACE_S = 5.0  # a process still busy this long past its item's time limit is stopped


def fingerprint_media(sha256: str, file: str, limit: float | None = None) -> MediaOutcome:
    """Analyse one media file. Never raises: a failure is returned with whose it is.

    Footage that cannot be decoded (any :class:`ProvenanceError`, a file gone,
    the decoder refusing it) is ``unreadable``; any other exception is a bug
    of ours, ``internal_error``, returned with its traceback. Decoding stops
    at the item's time limit (``limit``, else :func:`item_time_limit`),
    checked between packets, and the item is unreadable with that reason. A
    decoder stuck inside one call is not interrupted by this:
    :func:`process_media` runs each item in a process it stops then.
    """
    limit = item_time_limit() if limit is None else limit
    token = DEADLINE.set((time.monotonic() + limit, limit))
    unreadable = MediaStatus.UNREADABLE
    try:
        info, fingerprints, problems = analyse_file(file)
    except ProvenanceError as exc:
        return MediaOutcome(sha256, file, error=exc.reason, status=unreadable)
    except FileNotFoundError:
        reason = "media file no longer at its ingested location"
        return MediaOutcome(sha256, file, error=reason, status=unreadable)
    except OSError as exc:
        reason = f"cannot read the media file ({exc.strerror or exc})"
        return MediaOutcome(sha256, file, error=reason, status=unreadable)
    except av.FFmpegError as exc:  # the decoder refused the footage where nothing caught it
        reason = f"the decoder failed ({exc})"
        return MediaOutcome(sha256, file, error=reason, status=unreadable)
    except Exception as exc:  # a bug of ours: never a property of the footage
        problem = Problem.internal("analysis", exc)
        return MediaOutcome(
            sha256,
            file,
            error=problem.reason,
            status=MediaStatus.INTERNAL_ERROR,
            traceback=problem.traceback,
        )
    finally:
        DEADLINE.reset(token)
    return MediaOutcome(sha256, file, info=info, fingerprints=fingerprints, problems=problems)


def _outcome(done: Guarded[MediaOutcome]) -> MediaOutcome:
    """The outcome of one guarded analysis: a hung or dead process is the footage's doing."""
    if done.result is not None:
        return done.result
    sha, file, _ = done.args
    kind = MediaStatus.INTERNAL_ERROR if done.ours else MediaStatus.UNREADABLE
    return MediaOutcome(sha, file, error=done.failure, status=kind, traceback=done.traceback)


def log_problem(where: str, problem: Problem) -> None:
    """Log a stage that failed on one item: ours at ERROR with its traceback, else a WARNING."""
    if problem.kind is MediaStatus.INTERNAL_ERROR:
        log.error(
            "%s: internal error in %s (a bug in provenance, not a property of the footage):"
            " %s\n%s",
            where,
            problem.stage,
            problem.reason,
            problem.traceback or "(no traceback)",
        )
    else:
        log.warning("%s: %s", where, problem.text)


def log_internal_errors(outcome: MediaOutcome) -> None:
    """Log each failure of our own code on ``outcome`` at ERROR, with its traceback."""
    for problem in outcome.internal_errors:
        log_problem(outcome.file, problem)


def process_media(
    archive: Archive,
    records: Sequence[MediaRecord],
    *,
    workers: int = 1,
    scheduler: str | None = None,
    run_id: int | None = None,
) -> list[MediaOutcome]:
    """Analyse ``records`` and store each outcome as soon as it is known.

    Each outcome is its own transaction, so a run killed half-way keeps what
    it finished and the next run takes the rest. The work runs in ``workers``
    local processes, each item stopped if it hangs (:func:`run_guarded`), or
    on the Dask cluster at ``scheduler``; only this process writes to the
    archive. A process that hangs or dies is the footage's doing (a decoder
    stuck or crashing on it): the item is unreadable.
    """
    outcomes: list[MediaOutcome] = []
    limit = item_time_limit()
    if scheduler is not None:
        run = run_each(
            fingerprint_media,
            [r.sha256 for r in records],
            [r.file for r in records],
            [limit] * len(records),
            scheduler=scheduler,
        )
    else:
        run = (
            _outcome(done)
            for done in run_guarded(
                fingerprint_media,
                [(r.sha256, r.file, limit) for r in records],
                workers=workers,
                timeout=limit + HANG_GRACE_S,
                initializer=ready_to_analyse,
            )
        )
    for outcome in progress(run, total=len(records), desc="fingerprinting"):
        log_internal_errors(outcome)
        if outcome.info is not None:
            archive.record_media_info(
                outcome.sha256, outcome.info, outcome.fingerprints, outcome.problems, run_id
            )
            if outcome.info.incomplete:
                log.warning("%s: %s", outcome.file, outcome.info.incomplete)
        else:
            if outcome.status is MediaStatus.UNREADABLE:
                log.warning("%s: unreadable: %s", outcome.file, outcome.error)
            archive.record_media_failure(
                outcome.sha256, outcome.error or "unknown failure", outcome.status, run_id
            )
        outcomes.append(outcome)
    return outcomes


def one_thread_each() -> None:
    """In one of several worker processes: NumPy's BLAS and OpenCV use one thread.

    Two processes each running both cores' worth of threads went at half the
    speed (measured: an 800x800 descriptor product, 6.0 ms against 3.0 ms).
    Only in a clean process (forkserver): after a fork of a process whose BLAS
    threads run, changing them deadlocks.
    """
    threadpool_limits(1)
    cv2.setNumThreads(1)


def ready_to_analyse(one_thread: bool) -> None:
    """Start of an analysis worker: load the OCR model before any item's clock starts.

    Loading it takes a second or more (far more on a loaded machine); counted
    against the first item's time limit, it could get a good item stopped as hung.
    """
    if one_thread:
        one_thread_each()
    with contextlib.suppress(ImportError):  # reported per item by the close-up stage
        closeups.RapidReader()


@dataclass(frozen=True)
class Guarded(Generic[T]):
    """One call of :func:`run_guarded`: its arguments and result, or why it has none.

    ``ours`` tells a failure of our own code (the call raised) from a process
    stopped because it hung or that died (a decoder stuck or crashing).
    """

    args: tuple
    result: T | None = None
    failure: str | None = None
    ours: bool = False
    traceback: str | None = None


def run_guarded(
    fn: Callable[..., T],
    calls: Sequence[tuple],
    *,
    workers: int = 1,
    timeout: float | None,
    initializer: Callable[[bool], None] | None = None,
) -> Iterator[Guarded[T]]:
    """``fn(*args)`` for each of ``calls`` in child processes that are stopped when stuck.

    Yields a :class:`Guarded` per call as it is done: its result, or the
    failure of a call still running after ``timeout`` seconds (None: no
    limit; its process is killed, a decoder stuck inside one C call cannot be
    stopped any other way), of a process that died (a decoder crash), or of
    ``fn`` raising (a bug of ours). The other calls go on in a fresh process.
    Children start from a clean server process (forkserver): nothing this
    process has loaded (an ONNX runtime, threads) is forked. ``initializer``
    runs in each child before its first call, told whether it shares the
    machine with other children (then it should use one thread).
    """
    if not calls:
        return
    context = multiprocessing.get_context("forkserver")
    processes = max(1, min(workers, len(calls)))
    if initializer is not None:
        start, start_args = initializer, (processes > 1,)
    else:
        start, start_args = (one_thread_each if processes > 1 else None), ()
    with pebble.ProcessPool(
        max_workers=processes, context=context, initializer=start, initargs=start_args
    ) as pool:
        futures = {pool.schedule(fn, args=args, timeout=timeout): args for args in calls}
        for future in as_completed(futures):
            args = futures[future]
            try:
                yield Guarded(args, future.result())
            except FutureTimeout:
                why = f"still busy {timeout:g} s after it started: stopped (hung)"
                yield Guarded(args, failure=why)
            except pebble.ProcessExpired as exc:
                yield Guarded(
                    args, failure=f"its process died (exit code {exc.exitcode}): a decoder crash"
                )
            except Exception as exc:
                problem = Problem.internal("worker", exc)
                yield Guarded(args, failure=problem.reason, ours=True, traceback=problem.traceback)


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
        calls = list(zip(*iterables, strict=True))
        for done in run_guarded(fn, calls, workers=workers, timeout=None):
            if done.failure is not None:
                raise RuntimeError(
                    f"a worker process of {fn.__name__} failed: {done.failure}\n"
                    f"{done.traceback or ''}"
                )
            yield done.result  # type: ignore[misc]
