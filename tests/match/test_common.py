"""Common content: intros, outros and logo cards many items share are no copies; copies stay."""

from __future__ import annotations

import numpy as np

from provenance.match._common import (
    BUMPER_EDGE_S,
    COMMON_HOLDERS,
    COMMON_MAX_S,
    without_common_content,
)
from provenance.match._timing import CopyMatch
from provenance.model import Segment

QUERY_S = 60.0  # the query's extent
DURATIONS = np.array([60.0, 120.0, 90.0, 5.0, 45.0, 75.0])  # the archived items', by position


def match(other: int, start: float, end: float, other_start: float, other_end: float | None = None):
    """A match of query [start, end] onto ``other`` from ``other_start``, at unedited speed."""
    other_end = other_start + (end - start) if other_end is None else other_end
    return CopyMatch(
        other=other,
        segment=Segment(start, end, other_start, other_end),
        speed=1.0,
        variant=0,
        inliers=int((end - start) * 2) + 1,
        weight=float(int((end - start) * 2) + 1),
        mean_distance=2.0,
        confidence=0.9,
    )


def kept(*matches: CopyMatch) -> list[int]:
    """Positions (in ``matches``) of the matches kept, in order."""
    out = without_common_content(list(matches), QUERY_S, DURATIONS)
    assert all(any(m is k for m in matches) for k in out)
    return sorted(i for i, m in enumerate(matches) if any(m is k for k in out))


def test_a_match_covering_most_of_an_item_is_kept():
    """A re-post (most of both) and a short item excerpted whole, even at both starts."""
    assert kept(match(1, 2.0, 55.0, 40.0)) == [0]
    assert kept(match(3, 0.0, 4.5, 0.2)) == [0]  # 4.5 s of a 5 s item: not a small share


def test_an_intro_at_the_start_of_both_items_is_dropped():
    assert kept(match(1, 0.0, 3.0, 0.5)) == []
    assert kept(match(1, BUMPER_EDGE_S, 4.0, BUMPER_EDGE_S)) == []  # the edge itself counts


def test_an_outro_at_the_end_of_both_items_is_dropped():
    assert kept(match(1, 56.5, 59.5, 116.0, 119.0)) == []
    end = QUERY_S - BUMPER_EDGE_S
    assert kept(match(1, end - 3.0, end, 120.0 - BUMPER_EDGE_S - 3.0)) == []  # both edges


def test_a_small_match_just_past_the_edges_is_kept():
    """Past BUMPER_EDGE_S into either item it is no bumper (and, alone, no common content)."""
    assert kept(match(1, BUMPER_EDGE_S + 0.1, 4.0, 0.0)) == [0]  # starts later in the query
    assert kept(match(1, 0.0, 3.0, BUMPER_EDGE_S + 0.1)) == [0]  # later in the other
    assert kept(match(1, 56.5, 58.5, 117.0, 119.0)) == [0]  # ends 1.5 s before the query's end
    assert kept(match(1, 0.0, 3.0, 58.5, 61.5)) == [0]  # the query's start, the other's middle


def test_an_intro_longer_than_common_max_is_kept():
    """A small share of both, at both starts, but longer than COMMON_MAX_S: a real excerpt."""
    assert kept(match(1, 0.0, COMMON_MAX_S + 0.5, 0.0)) == [0]
    assert kept(match(1, 0.0, COMMON_MAX_S, 0.0)) == []  # COMMON_MAX_S itself is small


def test_a_small_mid_item_match_held_by_one_item_is_kept():
    assert kept(match(2, 20.0, 24.0, 40.0)) == [0]


def test_a_small_stretch_held_by_common_holders_items_is_kept_below_and_dropped_at_the_bar():
    """A logo card mid-query matched by 2 items stays; by 3 (each with COMMON_HOLDERS others)
    it is common content and all go."""
    assert COMMON_HOLDERS == 2
    pair = (match(1, 20.0, 24.0, 40.0), match(2, 20.5, 24.0, 10.0))
    assert kept(*pair) == [0, 1]
    trio = (*pair, match(4, 19.5, 23.5, 30.0))
    assert kept(*trio) == []


def test_only_small_matches_of_the_same_stretch_count_as_holders():
    """Holders must share over half of the match's stretch, and match it the same small way:
    a copy of the whole query (over the stretch too) and neighbouring stretches don't count."""
    logo = match(1, 20.0, 24.0, 40.0)
    beside = (match(2, 22.5, 26.5, 10.0), match(4, 17.0, 21.5, 30.0))  # overlap < half of 4 s
    assert kept(logo, *beside) == [0, 1, 2]
    repost = match(5, 0.5, 59.0, 0.5, 59.0)  # a copy: not small
    assert kept(logo, match(2, 20.5, 24.0, 10.0), repost) == [0, 1, 2]


def test_an_intro_held_mid_item_by_one_and_at_the_start_by_others_is_common_content():
    """The query's intro, held at the start of 2 items (dropped as bumpers) and in the middle
    of a third: COMMON_HOLDERS other items match that same small stretch, so the third's
    match is common content too (the docstring's rule), not a copy."""
    compilation = match(1, 0.0, 3.0, 40.0)
    intros = (match(2, 0.0, 3.0, 0.0), match(4, 0.0, 3.0, 0.0))
    assert kept(compilation, *intros) == []


def test_a_match_without_a_segment_is_kept():
    """Two stills: no stretch to judge."""
    still = CopyMatch(
        other=0,
        segment=None,
        speed=1.0,
        variant=0,
        inliers=1,
        weight=1.0,
        mean_distance=3.0,
        confidence=0.5,
    )
    assert kept(still) == [0]
    assert kept(still, match(1, 0.0, 3.0, 0.0)) == [0]


def test_nothing_in_nothing_out():
    assert without_common_content([], QUERY_S, DURATIONS) == []
