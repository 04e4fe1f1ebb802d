"""The other-angle shortlist of a new video against ``--items`` archived videos.

Real features, synthetic archive: every archived distractor is five key
frames drawn from the fixtures' real SIFT key frames of *unrelated* footage
(original videos of sites other than A and B: no copy, no other angle and
no same-site video of the pairs queried), each keeping a random 70 % of its
words. For each of the fixtures' four other-angle pairs, the earlier video
is hidden among them and the later one is the query; the rank of the
earlier one is reported. An earlier version of this benchmark drew
distractors from all fixture videos, copies of the A1 and B1 footage
included, so "distractors" held the very scene queried.

    python -m benchmarks.shortlist --items 10000 --repeat 5
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ._common import add_fixtures, add_repeat, emit, median_time, parser


def bench(fixtures: Path, items: int, repeat: int) -> dict:
    from provenance.fingerprint import (
        SIFT_VOCABULARY,
        WordBag,
        drop_overlays,
        sift_bag,
        sift_features,
    )
    from provenance.fingerprint._orb import MIN_KEYFRAME_GAP_S
    from provenance.match import WordIndex
    from provenance.media import extract_frames

    truth = json.loads((fixtures / "ground_truth.json").read_text())

    def keyframes(path: str) -> list:
        found, next_key = [], 0.0
        for f in extract_frames(fixtures / path):
            if f.time_s >= next_key:
                found.append(sift_features(f.luma, f.time_s))
                next_key = f.time_s + MIN_KEYFRAME_GAP_S
        return drop_overlays(found)[0]

    pairs = [(p["a"], p["b"]) for p in truth["other_angles"]]
    queried_sites = {truth["media"][m]["site"] for pair in pairs for m in pair}
    unrelated = [
        m
        for m, v in truth["media"].items()
        if v["kind"] == "video"
        and v["content"] in ("wide", "night", "filler", "closeup")
        and v["site"] not in queried_sites
    ]
    real = {m: keyframes(m) for m in unrelated + sorted({m for p in pairs for m in p})}
    pool = [k.word_ids for m in unrelated for k in real[m]]  # each key frame's distinct words
    rng = np.random.default_rng(7)
    bags = []
    for _ in range(items - 1):
        parts = [pool[i] for i in rng.integers(0, len(pool), 5)]
        kept = np.concatenate([p[rng.random(len(p)) < 0.7] for p in parts])
        words, counts = np.unique(kept, return_counts=True)
        bags.append(WordBag(words.astype(np.uint32), np.minimum(counts, 3).astype(np.uint8)))
    target = int(rng.integers(0, items))
    ranks, query_s, build_s = {}, [], []
    for a, b in pairs:
        archived = [*bags[:target], sift_bag(real[a]), *bags[target:]]
        query = sift_bag(real[b])
        started = time.perf_counter()
        index = WordIndex(archived, vocabulary=SIFT_VOCABULARY.size)
        build_s.append(time.perf_counter() - started)
        ranked = index.shortlist(query, top=items)
        ranks[f"{Path(a).stem} <- {Path(b).stem}"] = next(
            (r + 1 for r, (i, _) in enumerate(ranked) if i == target), None
        )
        query_s.append(median_time(lambda i=index, q=query: i.shortlist(q, top=8), repeat))
    matrix = index.matrix
    index_bytes = matrix.data.nbytes + matrix.indices.nbytes + matrix.indptr.nbytes
    stored = sum(len(b.words) * 5 for b in archived)  # uint32 word + uint8 count
    return {
        "archived_videos": items,
        "distractor_sources": [Path(m).stem for m in unrelated],
        "build_index_s_median": round(statistics.median(build_s), 3),
        "shortlist_s_median": round(statistics.median(query_s), 4),
        "true_partner_rank": ranks,
        "index_bytes_per_video": round(index_bytes / items),
        "stored_word_bytes_per_video": round(stored / items),
        "words_per_video_median": int(statistics.median(len(b.words) for b in bags)),
    }


def main(argv: Sequence[str] | None = None) -> dict:
    p = parser("shortlist", __doc__)
    add_fixtures(p)
    add_repeat(p)
    p.add_argument("--items", type=int, default=5000, help="archived videos")
    args = p.parse_args(argv)
    return emit("shortlist", bench(Path(args.fixtures), args.items, args.repeat), argv)


if __name__ == "__main__":
    main()
