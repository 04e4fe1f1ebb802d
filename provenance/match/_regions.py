"""Crops and insets: a window of one item's frames that is the other item.

Crops and picture-in-picture change every frame hash. For those, key frames
of the two items are checked geometrically; when a homography puts one frame
inside the other, the inner window is hashed again from the stored
thumbnails (tone-normalised, so gamma and colour edits do not matter) and
the same time alignment decides, so a copy still needs many frames that
agree over time, not one similar picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import cv2
import numpy as np

from ..fingerprint import (
    ORB_VOCABULARY,
    Fingerprints,
    FrameFeatures,
    MediaFingerprint,
    distinct_words,
    orb_words,
)
from ..fingerprint._hashing import THUMB, dihedral_thumbnails, inverse_variant, phash_thumbnails
from ._geometry import PairGeometry, mapped_box, usable_homography, verify_orb
from ._shortlist import pairs_by_shared_words
from ._timing import MIN_INLIERS, RADIUS_BITS, CopyMatch, align, best_pair_per_frame

MIN_DETAIL = 3.0  # hashing.detail below this: a frame with no evidence in it

GEOMETRY_PAIRS = 6  # key-frame pairs verified per shortlisted item

WINDOW_ATTEMPTS = 3  # geometrically good pairs whose window is tried over time

MIN_HOMOGRAPHY_INLIERS = 12

MIN_INLIER_SHARE = 0.5  # of the ratio-test matches: one 2D transform explains most

MIN_WINDOW_AREA = 0.12  # of the outer frame: a 40%-wide inset is 16%

REGION_MAX_MEAN_BITS = 8.0  # geometry confirmed the same view: overlays may cost more bits

STRONG_SUPPORT = 0.5  # homography inliers / keypoints of the inner frame: a clear copy

STRONG_MIN_INLIERS = 40  # ... and enough of them to mean something

WEAK_REGION_MAX_MEAN_BITS = 6.5  # weaker geometry (small insets): closer hashes needed

REGION_MIN_FRAMES = 8  # ... and more agreeing frames

REFINE_FRAMES = 32  # frames of each item scored when nudging a window


def match_region(
    query: Fingerprints, theirs: Fingerprints, other: int, other_duration: float
) -> CopyMatch | None:
    """A crop of archived item ``other`` (complete fingerprints ``theirs``), or ``other``
    inset in the query: geometry, then time.

    Key frames of the two items are paired by shared visual words; the best
    pairs are checked geometrically, and the first whose window also aligns
    over time wins (key frames of a moving camera pair up only at the right
    moment, so more than one pair is tried).
    """
    their_frames = [f for f in theirs.keyframes if not f.mirrored]
    attempts = 0
    for mine, frame in _keyframe_pairs(query.keyframes, their_frames, top=GEOMETRY_PAIRS):
        geometry = verify_orb(mine, frame)
        if (
            geometry.homography is None
            or geometry.homography_inliers < MIN_HOMOGRAPHY_INLIERS
            or geometry.homography_inliers < MIN_INLIER_SHARE * geometry.matches
            # another viewpoint: epipolar geometry explains clearly more than one 2D map
            or geometry.parallax
        ):
            continue
        found = _align_window(query, theirs, other, other_duration, geometry, mine, frame.size)
        if found is not None:
            return found
        attempts += 1
        if attempts >= WINDOW_ATTEMPTS:
            break
    return None


def _variant_maps() -> np.ndarray:
    """(8, 2, 2): where each of :data:`~provenance.fingerprint.VARIANTS` moves a point
    (x right, y down, about the centre), read off the thumbnails it turns."""
    probe = np.arange(9.0).reshape(1, 3, 3)  # value 3 * row + col, centre 4
    maps = np.zeros((8, 2, 2))
    for v, seen in enumerate(dihedral_thumbnails(probe)[0]):
        for axis, value in enumerate((5.0, 7.0)):  # the points one right, one down
            row, col = np.argwhere(seen == value)[0]
            maps[v, :, axis] = (col - 1, row - 1)
    return maps


_VARIANT_MAPS = _variant_maps()


def variant_of(homography: np.ndarray) -> int:
    """The turn and flip (a :data:`~provenance.fingerprint.VARIANTS` index) nearest to the
    linear part of ``homography``: a crop of a turned copy maps its frame turned."""
    linear = homography[:2, :2] / homography[2, 2]
    return int(np.argmax(np.einsum("vij,ij->v", _VARIANT_MAPS, linear)))


def _keyframe_pairs(
    mine: Sequence[FrameFeatures], theirs: Sequence[FrameFeatures], *, top: int
) -> list[tuple[FrameFeatures, FrameFeatures]]:
    """The ``top`` key-frame pairs sharing the most visual words (and any at all)."""
    ranked = pairs_by_shared_words(
        [distinct_words(orb_words(f.descriptors), ORB_VOCABULARY.size) for f in mine],
        [distinct_words(orb_words(f.descriptors), ORB_VOCABULARY.size) for f in theirs],
        ORB_VOCABULARY.size,
    )
    return [(mine[i], theirs[j]) for shared, i, j in ranked[:top] if shared > 0]


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
    geometry: PairGeometry,
    mine: FrameFeatures,
    other_size,
) -> CopyMatch | None:
    """Hash the inner window the homography shows, both sides tone-normalised, then align.

    Degenerate geometry (:func:`~provenance.keypoints.usable_homography`) is no
    relation: None, and the homography is never inverted.
    """
    homography = geometry.homography
    if homography is None or not usable_homography(homography, mine.size, other_size):
        return None
    mine_box = mapped_box(homography, mine.size)
    # well conditioned (usable): the inverse exists
    other_box = mapped_box(np.linalg.inv(homography), other_size)
    if mine_box is None or other_box is None:  # a frame folds through infinity
        return None
    query_in_other = _normalised(mine_box, other_size)
    other_in_query = _normalised(other_box, mine.size)
    turn = variant_of(homography)  # the query so turned and flipped looks like the other
    full = (0.0, 0.0, 1.0, 1.0)
    if _area(query_in_other) >= MIN_WINDOW_AREA and _area(query_in_other) <= _area(other_in_query):
        # the query shows (a crop of) the other: hash that window of the other's frames
        where = "other"
        back = inverse_variant(turn)  # the other's window so turned looks like the query
        window = _refine_window(theirs.frames, query_in_other, back, query.frames)
        other_hashes = _window_hashes(theirs.frames, window, back)
        query_hashes = _window_hashes(query.frames, full, 0)
    elif _area(other_in_query) >= MIN_WINDOW_AREA:
        # the other is inset in the query: hash that window of the query's frames
        where = "query"
        window = _refine_window(query.frames, other_in_query, turn, theirs.frames)
        query_hashes = _window_hashes(query.frames, window, turn)
        other_hashes = _window_hashes(theirs.frames, full, 0)
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
        variant=turn,
    )


def _refine_window(outer: MediaFingerprint, box, variant: int, inner: MediaFingerprint):
    """Nudge a window found on one key-frame pair so it fits the whole clip.

    The homography comes from two key frames that may be a moment apart; small
    shifts and scalings of the window are scored by how many of the inner
    item's frames then find a close hash, and the best is kept.
    """
    box = tuple(float(v) for v in np.clip(np.nan_to_num(box, nan=0.0), 0.0, 1.0))
    inner_hashes = spaced(inner.hashes[inner.detail >= MIN_DETAIL, 0], REFINE_FRAMES)
    if not len(inner_hashes):
        return box
    outer_frames = spaced(np.arange(len(outer)), REFINE_FRAMES)

    def matched(cand) -> int:
        hashes = _window_hashes(outer, cand, variant, outer_frames)
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


def spaced(values: np.ndarray, most: int) -> np.ndarray:
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
    fp: MediaFingerprint, box, variant: int, frames: np.ndarray | None = None
) -> np.ndarray:
    """pHash of the window ``box`` (normalised) of the stored thumbnails (all, or
    ``frames``), turned and flipped as :data:`~provenance.fingerprint.VARIANTS` ``variant``.

    One hash per frame, whatever ``box`` is: it is clipped to the frame and
    keeps at least one pixel (two where the frame allows).
    """
    if fp.thumbs is None:
        raise ValueError("windows are hashed from complete fingerprints (with thumbnails)")
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
    if variant:
        stack = np.ascontiguousarray(dihedral_thumbnails(stack)[:, int(variant)])
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
    pairs = best_pair_per_frame(
        q_ok[qi], o_ok[oi], distance[qi, oi].astype(np.float64), np.zeros(len(qi), np.int64)
    )
    found = align(
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
