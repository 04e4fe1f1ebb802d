"""Encode and decode fixture media with PyAV and Pillow, byte-reproducibly.

Every encoder setting that could vary between runs is pinned: one x264
thread, fixed CRF and preset, a fixed GOP, ``+bitexact`` muxing and explicit
packet durations, so that the same frames always give the same file bytes.
x264's assembly is off (``asm=0``): with PyAV 18's build the same frames gave
different bytes from one encode to the next in one process (measured; plain C
is deterministic, and generating the fixture set takes 18 s instead of 13 s).
An optional soundtrack is AAC (FFmpeg's built-in encoder, bit-exact flags,
1024-sample frames with explicit pts), equally reproducible.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

VFR_TIME_BASE = Fraction(1, 90000)
AUDIO_RATE = 16000
AUDIO_BITRATE = 40000
AUDIO_FRAME = 1024  # samples per AAC frame


@dataclass(frozen=True)
class EncodeSettings:
    """x264 settings of one output file."""

    crf: int = 24
    preset: str = "veryfast"
    gop_s: float = 2.0


@dataclass(frozen=True)
class Decoded:
    """A decoded video: RGB frames with their presentation times in seconds."""

    frames: tuple[np.ndarray, ...]
    times: tuple[float, ...]
    fps: float | None  # nominal rate; None for variable frame rate
    duration_s: float


def encode_video(
    path: Path,
    frames: Sequence[np.ndarray],
    *,
    fps: float | None = None,
    times: Sequence[float] | None = None,
    duration_s: float | None = None,
    settings: EncodeSettings = EncodeSettings(),
    audio: np.ndarray | None = None,
) -> None:
    """Write RGB ``frames`` as H.264 in MP4.

    Constant rate when ``fps`` is given (``times`` ignored); variable rate when
    ``times`` (seconds, increasing) is given: they become the frames' pts on a
    1/90000 time base, and ``duration_s`` fixes the end of the last frame.
    ``audio`` (float mono in [-1, 1] at 16000 Hz, media time 0 = first sample)
    adds an AAC stream, padded with silence or trimmed to the video's duration;
    without it the file has no audio stream.
    """
    if not frames:
        raise ValueError("no frames to encode")
    height, width = frames[0].shape[:2]
    if fps is not None:
        rate = Fraction(fps).limit_denominator(1000)
        time_base = 1 / rate
        pts = list(range(len(frames)))
        ends = [*pts[1:], len(frames)]
        gop = max(1, round(settings.gop_s * fps))
    else:
        if times is None or duration_s is None:
            raise ValueError("a VFR video needs times and duration_s")
        time_base = VFR_TIME_BASE
        pts = [round(t / time_base) for t in times]
        ends = [*pts[1:], round(duration_s / time_base)]
        rate = Fraction(len(frames)) / Fraction(duration_s).limit_denominator(1000)
        gop = max(1, round(settings.gop_s * float(rate)))
    durations = {p: e - p for p, e in zip(pts, ends, strict=True)}
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="mp4", options={"fflags": "+bitexact"}) as out:
        stream = out.add_stream("libx264", rate=rate.limit_denominator(1000))
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = time_base
        stream.time_base = time_base
        stream.codec_context.thread_count = 1
        stream.options = {
            "crf": str(settings.crf),
            "preset": settings.preset,
            "g": str(gop),
            "keyint_min": str(gop),
            "sc_threshold": "0",
            "threads": "1",
            "x264-params": "threads=1:lookahead-threads=1:sliced-threads=0:asm=0",
        }
        sound = None
        if audio is not None:
            total = ends[-1] * time_base
            sound = _AudioTrack(out, _fit(audio, round(total * AUDIO_RATE)))
        for frame, p in zip(frames, pts, strict=True):
            if sound:
                sound.encode_until(p * time_base)
            vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
            vf.pts = p
            vf.time_base = time_base
            for packet in stream.encode(vf):
                _mux(out, packet, durations, time_base)
        for packet in stream.encode():
            _mux(out, packet, durations, time_base)
        if sound:
            sound.finish()


def _fit(audio: np.ndarray, n: int) -> np.ndarray:
    """``audio`` as float32 mono of exactly ``n`` samples (trimmed or padded with silence)."""
    x = np.clip(np.asarray(audio, np.float64).reshape(-1), -1.0, 1.0).astype(np.float32)
    return np.pad(x[:n], (0, max(0, n - len(x))))


class _AudioTrack:
    """An AAC stream fed in fixed 1024-sample frames with explicit pts (1/16000 s)."""

    def __init__(self, out: av.container.OutputContainer, samples: np.ndarray) -> None:
        self.out, self.samples, self.pos = out, samples, 0
        self.tb = Fraction(1, AUDIO_RATE)
        self.stream = out.add_stream("aac", rate=AUDIO_RATE)
        self.stream.layout = "mono"
        self.stream.codec_context.bit_rate = AUDIO_BITRATE
        self.stream.codec_context.time_base = self.tb
        self.stream.time_base = self.tb
        self.stream.codec_context.thread_count = 1
        self.stream.codec_context.options = {"flags": "+bitexact"}

    def encode_until(self, t: Fraction) -> None:
        """Encode the frames starting before media time ``t`` (keeps the muxer interleaved)."""
        while self.pos < len(self.samples) and self.pos * self.tb < t:
            chunk = self.samples[self.pos : self.pos + AUDIO_FRAME]
            af = av.AudioFrame.from_ndarray(chunk[None, :], format="fltp", layout="mono")
            af.sample_rate = AUDIO_RATE
            af.pts = self.pos
            af.time_base = self.tb
            for packet in self.stream.encode(af):
                self.out.mux(packet)
            self.pos += len(chunk)

    def finish(self) -> None:
        """Encode what is left and flush the encoder."""
        self.encode_until(Fraction(len(self.samples), AUDIO_RATE) + 1)
        for packet in self.stream.encode():
            self.out.mux(packet)


def _mux(out: av.container.OutputContainer, packet: av.Packet, durations: dict, tb) -> None:
    """Mux one packet with the exact duration of its frame."""
    packet_tb = packet.time_base or tb
    if packet.pts is not None:
        pts_in_tb = round(packet.pts * packet_tb / tb)
        if pts_in_tb in durations:
            packet.duration = round(durations[pts_in_tb] * tb / packet_tb)
    out.mux(packet)


def decode_video(path: Path) -> Decoded:
    """Decode all frames of ``path`` as RGB with their presentation times."""
    frames: list[np.ndarray] = []
    times: list[float] = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_count = 1
        for frame in container.decode(stream):
            frames.append(frame.to_ndarray(format="rgb24"))
            times.append(float(frame.pts * frame.time_base))
        duration = float(stream.duration * stream.time_base) if stream.duration else times[-1]
        rate = stream.average_rate
    fps = float(rate) if rate and _is_cfr(times, float(rate)) else None
    return Decoded(tuple(frames), tuple(times), fps, duration)


def _is_cfr(times: Sequence[float], fps: float) -> bool:
    """Whether the frame times are a regular grid at ``fps``."""
    steps = np.diff(np.asarray(times))
    return bool(len(steps) == 0 or np.all(np.abs(steps - 1 / fps) < 0.25 / fps))


def frame_at(decoded: Decoded, t: float) -> np.ndarray:
    """The frame on screen at presentation time ``t`` (seconds)."""
    idx = int(np.searchsorted(np.asarray(decoded.times), t + 1e-6, side="right")) - 1
    return decoded.frames[min(max(idx, 0), len(decoded.frames) - 1)]


def write_jpeg(path: Path, image: np.ndarray, *, quality: int = 88) -> None:
    """Save an RGB array as a baseline JPEG (deterministic for fixed input)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="JPEG", quality=quality, optimize=False)
    path.write_bytes(buf.getvalue())


def read_image(path: Path) -> np.ndarray:
    """Load an image file as an RGB array."""
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))
