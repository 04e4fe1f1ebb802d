"""Content that many items share and that is no copy of any: intros, outros, logo cards.

Channels open and close their posts with the same few seconds; reporting each
pair of posts as a copy would bury the real copies under bumpers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._timing import CopyMatch

COMMON_SHARE = 0.5  # a match covering less than this of both items is a small one ...
COMMON_MAX_S = 6.0  # ... and no longer than this
BUMPER_EDGE_S = 1.0  # ... at the start of both items, or the end of both: an intro, an outro
COMMON_HOLDERS = 2  # ... or shared with the query by this many other items: common content


def without_common_content(
    matches: Sequence[CopyMatch], query_extent_s: float, durations: np.ndarray
) -> list[CopyMatch]:
    """``matches`` without what items share that is no copy of either.

    A channel's bumper, or a logo card, is a short stretch, a small part of
    both items: such a match is common content when it lies at the very start
    of both items or the very end of both (an intro, an outro), or when at
    least :data:`COMMON_HOLDERS` other archived items match the same stretch
    of the query in the same small way. A copy covers most of one item at
    least (an excerpt, a clip in a compilation, a re-post), or is held by few.
    ``durations`` are the archived items' extents, by ``CopyMatch.other``.
    """
    small: list[CopyMatch] = []  # every small match, intros and outros too: all are holders
    inside: list[CopyMatch] = []  # the small ones away from both items' edges
    kept: list[CopyMatch] = []
    for match in matches:
        seg = match.segment
        if seg is None:
            kept.append(match)
            continue
        other_extent = float(durations[match.other])
        span, other_span = seg.end_s - seg.start_s, seg.other_end_s - seg.other_start_s
        is_small = (
            span < COMMON_SHARE * query_extent_s
            and other_span < COMMON_SHARE * other_extent
            and span <= COMMON_MAX_S
        )
        if not is_small:
            kept.append(match)
            continue
        small.append(match)
        at_start = seg.start_s <= BUMPER_EDGE_S and seg.other_start_s <= BUMPER_EDGE_S
        at_end = (
            query_extent_s - seg.end_s <= BUMPER_EDGE_S
            and other_extent - seg.other_end_s <= BUMPER_EDGE_S
        )
        if not (at_start or at_end):
            inside.append(match)
    for match in inside:
        assert match.segment is not None
        a, b = match.segment.start_s, match.segment.end_s
        sharing = sum(
            1
            for other in small
            if other is not match
            and other.segment is not None
            and min(b, other.segment.end_s) - max(a, other.segment.start_s) > 0.5 * (b - a)
        )
        if sharing < COMMON_HOLDERS:
            kept.append(match)
    return kept
