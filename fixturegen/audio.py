"""The soundtrack of event footage: a launch heard by a camera, plus ambient.

Every launch emits one waveform on its event's world clock (:func:`launch_source`),
a function of the event alone: a bang at ``launch_t``, the booster's roar for
``BOOST_S`` seconds, then a two-stroke engine buzz. Each camera hears that
waveform delayed by the sound's travel time from the moving drone and scaled
by spherical spreading (:func:`received_launch`), over its own wind and hiss
(:func:`ambient`). So two cameras of one launch share a waveform at a lag set
by their distances, while another launch, even at the same site, does not.
A channel's bumper carries a fixed jingle (:func:`jingle`): unrelated videos
of one channel share it, a trap for sound matching.

Pure functions on float64 numpy arrays at ``SR`` Hz, mono, deterministic.
"""

from __future__ import annotations

import zlib
from functools import lru_cache

import numpy as np
from scipy import signal

from .launch import BOOST_S, Event, drone_state

SR = 16000
SOUND_SPEED = 343.0  # m/s
REF_M = 20.0  # distance at which the source waveform is heard as is
SOURCE_S = 20.0  # seconds of source after the launch (the drone is ~800 m away by then)
PATH_DT = 0.01  # grid of the drone's path, the same as its flight integration
OUTPUT_GAIN = 0.1  # puts a launch heard from ~20 m at peaks of about 0.5
AMBIENT_RMS = 0.08  # ~20 dB below the roar heard from 20 m (source roar RMS ~1)
HISS_RMS = 0.012


def band_noise(rng: np.random.Generator, n: int, lo: float, hi: float) -> np.ndarray:
    """``n`` samples of noise band-limited to about [lo, hi] Hz, unit RMS.

    White noise shaped in the frequency domain with 4th-order Butterworth-like
    skirts (no hard edges, so no ringing); ``lo = 0`` means low-pass only.
    """
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / SR)
    gain = 1 / np.sqrt(1 + (f / hi) ** 8)
    if lo > 0:
        gain = gain / np.sqrt(1 + (lo / np.maximum(f, 1e-3)) ** 8)
    x = np.fft.irfft(spec * gain, n)
    return x / (np.sqrt(np.mean(x**2)) + 1e-12)


def slow_wobble(rng: np.random.Generator, n: int, hz: float) -> np.ndarray:
    """A smooth random curve with energy below ``hz`` Hz, zero mean, unit std.

    Used for amplitude modulation, gusts and pitch jitter.
    """
    knots = rng.standard_normal(int(n / SR * hz * 2) + 4)
    x = np.interp(np.arange(n) / SR * hz * 2, np.arange(len(knots)), knots)
    k = max(1, int(SR / hz / 2))  # a moving average over half a period, by cumulative sums
    c = np.cumsum(np.pad(x, (k // 2 + 1, k - k // 2), mode="edge"))
    x = (c[k:] - c[:-k])[: n]
    return (x - x.mean()) / (x.std() + 1e-12)


def _smooth_step(x: np.ndarray) -> np.ndarray:
    """0 below 0, 1 above 1, a cosine ramp between."""
    return 0.5 - 0.5 * np.cos(np.pi * np.clip(x, 0.0, 1.0))


@lru_cache(maxsize=16)
def launch_source(ev: Event) -> np.ndarray:
    """The launch's sound as heard at ``REF_M``, from ``ev.launch_t`` for ``SOURCE_S`` s.

    A function of the event only (seeded by ``ev.seed``), so every camera of
    the event hears the same waveform and another event an independent one:

    * bang: ~0.1 s broadband burst, 1.5 ms attack, 25 ms exponential decay;
    * booster roar for ``BOOST_S``: turbulent noise band-limited to 60-3000 Hz,
      smooth on/off envelope, random amplitude modulation of a few Hz;
    * engine from then on: a two-stroke buzz (harmonic series on a fundamental
      of 80-120 Hz drawn from the seed, slight random frequency jitter) plus noise.
    """
    rng = np.random.default_rng([ev.seed, 0xA0D10])
    n = int(SOURCE_S * SR)
    tau = np.arange(n) / SR
    out = np.zeros(n)

    nb = int(0.12 * SR)
    env = (1 - np.exp(-tau[:nb] / 0.0015)) * np.exp(-tau[:nb] / 0.025)
    out[:nb] += 2.5 * band_noise(rng, nb, 30.0, 7000.0) * env

    on = _smooth_step(tau / 0.05) * (1 - _smooth_step((tau - BOOST_S + 0.1) / 0.25))
    am = np.clip(1 + 0.3 * slow_wobble(rng, n, 4.0) + 0.12 * slow_wobble(rng, n, 11.0), 0.2, None)
    out += 1.0 * band_noise(rng, n, 60.0, 3000.0) * on * am

    f0 = rng.uniform(80.0, 120.0)
    freq = f0 * (1 + 0.01 * slow_wobble(rng, n, 2.0) + 0.003 * slow_wobble(rng, n, 15.0))
    phase = 2 * np.pi * np.cumsum(freq) / SR
    z, zk, buzz = np.exp(1j * phase), np.ones(n, complex), np.zeros(n)
    for k in range(1, int(3500 / f0) + 1):  # harmonic k: Im(z**k e^(i phi_k)), by products
        zk *= z
        amp = rng.uniform(0.5, 1.0) / k**0.8
        buzz += amp * (zk * np.exp(1j * rng.uniform(0, 2 * np.pi))).imag
    buzz /= np.sqrt(np.mean(buzz**2))
    engine = buzz + 0.5 * band_noise(rng, n, 150.0, 5000.0) * (1 + 0.4 * np.sin(phase))
    out += 0.7 * engine * _smooth_step((tau - BOOST_S + 0.3) / 0.4)
    out.setflags(write=False)  # cached and shared
    return out


@lru_cache(maxsize=16)
def _path(ev: Event) -> tuple[np.ndarray, np.ndarray]:
    """The drone centre (N x 3) on a ``PATH_DT`` grid of world times from the launch."""
    times = ev.launch_t + np.arange(int(SOURCE_S / PATH_DT) + 1) * PATH_DT
    pos = np.array([drone_state(ev, float(t))[0] for t in times])
    pos.setflags(write=False)  # cached and shared
    return times, pos


def drone_distance(ev: Event, position, world_t: np.ndarray) -> np.ndarray:
    """Distance (m) from ``position`` to the drone centre at each world time."""
    times, pos = _path(ev)
    p = np.stack([np.interp(world_t, times, pos[:, i]) for i in range(3)], axis=-1)
    return np.linalg.norm(p - np.asarray(position, np.float64), axis=-1)


def emission_times(ev: Event, position, world_t: np.ndarray, iterations: int = 3
                   ) -> tuple[np.ndarray, np.ndarray]:
    """When the sound heard at ``world_t`` left the drone, and its distance then.

    Solves ``t_e = t - d(t_e) / c`` by fixed-point iteration (converges fast:
    the drone is far slower than sound).
    """
    te = np.asarray(world_t, np.float64)
    d = drone_distance(ev, position, te)
    for _ in range(iterations):
        te = world_t - d / SOUND_SPEED
        d = drone_distance(ev, position, te)
    return te, d


def received_launch(ev: Event, position, world_t: np.ndarray) -> np.ndarray:
    """The launch as heard at ``position`` at world times ``world_t`` (no ambient).

    The source at the emission time (linear interpolation), scaled by
    ``REF_M / d`` (spherical spreading) and with a gentle air absorption: the
    part above ~1.5 kHz fades as ``exp(-d / 500 m)``. The changing delay of the
    departing drone gives the Doppler shift for free.
    """
    te, d = emission_times(ev, position, world_t)
    src = launch_source(ev)
    s = np.interp(te, ev.launch_t + np.arange(len(src)) / SR, src, left=0.0, right=0.0)
    sos = signal.butter(2, 1500.0, "lowpass", fs=SR, output="sos")
    low, _ = signal.sosfilt(sos, s, zi=signal.sosfilt_zi(sos) * (s[0] if len(s) else 0.0))
    return (low + (s - low) * np.exp(-d / 500.0)) * (REF_M / d)


def ambient(seed: int, n: int) -> np.ndarray:
    """A camera's own sound: gusty wind (noise below ~250 Hz) and a faint hiss.

    Seeded per camera and clip, so two cameras never share their ambient noise.
    """
    rng = np.random.default_rng([seed, 0xA3B])
    gust = np.clip(1 + 0.5 * slow_wobble(rng, n, 0.4) + 0.2 * slow_wobble(rng, n, 2.5), 0.15,
                   None)
    wind = band_noise(rng, n, 15.0, 250.0) * gust
    wind *= AMBIENT_RMS / (np.sqrt(np.mean(wind**2)) + 1e-12)
    return wind + HISS_RMS * rng.standard_normal(n)


def camera_track(ev: Event, position, world_start_s: float, duration_s: float,
                 seed: int) -> np.ndarray:
    """What a camera at ``position`` records of event ``ev`` from ``world_start_s``.

    ``round(duration_s * SR)`` samples of the launch heard there plus the
    camera's ambient (``seed``), scaled by ``OUTPUT_GAIN`` and kept below 0.9.
    """
    n = round(duration_s * SR)
    t = world_start_s + np.arange(n) / SR
    x = OUTPUT_GAIN * (received_launch(ev, position, t) + ambient(seed, n))
    peak = float(np.max(np.abs(x), initial=0.0))
    return x * (0.9 / peak) if peak > 0.9 else x


def jingle(bumper_id: str, duration_s: float) -> np.ndarray:
    """A channel bumper's jingle: a few sine notes, the same for every use of ``bumper_id``.

    Four notes of a minor pentatonic scale drawn from the id's CRC, each with
    two overtones, a 10 ms attack and an exponential decay; faded out at the end.
    """
    rng = np.random.default_rng(zlib.crc32(bumper_id.encode()))
    n = round(duration_s * SR)
    t = np.arange(n) / SR
    out = np.zeros(n)
    scale = 220.0 * 2 ** (np.array([0, 3, 5, 7, 10, 12, 15, 17]) / 12)
    notes = 4
    for i, f in enumerate(rng.choice(scale, notes)):
        t0 = i * duration_s / notes
        tt = t - t0
        env = np.where(tt >= 0, _smooth_step(tt / 0.01) * np.exp(-np.maximum(tt, 0) / 0.25), 0.0)
        for h, a in ((1, 1.0), (2, 0.35), (3, 0.15)):
            out += a * env * np.sin(2 * np.pi * f * h * tt)
    out *= 1 - _smooth_step((t - duration_s + 0.06) / 0.05)
    return 0.3 * out / (np.max(np.abs(out)) + 1e-12)


def soundtrack(ev: Event, position, world_start_s: float, duration_s: float, seed: int, *,
               bumper_id: str | None = None, lead_s: float = 0.0) -> np.ndarray:
    """A wide shot's whole soundtrack: the bumper's jingle for ``lead_s``, then the camera.

    Media time 0 is the first sample; the footage starts at media time
    ``lead_s``, which shows world time ``world_start_s``. Short fades at the
    cut avoid a click.
    """
    track = camera_track(ev, position, world_start_s, duration_s, seed)
    if bumper_id is None or lead_s <= 0:
        return track
    fade = _smooth_step(np.arange(len(track)) / (0.01 * SR))
    return np.concatenate([jingle(bumper_id, lead_s), track * fade])
