"""How two key frames relate: matched keypoints, robust 2D and epipolar fits, parallax.

One place for the geometry of a pair of frames, whatever the features: the
robust fits (OpenCV's USAC MAGSAC), the one test of whether a homography can
be used, the one parallax rule, and the frame boxes and spreads that follow.
A homography that one 2D map explains is one view transformed (a copy, a crop,
an inset); a fundamental matrix explaining clearly more points is another
viewpoint of one 3D place (another camera).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from ..fingerprint import FrameFeatures, ViewFeatures, mutual_matches

# A usable homography (usable_homography), in units of each frame's diagonal so that frame
# sizes and aspect ratios do not matter. Copies, crops, zooms and insets lie far inside
# these bounds (condition ~1-3, area scale ~0.1-10); what a robust fit makes of degenerate
# point sets (keypoints on one line or one spot: flat frames, colour bars) does not.


# A usable homography (usable_homography), in units of each frame's diagonal so that frame
# sizes and aspect ratios do not matter. Copies, crops, zooms and insets lie far inside
# these bounds (condition ~1-3, area scale ~0.1-10); what a robust fit makes of degenerate
# point sets (keypoints on one line or one spot: flat frames, colour bars) does not.
H_MAX_CONDITION = 1e4  # a 1 %-wide inset is ~1e2

H_MIN_AREA_SCALE = 1e-4  # local area scale at each corner of the frame (a 1 %-wide inset)

H_MAX_AREA_SCALE = 1e4

H_MIN_W = 1e-9  # w at every corner, the matrix scaled to entries of at most 1


def usable_homography(
    homography: np.ndarray | None,
    size: tuple[int, int],
    other_size: tuple[int, int] | None = None,
) -> bool:
    """Whether ``homography`` (a frame of ``size`` into one of ``other_size``) can be used.

    Usable: a finite 3x3 matrix, well conditioned, that maps the frame's four
    corners to finite points with positive w (the frame does not fold through
    infinity), with a local area scale there (the determinant of the 2x2
    linear part, the Jacobian) neither tiny nor huge. Measured with both
    frames scaled to a unit diagonal, so frame sizes do not matter. Robust fits
    to degenerate point sets (keypoints of flat frames or colour bars, all on
    one line or one spot) give singular or folding maps: those must never be
    inverted or trusted to place a window. The one test of this for the
    whole package.
    """
    unit = _unit_map(homography, size, size if other_size is None else other_size)
    if unit is None:
        return False
    n, corners = unit
    w = corners @ n[2]
    if not (w > H_MIN_W).all():
        return False
    try:
        singular = np.linalg.svd(n, compute_uv=False)
    except np.linalg.LinAlgError:
        return False
    if not singular[-1] * H_MAX_CONDITION >= singular[0]:
        return False
    area = np.abs(np.linalg.det(n) / w**3)  # Jacobian determinant of the map at each corner
    return bool(np.all((area >= H_MIN_AREA_SCALE) & (area <= H_MAX_AREA_SCALE)))


def _unit_map(
    homography: np.ndarray | None, size: tuple[int, int], other_size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray] | None:
    """``homography`` between the frames scaled to a unit diagonal (entries at most 1), and
    the first frame's corners in those units (homogeneous, (4, 3)); None if it is no
    finite 3x3 matrix."""
    if homography is None:
        return None
    h = np.asarray(homography, dtype=np.float64)
    d_a, d_b = _diagonal(size), _diagonal(other_size)
    if h.shape != (3, 3) or not np.isfinite(h).all() or d_a is None or d_b is None:
        return None
    # diag(1/d_b, 1/d_b, 1) @ H @ diag(d_a, d_a, 1)
    n = h * np.outer([1.0 / d_b, 1.0 / d_b, 1.0], [d_a, d_a, 1.0])
    top = float(np.abs(n).max())
    if not (np.isfinite(top) and top > 0.0):
        return None
    x, y = float(size[0]) / d_a, float(size[1]) / d_a
    corners = np.array([[0.0, 0.0, 1.0], [x, 0.0, 1.0], [x, y, 1.0], [0.0, y, 1.0]])
    return n / top, corners


def _diagonal(size: tuple[int, int]) -> float | None:
    d = float(np.hypot(float(size[0]), float(size[1])))
    return max(d, 1.0) if np.isfinite(d) else None


def mapped_box(
    homography: np.ndarray, size: tuple[int, int]
) -> tuple[float, float, float, float] | None:
    """Where a whole frame of ``size`` lands under ``homography``: (x0, y0, x1, y1).

    None when it does not land on finite points: a corner's w not positive
    (the frame folds through infinity) or the matrix not finite.
    """
    unit = _unit_map(homography, size, size)
    if unit is None or not (unit[1] @ unit[0][2] > H_MIN_W).all():
        return None
    w, h = size
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32).reshape(-1, 1, 2)
    mapped = cv2.perspectiveTransform(corners, np.asarray(homography, np.float64)).reshape(-1, 2)
    if not np.isfinite(mapped).all():
        return None
    return (
        float(mapped[:, 0].min()),
        float(mapped[:, 1].min()),
        float(mapped[:, 0].max()),
        float(mapped[:, 1].max()),
    )


def hull_share(points: np.ndarray, size: tuple[int, int]) -> float:
    """Share of the frame covered by the convex hull of ``points``."""
    if len(points) < 3:
        return 0.0
    hull = cv2.convexHull(points.astype(np.float32))
    return float(cv2.contourArea(hull)) / max(1.0, float(size[0] * size[1]))


# Parallax: another viewpoint when epipolar geometry explains at least this many more
# points than one homography ...
PARALLAX_MIN_EXTRA = 8
# ... and this many times as many (docs/architecture.md: why this rule for both matchers).
PARALLAX_RATIO = 1.3


def has_parallax(fundamental_inliers: int, homography_inliers: int) -> bool:
    """Whether epipolar geometry explains clearly more than one 2D map: another viewpoint."""
    return fundamental_inliers >= max(
        homography_inliers + PARALLAX_MIN_EXTRA, PARALLAX_RATIO * homography_inliers
    )


@dataclass(frozen=True)
class PairGeometry:
    """How two key frames relate, from their matched keypoints.

    ``homography`` maps points of frame a into frame b (usable ones only:
    :func:`usable_homography`); ``fundamental`` relates them by epipolar
    geometry (``x_b^T F x_a = 0``); ``points_a``/``points_b`` are its inliers.
    """

    time_a: float
    time_b: float
    size_a: tuple[int, int]  # (width, height)
    size_b: tuple[int, int]
    matches: int  # matched keypoints
    homography_inliers: int
    fundamental_inliers: int
    homography: np.ndarray | None
    fundamental: np.ndarray | None
    spread: float  # share of the frame(s) the inliers' hull covers (0..1)
    points_a: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.float32))
    points_b: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.float32))

    @property
    def parallax(self) -> bool:
        """Only epipolar geometry explains the matches: another viewpoint, not a 2D copy."""
        return has_parallax(self.fundamental_inliers, self.homography_inliers)


def fit_homography(
    src: np.ndarray, dst: np.ndarray, threshold_px: float
) -> tuple[np.ndarray | None, np.ndarray]:
    """A robust homography of ``src`` onto ``dst`` and its inlier mask (None: no model)."""
    try:
        homography, mask = cv2.findHomography(src, dst, cv2.USAC_MAGSAC, threshold_px)
    except cv2.error:  # degenerate point sets (all on a line) have no model
        homography, mask = None, None
    if homography is None or mask is None:
        return None, np.zeros(len(src), bool)
    return homography, mask.ravel().astype(bool)


def fit_fundamental(
    src: np.ndarray, dst: np.ndarray, threshold_px: float
) -> tuple[np.ndarray | None, np.ndarray]:
    """A robust fundamental matrix of ``src`` and ``dst`` and its inlier mask.

    None unless it is one finite, non-zero 3x3 matrix (OpenCV stacks several
    when unsure).
    """
    try:
        fundamental, mask = cv2.findFundamentalMat(src, dst, cv2.USAC_MAGSAC, threshold_px, 0.999)
    except cv2.error:
        fundamental, mask = None, None
    if fundamental is None or mask is None:
        return None, np.zeros(len(src), bool)
    f = np.asarray(fundamental)
    if f.shape != (3, 3) or not np.isfinite(f).all() or not np.abs(f).max() > 0:
        return None, mask.ravel().astype(bool)
    return fundamental, mask.ravel().astype(bool)


ORB_RATIO = 0.8  # Lowe's ratio test on Hamming distances
ORB_MIN_MATCHES = 12
ORB_RANSAC_PX = 4.0  # homography, at the 640 px analysis width; epipolar: half


def verify_orb(a: FrameFeatures, b: FrameFeatures) -> PairGeometry:
    """ORB key frames: ratio-test matches, a homography first, then the epipolar check.

    The homography maps ``a``'s frame (as shown, even when ``a`` holds the
    features of its mirror image) into ``b``'s; a mirror has a negative
    determinant. A fit that is no usable homography counts as no fit:
    ``homography`` is None and no point is an inlier.
    """

    def none(matches: int = 0) -> PairGeometry:
        return PairGeometry(a.time_s, b.time_s, a.size, b.size, matches, 0, 0, None, None, 0.0)

    if len(a.descriptors) < ORB_MIN_MATCHES or len(b.descriptors) < 2:
        return none()
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(a.descriptors, b.descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < ORB_RATIO * p[1].distance]
    if len(good) < ORB_MIN_MATCHES:
        return none(len(good))
    src = a.points[[m.queryIdx for m in good]]
    dst = b.points[[m.trainIdx for m in good]]
    homography, inliers = fit_homography(src, dst, ORB_RANSAC_PX)
    if homography is None:
        return none(len(good))
    if a.mirrored:  # undo the mirror: x_mirrored = width - x
        flip = np.array([[-1.0, 0.0, a.size[0]], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        homography = homography @ flip
    if not usable_homography(homography, a.size, b.size):
        # fitted to a degenerate point set (one line, one spot): no relation, as no fit
        return none(len(good))
    fundamental, f_inliers = (
        fit_fundamental(src, dst, ORB_RANSAC_PX / 2) if len(good) >= 8 else (None, inliers[:0])
    )
    return PairGeometry(
        a.time_s,
        b.time_s,
        a.size,
        b.size,
        len(good),
        int(inliers.sum()),
        int(f_inliers.sum()),
        homography,
        fundamental,
        hull_share(src[inliers], a.size),
    )


SIFT_MIN_MATCHES = 15
SIFT_F_THRESHOLD_PX = 1.0  # epipolar distance, at the ~640 px analysis width
SIFT_H_THRESHOLD_PX = 3.0


def verify_sift(a: ViewFeatures, b: ViewFeatures) -> PairGeometry | None:
    """SIFT key frames: mutual RootSIFT matches, the epipolar fit, and a homography beside it.

    None when no fundamental matrix fits. A degenerate homography is left
    out (``homography`` None); its inliers still count as points one 2D map
    explains, so they still speak against parallax.
    """
    pairs = mutual_matches(a.rooted, b.rooted)
    if len(pairs) < SIFT_MIN_MATCHES:
        return None
    src = a.points[pairs[:, 0]].astype(np.float64)
    dst = b.points[pairs[:, 1]].astype(np.float64)
    fundamental, inliers = fit_fundamental(src, dst, SIFT_F_THRESHOLD_PX)
    if fundamental is None:
        return None
    homography, h_inliers = fit_homography(src, dst, SIFT_H_THRESHOLD_PX)
    h_count = int(h_inliers.sum())
    usable = h_count and usable_homography(homography, a.size, b.size)
    return PairGeometry(
        a.time_s,
        b.time_s,
        a.size,
        b.size,
        len(pairs),
        h_count,
        int(inliers.sum()),
        homography if usable else None,
        fundamental,
        min(hull_share(src[inliers], a.size), hull_share(dst[inliers], b.size)),
        src[inliers].astype(np.float32),
        dst[inliers].astype(np.float32),
    )
