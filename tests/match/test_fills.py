"""Centre crops of archived frames: found by the new item's tiles, never by its whole frames."""

from __future__ import annotations

import numpy as np
from conftest import made_up_prints

from provenance.fingerprint import FILL_CROPS, SPLIT_TILES, Fingerprints, WordBag
from provenance.match import FrameTable, match_fingerprint

N = 20  # frames, twice a second
RNG = np.random.default_rng(16)
NO_WORDS = WordBag(np.zeros(0, np.uint32), np.zeros(0, np.uint8))


def prints(
    hashes: np.ndarray, *, tiles: np.ndarray | None = None, fills: np.ndarray | None = None
) -> Fingerprints:
    return made_up_prints(hashes, tiles=tiles, fills=fills)


def random_hashes(*shape: int) -> np.ndarray:
    return RNG.integers(1, 2**63, shape, dtype=np.uint64)


def test_a_tile_showing_a_clips_middle_finds_it_and_a_whole_frame_does_not() -> None:
    fills = random_hashes(N, len(FILL_CROPS))
    table = FrameTable([prints(random_hashes(N), fills=fills)])
    middle = fills[:, 0]  # the clip's middle at the first kept width

    # a split screen whose first tile shows it
    tiles = random_hashes(N, len(SPLIT_TILES))
    tiles[:, 0] = middle
    (match,) = match_fingerprint(prints(random_hashes(N), tiles=tiles), table)
    assert match.window_in == "query" and match.window == SPLIT_TILES[0]
    assert match.segment is not None and match.segment.other_end_s == (N - 1) / 2

    # a video whose whole frames hash as that middle: a zoomed-in copy is the crop path's
    # to check (with geometry), not the hashes'
    assert match_fingerprint(prints(middle), table) == []
