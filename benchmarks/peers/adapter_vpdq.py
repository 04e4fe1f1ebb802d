#!/usr/bin/env python3
"""Peer adapter: vpdq (Meta ThreatExchange video PDQ), run with .bench/venvs/vpdq/bin/python.

Fingerprint: vpdq.computeHash(path, seconds_per_hash=1.0, thread_count=--threads)
  -> one 256-bit PDQ hash (+quality 0..100) per second of video, decoded in-process
  with libav* at native resolution (upstream defaults; same call python-threatexchange's
  VPDQSignal.hash_from_file makes).

Comparison: python-threatexchange's VPDQSignal.compare_hash / match_VPDQ_hash_brute,
re-implemented here because the PyPI `vpdq` binding ships no matcher:
  - drop frames with quality < 50 (VPDQ_QUALITY_THRESHOLD), dedupe identical hashes;
  - a frame "matches" if some frame of the other video is within Hamming distance
    <= 31 (VPDQ_DISTANCE_THRESHOLD; the C++ matchTwoHashBrute uses < 31);
  - query_match_percent   = % of the COPY's (pair "b") frames matched in the original ("a"),
    compared_match_percent = % of the original's frames matched in the copy;
  - match  <=> query_match_percent >= 80 (VPDQ_QUERY_MATCH_THRESHOLD_PERCENT)
               and compared_match_percent >= 0 (VPDQ_INDEX_MATCH_THRESHOLD_PERCENT).
  score = query_match_percent / 100 (higher = more similar).
"""

from __future__ import annotations

import sys
from importlib import metadata

import vpdq  # warm-up import (outside timing)
from _peer_common import base_parser, run

QUALITY_THRESHOLD = 50
DISTANCE_THRESHOLD = 31
QUERY_MATCH_PCT = 80.0
COMPARED_MATCH_PCT = 0.0
SECONDS_PER_HASH = 1.0


def _prep(features):
    """quality filter then dedupe, as match_VPDQ_hash_brute does; hashes as ints for popcount."""
    seen, out = set(), []
    for f in features:
        if f.quality < QUALITY_THRESHOLD:
            continue
        h = int(f.hex, 16)
        if h in seen:
            continue
        seen.add(h)
        out.append(h)
    return out


def _count_in(h1, h2):
    return sum(1 for x in h1 if any((x ^ y).bit_count() <= DISTANCE_THRESHOLD for y in h2))


def main() -> int:
    ap = base_parser(__doc__)
    ap.add_argument(
        "--threads",
        type=int,
        default=0,
        help="vpdq thread_count (0 = vpdq chooses automatically; upstream default)",
    )
    args = ap.parse_args()

    def fingerprint(path):
        feats = vpdq.computeHash(path, seconds_per_hash=SECONDS_PER_HASH, thread_count=args.threads)
        if not feats:
            raise RuntimeError("vpdq returned no frame hashes")
        return feats

    def describe(feats):
        q = [f.quality for f in feats]
        return {
            "frames": len(feats),
            "frames_quality_ok": sum(1 for x in q if x >= QUALITY_THRESHOLD),
            "mean_quality": sum(q) / len(q),
        }

    def compare(fa, fb):
        query, compared = _prep(fb), _prep(fa)  # query = the copy (b), compared = original (a)
        if not query or not compared:
            # upstream would divide by zero here; no usable frames => cannot match
            return (
                0.0,
                False,
                {
                    "note": f"no frames with quality >= {QUALITY_THRESHOLD}",
                    "query_frames": len(query),
                    "compared_frames": len(compared),
                },
            )
        qpct = _count_in(query, compared) * 100.0 / len(query)
        cpct = _count_in(compared, query) * 100.0 / len(compared)
        match = qpct >= QUERY_MATCH_PCT and cpct >= COMPARED_MATCH_PCT
        return (
            qpct / 100.0,
            match,
            {
                "query_match_percent": qpct,
                "compared_match_percent": cpct,
                "query_frames": len(query),
                "compared_frames": len(compared),
            },
        )

    return run(
        args,
        peer="vpdq",
        version=metadata.version("vpdq"),
        method=f"vpdq.computeHash(seconds_per_hash={SECONDS_PER_HASH}, thread_count={args.threads}); "
        "threatexchange VPDQSignal.compare_hash (brute force), query=b (copy), compared=a (original)",
        threshold=f"frame quality>={QUALITY_THRESHOLD}, frame hamming<={DISTANCE_THRESHOLD}/256, "
        f"match if query_match_percent>={QUERY_MATCH_PCT:g} and compared_match_percent>={COMPARED_MATCH_PCT:g}",
        score_kind="query_match_percent/100 (fraction of b's frames found in a)",
        higher_is_more_similar=True,
        fingerprint=fingerprint,
        compare=compare,
        describe=describe,
        config={"seconds_per_hash": SECONDS_PER_HASH, "thread_count": args.threads},
    )


if __name__ == "__main__":
    sys.exit(main())
