"""Fingerprinting speed: ours vs the decode limit vs a naive loop vs peers.

The 60 s 720p clip (or ``--clip``); contenders interleaved so that machine
noise hits every one alike, medians of ``--repeat`` runs. Peers (videohash,
vpdq, perception) run in their own venvs when set up.

    python -m benchmarks.fingerprint --repeat 5
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import av

from ._common import (
    PEER_NAMES,
    add_clip,
    add_repeat,
    clip_of,
    emit,
    median_time,
    parser,
    run_peer,
    shown,
)


def pyav_decode_all(path: Path) -> int:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        return sum(1 for _ in container.decode(stream))


def ffmpeg_decode_all(path: Path) -> None:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(path), "-f", "null", "-"], check=True
    )


def opencv_decode_all(path: Path) -> int:
    """OpenCV's decoder on the same file (its own FFmpeg), every frame."""
    import cv2

    capture = cv2.VideoCapture(str(path))
    count = 0
    while capture.grab():
        count += 1
    capture.release()
    return count


def pyav_decode_skipping(path: Path, skip: str) -> int:
    """PyAV decoding with frames skipped (BIDIR: I and P frames, what the extractor does)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        stream.codec_context.skip_frame = skip
        return sum(1 for _ in container.decode(stream))


def provenance_fingerprint(path: Path) -> None:
    from provenance.jobs.analyse import analyse_file

    analyse_file(str(path))


def naive_loop(path: Path) -> int:
    """What one writes first: OpenCV reads every frame, imagehash.phash on each."""
    import cv2
    import imagehash
    from PIL import Image

    capture = cv2.VideoCapture(str(path))
    count = 0
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        imagehash.phash(Image.fromarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)))
        count += 1
    capture.release()
    return count


def bench(path: Path, repeat: int) -> dict:
    frames = pyav_decode_all(path)  # warm the page cache and count frames
    has_ffmpeg = shutil.which("ffmpeg") is not None
    # interleave so that machine noise hits every contender alike
    samples: dict[str, list[float]] = {}
    contenders: dict[str, Callable[[], object]] = {
        "pyav decode all frames": lambda: pyav_decode_all(path),
        "pyav decode reference frames (NONREF)": lambda: pyav_decode_skipping(path, "NONREF"),
        "pyav decode I and P frames (BIDIR)": lambda: pyav_decode_skipping(path, "BIDIR"),
        "opencv decode all frames (grab)": lambda: opencv_decode_all(path),
        "provenance fingerprint": lambda: provenance_fingerprint(path),
    }
    if has_ffmpeg:
        contenders["ffmpeg decode all frames"] = lambda: ffmpeg_decode_all(path)
    for _ in range(repeat):
        for name, fn in contenders.items():
            samples.setdefault(name, []).append(median_time(fn, 1))
    rows = {name: statistics.median(v) for name, v in samples.items()}
    rows["naive: OpenCV read + imagehash.phash per frame"] = median_time(
        lambda: naive_loop(path), max(1, repeat // 2)
    )
    peers = {}
    for name in PEER_NAMES:
        result = run_peer(name, [path], [], repeat)
        if result is None:
            peers[name] = "not set up (benchmarks/peers/setup.sh)"
        elif "error" in result:
            peers[name] = f"failed: {result['error']}"
        else:
            info = result["files"][str(path)]
            rows[f"peer {name} {result.get('version', '')}".strip()] = (
                info["seconds"] if not info["error"] else float("nan")
            )
            peers[name] = result.get("method", "")
    limit = rows.get("ffmpeg decode all frames", rows["pyav decode all frames"])
    duration = frames / 30.0
    return {
        "clip": shown(path),
        "frames": frames,
        "seconds": {k: round(v, 3) for k, v in rows.items()},
        "ratio_to_decode_limit": {k: round(v / limit, 2) for k, v in rows.items()},
        "x_realtime": {k: round(duration / v, 1) for k, v in rows.items()},
        "peers": peers,
    }


def main(argv: Sequence[str] | None = None) -> dict:
    p = parser("fingerprint", __doc__)
    add_repeat(p)
    add_clip(p)
    args = p.parse_args(argv)
    return emit("fingerprint", bench(clip_of(args), args.repeat), argv)


if __name__ == "__main__":
    main()
