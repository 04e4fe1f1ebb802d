"""How long a mapping must run to be a copy: MIN_SPAN_S, less for short items, at the edges."""

from __future__ import annotations

import numpy as np
import pytest

from provenance.match._timing import (
    MIN_SHORT_SPAN_S,
    MIN_SPAN_S,
    SHORT_SHARE,
    align,
    required_span_s,
)


def test_the_rules_constants():
    """The rule below is tested with these values: 2 s, but 60 % of a short item, at least 1 s."""
    assert (MIN_SPAN_S, MIN_SHORT_SPAN_S, SHORT_SHARE) == (2.0, 1.0, 0.6)


@pytest.mark.parametrize(
    ("shorter", "required"),
    [
        (600.0, MIN_SPAN_S),  # long items: a shared intro is shorter than this
        (10.0, MIN_SPAN_S),
        (MIN_SPAN_S / SHORT_SHARE, MIN_SPAN_S),  # 3.33 s: where the share reaches MIN_SPAN_S
        (3.0, 1.8),  # a 3 s excerpt: 60 % of it
        (2.5, 1.5),
        (2.0, 1.2),
        (MIN_SHORT_SPAN_S / SHORT_SHARE, MIN_SHORT_SPAN_S),  # 1.67 s: the floor is reached
        (1.5, MIN_SHORT_SPAN_S),  # 0.9 s would do: never under 1 s
        (0.5, MIN_SHORT_SPAN_S),
        (0.0, MIN_SHORT_SPAN_S),  # a still's extent
    ],
)
def test_required_span_follows_the_shorter_item(shorter: float, required: float):
    assert required_span_s(120.0, shorter) == pytest.approx(required)
    assert required_span_s(shorter, 120.0) == pytest.approx(required)  # either side
    assert required_span_s(shorter, shorter) == pytest.approx(required)


def test_required_span_never_leaves_its_bounds_and_grows_with_the_shorter_item():
    shorter = np.linspace(0.0, 20.0, 401)
    spans = np.array([required_span_s(s, 30.0) for s in shorter])
    assert spans.min() == MIN_SHORT_SPAN_S and spans.max() == MIN_SPAN_S
    assert np.all(np.diff(spans) >= 0)


def run(times, *, shift: float = 5.0, **kwargs):
    """``align`` on exact matches (distance 0, weight 1) of query ``times`` at ``+ shift``."""
    tq = np.asarray(times, np.float64)
    return run_pairs(tq, tq + shift, **kwargs)


def run_pairs(tq, tr, **kwargs):
    """``align`` on exact matches (distance 0, weight 1): query ``tq`` at archived ``tr``."""
    tq, tr = np.asarray(tq, np.float64), np.asarray(tr, np.float64)
    kwargs = {"other": 3, "other_duration": 60.0, **kwargs}
    return align(
        tq,
        tr,
        np.ones(len(tq)),
        np.zeros(len(tq)),
        np.zeros(len(tq), np.int64),
        query_still=False,
        other_still=False,
        **kwargs,
    )


SHORT = [10.0, 10.5, 11.0, 11.5]  # four frames over 1.5 s: a short excerpt


def test_a_mapping_shorter_than_min_span_is_no_copy_by_default():
    assert run(SHORT) is None
    assert run([10.0, 10.5, 11.0, 11.5, 12.0]) is not None  # 2.0 s: exactly MIN_SPAN_S


def test_min_span_lets_a_short_excerpt_through_at_its_boundary():
    found = run(SHORT, min_span_s=1.5)  # 1.5 s run: exactly long enough
    assert found is not None
    copy, on = found
    assert copy.other == 3 and copy.inliers == 4 and copy.speed == 1.0
    seg = copy.segment
    assert (seg.start_s, seg.end_s, seg.other_start_s, seg.other_end_s) == (10.0, 11.5, 15.0, 16.5)
    assert sorted(on.tolist()) == [0, 1, 2, 3]
    assert run(SHORT, min_span_s=1.51) is None  # just over: no copy


def test_min_span_from_the_rule_for_a_short_item():
    """A 2.5 s item (required 1.5 s) excerpted over 1.5 s is a copy; a 60 s one is not."""
    assert run(SHORT, min_span_s=required_span_s(60.0, 2.5)) is not None
    assert run(SHORT, min_span_s=required_span_s(60.0, 60.0)) is None
    assert run(SHORT, min_span_s=required_span_s(60.0, 3.0)) is None  # 1.8 s required


def test_min_span_does_not_waive_the_other_bars():
    """Even a zero span rule needs MIN_INLIERS distinct frames (and their weight)."""
    assert run([10.0, 10.5], min_span_s=0.0) is None
    assert run([10.0, 10.5, 11.0], min_span_s=0.0) is not None
    assert run([10.0, 10.5, 11.0], min_span_s=MIN_SHORT_SPAN_S) is not None  # 1.0 s: the floor


def test_min_span_holds_when_broken_timestamps_are_left_out():
    """Pairs with a NaN time are dropped before aligning; the span rule still applies, and the
    pairs on the mapping are indexed in the caller's arrays."""
    times = [10.0, np.nan, 10.5, 11.0, 11.5]
    assert run(times) is None
    found = run(times, min_span_s=1.5)
    assert found is not None
    assert sorted(found[1].tolist()) == [0, 2, 3, 4]


def test_an_intro_and_an_outro_are_no_stretch_even_on_a_re_timed_line():
    """Two items of different lengths sharing a channel's 2 s intro and outro: the four
    anchor frames at each end fit a line of speed 0.84; the copy is one stretch only."""
    intro = np.arange(0.0, 2.01, 0.5)
    tq = np.concatenate([intro, 11.6 + intro])  # the query: 13.6 s
    tr = np.concatenate([intro, 9.6 + intro])  # the other: 11.6 s
    found = run_pairs(tq, tr, other_duration=11.6)
    assert found is not None  # the intro alone (the matcher drops it as common content)
    seg = found[0].segment
    assert found[0].speed == 1.0 and seg.end_s - seg.start_s == pytest.approx(2.0)
    assert found[0].inliers == 5


def test_frames_along_the_whole_copy_are_one_stretch():
    """A copy whose informative frames thin out in the middle (a dark stretch) stays whole
    while no gap exceeds half its span."""
    tq = np.concatenate([np.arange(0.0, 3.0, 0.5), np.arange(7.5, 12.0, 0.5)])  # 4.5 s gap
    found = run(tq)
    assert found is not None
    assert (found[0].segment.start_s, found[0].segment.end_s) == (0.0, 11.5)


# -- a found mapping grown to the frames at its ends that still agree ------------------


def _found(start: float, end: float, other_start: float, other_end: float):
    """A whole-frame copy match over the given segment, at unedited speed."""
    from provenance.match._timing import CopyMatch
    from provenance.model import Segment

    segment = Segment(start, end, other_start, other_end)
    return CopyMatch(0, segment, 1.0, 0, 9, 9.0, 2.0, 0.9)


def _flip_bits(hashes, bits: int, seed: int):
    import numpy as np
    from conftest import flip_bits

    return flip_bits(hashes, bits, np.random.default_rng(seed))


def test_a_segment_grows_over_harder_frames_at_its_ends_and_stops_at_other_footage() -> None:
    import numpy as np

    from provenance.match._timing import extend_segment

    rng = np.random.default_rng(5)
    t = np.arange(0, 10.01, 0.5)
    theirs = rng.integers(0, 2**63, len(t), dtype=np.uint64)
    # the copy: the same footage 2 s later in its own clock; frames 0-4 s of the other item
    # are covered by a caption (14 bits off), and the copy ends in other footage after 11 s
    ours_t = np.arange(0, 14.01, 0.5)
    ours = rng.integers(0, 2**63, len(ours_t), dtype=np.uint64)  # unrelated by default
    for i, tq in enumerate(ours_t):
        j = np.flatnonzero(np.isclose(t, tq - 2.0))
        if len(j) and tq <= 11.0:
            ours[i] = _flip_bits(theirs[j], 14 if t[j[0]] < 4 else 2, i)[0]
    found = _found(6.0, 11.0, 4.0, 9.0)
    grown = extend_segment(found, ours_t, ours, t, theirs).segment
    assert (grown.start_s, grown.end_s, grown.other_start_s, grown.other_end_s) == (
        2.0,
        11.0,
        0.0,
        9.0,
    )


def test_a_segment_does_not_grow_over_unrelated_frames() -> None:
    import numpy as np

    from provenance.match._timing import extend_segment

    rng = np.random.default_rng(6)
    t = np.arange(0, 10.01, 0.5)
    theirs = rng.integers(0, 2**63, len(t), dtype=np.uint64)
    ours = rng.integers(0, 2**63, len(t), dtype=np.uint64)
    found = _found(3.0, 7.0, 3.0, 7.0)
    assert extend_segment(found, t, ours, t, theirs) == found
