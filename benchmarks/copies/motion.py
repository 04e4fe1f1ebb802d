"""Does a copy's footage move the way its source's does? Tried, not adopted.

Two recordings of one place from one tripod (a lab on two days, a launch
site filmed again) hash alike frame for frame: the background is most of the
picture. What tells a copy from such a look-alike is what changes between
frames: a copy moves exactly as its source, at the same moments and in the
same places, whatever was laid over it or done to its tones. This module
compares the frame-to-frame changes of the two items' stored thumbnails along
a copy mapping: the differences of consecutive sampled frames, the query's
turned as the mapping says, correlated with the source's.

Measured on half A by :mod:`benchmarks.copies.probe_motion` and not built
into the detector: at the stored thumbnails' size (64x36) and rate (2 a
second) the motion of a small object (a ball, a cart) is at the level of the
re-encoding noise, so no setting both keeps A's right matches and drops the
look-alikes cut from A's own recordings (BENCHMARKS.md, issue 16).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from provenance.fingerprint import MediaFingerprint
from provenance.fingerprint._hashing import hamming
from provenance.match._timing import RADIUS_BITS, CopyMatch
from provenance.model import Segment

MAX_TIME_ERROR_S = 0.3  # a mapped time this far from the nearest sampled frame pairs nothing
MAX_STEP_S = 0.8  # consecutive sampled frames further apart than this are not one step
MIN_MOTION = 1.5  # grey levels (RMS, after smoothing) a step must change to show motion
MIN_STEPS = 4  # moving steps needed before the motion says anything
BLUR_SIGMA = 1.0  # thumbnail pixels: a crop or a re-encode shifts an edge by about this
SHIFTS = (-1, 0, 1)  # sampled frames of slack: two items are sampled at other moments
AGREE_BITS = RADIUS_BITS  # both frames of a step must still look alike
MIN_CORRELATION = 0.1  # a copy's motion agrees at least this well with its source's (chosen on A)
STEP_S = 0.5  # offsets tried when the mapping's motion disagrees (the sampling step)
AGREES = 0.5  # motion agreeing this well is the copy's: no other offset is tried
MIN_CONTRAST = 2.0  # standard deviations the best offset stands above the rest (chosen on A)
NEIGHBOURS_S = 1.0  # offsets this close to the best one are not "the rest"
MIN_OTHERS = 4  # offsets needed to measure the rest's spread (fewer: the threshold alone)
MIN_SPREAD = 0.05  # the rest's spread is taken as at least this


@dataclass(frozen=True)
class MotionAgreement:
    """How alike the frame-to-frame changes of two items are along a mapping."""

    correlation: float  # of the changes, over the steps where either item moves
    steps: int  # such steps


def motion_agreement(
    query: MediaFingerprint,
    other: MediaFingerprint,
    match: CopyMatch,
    min_motion: float = MIN_MOTION,
) -> MotionAgreement | None:
    """The agreement of the two items' motion over ``match``'s segment.

    None when it cannot say: no thumbnails, stills, a window (the thumbnails
    are of whole frames), or fewer than :data:`MIN_STEPS` steps in which
    either item moves and the frames still look alike (a still camera on a
    still scene moves the same in a copy and in a look-alike: not at all).
    """
    pair = _Pair.of(query, other, match, min_motion)
    return None if pair is None or match.segment is None else pair.agreement(match.segment)


def follow_motion(
    query: MediaFingerprint,
    other: MediaFingerprint,
    match: CopyMatch,
    *,
    min_correlation: float = MIN_CORRELATION,
    min_contrast: float = MIN_CONTRAST,
    min_motion: float = MIN_MOTION,
) -> CopyMatch | None:
    """``match`` as its motion has it: kept, moved, or None (a look-alike).

    Kept when the motion cannot say or clearly agrees (:data:`AGREES`).
    Otherwise every offset of the mapping is tried: the copy is at the offset
    whose motion agrees best, if that agreement reaches ``min_correlation`` and
    stands out from the agreement at the offsets further than
    :data:`NEIGHBOURS_S` from it by ``min_contrast`` standard deviations (a
    still background lets the hashes agree at many offsets, and a copy moves
    alike at one of them; at many offsets some motion agrees by chance).
    None when no offset stands out: the frames look alike and move
    differently, two recordings of one place and not a copy.
    """
    pair = _Pair.of(query, other, match, min_motion)
    seg = match.segment
    if pair is None or seg is None:
        return match
    found = pair.agreement(seg)
    if found is None or found.correlation >= AGREES:
        return match
    tried: list[tuple[float, float, Segment]] = []
    t_o = pair.t_o
    lowest, highest = t_o[0] - seg.other_end_s, t_o[-1] - seg.other_start_s
    for step in range(int(np.ceil(lowest / STEP_S)), int(np.floor(highest / STEP_S)) + 1):
        delta = step * STEP_S  # 0 (the mapping as found) among them
        moved = _moved(seg, delta, match.speed, float(t_o[0]), float(t_o[-1]))
        there = None if moved is None else pair.agreement(moved, slack=False)
        if there is not None and moved is not None:
            tried.append((delta, there.correlation, moved))
    if not tried:
        return match
    at, best, where = max(tried, key=lambda t: (t[1], -abs(t[0])))
    if best < min_correlation:
        return None
    others = np.array([c for d, c, _ in tried if abs(d - at) > NEIGHBOURS_S])
    if len(others) >= MIN_OTHERS:
        spread = max(float(others.std()), MIN_SPREAD)
        if (best - float(others.mean())) / spread < min_contrast:
            return None
    return match if abs(at) < 1e-6 else replace(match, segment=where)


def _moved(seg: Segment, delta: float, speed: float, first: float, last: float) -> Segment | None:
    """``seg`` with its other item's times moved by ``delta``, cut to the other's extent."""
    start, end = seg.start_s, seg.end_s
    o_start, o_end = seg.other_start_s + delta, seg.other_end_s + delta
    if o_start < first:
        start += (first - o_start) / speed
        o_start = first
    if o_end > last:
        end -= (o_end - last) / speed
        o_end = last
    if end - start < MIN_STEPS * STEP_S:
        return None
    return Segment(*(round(float(v), 3) for v in (start, end, o_start, o_end)))


@dataclass(frozen=True)
class _Pair:
    """Two items' smoothed thumbnails, the query's turned as the mapping says."""

    t_q: np.ndarray
    t_o: np.ndarray
    ours: np.ndarray
    theirs: np.ndarray
    ours_hash: np.ndarray
    theirs_hash: np.ndarray
    speed: float
    min_motion: float

    @classmethod
    def of(
        cls, query: MediaFingerprint, other: MediaFingerprint, match: CopyMatch, min_motion: float
    ) -> _Pair | None:
        if (
            match.window is not None
            or query.thumbs is None
            or other.thumbs is None
            or query.is_still
            or other.is_still
            or len(query) < 2
            or len(other) < 2
        ):
            return None
        shape = other.thumbs.shape[1:]
        return cls(
            query.time_s.astype(np.float64),
            other.time_s.astype(np.float64),
            _smoothed(_turned(query.thumbs, match.variant, shape)),
            _smoothed(other.thumbs),
            query.hashes[:, match.variant],
            other.hashes[:, 0],
            match.speed,
            min_motion,
        )

    def agreement(self, seg: Segment, *, slack: bool = True) -> MotionAgreement | None:
        """The motion's agreement along ``seg`` (at the mapping's speed); with ``slack``,
        at the best of :data:`SHIFTS` sampled frames of slack (the two items are sampled
        at other moments, and a mapping found by the hashes may be a frame off)."""
        t_q, t_o = self.t_q, self.t_o
        rows = np.flatnonzero((t_q >= seg.start_s - 1e-6) & (t_q <= seg.end_s + 1e-6))
        if len(rows) < 2:
            return None
        mapped = seg.other_start_s + self.speed * (t_q[rows] - seg.start_s)
        nearest = np.clip(np.searchsorted(t_o, mapped), 1, len(t_o) - 1)
        nearest = np.where(
            np.abs(t_o[nearest - 1] - mapped) <= np.abs(t_o[nearest] - mapped),
            nearest - 1,
            nearest,
        )
        on = np.abs(t_o[nearest] - mapped) <= MAX_TIME_ERROR_S
        k = np.flatnonzero(
            on[:-1] & on[1:] & (nearest[1:] != nearest[:-1]) & (np.diff(t_q[rows]) <= MAX_STEP_S)
        )
        if len(k) < MIN_STEPS:
            return None
        r0, r1 = rows[k], rows[k + 1]
        ours = self.ours[r1] - self.ours[r0]
        best: MotionAgreement | None = None
        for shift in SHIFTS if slack else (0,):
            j0 = np.clip(nearest[k] + shift, 0, len(t_o) - 1)
            j1 = np.clip(nearest[k + 1] + shift, 0, len(t_o) - 1)
            alike = (hamming(self.ours_hash[r0], self.theirs_hash[j0]) <= AGREE_BITS) & (
                hamming(self.ours_hash[r1], self.theirs_hash[j1]) <= AGREE_BITS
            )
            found = _agreement(
                ours[alike], self.theirs[j1[alike]] - self.theirs[j0[alike]], self.min_motion
            )
            if found is not None and (best is None or found.correlation > best.correlation):
                best = found
        return best


def _agreement(ours: np.ndarray, theirs: np.ndarray, min_motion: float) -> MotionAgreement | None:
    moving = (_rms(ours) >= min_motion) | (_rms(theirs) >= min_motion)
    if int(moving.sum()) < MIN_STEPS:
        return None
    a, b = ours[moving].ravel(), theirs[moving].ravel()
    a, b = a - a.mean(), b - b.mean()
    scale = float(np.sqrt((a * a).sum() * (b * b).sum()))
    correlation = float((a * b).sum() / scale) if scale > 0 else 0.0
    return MotionAgreement(round(correlation, 4), int(moving.sum()))


def _turned(thumbs: np.ndarray, variant: int, shape: tuple[int, int]) -> np.ndarray:
    """Thumbnails under hashing.VARIANTS[variant] (turn, then mirror), sized to ``shape``."""
    out = np.rot90(thumbs, variant // 2, axes=(1, 2))
    if variant % 2:
        out = out[:, :, ::-1]
    if out.shape[1:] == shape:
        return np.ascontiguousarray(out)
    h, w = shape
    return np.stack([cv2.resize(np.ascontiguousarray(t), (w, h)) for t in out])


def _smoothed(thumbs: np.ndarray) -> np.ndarray:
    out = np.asarray(thumbs, np.float32)
    return np.stack([cv2.GaussianBlur(t, (0, 0), BLUR_SIGMA) for t in out]) if len(out) else out


def _rms(diffs: np.ndarray) -> np.ndarray:
    return np.sqrt((diffs.astype(np.float64) ** 2).mean(axis=(1, 2)))
