"""The launch's sound: reading it from files, and telling one launch heard twice from two."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from provenance.fingerprint import (
    LaunchSound,
    band_energy,
    codecs,
    launch_sound,
    sound_windows,
)
from provenance.fingerprint._sound import FRAME_HZ
from provenance.match import sound_agreement
from provenance.match._sound import AUDIBLE_DB
from provenance.media import sound_in

RATE = 8000
LAUNCH_S = 2.0


def roar(seed: int, seconds: float = 5.0, rate: int = RATE) -> np.ndarray:
    """A launch: silence, then turbulent noise that fades (the same for every listener)."""
    rng = np.random.default_rng(seed)
    n = round(seconds * rate)
    start = round(LAUNCH_S * rate)
    signal = np.zeros(n)
    t = np.arange(n - start) / rate
    signal[start:] = rng.standard_normal(n - start) * 0.4 * np.exp(-t / 1.5)
    return signal


def recording(
    source: np.ndarray, delay_s: float, noise_seed: int, *, gain: float = 1.0, rate: int = RATE
) -> np.ndarray:
    """What one camera hears: the source later by its distance, plus its own wind."""
    shift = round(delay_s * rate)
    heard = np.concatenate([np.zeros(shift), source[: len(source) - shift]]) * gain
    wind = np.random.default_rng(noise_seed).standard_normal(len(source)) * 0.01
    return (heard + wind).astype(np.float32)


def as_sound(samples: np.ndarray) -> LaunchSound:
    return launch_sound([(0.0, samples)], RATE)


def test_one_launch_heard_by_two_cameras_agrees_at_its_delay():
    source = roar(1)
    near = as_sound(recording(source, delay_s=0.0, noise_seed=10))
    far = as_sound(recording(source, delay_s=0.12, noise_seed=11, gain=0.3))
    match = sound_agreement(near, far, LAUNCH_S, 0.0)
    assert match is not None and match.same
    assert match.lag_s == pytest.approx(-0.12, abs=0.011)  # far = near + 0.12 s
    assert min(match.rise_db) >= AUDIBLE_DB


def test_two_launches_alike_on_average_are_told_apart():
    """Same rise, same fade, same loudness: only the noise's fine structure differs."""
    a = as_sound(recording(roar(1), delay_s=0.0, noise_seed=10))
    b = as_sound(recording(roar(2), delay_s=0.05, noise_seed=11))
    match = sound_agreement(a, b, LAUNCH_S, 0.0)
    assert match is not None and match.other and not match.same


def test_the_pictures_offset_is_where_the_sound_is_looked_for():
    source = roar(3, seconds=8.0)
    a = as_sound(recording(source, delay_s=0.0, noise_seed=1))
    # b's clock runs 1.5 s behind: its media time = a's time - (-1.5)
    b_samples = np.concatenate([np.zeros(round(1.5 * RATE)), recording(source, 0.0, 2)])
    b = as_sound(b_samples.astype(np.float32))
    assert sound_agreement(a, b, LAUNCH_S, -1.5).same
    assert not sound_agreement(a, b, LAUNCH_S, 0.0).same


def test_no_launch_in_the_sound_says_nothing():
    """A music bed or silence over the footage: no rise at the launch, no say."""
    rng = np.random.default_rng(5)
    steady = (rng.standard_normal(5 * RATE) * 0.2).astype(np.float32)
    launch = as_sound(recording(roar(1), delay_s=0.0, noise_seed=10))
    assert sound_agreement(launch, as_sound(steady), LAUNCH_S, 0.0) is None
    assert sound_agreement(as_sound(steady), as_sound(steady), LAUNCH_S, 0.0) is None
    assert sound_agreement(launch, LaunchSound(()), LAUNCH_S, 0.0) is None


def test_band_energy_frames_and_storage_round_trip():
    samples = recording(roar(1), delay_s=0.0, noise_seed=10)
    energy = band_energy(samples, RATE)
    assert energy.shape[1] == 4 and abs(len(energy) - 5 * FRAME_HZ) <= 4
    stored = codecs._decode_sound(codecs._launch_sound(launch_sound([(1.25, samples)], RATE)))
    assert stored.clips[0].start_s == pytest.approx(1.25 + 0.016)
    np.testing.assert_allclose(stored.clips[0].energy, energy, atol=0.01)  # float16
    assert codecs._decode_sound(codecs._launch_sound(LaunchSound(()))).clips == ()


def test_windows_around_onsets_merge_and_stay_inside_the_media():
    assert sound_windows([3.0, 4.0], 6.0) == [(1.5, 6.0)]
    assert sound_windows([1.0, 20.0], None) == [(0.0, 5.0), (18.5, 24.0)]


def write_clip(path: Path, audio: np.ndarray | None, *, seconds: float = 5.0) -> Path:
    """A tiny 12 fps video, with ``audio`` (16 kHz mono) as its sound if given."""
    with av.open(str(path), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=12)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        sound = None
        if audio is not None:
            sound = out.add_stream("aac", rate=16000)
            sound.layout = "mono"
        for i in range(round(seconds * 12)):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i % 250, np.uint8), "rgb24")
            frame.pts = i
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        if sound is not None:
            for start in range(0, len(audio), 1024):
                chunk = av.AudioFrame.from_ndarray(
                    audio[None, start : start + 1024], format="flt", layout="mono"
                )
                chunk.sample_rate, chunk.pts = 16000, start
                for packet in sound.encode(chunk):
                    out.mux(packet)
            for packet in sound.encode():
                out.mux(packet)
    return path


def test_sound_is_read_from_a_video_in_sync_with_its_pictures(tmp_path):
    source = roar(7, rate=16000)
    a = write_clip(tmp_path / "a.mp4", recording(source, 0.0, 1, rate=16000))
    b = write_clip(tmp_path / "b.mp4", recording(source, 0.08, 2, rate=16000))
    c = write_clip(tmp_path / "c.mp4", recording(roar(8, rate=16000), 0.0, 3, rate=16000))
    heard = {}
    for name, path in (("a", a), ("b", b), ("c", c)):
        clips = sound_in(path, [(0.5, 5.0)])
        assert len(clips) == 1 and clips[0][0] == pytest.approx(0.5, abs=0.01)
        assert len(clips[0][1]) == pytest.approx(4.5 * 8000, abs=8)
        heard[name] = launch_sound(clips, 8000)
    same = sound_agreement(heard["a"], heard["b"], LAUNCH_S, 0.0)
    assert same is not None and same.same and same.lag_s == pytest.approx(-0.08, abs=0.02)
    assert sound_agreement(heard["a"], heard["c"], LAUNCH_S, 0.0).other


def test_a_video_without_sound_gives_none(tmp_path):
    assert sound_in(write_clip(tmp_path / "mute.mp4", None), [(0.0, 4.0)]) == []
