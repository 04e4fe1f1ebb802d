"""Whether two recordings heard one launch: the fine flicker of its sound, correlated.

Another launch at the same site, on another day, roars alike on average but
flickers differently. :func:`sound_agreement` takes two items and the time
offset their pictures agree on, checks that the launch is audible in both (a
music bed laid over the footage does not jump at the launch), and correlates
the flicker at lags of a few tenths of a second, the difference in how long
the sound took to reach each camera.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..fingerprint import LaunchSound, SoundClip
from ..fingerprint._sound import FRAME_HZ

SPAN_S = 2.5  # the launch's sound compared: from the onset, this long

MAX_LAG_S = 0.3  # sound arrives up to ~100 m / 343 m/s later at one camera than the other

SMOOTH_FRAMES = 5  # the flicker: energy minus its moving average over 50 ms

FLICKER_CLIP = 2.5  # robust standard deviations

QUIET_S = 0.8  # the launch's loudness is compared with this long before it

AUDIBLE_DB = 6.0  # the launch raises the sound this much over the second before it

SAME_LAUNCH = 0.5  # mean correlation of the flicker that says: one launch heard twice

OTHER_LAUNCH = 0.2  # below this, with the launch audible in both: two launches


@dataclass(frozen=True)
class SoundMatch:
    """The launch as two recordings heard it (media times: ``b = a - offset_s - lag_s``)."""

    correlation: float  # of the flicker, at the best lag; 1 = identical
    lag_s: float  # sound arrival difference on top of the pictures' offset
    rise_db: tuple[float, float]  # how much louder the launch made each recording

    @property
    def same(self) -> bool:
        return self.correlation >= SAME_LAUNCH

    @property
    def other(self) -> bool:
        return self.correlation < OTHER_LAUNCH


def sound_agreement(
    a: LaunchSound, b: LaunchSound, onset_a_s: float, offset_s: float
) -> SoundMatch | None:
    """Whether ``a`` and ``b`` heard one launch, at ``onset_a_s`` in ``a``.

    ``offset_s`` maps ``a``'s media time onto ``b``'s (``b = a - offset_s``),
    as the pictures aligned them. None when either has no sound there or does
    not get louder at the launch: then the sound has nothing to say.
    """
    frames = round(SPAN_S * FRAME_HZ)
    lag = round(MAX_LAG_S * FRAME_HZ)
    start_a = onset_a_s - 0.1
    start_b = start_a - offset_s
    clip_a = a.covering(start_a - QUIET_S, start_a + SPAN_S)
    clip_b = b.covering(start_b - QUIET_S - MAX_LAG_S, start_b + SPAN_S + MAX_LAG_S)
    if clip_a is None or clip_b is None:
        return None
    rise_a = _rise_db(clip_a, start_a)
    rise_b = _rise_db(clip_b, start_b)
    if rise_a < AUDIBLE_DB or rise_b < AUDIBLE_DB:
        return None
    x = clip_a.at(start_a, frames)
    y = clip_b.at(start_b - MAX_LAG_S, frames + 2 * lag)
    if x is None or y is None:
        return None
    fx, fy = _flicker(x), _flicker(y)
    best, best_lag = -1.0, 0
    for k in range(2 * lag + 1):
        r = _correlation(fx, fy[k : k + frames])
        if r > best:
            best, best_lag = r, k - lag
    return SoundMatch(round(best, 3), round(-best_lag / FRAME_HZ, 3), (rise_a, rise_b))


def _rise_db(clip: SoundClip, onset_s: float) -> float:
    """Loudness (all bands) in the launch's first 1.5 s over the moments before it, in dB."""
    before = clip.at(onset_s - QUIET_S, round(QUIET_S * FRAME_HZ))
    after = clip.at(onset_s, round(1.5 * FRAME_HZ))
    if before is None or after is None:
        return 0.0
    loud = np.log10(np.mean(10.0 ** after.astype(np.float64), axis=1))
    quiet = np.log10(np.mean(10.0 ** before.astype(np.float64), axis=1))
    return round(10.0 * float(np.percentile(loud, 75) - np.median(quiet)), 1)


def _flicker(energy: np.ndarray) -> np.ndarray:
    """Energy minus its moving average, in robust units and clipped.

    What is left is the noise's own fine structure. The launch's rise and the
    booster's fade are alike for every launch; clipping keeps the one big step
    at the onset from outweighing the many small flickers after it.
    """
    kernel = np.ones(SMOOTH_FRAMES) / SMOOTH_FRAMES
    pad = SMOOTH_FRAMES // 2
    smooth = np.stack(
        [np.convolve(np.pad(col, pad, mode="edge"), kernel, "valid") for col in energy.T], axis=1
    )
    rest = energy - smooth
    spread = 1.4826 * np.median(np.abs(rest - np.median(rest, axis=0)), axis=0)
    return np.clip(rest / np.maximum(spread, 1e-6), -FLICKER_CLIP, FLICKER_CLIP)


def _correlation(x: np.ndarray, y: np.ndarray) -> float:
    """Mean over bands of the Pearson correlation of two (N, bands) arrays."""
    x = x - x.mean(axis=0)
    y = y - y.mean(axis=0)
    norm = np.sqrt((x * x).sum(axis=0) * (y * y).sum(axis=0))
    ok = norm > 1e-12
    if not ok.any():
        return 0.0
    return float(((x * y).sum(axis=0)[ok] / norm[ok]).mean())
