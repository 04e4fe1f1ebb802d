"""Stage 2: sampled frames -> a media item's fingerprints (pure, no I/O).

Two fingerprints come out of one pass over the frames:

- the frame table (:class:`MediaFingerprint`): per sampled frame its time,
  its pHash under the eight symmetries of the square (so mirrored and rotated
  copies can be found from the new item's side), how much detail it holds
  (low-detail frames carry no evidence), whether its content is portrait, and
  a 64x36 grey thumbnail from which hashes of a sub-window can be computed
  later (crops, picture-in-picture);
- ORB keypoints of a few key frames (:mod:`provenance.keypoints`);
- SIFT keypoints of the same key frames and the event track, for other
  camera angles (:mod:`provenance.views`).

Both are stored in the archive as bytes, versioned by their ``KIND``.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import cv2
import numpy as np

from .closeups import CloseupReading
from .frames import Frame, Transient
from .hashing import detail, dihedral_hashes, thumbnail
from .keypoints import (
    MAX_KEYFRAMES,
    MIN_KEYFRAME_GAP_S,
    FrameFeatures,
    WordBag,
    orb_features,
    word_bag,
)
from .views import SceneViews, ViewFeatures, scene_views, sift_features

KIND = "frames-v2"  # the frame table: what the index needs, small and quick to load
THUMBS_KIND = "thumbs-v1"  # the thumbnails, loaded only for items checked in detail
THUMB_SIZE = (64, 36)  # (width, height) of the stored thumbnails
_DTYPE = np.dtype(
    [("time_s", "<f4"), ("detail", "<f4"), ("portrait", "?"), ("hashes", "<u8", (8,))]
)
KEYFRAME_MIN_DETAIL = 3.0  # same bar as matching.MIN_DETAIL: no features from dark frames


@dataclass(frozen=True)
class MediaFingerprint:
    """Per-frame arrays of one media item, all of the same length."""

    time_s: np.ndarray  # float32 (N,)
    hashes: np.ndarray  # uint64 (N, 8): pHash under hashing.VARIANTS, column 0 as is
    detail: np.ndarray  # float32 (N,)
    portrait: np.ndarray  # bool (N,)
    thumbs: np.ndarray | None = None  # uint8 (N, 36, 64); None until loaded

    def __len__(self) -> int:
        return len(self.time_s)

    @property
    def is_still(self) -> bool:
        return len(self) == 1 and float(self.time_s[0]) == 0.0

    def to_bytes(self) -> bytes:
        """The frame table (without thumbnails: see :meth:`thumbs_to_bytes`)."""
        table = np.empty(len(self), dtype=_DTYPE)
        table["time_s"], table["detail"] = self.time_s, self.detail
        table["portrait"], table["hashes"] = self.portrait, self.hashes
        out = io.BytesIO()
        np.save(out, table, allow_pickle=False)
        return out.getvalue()

    def thumbs_to_bytes(self) -> bytes:
        if self.thumbs is None:
            raise ValueError("no thumbnails to store")
        return zlib.compress(np.ascontiguousarray(self.thumbs, np.uint8).tobytes(), 3)

    @classmethod
    def from_bytes(cls, data: bytes, thumbs: bytes | None = None) -> MediaFingerprint:
        table = np.load(io.BytesIO(data), allow_pickle=False)
        pixels = None
        if thumbs is not None:
            pixels = np.frombuffer(zlib.decompress(thumbs), np.uint8).reshape(
                len(table), THUMB_SIZE[1], THUMB_SIZE[0]
            )
        return cls(
            time_s=table["time_s"].astype(np.float32),
            hashes=table["hashes"].astype(np.uint64),
            detail=table["detail"].astype(np.float32),
            portrait=table["portrait"].astype(bool),
            thumbs=pixels,
        )


@dataclass(frozen=True)
class Fingerprints:
    """A media item's fingerprints. Archived items are held light (no thumbnails,
    no key frames, only their visual words) until checked in detail."""

    frames: MediaFingerprint
    keyframes: list[FrameFeatures]
    words: WordBag  # visual words of the key frames as shown (what the archive indexes)
    views: SceneViews | None = None  # other-angle fingerprint (None: not computed or not loaded)
    closeup: CloseupReading | None = None  # close-ups and identifiers (None: not read)

    @property
    def complete(self) -> bool:
        return self.frames.thumbs is not None and (
            bool(self.keyframes) or not len(self.words.words)
        )


def fingerprint_frames(
    frames: Iterable[Frame],
    *,
    duration_s: float | None = None,
    batch: int = 64,
    refine: Callable[[list[tuple[float, float]]], list[Transient]] | None = None,
) -> Fingerprints:
    """Hash frames in batches as they stream in (memory stays flat).

    Key frames for local features are spread over ``duration_s`` (when known):
    at most :data:`MAX_KEYFRAMES`, at least :data:`MIN_KEYFRAME_GAP_S` apart,
    skipping frames with too little detail. The same key frames give the
    SIFT keypoints of :mod:`provenance.views`; ``refine`` is passed on to
    :func:`provenance.views.scene_views`.
    """
    gap = max(MIN_KEYFRAME_GAP_S, (duration_s or 0.0) / MAX_KEYFRAMES)
    times: list[float] = []
    portrait: list[bool] = []
    small: list[np.ndarray] = []
    pending: list[np.ndarray] = []
    hashes: list[np.ndarray] = []
    details: list[np.ndarray] = []
    keyframes: list[FrameFeatures] = []
    view_keyframes: list[ViewFeatures] = []
    transients: list[Transient] = []
    next_key = 0.0

    def flush() -> None:
        if pending:
            stack = np.stack(pending)
            hashes.append(dihedral_hashes(stack))
            details.append(detail(stack).astype(np.float32))
            pending.clear()

    for frame in frames:
        transients.extend(frame.transients)
        thumb = thumbnail(frame.luma)
        times.append(frame.time_s)
        portrait.append(frame.luma.shape[0] > frame.luma.shape[1])
        small.append(cv2.resize(frame.luma, THUMB_SIZE, interpolation=cv2.INTER_AREA))
        pending.append(thumb)
        if (
            frame.time_s >= next_key
            and len(keyframes) < 2 * MAX_KEYFRAMES
            and float(detail(thumb[None])[0]) >= KEYFRAME_MIN_DETAIL
        ):
            keyframes.append(orb_features(frame.luma, frame.time_s))
            keyframes.append(orb_features(frame.luma, frame.time_s, mirrored=True))
            view_keyframes.append(sift_features(frame.luma, frame.time_s))
            next_key = frame.time_s + gap
        if len(pending) >= batch:
            flush()
    flush()
    table = MediaFingerprint(
        time_s=np.asarray(times, dtype=np.float32),
        hashes=np.concatenate(hashes) if hashes else np.zeros((0, 8), np.uint64),
        detail=np.concatenate(details) if details else np.zeros(0, np.float32),
        portrait=np.asarray(portrait, dtype=bool),
        thumbs=np.stack(small) if small else np.zeros((0, THUMB_SIZE[1], THUMB_SIZE[0]), np.uint8),
    )
    views = scene_views(view_keyframes, transients, refine)
    return Fingerprints(table, keyframes, word_bag(keyframes), views)
