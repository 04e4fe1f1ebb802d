#!/usr/bin/env python3
"""Peer adapter: videohash 3.0.1 (akamhy), run with .bench/venvs/videohash/bin/python.

Fingerprint: videohash.VideoHash(path=..., storage_path=<tmpdir>/) -> one 64-bit hash per video.
  Internally (all inside the timed call): copies the file into its storage dir, runs
  `ffmpeg` subprocesses (up to 12 short cropdetect probes + one full-decode pass that
  writes 1 frame/s scaled to 144x144 JPEGs + a duration probe), builds a 1024-px collage
  of ALL sampled frames, wavelet-hashes the collage (imagehash.whash) and mixes in the
  dominant colours of tiles. Needs `ffmpeg` on PATH and Pillow<10.
  Its scratch dir is deleted after each call, outside the timing.

Comparison: the library's own rule, VideoHash.is_similar():
  hamming distance (VideoHash.__sub__) <= ceil(similar_percentage=15% * 64 bits) = 10.
  score = hamming distance in bits (0..64, lower = more similar);
  detail also reports `equal` (VideoHash.__eq__, i.e. distance 0).
"""

from __future__ import annotations

import math
import os
import shutil
import sys
import tempfile
from importlib import metadata

from _peer_common import base_parser, run
from videohash import VideoHash  # warm-up import (outside timing)


def main() -> int:
    ap = base_parser(__doc__)
    ap.add_argument(
        "--storage-root",
        default=None,
        help="directory for videohash's scratch files (default: system temp)",
    )
    args = ap.parse_args()
    if shutil.which("ffmpeg") is None:
        print(
            "WARNING: videohash needs an ffmpeg binary on PATH (apt-get install ffmpeg)",
            file=sys.stderr,
        )

    def fingerprint(path):
        # storage_path must exist and end with a separator (videohash concatenates paths).
        root = tempfile.mkdtemp(prefix="vh_", dir=args.storage_root)
        try:
            vh = VideoHash(path=path, storage_path=os.path.join(root, ""))
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
        vh._bench_root = root
        return vh

    def after_each(vh):
        shutil.rmtree(vh._bench_root, ignore_errors=True)

    def describe(vh):
        return {"hash_hex": vh.hash_hex, "duration_s": vh.video_duration}

    def compare(a, b):
        dist = a - b  # VideoHash.__sub__: hamming distance of the 64-bit hashes
        return (
            float(dist),
            bool(a.is_similar(b)),
            {
                "hamming_bits": int(dist),
                "equal": bool(a == b),
                "max_similar_bits": math.ceil(a.similar_percentage / 100 * a.bits_in_hash),
            },
        )

    return run(
        args,
        peer="videohash",
        version=metadata.version("videohash"),
        method="videohash.VideoHash(path, storage_path) (ffmpeg 1 fps @144x144 -> collage -> "
        "wavelet hash + tile dominant colours = 64 bits); compared with VideoHash.is_similar",
        threshold="hamming distance <= ceil(15% * 64) = 10 bits (VideoHash.is_similar)",
        score_kind="hamming distance in bits between the two 64-bit videohashes",
        higher_is_more_similar=False,
        fingerprint=fingerprint,
        compare=compare,
        describe=describe,
        after_each=after_each,
        config={"frame_interval": 1, "ffmpeg": shutil.which("ffmpeg")},
    )


if __name__ == "__main__":
    sys.exit(main())
