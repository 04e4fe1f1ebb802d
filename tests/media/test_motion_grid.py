"""Where a sampled frame moved: the motion grid over its content box."""

from __future__ import annotations

import numpy as np

from provenance.media import MOTION_GRID
from provenance.media._changes import TRANSIENT_LAG_S, ChangeTracker
from provenance.media._picture import prepare_box

FPS = 25


def _frames(
    seconds: float, where: tuple[int, int], *, bars: int = 0, size: tuple[int, int] = (360, 640)
) -> list[tuple[float, np.ndarray]]:
    """A still textured scene with a bright square moving right at ``where`` (row, column);
    ``bars`` rows of black above and below (a letterbox)."""
    h, w = size
    rng = np.random.default_rng(0)
    scene = rng.integers(60, 120, (h, w)).astype(np.uint8)
    frames = []
    for i in range(int(seconds * FPS)):
        frame = scene.copy()
        row, col = where
        col = col + 4 * i
        frame[row : row + 24, col : col + 24] = 250
        if bars:
            frame[:bars], frame[-bars:] = 0, 0
        frames.append((i / FPS, frame))
    return frames


def _last_motion(frames: list[tuple[float, np.ndarray]]) -> np.ndarray | None:
    tracker = ChangeTracker()
    for t, luma in frames:
        tracker.add(t, luma, False)
    _prepared, box, scale = prepare_box(frames[-1][1], 640)
    return tracker.motion(box, scale)


def test_the_cells_where_something_moves_are_the_moving_ones():
    grid = _last_motion(_frames(1.0, (160, 200)))
    assert grid is not None and grid.shape == MOTION_GRID and grid.dtype == np.uint8
    rows, cols = np.nonzero(grid >= 8)
    assert set(rows) <= {3, 4, 5}  # the square spans rows 160-184 of 360: cells 4 (and 3, 5)
    # it moved 4 px a frame for a quarter of a second from column 296: cells 7-9 of 16
    assert set(cols) <= {6, 7, 8, 9, 10} and len(cols)
    still = np.ones(MOTION_GRID, bool)
    still[3:6, 6:11] = False
    assert grid[still].max() < 8  # nothing else moved


def test_the_grid_is_laid_over_the_content_not_the_bars():
    """A letterboxed copy moves in the same cells as its source."""
    source = _last_motion(_frames(1.0, (160, 200)))
    boxed = _last_motion(_frames(1.0, (160 + 60, 200), bars=60, size=(480, 640)))
    assert source is not None and boxed is not None
    here, there = np.argwhere(source >= 8), np.argwhere(boxed >= 8)
    assert np.abs(here.mean(axis=0) - there.mean(axis=0)).max() < 1


def test_nothing_to_compare_with_says_nothing():
    first = _frames(TRANSIENT_LAG_S / 2, (160, 200))
    assert _last_motion(first) is None
