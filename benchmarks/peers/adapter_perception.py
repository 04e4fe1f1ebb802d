#!/usr/bin/env python3
"""Peer adapter: perception (thorn-oss), run with .bench/venvs/perception/bin/python.

Method = perception's documented video-dedup recipe ("phashu8_framewise", used both in its
docs' "Video deduplication" example and as the framewise hasher of its video benchmark):
  FramewiseHasher(frame_hasher=PHashU8(exclude_first_term=False, freq_shift=1, hash_size=12),
                  frames_per_second=1, interframe_threshold=50, quality_threshold=90)
  -> a variable-length list of 144-byte real-valued PHash vectors: 1 frame/s read through
  OpenCV's FFmpeg backend, frames with quality < 90 dropped, and a frame kept only if it is
  > 50 (euclidean) away from the previously kept one.
  (The docs' example writes PHash(hash_size=16) with interframe_threshold=50, which
  perception 0.9.x rejects for a hamming hasher; its benchmark's PHashU8 variant is used.)

Comparison = perception.tools.deduplicate_hashes semantics: two videos are duplicates if
ANY frame hash of one is within euclidean distance < 50 of any frame hash of the other
(threshold=50 as in the docs' example; its video benchmark table puts the 99.9%-precision
thresholds of this hasher at ~25-75 depending on the transform).
  score = minimum frame-to-frame euclidean distance (lower = more similar);
  detail.b_frames_matched_fraction = share of b's kept frames with a partner in a (< 50).
"""

from __future__ import annotations

import sys
from importlib import metadata

import numpy as np
import perception.hashers as hashers  # warm-up import (outside timing)
from _peer_common import base_parser, run

THRESHOLD = 50.0


def main() -> int:
    ap = base_parser(__doc__)
    args = ap.parse_args()

    frame_hasher = hashers.PHashU8(exclude_first_term=False, freq_shift=1, hash_size=12)
    hasher = hashers.FramewiseHasher(
        frames_per_second=1,
        frame_hasher=frame_hasher,
        interframe_threshold=50,
        quality_threshold=90,
    )

    def fingerprint(path):
        vecs = hasher.compute(path, errors="raise", hash_format="vector")
        if vecs is None:
            raise RuntimeError("perception returned no hash (video unreadable?)")
        return np.asarray(list(vecs), dtype=np.float32).reshape(-1, hasher.hash_length)

    def describe(v):
        return {"frames_kept": int(v.shape[0]), "hash_bytes_per_frame": int(v.shape[1])}

    def compare(va, vb):
        if va.shape[0] == 0 or vb.shape[0] == 0:
            return (
                None,
                False,
                {
                    "note": "a video kept no frame hashes (all frames quality < 90)",
                    "a_frames": int(va.shape[0]),
                    "b_frames": int(vb.shape[0]),
                },
            )
        d = np.sqrt(
            np.maximum((va * va).sum(1)[:, None] + (vb * vb).sum(1)[None, :] - 2.0 * va @ vb.T, 0.0)
        )
        dmin = float(d.min())
        frac_b = float((d.min(axis=0) < THRESHOLD).mean())
        return (
            dmin,
            dmin < THRESHOLD,
            {
                "min_distance": dmin,
                "b_frames_matched_fraction": frac_b,
                "a_frames": int(va.shape[0]),
                "b_frames": int(vb.shape[0]),
            },
        )

    return run(
        args,
        peer="perception",
        version=metadata.version("perception"),
        method="perception FramewiseHasher(PHashU8(hash_size=12, exclude_first_term=False, freq_shift=1), "
        "frames_per_second=1, interframe_threshold=50, quality_threshold=90); "
        "deduplicate_hashes rule (any frame pair closer than threshold)",
        threshold=f"min euclidean frame distance < {THRESHOLD:g} (144-dim uint8 PHashU8 vectors)",
        score_kind="minimum euclidean distance between any frame hash of a and any of b",
        higher_is_more_similar=False,
        fingerprint=fingerprint,
        compare=compare,
        describe=describe,
        config={
            "frames_per_second": 1,
            "interframe_threshold": 50,
            "quality_threshold": 90,
            "frame_hasher": "PHashU8(hash_size=12, exclude_first_term=False, freq_shift=1)",
        },
    )


if __name__ == "__main__":
    sys.exit(main())
