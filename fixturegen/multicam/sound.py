"""What a phone at a launch records, and what an editor does to it afterwards.

The fixture set's sound (:mod:`fixturegen.audio`) gives every microphone the
same waveform, delayed and scaled. Here each recording is built as a phone
hears it:

1. **The launch from this direction** (:func:`launch_from`): the launch's own
   waveform (:func:`fixturegen.audio.launch_source`: bang, booster roar,
   engine, the same for every camera) plus the roar's direction-dependent
   part: a booster's jet noise is not radiated alike in every direction, so
   six independent roars of the same envelope are weighted by the camera's
   bearing from the rail (smooth lobes): cameras 20 degrees apart hear nearly
   one waveform, cameras 180 degrees apart share about three quarters of it.
2. **Propagation** (:func:`fixturegen.audio.emission_times`): the sound left
   the moving drone ``d / 343 m/s`` earlier (a camera 500 m away hears the
   launch 1.5 s after it sees it), spreads as ``1/d``, and loses its highs
   with distance.
3. **The place** (:func:`impulse_response`, seeded per camera): a ground
   reflection, early reflections of nearby walls, one to three distinct
   echoes from buildings 15-120 m away, and a diffuse reverberant tail.
4. **The microphone**: overload on a loud bang (soft clipping), the phone's own
   wind noise (bursty, below ~400 Hz, independent in each channel of a
   stereo phone), voices of the people filming (talk, and shouts just after
   the launch), a faint hiss; then **automatic gain control** (fast attack,
   slow release: the level pumps at the bang).
5. **Editing** (:func:`music_bed`): for some clips a music bed laid over the
   recording, or in place of it.

Synthesis at :data:`fixturegen.audio.SR` (16 kHz), resampled to the file's rate
(44.1 or 48 kHz) at the end; pure functions of their arguments and seeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from math import gcd

import numpy as np
from scipy import signal

from ..audio import (
    REF_M,
    SOUND_SPEED,
    SOURCE_S,
    SR,
    _smooth_step,
    band_noise,
    emission_times,
    launch_source,
    slow_wobble,
)
from ..launch import BOOST_S, Event

LOBES = 6  # independent directional parts of the roar
LOBE_KAPPA = 2.2  # their width (von Mises concentration)
DIRECTIONAL = 0.6  # amplitude of the directional roar against the common waveform
MIC_LEVEL = 0.1  # the acoustic scale (roar at 20 m ~ 1) to the microphone's digital scale


@dataclass(frozen=True)
class Acoustics:
    """The place around one camera: its impulse response, seeded."""

    ground_delay_ms: float
    ground_gain: float
    early: tuple[tuple[float, float], ...]  # (delay ms, gain)
    echoes: tuple[tuple[float, float], ...]  # (delay ms, gain): buildings 15-120 m away
    rt60_s: float
    tail_level: float  # energy of the reverberant tail against the direct sound


@dataclass(frozen=True)
class Mic:
    """The phone's microphone, its surroundings and its gain control."""

    channels: int
    wind_rms: float  # in the acoustic scale (roar at 20 m ~ 1)
    overload: float  # acoustic level where the microphone saturates
    voices: int  # people talking near the phone (0-2)
    shout_after_s: float | None  # a shout this long after the launch is heard
    agc_target: float
    agc_max_gain: float
    agc_release_s: float
    seed: int


@dataclass(frozen=True)
class Edit:
    """What editing did to the sound: ``none`` | ``music_over`` | ``music_only``."""

    kind: str = "none"
    music: str = "beat"  # "beat" | "chant"
    music_db: float = -6.0  # music level against the recording's
    duck: float = 1.0  # the recording's level under the music
    seed: int = 0


# ------------------------------------------------------------------ the launch


def lobe_weights(bearing_deg: float) -> np.ndarray:
    """Weights of the roar's directional parts heard at ``bearing_deg`` from the rail's axis."""
    centres = np.arange(LOBES) * 2 * np.pi / LOBES
    w = np.exp(LOBE_KAPPA * (np.cos(np.radians(bearing_deg) - centres) - 1))
    return w / np.linalg.norm(w)


@lru_cache(maxsize=8)
def _directional_roars(ev: Event) -> np.ndarray:
    """LOBES independent roars (LOBES x samples) with the booster's envelope, per event."""
    n = int(SOURCE_S * SR)
    tau = np.arange(n) / SR
    on = _smooth_step(tau / 0.05) * (1 - _smooth_step((tau - BOOST_S + 0.1) / 0.25))
    out = np.zeros((LOBES, n))
    for k in range(LOBES):
        rng = np.random.default_rng([ev.seed, 0xD1, k])
        am = np.clip(
            1 + 0.3 * slow_wobble(rng, n, 4.0) + 0.12 * slow_wobble(rng, n, 11.0), 0.2, None
        )
        out[k] = band_noise(rng, n, 60.0, 3000.0) * on * am
    out.setflags(write=False)
    return out


def launch_from(ev: Event, bearing_deg: float) -> np.ndarray:
    """The launch's waveform (at ``REF_M``) as radiated towards ``bearing_deg``."""
    w = lobe_weights(bearing_deg)
    return launch_source(ev) + DIRECTIONAL * (w @ _directional_roars(ev))


def heard_launch(ev: Event, position, bearing_deg: float, world_t: np.ndarray) -> np.ndarray:
    """The launch arriving at ``position`` at world times ``world_t`` (delay, 1/d, air)."""
    te, d = emission_times(ev, position, world_t)
    src = launch_from(ev, bearing_deg)
    s = np.interp(te, ev.launch_t + np.arange(len(src)) / SR, src, left=0.0, right=0.0)
    sos = signal.butter(2, 1500.0, "lowpass", fs=SR, output="sos")
    low = signal.sosfilt(sos, s)
    return (low + (s - low) * np.exp(-d / 500.0)) * (REF_M / d)


# ------------------------------------------------------------------ the place


def impulse_response(ac: Acoustics, seed: int) -> np.ndarray:
    """The camera's surroundings as an impulse response at SR (direct sound first)."""
    rng = np.random.default_rng([seed, 0x1F])
    length = (
        int(max(ac.rt60_s * 1.2, max((d for d, _ in ac.echoes), default=0) / 1000 + 0.1) * SR) + 1
    )
    h = np.zeros(length)
    h[0] = 1.0
    reflected = np.zeros(length)
    g = round(ac.ground_delay_ms / 1000 * SR)
    if 0 < g < length:
        reflected[g] += ac.ground_gain
    for delay, gain in (*ac.early, *ac.echoes):
        k = round(delay / 1000 * SR)
        if 0 < k < length:
            reflected[k] += gain
    t = np.arange(length) / SR
    tail = rng.standard_normal(length) * np.exp(-6.9 * t / ac.rt60_s)
    tail[: round(0.005 * SR)] = 0.0
    tail *= np.sqrt(ac.tail_level / max(float((tail**2).sum()), 1e-12))
    sos = signal.butter(2, 3500.0, "lowpass", fs=SR, output="sos")
    return h + signal.sosfilt(sos, reflected + tail)


# ------------------------------------------------------------------ people and wind


_VOWELS = (
    (730, 1090, 2440),
    (530, 1840, 2480),
    (270, 2290, 3010),
    (570, 840, 2410),
    (300, 870, 2240),
    (660, 1720, 2410),
    (440, 1020, 2240),
)


def _resonate(x: np.ndarray, formants) -> np.ndarray:
    y = np.zeros_like(x)
    for k, f in enumerate(formants):
        bw = 80 + 40 * k
        b, a = signal.iirpeak(f, f / bw, fs=SR)
        y += signal.lfilter(b, a, x) / (1 + k)
    return y


def voice(
    rng: np.random.Generator, n: int, start: float, length: float, f0: float, shout: bool = False
) -> np.ndarray:
    """A voice speaking (or shouting) for ``length`` s from ``start``: syllables of
    glottal pulses through vowel formants, with noisy consonants, over ``n`` samples."""
    out = np.zeros(n)
    t = start
    end = min(start + length, n / SR)
    while t < end - 0.1:
        syl = rng.uniform(0.25, 0.55) if shout else rng.uniform(0.1, 0.28)
        m = int(syl * SR)
        i0 = int(t * SR)
        if i0 + m >= n:
            break
        f = (
            f0
            * (1.5 if shout else 1.0)
            * (1 + 0.15 * rng.standard_normal())
            * np.linspace(1.05, 0.92, m)
        )
        phase = np.cumsum(f / SR)
        pulses = np.diff(np.floor(phase), prepend=0.0) + 0.02 * rng.standard_normal(m)
        v = _resonate(pulses, _VOWELS[int(rng.integers(0, len(_VOWELS)))])
        env = np.sin(np.pi * np.linspace(0, 1, m)) ** 0.6
        seg = v * env
        if rng.random() < 0.6:  # a consonant before the vowel
            c = int(rng.uniform(0.03, 0.08) * SR)
            cons = band_noise(rng, c, 2000.0, 6000.0) * np.hanning(c) * 0.3
            seg[:c] += cons[: min(c, m)]
        out[i0 : i0 + m] += seg
        t += syl + (rng.uniform(0.0, 0.08) if rng.random() < 0.8 else rng.uniform(0.2, 0.6))
    peak = np.max(np.abs(out), initial=0.0)
    return out / peak if peak > 0 else out


def wind(rng: np.random.Generator, n: int, rms: float) -> np.ndarray:
    """Wind on a phone's microphone: bursty rumble below ~400 Hz."""
    gust = np.exp(1.1 * slow_wobble(rng, n, 0.5) + 0.4 * slow_wobble(rng, n, 3.0))
    x = band_noise(rng, n, 10.0, 400.0) * gust
    return x * rms / (np.sqrt(np.mean(x**2)) + 1e-12)


def agc(x: np.ndarray, target: float, max_gain: float, release_s: float) -> np.ndarray:
    """Automatic gain control: the gain follows target / level, down in ~10 ms, up slowly."""
    frame = SR // 100
    n = len(x) // frame + 1
    padded = np.pad(x, ((0, n * frame - len(x)),) + ((0, 0),) * (x.ndim - 1))
    power = (padded.reshape(n, frame, -1) ** 2).mean(axis=(1, 2))
    gain = np.empty(n)
    g = min(max_gain, target / (np.sqrt(power[:50].mean()) + 1e-9))
    down = 1 - np.exp(-0.01 / 0.01)
    up = 1 - np.exp(-0.01 / release_s)
    for i in range(n):
        want = min(max_gain, target / (np.sqrt(power[i]) + 1e-9))
        g += (want - g) * (down if want < g else up)
        gain[i] = g
    per_sample = np.interp(np.arange(len(x)), np.arange(n) * frame + frame / 2, gain)
    y = x * (per_sample[:, None] if x.ndim == 2 else per_sample)
    return 0.98 * np.tanh(y / 0.98)


# ------------------------------------------------------------------ editing


def music_bed(kind: str, n: int, seed: int) -> np.ndarray:
    """A music bed: ``beat`` (chords, bass, kick and hats) or ``chant`` (voices in harmony)."""
    rng = np.random.default_rng([seed, 0x3B])
    t = np.arange(n) / SR
    root = 110.0 * 2 ** (int(rng.integers(0, 12)) / 12)
    chords = [(0, 3, 7), (5, 8, 12), (7, 10, 14), (3, 7, 10)]
    bpm = float(rng.uniform(72, 128))
    beat = 60.0 / bpm
    out = np.zeros(n)
    bar = 4 * beat
    if kind == "chant":
        for k in range(int(n / SR / bar) + 1):
            notes = chords[k % 4]
            i0, i1 = int(k * bar * SR), min(int((k + 1) * bar * SR), n)
            if i0 >= n:
                break
            seg = np.zeros(i1 - i0)
            for j, semi in enumerate(notes):
                f0 = root * 2 ** (semi / 12)
                m = i1 - i0
                ph = np.cumsum(np.full(m, f0) * (1 + 0.004 * np.sin(2 * np.pi * 5.5 * t[:m])) / SR)
                pulses = np.diff(np.floor(ph), prepend=0.0)
                seg += _resonate(pulses, _VOWELS[(k + j) % len(_VOWELS)])
            env = np.minimum(
                1, np.minimum(np.arange(len(seg)), len(seg) - np.arange(len(seg))) / (0.05 * SR)
            )
            out[i0:i1] += seg * env
    else:
        for k in range(int(n / SR / bar) + 1):
            notes = chords[k % 4]
            i0, i1 = int(k * bar * SR), min(int((k + 1) * bar * SR), n)
            if i0 >= n:
                break
            tt = t[: i1 - i0]
            pad = sum(
                signal.sawtooth(2 * np.pi * root * 2 ** (s / 12) * (1 + d) * tt)
                for s in notes
                for d in (-0.003, 0.003)
            )
            bass = np.sin(2 * np.pi * root / 2 * 2 ** (notes[0] / 12) * tt)
            out[i0:i1] += 0.15 * pad + 0.6 * bass
        sos = signal.butter(2, 1800.0, "lowpass", fs=SR, output="sos")
        out = signal.sosfilt(sos, out)
        for b in range(int(n / SR / beat) + 1):
            i0 = int(b * beat * SR)
            if i0 >= n:
                break
            m = min(int(0.25 * SR), n - i0)
            tt = np.arange(m) / SR
            out[i0 : i0 + m] += (
                1.2 * np.sin(2 * np.pi * (50 + 90 * np.exp(-tt / 0.03)) * tt) * (np.exp(-tt / 0.12))
            )
            h0 = int((b + 0.5) * beat * SR)
            if h0 < n:
                hm = min(int(0.05 * SR), n - h0)
                out[h0 : h0 + hm] += (
                    0.25
                    * band_noise(rng, hm, 5000.0, 7900.0)
                    * np.exp(-np.arange(hm) / (0.012 * SR))
                )
    fade = np.minimum(1, np.minimum(t / 0.5, (t[-1] - t) / 0.5 + 1e-9)) if n else t
    out *= fade
    return out / (np.sqrt(np.mean(out**2)) + 1e-12)


# ------------------------------------------------------------------ the whole track


def recording(
    ev: Event | None,
    position,
    bearing_deg: float,
    clock_start_s: float,
    duration_s: float,
    acoustics: Acoustics,
    mic: Mic,
    edit: Edit,
    launch_media_t: float | None,
    rate: int,
) -> np.ndarray:
    """The sound track of a clip: (samples, channels) float in [-1, 1] at ``rate``."""
    n = round(duration_s * SR)
    rng = np.random.default_rng([mic.seed, 0x50D])
    if ev is not None:
        t = clock_start_s + np.arange(n) / SR
        dry = heard_launch(ev, position, bearing_deg, t)
        wet = signal.fftconvolve(dry, impulse_response(acoustics, mic.seed))[:n]
    else:
        wet = np.zeros(n)
    common = wet.copy()
    dist = float(
        np.linalg.norm(
            np.asarray(position)[:2] - np.asarray(ev.launcher if ev is not None else (0, 0, 0))[:2]
        )
    )
    for _ in range(mic.voices):  # people near the phone talking
        f0 = float(rng.uniform(95, 230))
        start = float(rng.uniform(0, max(0.1, duration_s - 2)))
        common += float(rng.uniform(0.08, 0.5)) * voice(
            rng, n, start, float(rng.uniform(0.8, 3.0)), f0
        )
    if mic.shout_after_s is not None and launch_media_t is not None:
        heard = launch_media_t + dist / SOUND_SPEED + mic.shout_after_s
        f0 = float(rng.uniform(110, 220))
        common += float(rng.uniform(0.4, 1.2)) * voice(
            rng, n, heard, float(rng.uniform(0.8, 2.0)), f0, shout=True
        )
    ambience = band_noise(rng, n, 80.0, 2500.0) * 0.004
    channels = []
    for _ in range(mic.channels):
        x = common + ambience + wind(rng, n, mic.wind_rms) + 0.002 * rng.standard_normal(n)
        channels.append(mic.overload * np.tanh(x / mic.overload))
    track = MIC_LEVEL * np.stack(channels, axis=1)
    track = agc(track, mic.agc_target, mic.agc_max_gain, mic.agc_release_s)
    if edit.kind != "none":
        level = float(np.sqrt(np.mean(track**2))) + 1e-4
        bed = music_bed(edit.music, n, edit.seed) * level * 10 ** (edit.music_db / 20)
        if edit.kind == "music_only":
            track = np.repeat(bed[:, None] * 1.0, mic.channels, axis=1)
            track *= 0.25 / (np.sqrt(np.mean(track**2)) + 1e-9)
        else:
            track = track * edit.duck + bed[:, None]
        track = 0.98 * np.tanh(track / 0.98)
    g = gcd(rate, SR)
    out = signal.resample_poly(track, rate // g, SR // g, axis=0)
    out += 3e-4 * rng.standard_normal(out.shape)
    return np.clip(out, -1.0, 1.0).astype(np.float32)
