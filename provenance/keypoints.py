"""Stage 2: local features on a few key frames, a shortlist, geometric checks.

Frame hashes see whole frames; crops and picture-in-picture change the whole
frame. Local features do not care: ORB keypoints of a few key frames per
media item are stored, an inverted index of "visual words" shortlists the
archived items that share many of them, and a robust homography (OpenCV's
USAC MAGSAC) tells whether one view is a 2D transform of the other (a copy:
crop, zoom, inset) and where it sits in the frame.

The visual words need no training: each word is a fixed choice of 12 of the
256 bits of an ORB descriptor (locality-sensitive hashing, four tables), so
the vocabulary is the same for every archive and every run.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from scipy import sparse

ORB_FEATURES = 400
MAX_KEYFRAMES = 8
MIN_KEYFRAME_GAP_S = 1.5
KIND = "orb-keyframes-v1"

LSH_TABLES = 4
LSH_BITS = 12
_BIT_CHOICE = (
    np.random.default_rng(20241106)
    .permutation(256)[: LSH_TABLES * LSH_BITS]
    .reshape(LSH_TABLES, LSH_BITS)
)

RATIO = 0.8  # Lowe's ratio test on Hamming distances
MIN_MATCHES = 12
RANSAC_PX = 4.0  # at the 640 px analysis width

# A usable homography (usable_homography), in units of each frame's diagonal so that frame
# sizes and aspect ratios do not matter. Copies, crops, zooms and insets lie far inside
# these bounds (condition ~1-3, area scale ~0.1-10); what a robust fit makes of degenerate
# point sets (keypoints on one line or one spot: flat frames, colour bars) does not.
H_MAX_CONDITION = 1e4  # a 1 %-wide inset is ~1e2
H_MIN_AREA_SCALE = 1e-4  # local area scale at each corner of the frame (a 1 %-wide inset)
H_MAX_AREA_SCALE = 1e4
H_MIN_W = 1e-9  # w at every corner, the matrix scaled to entries of at most 1


@dataclass(frozen=True)
class FrameFeatures:
    """ORB keypoints of one key frame, in pixels of a frame of ``size``."""

    time_s: float
    size: tuple[int, int]  # (width, height)
    points: np.ndarray  # float32 (K, 2)
    descriptors: np.ndarray  # uint8 (K, 32)
    mirrored: bool = False  # computed on the mirrored frame (ORB is not mirror-invariant)


@dataclass(frozen=True)
class Geometry:
    """How two key frames relate, from their matched keypoints."""

    matches: int  # after the ratio test
    homography_inliers: int
    fundamental_inliers: int  # points consistent with one epipolar geometry (any 3D scene)
    homography: np.ndarray | None  # maps points of the first frame into the second
    spread: float  # share of the first frame's area the inliers cover (0..1)


_orb = None


def orb_features(luma: np.ndarray, time_s: float, *, mirrored: bool = False) -> FrameFeatures:
    """ORB keypoints of a grey frame (of its mirror image if ``mirrored``)."""
    global _orb
    if _orb is None:
        _orb = cv2.ORB_create(nfeatures=ORB_FEATURES)
    image = np.ascontiguousarray(luma[:, ::-1] if mirrored else luma)
    if min(image.shape[:2]) < 2:  # OpenCV's ORB fails on a frame one pixel wide or tall
        keypoints, descriptors = (), None
    else:
        keypoints, descriptors = _orb.detectAndCompute(image, None)
    if descriptors is None:
        descriptors = np.zeros((0, 32), np.uint8)
    points = np.array([k.pt for k in keypoints], np.float32).reshape(-1, 2)
    return FrameFeatures(
        float(time_s), (luma.shape[1], luma.shape[0]), points, descriptors, mirrored
    )


def keyframe_arrays(frames: Sequence, descriptor_bytes: int) -> dict[str, np.ndarray]:
    """Key frames (anything with time_s, size, points, descriptors) as flat arrays to store."""
    return {
        "times": np.array([f.time_s for f in frames], np.float32),
        "sizes": np.array([f.size for f in frames], np.int32).reshape(-1, 2),
        "counts": np.array([len(f.points) for f in frames], np.int32),
        "points": np.concatenate([f.points for f in frames])
        if frames
        else np.zeros((0, 2), np.float32),
        "descriptors": np.concatenate([f.descriptors for f in frames])
        if frames
        else np.zeros((0, descriptor_bytes), np.uint8),
    }


def keyframe_rows(
    z: Mapping[str, np.ndarray],
) -> Iterator[tuple[float, tuple[int, int], np.ndarray, np.ndarray]]:
    """Back from :func:`keyframe_arrays`: (time, size, points, descriptors) per key frame.

    Each array is read once (an ``NpzFile`` reads and parses it again at every access).
    """
    points, descriptors = z["points"], z["descriptors"]
    bounds = np.concatenate([[0], np.cumsum(z["counts"])])
    for t, s, a, b in zip(z["times"], z["sizes"], bounds[:-1], bounds[1:], strict=True):
        yield float(t), (int(s[0]), int(s[1])), points[a:b], descriptors[a:b]


def features_to_bytes(frames: Sequence[FrameFeatures]) -> bytes:
    out = io.BytesIO()
    np.savez_compressed(
        out,
        mirrored=np.array([f.mirrored for f in frames], bool),
        **keyframe_arrays(frames, 32),
    )
    return out.getvalue()


def features_from_bytes(data: bytes) -> list[FrameFeatures]:
    z = np.load(io.BytesIO(data), allow_pickle=False)
    return [
        FrameFeatures(*row, bool(m)) for row, m in zip(keyframe_rows(z), z["mirrored"], strict=True)
    ]


def visual_words(descriptors: np.ndarray) -> np.ndarray:
    """(K, 32) ORB descriptors -> (K, LSH_TABLES) word ids, each table its own range."""
    bits = np.unpackbits(descriptors, axis=1)  # (K, 256)
    words = np.zeros((len(descriptors), LSH_TABLES), np.int64)
    weights = 1 << np.arange(LSH_BITS - 1, -1, -1)
    for t in range(LSH_TABLES):
        words[:, t] = bits[:, _BIT_CHOICE[t]] @ weights + t * (1 << LSH_BITS)
    return words


@dataclass(frozen=True)
class WordBag:
    """The visual words of a set of key frames: word ids and how often (at most 3)."""

    words: np.ndarray  # uint16, sorted, unique
    counts: np.ndarray  # uint8, 1..3: bursty words (textures) count little more

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        np.save(
            out,
            np.stack([self.words.astype(np.uint16), self.counts.astype(np.uint16)]),
            allow_pickle=False,
        )
        return out.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> WordBag:
        pair = np.load(io.BytesIO(data), allow_pickle=False)
        return cls(pair[0].astype(np.uint16), pair[1].astype(np.uint8))


WORDS_KIND = "orb-words-v1"


def word_bag(frames: Sequence[FrameFeatures], *, include_mirrored: bool = False) -> WordBag:
    """Bag of visual words of ``frames`` (as shown; mirrored ones only if asked)."""
    chosen = [f for f in frames if include_mirrored or not f.mirrored]
    if not chosen:
        return WordBag(np.zeros(0, np.uint16), np.zeros(0, np.uint8))
    all_words = np.concatenate([visual_words(f.descriptors).ravel() for f in chosen])
    words, counts = np.unique(all_words, return_counts=True)
    return WordBag(words.astype(np.uint16), np.minimum(counts, 3).astype(np.uint8))


class WordIndex:
    """Inverted index media -> visual words, ranking by tf-idf cosine similarity."""

    def __init__(self, bags: Sequence[WordBag], *, vocabulary: int = LSH_TABLES << LSH_BITS):
        shape = (len(bags), vocabulary)
        if bags and sum(len(b.words) for b in bags):
            rows = np.concatenate([np.full(len(b.words), i) for i, b in enumerate(bags)])
            cols = np.concatenate([b.words.astype(np.int64) for b in bags])
            data = np.concatenate([b.counts.astype(np.float64) for b in bags])
            counts = sparse.csr_matrix((data, (rows, cols)), shape=shape)
        else:
            counts = sparse.csr_matrix(shape)
        df = np.asarray((counts > 0).sum(axis=0)).ravel()
        self.idf = np.log((1 + len(bags)) / (1 + df)) + 1.0
        weighted = counts.multiply(self.idf).tocsr()
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
        self.matrix = sparse.diags(1.0 / np.maximum(norms, 1e-9)) @ weighted

    def shortlist(
        self,
        bag: WordBag,
        *,
        top: int = 10,
        exclude: frozenset[int] = frozenset(),
    ) -> list[tuple[int, float]]:
        """The ``top`` archived items most similar to ``bag``, with their scores."""
        if not len(bag.words) or self.matrix.shape[0] == 0:
            return []
        query = np.zeros(self.matrix.shape[1])
        query[bag.words.astype(np.int64)] = bag.counts
        query *= self.idf
        query /= max(float(np.linalg.norm(query)), 1e-9)
        scores = self.matrix @ query
        order = np.argsort(-scores)
        ranked = [
            (int(i), float(scores[i])) for i in order if scores[i] > 0 and int(i) not in exclude
        ]
        return ranked[:top]


def verify(a: FrameFeatures, b: FrameFeatures) -> Geometry:
    """Match ``a``'s keypoints into ``b`` and fit a homography robustly.

    The homography maps ``a``'s frame (as shown, even when ``a`` holds the
    features of its mirror image) into ``b``'s; a mirror has a negative
    determinant. A fit that is no usable homography (:func:`usable_homography`)
    counts as no fit: ``homography`` is None and no point is an inlier.
    """
    if len(a.descriptors) < MIN_MATCHES or len(b.descriptors) < 2:
        return Geometry(0, 0, 0, None, 0.0)
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(a.descriptors, b.descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
    if len(good) < MIN_MATCHES:
        return Geometry(len(good), 0, 0, None, 0.0)
    src = a.points[[m.queryIdx for m in good]]
    dst = b.points[[m.trainIdx for m in good]]
    try:
        homography, mask = cv2.findHomography(src, dst, cv2.USAC_MAGSAC, RANSAC_PX)
    except cv2.error:  # degenerate point sets (all on a line) have no model
        homography, mask = None, None
    if homography is None or mask is None:
        return Geometry(len(good), 0, 0, None, 0.0)
    if a.mirrored:  # undo the mirror: x_mirrored = width - x
        flip = np.array([[-1.0, 0.0, a.size[0]], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        homography = homography @ flip
    if not usable_homography(homography, a.size, b.size):
        # fitted to a degenerate point set (one line, one spot): no relation, as no fit
        return Geometry(len(good), 0, 0, None, 0.0)
    inliers = mask.ravel().astype(bool)
    fundamental_inliers = 0
    if len(good) >= 8:
        try:
            _, f_mask = cv2.findFundamentalMat(src, dst, cv2.USAC_MAGSAC, RANSAC_PX / 2, 0.999)
        except cv2.error:
            f_mask = None
        fundamental_inliers = int(f_mask.sum()) if f_mask is not None else 0
    return Geometry(
        len(good),
        int(inliers.sum()),
        fundamental_inliers,
        homography,
        hull_share(src[inliers], a.size),
    )


def hull_share(points: np.ndarray, size: tuple[int, int]) -> float:
    """Share of the frame covered by the convex hull of ``points``."""
    if len(points) < 3:
        return 0.0
    hull = cv2.convexHull(points.astype(np.float32))
    return float(cv2.contourArea(hull)) / max(1.0, float(size[0] * size[1]))


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
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]]).reshape(-1, 1, 2)
    mapped = cv2.perspectiveTransform(corners, np.asarray(homography, np.float64)).reshape(-1, 2)
    if not np.isfinite(mapped).all():
        return None
    return (
        float(mapped[:, 0].min()),
        float(mapped[:, 1].min()),
        float(mapped[:, 0].max()),
        float(mapped[:, 1].max()),
    )
