"""Stage 3 core: which archived media does a fingerprint reuse, and where.

Frames of the archive are pooled in a :class:`FrameTable` with one Hamming
index over their hashes. A query's informative frames are looked up (as is
and mirrored; rotated too when the query is portrait), then the matches with
each archived item vote for one time mapping ``t_other = offset + speed *
t_query`` (speed 0.75-1.35 covers 0.8x-1.25x re-timing). Only a mapping that
many frames agree on is a copy: isolated frame matches are not. Matches on
content that many archive items hold (a channel's intro, a logo card) are
weighed down by how many items hold it, and frames with little detail (night,
sky, fades) are never looked up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .fingerprint import MediaFingerprint
from .index import HashIndex, Hits, make_index
from .model import Segment

RADIUS_BITS = 10  # frames within this pHash distance match (of 64 bits)
STILL_RADIUS_BITS = 8  # a still has one frame: be stricter
MIN_DETAIL = 3.0  # hashing.detail below this: a frame with no evidence in it
COMMON_ITEMS = 1  # a frame held by more items than this is common content
SPEEDS = np.round(np.arange(0.75, 1.3501, 0.01), 3)
OFFSET_BIN_S = 0.5
INLIER_TOL_S = 0.6
MIN_INLIERS = 3  # distinct query frames on one mapping
MIN_WEIGHT = 2.5  # their summed weight (1 each unless common content)
MIN_SPAN_S = 2.0  # a shared intro or logo card is shorter
_PORTRAIT_VARIANTS = np.array([0, 1, 2, 3, 6, 7])  # hashing.VARIANTS without upside-down
_LANDSCAPE_VARIANTS = np.array([0, 1])


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


class FrameTable:
    """The informative frames of many media items, with one index over them."""

    def __init__(self, fingerprints: Sequence[MediaFingerprint], *, index: str = "numpy"):
        owners, times, hashes = [], [], []
        self.durations = np.zeros(len(fingerprints), np.float64)
        self.is_still = np.zeros(len(fingerprints), bool)
        for position, fp in enumerate(fingerprints):
            keep = fp.detail >= MIN_DETAIL
            owners.append(np.full(int(keep.sum()), position, np.int32))
            times.append(fp.time_s[keep])
            hashes.append(fp.hashes[keep, 0])
            self.durations[position] = float(fp.time_s.max()) if len(fp) else 0.0
            self.is_still[position] = fp.is_still
        self.owner = np.concatenate(owners) if owners else np.zeros(0, np.int32)
        self.time_s = np.concatenate(times).astype(np.float64) if times else np.zeros(0)
        self.index: HashIndex = make_index(index)
        if owners:
            self.index.add(np.concatenate(hashes))

    def __len__(self) -> int:
        return len(self.owner)


def match_fingerprint(
    query: MediaFingerprint, table: FrameTable, *, exclude: frozenset[int] = frozenset()
) -> list[CopyMatch]:
    """Every archived item (not in ``exclude``) that ``query`` reuses, best first."""
    rows = np.flatnonzero(query.detail >= MIN_DETAIL)
    if not len(rows) or not len(table):
        return []
    q_row, q_variant = _query_plan(query, rows)
    radius = STILL_RADIUS_BITS if query.is_still else RADIUS_BITS
    hits = _search_unique(table.index, query.hashes[q_row, q_variant], radius)
    if not len(hits.entry):
        return []
    owner = table.owner[hits.entry]
    keep = ~np.isin(owner, np.fromiter(exclude, np.int32, len(exclude)))
    row = q_row[hits.query][keep]
    variant = q_variant[hits.query][keep]
    owner, entry, dist = owner[keep], hits.entry[keep], hits.distance[keep].astype(np.float64)
    if not len(owner):
        return []

    # weight of each query frame: 1, or less when many items hold that content
    holders = _distinct_owners_per_row(row, owner)
    weight_of_row = np.minimum(1.0, COMMON_ITEMS / np.maximum(holders, 1))

    matches = []
    for other in np.unique(owner):
        sel = owner == other
        pairs = _best_pair_per_frame(row[sel], entry[sel], dist[sel], variant[sel])
        tq = query.time_s[pairs.row].astype(np.float64)
        tr = table.time_s[pairs.entry]
        weights = weight_of_row[pairs.row]
        found = _align(tq, tr, weights, pairs.dist, pairs.variant, int(other), query, table)
        if found is not None:
            matches.append(found)
    return sorted(matches, key=lambda m: -m.confidence)


@dataclass(frozen=True)
class _Pairs:
    row: np.ndarray
    entry: np.ndarray
    dist: np.ndarray
    variant: np.ndarray


def _search_unique(index: HashIndex, hashes: np.ndarray, radius: int) -> Hits:
    """Search each distinct hash once (still camera: many frames hash alike)."""
    unique, inverse = np.unique(hashes, return_inverse=True)
    found = index.search(unique, radius=radius)
    # expand: every query row whose hash is unique[k] gets unique[k]'s hits
    rows_of = np.argsort(inverse, kind="stable")
    starts = np.searchsorted(inverse[rows_of], np.arange(len(unique) + 1))
    counts = np.diff(starts)[found.query]
    hit_idx = np.repeat(np.arange(len(found.query)), counts)
    offsets = np.arange(len(hit_idx)) - np.repeat(np.cumsum(counts) - counts, counts)
    rows = rows_of[starts[found.query][hit_idx] + offsets]
    return Hits(rows.astype(np.int64), found.entry[hit_idx], found.distance[hit_idx])


def _query_plan(query: MediaFingerprint, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, variant) pairs to look up: mirrored always, quarter turns if portrait."""
    plan_rows, plan_variants = [], []
    for r in rows:
        variants = _PORTRAIT_VARIANTS if query.portrait[r] else _LANDSCAPE_VARIANTS
        plan_rows.append(np.full(len(variants), r))
        plan_variants.append(variants)
    return np.concatenate(plan_rows), np.concatenate(plan_variants)


def _distinct_owners_per_row(row: np.ndarray, owner: np.ndarray) -> dict | np.ndarray:
    """For each query row, how many distinct archived items matched it."""
    size = int(row.max()) + 1
    pairs = np.unique(np.stack([row, owner.astype(np.int64)]), axis=1)
    return np.bincount(pairs[0], minlength=size)


def _best_pair_per_frame(row, entry, dist, variant) -> _Pairs:
    """Keep the closest archived frame per (query frame, archived frame time)."""
    order = np.lexsort((dist, entry, row))
    row, entry, dist, variant = row[order], entry[order], dist[order], variant[order]
    first = np.ones(len(row), bool)
    first[1:] = (row[1:] != row[:-1]) | (entry[1:] != entry[:-1])
    return _Pairs(row[first], entry[first], dist[first], variant[first])


def _align(tq, tr, weights, dist, variant, other, query, table) -> CopyMatch | None:
    """Find the time mapping most matches agree on; None if it is no copy."""
    query_still, other_still = query.is_still, bool(table.is_still[other])
    if query_still or other_still:
        return _align_still(tq, tr, weights, dist, variant, other, query_still, other_still)
    # votes[s, bin]: summed weight of matches whose offset under speed s falls in bin
    offsets = tr[None, :] - SPEEDS[:, None] * tq[None, :]
    bins = np.floor(offsets / OFFSET_BIN_S).astype(np.int64)
    lo = bins.min()
    width = int(bins.max() - lo) + 2
    votes = np.zeros((len(SPEEDS), width))
    speed_idx = np.repeat(np.arange(len(SPEEDS)), len(tq))
    np.add.at(votes, (speed_idx, (bins - lo).ravel()), np.tile(weights, len(SPEEDS)))
    # a match straddling a bin edge counts in its neighbour too
    smoothed = votes[:, :-1] + votes[:, 1:]
    s_idx, b_idx = np.unravel_index(np.argmax(smoothed), smoothed.shape)
    speed = float(SPEEDS[s_idx])
    offset = (lo + b_idx + 1) * OFFSET_BIN_S
    inl = np.abs(tr - (offset + speed * tq)) <= INLIER_TOL_S + OFFSET_BIN_S
    if inl.sum() >= 2 and np.ptp(tq[inl]) > 0:
        # refine on the inliers, then take the final inlier set
        speed_fit, offset_fit = np.polyfit(tq[inl], tr[inl], 1)
        if SPEEDS[0] <= speed_fit <= SPEEDS[-1]:
            speed, offset = float(speed_fit), float(offset_fit)
        inl = np.abs(tr - (offset + speed * tq)) <= INLIER_TOL_S
    # one vote per query frame on the mapping
    frames, first = np.unique(tq[inl], return_index=True)
    weight = float(weights[inl][first].sum())
    if len(frames) < MIN_INLIERS or weight < MIN_WEIGHT or np.ptp(frames) < MIN_SPAN_S:
        return None
    start, end = float(frames.min()), float(frames.max())
    duration = table.durations[other]
    other_start = float(np.clip(offset + speed * start, 0.0, duration))
    other_end = float(np.clip(offset + speed * end, 0.0, duration))
    mean_dist = float(dist[inl].mean())
    return CopyMatch(
        other=other,
        segment=Segment(round(start, 2), round(end, 2), round(other_start, 2), round(other_end, 2)),
        speed=round(speed, 3),
        variant=int(np.bincount(variant[inl]).argmax()),
        inliers=len(frames),
        weight=round(weight, 2),
        mean_distance=round(mean_dist, 2),
        confidence=_confidence(weight, mean_dist, RADIUS_BITS),
    )


def _align_still(
    tq, tr, weights, dist, variant, other, query_still, other_still
) -> CopyMatch | None:
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
    if dist[best] > STILL_RADIUS_BITS or weights[best] < 1.0:
        return None
    return CopyMatch(
        other=other,
        segment=segment,
        speed=1.0,
        variant=int(variant[best]),
        inliers=1,
        weight=float(weights[best]),
        mean_distance=float(dist[best]),
        confidence=_confidence(MIN_WEIGHT, float(dist[best]), STILL_RADIUS_BITS),
    )


def _confidence(weight: float, mean_distance: float, radius: int) -> float:
    """More agreeing frames and closer hashes: surer. Documented in the README."""
    support = 1.0 - np.exp(-weight / 3.0)
    closeness = 1.0 - 0.5 * (mean_distance / (radius + 1))
    return round(float(np.clip(support * closeness, 0.0, 1.0)), 3)
