"""Peak memory fingerprinting a long 1080p video, in a child process.

A cheap ``--seconds``-long 1920x1080 25 fps H.264 video (a small moving
picture on a still background, CRF 30, ``ultrafast``: no B-frames to skip),
rendered once into ``.bench/footage/``, analysed as ingest analyses it;
peak RSS of that process and its time.

    python -m benchmarks.memory
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from ._common import BENCH, emit, encode_stream, parser


def make_long_video(path: Path, *, seconds: int, width: int, height: int, fps: int) -> Path:
    """A cheap long video: a small moving picture on a still background, ultrafast."""
    if path.exists():
        return path
    import cv2
    from skimage import data

    background = cv2.resize(data.astronaut(), (width, height))
    sprite = cv2.resize(data.coffee(), (width // 4, height // 4))

    def frames() -> Iterator[np.ndarray]:
        for i in range(seconds * fps):
            frame = background.copy()
            x = int((width - sprite.shape[1]) * (0.5 + 0.5 * np.sin(i / 200)))
            y = int((height - sprite.shape[0]) * (0.5 + 0.5 * np.cos(i / 300)))
            frame[y : y + sprite.shape[0], x : x + sprite.shape[1]] = sprite
            yield frame

    return encode_stream(
        path,
        frames(),
        width=width,
        height=height,
        fps=fps,
        options={"crf": "30", "preset": "ultrafast"},
    )


def bench(seconds: int) -> dict:
    name = "long_1080p_1h.mp4" if seconds == 3600 else f"long_1080p_{seconds}s.mp4"
    path = make_long_video(
        BENCH / "footage" / name,
        seconds=seconds,
        width=1920,
        height=1080,
        fps=25,
    )
    code = (
        "import resource, sys, time; from provenance.jobs.analyse import analyse_file;"
        "t = time.perf_counter(); info = analyse_file(sys.argv[1])[0];"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.perf_counter() - t,"
        " info.duration_s)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    peak_kb, took, duration = done.stdout.split()
    return {
        "video": f"{path.name} (1920x1080, 25 fps, {float(duration):.0f} s)",
        "peak_rss_mb": round(int(peak_kb) / 1024, 1),
        "fingerprint_s": round(float(took), 1),
    }


def main(argv: Sequence[str] | None = None) -> dict:
    p = parser("memory", __doc__)
    p.add_argument("--seconds", type=int, default=3600, help="video length")
    args = p.parse_args(argv)
    return emit("memory", bench(args.seconds), argv)


if __name__ == "__main__":
    main()
