#!/usr/bin/env python3
"""Peer adapter: perception's TMK (Temporal Match Kernel); run it with the perception venv's
python (.bench/venvs/perception/bin/python).

Method = perception 0.9.3's ``TMKL2`` with its defaults: ``PHashF(hash_size=16,
exclude_first_term=True, freq_shift=1)`` per frame, 15 frames a second (read by perception's
``tools.read_video``, OpenCV's FFmpeg), periods (2731, 4391, 9767, 14653), 32 Fourier
coefficients, "matrix" normalisation. The level-1 feature is the mean frame feature (the TMK
paper's and ThreatExchange's level 1); the level-2 score is ``TMKL2._score_pair`` at offset 0,
as perception's own distance (1 - score) computes it.

Match = ThreatExchange's TMK rule at its published defaults: level-1 cosine >= 0.7 and
level-2 score >= 0.7 (``tmk-compare``'s default thresholds). score = level-2 score (higher =
more similar); both levels are in ``detail``.

Runs with the harness of benchmarks/peers (``_peer_common.py`` on PYTHONPATH, or found beside
this file's repository).
"""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import perception.hashers as hashers
from perception.hashers import tools

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "peers"))
from _peer_common import base_parser, run

LEVEL1, LEVEL2 = 0.7, 0.7


def main() -> int:
    ap = base_parser(__doc__)
    args = ap.parse_args()
    tmk = hashers.TMKL2()
    shape = (len(tmk.T), 2 * tmk.m, tmk.frame_hasher.hash_length)

    def fingerprint(path):
        state = None
        for frame, index, timestamp in tools.read_video(
            filepath=path, frames_per_second=tmk.frames_per_second, errors="raise"
        ):
            state = tmk.process_frame(frame, index, timestamp, state)
        if state is None:
            raise RuntimeError("no frame read")
        level1 = (
            np.asarray(state["features"], np.float32)
            .reshape(len(state["features"]), -1)
            .mean(axis=0)
        )
        level2 = tmk.hash_from_final_state(state).astype(np.float32).reshape(shape)
        return level1, level2, len(state["features"])

    def describe(fp):
        return {"frames": fp[2], "level2_floats": int(fp[1].size)}

    def compare(fa, fb):
        a1, b1 = fa[0], fb[0]
        cos = float(a1 @ b1 / (np.linalg.norm(a1) * np.linalg.norm(b1) + 1e-12))
        l2 = float(tmk._score_pair(fa[1], fb[1], normalization="matrix")[0])
        return l2, bool(cos >= LEVEL1 and l2 >= LEVEL2), {"level1_cosine": cos, "level2": l2}

    return run(
        args,
        peer="tmk",
        version=metadata.version("perception"),
        method="perception TMKL2 (PHashF 16, 15 fps, matrix normalisation); level 1 = mean "
        "frame feature",
        threshold=f"level-1 cosine >= {LEVEL1} and level-2 score >= {LEVEL2} (ThreatExchange "
        "tmk-compare defaults)",
        score_kind="TMK level-2 score at offset 0",
        higher_is_more_similar=True,
        fingerprint=fingerprint,
        compare=compare,
        describe=describe,
        config={
            "frames_per_second": tmk.frames_per_second,
            "periods": tmk.T.tolist(),
            "m": tmk.m,
            "level1": LEVEL1,
            "level2": LEVEL2,
        },
    )


if __name__ == "__main__":
    sys.exit(main())
