"""Does a copy move where its source moves? (pure, no I/O)

Two recordings of one place from one tripod (a lab on two days, a launch
site filmed again) hash alike frame for frame: the still background is most
of the picture. What tells a copy from such a look-alike is where the
picture moves: a copy moves where its source moves, at the same moments,
whatever was laid over it (an overlay only adds motion of its own). Each
sampled frame carries a coarse grid of how much each cell changed over a
quarter of a second (:meth:`provenance.media.ChangeTracker.motion`, measured
on every decoded frame, whatever the frame rate); along a copy mapping, the
cells where one item moves must be cells where the other moves too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from ..fingerprint import MediaFingerprint
from ..model import Segment
from ._timing import CopyMatch

MOVING_LEVEL = 8  # luma levels of mean change that make a cell moving (above re-encoding)
MAX_TIME_ERROR_S = 0.3  # a mapped time this far from the nearest sampled frame pairs nothing
MIN_MOVING_FRAMES = 3  # paired frames where one item moves, before the motion says anything
MIN_SHARED = 0.0  # share of one item's moving cells where the other moves too (within a cell)
STEP_S = 0.5  # offsets tried when the motion disagrees at the mapping (the sampling step)


@dataclass(frozen=True)
class MotionCheck:
    """Where two items move along a mapping, compared."""

    shared: float  # of the moving cells of the item whose motion the other holds best
    chance: float  # the share the other's moving cells (within a cell) cover at all
    frames: int  # paired frames where either item moves


def motion_check(
    query: MediaFingerprint, other: MediaFingerprint, match: CopyMatch
) -> MotionCheck | None:
    """How alike the two items move over ``match``'s segment (None: it cannot say)."""
    grids = _Grids.of(query, other, match)
    return None if grids is None or match.segment is None else grids.check(match.segment)


def follow_motion(
    query: MediaFingerprint,
    other: MediaFingerprint,
    match: CopyMatch,
    *,
    min_shared: float = MIN_SHARED,
) -> CopyMatch | None:
    """``match`` as the motion has it: kept, moved, or None (a look-alike, not a copy).

    Kept when the motion cannot say (still footage, an item analysed before
    motion was measured, a window) or agrees (``min_shared``). Otherwise
    the mapping is tried at every other offset (a still background lets the
    hashes agree at many): moved to the one where the motion agrees best if
    it agrees there, else None: the frames look alike and move elsewhere.
    """
    grids = _Grids.of(query, other, match)
    seg = match.segment
    if grids is None or seg is None:
        return match
    found = grids.check(seg)
    if found is None or found.shared >= min_shared:
        return match
    best: tuple[float, Segment] | None = None
    t_o = grids.t_o
    lowest, highest = t_o[0] - seg.other_end_s, t_o[-1] - seg.other_start_s
    for step in range(int(np.ceil(lowest / STEP_S)), int(np.floor(highest / STEP_S)) + 1):
        moved = _moved(seg, step * STEP_S, match.speed, float(t_o[0]), float(t_o[-1]))
        if moved is None or step == 0:
            continue
        there = grids.check(moved)
        if there is None or there.shared < min_shared:
            continue
        if best is None or there.shared > best[0]:
            best = (there.shared, moved)
    return None if best is None else replace(match, segment=best[1])


def _moved(seg: Segment, delta: float, speed: float, first: float, last: float) -> Segment | None:
    """``seg`` with the other item's times moved by ``delta``, cut to its extent."""
    start, end = seg.start_s, seg.end_s
    o_start, o_end = seg.other_start_s + delta, seg.other_end_s + delta
    if o_start < first:
        start += (first - o_start) / speed
        o_start = first
    if o_end > last:
        end -= (o_end - last) / speed
        o_end = last
    if end - start < MIN_MOVING_FRAMES * STEP_S:
        return None
    return Segment(*(round(float(v), 3) for v in (start, end, o_start, o_end)))


@dataclass(frozen=True)
class _Grids:
    """Both items' moving cells, the query's turned as the mapping says."""

    t_q: np.ndarray
    t_o: np.ndarray
    ours: np.ndarray  # bool (N, rows, cols)
    ours_near: np.ndarray  # ... grown by one cell
    theirs: np.ndarray
    theirs_near: np.ndarray
    speed: float

    @classmethod
    def of(
        cls, query: MediaFingerprint, other: MediaFingerprint, match: CopyMatch
    ) -> _Grids | None:
        if (
            match.window is not None
            or query.is_still
            or other.is_still
            or len(query.motion) != len(query)
            or len(other.motion) != len(other)
            or len(other) < 2
        ):
            return None
        ours = _turned(query.motion, match.variant) >= MOVING_LEVEL
        theirs = other.motion >= MOVING_LEVEL
        return cls(
            query.time_s.astype(np.float64),
            other.time_s.astype(np.float64),
            ours,
            _grown(ours),
            theirs,
            _grown(theirs),
            match.speed,
        )

    def check(self, seg: Segment) -> MotionCheck | None:
        t_q, t_o = self.t_q, self.t_o
        rows = np.flatnonzero((t_q >= seg.start_s - 1e-6) & (t_q <= seg.end_s + 1e-6))
        if not len(rows):
            return None
        mapped = seg.other_start_s + self.speed * (t_q[rows] - seg.start_s)
        nearest = np.clip(np.searchsorted(t_o, mapped), 1, len(t_o) - 1)
        nearest = np.where(
            np.abs(t_o[nearest - 1] - mapped) <= np.abs(t_o[nearest] - mapped),
            nearest - 1,
            nearest,
        )
        on = np.abs(t_o[nearest] - mapped) <= MAX_TIME_ERROR_S
        q, o = rows[on], nearest[on]
        ours, theirs = self.ours[q], self.theirs[o]
        moving = ours.any(axis=(1, 2)) | theirs.any(axis=(1, 2))
        if int(moving.sum()) < MIN_MOVING_FRAMES:
            return None
        # each side's moving cells that the other moves in too, within a cell
        held = [
            (float((ours & self.theirs_near[o]).sum()), float(ours.sum())),
            (float((theirs & self.ours_near[q]).sum()), float(theirs.sum())),
        ]
        shared = max(hit / total for hit, total in held if total) if any(t for _, t in held) else 0
        cells = float(ours[0].size)
        chance = float(
            max(self.theirs_near[o][moving].sum(), self.ours_near[q][moving].sum())
            / (cells * moving.sum())
        )
        return MotionCheck(round(shared, 4), round(chance, 4), int(moving.sum()))


def _turned(grids: np.ndarray, variant: int) -> np.ndarray:
    """Motion grids under hashing.VARIANTS[variant] (turn, then mirror), kept their shape."""
    out = np.rot90(grids, variant // 2, axes=(1, 2))
    if variant % 2:
        out = out[:, :, ::-1]
    if out.shape[1:] == grids.shape[1:]:
        return np.ascontiguousarray(out)
    h, w = grids.shape[1:]
    return np.stack(
        [cv2.resize(np.ascontiguousarray(g), (w, h), interpolation=cv2.INTER_AREA) for g in out]
    )


def _grown(moving: np.ndarray) -> np.ndarray:
    """Each frame's moving cells and their eight neighbours."""
    kernel = np.ones((3, 3), np.uint8)
    if not len(moving):
        return moving
    return np.stack([cv2.dilate(m.astype(np.uint8), kernel) > 0 for m in moving])
