"""Write a recording as a phone's MP4 would be: H.264 and AAC, byte-reproducibly.

The same pinned settings as :mod:`fixturegen.videoio` (one x264 thread,
``asm=0``, fixed CRF, preset and GOP, ``+bitexact`` muxing, explicit packet
durations; FFmpeg's own AAC encoder with bit-exact flags and 1024-sample
frames), but frames are streamed (a 12 s clip is not held in memory), the
frame rate may be NTSC's 30000/1001, and the sound is AAC at the rate,
channels and bit rate a phone or an upload uses (44.1 or 48 kHz, mono or
stereo, 64-128 kbit/s), or absent.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from ..videoio import _mux

AUDIO_FRAME = 1024


class _Sound:
    """An AAC stream fed in 1024-sample frames with explicit pts (1/rate s)."""

    def __init__(self, out, samples: np.ndarray, rate: int, bitrate: int) -> None:
        self.out, self.samples, self.pos, self.rate = out, samples, 0, rate
        self.tb = Fraction(1, rate)
        self.layout = "stereo" if samples.shape[1] == 2 else "mono"
        self.stream = out.add_stream("aac", rate=rate)
        self.stream.layout = self.layout
        self.stream.codec_context.bit_rate = bitrate
        self.stream.codec_context.time_base = self.tb
        self.stream.time_base = self.tb
        self.stream.codec_context.thread_count = 1
        self.stream.codec_context.options = {"flags": "+bitexact"}

    def until(self, t: Fraction) -> None:
        while self.pos < len(self.samples) and self.pos * self.tb < t:
            chunk = np.ascontiguousarray(self.samples[self.pos : self.pos + AUDIO_FRAME].T)
            af = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=self.layout)
            af.sample_rate = self.rate
            af.pts = self.pos
            af.time_base = self.tb
            for packet in self.stream.encode(af):
                self.out.mux(packet)
            self.pos += chunk.shape[1]

    def finish(self) -> None:
        self.until(Fraction(len(self.samples), self.rate) + 1)
        for packet in self.stream.encode():
            self.out.mux(packet)


def write_clip(
    path: Path,
    frames: Iterable[np.ndarray],
    count: int,
    fps: Fraction,
    *,
    crf: int,
    audio: np.ndarray | None = None,
    audio_rate: int = 48000,
    audio_bitrate: int = 96000,
    gop_s: float = 2.0,
    preset: str = "veryfast",
) -> None:
    """Encode ``count`` RGB ``frames`` at ``fps`` (and ``audio``: samples x channels)."""
    time_base = 1 / fps
    gop = max(1, round(gop_s * float(fps)))
    durations = {p: 1 for p in range(count)}
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="mp4", options={"fflags": "+bitexact"}) as out:
        stream = None
        sound = None
        for p, frame in enumerate(frames):
            if stream is None:
                height, width = frame.shape[:2]
                stream = out.add_stream("libx264", rate=fps)
                stream.width, stream.height = width, height
                stream.pix_fmt = "yuv420p"
                stream.codec_context.time_base = time_base
                stream.time_base = time_base
                stream.codec_context.thread_count = 1
                stream.options = {
                    "crf": str(crf),
                    "preset": preset,
                    "g": str(gop),
                    "keyint_min": str(gop),
                    "sc_threshold": "0",
                    "threads": "1",
                    "x264-params": "threads=1:lookahead-threads=1:sliced-threads=0:asm=0",
                }
                if audio is not None:
                    total = round(count * time_base * audio_rate)
                    a = np.clip(np.asarray(audio, np.float32), -1, 1)[:total]
                    a = np.pad(a, ((0, max(0, total - len(a))), (0, 0)))
                    sound = _Sound(out, a, audio_rate, audio_bitrate)
            if sound:
                sound.until(p * time_base)
            vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
            vf.pts = p
            vf.time_base = time_base
            for packet in stream.encode(vf):
                _mux(out, packet, durations, time_base)
        if stream is None:
            raise ValueError("no frames to encode")
        for packet in stream.encode():
            _mux(out, packet, durations, time_base)
        if sound:
            sound.finish()
