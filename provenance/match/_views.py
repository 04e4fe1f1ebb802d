"""The same place seen by another camera, and the same launch in it.

Another camera filming the same launch sees the 3D scene from elsewhere, so
frame hashes and homographies fail. Two items' key frames are related by
epipolar geometry (:func:`relate_views`: the best-supported key-frame pair,
those sharing the most words first). :func:`co_occurrence` then asks
whether the launch itself is shared: after aligning the two event tracks on
their onsets, the bright moving spot (flash, booster, drone) in one video
must lie on the epipolar lines of its position in the other, frame after
frame. Cameras standing at one height see near-horizontal epipolar lines,
which cannot place a launch along them; the launch's sound then tells.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from ..fingerprint import (
    EVENT_WINDOW_S,
    SIFT_VOCABULARY,
    EventTrack,
    ViewFeatures,
)
from ._geometry import PairGeometry, usable_homography, verify_sift
from ._shortlist import pairs_by_shared_words

PAIRS_TO_VERIFY = 4  # key-frame pairs per media pair, chosen by shared words

PAIRS_BEFORE_GIVING_UP = 2  # ... unless the first this many all match too little


def relate_views(a: Sequence[ViewFeatures], b: Sequence[ViewFeatures]) -> PairGeometry | None:
    """The best geometric relation between two items' key frames (most F inliers).

    Most shortlisted candidates show another place: when the two key-frame
    pairs sharing the most words both match too little, the rest are not tried.
    """
    best: PairGeometry | None = None
    ranked = pairs_by_shared_words(
        [f.word_ids for f in a], [f.word_ids for f in b], SIFT_VOCABULARY.size
    )
    for tried, (_shared, i, j) in enumerate(ranked[:PAIRS_TO_VERIFY]):
        found = verify_sift(a[i], b[j])
        if found is not None and (
            best is None or found.fundamental_inliers > best.fundamental_inliers
        ):
            best = found
        if best is None and tried + 1 >= PAIRS_BEFORE_GIVING_UP:
            break
    return best


@dataclass(frozen=True)
class EventMatch:
    """The launch seen in both items: ``time_b = time_a - offset_s``."""

    onset_s: float  # the launch's onset in ``a``
    offset_s: float
    consistent: int  # aligned frames where the moving spots obey the geometry
    checked: int
    error: float  # median distance to the epipolar line, share of the frame width


EVENT_TOLERANCE = 0.03  # share of the frame width

MIN_CONSISTENT = 3

MIN_CONSISTENT_SHARE = 0.6

MAX_BRACKET_S = 0.45  # interpolate the other track only between samples this close

SPOT_SHARE = 0.3  # a frame counts if its spot gains this share of the onset's gain


def co_occurrence(a: EventTrack, b: EventTrack, view: PairGeometry) -> EventMatch | None:
    """Whether the launch in ``a`` is the launch in ``b``, seen through ``view``.

    Only the spot's distance from the epipolar lines is tested: with cameras at
    one height the lines are near horizontal, and another launch a few metres
    to the side, climbing alike, passes too (:mod:`provenance.sound` tells).
    """
    best: EventMatch | None = None
    for ia in a.onsets():
        for ib in b.onsets():
            rough = float(a.time_s[ia] - b.time_s[ib])
            for offset in rough + np.arange(-0.4, 0.401, 0.05):
                found = _consistency(a, b, ia, ib, float(offset), view)
                if found is not None and (
                    best is None
                    or (found.consistent, -found.error) > (best.consistent, -best.error)
                ):
                    best = found
    if best is None or best.consistent < MIN_CONSISTENT:
        return None
    if best.consistent < MIN_CONSISTENT_SHARE * best.checked:
        return None
    return best


def _consistency(
    a: EventTrack, b: EventTrack, ia: int, ib: int, offset: float, view: PairGeometry
) -> EventMatch | None:
    start = float(a.time_s[ia])
    window = (a.time_s >= start) & (a.time_s <= start + EVENT_WINDOW_S)
    window &= a.spot[:, 2] >= SPOT_SHARE * a.spot[ia, 2]
    strong_b = b.spot[:, 2] >= SPOT_SHARE * b.spot[ib, 2]
    errors = []
    for k in np.flatnonzero(window):
        t = float(a.time_s[k]) - offset
        after = int(np.searchsorted(b.time_s, t))
        if after == 0 or after >= len(b):
            continue
        before = after - 1
        t0, t1 = float(b.time_s[before]), float(b.time_s[after])
        if t1 - t0 > MAX_BRACKET_S or not (strong_b[before] and strong_b[after]):
            continue
        w = (t - t0) / max(t1 - t0, 1e-6)
        point_b = b.spot[before, :2] * (1 - w) + b.spot[after, :2] * w
        errors.append(_transfer_error(view, a.spot[k, :2], point_b) / max(view.size_b[0], 1))
    if not errors:
        return None
    errors_arr = np.asarray(errors)
    return EventMatch(
        start,
        round(offset, 2),
        int((errors_arr <= EVENT_TOLERANCE).sum()),
        len(errors),
        float(np.median(errors_arr)),
    )


def _transfer_error(view: PairGeometry, point_a: np.ndarray, point_b: np.ndarray) -> float:
    """How far ``point_b`` is from where ``view`` puts ``point_a``, in pixels of ``b``.

    With parallax only the epipolar line is known; when one homography
    explains the scene (a camera turned, or moved little), the point itself.
    Infinite when the homography cannot place ``point_a``: degenerate (its
    inliers tell that a 2D map explains the scene, but not which), or the
    point lies beyond the line it sends to infinity.
    """
    if view.parallax or (view.homography is None and not view.homography_inliers):
        return _epipolar_error(view.fundamental, point_a, point_b)
    homography = view.homography
    if homography is None or not usable_homography(homography, view.size_a, view.size_b):
        return float("inf")
    point = np.asarray(point_a, np.float64).reshape(1, 1, 2)
    w = float(homography[2] @ np.array([point[0, 0, 0], point[0, 0, 1], 1.0]))
    if not w > 0.0:  # beyond the line the homography sends to infinity
        return float("inf")
    mapped = cv2.perspectiveTransform(point, homography).ravel()
    error = float(np.hypot(*(mapped - np.asarray(point_b, np.float64))))
    return error if np.isfinite(error) else float("inf")


def _epipolar_error(
    fundamental: np.ndarray | None, point_a: np.ndarray, point_b: np.ndarray
) -> float:
    """Distance of ``point_b`` to the epipolar line of ``point_a``, in pixels of ``b``.

    Infinite when there is no such line: no (or a degenerate) fundamental
    matrix, or ``point_a`` at its epipole (a zero matrix put every point on
    every line).
    """
    if fundamental is None or np.shape(fundamental) != (3, 3):
        return float("inf")
    xa = np.array([point_a[0], point_a[1], 1.0])
    xb = np.array([point_b[0], point_b[1], 1.0])
    line = np.asarray(fundamental, np.float64) @ xa
    norm = float(np.hypot(line[0], line[1]))
    if not (np.isfinite(line).all() and np.isfinite(xb).all() and norm > 1e-12):
        return float("inf")
    return float(abs(xb @ line) / norm)
