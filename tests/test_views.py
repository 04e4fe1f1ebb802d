"""Other camera angles: overlays, event tracks, epipolar checks (provenance.views)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import FIXTURES

from provenance import views
from provenance.frames import extract_frames, transients_in
from provenance.keypoints import MIN_KEYFRAME_GAP_S

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


def _view_for_sideways_pair() -> views.ViewMatch:
    # a pure sideways move: epipolar lines are the image rows, F = [e]x with e = (1, 0, 0)
    fundamental = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    none = np.zeros((0, 2), np.float32)
    return views.ViewMatch(
        0, 0, 40, 40, 10, 0.3, fundamental, None, none, none, (640, 360), (640, 360)
    )


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
    found = views.co_occurrence(a, b, view)
    assert found is not None
    assert found.offset_s == pytest.approx(offset, abs=0.1)
    assert found.consistent >= views.MIN_CONSISTENT

    # another launch: it climbs at another rate, off the epipolar lines
    other = np.stack([2 * tau**2, -6 * tau - 3.0 * tau**2, 20 + 4 * tau], axis=1)
    c_xy = _sideways_camera(other, 8.0)
    c = _track(tb[tb >= 0], gains[tb >= 0], c_xy[tb >= 0, 0], c_xy[tb >= 0, 1])
    assert views.co_occurrence(a, c, view) is None


def test_epipolar_error_is_the_distance_to_the_line():
    view = _view_for_sideways_pair()
    assert views._epipolar_error(
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
    refined = views.scene_views([], coarse, lambda w: transients_in(path, w)).track
    onset = float(refined.time_s[refined.onsets()[0]])
    assert onset == pytest.approx(4.0, abs=0.1)


@needs_fixtures
def test_other_viewpoint_has_parallax_and_a_copy_has_none():
    def keyframes(name):
        frames = list(extract_frames(FIXTURES / "media" / name))
        return [views.sift_features(f.luma, f.time_s) for f in frames[::3]]

    cam1, cam2 = keyframes("C001_a.mp4"), keyframes("C024_a.mp4")
    other = views.relate_views(cam2, cam1)
    assert other is not None and other.parallax and other.fundamental_inliers >= 20
    copy = views.relate_views(keyframes("C012_a.mp4"), keyframes("C004_a.mp4"))  # same bytes
    assert copy is not None and not copy.parallax


def test_scene_views_survive_storage():
    rng = np.random.default_rng(1)
    frame = views.ViewFeatures(
        1.5,
        (640, 360),
        rng.random((5, 2), dtype=np.float32) * 300,
        rng.integers(0, 255, (5, 128), dtype=np.uint8),
    )
    words, counts = views.view_words([frame])
    track = _track([0.0, 0.25], [3.0, 80.0], [1.0, 2.0], [3.0, 4.0])
    stored = views.SceneViews([frame], words, counts, track)
    back = views.SceneViews.keyframes_from_bytes(stored.keyframes_to_bytes())[0]
    assert back.time_s == 1.5 and back.size == (640, 360)
    assert np.array_equal(back.descriptors, frame.descriptors)
    assert np.array_equal(views.SceneViews.words_from_bytes(stored.words_to_bytes())[0], words)
    assert np.array_equal(
        views.SceneViews.track_from_bytes(stored.track_to_bytes()).spot, track.spot
    )
    assert words.max() < views.VOCABULARY and counts.max() <= 3
