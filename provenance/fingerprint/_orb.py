"""ORB keypoints of a few key frames: what crops and insets are recognised by.

Frame hashes see whole frames; crops and picture-in-picture change the whole
frame. Local features do not care: the ORB keypoints of a few key frames per
media item are kept (and those of their mirror images, ORB not being
mirror-invariant), with their visual words for an archive-wide shortlist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from ._words import WordBag, bag_of_words, orb_words

ORB_FEATURES = 400

MAX_KEYFRAMES = 8

MIN_KEYFRAME_GAP_S = 1.5


@dataclass(frozen=True)
class FrameFeatures:
    """ORB keypoints of one key frame, in pixels of a frame of ``size``."""

    time_s: float
    size: tuple[int, int]  # (width, height)
    points: np.ndarray  # float32 (K, 2)
    descriptors: np.ndarray  # uint8 (K, 32)
    mirrored: bool = False  # computed on the mirrored frame (ORB is not mirror-invariant)


_orb: cv2.ORB | None = None


def orb_features(luma: np.ndarray, time_s: float, *, mirrored: bool = False) -> FrameFeatures:
    """ORB keypoints of a grey frame (of its mirror image if ``mirrored``)."""
    global _orb
    if _orb is None:
        _orb = cv2.ORB.create(nfeatures=ORB_FEATURES)
    image = np.ascontiguousarray(luma[:, ::-1] if mirrored else luma)
    keypoints: Sequence[cv2.KeyPoint]
    descriptors: np.ndarray | None
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


def orb_bag(frames: Sequence[FrameFeatures], *, include_mirrored: bool = False) -> WordBag:
    """Bag of visual words of ``frames`` (as shown; mirrored ones only if asked)."""
    return bag_of_words(
        orb_words(f.descriptors) for f in frames if include_mirrored or not f.mirrored
    )
