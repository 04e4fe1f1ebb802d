"""Stage 2b: the same scene from another camera, and the same launch in it.

Copies are 2D transforms of one view; another camera filming the same launch
sees the 3D scene from elsewhere, so frame hashes and homographies fail.
Here each media item keeps:

- RootSIFT keypoints of a few key frames (:class:`ViewFeatures`), without
  the overlays (logos, timestamps) that stay pinned to the screen while the
  scene moves, since two outlets' logos match each other and no scene;
- their visual words, for an archive-wide shortlist: signed random
  projections of the descriptors (locality-sensitive hashing of the angle
  between descriptors), so the vocabulary needs no training and is the same
  for every archive;
- an event track (:class:`EventTrack`): what brightened from one decoded
  frame to the next, with where, several times a second.

:func:`relate_views` fits a fundamental matrix (USAC MAGSAC) to matched
keypoints of the best key-frame pairs: many inliers spread over the frame
say "same place". :func:`co_occurrence` then asks whether the launch itself
is shared: after aligning the two tracks on their onsets, the bright moving
spot (flash, booster, drone) in one video must lie on the epipolar lines of
its position in the other, frame after frame. Two launches at one site
align in time as easily, but not always in space: cameras standing at one
height see near-horizontal epipolar lines, which cannot place a launch along
them; the launch's sound (:mod:`provenance.sound`) then tells.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

from .frames import Transient
from .keypoints import hull_share, keyframe_arrays, keyframe_rows, usable_homography
from .sound import LaunchSound

KIND = "sift-keyframes-v1"
WORDS_KIND = "sift-words-v1"
TRACK_KIND = "event-track-v1"

SIFT_FEATURES = 800
SIFT_CONTRAST = 0.02  # OpenCV's 0.04 finds too little in soft, compressed footage
RATIO = 0.8
MIN_MATCHES = 15
F_THRESHOLD_PX = 1.0  # epipolar distance, at the ~640 px analysis width
H_THRESHOLD_PX = 3.0
PAIRS_TO_VERIFY = 4  # key-frame pairs per media pair, chosen by shared words
PAIRS_BEFORE_GIVING_UP = 2  # ... unless the first this many all match too little

# Overlays: a keypoint found at the same place (within PIN_PX) in PIN_FRAMES
# other key frames is pinned to the screen, if the scene around it moved.
PIN_PX = 0.75
PIN_FRAMES = 2
SCENE_MOVED_PX = 2.0  # median shift of matched keypoints that shows the camera moved
PIN_MASK_PX = 14.0  # keypoints this close to a pinned one go too (changing digits)
MAX_PINNED_SHARE = 0.5  # more than this pinned: a camera on a tripod, keep everything

LSH_TABLES = 6
LSH_BITS = 14
_PROJECTIONS = (
    np.random.default_rng(20241124).standard_normal((128, LSH_TABLES * LSH_BITS)).astype(np.float32)
)
_CENTRE = np.float32(1.0 / np.sqrt(128.0))  # RootSIFT vectors are unit length, all positive
VOCABULARY = LSH_TABLES << LSH_BITS


@dataclass(frozen=True)
class ViewFeatures:
    """SIFT keypoints of one key frame: points in pixels of a frame of ``size``.

    Descriptors are OpenCV's SIFT values, integers 0..255 by construction,
    kept as bytes; :attr:`rooted` gives RootSIFT (Hellinger kernel) for matching.
    """

    time_s: float
    size: tuple[int, int]  # (width, height)
    points: np.ndarray  # float32 (K, 2)
    descriptors: np.ndarray  # uint8 (K, 128)

    @cached_property
    def rooted(self) -> np.ndarray:
        """RootSIFT descriptors: float32 (K, 128), each of unit length."""
        d = self.descriptors.astype(np.float32)
        d /= np.maximum(d.sum(axis=1, keepdims=True), 1e-7)
        return np.sqrt(d)

    @cached_property
    def word_ids(self) -> np.ndarray:
        """The distinct visual words of this key frame (:func:`words_of`), sorted."""
        return np.unique(words_of(self).ravel())


_sift = None


def sift_features(luma: np.ndarray, time_s: float) -> ViewFeatures:
    """SIFT keypoints of a grey frame."""
    global _sift
    if _sift is None:
        _sift = cv2.SIFT_create(nfeatures=SIFT_FEATURES, contrastThreshold=SIFT_CONTRAST)
    keypoints, descriptors = _sift.detectAndCompute(np.ascontiguousarray(luma), None)
    if descriptors is None:
        descriptors = np.zeros((0, 128), np.float32)
    points = np.array([k.pt for k in keypoints], np.float32).reshape(-1, 2)
    return ViewFeatures(
        float(time_s),
        (luma.shape[1], luma.shape[0]),
        points,
        np.clip(np.rint(descriptors), 0, 255).astype(np.uint8),
    )


def _mutual_matches(a: np.ndarray, b: np.ndarray, ratio: float = RATIO) -> np.ndarray:
    """(M, 2) index pairs: ``a``'s nearest in ``b`` passes the ratio test and is mutual.

    ``a`` and ``b`` are unit-length (RootSIFT), so squared distances are
    ``2 - 2 a.b``: one matrix product gives both directions.
    """
    if len(a) < 2 or len(b) < 2:
        return np.zeros((0, 2), np.int64)
    similarity = a @ b.T
    rows = np.arange(len(a))
    best = np.argmax(similarity, axis=1)
    mutual = np.argmax(similarity, axis=0)[best] == rows
    near = similarity[rows, best]
    similarity[rows, best] = -np.inf
    next_near = similarity.max(axis=1)
    distance = np.sqrt(np.maximum(2.0 - 2.0 * near, 0.0))
    next_distance = np.sqrt(np.maximum(2.0 - 2.0 * next_near, 0.0))
    keep = (distance < ratio * next_distance) & mutual
    return np.stack([rows[keep], best[keep]], axis=1).astype(np.int64)


def drop_overlays(frames: Sequence[ViewFeatures]) -> tuple[list[ViewFeatures], np.ndarray]:
    """Remove keypoints pinned to the screen (logos, captions, timestamps).

    Returns the cleaned key frames and the pinned points (pixels), which also
    tell where the event track must not look.
    """
    frames = list(frames)
    if len(frames) <= PIN_FRAMES:
        return frames, np.zeros((0, 2), np.float32)
    roots = [f.rooted for f in frames]
    hits = [np.zeros(len(f.points), np.int32) for f in frames]
    moved = []
    for i in range(len(frames)):
        for j in range(i + 1, len(frames)):
            if frames[i].size != frames[j].size:
                continue
            pairs = _mutual_matches(roots[i], roots[j])
            if not len(pairs):
                continue
            shift = np.linalg.norm(
                frames[i].points[pairs[:, 0]] - frames[j].points[pairs[:, 1]], axis=1
            )
            if float(np.median(shift)) < SCENE_MOVED_PX:
                continue  # the scene held still too: no telling overlays from it
            moved.append(True)
            still = shift < PIN_PX
            np.add.at(hits[i], pairs[still, 0], 1)
            np.add.at(hits[j], pairs[still, 1], 1)
    pinned = np.concatenate([f.points[h >= PIN_FRAMES] for f, h in zip(frames, hits, strict=True)])
    total = sum(len(f.points) for f in frames)
    if not len(pinned) or not any(moved) or len(pinned) > MAX_PINNED_SHARE * total:
        return frames, np.zeros((0, 2), np.float32)
    cleaned = []
    for f in frames:
        if len(f.points):
            near = np.min(np.linalg.norm(f.points[:, None, :] - pinned[None, :, :], axis=2), axis=1)
            keep = near > PIN_MASK_PX
        else:
            keep = np.zeros(0, bool)
        cleaned.append(ViewFeatures(f.time_s, f.size, f.points[keep], f.descriptors[keep]))
    return cleaned, pinned.astype(np.float32)


def words_of(features: ViewFeatures) -> np.ndarray:
    """(K, LSH_TABLES) visual word ids, each table in its own range."""
    if not len(features.descriptors):
        return np.zeros((0, LSH_TABLES), np.int64)
    signs = ((features.rooted - _CENTRE) @ _PROJECTIONS) > 0
    weights = 1 << np.arange(LSH_BITS - 1, -1, -1)
    words = signs.reshape(len(signs), LSH_TABLES, LSH_BITS).astype(np.int64) @ weights
    return words + (np.arange(LSH_TABLES) << LSH_BITS)


def view_words(frames: Sequence[ViewFeatures]) -> tuple[np.ndarray, np.ndarray]:
    """The words of a media item's key frames: sorted unique ids and counts (at most 3)."""
    if not frames or not sum(len(f.points) for f in frames):
        return np.zeros(0, np.uint32), np.zeros(0, np.uint8)
    words, counts = np.unique(
        np.concatenate([words_of(f).ravel() for f in frames]), return_counts=True
    )
    return words.astype(np.uint32), np.minimum(counts, 3).astype(np.uint8)


# --- the event track -------------------------------------------------------


@dataclass(frozen=True)
class EventTrack:
    """Per decoded frame: time, brightness, and the strongest brightening spot."""

    time_s: np.ndarray  # float32 (N,)
    brightness: np.ndarray  # float32 (N,)
    spot: np.ndarray  # float32 (N, 3): x, y (pixels of the sampled frames), gain

    def __len__(self) -> int:
        return len(self.time_s)

    @classmethod
    def empty(cls) -> EventTrack:
        return cls(np.zeros(0, np.float32), np.zeros(0, np.float32), np.zeros((0, 3), np.float32))

    def onsets(self, most: int = 3) -> list[int]:
        """Indices where something sudden starts: a gain well above the moments before."""
        gain = self.spot[:, 2]
        found = []
        for i in range(1, len(self)):
            before = gain[max(0, i - ONSET_LOOKBACK) : i]
            floor = max(float(np.median(before)) * ONSET_FACTOR, ONSET_MIN_GAIN)
            if gain[i] >= floor and gain[i - 1] < floor:
                found.append((float(gain[i]) / floor, i))
        found.sort(reverse=True)
        return sorted(i for _, i in found[:most])


ONSET_LOOKBACK = 6  # decoded frames (about 2 s without B-frames)
ONSET_FACTOR = 2.5
ONSET_MIN_GAIN = 40.0  # luma levels: a flash, a booster, fire; not noise or shake


def event_track(transients: Sequence[Transient], pinned: np.ndarray) -> EventTrack:
    """The track of ``transients``, ignoring spots on pinned overlays."""
    times, bright, spots = [], [], []
    for item in transients:
        spot = (0.0, 0.0, 0.0)
        for x, y, gain in item.peaks:
            if (
                len(pinned)
                and float(np.min(np.hypot(pinned[:, 0] - x, pinned[:, 1] - y))) < 2 * PIN_MASK_PX
            ):
                continue
            spot = (x, y, gain)
            break
        times.append(item.time_s)
        bright.append(item.brightness)
        spots.append(spot)
    return EventTrack(
        np.asarray(times, np.float32),
        np.asarray(bright, np.float32),
        np.asarray(spots, np.float32).reshape(-1, 3),
    )


# --- storage -----------------------------------------------------------------


@dataclass(frozen=True)
class SceneViews:
    """A media item's other-angle fingerprint: key frames, their words, its track."""

    keyframes: list[ViewFeatures]
    words: np.ndarray  # uint32, sorted unique
    counts: np.ndarray  # uint8
    track: EventTrack
    sound: LaunchSound | None = None  # None: not listened to (or not loaded)

    def keyframes_to_bytes(self) -> bytes:
        out = io.BytesIO()
        np.savez(out, **keyframe_arrays(self.keyframes, 128))
        return out.getvalue()

    def words_to_bytes(self) -> bytes:
        out = io.BytesIO()
        np.savez(out, words=self.words, counts=self.counts)
        return out.getvalue()

    def track_to_bytes(self) -> bytes:
        out = io.BytesIO()
        np.savez(
            out, time_s=self.track.time_s, brightness=self.track.brightness, spot=self.track.spot
        )
        return out.getvalue()

    @staticmethod
    def keyframes_from_bytes(data: bytes) -> list[ViewFeatures]:
        return [
            ViewFeatures(*row)
            for row in keyframe_rows(np.load(io.BytesIO(data), allow_pickle=False))
        ]

    @staticmethod
    def words_from_bytes(data: bytes) -> tuple[np.ndarray, np.ndarray]:
        z = np.load(io.BytesIO(data), allow_pickle=False)
        return z["words"].astype(np.uint32), z["counts"].astype(np.uint8)

    @staticmethod
    def track_from_bytes(data: bytes) -> EventTrack:
        z = np.load(io.BytesIO(data), allow_pickle=False)
        return EventTrack(z["time_s"], z["brightness"], z["spot"])


def event_windows(track: EventTrack) -> list[tuple[float, float]]:
    """Moments worth decoding in full: around each onset, merged where they overlap."""
    windows: list[tuple[float, float]] = []
    for i in track.onsets():
        start = max(0.0, float(track.time_s[i]) - WINDOW_BEFORE_S)
        end = float(track.time_s[i]) + EVENT_WINDOW_S + WINDOW_BEFORE_S
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


WINDOW_BEFORE_S = 0.5


def scene_views(
    keyframes: Sequence[ViewFeatures],
    transients: Sequence[Transient],
    refine: Callable[[list[tuple[float, float]]], list[Transient]] | None = None,
) -> SceneViews:
    """A media item's :class:`SceneViews` from its key frames and transients.

    ``refine`` gives every decoded frame's transients inside some windows
    (:func:`provenance.frames.transients_in`); the coarse track's onsets are
    decoded again in full through it.
    """
    cleaned, pinned = drop_overlays(keyframes)
    track = event_track(transients, pinned)
    windows = event_windows(track) if refine is not None else []
    if windows:
        dense = refine(windows)
        kept = [t for t in transients if not any(a <= t.time_s <= b for a, b in windows)]
        merged = sorted(kept + list(dense), key=lambda t: t.time_s)
        track = event_track(merged, pinned)
    words, counts = view_words(cleaned)
    return SceneViews(cleaned, words, counts, track)


# --- geometry ------------------------------------------------------------------


@dataclass(frozen=True)
class ViewMatch:
    """The best-supported key-frame pair of two media items and its geometry."""

    time_a: float
    time_b: float
    matches: int
    fundamental_inliers: int
    homography_inliers: int
    spread: float  # smaller share of either frame covered by the inliers' hull
    fundamental: np.ndarray | None  # x_b^T F x_a = 0
    homography: np.ndarray | None  # x_b ~ H x_a; None if none fits or it is degenerate
    points_a: np.ndarray  # (I, 2) the fundamental inliers
    points_b: np.ndarray
    size_a: tuple[int, int]
    size_b: tuple[int, int]

    @property
    def parallax(self) -> bool:
        """Only epipolar geometry explains the matches: another viewpoint, not a 2D copy."""
        return self.fundamental_inliers >= max(
            self.homography_inliers + PARALLAX_MARGIN, PARALLAX_SHARE * self.homography_inliers
        )

    @cached_property
    def point_map(self) -> np.ndarray | None:
        """The homography, if usable to carry points of ``a`` into ``b`` (else None)."""
        usable = usable_homography(self.homography, self.size_a, self.size_b)
        return self.homography if usable else None


PARALLAX_MARGIN = 8
PARALLAX_SHARE = 1.3


def verify_pair(a: ViewFeatures, b: ViewFeatures) -> ViewMatch | None:
    """Match two key frames and fit a fundamental matrix and a homography robustly.

    None when the fundamental matrix is degenerate (not finite, or zero). A
    degenerate homography (:func:`~provenance.keypoints.usable_homography`) is
    left out (``homography`` None); its inliers still count as points one 2D
    map explains, so they still speak against parallax.
    """
    pairs = _mutual_matches(a.rooted, b.rooted)
    if len(pairs) < MIN_MATCHES:
        return None
    src = a.points[pairs[:, 0]].astype(np.float64)
    dst = b.points[pairs[:, 1]].astype(np.float64)
    try:
        fundamental, f_mask = cv2.findFundamentalMat(
            src, dst, cv2.USAC_MAGSAC, F_THRESHOLD_PX, 0.999
        )
        homography, h_mask = cv2.findHomography(src, dst, cv2.USAC_MAGSAC, H_THRESHOLD_PX)
    except cv2.error:  # degenerate point sets have no model
        return None
    if fundamental is None or f_mask is None or not _usable_fundamental(fundamental):
        return None
    inliers = f_mask.ravel().astype(bool)
    h_count = int(h_mask.sum()) if h_mask is not None else 0
    if not usable_homography(homography, a.size, b.size):
        homography = None
    return ViewMatch(
        a.time_s,
        b.time_s,
        len(pairs),
        int(inliers.sum()),
        h_count,
        min(hull_share(src[inliers], a.size), hull_share(dst[inliers], b.size)),
        fundamental,
        homography if h_count and homography is not None else None,
        src[inliers].astype(np.float32),
        dst[inliers].astype(np.float32),
        a.size,
        b.size,
    )


def _usable_fundamental(fundamental: np.ndarray) -> bool:
    """A finite, non-zero 3x3 fundamental matrix (OpenCV stacks several when unsure)."""
    f = np.asarray(fundamental)
    return f.shape == (3, 3) and bool(np.isfinite(f).all()) and bool(np.abs(f).max() > 0)


def _pair_order(a: Sequence[ViewFeatures], b: Sequence[ViewFeatures]) -> list[tuple[int, int]]:
    """Key-frame pairs, those sharing the most visual words first."""
    if not a or not b:
        return []
    present = np.zeros((VOCABULARY, len(b)), np.int32)  # word -> which of b's frames hold it
    for j, fb in enumerate(b):
        present[fb.word_ids, j] = 1
    shared = np.stack([present[fa.word_ids].sum(axis=0) for fa in a])  # (len(a), len(b))
    scored = [(int(shared[i, j]), i, j) for i in range(len(a)) for j in range(len(b))]
    scored.sort(key=lambda s: (-s[0], s[1], s[2]))
    return [(i, j) for _, i, j in scored]


def relate_views(a: Sequence[ViewFeatures], b: Sequence[ViewFeatures]) -> ViewMatch | None:
    """The best geometric relation between two items' key frames (most F inliers).

    Most shortlisted candidates show another place: when the two key-frame
    pairs sharing the most words both match too little, the rest are not tried.
    """
    best: ViewMatch | None = None
    for tried, (i, j) in enumerate(_pair_order(a, b)[:PAIRS_TO_VERIFY]):
        found = verify_pair(a[i], b[j])
        if found is not None and (
            best is None or found.fundamental_inliers > best.fundamental_inliers
        ):
            best = found
        if best is None and tried + 1 >= PAIRS_BEFORE_GIVING_UP:
            break
    return best


# --- the event ---------------------------------------------------------------


@dataclass(frozen=True)
class EventMatch:
    """The launch seen in both items: ``time_b = time_a - offset_s``."""

    onset_s: float  # the launch's onset in ``a``
    offset_s: float
    consistent: int  # aligned frames where the moving spots obey the geometry
    checked: int
    error: float  # median distance to the epipolar line, share of the frame width


EVENT_WINDOW_S = 2.5  # after the onset: flash, booster, climb
EVENT_TOLERANCE = 0.03  # share of the frame width
MIN_CONSISTENT = 3
MIN_CONSISTENT_SHARE = 0.6
MAX_BRACKET_S = 0.45  # interpolate the other track only between samples this close
SPOT_SHARE = 0.3  # a frame counts if its spot gains this share of the onset's gain


def co_occurrence(a: EventTrack, b: EventTrack, view: ViewMatch) -> EventMatch | None:
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
    a: EventTrack, b: EventTrack, ia: int, ib: int, offset: float, view: ViewMatch
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


def _transfer_error(view: ViewMatch, point_a: np.ndarray, point_b: np.ndarray) -> float:
    """How far ``point_b`` is from where ``view`` puts ``point_a``, in pixels of ``b``.

    With parallax only the epipolar line is known; when one homography
    explains the scene (a camera turned, or moved little), the point itself.
    Infinite when the homography cannot place ``point_a``: degenerate (its
    inliers tell that a 2D map explains the scene, but not which), or the
    point lies beyond the line it sends to infinity.
    """
    if view.parallax or (view.homography is None and not view.homography_inliers):
        return _epipolar_error(view.fundamental, point_a, point_b)
    homography = view.point_map
    if homography is None:
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
