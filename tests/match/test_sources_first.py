"""The crop path's shortlist: each re-post's source is checked before the re-post."""

from __future__ import annotations

import conftest
import numpy as np
from conftest import made_up_prints

from provenance.fingerprint import Fingerprints
from provenance.match import FrameTable

N = 20  # frames, twice a second
RNG = np.random.default_rng(17)


def prints(hashes: np.ndarray) -> Fingerprints:
    return made_up_prints(hashes)


def flip_bits(hashes: np.ndarray, bits: int) -> np.ndarray:
    """Each hash with ``bits`` of its bits flipped (an edit the hashes survive)."""
    return conftest.flip_bits(hashes, bits, RNG)


def test_a_re_posts_source_comes_before_it_and_only_when_earlier() -> None:
    clip = RNG.integers(1, 2**63, N, dtype=np.uint64)
    other = RNG.integers(1, 2**63, N, dtype=np.uint64)
    items = [
        prints(other),  # 0: unrelated footage
        prints(clip),  # 1: the original
        *(prints(flip_bits(clip, 2)) for _ in range(5)),  # 2-6: its re-posts, edited
    ]
    table = FrameTable(items, rank=range(len(items)))

    # re-posts fill the shortlist: the original is checked first, once
    assert table.sources_first([4, 0, 2, 6], frozenset()) == [1, 4, 0, 2, 6]
    # the original shortlisted itself, or excluded (the query's own claim, matched already)
    assert table.sources_first([1, 3], frozenset()) == [1, 3]
    assert table.sources_first([3, 5], frozenset({1})) == [2, 3, 5]
    # a source must come earlier: the original ranked last is nobody's source
    late = FrameTable(items, rank=[0, 9, 1, 2, 3, 4, 5])
    assert late.sources_first([4, 6], frozenset()) == [2, 4, 6]
    # claim order unknown: the shortlist as it was
    assert FrameTable(items).sources_first([4, 0], frozenset()) == [4, 0]


def test_a_source_holds_most_of_the_re_posts_frames_not_a_few() -> None:
    clip = RNG.integers(1, 2**63, N, dtype=np.uint64)

    def sharing(frames: int) -> Fingerprints:
        hashes = RNG.integers(1, 2**63, N, dtype=np.uint64)
        hashes[:frames] = clip[:frames]
        return prints(hashes)

    # an earlier item with three quarters of the clip holds it; one with a quarter (a
    # shared intro) does not
    assert FrameTable([sharing(15), prints(clip)], rank=range(2)).sources_first(
        [1], frozenset()
    ) == [0, 1]
    assert FrameTable([sharing(5), prints(clip)], rank=range(2)).sources_first(
        [1], frozenset()
    ) == [1]


def test_another_recording_of_the_place_is_no_source() -> None:
    """Frames within the lookup radius but 8 bits off on average (one tripod, another
    day) are not the footage: the earliest holder is the original, not that recording."""
    clip = RNG.integers(1, 2**63, N, dtype=np.uint64)
    items = [prints(flip_bits(clip, 8)), prints(clip), prints(flip_bits(clip, 1))]
    assert FrameTable(items, rank=range(3)).sources_first([2], frozenset()) == [1, 2]
