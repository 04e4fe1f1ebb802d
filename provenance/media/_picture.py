"""Frames as the analysis sees them: downscaled, and cut free of flat borders.

Pure pixel work on one decoded frame; the decoders in this package call it
before a frame leaves the stage.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

FLAT_ROW_SHARE = 0.95  # a band's own rows: nearly every pixel at the band's level
TEXT_LINE = 0.06  # of the frame's height: the tallest line of text a bar's band crosses


@dataclass(frozen=True)
class Crop:
    """Content box inside a frame, in pixels of the frame it was found in."""

    top: int
    bottom: int
    left: int
    right: int


def prepare(luma: np.ndarray, width: int) -> np.ndarray:
    """Downscale to at most ``width`` and cut flat borders."""
    return prepare_box(luma, width)[0]


def prepare_box(luma: np.ndarray, width: int) -> tuple[np.ndarray, Crop, float]:
    """:func:`prepare`, also giving the content box and the downscaling factor."""
    h, w = luma.shape
    scale = min(1.0, width / w)
    if w > width:
        # INTER_AREA averages (no aliasing); on 720p it costs ~0.4 ms a sampled frame
        luma = cv2.resize(
            np.ascontiguousarray(luma),
            (width, max(1, round(h * width / w))),
            interpolation=cv2.INTER_AREA,
        )
    else:
        luma = np.ascontiguousarray(luma)
    box = find_content(luma)
    return luma[box.top : box.bottom, box.left : box.right], box, scale


def find_content(
    luma: np.ndarray,
    *,
    tolerance: float = 8.0,
    min_share: float = 0.5,
    min_step: float = 20.0,
    max_cut: float = 0.35,
) -> Crop:
    """The box left after removing uniform bands at the edges (borders of any colour).

    A band is a run of edge rows (or columns) at the edge's level (within
    ``tolerance``), ending with a row that is flat throughout; rows with text
    written in the bar (still ``min_share`` at the level) are crossed. It
    counts only if the content after it steps clearly away from that level
    (``min_step``, mean per pixel): sky or a smooth wall at the top of a frame
    fades, a border ends at an edge. At most ``max_cut`` of the size goes from
    each side.
    """
    h, w = luma.shape
    data = luma.astype(np.float32)
    top = _band(data, tolerance, min_share, min_step, int(h * max_cut))
    bottom = h - _band(data[::-1], tolerance, min_share, min_step, int(h * max_cut))
    left = _band(data.T, tolerance, min_share, min_step, int(w * max_cut))
    right = w - _band(data.T[::-1], tolerance, min_share, min_step, int(w * max_cut))
    if bottom - top < h * 0.25 or right - left < w * 0.25:
        return Crop(0, h, 0, w)
    return Crop(top, bottom, left, right)


def _median(row: np.ndarray) -> float:
    """``np.median`` of a 1-D row, without its wrappers (called for every edge of every
    frame, tile and window: the wrappers were most of the border search's time)."""
    n = len(row)
    middle = n // 2
    if n % 2:
        return float(np.partition(row, middle)[middle])
    low, high = np.partition(row, (middle - 1, middle))[middle - 1 : middle + 1]
    return float((low + high) / 2)


def _reach(loose: np.ndarray, flat: np.ndarray, gap: int) -> int:
    """Rows up to the first one that is not ``loose``, crossing runs of at most ``gap``
    such rows that a ``flat`` row ends (a line of text written across a bar)."""
    at = 0
    while at < len(loose):
        stop = at + int(np.argmin(loose[at:])) if not loose[at:].all() else len(loose)
        if stop == len(loose):
            return stop
        resume = np.flatnonzero(flat[stop : stop + gap + 1])
        if not len(resume):
            return stop
        at = stop + int(resume[0])
    return len(loose)


def _band(rows: np.ndarray, tolerance: float, min_share: float, min_step: float, limit: int) -> int:
    """How many leading rows form a uniform band that ends at a clear edge."""
    if limit <= 1:
        return 0
    head = rows[: limit + 3]
    level = _median(head[0])
    share = (np.abs(head - level) <= tolerance).mean(axis=1)
    # rows of a band are nearly all at its level; text written in it leaves most
    # of its rows at the level too, so such rows are crossed if flat rows follow;
    # a line of large text across the bar leaves fewer: crossed too, if it is no
    # taller than a line of text and the bar's flat rows resume right after it
    # (and if what is then found is no border, the band as it ends before the line)
    loose, flat = share >= min_share, share >= FLAT_ROW_SHARE
    crossing, before = _reach(loose, flat, int(TEXT_LINE * len(rows))), _reach(loose, flat, 0)
    for reach in (crossing,) if crossing == before else (crossing, before):
        run = _ending(head, share, reach, level, len(rows), limit, min_step)
        if run:
            return run
    return 0


def _ending(
    head: np.ndarray,
    share: np.ndarray,
    reach: int,
    level: float,
    size: int,
    limit: int,
    min_step: float,
) -> int:
    """The band's rows if its flat rows within ``reach`` end at a border's edge, else 0."""
    flat = np.flatnonzero(share[:reach] >= FLAT_ROW_SHARE)
    if not len(flat) or flat[0] != 0:
        return 0
    run = int(flat[-1]) + 1
    if run > limit:
        return 0
    after = head[run : run + 2]
    steps = bool(len(after)) and float(np.abs(after - level).mean(axis=1).max()) >= min_step
    # a black bar is a border even where the picture next to it is dark too
    black_bar = level <= 24 and run >= 0.03 * size and float(share[:run].mean()) >= 0.9
    if not (steps or black_bar):
        return 0  # a fade (sky, wall), not a border
    return run
