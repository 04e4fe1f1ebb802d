"""Which centre crops of a clip find the split-screen tiles filled with it (a probe).

    python -m benchmarks.copies.probe_fills --half A [--kept 0.56,0.72] [--set DIR]

A split screen's tile is filled with a clip in one of two ways: the clip
fitted with bars (found by the tile hashes, ``tiles-v1``), or cropped to the
tile's shape around its middle. For the second, the archive keeps hashes of
each frame's middle (``fills-v1``); this probe chose how much of the width
and of the height those crops keep (``FILL_KEPT``), on the tuning half.

For every split screen of the half (the set's recipes say which fill each
used) and each clip in it: every sampled frame's tile hashes against the
clip's centre crops at the true alignment (the recipe's offset), for every
tile and every crop kept; the best share of frames within 10 bits, the tile
and crop that gave it, and their median distance. Then, as a check on chance
matches, each split screen's tiles against every crop of every clip of the
half it does not show: the tile frames with any crop frame within 10 bits.
Not a detector: the truth aligns the pairs. Choose on half A; B is held apart.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from provenance.fingerprint._hashing import detail, hamming, phash_thumbnails
from provenance.fingerprint._windows import NO_TILE, SPLIT_TILES, tile_hashes, window_thumbnails
from provenance.media import extract_frames

from .make_set import DEFAULT_OUT, DEFAULT_SEED, Planner, footage_dir

WITHIN_BITS = 10
MIN_DETAIL = 3.0  # as the fingerprint pass (KEYFRAME_MIN_DETAIL)


def centre_crops(kept: Sequence[float]) -> list[tuple[float, float, float, float]]:
    """Boxes keeping each share of the width, then of the height, around the middle."""
    out = []
    for k in kept:
        m = (1 - k) / 2
        out += [(m, 0.0, 1 - m, 1.0), (0.0, m, 1.0, 1 - m)]
    return out


class Clips:
    """Each item's sampled times, tile hashes and centre-crop hashes, decoded once."""

    def __init__(self, media: Path, crops: list[tuple[float, float, float, float]]) -> None:
        self.media, self.crops = media, crops
        self._seen: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def __getitem__(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if name not in self._seen:
            frames = list(extract_frames(self.media / f"{name}.mp4"))
            times = np.array([f.time_s for f in frames])
            tiles = np.stack([tile_hashes(f.luma, MIN_DETAIL) for f in frames])
            thumbs = [window_thumbnails(f.luma, self.crops) for f in frames]
            crops = np.stack([phash_thumbnails(t) for t in thumbs])
            crops[np.stack([detail(t) for t in thumbs]) < MIN_DETAIL] = NO_TILE
            self._seen[name] = (times, tiles, crops)
        return self._seen[name]


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.copies.probe_fills", description=__doc__)
    p.add_argument("--half", required=True, choices=("A", "B"))
    p.add_argument("--kept", default="0.56,0.72", help="shares of a side the crops keep")
    p.add_argument("--set", default=str(DEFAULT_OUT))
    args = p.parse_args(argv)
    crops = centre_crops([float(k) for k in args.kept.split(",")])
    planner = Planner(DEFAULT_SEED, footage_dir(None))
    planner.plan()
    splits = [
        (iid, it["recipe"])
        for iid, it in planner.items.items()
        if it["class"] == "split_screen" and it["half"] == args.half
    ]
    clips = Clips(Path(args.set) / "media", crops)
    shown = sorted({t["parent"] for _, r in splits for t in r["tiles"]})
    found = {"cover": [0, 0], "fit": [0, 0]}
    chance = [0, 0]
    print("| split screen | fill | clip | best share within 10 bits | tile | crop | median bits |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for iid, recipe in splits:
        times, tiles, _ = clips[iid]
        fill = "cover" if recipe["cover"] else "fit"
        for tile in recipe["tiles"]:
            their_times, _, their_crops = clips[tile["parent"]]
            at = np.abs(their_times[None, :] - (tile["offset"] + times[:, None])).argmin(1)
            best = (0.0, -1, -1, float("nan"))
            for t in range(len(SPLIT_TILES)):
                for c in range(len(crops)):
                    q, a = tiles[:, t], their_crops[at, c]
                    both = (q != NO_TILE) & (a != NO_TILE)
                    if both.sum() < 5:
                        continue
                    d = hamming(q[both], a[both])
                    share = float((d <= WITHIN_BITS).mean()) * float(both.mean())
                    if share > best[0]:
                        best = (share, t, c, float(np.median(d)))
            found[fill][1] += 1
            found[fill][0] += best[0] >= 0.5
            crop = "-" if best[2] < 0 else str(tuple(round(v, 2) for v in crops[best[2]]))
            print(
                f"| {iid} | {fill} | {tile['parent']} | {best[0]:.2f} | {best[1]} | {crop} "
                f"| {best[3]:.0f} |"
            )
        inside = {t["parent"] for t in recipe["tiles"]}
        for other in shown:
            if other in inside:
                continue
            theirs = clips[other][2]
            theirs = theirs[theirs != NO_TILE]
            for t in range(len(SPLIT_TILES)):
                q = tiles[:, t][tiles[:, t] != NO_TILE]
                if len(q) and len(theirs):
                    chance[0] += int(
                        (hamming(q[:, None], theirs[None, :]).min(1) <= WITHIN_BITS).sum()
                    )
                    chance[1] += len(q)
    for fill, (hit, n) in found.items():
        print(f"- {fill} tiles with at least half their frames within 10 bits: {hit} of {n}")
    print(
        "- tile frames within 10 bits of a clip the split screen does not show: "
        f"{chance[0]} of {chance[1]}"
    )


if __name__ == "__main__":
    main()
