"""SIFT keypoints of the key frames, for other camera angles, without screen overlays.

Another camera filming the same launch sees the 3D scene from elsewhere, so
frame hashes and homographies fail; RootSIFT keypoints of a few key frames
are kept instead, without the overlays (logos, timestamps) that stay pinned
to the screen while the scene moves, since two outlets' logos match each
other and no scene.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

from ._words import SIFT_VOCABULARY, WordBag, bag_of_words, distinct_words, sift_words

SIFT_FEATURES = 800

SIFT_CONTRAST = 0.02  # OpenCV's 0.04 finds too little in soft, compressed footage

RATIO = 0.8

# Overlays: a keypoint found at the same place (within PIN_PX) in PIN_FRAMES
# other key frames is pinned to the screen, if the scene around it moved.
PIN_PX = 0.75

PIN_FRAMES = 2

SCENE_MOVED_PX = 2.0  # median shift of matched keypoints that shows the camera moved

PIN_MASK_PX = 14.0  # keypoints this close to a pinned one go too (changing digits)

MAX_PINNED_SHARE = 0.5  # more than this pinned: a camera on a tripod, keep everything


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
        """The distinct visual words of this key frame, sorted."""
        return distinct_words(sift_words(self.rooted), SIFT_VOCABULARY.size)


_sift: cv2.SIFT | None = None


def sift_features(luma: np.ndarray, time_s: float) -> ViewFeatures:
    """SIFT keypoints of a grey frame."""
    global _sift
    if _sift is None:
        _sift = cv2.SIFT.create(nfeatures=SIFT_FEATURES, contrastThreshold=SIFT_CONTRAST)
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


def mutual_matches(a: np.ndarray, b: np.ndarray, ratio: float = RATIO) -> np.ndarray:
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
            pairs = mutual_matches(roots[i], roots[j])
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


def sift_bag(frames: Sequence[ViewFeatures]) -> WordBag:
    """The words of a media item's key frames: each distinct id once, counts capped at 3."""
    return bag_of_words(sift_words(f.rooted) for f in frames)
