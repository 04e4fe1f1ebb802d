"""The launch's sound, by ear: band energies around each launch onset the pictures show.

Two cameras at one launch hear one bang, one booster roar, one engine: the
same turbulent noise, each a little later by its distance and buried in its
own wind. Its fine structure (how the energy of each band flickers from one
10 ms frame to the next) is that launch's alone. Each media item keeps a few
seconds of band energies around each visual onset (:class:`LaunchSound`);
``provenance.match`` compares two of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._spans import merge_spans

FRAME_HZ = 100  # band energies per second

WINDOW_S = 0.032  # analysis window (256 samples at 8 kHz)

BANDS_HZ = ((100, 400), (400, 1000), (1000, 2000), (2000, 4000))

BEFORE_S = 1.5  # sound kept before a visual onset ...

AFTER_S = 4.0  # ... and after it

ENERGY_FLOOR = 1e-9  # mean square of a quiet 16-bit recording is ~1e-8


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


def sound_windows(onsets_s: list[float], duration_s: float | None) -> list[tuple[float, float]]:
    """Stretches of sound to keep around visual onsets, merged where they overlap."""
    return merge_spans(
        (
            max(0.0, t - BEFORE_S),
            t + AFTER_S if duration_s is None else min(duration_s, t + AFTER_S),
        )
        for t in onsets_s
    )
