"""Sampled frames -> a media item's fingerprints, in one pass (pure, no I/O).

Out of one pass over the frames come:

- the frame table (:class:`MediaFingerprint`): per sampled frame its time,
  its pHash under the eight symmetries of the square (so mirrored and rotated
  copies can be found from the new item's side), how much detail it holds
  (low-detail frames carry no evidence), whether its content is portrait, and
  a 64x36 grey thumbnail from which hashes of a sub-window can be computed
  later (crops, picture-in-picture);
- ORB keypoints of a few key frames and their visual words (crops, insets);
- SIFT keypoints of the same key frames and the event track (other cameras).

The event track wants every decoded frame around a launch, which the pass
does not decode: :meth:`FirstPass.event_windows` says which moments, the
caller decodes them (``provenance.media.transients_in``) and hands them to
:meth:`FirstPass.finish`. Data flows one way: this stage never opens a file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from ..media import Frame, Transient
from ._closeups import CloseupReading
from ._hashing import detail, dihedral_hashes, thumbnail
from ._orb import MAX_KEYFRAMES, MIN_KEYFRAME_GAP_S, FrameFeatures, orb_bag, orb_features
from ._sift import ViewFeatures, drop_overlays, sift_bag, sift_features
from ._track import SceneViews, event_track, event_windows
from ._windows import FILL_CROPS, SPLIT_TILES, WindowFinder, fixed_box_hashes, window_hashes
from ._words import WordBag

THUMB_SIZE = (64, 36)  # (width, height) of the stored thumbnails
KEYFRAME_MIN_DETAIL = 3.0  # the bar under which a frame holds no evidence (match.MIN_DETAIL)


@dataclass(frozen=True)
class MediaFingerprint:
    """Per-frame arrays of one media item, all of the same length."""

    time_s: np.ndarray  # float32 (N,)
    hashes: np.ndarray  # uint64 (N, 8): pHash under hashing.VARIANTS, column 0 as is
    detail: np.ndarray  # float32 (N,)
    portrait: np.ndarray  # bool (N,)
    thumbs: np.ndarray | None = None  # uint8 (N, 36, 64); None until loaded
    # windows holding footage of their own (an inset, a split screen's tiles, a player):
    # boxes (W, 4) as shares of the frame, and each frame's hash of each, as shown and mirrored
    windows: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.float32))
    window_hashes: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 2), np.uint64))
    # each frame's hash of each of the split-screen tiles (N, len(SPLIT_TILES)), looked up
    # when the item is the new one; (N, 0) for items analysed before tiles-v1
    tile_hashes: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.uint64))
    # each frame's hash of each centre crop of FILL_CROPS (N, len(FILL_CROPS)), indexed so
    # that a tile filled with the clip is found; (N, 0) for items analysed before fills-v1
    fill_hashes: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.uint64))

    def __len__(self) -> int:
        return len(self.time_s)

    @property
    def is_still(self) -> bool:
        return len(self) == 1 and float(self.time_s[0]) == 0.0


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


@dataclass(frozen=True)
class FirstPass:
    """What one pass over the frames gave, before the launch's moments are decoded in full."""

    prints: Fingerprints  # with the coarse event track (the sampled frames' transients)
    transients: tuple[Transient, ...]
    pinned: np.ndarray  # points of screen overlays (no track spot there)

    @property
    def event_windows(self) -> list[tuple[float, float]]:
        """The moments around each launch onset worth decoding again, every frame."""
        views = self.prints.views
        return event_windows(views.track) if views is not None else []

    def finish(self, dense: Sequence[Transient] | None = None) -> Fingerprints:
        """The fingerprints, the event track redone with ``dense``: every decoded frame's
        transients inside :attr:`event_windows` (None: keep the coarse track)."""
        views, windows = self.prints.views, self.event_windows
        if dense is None or views is None or not windows:
            return self.prints
        kept = [t for t in self.transients if not any(a <= t.time_s <= b for a, b in windows)]
        merged = sorted(kept + list(dense), key=lambda t: t.time_s)
        track = event_track(merged, self.pinned)
        return Fingerprints(
            self.prints.frames,
            self.prints.keyframes,
            self.prints.words,
            SceneViews(views.keyframes, views.bag, track, views.sound),
            self.prints.closeup,
        )


def fingerprint_frames(
    frames: Iterable[Frame], *, duration_s: float | None = None, batch: int = 64
) -> FirstPass:
    """Hash frames in batches as they stream in (memory stays flat).

    Key frames for local features are spread over ``duration_s`` (when known):
    at most :data:`MAX_KEYFRAMES`, at least :data:`MIN_KEYFRAME_GAP_S` apart,
    skipping frames with too little detail. The same key frames give the
    SIFT keypoints of the other-angle views.
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
    finder = WindowFinder()
    boxes: list[tuple[float, float, float, float]] | None = None  # None: not found yet
    held: list[np.ndarray] = []  # frames seen before the windows are known
    in_windows: list[np.ndarray] = []
    tiles: list[np.ndarray] = []
    fills: list[np.ndarray] = []

    def find_windows() -> None:
        nonlocal boxes
        boxes = [w.box for w in finder.windows()]
        in_windows.extend(window_hashes(luma, boxes) for luma in held)
        held.clear()

    def flush() -> None:
        if pending:
            stack = np.stack(pending)
            hashes.append(dihedral_hashes(stack))
            details.append(detail(stack).astype(np.float32))
            pending.clear()

    for frame in frames:
        transients.extend(frame.transients)
        if boxes is None:
            finder.offer(frame.luma)
            held.append(frame.luma.copy())  # the decoder may reuse its buffer
            if finder.ready:
                find_windows()
        else:
            in_windows.append(window_hashes(frame.luma, boxes))
        thumb = thumbnail(frame.luma)
        in_tiles, in_fills = fixed_box_hashes(frame.luma, KEYFRAME_MIN_DETAIL)
        tiles.append(in_tiles)
        fills.append(in_fills)
        times.append(frame.time_s)
        portrait.append(frame.luma.shape[0] > frame.luma.shape[1])
        small.append(cv2.resize(frame.luma, THUMB_SIZE, interpolation=cv2.INTER_AREA))
        pending.append(thumb)
        if (
            frame.time_s >= next_key
            and len(keyframes) < 2 * MAX_KEYFRAMES
            and float(detail(thumb[None], as_day=False)[0]) >= KEYFRAME_MIN_DETAIL
        ):
            keyframes.append(orb_features(frame.luma, frame.time_s))
            keyframes.append(orb_features(frame.luma, frame.time_s, mirrored=True))
            view_keyframes.append(sift_features(frame.luma, frame.time_s))
            next_key = frame.time_s + gap
        if len(pending) >= batch:
            flush()
    flush()
    if boxes is None:
        find_windows()
    assert boxes is not None
    table = MediaFingerprint(
        time_s=np.asarray(times, dtype=np.float32),
        hashes=np.concatenate(hashes) if hashes else np.zeros((0, 8), np.uint64),
        detail=np.concatenate(details) if details else np.zeros(0, np.float32),
        portrait=np.asarray(portrait, dtype=bool),
        thumbs=np.stack(small) if small else np.zeros((0, THUMB_SIZE[1], THUMB_SIZE[0]), np.uint8),
        windows=np.asarray(boxes, np.float32).reshape(-1, 4),
        window_hashes=np.stack(in_windows).reshape(len(in_windows), len(boxes), 2)
        if in_windows
        else np.zeros((0, len(boxes), 2), np.uint64),
        tile_hashes=np.stack(tiles) if tiles else np.zeros((0, len(SPLIT_TILES)), np.uint64),
        fill_hashes=np.stack(fills) if fills else np.zeros((0, len(FILL_CROPS)), np.uint64),
    )
    cleaned, pinned = drop_overlays(view_keyframes)
    views = SceneViews(cleaned, sift_bag(cleaned), event_track(transients, pinned))
    prints = Fingerprints(table, keyframes, orb_bag(keyframes), views)
    return FirstPass(prints, tuple(transients), pinned)
