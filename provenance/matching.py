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

Crops and picture-in-picture change every frame hash. For those, the archived
items that share many local features with the query (a visual-word shortlist)
are checked geometrically on key frames; when a homography puts one frame
inside the other, the inner window is hashed again from the stored thumbnails
and the same time alignment decides, so a copy still needs many frames that
agree over time, not one similar picture.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from .fingerprint import Fingerprints, MediaFingerprint
from .hashing import THUMB, phash_thumbnails
from .index import HashIndex, Hits, make_index
from .keypoints import (
    FrameFeatures,
    WordIndex,
    mapped_box,
    usable_homography,
    verify,
    visual_words,
    word_bag,
)
from .model import Segment

RADIUS_BITS = 10  # frames within this pHash distance match (of 64 bits)
STILL_RADIUS_BITS = 8  # a still has one frame: be stricter
MIN_DETAIL = 3.0  # hashing.detail below this: a frame with no evidence in it
COMMON_ITEMS = 1  # a frame held by more items than this is common content
SPEEDS = np.round(np.arange(0.75, 1.3501, 0.01), 3)
SPEED_EVIDENCE = 1.15  # votes another speed needs, relative to the unedited speed
OFFSET_BIN_S = 0.5
INLIER_TOL_S = 0.6
MIN_INLIERS = 3  # distinct query frames on one mapping
MIN_WEIGHT = 2.5  # their summed weight (1 each unless common content)
MIN_SPAN_S = 2.0  # a shared intro or logo card is shorter
SHORTLIST = 8  # archived items checked geometrically per query
GEOMETRY_PAIRS = 6  # key-frame pairs verified per shortlisted item
WINDOW_ATTEMPTS = 3  # geometrically good pairs whose window is tried over time
MIN_HOMOGRAPHY_INLIERS = 12
MIN_INLIER_SHARE = 0.5  # of the ratio-test matches: one 2D transform explains most
MIN_WINDOW_AREA = 0.12  # of the outer frame: a 40%-wide inset is 16%
PARALLAX_MIN_EXTRA = 12  # points only epipolar geometry explains, for another viewpoint
PARALLAX_SHARE = 0.3  # ... and as a share of the fundamental matrix's inliers
REGION_MAX_MEAN_BITS = 8.0  # geometry confirmed the same view: overlays may cost more bits
HASH_MAX_MEAN_BITS = 6.0  # aligned whole frames of a copy average closer than this
STRONG_SUPPORT = 0.5  # homography inliers / keypoints of the inner frame: a clear copy
STRONG_MIN_INLIERS = 40  # ... and enough of them to mean something
WEAK_REGION_MAX_MEAN_BITS = 6.5  # weaker geometry (small insets): closer hashes needed
REGION_MIN_FRAMES = 8  # ... and more agreeing frames
REFINE_FRAMES = 32  # frames of each item scored when nudging a window
FULL_CACHE = 64  # complete fingerprints of archived items kept in memory
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
    window: tuple[float, float, float, float] | None = None  # inner frame, in the outer's 0..1
    window_in: str | None = None  # "other" (query is a crop of it) or "query" (inset)
    homography_inliers: int = 0


class FrameTable:
    """The informative frames of many media items, with one index over them.

    Items may be given light (frame table and visual words only, as loaded for
    the whole archive); ``load`` then fetches an item's complete fingerprints
    (thumbnails, key frames) when it is checked in detail. A few stay cached.
    """

    def __init__(
        self,
        prints: Sequence[Fingerprints],
        *,
        index: str = "auto",
        load: Callable[[int], Fingerprints | None] | None = None,
    ):
        owners, times, hashes = [], [], []
        self.prints = list(prints)
        self._load = load
        self._complete: OrderedDict[int, Fingerprints] = OrderedDict()
        self.durations = np.zeros(len(prints), np.float64)
        self.is_still = np.zeros(len(prints), bool)
        for position, fp in enumerate(p.frames for p in prints):
            keep = fp.detail >= MIN_DETAIL
            owners.append(np.full(int(keep.sum()), position, np.int32))
            times.append(fp.time_s[keep])
            hashes.append(fp.hashes[keep, 0])
            self.durations[position] = float(fp.time_s.max()) if len(fp) else 0.0
            self.is_still[position] = fp.is_still
        self.owner = np.concatenate(owners) if owners else np.zeros(0, np.int32)
        self.time_s = np.concatenate(times).astype(np.float64) if times else np.zeros(0)
        self.index: HashIndex = make_index(index, expected_size=sum(len(o) for o in owners))
        if owners:
            self.index.add(np.concatenate(hashes))
        self.words = WordIndex([p.words for p in prints])

    def __len__(self) -> int:
        return len(self.owner)

    def full(self, position: int) -> Fingerprints | None:
        """Item ``position`` with thumbnails and key frames (None if they cannot be had)."""
        given = self.prints[position]
        if given.complete:
            return given
        if position in self._complete:
            self._complete.move_to_end(position)
            return self._complete[position]
        if self._load is None:
            return None
        loaded = self._load(position)
        if loaded is not None:
            self._complete[position] = loaded
            if len(self._complete) > FULL_CACHE:
                self._complete.popitem(last=False)
        return loaded


def match_fingerprint(
    query: Fingerprints, table: FrameTable, *, exclude: frozenset[int] = frozenset()
) -> list[CopyMatch]:
    """Every archived item (not in ``exclude``) that ``query`` reuses, best first."""
    matches = {m.other: m for m in _match_hashes(query.frames, table, exclude)}
    if query.frames.thumbs is None:
        raise ValueError("the query's fingerprints must be complete (thumbnails and key frames)")
    for candidate, _score in table.words.shortlist(
        word_bag(query.keyframes, include_mirrored=True),
        top=SHORTLIST,
        exclude=exclude | frozenset(matches),
    ):
        found = _match_region(query, table, candidate)
        if found is not None:
            matches[candidate] = found
    return sorted(matches.values(), key=lambda m: -m.confidence)


def _match_hashes(
    query: MediaFingerprint, table: FrameTable, exclude: frozenset[int]
) -> list[CopyMatch]:
    """Matches on whole-frame hashes (all edits but crops and insets)."""
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
    owners_hit, rows_hit = _owner_rows(row, owner)
    holders = np.bincount(rows_hit, minlength=int(row.max()) + 1)
    weight_of_row = np.minimum(1.0, COMMON_ITEMS / np.maximum(holders, 1))

    # an item whose matched frames cannot reach the weight of a copy is not aligned at all
    # (a clip re-posted a thousand times weighs a thousandth per item)
    reachable = np.bincount(
        owners_hit, weights=weight_of_row[rows_hit], minlength=len(table.prints)
    )
    candidates = np.unique(owner)
    if not (query.is_still or table.is_still[candidates].any()):
        candidates = candidates[reachable[candidates] >= MIN_WEIGHT]

    matches = []
    for other in candidates:
        sel = owner == other
        pairs = _best_pair_per_frame(row[sel], entry[sel], dist[sel], variant[sel])
        found = _align(
            query.time_s[pairs.row].astype(np.float64),
            table.time_s[pairs.entry],
            weight_of_row[pairs.row],
            pairs.dist,
            pairs.variant,
            other=int(other),
            other_duration=float(table.durations[other]),
            query_still=query.is_still,
            other_still=bool(table.is_still[other]),
        )
        if found is None:
            continue
        match, _on = found
        if match.mean_distance <= HASH_MAX_MEAN_BITS:
            matches.append(match)
    return matches


def _match_region(query: Fingerprints, table: FrameTable, other: int) -> CopyMatch | None:
    """A crop of ``other``, or ``other`` inset in the query: geometry, then time.

    Key frames of the two items are paired by shared visual words; the best
    pairs are checked geometrically, and the first whose window also aligns
    over time wins (key frames of a moving camera pair up only at the right
    moment, so more than one pair is tried).
    """
    theirs = table.full(other)
    if theirs is None:
        return None
    their_frames = [f for f in theirs.keyframes if not f.mirrored]
    attempts = 0
    for mine, frame in _keyframe_pairs(query.keyframes, their_frames, top=GEOMETRY_PAIRS):
        geometry = verify(mine, frame)
        if (
            geometry.homography is None
            or geometry.homography_inliers < MIN_HOMOGRAPHY_INLIERS
            or geometry.homography_inliers < MIN_INLIER_SHARE * geometry.matches
            # another viewpoint: epipolar geometry explains clearly more than one 2D map
            or geometry.fundamental_inliers - geometry.homography_inliers
            >= max(PARALLAX_MIN_EXTRA, PARALLAX_SHARE * geometry.fundamental_inliers)
        ):
            continue
        found = _align_window(
            query, theirs, other, float(table.durations[other]), geometry, mine, frame.size
        )
        if found is not None:
            return found
        attempts += 1
        if attempts >= WINDOW_ATTEMPTS:
            break
    return None


def _keyframe_pairs(
    mine: Sequence[FrameFeatures], theirs: Sequence[FrameFeatures], *, top: int
) -> list[tuple[FrameFeatures, FrameFeatures]]:
    """The ``top`` key-frame pairs sharing the most visual words."""
    my_words = [np.unique(visual_words(f.descriptors)) for f in mine]
    their_words = [np.unique(visual_words(f.descriptors)) for f in theirs]
    scored = [
        (len(np.intersect1d(a, b, assume_unique=True)), i, j)
        for i, a in enumerate(my_words)
        for j, b in enumerate(their_words)
    ]
    scored.sort(reverse=True)
    return [(mine[i], theirs[j]) for shared, i, j in scored[:top] if shared > 0]


def _inner_keypoints(features: FrameFeatures, box) -> int:
    """Keypoints of ``features`` inside ``box`` (normalised)."""
    w, h = features.size
    x0, y0, x1, y1 = box
    p = features.points
    inside = (p[:, 0] >= x0 * w) & (p[:, 0] <= x1 * w) & (p[:, 1] >= y0 * h) & (p[:, 1] <= y1 * h)
    return int(inside.sum())


def _align_window(
    query: Fingerprints,
    theirs: Fingerprints,
    other: int,
    other_duration: float,
    geometry,
    mine: FrameFeatures,
    other_size,
) -> CopyMatch | None:
    """Hash the inner window the homography shows, both sides tone-normalised, then align.

    Degenerate geometry (:func:`~provenance.keypoints.usable_homography`) is no
    relation: None, and the homography is never inverted.
    """
    homography = geometry.homography
    if not usable_homography(homography, mine.size, other_size):
        return None
    mine_box = mapped_box(homography, mine.size)
    # well conditioned (usable): the inverse exists
    other_box = mapped_box(np.linalg.inv(homography), other_size)
    if mine_box is None or other_box is None:  # a frame folds through infinity
        return None
    query_in_other = _normalised(mine_box, other_size)
    other_in_query = _normalised(other_box, mine.size)
    mirrored = bool(np.linalg.det(homography[:2, :2]) < 0)
    full = (0.0, 0.0, 1.0, 1.0)
    if _area(query_in_other) >= MIN_WINDOW_AREA and _area(query_in_other) <= _area(other_in_query):
        # the query shows (a crop of) the other: hash that window of the other's frames
        where = "other"
        window = _refine_window(theirs.frames, query_in_other, mirrored, query.frames)
        other_hashes = _window_hashes(theirs.frames, window, mirrored)
        query_hashes = _window_hashes(query.frames, full, False)
    elif _area(other_in_query) >= MIN_WINDOW_AREA:
        # the other is inset in the query: hash that window of the query's frames
        where = "query"
        window = _refine_window(query.frames, other_in_query, mirrored, theirs.frames)
        query_hashes = _window_hashes(query.frames, window, mirrored)
        other_hashes = _window_hashes(theirs.frames, full, False)
    else:
        return None
    found = _align_hash_lists(
        query.frames,
        query_hashes,
        theirs.frames,
        other_hashes,
        other,
        other_duration,
    )
    if found is None:
        return None
    # how much of the inner frame's keypoints the 2D map explains: a copy, most of
    # them; another day at the same place, a few (the far background)
    inner = _inner_keypoints(mine, other_in_query) if where == "query" else len(mine.points)
    strong = (
        geometry.homography_inliers >= STRONG_SUPPORT * max(1, inner)
        and geometry.homography_inliers >= STRONG_MIN_INLIERS
    )
    if not (query.frames.is_still or theirs.frames.is_still):
        max_bits, min_frames = (
            (REGION_MAX_MEAN_BITS, MIN_INLIERS)
            if strong
            else (WEAK_REGION_MAX_MEAN_BITS, REGION_MIN_FRAMES)
        )
        if found.mean_distance > max_bits or found.inliers < min_frames:
            return None
    return replace(
        found,
        window=tuple(round(v, 3) for v in window),
        window_in=where,
        homography_inliers=geometry.homography_inliers,
        variant=int(mirrored),
    )


def _refine_window(outer: MediaFingerprint, box, mirrored: bool, inner: MediaFingerprint):
    """Nudge a window found on one key-frame pair so it fits the whole clip.

    The homography comes from two key frames that may be a moment apart; small
    shifts and scalings of the window are scored by how many of the inner
    item's frames then find a close hash, and the best is kept.
    """
    box = tuple(float(v) for v in np.clip(np.nan_to_num(box, nan=0.0), 0.0, 1.0))
    inner_hashes = _spaced(inner.hashes[inner.detail >= MIN_DETAIL, 0], REFINE_FRAMES)
    if not len(inner_hashes):
        return box
    outer_frames = _spaced(np.arange(len(outer)), REFINE_FRAMES)

    def matched(cand) -> int:
        hashes = _window_hashes(outer, cand, mirrored, outer_frames)
        dist = np.bitwise_count(inner_hashes[:, None] ^ hashes[None, :]).min(axis=1)
        return int((dist <= RADIUS_BITS).sum())

    x0, y0, x1, y1 = box
    cx, cy, w, h = (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0

    def nudged(scale: float, dx: float, dy: float) -> tuple[float, float, float, float]:
        sw, sh = w * scale, h * scale
        return (
            max(0.0, cx + dx * w - sw / 2),
            max(0.0, cy + dy * h - sh / 2),
            min(1.0, cx + dx * w + sw / 2),
            min(1.0, cy + dy * h + sh / 2),
        )

    base = matched(box)
    best, best_count = box, base + max(2, base // 10)  # a nudge must clearly do better
    best_step = (1.0, 0.0, 0.0)
    # coarse grid, then the neighbours of the best coarse step
    coarse = [
        (s, dx, dy)
        for s in (0.92, 1.0, 1.08)
        for dx in (-0.06, 0.0, 0.06)
        for dy in (-0.06, 0.0, 0.06)
    ]
    for steps in (coarse, None):
        if steps is None:
            s0, dx0, dy0 = best_step
            steps = [
                (s0, dx0 + ex, dy0 + ey)
                for ex in (-0.03, 0.0, 0.03)
                for ey in (-0.03, 0.0, 0.03)
                if ex or ey
            ]
        for step in steps:
            cand = nudged(*step)
            if _area(cand) <= 0 or cand == box:
                continue
            count = matched(cand)
            if count > best_count:
                best, best_count, best_step = cand, count, step
    return best


def _spaced(values: np.ndarray, most: int) -> np.ndarray:
    """At most ``most`` evenly spaced elements of ``values`` (all if fewer)."""
    if len(values) <= most:
        return values
    return values[np.linspace(0, len(values) - 1, most).round().astype(int)]


def _tone_normalised(windows: np.ndarray) -> np.ndarray:
    """(N, h, w) uint8 -> float32: each grey level replaced by its mid-rank in its window.

    Tone edits (brightness, contrast, gamma, colour shifts) keep the order of
    grey levels, so they vanish. Computed for all windows at once from their
    histograms: a level's mid-rank is the count below it plus half its ties.
    """
    n = len(windows)
    flat = windows.reshape(n, -1).astype(np.int64)
    hist = np.bincount((flat + 256 * np.arange(n)[:, None]).ravel(), minlength=256 * n)
    hist = hist.reshape(n, 256)
    mid_rank = np.cumsum(hist, axis=1) - (hist + 1) / 2.0
    scale = 255.0 / max(1, flat.shape[1] - 1)
    ranks = np.take_along_axis(mid_rank, flat, axis=1) * scale
    return ranks.reshape(windows.shape).astype(np.float32)


def _normalised(box, size) -> tuple[float, float, float, float]:
    w, h = size
    x0, y0, x1, y1 = box
    return (max(0.0, x0 / w), max(0.0, y0 / h), min(1.0, x1 / w), min(1.0, y1 / h))


def _area(box) -> float:
    x0, y0, x1, y1 = box
    return max(0.0, x1 - x0) * max(0.0, y1 - y0)


def _window_hashes(
    fp: MediaFingerprint, box, mirrored: bool, frames: np.ndarray | None = None
) -> np.ndarray:
    """pHash of the window ``box`` (normalised) of the stored thumbnails (all, or ``frames``).

    One hash per frame, whatever ``box`` is: it is clipped to the frame and
    keeps at least one pixel (two where the frame allows).
    """
    thumbs = fp.thumbs if frames is None else fp.thumbs[frames]
    if not len(thumbs):
        return np.zeros(0, np.uint64)
    th, tw = thumbs.shape[1:]
    x0, y0, x1, y1 = (float(v) for v in np.clip(np.nan_to_num(box, nan=0.0), 0.0, 1.0))
    c0 = min(int(np.floor(x0 * tw)), tw - 1)
    c1 = max(int(np.ceil(x1 * tw)), c0 + 2)
    r0 = min(int(np.floor(y0 * th)), th - 1)
    r1 = max(int(np.ceil(y1 * th)), r0 + 2)
    windows = _tone_normalised(thumbs[:, r0:r1, c0:c1])
    # frame by frame: OpenCV limits the channels of one array (512 in 4.x, 128 in 5.0),
    # and with frames as channels a frame's result depended on how many shared the call
    stack = np.empty((len(windows), THUMB, THUMB), np.float64)
    for i, window in enumerate(windows):
        stack[i] = cv2.resize(window, (THUMB, THUMB), interpolation=cv2.INTER_LINEAR)
    if mirrored:
        stack = stack[:, :, ::-1]
    return phash_thumbnails(stack)


def _align_hash_lists(
    query: MediaFingerprint,
    query_hashes: np.ndarray,
    other: MediaFingerprint,
    other_hashes: np.ndarray,
    other_pos: int,
    other_duration: float,
) -> CopyMatch | None:
    """Align two short hash lists directly (all pairs within the radius)."""
    q_ok = np.flatnonzero(query.detail >= MIN_DETAIL)
    o_ok = np.flatnonzero(other.detail >= MIN_DETAIL)
    if not len(q_ok) or not len(o_ok):
        return None
    distance = np.bitwise_count(query_hashes[q_ok][:, None] ^ other_hashes[o_ok][None, :])
    qi, oi = np.nonzero(distance <= RADIUS_BITS)
    if not len(qi):
        return None
    pairs = _best_pair_per_frame(
        q_ok[qi], o_ok[oi], distance[qi, oi].astype(np.float64), np.zeros(len(qi), np.int64)
    )
    found = _align(
        query.time_s[pairs.row].astype(np.float64),
        other.time_s[pairs.entry].astype(np.float64),
        np.ones(len(pairs.row)),
        pairs.dist,
        pairs.variant,
        other=other_pos,
        other_duration=other_duration,
        query_still=query.is_still,
        other_still=other.is_still,
    )
    if found is None:
        return None
    return found[0]


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


def _owner_rows(row: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (owner, query row) pairs among the hits, as two arrays."""
    span = int(row.max()) + 1
    keys = np.unique(owner.astype(np.int64) * span + row)  # one sort of plain integers
    return keys // span, keys % span


def _best_pair_per_frame(row, entry, dist, variant) -> _Pairs:
    """Keep the closest archived frame per (query frame, archived frame time)."""
    order = np.lexsort((dist, entry, row))
    row, entry, dist, variant = row[order], entry[order], dist[order], variant[order]
    first = np.ones(len(row), bool)
    first[1:] = (row[1:] != row[:-1]) | (entry[1:] != entry[:-1])
    return _Pairs(row[first], entry[first], dist[first], variant[first])


def _align(
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
) -> tuple[CopyMatch, np.ndarray] | None:
    """Find the time mapping most matches agree on; None if it is no copy.

    Returns the match and the indices of the pairs on it.
    """
    tq, tr = np.asarray(tq, np.float64), np.asarray(tr, np.float64)
    weights, dist = np.asarray(weights, np.float64), np.asarray(dist, np.float64)
    variant = np.asarray(variant, np.int64)
    usable = np.isfinite(tq) & np.isfinite(tr) & np.isfinite(weights) & np.isfinite(dist)
    if not usable.all():  # a broken timestamp is no evidence (and no crash)
        keep = np.flatnonzero(usable)
        found = _align(
            tq[keep],
            tr[keep],
            weights[keep],
            dist[keep],
            variant[keep],
            other=other,
            other_duration=other_duration,
            query_still=query_still,
            other_still=other_still,
        )
        return None if found is None else (found[0], keep[found[1]])
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
    # one vote per query frame on the mapping
    frames, first = np.unique(tq[inl], return_index=True)
    weight = float(weights[inl][first].sum())
    if len(frames) < MIN_INLIERS or weight < MIN_WEIGHT or np.ptp(frames) < MIN_SPAN_S:
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
