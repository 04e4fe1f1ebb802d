"""Checking a clip against n archived frame hashes: the added cost of the Hamming index.

A synthetic archive of ``--hashes`` random frame hashes (items of 1,000
frames, no key frames); the query is the 60 s 720p clip's fingerprint (or
``--clip``'s), and a worst case whose sampled frames all hash differently.
Time of ``match_fingerprint`` with the NumPy index and with faiss (if installed).

    python -m benchmarks.index --repeat 5
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ._common import add_clip, add_repeat, clip_of, emit, median_time, parser


def bench(path: Path, hashes: int, repeat: int) -> dict:
    from provenance.fingerprint import Fingerprints, MediaFingerprint, codecs, orb_bag
    from provenance.jobs.analyse import analyse_file
    from provenance.match import FrameTable, make_index, match_fingerprint

    query = codecs.decode(analyse_file(str(path))[1])
    rng = np.random.default_rng(0)
    per_item = 1000
    thumbs = np.zeros((per_item, 36, 64), np.uint8)
    # a synthetic archive: random frame hashes in 1,000-frame items (no key frames)
    prints = [
        Fingerprints(
            MediaFingerprint(
                time_s=np.arange(per_item, dtype=np.float32) * 0.5,
                hashes=np.repeat(rng.integers(0, 2**63, (per_item, 1), dtype=np.uint64), 8, 1),
                detail=np.full(per_item, 20, np.float32),
                portrait=np.zeros(per_item, bool),
                thumbs=thumbs,
            ),
            [],
            orb_bag([]),
        )
        for _ in range(hashes // per_item)
    ]
    # worst case: a 60 s clip whose 120 sampled frames all hash differently
    n = len(query.frames)
    busy = Fingerprints(
        MediaFingerprint(
            time_s=query.frames.time_s,
            hashes=rng.integers(0, 2**63, (n, 8), dtype=np.uint64),
            detail=np.full(n, 20, np.float32),
            portrait=np.zeros(n, bool),
            thumbs=np.zeros((n, 36, 64), np.uint8),
        ),
        [],
        orb_bag([]),
    )
    out: dict[str, object] = {
        "archive_frame_hashes": hashes,
        "query": f"{path.name}: {len(query.frames)} sampled frames, "
        f"{int((query.frames.detail >= 3).sum())} informative",
    }
    for kind in ("numpy", "faiss"):
        try:
            make_index(kind)
        except ImportError:
            out[kind] = "faiss-cpu not installed"
            continue
        start = time.perf_counter()
        table = FrameTable(prints, index=kind)
        build = time.perf_counter() - start
        seconds = median_time(lambda table=table: match_fingerprint(query, table), repeat)
        worst = median_time(lambda table=table: match_fingerprint(busy, table), repeat)
        out[kind] = {
            "build_s": round(build, 2),
            "match_60s_clip_s": round(seconds, 3),
            "match_60s_all_frames_distinct_s": round(worst, 3),
        }
    return out


def main(argv: Sequence[str] | None = None) -> dict:
    p = parser("index", __doc__)
    add_repeat(p)
    add_clip(p)
    p.add_argument("--hashes", type=int, default=1_000_000, help="archived frame hashes")
    args = p.parse_args(argv)
    return emit("index", bench(clip_of(args), args.hashes, args.repeat), argv)


if __name__ == "__main__":
    main()
