"""What several benchmarks share: the rendered clip, encoding, timing, peers, the JSON output.

Footage is rendered with the fixture generator (``fixturegen``, a folder at
the repository root: run the benchmarks from there, ``python -m
benchmarks.<name>``) into ``.bench/`` and reused between runs. Peers run in
their own venvs (``benchmarks/peers/setup.sh``); a peer that is not set up is
skipped and said so. Not tests: timings on a shared 2-core machine are noisy,
so figures are medians of ``--repeat`` runs and comparisons are ratios taken
in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / ".bench"
PEERS = REPO / "benchmarks" / "peers"
PEER_NAMES = ("videohash", "vpdq", "perception")
FIXTURES = REPO / "provenance" / "fixtures"


# -- options and output -------------------------------------------------------------------


def parser(name: str, doc: str | None) -> argparse.ArgumentParser:
    """The argument parser of benchmark ``name``, its module docstring as description."""
    return argparse.ArgumentParser(
        prog=f"python -m benchmarks.{name}",
        description=doc,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def add_repeat(p: argparse.ArgumentParser) -> None:
    p.add_argument("--repeat", type=int, default=5)


def add_clip(p: argparse.ArgumentParser) -> None:
    p.add_argument("--clip", help="use this video instead of the rendered 720p clip")


def add_fixtures(p: argparse.ArgumentParser) -> None:
    p.add_argument("--fixtures", default=str(FIXTURES))


def emit(name: str, result: dict, argv: Sequence[str] | None, out: Path | None = None) -> dict:
    """Print ``result`` as JSON with the machine, the date and the command line, and
    write it to ``out`` too when given."""
    args = sys.argv[1:] if argv is None else list(argv)
    result["machine"] = (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    result["date"] = date.today().isoformat()
    result["command"] = " ".join([f"python -m benchmarks.{name}", *args])
    print(json.dumps(result, indent=1))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return result


def shown(path: Path) -> str:
    """``path`` relative to the repository when inside it."""
    return str(path.relative_to(REPO) if path.is_relative_to(REPO) else path)


# -- footage -------------------------------------------------------------------------------


def encode_stream(
    path: Path,
    frames: Iterable[np.ndarray],
    *,
    width: int,
    height: int,
    fps: int,
    options: dict[str, str],
) -> Path:
    """Encode RGB frames as they come (H.264, GOP 2 s) to ``path``, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part.mp4")
    with av.open(str(tmp), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {**options, "g": str(2 * fps)}
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    tmp.replace(path)
    return path


def render_site_clip(
    path: Path, *, seconds: float, width: int, height: int, fps: int = 30, crf: int = 23
) -> Path:
    """A launch-site clip from the fixture renderer, streamed to H.264."""
    if path.exists():
        return path
    from fixturegen.footage import site_clip_frames

    frames = site_clip_frames(seconds=seconds, width=width, height=height, fps=fps)
    return encode_stream(
        path,
        frames,
        width=width,
        height=height,
        fps=fps,
        options={"crf": str(crf), "preset": "veryfast"},
    )


def clip_720p() -> Path:
    """The 60 s 1280x720 30 fps clip of the speed benchmarks (rendered once, in .bench/)."""
    return render_site_clip(
        BENCH / "footage" / "site_720p_60s.mp4", seconds=60, width=1280, height=720
    )


def clip_of(args: argparse.Namespace) -> Path:
    """``--clip``, else the rendered 720p clip."""
    return Path(args.clip) if args.clip else clip_720p()


# -- timing --------------------------------------------------------------------------------


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def fresh_db(db: Path) -> Path:
    """``db`` with any archive left there by an earlier run removed (its folder made)."""
    db.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), Path(f"{db}.lock")):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(f"{db}.index", ignore_errors=True)  # its persisted indexes
    return db


# -- peers ---------------------------------------------------------------------------------


def peer_python(name: str) -> Path | None:
    python = BENCH / "venvs" / name / "bin" / "python"
    return python if python.exists() else None


def run_peer(name: str, files: list[Path], pairs: list[dict], repeat: int) -> dict | None:
    """Run a peer's adapter in its own venv; None if the peer is not set up."""
    python = peer_python(name)
    if python is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "pairs.json"
        out = Path(tmp) / "results.json"
        spec.write_text(json.dumps({"files": [str(f) for f in files], "pairs": pairs}))
        done = subprocess.run(
            [
                str(python),
                str(PEERS / f"adapter_{name}.py"),
                "--pairs",
                str(spec),
                "--out",
                str(out),
                "--repeat",
                str(repeat),
            ],
            capture_output=True,
            text=True,
            timeout=3600,
        )
        if done.returncode != 0 or not out.exists():
            return {"error": (done.stderr or done.stdout)[-500:]}
        return json.loads(out.read_text())
