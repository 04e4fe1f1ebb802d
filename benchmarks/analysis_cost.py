"""What one change costs the whole analysis: this tree against another, side by side.

    python -m benchmarks.analysis_cost --other /path/to/worktree --repeat 5 [--clip FILE]

Each round times ``analyse_file`` on the clip (the rendered 60 s 720p clip by
default) in a fresh process for this tree and for the tree at ``--other``
(``git worktree add /tmp/old REV``; put on ``PYTHONPATH``), one warm-up call
then one timed call each, and ``ffmpeg -f null`` decoding every frame, so
that machine noise hits all three alike. Prints the medians, the ratios to
ffmpeg, and the stored bytes of each tree's fingerprints.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ._common import add_clip, add_repeat, clip_of, emit, parser, shown

REPO = Path(__file__).resolve().parents[1]

_TIMED = """
import json, sys, time
from provenance.jobs.analyse import analyse_file
analyse_file(sys.argv[1])
start = time.perf_counter()
_, kinds, _ = analyse_file(sys.argv[1])
print(json.dumps({"seconds": time.perf_counter() - start,
                  "bytes": {kind: len(data) for kind, data in kinds.items()}}))
"""


def timed_analysis(tree: Path, clip: Path) -> dict:
    """``analyse_file`` of ``clip`` with the package of ``tree``, in a process of its own."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    # run from inside the tree: ``python -c`` puts the working directory first on the path
    done = subprocess.run(
        [sys.executable, "-c", _TIMED, str(clip.resolve())],
        env=env,
        cwd=tree,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def ffmpeg_seconds(clip: Path) -> float:
    start = time.perf_counter()
    subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(clip), "-f", "null", "-"], check=True)
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> dict:
    p = parser("analysis_cost", __doc__)
    add_clip(p)
    add_repeat(p)
    p.add_argument("--other", required=True, help="a tree (worktree) of the other version")
    args = p.parse_args(argv)
    if not shutil.which("ffmpeg"):
        p.error("ffmpeg is needed: the ratios are to its decoding time")
    clip = clip_of(args)
    trees = {"this": REPO, "other": Path(args.other).resolve()}
    seconds: dict[str, list[float]] = {name: [] for name in [*trees, "ffmpeg"]}
    stored: dict[str, dict] = {}
    for _ in range(args.repeat):
        for name, tree in trees.items():
            run = timed_analysis(tree, clip)
            seconds[name].append(run["seconds"])
            stored[name] = run["bytes"]
        seconds["ffmpeg"].append(ffmpeg_seconds(clip))
    medians = {name: statistics.median(v) for name, v in seconds.items()}
    out = {
        "clip": shown(clip),
        "repeat": args.repeat,
        "median_s": {name: round(v, 3) for name, v in medians.items()},
        "x_ffmpeg": {name: round(medians[name] / medians["ffmpeg"], 2) for name in trees},
        "stored_bytes": {name: sum(b.values()) for name, b in stored.items()},
        "stored_by_kind": stored,
    }
    return emit("analysis_cost", out, argv)


if __name__ == "__main__":
    main()
