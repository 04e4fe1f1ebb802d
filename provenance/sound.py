"""Stage 2b, by ear: the launch's sound, and whether two recordings heard the same one.

Two cameras at one launch hear one bang, one booster roar, one engine: the
same turbulent noise, each a little later by its distance and buried in its
own wind. Its fine structure (how the energy of each band flickers from one
10 ms frame to the next) is that launch's alone; another launch at the same
site, on another day, roars alike on average but flickers differently.

Each media item keeps a few seconds of band energies around each launch onset
seen in its pictures (:class:`LaunchSound`). :func:`sound_agreement` takes two
items and the time offset their pictures agree on, checks that the launch is
audible in both (a music bed laid over the footage does not jump at the
launch), and correlates the flicker at lags of a few tenths of a second, the
difference in how long the sound took to reach each camera.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

KIND = "launch-sound-v1"

FRAME_HZ = 100  # band energies per second
WINDOW_S = 0.032  # analysis window (256 samples at 8 kHz)
BANDS_HZ = ((100, 400), (400, 1000), (1000, 2000), (2000, 4000))
BEFORE_S = 1.5  # sound kept before a visual onset ...
AFTER_S = 4.0  # ... and after it
ENERGY_FLOOR = 1e-9  # mean square of a quiet 16-bit recording is ~1e-8

SPAN_S = 2.5  # the launch's sound compared: from the onset, this long
MAX_LAG_S = 0.3  # sound arrives up to ~100 m / 343 m/s later at one camera than the other
SMOOTH_FRAMES = 5  # the flicker: energy minus its moving average over 50 ms
FLICKER_CLIP = 2.5  # robust standard deviations
QUIET_S = 0.8  # the launch's loudness is compared with this long before it
AUDIBLE_DB = 6.0  # the launch raises the sound this much over the second before it
SAME_LAUNCH = 0.5  # mean correlation of the flicker that says: one launch heard twice
OTHER_LAUNCH = 0.2  # below this, with the launch audible in both: two launches


@dataclass(frozen=True)
class SoundClip:
    """Log band energies of one stretch of sound: ``energy[i]`` at ``start_s + i / FRAME_HZ``."""

    start_s: float
    energy: np.ndarray  # float32 (N, len(BANDS_HZ)), log10 of the mean square

    def at(self, start_s: float, frames: int) -> np.ndarray | None:
        """``frames`` rows from ``start_s`` on, or None if the clip does not cover them."""
        first = round((start_s - self.start_s) * FRAME_HZ)
        if first < 0 or first + frames > len(self.energy):
            return None
        return self.energy[first : first + frames]


@dataclass(frozen=True)
class LaunchSound:
    """A media item's sound around the launch onsets its pictures show."""

    clips: tuple[SoundClip, ...]

    def covering(self, start_s: float, end_s: float) -> SoundClip | None:
        for clip in self.clips:
            if clip.start_s <= start_s and clip.start_s + len(clip.energy) / FRAME_HZ >= end_s:
                return clip
        return None

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        np.savez(
            out,
            starts=np.array([c.start_s for c in self.clips], np.float64),
            lengths=np.array([len(c.energy) for c in self.clips], np.int64),
            energy=np.concatenate([c.energy for c in self.clips]).astype(np.float16)
            if self.clips
            else np.zeros((0, len(BANDS_HZ)), np.float16),
        )
        return out.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> LaunchSound:
        z = np.load(io.BytesIO(data), allow_pickle=False)
        bounds = np.concatenate([[0], np.cumsum(z["lengths"])])
        energy = z["energy"].astype(np.float32)
        return cls(
            tuple(
                SoundClip(float(s), energy[a:b])
                for s, a, b in zip(z["starts"], bounds[:-1], bounds[1:], strict=True)
            )
        )


def sound_windows(onsets_s: list[float], duration_s: float | None) -> list[tuple[float, float]]:
    """Stretches of sound to keep around visual onsets, merged where they overlap."""
    windows: list[tuple[float, float]] = []
    for t in sorted(onsets_s):
        start = max(0.0, t - BEFORE_S)
        end = t + AFTER_S if duration_s is None else min(duration_s, t + AFTER_S)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
        elif end > start:
            windows.append((start, end))
    return windows


def band_energy(samples: np.ndarray, rate: int) -> np.ndarray:
    """(N, len(BANDS_HZ)) log10 mean-square energy per band, FRAME_HZ frames a second."""
    size = round(WINDOW_S * rate)
    hop = round(rate / FRAME_HZ)
    if len(samples) < size:
        return np.zeros((0, len(BANDS_HZ)), np.float32)
    count = 1 + (len(samples) - size) // hop
    index = np.arange(size)[None, :] + hop * np.arange(count)[:, None]
    spectrum = np.abs(np.fft.rfft(samples[index] * np.hanning(size), axis=1)) ** 2
    freqs = np.fft.rfftfreq(size, 1.0 / rate)
    bands = [spectrum[:, (freqs >= lo) & (freqs < hi)].mean(axis=1) for lo, hi in BANDS_HZ]
    return np.log10(np.stack(bands, axis=1) / size + ENERGY_FLOOR).astype(np.float32)


def launch_sound(clips: list[tuple[float, np.ndarray]], rate: int) -> LaunchSound:
    """A :class:`LaunchSound` from decoded stretches of sound (start, samples)."""
    # frame i of a clip is centred WINDOW_S / 2 after its first sample
    return LaunchSound(
        tuple(
            SoundClip(start + WINDOW_S / 2, band_energy(samples, rate))
            for start, samples in clips
            if len(samples) >= round(WINDOW_S * rate)
        )
    )


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
