"""Time alignment: do matched frames agree on one mapping between two items' clocks?

Matches between a query's frames and an archived item's vote for one mapping
``t_other = offset + speed * t_query`` (speed 0.75-1.35 covers 0.8x-1.25x
re-timing). Only a mapping that many frames agree on is a copy: isolated
frame matches are not. A still against a video (a frame grab, a still shown
in a video) needs one close frame instead.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..model import Segment

RADIUS_BITS = 10  # frames within this pHash distance match (of 64 bits)

STILL_RADIUS_BITS = 8  # a still has one frame: be stricter

SPEEDS = np.round(np.arange(0.75, 1.3501, 0.01), 3)

SPEED_EVIDENCE = 1.15  # votes another speed needs, relative to the unedited speed

OFFSET_BIN_S = 0.5

INLIER_TOL_S = 0.6

HASH_MAX_MEAN_BITS = 6.0  # aligned whole frames of a copy average closer than this
MIN_INLIERS = 3  # distinct query frames on one mapping

MIN_WEIGHT = 2.5  # their summed weight (1 each unless common content)

MAX_GAP_SHARE = 0.5  # of the span: the longest stretch without a frame on the mapping

MIN_SPAN_S = 2.0  # a shared intro or logo card is shorter ...
MIN_SHORT_SPAN_S = 1.0  # ... but an excerpt of 1.5-3 s is all a short item holds
SHORT_SHARE = 0.6  # of the shorter item's extent: the span an excerpt must cover

# Extending a found mapping to its ends: the mapping says which frames must correspond,
# so a looser distance confirms them (of 64 bits; unrelated frames differ by ~32)
EXTEND_BITS = 18
EXTEND_TOL_S = 0.35  # the other item's frame nearest the mapped time must be this close
EXTEND_MISSES = 1  # frames in a row that may fail before the walk stops


def required_span_s(query_extent_s: float, other_extent_s: float) -> float:
    """How long a mapping must run to be a copy: :data:`MIN_SPAN_S`, less for short items.

    A channel's intro is short inside long videos; a short item (an excerpt of
    a few seconds) can hold no more than itself, so most of it must be on the
    mapping instead.
    """
    shorter = min(query_extent_s, other_extent_s)
    return min(MIN_SPAN_S, max(MIN_SHORT_SPAN_S, SHORT_SHARE * shorter))


@dataclass(frozen=True)
class CopyMatch:
    """The query reuses archived item ``other`` over ``segment``."""

    other: int  # position of the archived item in the FrameTable
    segment: Segment | None  # None when both are stills
    speed: float  # seconds of ``other`` per second of query
    variant: int  # hashing.VARIANTS index that matched best (1 = mirrored)
    inliers: int  # query frames on the mapping
    weight: float  # their summed weight
    mean_distance: float  # bits
    confidence: float  # 0..1
    window: tuple[float, float, float, float] | None = None  # inner frame, in the outer's 0..1
    window_in: str | None = None  # "other" (query is a crop of it) or "query" (inset)
    homography_inliers: int = 0


@dataclass(frozen=True)
class Pairs:
    row: np.ndarray
    entry: np.ndarray
    dist: np.ndarray
    variant: np.ndarray


def best_pair_per_frame(row, entry, dist, variant) -> Pairs:
    """Keep the closest archived frame per (query frame, archived frame time)."""
    order = np.lexsort((dist, entry, row))
    row, entry, dist, variant = row[order], entry[order], dist[order], variant[order]
    first = np.ones(len(row), bool)
    first[1:] = (row[1:] != row[:-1]) | (entry[1:] != entry[:-1])
    return Pairs(row[first], entry[first], dist[first], variant[first])


def align(
    tq,
    tr,
    weights,
    dist,
    variant,
    *,
    other: int,
    other_duration: float,
    query_still: bool,
    other_still: bool,
    min_span_s: float = MIN_SPAN_S,
) -> tuple[CopyMatch, np.ndarray] | None:
    """Find the time mapping most matches agree on; None if it is no copy.

    Returns the match and the indices of the pairs on it. The mapping must
    run at least ``min_span_s`` (:func:`required_span_s`) along one stretch
    (:func:`_one_stretch`).
    """
    tq, tr = np.asarray(tq, np.float64), np.asarray(tr, np.float64)
    weights, dist = np.asarray(weights, np.float64), np.asarray(dist, np.float64)
    variant = np.asarray(variant, np.int64)

    def align_only(keep: np.ndarray) -> tuple[CopyMatch, np.ndarray] | None:
        """``align`` on the pairs ``keep`` alone, their indices mapped back."""
        found = align(
            tq[keep],
            tr[keep],
            weights[keep],
            dist[keep],
            variant[keep],
            other=other,
            other_duration=other_duration,
            query_still=query_still,
            other_still=other_still,
            min_span_s=min_span_s,
        )
        return None if found is None else (found[0], keep[found[1]])

    usable = np.isfinite(tq) & np.isfinite(tr) & np.isfinite(weights) & np.isfinite(dist)
    if not usable.all():  # a broken timestamp is no evidence (and no crash)
        return align_only(np.flatnonzero(usable))
    if not len(tq):
        return None
    if query_still or other_still:
        return _align_still(tq, tr, weights, dist, variant, other, query_still, other_still)
    # votes[s, bin]: summed weight of matches whose offset under speed s falls in bin
    offsets = tr[None, :] - SPEEDS[:, None] * tq[None, :]
    bins = np.floor(offsets / OFFSET_BIN_S).astype(np.int64)
    lo = bins.min()
    width = int(bins.max() - lo) + 2
    speed_idx = np.repeat(np.arange(len(SPEEDS)), len(tq))
    # closer hashes vote more: in still scenes every frame resembles every other,
    # and only the closest pairs tell the true moment
    closeness = (1.0 - dist / (RADIUS_BITS + 1.0)) ** 2
    votes = _Votes(
        speed_idx * width + (bins - lo).ravel(), np.tile(weights * closeness, len(SPEEDS)), width
    )
    # a match straddling a bin edge counts in its neighbour too; unedited speed wins ties
    s_idx, b_idx, best = votes.best()
    # unedited speed unless another is clearly better: in still scenes all speeds fit alike
    unedited = int(np.argmin(np.abs(SPEEDS - 1.0)))
    _, unedited_bin, unedited_best = votes.best(row=unedited)
    if best < SPEED_EVIDENCE * unedited_best:
        s_idx, b_idx = unedited, unedited_bin
    speed = float(SPEEDS[s_idx])
    offset = (lo + b_idx + 1) * OFFSET_BIN_S
    inl = np.abs(tr - (offset + speed * tq)) <= INLIER_TOL_S + OFFSET_BIN_S
    if s_idx == unedited and inl.any():
        # unedited speed: refine the offset only
        offset = float(np.median(tr[inl] - tq[inl]))
        inl = np.abs(tr - (offset + speed * tq)) <= INLIER_TOL_S
    elif inl.sum() >= 2 and np.ptp(tq[inl]) > 0:
        # re-timed: refine speed and offset on the inliers, then take the final inliers
        speed_fit, offset_fit = np.polyfit(tq[inl], tr[inl], 1)
        if SPEEDS[0] <= speed_fit <= SPEEDS[-1]:
            speed, offset = float(speed_fit), float(offset_fit)
        inl = np.abs(tr - (offset + speed * tq)) <= INLIER_TOL_S
    stretch = _one_stretch(tq, inl)
    if not stretch[inl].all():  # clusters apart: the longest aligned on its own
        return align_only(np.flatnonzero(stretch))
    # one vote per query frame on the mapping
    frames, first = np.unique(tq[inl], return_index=True)
    weight = float(weights[inl][first].sum())
    if len(frames) < MIN_INLIERS or weight < MIN_WEIGHT or np.ptp(frames) < min_span_s:
        return None
    start, end = float(frames.min()), float(frames.max())
    duration = other_duration
    other_start = float(np.clip(offset + speed * start, 0.0, duration))
    other_end = float(np.clip(offset + speed * end, 0.0, duration))
    mean_dist = float(dist[inl].mean())
    match = CopyMatch(
        other=other,
        segment=Segment(round(start, 2), round(end, 2), round(other_start, 2), round(other_end, 2)),
        speed=round(speed, 3),
        variant=int(np.bincount(variant[inl]).argmax()),
        inliers=len(frames),
        weight=round(weight, 2),
        mean_distance=round(mean_dist, 2),
        confidence=_confidence(weight, mean_dist, RADIUS_BITS),
    )
    return match, np.flatnonzero(inl)


def extend_segment(
    match: CopyMatch,
    tq: np.ndarray,
    hq: np.ndarray,
    tr: np.ndarray,
    hr: np.ndarray,
) -> CopyMatch:
    """``match`` with its segment grown over the frames next to it that still agree.

    The frames at a copy's ends are often harder than its middle (dark frames
    before a night launch under a caption, a fade): too far apart to be found
    by lookup, but the mapping says which frame of the other item each must
    be, and checked against that one a looser :data:`EXTEND_BITS` is safe.
    ``tq``/``hq`` are every query frame's time and hash (under the match's
    flip or turn), ``tr``/``hr`` the other item's. Nothing else changes.
    """
    seg = match.segment
    if seg is None or not len(tq) or not len(tr):
        return match
    order = np.argsort(tr)
    tr, hr = np.asarray(tr, np.float64)[order], np.asarray(hr, np.uint64)[order]
    tq, hq = np.asarray(tq, np.float64), np.asarray(hq, np.uint64)

    def other_time(t: float) -> float:
        return seg.other_start_s + (t - seg.start_s) * match.speed

    def agrees(i: int) -> bool:
        u = other_time(float(tq[i]))
        j = int(np.clip(np.searchsorted(tr, u), 1, len(tr) - 1)) if len(tr) > 1 else 0
        if len(tr) > 1 and abs(tr[j - 1] - u) < abs(tr[j] - u):
            j -= 1
        return (
            abs(tr[j] - u) <= EXTEND_TOL_S and int(np.bitwise_count(hq[i] ^ hr[j])) <= EXTEND_BITS
        )

    def walk(rows: np.ndarray) -> float | None:
        reached, misses = None, 0
        for i in rows:
            if not -EXTEND_TOL_S <= other_time(float(tq[i])) <= tr[-1] + EXTEND_TOL_S:
                break
            if agrees(int(i)):
                reached, misses = float(tq[i]), 0
            else:
                misses += 1
                if misses > EXTEND_MISSES:
                    break
        return reached

    before = np.flatnonzero(tq < seg.start_s)
    after = np.flatnonzero(tq > seg.end_s)
    start = walk(before[np.argsort(-tq[before])])
    end = walk(after[np.argsort(tq[after])])
    if start is None and end is None:
        return match
    start = seg.start_s if start is None else start
    end = seg.end_s if end is None else end
    top = float(tr[-1])
    grown = Segment(
        round(start, 2),
        round(end, 2),
        round(float(np.clip(other_time(start), 0.0, top)), 2),
        round(float(np.clip(other_time(end), 0.0, top)), 2),
    )
    return replace(match, segment=grown)


def _one_stretch(tq: np.ndarray, inl: np.ndarray) -> np.ndarray:
    """The pairs of the mapping's longest stretch (most query frames) without a long gap.

    Two clusters (a channel's intro and outro in two items of different
    lengths, or a frame stamped hours away) fit a line through them; a copy's
    frames lie along one stretch. A gap longer than :data:`MAX_GAP_SHARE` of
    the span splits it.
    """
    frames = np.unique(tq[inl])
    if len(frames) < 2:
        return inl
    cuts = np.flatnonzero(np.diff(frames) > MAX_GAP_SHARE * np.ptp(frames))
    if not len(cuts):
        return inl
    runs = np.split(frames, cuts + 1)
    run = max(runs, key=len)
    return (tq >= run[0]) & (tq <= run[-1])


class _Votes:
    """Votes on a (speed, offset bin) grid, held sparse: only occupied cells exist.

    A grid of every speed times every bin from the earliest to the latest
    offset would take gigabytes when a broken timestamp lies hours away; the
    best cell is the same either way (the first maximum in row-major order).
    Smoothed values sum a bin and its right neighbour.
    """

    def __init__(self, cells: np.ndarray, values: np.ndarray, width: int) -> None:
        self.width = width
        self.cells, inverse = np.unique(cells, return_inverse=True)
        self.values = np.bincount(inverse.ravel(), weights=values, minlength=len(self.cells))

    def _at(self, cells: np.ndarray) -> np.ndarray:
        where = np.minimum(np.searchsorted(self.cells, cells), len(self.cells) - 1)
        return np.where(self.cells[where] == cells, self.values[where], 0.0)

    def best(self, row: int | None = None) -> tuple[int, int, float]:
        """(row, bin, smoothed votes) of the best cell, of ``row`` if given."""
        starts = np.concatenate([self.cells, self.cells[self.cells % self.width > 0] - 1])
        starts = np.unique(starts)
        if row is not None:
            starts = starts[starts // self.width == row]
            if not len(starts):
                return row, 0, 0.0
        smoothed = self._at(starts) + self._at(starts + 1)
        top = int(np.argmax(smoothed))
        cell = int(starts[top])
        return cell // self.width, cell % self.width, float(smoothed[top])


def _align_still(
    tq, tr, weights, dist, variant, other, query_still, other_still
) -> tuple[CopyMatch, np.ndarray] | None:
    """A still against a video (a frame grab, or a still shown in a video), or two stills."""
    if query_still and other_still:
        best = int(np.argmin(dist))
        segment = None
    elif query_still:  # the still is a frame of the other video: where?
        best = int(np.argmin(dist))
        segment = Segment(0.0, 0.0, round(float(tr[best]), 2), round(float(tr[best]), 2))
    else:  # the query video shows the archived still, over some span
        good = dist <= STILL_RADIUS_BITS
        if weights[good].sum() < MIN_WEIGHT or good.sum() < MIN_INLIERS:
            return None
        best = int(np.argmin(dist))
        segment = Segment(
            round(float(tq[good].min()), 2), round(float(tq[good].max()), 2), 0.0, 0.0
        )
    if dist[best] > STILL_RADIUS_BITS:
        return None
    match = CopyMatch(
        other=other,
        segment=segment,
        speed=1.0,
        variant=int(variant[best]),
        inliers=1,
        weight=float(weights[best]),
        mean_distance=float(dist[best]),
        confidence=_confidence(MIN_WEIGHT, float(dist[best]), STILL_RADIUS_BITS),
    )
    return match, np.array([best])


def _confidence(weight: float, mean_distance: float, radius: int) -> float:
    """More agreeing frames and closer hashes: surer. Documented in the README."""
    support = 1.0 - np.exp(-weight / 3.0)
    closeness = 1.0 - 0.5 * (mean_distance / (radius + 1))
    return round(float(np.clip(support * closeness, 0.0, 1.0)), 3)
