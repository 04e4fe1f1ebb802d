"""A copy moves where its source moves; a look-alike recording of one place does not."""

from __future__ import annotations

import numpy as np
import pytest

from provenance.fingerprint import MediaFingerprint
from provenance.match._motion import MOVING_LEVEL, follow_motion, motion_check
from provenance.match._timing import CopyMatch
from provenance.media import MOTION_GRID
from provenance.model import Segment

STEP_S = 0.5
FRAMES = 24


def _path(seed: int) -> np.ndarray:
    """Where something moves in each frame: a cell wandering about the grid."""
    rng = np.random.default_rng(seed)
    rows, cols = MOTION_GRID
    return np.stack([rng.integers(1, rows - 1, FRAMES), rng.integers(1, cols - 1, FRAMES)], 1)


def _grids(path: np.ndarray, extra: tuple[int, int] | None = None) -> np.ndarray:
    grids = np.zeros((len(path), *MOTION_GRID), np.uint8)
    for i, (r, c) in enumerate(path):
        grids[i, r, c] = grids[i, r, c + 1] = 40  # a mover two cells wide
        if extra is not None:
            grids[i, extra[0], extra[1]] = 30  # an animated logo: motion of its own
    return grids


def _print(motion: np.ndarray, start_s: float = 0.0) -> MediaFingerprint:
    n = len(motion)
    return MediaFingerprint(
        time_s=(start_s + STEP_S * np.arange(n)).astype(np.float32),
        hashes=np.zeros((n, 8), np.uint64),
        detail=np.full(n, 10.0, np.float32),
        portrait=np.zeros(n, bool),
        thumbs=np.zeros((n, 36, 64), np.uint8),
        motion=motion,
    )


def _match(start: float, end: float, other_start: float, variant: int = 0) -> CopyMatch:
    seg = Segment(start, end, other_start, other_start + (end - start))
    return CopyMatch(0, seg, 1.0, variant, int((end - start) / STEP_S), 0.0, 2.0, 0.9)


WHOLE = _match(0.0, (FRAMES - 1) * STEP_S, 0.0)


def test_a_copy_with_an_animated_logo_moves_where_its_source_moves():
    source = _print(_grids(_path(1)))
    copy = _print(_grids(_path(1), extra=(0, 15)))
    check = motion_check(copy, source, WHOLE)
    assert check is not None and check.shared == 1.0 and check.frames == FRAMES
    assert follow_motion(copy, source, WHOLE) == WHOLE


def test_a_mirrored_copy_is_compared_mirrored():
    source = _print(_grids(_path(1)))
    mirrored = _print(_grids(_path(1))[:, :, ::-1].copy())
    as_mirrored = _match(0.0, (FRAMES - 1) * STEP_S, 0.0, variant=1)
    assert motion_check(mirrored, source, as_mirrored).shared == 1.0  # type: ignore[union-attr]
    assert follow_motion(mirrored, source, as_mirrored) == as_mirrored


def test_a_look_alike_recording_of_the_same_place_is_dropped():
    """Same tripod, another day: the frames hash alike, what moves moves elsewhere."""
    source = _print(_grids(_path(1)))
    other_day = _print(_grids(_path(2)))
    check = motion_check(other_day, source, WHOLE)
    assert check is not None and check.shared < 0.5
    assert follow_motion(other_day, source, WHOLE, min_shared=0.5) is None


def test_a_mapping_at_the_wrong_offset_is_moved_to_where_the_motion_agrees():
    """A still background lets the hashes agree at every offset; the motion at one."""
    source = _print(_grids(_path(1)))
    excerpt = _print(_grids(_path(1))[8:18])  # 5 s from 4.0 s of the source
    wrong = _match(0.0, 4.5, 0.0)
    moved = follow_motion(excerpt, source, wrong, min_shared=0.5)
    assert moved is not None and moved.segment is not None
    assert moved.segment.other_start_s == pytest.approx(4.0)
    assert moved.segment.start_s == pytest.approx(0.0)


def test_still_footage_and_items_measured_before_motion_say_nothing():
    still = _print(np.zeros((FRAMES, *MOTION_GRID), np.uint8))
    assert motion_check(still, still, WHOLE) is None
    assert follow_motion(still, still, WHOLE, min_shared=0.5) == WHOLE
    unmeasured = _print(np.zeros((0, *MOTION_GRID), np.uint8))
    moving = _print(_grids(_path(1)))
    assert follow_motion(unmeasured, moving, WHOLE, min_shared=0.5) == WHOLE
    faint = _print(np.full((FRAMES, *MOTION_GRID), MOVING_LEVEL - 1, np.uint8))
    assert motion_check(faint, faint, WHOLE) is None  # under the level: re-encoding noise


def test_windows_are_left_alone():
    source, other_day = _print(_grids(_path(1))), _print(_grids(_path(2)))
    windowed = CopyMatch(0, WHOLE.segment, 1.0, 0, 5, 0.0, 2.0, 0.9, window=(0, 0, 0.5, 0.5))
    assert follow_motion(other_day, source, windowed, min_shared=0.5) == windowed
