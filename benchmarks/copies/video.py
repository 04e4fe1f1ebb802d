"""Streaming video input and output for the copy benchmark (PyAV), never a whole video in memory.

:class:`Reader` decodes a file once, forward, and hands out the frame on screen at
each asked time (times must not go back); :class:`Writer` encodes RGB frames as
they come, H.264 in MP4, one x264 thread and bit-exact muxing.

The frames given to the encoder are the same from one run to the next; the bytes
out of it are not always: with x264's assembly on, PyAV 18's x264 now and then
codes identical frames differently in a process that encoded other videos
before (as ``fixturegen/videoio.py`` found; measured here on a picture-in-picture
copy: 20 of 131 frames differ, by at most 0.12 in mean squared error, PSNR above
57 dB). ``COPIES_EXACT=1`` (``make_set --exact``) turns the assembly off: the
same bytes every time, at about three times the encoding time.
"""

from __future__ import annotations

import heapq
import os
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

AUDIO_RATE = 16000
AUDIO_FRAME = 1024


def even(n: float) -> int:
    """``n`` rounded to an even number of pixels, at least 2 (H.264 with 4:2:0 needs it)."""
    return max(2, round(n / 2.0) * 2)


def rate_of(fps: float) -> Fraction:
    return Fraction(fps).limit_denominator(1000)


class Reader:
    """The frames of ``path`` in presentation order, as RGB uint8 arrays.

    ``play_fps`` ignores the file's timestamps and shows decoded frame ``i`` at
    ``i / play_fps`` (footage played slower than it was recorded). Times are
    relative to the first frame. ``size`` scales every frame to (width, height),
    ``sar`` applied: pixels come out square.
    """

    REORDER = 8  # frames held to put a decoder's output in presentation order

    def __init__(
        self,
        path: str | Path,
        *,
        play_fps: float | None = None,
        size: tuple[int, int] | None = None,
    ) -> None:
        self.path = str(path)
        self.play_fps = play_fps
        self.size = size
        self._container = av.open(self.path)
        stream = self._container.streams.video[0]
        stream.thread_type = "AUTO"
        self._stream = stream
        sar = stream.sample_aspect_ratio
        self._sar = float(sar) if sar else 1.0
        self._frames = self._ordered()
        self._current: tuple[float, np.ndarray] | None = None
        self._next: tuple[float, np.ndarray] | None = None
        self._t0: float | None = None
        self._index = 0
        self._advance()
        self._current, self._next = self._next, None
        self._advance()

    def _decoded(self) -> Iterator[tuple[float, np.ndarray]]:
        for i, frame in enumerate(self._container.decode(self._stream)):
            t = float(frame.time) if frame.time is not None else float(i)
            yield t, self._rgb(frame)

    def _rgb(self, frame: av.VideoFrame) -> np.ndarray:
        if self.size is not None:
            w, h = self.size
            return frame.reformat(width=w, height=h, format="rgb24").to_ndarray()
        if abs(self._sar - 1.0) > 1e-3:
            w = even(frame.width * self._sar)
            return frame.reformat(width=w, height=frame.height, format="rgb24").to_ndarray()
        return frame.to_ndarray(format="rgb24")

    def _ordered(self) -> Iterator[tuple[float, np.ndarray]]:
        heap: list[tuple[float, int, np.ndarray]] = []
        for n, (t, rgb) in enumerate(self._decoded()):
            heapq.heappush(heap, (t, n, rgb))
            if len(heap) > self.REORDER:
                t, _, rgb = heapq.heappop(heap)
                yield t, rgb
        while heap:
            t, _, rgb = heapq.heappop(heap)
            yield t, rgb

    def _advance(self) -> None:
        item = next(self._frames, None)
        if item is None:
            self._next = None
            return
        t, rgb = item
        if self.play_fps is not None:
            t = self._index / self.play_fps
        else:
            if self._t0 is None:
                self._t0 = t
            t -= self._t0
        self._index += 1
        self._next = (t, rgb)

    def frame_at(self, t: float) -> np.ndarray:
        """The frame on screen at ``t`` seconds (the last one past the end)."""
        assert self._current is not None
        while self._next is not None and self._next[0] <= t + 1e-6:
            self._current = self._next
            self._advance()
        return self._current[1]

    def close(self) -> None:
        self._container.close()

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def probe(path: str | Path, *, play_fps: float | None = None) -> dict:
    """Frames, duration (last frame's end), display size and frame rate of a video."""
    times = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        width = height = 0
        sar = float(stream.sample_aspect_ratio) if stream.sample_aspect_ratio else 1.0
        for i, frame in enumerate(container.decode(stream)):
            times.append(float(frame.time) if frame.time is not None else float(i))
            if i == 0:
                width = frame.width * sar
                height = frame.height
        rate = float(stream.average_rate) if stream.average_rate else None
    times.sort()
    n = len(times)
    if play_fps is not None:
        step, duration = 1 / play_fps, n / play_fps
    else:
        steps = np.diff(times) if n > 1 else np.array([1 / (rate or 25)])
        step = float(np.median(steps))
        duration = times[-1] - times[0] + step
    return {
        "frames": n,
        "duration_s": duration,
        "width": round(width),
        "height": height,
        "fps": 1 / step if step > 0 else (rate or 25.0),
    }


class Writer:
    """Encode RGB frames as they come: H.264 (x264 ``preset``, ``crf``), MP4, GOP 2 s.

    ``audio`` (float mono in [-1, 1] at 16 kHz) adds an AAC track, trimmed or
    padded to the video's length. Written to a temporary name and moved into
    place when closed without error.
    """

    def __init__(
        self,
        path: str | Path,
        width: int,
        height: int,
        fps: float,
        *,
        crf: int = 23,
        preset: str = "veryfast",
        audio: np.ndarray | None = None,
    ) -> None:
        self.path = Path(path)
        self.tmp = self.path.with_name(f".{self.path.stem}.part.mp4")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.rate = rate_of(fps)
        self.tb = 1 / self.rate
        self.width, self.height = width, height
        self._out = av.open(str(self.tmp), "w", format="mp4", options={"fflags": "+bitexact"})
        stream = self._out.add_stream("libx264", rate=self.rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.time_base = self.tb
        stream.time_base = self.tb
        stream.codec_context.thread_count = 1
        gop = max(1, round(2 * fps))
        stream.options = {
            "crf": str(crf),
            "preset": preset,
            "g": str(gop),
            "keyint_min": str(min(gop, 25)),
            "threads": "1",
            "x264-params": "threads=1:lookahead-threads=1:sliced-threads=0"
            + (":asm=0" if os.environ.get("COPIES_EXACT") == "1" else ""),
        }
        self._stream = stream
        self._n = 0
        self._audio = None
        if audio is not None:
            self._audio = _Audio(self._out, np.asarray(audio, np.float32))

    def write(self, rgb: np.ndarray) -> None:
        if rgb.shape[:2] != (self.height, self.width):
            raise ValueError(f"frame {rgb.shape[:2]} in a {self.height}x{self.width} video")
        if self._audio is not None:
            self._audio.encode_until(self._n * self.tb)
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        frame.pts = self._n
        frame.time_base = self.tb
        for packet in self._stream.encode(frame):
            self._out.mux(packet)
        self._n += 1

    def close(self, ok: bool = True) -> None:
        if self._out is None:
            return
        try:
            if ok:
                for packet in self._stream.encode():
                    self._out.mux(packet)
                if self._audio is not None:
                    self._audio.finish(self._n * self.tb)
        finally:
            self._out.close()
            self._out = None
        if ok:
            self.tmp.replace(self.path)
        else:
            self.tmp.unlink(missing_ok=True)

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, exc_type, *rest) -> None:
        self.close(ok=exc_type is None)


class _Audio:
    """AAC mono at 16 kHz, fed in 1024-sample frames with explicit pts."""

    def __init__(self, out, samples: np.ndarray) -> None:
        self.out, self.samples, self.pos = out, np.clip(samples, -1, 1), 0
        self.tb = Fraction(1, AUDIO_RATE)
        stream = out.add_stream("aac", rate=AUDIO_RATE)
        stream.layout = "mono"
        stream.codec_context.bit_rate = 48000
        stream.codec_context.time_base = self.tb
        stream.time_base = self.tb
        stream.codec_context.thread_count = 1
        stream.codec_context.options = {"flags": "+bitexact"}
        self.stream = stream

    def encode_until(self, t: Fraction) -> None:
        while self.pos < len(self.samples) and self.pos * self.tb < t:
            chunk = self.samples[self.pos : self.pos + AUDIO_FRAME]
            if len(chunk) < AUDIO_FRAME:
                chunk = np.pad(chunk, (0, AUDIO_FRAME - len(chunk)))
            af = av.AudioFrame.from_ndarray(chunk[None, :], format="fltp", layout="mono")
            af.sample_rate = AUDIO_RATE
            af.pts = self.pos
            af.time_base = self.tb
            for packet in self.stream.encode(af):
                self.out.mux(packet)
            self.pos += AUDIO_FRAME

    def finish(self, end: Fraction) -> None:
        self.samples = self.samples[: int(end * AUDIO_RATE)]
        self.encode_until(end)
        for packet in self.stream.encode():
            self.out.mux(packet)
