"""Other camera angles: overlays, event tracks, epipolar checks (provenance.views)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from conftest import FIXTURES

from provenance import fingerprint as views
from provenance.fingerprint import codecs
from provenance.fingerprint._orb import MIN_KEYFRAME_GAP_S
from provenance.match import PairGeometry, co_occurrence, relate_views
from provenance.match import _views as match_views
from provenance.media import extract_frames, transients_in

needs_fixtures = pytest.mark.skipif(
    not (FIXTURES / "ground_truth.json").exists(), reason="fixtures not generated"
)


def _track(times, gains, xs=None, ys=None) -> views.EventTrack:
    n = len(times)
    xs = np.zeros(n) if xs is None else np.asarray(xs)
    ys = np.zeros(n) if ys is None else np.asarray(ys)
    spot = np.stack([xs, ys, np.asarray(gains, float)], axis=1).astype(np.float32)
    return views.EventTrack(np.asarray(times, np.float32), np.zeros(n, np.float32), spot)


def test_onsets_are_sudden_gains_over_the_moments_before():
    gains = [10, 12, 9, 11, 10, 150, 90, 60, 20, 12, 11, 10]
    track = _track(np.arange(len(gains)) * 0.25, gains)
    assert track.onsets() == [5]
    shaky = _track(np.arange(12) * 0.25, [60, 58, 66, 61, 55, 62, 59, 63, 57, 60, 61, 58])
    assert shaky.onsets() == []


def _sideways_camera(points3d: np.ndarray, shift: float) -> np.ndarray:
    """Pinhole (f=500, centre 320x180) after moving the camera ``shift`` m to the right."""
    x = (points3d[:, 0] - shift) / points3d[:, 2] * 500 + 320
    y = points3d[:, 1] / points3d[:, 2] * 500 + 180
    return np.stack([x, y], axis=1)


def _view_for_sideways_pair() -> PairGeometry:
    # a pure sideways move: epipolar lines are the image rows, F = [e]x with e = (1, 0, 0)
    fundamental = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    none = np.zeros((0, 2), np.float32)
    size = (640, 360)
    return PairGeometry(0, 0, size, size, 40, 10, 40, None, fundamental, 0.3, none, none)


def test_the_same_launch_seen_sideways_co_occurs_with_its_offset():
    view = _view_for_sideways_pair()
    assert view.parallax
    t = np.arange(0, 6, 1 / 12)
    launch = 3.0
    tau = np.clip(t - launch, 0, None)
    path = np.stack([2 * tau**2, -3 * tau - 1.0 * tau**2, 20 + 4 * tau], axis=1)  # metres
    gains = np.where(t >= launch, 150.0, 10.0)
    a_xy = _sideways_camera(path, 0.0)
    offset = 1.25  # b started filming 1.25 s later: b's time = a's time - 1.25
    tb = t - offset
    b_xy = _sideways_camera(path, 8.0)
    a = _track(t, gains, a_xy[:, 0], a_xy[:, 1])
    b = _track(tb[tb >= 0], gains[tb >= 0], b_xy[tb >= 0, 0], b_xy[tb >= 0, 1])
    found = co_occurrence(a, b, view)
    assert found is not None
    assert found.offset_s == pytest.approx(offset, abs=0.1)
    assert found.consistent >= match_views.MIN_CONSISTENT

    # another launch: it climbs at another rate, off the epipolar lines
    other = np.stack([2 * tau**2, -6 * tau - 3.0 * tau**2, 20 + 4 * tau], axis=1)
    c_xy = _sideways_camera(other, 8.0)
    c = _track(tb[tb >= 0], gains[tb >= 0], c_xy[tb >= 0, 0], c_xy[tb >= 0, 1])
    assert co_occurrence(a, c, view) is None


def test_epipolar_error_is_the_distance_to_the_line():
    view = _view_for_sideways_pair()
    assert match_views._epipolar_error(
        view.fundamental, np.array([10.0, 50.0]), np.array([99.0, 53.0])
    ) == pytest.approx(3.0)


@needs_fixtures
def test_a_logo_pinned_to_the_screen_is_dropped():
    path = FIXTURES / "media" / "C010_a.mp4"  # NORTH MEDIA logo, top left, over a shaky scene
    keyframes, next_key = [], 0.0
    for f in extract_frames(path):  # the key-frame schedule of fingerprint_frames
        if f.time_s >= next_key:
            keyframes.append(views.sift_features(f.luma, f.time_s))
            next_key = f.time_s + MIN_KEYFRAME_GAP_S
    cleaned, pinned = views.drop_overlays(keyframes)
    assert len(pinned)
    assert pinned[:, 1].max() < 40 and pinned[:, 0].max() < 120  # all inside the logo's corner
    assert sum(len(k.points) for k in cleaned) > 0.8 * sum(len(k.points) for k in keyframes)


@needs_fixtures
def test_full_decoding_around_the_launch_places_its_onset():
    path = FIXTURES / "media" / "C001_a.mp4"  # launch at 4.0 s
    coarse = [t for f in extract_frames(path) for t in f.transients]
    track = views.event_track(coarse, np.zeros((0, 2)))
    windows = views.event_windows(track)
    assert windows and windows[0][0] <= 4.0 <= windows[0][1]
    dense = transients_in(path, windows)
    inside = [t for t in coarse if windows[0][0] <= t.time_s <= windows[0][1]]
    assert len(dense) > 2 * len(inside)
    first = views.fingerprint_frames(extract_frames(path))
    refined = first.finish(transients_in(path, first.event_windows)).views.track
    onset = float(refined.time_s[refined.onsets()[0]])
    assert onset == pytest.approx(4.0, abs=0.1)


@needs_fixtures
def test_other_viewpoint_has_parallax_and_a_copy_has_none():
    def keyframes(name):
        frames = list(extract_frames(FIXTURES / "media" / name))
        return [views.sift_features(f.luma, f.time_s) for f in frames[::3]]

    cam1, cam2 = keyframes("C001_a.mp4"), keyframes("C024_a.mp4")
    other = relate_views(cam2, cam1)
    assert other is not None and other.parallax and other.fundamental_inliers >= 20
    copy = relate_views(keyframes("C012_a.mp4"), keyframes("C004_a.mp4"))  # same bytes
    assert copy is not None and not copy.parallax


def test_scene_views_survive_storage():
    rng = np.random.default_rng(1)
    frame = views.ViewFeatures(
        1.5,
        (640, 360),
        rng.random((5, 2), dtype=np.float32) * 300,
        rng.integers(0, 255, (5, 128), dtype=np.uint8),
    )
    bag = views.sift_bag([frame])
    track = _track([0.0, 0.25], [3.0, 80.0], [1.0, 2.0], [3.0, 4.0])
    table = views.MediaFingerprint(
        np.zeros(1, np.float32),
        np.zeros((1, 8), np.uint64),
        np.zeros(1, np.float32),
        np.zeros(1, bool),
        np.zeros((1, 36, 64), np.uint8),
    )
    stored = views.Fingerprints(table, [], views.orb_bag([]), views.SceneViews([frame], bag, track))
    encoded = codecs.encode(stored)
    back = codecs.decode(encoded)
    assert back is not None and back.views is not None
    # the SIFT kinds are deflated now; items stored plain before are read the same
    assert len(encoded[codecs.SIFT_KEYFRAMES]) < len(_plain(encoded[codecs.SIFT_KEYFRAMES]))
    before = codecs.decode({**encoded, **{k: _plain(encoded[k]) for k in _SIFT_KINDS}})
    assert before is not None and before.views is not None
    assert np.array_equal(before.views.keyframes[0].descriptors, frame.descriptors)
    assert np.array_equal(before.views.bag.counts, back.views.bag.counts)
    (key,) = back.views.keyframes
    assert key.time_s == 1.5 and key.size == (640, 360)
    assert np.array_equal(key.descriptors, frame.descriptors)
    assert np.array_equal(back.views.bag.words, bag.words)
    assert np.array_equal(back.views.track.spot, track.spot)
    assert back.views.sound is not None and back.views.sound.clips == ()
    assert bag.words.max() < views.SIFT_VOCABULARY.size and bag.counts.max() <= 3


_SIFT_KINDS = (codecs.SIFT_KEYFRAMES, codecs.SIFT_WORDS)


def _plain(data: bytes) -> bytes:
    """A stored kind as earlier versions wrote it: the same arrays, not deflated."""
    arrays = np.load(io.BytesIO(data), allow_pickle=False)
    out = io.BytesIO()
    np.savez(out, **{name: arrays[name] for name in arrays.files})
    return out.getvalue()
