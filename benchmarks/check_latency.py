"""``check`` of one clip end to end against a large archive, side by side with another checkout.

    python -m benchmarks.check_latency [--archive .bench/nightly_10000.db] \\
        [--clip provenance/fixtures/media/C002_a.mp4] [--repeat 5] [--rounds 2] \\
        [--against /path/to/an/older/checkout]

What an investigator waits for: ``check_media`` in one process, analysis of
the clip included, against an archive made by ``python -m benchmarks.nightly``
(synthetic claims, re-scored). Each round runs one process per code tree
(this one, then ``--against``'s, alternating): a first call, which may build
the persisted and kept indexes (timed apart), then ``--repeat`` calls timed.
Medians over every round, and the ratio taken in this one run. Both trees
read and may rewrite the same index beside the archive, in the same format.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from ._common import BENCH, FIXTURES, REPO, emit, parser, shown

_TIMED = """
import json, sys, time
from provenance.archive import open_archive
from provenance.jobs.check import check_media
db, clip, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open_archive(db, write=False) as archive:
    t = time.perf_counter(); first = check_media(archive, [clip])
    first_s = time.perf_counter() - t
    times = []
    for _ in range(repeat):
        t = time.perf_counter(); check_media(archive, [clip]); times.append(time.perf_counter() - t)
print(json.dumps({"first_s": first_s, "times_s": times, "findings": len(first.findings)}))
"""


def timed(tree: Path, archive: Path, clip: Path, repeat: int) -> dict:
    """One process running ``tree``'s code: the first call and ``repeat`` more."""
    done = subprocess.run(
        [sys.executable, "-c", _TIMED, str(archive), str(clip), str(repeat)],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench(archive: Path, clip: Path, repeat: int, rounds: int, against: Path | None) -> dict:
    trees = {"this": REPO, **({"against": against} if against is not None else {})}
    runs: dict[str, list[dict]] = {name: [] for name in trees}
    for _ in range(rounds):
        for name, tree in trees.items():
            runs[name].append(timed(tree, archive, clip, repeat))
    result: dict = {"archive": shown(archive), "clip": shown(clip)}
    for name, tree in trees.items():
        result[name] = {
            "tree": str(tree),
            "first_call_s": [round(r["first_s"], 2) for r in runs[name]],
            "median_s": round(statistics.median(t for r in runs[name] for t in r["times_s"]), 3),
            "findings": sorted({r["findings"] for r in runs[name]}),
        }
    if against is not None:
        result["ratio_this_to_against"] = round(
            result["this"]["median_s"] / result["against"]["median_s"], 3
        )
    return result


def main(argv: Sequence[str] | None = None) -> dict:
    p = parser("check_latency", __doc__)
    p.add_argument("--archive", type=Path, default=BENCH / "nightly_10000.db")
    p.add_argument("--clip", type=Path, default=FIXTURES / "media" / "C002_a.mp4")
    p.add_argument("--repeat", type=int, default=5, help="timed calls a round and tree")
    p.add_argument("--rounds", type=int, default=2, help="processes a tree, alternating")
    p.add_argument("--against", type=Path, help="another checkout's root, timed alternately")
    args = p.parse_args(argv)
    result = bench(
        args.archive.resolve(), args.clip.resolve(), args.repeat, args.rounds, args.against
    )
    return emit("check_latency", result, argv)


if __name__ == "__main__":
    main()
