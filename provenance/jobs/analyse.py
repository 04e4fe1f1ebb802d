"""The per-item work of a run: analyse one media file, and store the outcome.

:func:`fingerprint_media` reads the media file and returns a
:class:`MediaOutcome` (never raises: a failure says whose it is), so it can
run in worker processes; :func:`process_media` runs it over many items and is
the only part that writes the outcomes to the archive. Here the stages meet:
media decoding (``provenance.media``) feeds the pure fingerprinting
(``provenance.fingerprint``), and the moments the fingerprints ask to see
again (a launch's every frame, its sound) are decoded and handed back.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

import av

from ..archive import Archive
from ..errors import ProvenanceError
from ..fingerprint import (
    CandidateFrames,
    CloseupReading,
    Fingerprints,
    LaunchSound,
    RapidReader,
    closeup_picture,
    codecs,
    fingerprint_frames,
    launch_sound,
    measure_surface,
    read_media_closeups,
    sound_windows,
)
from ..media import (
    DEADLINE,
    SOUND_RATE,
    DecodeReport,
    FileMetadata,
    Frame,
    extract_frames,
    frame_at,
    probe_media,
    read_metadata,
    sound_in,
    transients_in,
)
from ..model import MediaInfo, MediaKind, MediaRecord, MediaStatus, Problem
from .pool import Guarded, one_thread_each, run_each, run_guarded
from .progress import progress

log = logging.getLogger("provenance")


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
    """A media file probed, fingerprinted, read for close-ups and for what it says of
    itself (its metadata): its stored kinds.

    Raises on bad media. One decoding pass: the close-up reader keeps its few candidate frames as
    the frames stream past the fingerprinting, and reads them afterwards.
    Then every frame around each launch onset the pass saw is decoded again,
    and the few seconds of sound there (a seek each). A file cut short or
    damaged is analysed as far as it decodes, and its info says how far that
    was. The close-ups and the sound are extras: if they fail, the item keeps
    everything else, and the failure is returned as a :class:`Problem` of
    that stage.
    """
    info = probe_media(file)
    candidates = CandidateFrames()
    decoded = DecodeReport()

    def frames() -> Iterator[Frame]:
        for frame in extract_frames(file, report=decoded):
            candidates.offer(frame.time_s, frame.luma)
            yield frame

    first = fingerprint_frames(frames(), duration_s=info.duration_s)
    windows = first.event_windows
    prints = first.finish(transients_in(file, windows) if windows else None)
    if info.kind is MediaKind.VIDEO:
        decoded_s, incomplete = decoded.extent(info.duration_s, info.fps)
        info = replace(info, decoded_s=decoded_s, incomplete=incomplete)
    problems: list[Problem] = []
    picture: dict[str, bytes] = {}
    try:
        reading = read_media_closeups(candidates.frames())
        best = closeup_picture(reading, candidates.frames())
        if best is not None:
            picture = codecs.encode_closeup_picture(best)
    except Exception as exc:  # our close-up stage failed: the item keeps its other fingerprints
        problems.append(Problem.internal("close-ups", exc))
        reading = CloseupReading(
            tuple(t for t, _ in candidates.frames()), error=f"internal error: {problems[-1].reason}"
        )
    try:
        metadata = read_metadata(file, info.kind)
    except Exception as exc:  # our reader failed: the item keeps its fingerprints
        problems.append(Problem.internal("metadata", exc))
        metadata = FileMetadata((), error=f"internal error: {problems[-1].reason}")
    views = prints.views
    if views is not None:
        try:
            heard = _launch_sound(file, prints, info.duration_s)
        except ProvenanceError as exc:
            problems.append(Problem("launch sound", MediaStatus.UNREADABLE, exc.reason))
            heard = LaunchSound(())
        except Exception as exc:  # our sound stage failed: the pictures stand
            problems.append(Problem.internal("launch sound", exc))
            heard = LaunchSound(())
        views = replace(views, sound=heard)
    stored = codecs.encode(replace(prints, views=views, closeup=reading))
    stored[codecs.METADATA] = codecs.encode_metadata(metadata)
    stored.update(picture)
    return info, stored, tuple(problems)


def _launch_sound(file: str, prints: Fingerprints, duration_s: float | None) -> LaunchSound:
    """The sound around the launch onsets the pictures show (nothing to hear: empty)."""
    if prints.views is None or not len(prints.views.track):
        return LaunchSound(())
    track = prints.views.track
    windows = sound_windows([float(track.time_s[i]) for i in track.onsets()], duration_s)
    if not windows:
        return LaunchSound(())
    return launch_sound(sound_in(file, windows, rate=SOUND_RATE), SOUND_RATE)


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
    error = f"{done.failure}: a decoder crash" if done.died else done.failure
    return MediaOutcome(sha, file, error=error, status=kind, traceback=done.traceback)


def log_problem(where: str, problem: Problem) -> None:
    """Log a stage that failed on one item: ours at ERROR with its traceback, else a WARNING."""
    if problem.kind is MediaStatus.INTERNAL_ERROR:
        log.error(
            "%s: internal error in %s (a bug in provenance, not a property of the footage): %s\n%s",
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


def read_missing_metadata(
    archive: Archive, records: Iterable[MediaRecord], have: Mapping[str, FileMetadata]
) -> dict[str, FileMetadata]:
    """Read what each analysed file of ``records`` says about itself where an older
    version did not, and store it in ``archive``.

    ``have``: the metadata the archive holds, by sha256. Items analysed before
    metadata was read keep every fingerprint; only their metadata (a header
    read, milliseconds an item) is added, once, for the files still where they
    were ingested. Returns what was read, by sha256.
    """
    todo = [
        r
        for r in records
        if r.status is MediaStatus.DONE and r.info is not None and r.sha256 not in have
    ]
    read: dict[str, FileMetadata] = {}
    for record in progress(todo, total=len(todo), desc="reading metadata"):
        if record.info is None or not os.path.isfile(record.file):
            continue
        try:
            said = read_metadata(record.file, record.info.kind)
        except Exception as exc:  # our reader failed on it: the item stays without
            log_problem(record.file, Problem.internal("metadata", exc))
            continue
        archive.add_fingerprint(record.sha256, codecs.METADATA, codecs.encode_metadata(said))
        read[record.sha256] = said
    return read


def read_missing_closeups(
    archive: Archive, records: Iterable[MediaRecord], readings: Mapping[str, CloseupReading]
) -> dict[str, CloseupReading]:
    """Bring the close-ups of each analysed file of ``records`` up to this version, in
    ``archive``: measure the surfaces of a reading an older version made for text only,
    and keep the picture of a close-up that keeps none (an older rule did not count it).

    ``readings``: the close-up readings the archive holds, by sha256. The frames the
    older version read are decoded again (only the best one, for a picture alone), a
    seek each (``media.frame_at``: a video's first frame at or after each time, which
    may be a frame next to the one read, since the analysis pass skips B-frames);
    items whose files are gone keep what they have. Each item is stored as it is
    brought up, so a run stopped half-way goes on where it was. Returns the readings
    measured.
    """
    pictured = archive.fingerprint_seqs((codecs.CLOSEUP_PICTURE,))
    todo = [
        (r, reading)
        for r in records
        if r.status is MediaStatus.DONE
        and (reading := readings.get(r.sha256)) is not None
        and reading.frames_read
        and (not reading.surfaces or (reading.picture_s is not None and r.sha256 not in pictured))
    ]
    measured: dict[str, CloseupReading] = {}
    for record, reading in progress(todo, total=len(todo), desc="measuring close-ups"):
        if not os.path.isfile(record.file):
            continue
        unmeasured = not reading.surfaces
        try:
            frames = [
                (t, frame_at(record.file, t))
                for t in reading.frames_read
                if unmeasured or t == reading.picture_s
            ]
            if unmeasured:
                surfaces = tuple(measure_surface(luma, t) for t, luma in frames)
                reading = replace(reading, surfaces=surfaces)
            picture = closeup_picture(reading, frames)
        except ProvenanceError as exc:  # no longer decodes: it keeps the reading it has
            log.warning("%s: close-ups not measured: %s", record.file, exc.reason)
            continue
        except Exception as exc:  # our code failed on it: the item keeps its reading
            log_problem(record.file, Problem.internal("close-ups", exc))
            continue
        # the reading last: stopped before it, the next run measures the item again
        stored = codecs.encode_closeup_picture(picture) if picture is not None else {}
        if unmeasured:
            stored[codecs.CLOSEUP] = codecs.encode_closeup(reading)
            measured[record.sha256] = reading
        for kind, data in stored.items():
            archive.add_fingerprint(record.sha256, kind, data)
    return measured


def ready_to_analyse(one_thread: bool) -> None:
    """Start of an analysis worker: load the OCR model before any item's clock starts.

    Loading it takes a second or more (far more on a loaded machine); counted
    against the first item's time limit, it could get a good item stopped as hung.
    """
    if one_thread:
        one_thread_each()
    with contextlib.suppress(ImportError):  # reported per item by the close-up stage
        RapidReader()
