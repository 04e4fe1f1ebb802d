"""Stream sampled frames out of a video or a still image.

The extractor decodes every I- and P-frame (the decoder is the cost: seeking
is slower, see BENCHMARKS.md) but converts only the frames it keeps: one every
``every_s`` seconds of presentation time (decoder timestamps, so variable
frame rate works) plus the first frame after each shot change. It reads the
luma plane as a NumPy view (no colour conversion), obeys rotation metadata,
and removes flat borders (letterbox, pillarbox, added frames). Nothing holds
more than a couple of frames at once. A file cut short or damaged yields what
decodes, and a :class:`DecodeReport` says how much that was.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import overload

import av
import cv2
import numpy as np

from ..errors import MediaOpenError, MediaTimeLimit
from ._changes import TRANSIENT_LAG_S, ChangeTracker, Transient
from ._picture import prepare, prepare_box
from ._probe import MAX_VIDEO_PIXELS, read_still, read_still_bgr

log = logging.getLogger("provenance")


ANALYSIS_WIDTH = 640  # px: hashing, border detection and keypoints
SAMPLE_EVERY_S = 0.5  # a frame kept every this many seconds of presentation time

SHOT_CHANGE_DIFF = 28.0  # mean absolute luma difference (0-255) between tiny frames

MAX_CORRUPT_PACKETS = 50  # after this many undecodable packets, the video is refused

_EIGHT_BIT = {
    "yuv420p",
    "yuvj420p",
    "yuv422p",
    "yuvj422p",
    "yuv444p",
    "yuvj444p",
    "nv12",
    "nv21",
    "gray",
}


@dataclass(frozen=True)
class Frame:
    """A sampled frame: its presentation time and its luma, borders removed.

    ``transients`` covers the decoded frames since the previous sample, this
    one included (empty for stills).
    """

    time_s: float
    luma: np.ndarray  # uint8 (h, w), w <= the requested width
    shot_change: bool = False
    transients: tuple[Transient, ...] = ()


@dataclass
class DecodeReport:
    """What one pass over a video managed to decode, filled in as its frames stream.

    Mutable on purpose: the frame generator fills it while the caller
    consumes frames, and the caller reads it once the stream has ended.
    """

    frames: int = 0  # decoded frames
    corrupt_packets: int = 0  # packets the decoder rejected
    corrupt_at_end: int = 0  # ... of them after the last decoded frame (a file cut mid-packet)
    last_s: float | None = None  # presentation time of the last decoded frame
    last_frame_s: float | None = None  # ... and how long it is shown, if the file says
    lost_s: float = 0.0  # time between decoded frames that had rejected packets between them
    stopped: str | None = None  # why demuxing stopped before the end of the file, if it did

    def extent(
        self, duration_s: float | None, fps: float | None
    ) -> tuple[float | None, str | None]:
        """(seconds decoded, what is missing in words or None) against the stated duration.

        A file cut short reads "cut short: 1.7 s of 4.0 s decoded"; stretches
        lost to damage add "damaged: 2.5 s could not be decoded". The last
        frame counts for its own duration (one frame at the average rate if
        the file does not say); a video ending less than half a second (or
        three frames) early is whole.
        """
        if self.last_s is None:
            return None, None
        frame_s = 1.0 / fps if fps else 0.0
        shown = self.last_frame_s if self.last_frame_s is not None else frame_s
        decoded = round(self.last_s + shown, 2)
        missing = []
        if duration_s and duration_s - decoded > max(0.5, 3 * frame_s):
            missing.append(f"cut short: {decoded:.1f} s of {duration_s:.1f} s decoded")
        if self.lost_s >= max(0.5, 2 * frame_s):
            missing.append(f"damaged: {self.lost_s:.1f} s could not be decoded")
        elif self.corrupt_packets - (self.corrupt_at_end if missing else 0):
            # a packet cut in two at the end of a file cut short is the cut, not damage
            count = self.corrupt_packets - (self.corrupt_at_end if missing else 0)
            missing.append(f"damaged: {count} packet(s) could not be decoded")
        if self.stopped and not missing:
            missing.append(f"reading stopped early ({self.stopped})")
        return decoded, "; ".join(missing) or None


def extract_frames(
    path: str | Path,
    *,
    every_s: float = SAMPLE_EVERY_S,
    width: int = ANALYSIS_WIDTH,
    report: DecodeReport | None = None,
) -> Iterator[Frame]:
    """Yield sampled frames of the video or still at ``path``, in time order.

    A still yields one frame at time 0. Raises :class:`MediaOpenError` if the
    file cannot be opened or decodes nothing usable (:class:`MediaTooLarge`
    for an image over the pixel limit). A video cut short or damaged yields
    what decodes; ``report`` says how much that was.
    """
    path = Path(path)
    still = read_still(path)
    if still is not None:
        yield Frame(0.0, prepare(still.grey, width))
        return
    yield from _video_frames(path, every_s=every_s, width=width, report=report or DecodeReport())


def _video_frames(
    path: Path, *, every_s: float, width: int, report: DecodeReport
) -> Iterator[Frame]:
    container = open_video(path)
    with container:
        stream = video_stream(container, path)
        # B-frames need not be decoded: nothing but other B-frames refers to them, the
        # I- and P-frames left still come several times a second (plenty for a 0.5 s
        # step), and decoding costs about half (BENCHMARKS.md).
        stream.codec_context.skip_frame = "BIDIR"
        start = start_s(stream)
        next_sample = 0.0
        previous_tiny: np.ndarray | None = None
        changes = ChangeTracker()
        decoded = corrupt = 0
        corrupt_since_last = False
        for frame in decode_tolerant(container, stream, path, report):
            if frame is None:
                corrupt += 1
                report.corrupt_packets = corrupt
                report.corrupt_at_end += 1
                corrupt_since_last = True
                if corrupt > MAX_CORRUPT_PACKETS:
                    raise MediaOpenError(path, f"over {MAX_CORRUPT_PACKETS} corrupt packets")
                continue
            decoded += 1
            t = (frame.time - start) if frame.time is not None else decoded / 30.0
            if corrupt_since_last and report.last_s is not None and t > report.last_s:
                report.lost_s = round(report.lost_s + t - report.last_s, 3)
            corrupt_since_last = False
            report.corrupt_at_end = 0
            report.frames = decoded
            if report.last_s is None or t >= report.last_s:
                report.last_s = t
                report.last_frame_s = (
                    float(frame.duration * frame.time_base)
                    if frame.duration and frame.time_base
                    else None
                )
            luma = _luma_view(frame)
            step = max(1, luma.shape[1] // 64)
            tiny = luma[::step, ::step].astype(np.int16)
            cut = (
                previous_tiny is not None
                and tiny.shape == previous_tiny.shape
                and float(np.abs(tiny - previous_tiny).mean()) > SHOT_CHANGE_DIFF
            )
            previous_tiny = tiny
            rotated = _rotate(luma, frame.rotation)
            changes.add(max(0.0, t), rotated, cut)
            if t + 1e-6 < next_sample and not cut:
                continue
            if t + 1e-6 >= next_sample:
                next_sample = (int((t + 1e-6) / every_s) + 1) * every_s
            prepared, box, scale = prepare_box(rotated, width)
            changes.box, changes.scale = box, scale
            yield Frame(max(0.0, t), prepared, cut, changes.take())
        if corrupt:
            log.warning("%s: skipped %d corrupt packet(s)", path, corrupt)
        if decoded == 0:
            raise MediaOpenError(path, "video has no decodable frames")


def open_video(path: Path) -> av.container.InputContainer:
    try:
        return av.open(str(path), metadata_errors="ignore")
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise MediaOpenError(path, "neither an image nor a video that can be decoded") from exc


def video_stream(container: av.container.InputContainer, path: Path) -> av.VideoStream:
    """The first video stream, threaded; refused if missing or over the pixel limit."""
    if not container.streams.video:
        raise MediaOpenError(path, "no video stream")
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    ctx = stream.codec_context
    if ctx.width * ctx.height > MAX_VIDEO_PIXELS:
        raise MediaOpenError(path, f"video of {ctx.width}x{ctx.height} pixels is too large")
    return stream


def start_s(stream: av.VideoStream) -> float:
    """Presentation time of the stream's start (media times count from it)."""
    if stream.start_time is None or stream.time_base is None:
        return 0.0
    return float(stream.start_time * stream.time_base)


# When analysing one media item must stop (time.monotonic()), if it must: set
# by whoever runs an item (process.analyse_file) and checked between packets.
DEADLINE: ContextVar[tuple[float, float] | None] = ContextVar("DEADLINE", default=None)


@overload
def decode_tolerant(
    container: av.container.InputContainer,
    stream: av.VideoStream,
    path: Path,
    report: DecodeReport | None = None,
) -> Iterator[av.VideoFrame | None]: ...
@overload
def decode_tolerant(
    container: av.container.InputContainer,
    stream: av.AudioStream,
    path: Path,
    report: DecodeReport | None = None,
) -> Iterator[av.AudioFrame | None]: ...
def decode_tolerant(
    container: av.container.InputContainer,
    stream: av.VideoStream | av.AudioStream,
    path: Path,
    report: DecodeReport | None = None,
) -> Iterator[av.VideoFrame | av.AudioFrame | None]:
    """Decoded frames; ``None`` for each packet the decoder rejected.

    A file whose container breaks off (cut short, damaged index) ends where
    demuxing fails: what came before stands, and ``report`` says why it
    stopped. Raises :class:`MediaTimeLimit` once the item's :data:`DEADLINE`
    has passed.
    """
    deadline = DEADLINE.get()
    for packet in _demux_tolerant(container, stream, path, report):
        if deadline is not None and time.monotonic() > deadline[0]:
            raise MediaTimeLimit(
                path, f"still decoding after the time limit of {deadline[1]:g} s: stopped"
            )
        try:
            frames = packet.decode()
        except (av.FFmpegError, ValueError):
            yield None
            continue
        yield from frames


def _demux_tolerant(
    container: av.container.InputContainer,
    stream: av.VideoStream | av.AudioStream,
    path: Path,
    report: DecodeReport | None,
) -> Iterator[av.Packet]:
    """The stream's packets until the end, or until the container cannot be read further."""
    packets = container.demux(stream)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            return
        except (av.FFmpegError, OSError, ValueError) as exc:
            log.warning("%s: the file cannot be read past this point (%s)", path, exc)
            if report is not None:
                report.stopped = str(exc)
            return
        yield packet


def _luma_view(frame: av.VideoFrame) -> np.ndarray:
    """The Y plane as a NumPy view for 8-bit formats; a conversion otherwise."""
    if frame.format.name in _EIGHT_BIT:
        plane = frame.planes[0]
        buffer = np.frombuffer(memoryview(plane), dtype=np.uint8)
        return buffer.reshape(plane.height, plane.line_size)[:, : plane.width]
    return frame.to_ndarray(format="gray")


def _rotate(luma: np.ndarray, rotation: float | int | None) -> np.ndarray:
    """Apply display rotation (counter-clockwise degrees) as a player would."""
    quarter = round((rotation or 0) / 90.0) % 4
    return np.rot90(luma, quarter) if quarter else luma


def seek_before(
    container: av.container.InputContainer, stream: av.stream.Stream, stream_time_s: float
) -> bool:
    """Seek to the key frame at or before a second ahead of ``stream_time_s``."""
    if stream.time_base is None:  # no time base: no time to seek to
        return False
    try:
        container.seek(
            int(max(0.0, stream_time_s - 1.0) / stream.time_base), stream=stream, backward=True
        )
    except (av.FFmpegError, ValueError):
        return False
    return True


def transients_in(
    path: str | Path, windows: list[tuple[float, float]], *, width: int = ANALYSIS_WIDTH
) -> list[Transient]:
    """Transients of every decoded frame (B-frames too) inside ``windows``.

    The main pass decodes no B-frames, a few frames a second; around a launch
    that is too coarse to follow the drone, so these moments are decoded again
    in full: a seek to each window, a few seconds of decoding.
    """
    path = Path(path)
    found: list[Transient] = []
    container = open_video(path)
    with container:
        stream = video_stream(container, path)
        base = start_s(stream)
        for start, end in windows:
            changes = ChangeTracker()
            if not seek_before(container, stream, base + start):
                continue
            for frame in decode_tolerant(container, stream, path):
                if frame is None or frame.time is None:
                    continue
                t = frame.time - base
                if t < start - TRANSIENT_LAG_S - 0.1:
                    continue
                if t > end:
                    break
                rotated = _rotate(_luma_view(frame), frame.rotation)
                if changes.box is None:
                    _, changes.box, changes.scale = prepare_box(rotated, width)
                changes.add(max(0.0, t), rotated, False)
            found.extend(x for x in changes.take() if start <= x.time_s <= end)
    return found


def frame_at(
    path: str | Path, time_s: float, *, width: int = ANALYSIS_WIDTH, colour: bool = False
) -> np.ndarray:
    """The sampled-frame view (luma, borders cut, at most ``width``) at ``time_s``.

    The same pixels the fingerprints were taken from, so boxes and points
    stored with findings can be drawn on it; ``colour`` gives them in colour
    (BGR, the same crop and size) for people to look at. A still gives
    itself; a video its first frame at or after ``time_s`` (a seek, then a
    short decode). Raises :class:`MediaOpenError` if the file cannot be read.
    """
    path = Path(path)
    still = read_still(path)
    if still is not None:
        return _view(still.grey, read_still_bgr(path) if colour else None, width)
    container = open_video(path)
    with container:
        stream = video_stream(container, path)
        base = start_s(stream)
        seek_before(container, stream, base + time_s)  # if it fails, decode from the start
        last = None
        for frame in decode_tolerant(container, stream, path):
            if frame is None or frame.time is None:
                continue
            last = frame
            if frame.time - base >= time_s - 1e-3:
                break
        if last is None:
            raise MediaOpenError(path, f"no frame at {time_s:.2f} s")
        bgr = _rotate(last.to_ndarray(format="bgr24"), last.rotation) if colour else None
        return _view(_rotate(_luma_view(last), last.rotation), bgr, width)


def _view(luma: np.ndarray, bgr: np.ndarray | None, width: int) -> np.ndarray:
    """The analysed view of a frame: its luma prepared, or its colour cut and sized alike."""
    prepared, box, _scale = prepare_box(luma, width)
    if bgr is None:
        return prepared
    if bgr.shape[:2] != luma.shape:  # chroma planes of odd sizes: match the luma
        bgr = cv2.resize(bgr, (luma.shape[1], luma.shape[0]), interpolation=cv2.INTER_AREA)
    if luma.shape[1] > width:
        size = (width, max(1, round(luma.shape[0] * width / luma.shape[1])))
        bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(bgr[box.top : box.bottom, box.left : box.right])
