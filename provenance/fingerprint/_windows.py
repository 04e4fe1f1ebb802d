"""Windows inside the frame that hold footage of their own: an inset, a split screen, a player.

Picture-in-picture, split screens and screen recordings of a player show a
clip in a rectangle of the frame, around which something else moves or stays
(another clip, a second clip, the player's interface). Whole-frame hashes of
such a frame match neither clip, and the stored 64x36 thumbnails are too
coarse to hash a small inset again. So the rectangles are found while the
frames stream past, from their borders: straight edges that stay where they
are in nearly every frame while the picture changes (:class:`WindowFinder`),
and each frame's window is hashed at the analysis resolution
(:func:`window_hashes`), with its own flat borders cut as a whole frame's are.

Pure: frames in, boxes and hashes out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from ..media import find_content
from ._hashing import THUMB, detail, dihedral_thumbnails, phash_thumbnails, thumbnail

DETECT_FRAMES = 40  # sampled frames (20 s) the layout is found on; it holds for the video
MIN_DETECT_FRAMES = 6  # fewer: a still or a flash of a clip, no layout to find
GRID = (320, 180)  # (width, height) the edges are looked for at: a 2 px inset border shows
EDGE = 16.0  # gradient (Sobel / 4: luma levels per pixel) of an edge
PERSISTENT = 0.7  # share of frames an edge pixel must hold in
LINE = 0.15  # share of the frame's height (width) a persistent vertical (horizontal) line spans
MAX_LINES = 14  # the longest lines per axis are tried as sides (besides the frame's own)
SIDE_COVERED = 0.6  # share of a rectangle's inner side along a persistent edge
MIN_SIDE = 0.22  # of the frame's width and height: a 25 %-wide inset
MAX_AREA = 0.8  # larger rectangles are the frame with a border, not a window
MOVING = 3.0  # mean |difference| between frames (luma levels): footage moves
MOVING_SHARE = 0.6  # of a row's (column's) pixels that move, for the box of what moves
# of an edged rectangle's pixels that move, for footage inside it: a still camera's footage
# moves less (0.56 in the least-moving inset of the copy benchmark's tuning half)
EDGED_MOVING_SHARE = 0.5
STILL_AROUND = 0.3  # at most this share moving around a moving box: a player on a desktop
MAX_WINDOWS = 6
SAME_WINDOW = 0.8  # intersection over union: two boxes are one window
SAME_BOX = 0.97  # ... and the same box, hashed alike
SEAM = 0.7  # share of a lone inner side across which motion is unrelated: two clips meet
MOVING_BOX_SIDES = 2  # inner sides along edges (coverage 0.4) a moving box needs: a frame
VARIANTS = np.array([0, 1])  # window hashes kept: as shown, and mirrored


@dataclass(frozen=True)
class Window:
    """A rectangle of the frame (``box``: x0, y0, x1, y1 as shares of the frame) and its score."""

    box: tuple[float, float, float, float]
    score: float


class WindowFinder:
    """Keeps the first :data:`DETECT_FRAMES` frames small and finds the windows in them."""

    def __init__(self) -> None:
        self.small: list[np.ndarray] = []

    @property
    def ready(self) -> bool:
        return len(self.small) >= DETECT_FRAMES

    def offer(self, luma: np.ndarray) -> None:
        if len(self.small) < DETECT_FRAMES:
            self.small.append(cv2.resize(luma, GRID, interpolation=cv2.INTER_AREA))

    def windows(self) -> list[Window]:
        """The rectangles bounded by persistent straight edges, whose inside moves; best first."""
        if len(self.small) < MIN_DETECT_FRAMES:
            return []
        return find_windows(np.stack(self.small).astype(np.float32))


def find_windows(frames: np.ndarray) -> list[Window]:
    """Windows of a (T, h, w) stack of small grey frames (see the module docstring).

    Two kinds: rectangles whose inner sides lie along straight edges that
    persist through the frames (an inset's border, a split screen's seams, a
    player's frame) and whose inside moves; and the box of what moves, when
    what is around it stays still (a player on a desktop, an inset on a
    still studio picture).
    """
    _, h, w = frames.shape
    gx = np.abs(np.stack([cv2.Sobel(f, cv2.CV_32F, 1, 0, ksize=3) for f in frames])) / 4.0
    gy = np.abs(np.stack([cv2.Sobel(f, cv2.CV_32F, 0, 1, ksize=3) for f in frames])) / 4.0
    vertical = (gx > EDGE).mean(axis=0) >= PERSISTENT  # (h, w): an edge between columns
    horizontal = (gy > EDGE).mean(axis=0) >= PERSISTENT
    change = np.diff(frames, axis=0)  # (T - 1, h, w)
    moving = np.abs(change).mean(axis=0) > MOVING  # (h, w)
    xs = _lines(vertical.mean(axis=0), w)
    ys = _lines(horizontal.mean(axis=1), h)
    found: list[Window] = []
    for i, x0 in enumerate(xs):
        for x1 in xs[i + 1 :]:
            if x1 - x0 < MIN_SIDE * w:
                continue
            for j, y0 in enumerate(ys):
                for y1 in ys[j + 1 :]:
                    if y1 - y0 < MIN_SIDE * h or (x1 - x0) * (y1 - y0) > MAX_AREA * w * h:
                        continue
                    sides = _sides(vertical, horizontal, x0, x1, y0, y1, w, h)
                    inside = moving[y0 + 2 : y1 - 2, x0 + 2 : x1 - 2]
                    if not sides or min(sides.values()) < SIDE_COVERED:
                        continue  # not bounded by persistent edges
                    if not inside.size or inside.mean() < EDGED_MOVING_SHARE:
                        continue  # a still panel (a logo card, a frame): no footage
                    if len(sides) == 1 and _seam(change, *next(iter(sides)), x0, x1, y0, y1) < SEAM:
                        continue  # one line in one picture (a tree, a horizon), not two clips
                    score = float(np.mean(list(sides.values()))) + 0.1 * len(sides)
                    found.append(Window(_share(x0, y0, x1, y1, w, h), score))
    edged = _distinct(sorted(found, key=lambda win: -win.score))
    motion = _moving_box(moving)
    if motion is not None:
        sides = _sides(vertical, horizontal, *_corners(motion), w, h)
        if sum(covered >= 0.4 for covered in sides.values()) >= MOVING_BOX_SIDES:
            # What moves in a still surround is the footage, to the pixel row: kept even
            # beside an edged window that overlaps it (a player's window, its title and
            # control bars around the clip), right after the best one, so no cap drops it;
            # the edged window stays too (the clip's own still rows are cut from this box).
            moving_box = Window(_share(*motion, w, h), 1.0)
            others = [win for win in edged if _iou(win.box, moving_box.box) < SAME_BOX]
            return [*others[:1], moving_box, *others[1:]][:MAX_WINDOWS]
    return edged[:MAX_WINDOWS]


def _share(x0: int, y0: int, x1: int, y1: int, w: int, h: int) -> tuple[float, float, float, float]:
    return (round(x0 / w, 4), round(y0 / h, 4), round(x1 / w, 4), round(y1 / h, 4))


def _moving_box(moving: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of the one block of rows and columns that moves, if around it is still."""
    h, w = moving.shape
    rows = _run(moving.mean(axis=1) >= 0.5 * MOVING_SHARE)
    if rows is None:
        return None
    cols = _run(moving[rows[0] : rows[1]].mean(axis=0) >= MOVING_SHARE)
    if cols is None:
        return None
    (y0, y1), (x0, x1) = rows, cols
    area = (x1 - x0) * (y1 - y0)
    if x1 - x0 < MIN_SIDE * w or y1 - y0 < MIN_SIDE * h or area > MAX_AREA * w * h:
        return None
    around = moving.copy()
    around[y0:y1, x0:x1] = False
    if around.sum() > STILL_AROUND * (w * h - area):
        return None
    return x0, y0, x1, y1


def _run(flags: np.ndarray) -> tuple[int, int] | None:
    """The longest run of True in ``flags``: (start, end)."""
    best, start = None, None
    for k, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = k
        elif not flag and start is not None:
            if best is None or k - start > best[1] - best[0]:
                best = (start, k)
            start = None
    return best


def _lines(coverage: np.ndarray, size: int) -> list[int]:
    """Positions of the longest persistent edges (local maxima of coverage), frame ends too."""
    peaks = [
        k
        for k in range(1, size - 1)
        if coverage[k] >= LINE and coverage[k] >= coverage[k - 1] and coverage[k] >= coverage[k + 1]
    ]
    peaks.sort(key=lambda k: -coverage[k])
    return sorted({0, size, *peaks[:MAX_LINES]})


def _corners(box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) -> (x0, x1, y0, y1), the order :func:`_sides` takes."""
    x0, y0, x1, y1 = box
    return x0, x1, y0, y1


def _sides(
    vertical: np.ndarray,
    horizontal: np.ndarray,
    x0: int,
    x1: int,
    y0: int,
    y1: int,
    w: int,
    h: int,
) -> dict[tuple[str, int], float]:
    """Each inner side of the rectangle (not on the frame's border) and how much of it lies
    along a persistent edge: {(axis, position): coverage}."""
    sides = {}
    if x0 > 0:
        sides[("x", x0)] = _covered(vertical[y0:y1, max(0, x0 - 1) : x0 + 2])
    if x1 < w:
        sides[("x", x1)] = _covered(vertical[y0:y1, max(0, x1 - 2) : x1 + 1])
    if y0 > 0:
        sides[("y", y0)] = _covered(horizontal[max(0, y0 - 1) : y0 + 2, x0:x1].T)
    if y1 < h:
        sides[("y", y1)] = _covered(horizontal[max(0, y1 - 2) : y1 + 1, x0:x1].T)
    return sides


def _seam(change: np.ndarray, axis: str, at: int, x0: int, x1: int, y0: int, y1: int) -> float:
    """Share of a side's length across which the pictures change independently.

    Neighbouring pixels of one picture change together; two clips side by side
    change each in their own way. Only where both sides move (still areas say
    nothing but noise).
    """
    if axis == "x":
        a = change[:, y0:y1, max(0, at - 3)]
        b = change[:, y0:y1, min(change.shape[2] - 1, at + 2)]
    else:
        a = change[:, max(0, at - 3), x0:x1]
        b = change[:, min(change.shape[1] - 1, at + 2), x0:x1]
    a, b = a - a.mean(axis=0), b - b.mean(axis=0)
    both = (a.std(axis=0) > MOVING) & (b.std(axis=0) > MOVING)
    if both.sum() < 8:
        return 0.0
    corr = (a * b).sum(axis=0) / np.sqrt((a * a).sum(axis=0) * (b * b).sum(axis=0) + 1e-6)
    return float((corr[both] < 0.3).mean())


def _covered(strip: np.ndarray) -> float:
    """Share of a side's length (rows of ``strip``) with a persistent edge across the strip."""
    return float(strip.any(axis=1).mean()) if strip.size else 0.0


def _distinct(windows: Sequence[Window]) -> list[Window]:
    """Drop windows that repeat a better one (intersection over union above SAME_WINDOW)."""
    kept: list[Window] = []
    for win in windows:
        if all(_iou(win.box, other.box) <= SAME_WINDOW for other in kept):
            kept.append(win)
    return kept


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def window_hashes(
    luma: np.ndarray, boxes: Sequence[tuple[float, float, float, float]]
) -> np.ndarray:
    """(W, 2) uint64: the pHash of each window of one frame, as shown and mirrored.

    A window's own flat borders (an inset letterboxed inside its rectangle) are
    cut as a whole frame's are, so its hash is the one its clip has alone. The
    finder places a side to within one cell of its :data:`GRID`, on either side
    of the true border: each window is hashed one cell inside its box, so no
    strip of what surrounds it (which would keep its bars from being cut)
    enters the hash.
    """
    if not boxes:
        return np.zeros((0, len(VARIANTS)), np.uint64)
    thumbs = window_thumbnails(luma, boxes)
    variants = dihedral_thumbnails(thumbs)[:, VARIANTS]  # only these are hashed
    return phash_thumbnails(variants.reshape(-1, THUMB, THUMB)).reshape(len(thumbs), len(VARIANTS))


def window_thumbnails(
    luma: np.ndarray, boxes: Sequence[tuple[float, float, float, float]]
) -> np.ndarray:
    """(W, 32, 32): each window's thumbnail, one grid cell inside it, its flat borders cut."""
    h, w = luma.shape
    cell_x, cell_y = 1.0 / GRID[0], 1.0 / GRID[1]
    thumbs = []
    for x0, y0, x1, y1 in boxes:
        r0, c0 = math.ceil((y0 + cell_y) * h), math.ceil((x0 + cell_x) * w)  # rounded inwards
        r1, c1 = math.floor((y1 - cell_y) * h), math.floor((x1 - cell_x) * w)
        r0, c0 = min(r0, h - 1), min(c0, w - 1)  # a frame a few pixels across: still a pixel
        crop = luma[r0 : max(r1, r0 + 2), c0 : max(c1, c0 + 2)]
        inner = find_content(crop)
        crop = crop[inner.top : inner.bottom, inner.left : inner.right]
        thumbs.append(thumbnail(crop))
    return np.stack(thumbs)


# The tiles of the split screens editors make: halves side by side and stacked, a 2 x 2
# grid, one large tile (62 % of the width) beside two small ones. Every frame's tiles are
# hashed whether or not the finder saw a seam: a split screen's seam is often too faint.
SPLIT_TILES: tuple[tuple[float, float, float, float], ...] = (
    (0.0, 0.0, 0.5, 1.0),
    (0.5, 0.0, 1.0, 1.0),
    (0.0, 0.0, 1.0, 0.5),
    (0.0, 0.5, 1.0, 1.0),
    (0.0, 0.0, 0.5, 0.5),
    (0.5, 0.0, 1.0, 0.5),
    (0.0, 0.5, 0.5, 1.0),
    (0.5, 0.5, 1.0, 1.0),
    (0.0, 0.0, 0.62, 1.0),
    (0.62, 0.0, 1.0, 0.5),
    (0.62, 0.5, 1.0, 1.0),
)
NO_TILE = np.uint64(0)  # a tile with too little detail to be evidence (a flat half): not hashed
TILE_FRAME_WIDTH = 256  # px: tiles are cut from the frame shrunk to this (4x a thumbnail)

# A tile filled with a clip cropped to the tile's shape (editors' "fill", as common as
# fitting it with bars) shows the middle of the clip: the archive keeps each frame's
# middle at two widths and two heights (chosen on the copy benchmark's tuning half: a 2 x 2
# grid of 4:3 clips keeps 75 % of their height, halves of 16:9 clips 50 % of a side,
# the large tile 62 %; pHash holds within about a tenth of the size).
FILL_KEPT = (0.56, 0.72)  # share of the width (height) a centre crop keeps
FILL_CROPS: tuple[tuple[float, float, float, float], ...] = tuple(
    box
    for k in FILL_KEPT
    for box in (((1 - k) / 2, 0.0, (1 + k) / 2, 1.0), (0.0, (1 - k) / 2, 1.0, (1 + k) / 2))
)


def tile_hashes(luma: np.ndarray, min_detail: float) -> np.ndarray:
    """(T,) uint64: the pHash of each of :data:`SPLIT_TILES` as shown, or :data:`NO_TILE`."""
    return fixed_box_hashes(luma, min_detail)[0]


def fixed_box_hashes(luma: np.ndarray, min_detail: float) -> tuple[np.ndarray, np.ndarray]:
    """The pHash of each of :data:`SPLIT_TILES` and of :data:`FILL_CROPS` (two arrays),
    :data:`NO_TILE` for a box with too little detail.

    Cut from the frame shrunk first (area averages of area averages: nearly the
    thumbnails the full frame gives, and every border search on a quarter of the
    pixels), all in one batch.
    """
    h, w = luma.shape
    if w > TILE_FRAME_WIDTH:
        size = (TILE_FRAME_WIDTH, max(1, round(h * TILE_FRAME_WIDTH / w)))
        luma = cv2.resize(np.ascontiguousarray(luma), size, interpolation=cv2.INTER_AREA)
    thumbs = window_thumbnails(luma, SPLIT_TILES + FILL_CROPS)
    hashes = phash_thumbnails(thumbs)
    hashes[detail(thumbs) < min_detail] = NO_TILE
    return hashes[: len(SPLIT_TILES)], hashes[len(SPLIT_TILES) :]
