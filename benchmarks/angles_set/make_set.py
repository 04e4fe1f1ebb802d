"""Generate the multi-camera development set (issue 17) with ``fixturegen.multicam``.

    python -m benchmarks.angles_set.make_set [--out .bench/angles_set] [--seed N] [--workers 2]

Writes ``OUT/media/*.mp4``, ``OUT/manifest.jsonl`` (one claim per clip, claims
at least a day apart) and ``OUT/truth.json`` (every clip and every pair with its
relation), then prints the set's size, what it holds, and the time it took.
The bytes depend only on the seed (not on the number of workers).
"""

from __future__ import annotations

import os
import resource
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from .._common import BENCH, emit, parser, shown
from .split import load_truth

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = BENCH / "angles_set"


def summary(out: Path) -> dict:
    """What the set at ``out`` holds: counts of clips, launches, pairs, and their kinds."""
    truth = load_truth(out)
    clips = truth["clips"].values()
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    launch_sites = {c["site"] for c in clips if c["launch"] and not c["site"].startswith("U")}
    return {
        "clips": len(truth["clips"]),
        "sites_with_launches": len(launch_sites),
        "unrelated_sites": len({c["site"] for c in clips if c["site"].startswith("U")}),
        "launches_filmed_by_several": sum(
            1 for n in Counter(c["launch"] for c in clips if c["launch"]).values() if n >= 2
        ),
        "cameras_per_launch": dict(
            sorted(Counter(Counter(c["launch"] for c in clips if c["launch"]).values()).items())
        ),
        "pairs": dict(Counter(p["relation"] for p in truth["pairs"])),
        "camera_heights": dict(
            Counter(
                c["camera"]["height_kind"] + ("_far" if c["camera"]["far"] else "") for c in clips
            )
        ),
        "portrait": sum(c["camera"]["portrait"] for c in clips),
        "zooming": sum(c["camera"]["zoom"] is not None for c in clips),
        "periods": dict(Counter(c["period"] for c in clips)),
        "sound": dict(Counter(c["sound"]["kind"] for c in clips)),
        "frames": sum(c["frames"] for c in clips),
        "seconds_of_footage": round(sum(c["duration_s"] for c in clips), 1),
        "bytes": size,
    }


def main(argv: Sequence[str] | None = None) -> dict:
    sys.path.insert(0, str(REPO))  # fixturegen/ is a folder of the repository
    from fixturegen.multicam import DEFAULT_SEED, make_set

    p = parser("angles_set.make_set", __doc__)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes (default: up to 2); the bytes do not depend on it",
    )
    args = p.parse_args(argv)
    started = time.perf_counter()
    manifest = make_set(args.out, seed=args.seed, workers=args.workers)
    took = time.perf_counter() - started
    cpu = sum(
        getattr(resource.getrusage(who), f)
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        for f in ("ru_utime", "ru_stime")
    )
    result = {
        "set": shown(args.out),
        "manifest": shown(manifest),
        "seed": args.seed,
        "generation_s": round(took, 1),
        "cpu_s": round(cpu, 1),
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        **summary(args.out),
    }
    return emit("angles_set.make_set", result, argv)


if __name__ == "__main__":
    main()
