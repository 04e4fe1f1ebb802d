"""Geometry never stops a run (issue 14): random pairs at every verifier and aligner.

Real footage brings what the fixtures do not: flat frames and colour bars whose
keypoints lie on one line or one spot, slivers of frames, portrait against
landscape, minutes of frames. Many pairs are thrown here at the ORB and SIFT
verifiers, the copy matcher's region path, the launch's co-occurrence and the
time aligners: no exception may escape, and what comes back is None or finite
numbers, with windows inside the frame. Deterministic: seeded generators and
scikit-image's bundled pictures only (no network, no downloads).
"""

from __future__ import annotations

import functools
import math

import cv2
import numpy as np
import pytest
from conftest import pan_frame
from skimage import data

from provenance import fingerprint as keypoints
from provenance import fingerprint as views_stage
from provenance.fingerprint import VARIANTS, Fingerprints, MediaFingerprint
from provenance.fingerprint import fingerprint_frames as first_pass
from provenance.fingerprint._hashing import THUMB, phash_thumbnails
from provenance.match import (
    PairGeometry,
    _copies,
    _regions,
    _timing,
    mapped_box,
    usable_homography,
    verify_orb,
    verify_sift,
)
from provenance.match import _views as views
from provenance.media import Frame


def fingerprint_frames(frames) -> Fingerprints:
    """One pass over the frames, the coarse event track kept (no second decode)."""
    return first_pass(frames).prints


def Geometry(matches, homography_inliers, fundamental_inliers, homography, spread):
    """A pair's geometry as a caller might build it (frames of 640x360)."""
    size = (640, 360)
    return PairGeometry(
        0.0,
        0.0,
        size,
        size,
        matches,
        homography_inliers,
        fundamental_inliers,
        homography,
        None,
        spread,
    )


PHOTOS = ("astronaut", "coffee", "camera", "chelsea", "rocket", "brick", "text")
RANDOM_PAIRS = 90


# --- pictures -------------------------------------------------------------------


def _grey(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image


def _picture(name: str) -> np.ndarray:
    if name.startswith("motorcycle_"):  # a stereo pair: another viewpoint, with parallax
        left, right, _disparity = data.stereo_motorcycle()
        return left if name.endswith("left") else right
    return getattr(data, name)()


@functools.cache
def _photo(name: str, width: int = 320) -> np.ndarray:
    grey = _grey(_picture(name))
    h, w = grey.shape
    size = (width, max(1, round(h * width / w)))
    return cv2.resize(grey, size, interpolation=cv2.INTER_AREA)


def _bars(width: int, height: int, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """Colour bars (their luma) with the castellations below: large flat areas, straight edges."""
    levels = np.array([180, 162, 131, 112, 84, 65, 35], np.float64)
    column = np.arange(width) * 7 // width
    image = np.repeat(levels[column][None, :], height, axis=0)
    image[int(height * 0.75) :] = np.array([16, 235, 16, 235, 16, 235, 16])[column]
    if noise:
        image += np.random.default_rng(seed).normal(0.0, noise, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def _crop(image: np.ndarray, share: float) -> np.ndarray:
    """The central ``share`` of the frame, scaled back to its size."""
    h, w = image.shape
    dy, dx = int(h * (1 - share) / 2), int(w * (1 - share) / 2)
    return cv2.resize(image[dy : h - dy, dx : w - dx], (w, h), interpolation=cv2.INTER_LINEAR)


def _inset(inner: np.ndarray, outer: np.ndarray, share: float) -> np.ndarray:
    """``inner`` scaled to ``share`` of ``outer``'s width, top right (picture in picture)."""
    canvas = outer.copy()
    h, w = canvas.shape
    small = cv2.resize(inner, (int(w * share), int(h * share)), interpolation=cv2.INTER_AREA)
    canvas[10 : 10 + small.shape[0], w - small.shape[1] - 10 : w - 10] = small
    return canvas


def _turned(image: np.ndarray, degrees: float) -> np.ndarray:
    h, w = image.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR)


def _strip(width: int, height: int) -> np.ndarray:
    """A frame of any shape cut from (a tiling of) a photograph."""
    tile = _photo("camera", 512)
    reps = (math.ceil(height / tile.shape[0]), math.ceil(width / tile.shape[1]))
    return np.ascontiguousarray(np.tile(tile, reps)[:height, :width])


@functools.cache
def _pool() -> dict[str, np.ndarray]:
    """Grey frames: photographs, their edits, and the frames real footage also brings."""
    rng = np.random.default_rng(14)
    pool = {name: _photo(name) for name in PHOTOS}
    a = pool["astronaut"]
    pool.update(
        {
            "astronaut_crop": _crop(a, 0.6),
            "astronaut_inset": _inset(a, pool["coffee"], 0.45),
            "astronaut_mirror": a[:, ::-1],
            "astronaut_rot90": np.rot90(a),
            "astronaut_rot180": np.rot90(a, 2),
            "astronaut_rot270": np.rot90(a, 3),
            "astronaut_turned_3": _turned(a, 3.0),
            "astronaut_turned_-10": _turned(a, -10.0),
            "chelsea_portrait": np.ascontiguousarray(_photo("chelsea", 480)[:, 150:300]),
            "motorcycle_left": _photo("motorcycle_left"),
            "motorcycle_right": _photo("motorcycle_right"),
            "grey": np.full((180, 320), 128, np.uint8),
            "black": np.zeros((180, 320), np.uint8),
            "white": np.full((180, 320), 255, np.uint8),
            "bars": _bars(320, 180),
            "bars_noisy": _bars(320, 180, noise=3.0, seed=1),
            "bars_portrait": np.rot90(_bars(320, 180, noise=1.0, seed=2)),
            "noise": rng.integers(0, 256, (180, 320), dtype=np.uint8),
            "w8_h640": _strip(8, 640),
            "w640_h8": _strip(640, 8),
            "w2_h2": _strip(2, 2),
            "w1_h1": np.full((1, 1), 77, np.uint8),
            "w640_h1": _strip(640, 1),  # OpenCV's ORB failed on it
            "w1_h640": _strip(1, 640),
            "w4000_h30": _strip(4000, 30),
            "w30_h4000": _strip(30, 4000),
            "w64_h48": _strip(64, 48),
        }
    )
    return {k: np.ascontiguousarray(v) for k, v in pool.items()}


@functools.cache
def _pairs() -> list[tuple[str, str]]:
    """Structured pairs (each frame against itself, its edits, the reported cases), then random."""
    names = sorted(_pool())
    edits = [n for n in names if n.startswith("astronaut_")]
    structured = [(n, n) for n in names]
    structured += [("astronaut", e) for e in edits] + [(e, "astronaut") for e in edits]
    structured += [
        ("motorcycle_left", "motorcycle_right"),
        ("chelsea_portrait", "bars"),
        ("bars", "chelsea_portrait"),
        ("bars_portrait", "bars_noisy"),
        ("bars", "bars_noisy"),
        ("grey", "bars"),
        ("w4000_h30", "w30_h4000"),
        ("w8_h640", "w640_h8"),
        ("w1_h1", "astronaut"),
    ]
    rng = np.random.default_rng(2024)
    randoms = [tuple(rng.choice(names, 2, replace=False)) for _ in range(RANDOM_PAIRS)]
    return structured + [(str(a), str(b)) for a, b in randoms]


@functools.cache
def _orb(name: str, mirrored: bool = False) -> keypoints.FrameFeatures:
    return keypoints.orb_features(_pool()[name], 0.0, mirrored=mirrored)


@functools.cache
def _sift(name: str) -> views_stage.ViewFeatures:
    return views_stage.sift_features(_pool()[name], 0.0)


# --- sanity of results ------------------------------------------------------------


def _finite(*values) -> bool:
    return all(np.isfinite(np.asarray(v, np.float64)).all() for v in values)


def _check_geometry(
    g: PairGeometry, a: keypoints.FrameFeatures, b: keypoints.FrameFeatures
) -> None:
    assert 0 <= g.homography_inliers <= max(g.matches, 0)
    assert 0 <= g.fundamental_inliers <= max(g.matches, 0)
    assert _finite(g.spread) and 0.0 <= g.spread <= 1.0 + 1e-6
    if g.homography is not None:
        assert g.homography.shape == (3, 3) and _finite(g.homography)
        assert usable_homography(g.homography, a.size, b.size)
        box = mapped_box(g.homography, a.size)
        assert box is not None and _finite(box) and box[0] <= box[2] and box[1] <= box[3]


def _check_window(window) -> None:
    assert len(window) == 4 and _finite(window)
    assert all(0.0 <= v <= 1.0 for v in window)


def _check_copy(m: _timing.CopyMatch) -> None:
    assert _finite(m.speed, m.weight, m.mean_distance, m.confidence)
    assert 0.0 <= m.confidence <= 1.0 and m.inliers >= 1 and 0 <= m.variant < 8
    if m.segment is not None:
        s = m.segment
        assert _finite(s.start_s, s.end_s, s.other_start_s, s.other_end_s)
        assert s.start_s <= s.end_s and s.other_start_s <= s.other_end_s
    if m.window is not None:
        _check_window(m.window)
        x0, y0, x1, y1 = m.window
        assert x0 < x1 and y0 < y1 and m.window_in in ("query", "other")


def _check_view(v: PairGeometry | None) -> None:
    if v is None:
        return
    assert 0 <= v.fundamental_inliers <= v.matches and 0 <= v.homography_inliers <= v.matches
    assert _finite(v.spread) and 0.0 <= v.spread <= 1.0 + 1e-6
    f = v.fundamental
    assert f is not None and f.shape == (3, 3) and _finite(f) and np.abs(f).max() > 0
    if v.homography is not None:
        assert usable_homography(v.homography, v.size_a, v.size_b)
    assert _finite(v.points_a, v.points_b) and len(v.points_a) == v.fundamental_inliers
    assert isinstance(v.parallax, bool)


def _check_event(e: views.EventMatch | None) -> None:
    if e is None:
        return
    assert _finite(e.onset_s, e.offset_s, e.error) and e.error >= 0
    assert views.MIN_CONSISTENT <= e.consistent <= e.checked


# --- homographies: the one test of usable geometry ------------------------------------


def _similarity(scale: float, degrees: float, tx: float, ty: float) -> np.ndarray:
    c, s = scale * math.cos(math.radians(degrees)), scale * math.sin(math.radians(degrees))
    return np.array([[c, -s, tx], [s, c, ty], [0.0, 0.0, 1.0]])


DEGENERATE = {
    "zero": np.zeros((3, 3)),
    "to_one_point": np.array([[0.0, 0.0, 5.0], [0.0, 0.0, 7.0], [0.0, 0.0, 1.0]]),
    "rank_one": np.outer([1.0, 2.0, 1.0], [0.3, -0.1, 4.0]),
    "onto_a_line": np.array([[1.0, 0.0, 0.0], [2.0, 0.0, 3.0], [0.0, 0.0, 1.0]]),
    "nan": np.full((3, 3), np.nan),
    "inf": np.array([[np.inf, 0, 0], [0, 1, 0], [0, 0, 1]], np.float64),
    "folds_through_infinity": np.array([[1.0, 0, 0], [0, 1, 0], [-0.01, 0, 1]]),
    "tiny": _similarity(1e-4, 0, 10, 10),
    "huge": _similarity(1e4, 0, 0, 0),
    "squashed_flat": np.diag([1000.0, 0.001, 1.0]),
    "not_3x3": np.eye(2),
}


def test_usable_homography_takes_copies_and_refuses_degenerate_maps():
    size, other = (640, 360), (640, 360)
    for h in (
        np.eye(3),
        _similarity(0.45, 0, 330, 20),  # an inset
        _similarity(1.67, 0, -210, -120),  # a crop, zoomed
        _similarity(1.0, 3.0, 5, -8),
        _similarity(1.0, 90.0, 360, 0),
        np.array([[-1.0, 0, 640], [0, 1, 0], [0, 0, 1]]),  # a mirror
        np.array([[1.0, 0.05, 0], [0.02, 0.9, 4], [2e-4, 1e-4, 1]]),  # some perspective
    ):
        assert usable_homography(h, size, other)
        assert usable_homography(h * 3.7, size, other)  # the same map
        assert mapped_box(h, size) is not None
    for name, h in DEGENERATE.items():
        assert not usable_homography(h, size, other), name
    assert not usable_homography(None, size)
    # w is positive on the frame by convention (OpenCV's fits have H[2, 2] = 1)
    assert not usable_homography(-np.eye(3), size)
    # frame shapes do not matter: a 90-degree turn between a sliver and its turned self
    turn = np.array([[0.0, -1.0, 8.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    assert usable_homography(turn, (640, 8), (8, 640))
    assert usable_homography(np.eye(3), (1, 1)) and usable_homography(np.eye(3), (4000, 30))


def test_mapped_box_is_none_or_a_finite_box_whatever_the_matrix():
    rng = np.random.default_rng(3)
    matrices = list(DEGENERATE.values())[:-1]
    matrices += [rng.normal(0, 10.0 ** rng.uniform(-6, 3), (3, 3)) for _ in range(300)]
    matrices += [np.eye(3) + rng.normal(0, 0.05, (3, 3)) * [1, 1, 100] for _ in range(100)]
    for h in matrices:
        for size in ((640, 360), (1, 1), (8, 640), (4000, 30)):
            box = mapped_box(h, size)
            assert box is None or (_finite(box) and box[0] <= box[2] and box[1] <= box[3])
            if usable_homography(h, size):
                assert box is not None


# --- ORB (copies) ----------------------------------------------------------------


def test_orb_features_take_any_frame():
    for name, luma in _pool().items():
        for mirrored in (False, True):
            f = _orb(name, mirrored)
            assert f.size == (luma.shape[1], luma.shape[0])
            assert len(f.points) == len(f.descriptors) and f.descriptors.shape[1:] == (32,)
            assert _finite(f.points)


def test_orb_verify_survives_any_pair_and_keeps_only_usable_homographies():
    related = 0
    for name_a, name_b in _pairs():
        for mirrored in (False, True):
            a, b = _orb(name_a, mirrored), _orb(name_b)
            g = verify_orb(a, b)
            _check_geometry(g, a, b)
            related += g.homography is not None
            if name_a == name_b and name_a in PHOTOS and not mirrored:
                # a picture against itself: the identity
                assert g.homography is not None
                w, h = a.size
                assert np.allclose(mapped_box(g.homography, a.size), (0, 0, w, h), atol=2.0)
            if (name_a, name_b) == ("astronaut_mirror", "astronaut") and mirrored:
                # the mirror's mirror is the picture: a map with a negative determinant
                assert g.homography is not None and np.linalg.det(g.homography[:2, :2]) < 0
    assert related > 20  # the pairs that are related did relate


def test_orb_verify_on_random_keypoints():
    rng = np.random.default_rng(5)
    for trial in range(150):
        size = (int(rng.integers(1, 700)), int(rng.integers(1, 700)))
        n = int(rng.integers(0, 60))
        points = (rng.random((n, 2)) * size).astype(np.float32)
        if trial % 3 == 0:  # all on one line, or one spot
            points[:, 1] = points[0, 1] if n else 0
        if trial % 5 == 0 and n:
            points[:] = points[0]
        descriptors = rng.integers(0, 256, (n, 32), dtype=np.uint8)
        a = keypoints.FrameFeatures(0.0, size, points, descriptors, bool(trial % 2))
        noise = rng.normal(0, 1.0, points.shape).astype(np.float32)
        b = keypoints.FrameFeatures(0.0, size, points * rng.uniform(0.2, 3) + noise, descriptors)
        _check_geometry(verify_orb(a, b), a, b)


# --- SIFT (other angles) ------------------------------------------------------------


def test_sift_verify_pair_and_relate_views_survive_any_pair():
    found = []
    for name_a, name_b in _pairs():
        v = verify_sift(_sift(name_a), _sift(name_b))
        _check_view(v)
        if v is not None:
            found.append(v)
    assert len(found) > 10
    stereo = verify_sift(_sift("motorcycle_left"), _sift("motorcycle_right"))
    assert stereo is not None and stereo.fundamental_inliers >= 20
    rng = np.random.default_rng(11)
    names = sorted(_pool())
    for _ in range(40):
        a = [_sift(str(n)) for n in rng.choice(names, int(rng.integers(0, 4)))]
        b = [_sift(str(n)) for n in rng.choice(names, int(rng.integers(0, 4)))]
        _check_view(views.relate_views(a, b))


def _random_track(rng: np.random.Generator, kind: str) -> views_stage.EventTrack:
    n = {"empty": 0, "one": 1, "two": 2}.get(kind, int(rng.integers(3, 120)))
    times = np.sort(rng.uniform(0, 12, n))
    if kind == "same_time":
        times[:] = 3.0
    if kind == "unsorted":
        rng.shuffle(times)
    gains = rng.uniform(0, 20, n)
    if n > 4:  # a launch: a sudden, lasting gain
        start = int(rng.integers(1, n - 2))
        gains[start:] = rng.uniform(60, 250, n - start)
    xy = rng.uniform(-50, 700, (n, 2))
    if kind == "nan" and n:
        xy[rng.integers(0, n, max(1, n // 3))] = np.nan
    spot = np.column_stack([xy, gains]).astype(np.float32)
    brightness = rng.uniform(0, 255, n).astype(np.float32)
    return views_stage.EventTrack(times.astype(np.float32), brightness, spot)


def _view(f, h, f_inliers: int, h_inliers: int, size=(640, 360)) -> PairGeometry:
    none = np.zeros((0, 2), np.float32)
    return PairGeometry(0.0, 0.0, size, size, 50, h_inliers, f_inliers, h, f, 0.3, none, none)


def _crafted_views() -> list[PairGeometry]:
    """Views with what verify_pair never gives, but a caller might: degenerate matrices."""
    sideways = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    homographies = [None] + [
        DEGENERATE[k] for k in ("to_one_point", "nan", "folds_through_infinity")
    ]
    crafted = [
        _view(f, h, f_inliers, h_inliers)
        for f in (np.zeros((3, 3)), np.full((3, 3), np.nan), sideways, None)
        for h in homographies
        for f_inliers, h_inliers in ((40, 10), (30, 30), (10, 0))
    ]
    return [*crafted, _view(sideways, np.eye(3), 20, 30, size=(0, 0))]


def test_co_occurrence_survives_random_tracks_and_degenerate_views():
    rng = np.random.default_rng(21)
    kinds = ("empty", "one", "two", "same_time", "unsorted", "nan", "launch", "launch", "launch")
    tracks = [_random_track(rng, k) for k in kinds for _ in range(2)]
    found = [
        verify_sift(_sift(a), _sift(b))
        for a, b in (("motorcycle_left", "motorcycle_right"), ("astronaut", "astronaut_crop"))
    ]
    candidates = [v for v in found if v is not None] + _crafted_views()
    for v in candidates:
        for _ in range(4):
            a, b = (tracks[i] for i in rng.integers(0, len(tracks), 2))
            _check_event(views.co_occurrence(a, b, v))
        for _ in range(20):
            pa, pb = rng.uniform(-1000, 1000, 2), rng.uniform(-1000, 1000, 2)
            error = views._transfer_error(v, pa, pb)
            assert not math.isnan(error) and error >= 0
            if v.fundamental is not None:
                error = views._epipolar_error(v.fundamental, pa, pb)
                assert not math.isnan(error) and error >= 0
    # a zero fundamental matrix puts no point on every line
    assert views._epipolar_error(np.zeros((3, 3)), np.array([1.0, 2.0]), np.array([3.0, 4.0])) > 1e6


# --- the copy matcher: frame streams, the region path ----------------------------------


def _stream(make, times) -> list[Frame]:
    return [Frame(float(t), np.ascontiguousarray(make(float(t)))) for t in times]


def _pan(picture: str = "astronaut"):
    return lambda t: _grey(pan_frame(t, picture=picture))


def _seconds(start: float, end: float) -> np.ndarray:
    return np.arange(start, end, 0.5)  # a frame kept every 0.5 s, as frames.py does


@functools.cache
def _prints() -> dict[str, Fingerprints]:
    rng = np.random.default_rng(8)
    pan, coffee = _pan(), _pan("coffee")
    streams = {
        "pan": _stream(pan, _seconds(0, 10)),
        "pan_crop": _stream(lambda t: _crop(pan(t), 0.6), _seconds(2, 8)),
        "pan_inset": _stream(lambda t: _inset(pan(t), coffee(t), 0.45), _seconds(2, 8)),
        "pan_mirror": _stream(lambda t: pan(t)[:, ::-1], _seconds(2, 8)),
        "pan_portrait": _stream(lambda t: np.rot90(pan(t)), _seconds(2, 8)),
        "pan_turned": _stream(lambda t: _turned(pan(t), 4.0), _seconds(2, 8)),
        "long": _stream(_pan("chelsea"), _seconds(0, 160)),  # 320 frames
        "long_crop": _stream(lambda t: _crop(_pan("chelsea")(t), 0.7), _seconds(20, 150)),
        "grey": _stream(lambda t: np.full((180, 320), 128, np.uint8), _seconds(0, 4)),
        "black": _stream(lambda t: np.zeros((180, 320), np.uint8), _seconds(0, 3)),
        "bars": _stream(lambda t: _bars(320, 180, 2.0, int(t * 2)), _seconds(0, 6)),
        "bars_portrait": _stream(
            lambda t: np.rot90(_bars(320, 180, 1.0, int(t * 2) + 99)), _seconds(0, 6)
        ),
        "noise": _stream(lambda t: rng.integers(0, 256, (180, 320), np.uint8), _seconds(0, 4)),
        "w8_h640": _stream(lambda t: np.roll(_strip(8, 640), int(t * 4), 0), _seconds(0, 3)),
        "w640_h8": _stream(lambda t: np.roll(_strip(640, 8), int(t * 4), 1), _seconds(0, 3)),
        "w2_h2": _stream(lambda t: _strip(2, 2), _seconds(0, 3)),
        "w1_h1": _stream(lambda t: np.full((1, 1), int(t * 40), np.uint8), _seconds(0, 3)),
        "w1_h640": _stream(lambda t: np.roll(_strip(1, 640), int(t * 7), 0), _seconds(0, 3)),
        "w4000_h30": _stream(lambda t: np.roll(_strip(4000, 30), int(t * 9), 1), _seconds(0, 3)),
        "still": _stream(lambda t: pan(3.0), [0.0]),
        "empty": [],
    }
    return {name: fingerprint_frames(frames) for name, frames in streams.items()}


@functools.cache
def _table() -> tuple[list[str], _copies.FrameTable]:
    names = sorted(_prints())
    return names, _copies.FrameTable([_prints()[n] for n in names])


def test_copy_matcher_survives_any_pair_of_streams():
    names, table = _table()
    windows = 0
    for i, name in enumerate(names):
        for m in _copies.match_fingerprint(_prints()[name], table, exclude=frozenset([i])):
            _check_copy(m)
            windows += m.window is not None
    assert windows  # the region path ran to the end (crops, insets)
    # the crop of the long clip: its window hashed over hundreds of frames
    (found,) = [
        m
        for m in _copies.match_fingerprint(_prints()["long_crop"], table)
        if names[m.other] == "long"
    ]
    assert found.window is not None and found.window_in == "other"


@pytest.mark.parametrize(
    ("edit", "variant"),
    [
        (lambda f: f[::-1, ::-1], "rot180"),  # turned upside down
        (lambda f: f[::-1], "rot180_hflip"),  # flipped top to bottom: the query so flipped
        (lambda f: f[:, ::-1], "hflip"),
        (np.rot90, "rot270"),  # a quarter turn: the query turned back
    ],
)
def test_a_crop_of_a_turned_copy_is_found_turned(edit, variant: str):
    """The region path finds a crop whatever the copy's turn or flip, and says which (it
    hashed the window unturned, and mirrored for any flip, so it found only crops as shown
    or mirrored left to right)."""
    pan = _pan("chelsea")
    crop = fingerprint_frames(_stream(lambda t: edit(_crop(pan(t), 0.7)), _seconds(20, 60)))
    found = _regions.match_region(crop, _prints()["long"], 0, 160.0)
    assert found is not None and found.window_in == "other"
    assert VARIANTS[found.variant] == variant
    _check_copy(found)


def test_region_path_survives_any_pair_of_streams():
    names, table = _table()
    rng = np.random.default_rng(9)
    pairs = [
        (names.index(a), names.index(b))
        for a in ("bars", "bars_portrait", "pan_portrait")
        for b in ("bars", "bars_portrait", "pan_portrait", "pan", "grey")
    ]
    pairs += [tuple(int(x) for x in rng.choice(len(names), 2, replace=False)) for _ in range(60)]
    for q, o in pairs:
        theirs = table.full(o)
        assert theirs is not None
        found = _regions.match_region(_prints()[names[q]], theirs, o, float(table.durations[o]))
        if found is not None:
            _check_copy(found)


def _homographies(rng: np.random.Generator, size, other_size) -> list[np.ndarray]:
    (w, h), (ow, oh) = size, other_size
    fit = min(ow / w, oh / h)
    good = [
        np.diag([ow / w, oh / h, 1.0]),  # the whole frame onto the whole frame
        _similarity(0.45 * fit, 0, ow * 0.5, oh * 0.1),  # an inset
        _similarity(1.6 * fit, 0, -ow * 0.3, -oh * 0.3),  # a crop
        np.array([[-ow / w, 0, ow], [0, oh / h, 0], [0, 0, 1]]),  # mirrored
    ]
    wild = [rng.normal(0, 10.0 ** rng.uniform(-4, 2), (3, 3)) for _ in range(6)]
    return good + wild + [h for k, h in DEGENERATE.items() if k != "not_3x3"]


def test_align_window_survives_any_homography():
    names, table = _table()
    rng = np.random.default_rng(12)
    chosen = ("pan", "pan_crop", "pan_inset", "bars", "bars_portrait", "grey", "long", "still")
    for q_name in chosen:
        for o_name in chosen:
            query, other = _prints()[q_name], _prints()[o_name]
            if not query.keyframes or not other.keyframes:
                continue
            mine, frame = query.keyframes[0], other.keyframes[0]
            for h in _homographies(rng, mine.size, frame.size):
                inliers = int(rng.integers(0, 300))
                geometry = Geometry(inliers + 10, inliers, inliers, h, float(rng.random()))
                found = _regions._align_window(
                    query,
                    other,
                    names.index(o_name),
                    float(table.durations[names.index(o_name)]),
                    geometry,
                    mine,
                    frame.size,
                )
                if found is not None:
                    _check_copy(found)
                    assert found.window is not None


def test_a_singular_homography_is_no_relation():
    """The crash of issue 14: ``numpy.linalg.LinAlgError: Singular matrix`` in _align_window.

    A robust fit to keypoints on near-uniform frames (colour bars) may send the
    whole frame to one spot; that is no relation, and it is never inverted.
    """
    names, table = _table()
    query, other = _prints()["pan_crop"], _prints()["pan"]
    mine, frame = query.keyframes[0], other.keyframes[0]
    for name in ("to_one_point", "onto_a_line", "zero", "nan", "folds_through_infinity"):
        geometry = Geometry(300, 300, 300, DEGENERATE[name], 0.5)
        other_pos = names.index("pan")
        found = _regions._align_window(
            query, other, other_pos, float(table.durations[other_pos]), geometry, mine, frame.size
        )
        assert found is None, name


def test_refine_window_and_window_hashes_take_any_box():
    prints = _prints()
    rng = np.random.default_rng(13)
    boxes = [
        (0.0, 0.0, 1.0, 1.0),
        (0.5, 0.5, 0.5, 0.5),  # no area
        (0.9, 0.1, 0.1, 0.9),  # inverted
        (1.0, 1.0, 1.0, 1.0),
        (0.99, 0.0, 1.0, 0.01),
        (-3.0, -1.0, 7.0, 2.0),
        (np.nan, 0.2, 0.8, np.inf),
    ]
    boxes += [tuple(rng.uniform(-0.2, 1.2, 4)) for _ in range(20)]
    couples = (("pan", "pan_crop"), ("bars", "pan"), ("w1_h1", "noise"), ("long", "grey"))
    for outer, inner in couples:
        fp, other = prints[outer].frames, prints[inner].frames
        for box in boxes:
            for variant in range(8):
                hashes = _regions._window_hashes(fp, box, variant)
                assert hashes.dtype == np.uint64 and len(hashes) == len(fp)
                _check_window(_regions._refine_window(fp, box, variant, other))
    empty = prints["empty"].frames
    assert len(_regions._window_hashes(empty, (0, 0, 1, 1), 0)) == 0


# --- window hashes: no channel limit, the same hashes ------------------------------------


def _thumbs(n: int, seed: int) -> MediaFingerprint:
    rng = np.random.default_rng(seed)
    base = cv2.resize(_photo("coffee"), (64, 36), interpolation=cv2.INTER_AREA).astype(np.int16)
    thumbs = np.clip(base[None] + rng.integers(-40, 40, (n, 36, 64)), 0, 255).astype(np.uint8)
    return MediaFingerprint(
        time_s=np.arange(n, dtype=np.float32) / 2,
        hashes=np.zeros((n, 8), np.uint64),
        detail=np.full(n, 10.0, np.float32),
        portrait=np.zeros(n, bool),
        thumbs=thumbs,
    )


def _reference_hashes(fp: MediaFingerprint, box, variant: int, *, frames_as_channels=False):
    """Window hashes as defined: the window's pixels, tone-normalised, resized alone
    (``cv2.resize`` INTER_LINEAR on float32), turned and flipped, pHash.
    ``frames_as_channels``: as the code did before (all frames in one call), which OpenCV 5
    refuses beyond 128 frames."""
    th, tw = fp.thumbs.shape[1:]
    x0, y0, x1, y1 = box
    c0 = int(np.floor(x0 * tw))
    r0 = int(np.floor(y0 * th))
    c1, r1 = max(int(np.ceil(x1 * tw)), c0 + 2), max(int(np.ceil(y1 * th)), r0 + 2)
    windows = _regions._tone_normalised(fp.thumbs[:, r0:r1, c0:c1])
    assert windows.dtype == np.float32
    if frames_as_channels:
        stacked = np.ascontiguousarray(windows.transpose(1, 2, 0))
        resized = cv2.resize(stacked, (THUMB, THUMB), interpolation=cv2.INTER_LINEAR)
        resized = resized.reshape(THUMB, THUMB, -1).transpose(2, 0, 1)
    else:
        resized = np.stack(
            [cv2.resize(w, (THUMB, THUMB), interpolation=cv2.INTER_LINEAR) for w in windows]
        )
    resized = resized.astype(np.float64)
    turns, flip = divmod(variant, 2)  # VARIANTS: each quarter turn, then mirrored
    resized = np.rot90(resized, turns, axes=(1, 2))
    return phash_thumbnails(resized[:, :, ::-1] if flip else resized)


BOXES = [(0, 0, 1, 1), (0.1, 0.05, 0.62, 0.9), (0.35, 0.2, 0.98, 0.71), (0.0, 0.5, 0.4, 1.0)]


@pytest.mark.parametrize("n", [1, 2, 5, 64, 128])
def test_window_hashes_are_those_of_each_frame_resized_alone(n: int):
    fp = _thumbs(n, seed=n)
    for box in [*BOXES, (0.9, 0.0, 1.0, 0.2), (0.5, 0.9, 0.53, 1.0)]:
        for variant in range(8):
            expected = _reference_hashes(fp, box, variant)
            assert np.array_equal(_regions._window_hashes(fp, box, variant), expected)
    # windows the size of a crop or an inset: also the very hashes of the former
    # frames-as-channels call (tiny slivers could differ in ties: that call's result for
    # a frame depended on how many frames shared it)
    for box in BOXES:
        before = _reference_hashes(fp, box, 0, frames_as_channels=True)
        assert np.array_equal(_regions._window_hashes(fp, box, 0), before)


@pytest.mark.parametrize("n", [129, 300, 1000])
def test_window_hashes_take_hundreds_of_frames(n: int):
    """More than 128 sampled frames (over ~64 s): OpenCV 5 refused them as channels."""
    fp = _thumbs(n, seed=n)
    for box in BOXES[:2]:
        hashes = _regions._window_hashes(fp, box, 0)
        assert len(hashes) == n and np.array_equal(hashes, _reference_hashes(fp, box, 0))
        # a frame's hash does not depend on the frames hashed with it
        some = np.array([0, 7, n // 2, n - 1])
        assert np.array_equal(_regions._window_hashes(fp, box, 0, some), hashes[some])


# --- the time aligners -----------------------------------------------------------------


def _align_inputs(rng: np.random.Generator, kind: str):
    n = {"empty": 0, "one": 1, "two": 2}.get(kind, int(rng.integers(3, 300)))
    tq = rng.uniform(0, 600, n)
    speed = float(rng.uniform(0.5, 2.0))
    tr = rng.uniform(0, 600, n) if kind == "random" else rng.uniform(-5, 30) + speed * tq
    tr = tr + rng.normal(0, 0.2, n)
    if kind == "same_time":
        tq[:] = 4.0
        tr[:] = 9.0
    if kind == "broken_time" and n:
        tq[rng.integers(0, n, max(1, n // 4))] = np.nan
        tr[rng.integers(0, n, 1)] = np.inf
    weights = rng.uniform(0.01, 1.0, n)
    dist = rng.integers(0, _timing.RADIUS_BITS + 1, n).astype(np.float64)
    variant = rng.integers(0, 8, n)
    return tq, tr, weights, dist, variant


def test_time_alignment_survives_random_matches():
    rng = np.random.default_rng(31)
    kinds = ("empty", "one", "two", "same_time", "random", "copy", "copy", "broken_time")
    found_any = 0
    for trial in range(240):
        tq, tr, weights, dist, variant = _align_inputs(rng, kinds[trial % len(kinds)])
        query_still, other_still = bool(trial % 5 == 0), bool(trial % 7 == 0)
        duration = float(rng.choice([0.0, 1.0, 600.0]))
        found = _timing.align(
            tq,
            tr,
            weights,
            dist,
            variant,
            other=3,
            other_duration=duration,
            query_still=query_still,
            other_still=other_still,
        )
        if found is None:
            continue
        match, on = found
        _check_copy(match)
        found_any += 1
        assert len(on) and on.min() >= 0 and on.max() < len(tq)
        if not (query_still or other_still):
            assert match.inliers >= _timing.MIN_INLIERS
            assert _timing.SPEEDS[0] <= match.speed <= _timing.SPEEDS[-1]
            assert 0.0 <= match.segment.other_start_s <= match.segment.other_end_s <= duration
    assert found_any > 20  # copies among the random matches were found


def test_time_alignment_of_timestamps_hours_apart_holds_no_grid_of_them():
    """One frame stamped 1e7 s (a broken timestamp) used to make a 61 x 20-million vote
    grid (5.5 GiB, MemoryError); the votes are held only where they fall. The copy is the
    stretch of the four frames in order: the frame hours away is no part of it."""
    times = np.array([0.0, 1.0, 2.0, 3.0, 1e7])
    found = _timing.align(
        times,
        times + 5,
        np.ones(5),
        np.zeros(5),
        np.zeros(5, np.int64),
        other=0,
        other_duration=1e7,
        query_still=False,
        other_still=False,
    )
    assert found is not None and found[0].speed == 1.0 and found[0].inliers == 4
    assert (found[0].segment.start_s, found[0].segment.end_s) == (0.0, 3.0)


def _media(rng: np.random.Generator, n: int, kind: str) -> tuple[MediaFingerprint, np.ndarray]:
    times = np.sort(rng.uniform(0, 120, n)).astype(np.float32)
    if kind == "same_time":
        times[:] = 2.0
    if kind == "still":
        times = np.zeros(min(n, 1), np.float32)
    m = len(times)
    fp = MediaFingerprint(
        time_s=times,
        hashes=np.zeros((m, 8), np.uint64),
        detail=rng.uniform(0, 10, m).astype(np.float32),
        portrait=np.zeros(m, bool),
    )
    return fp, rng.integers(0, 2**63, m, dtype=np.uint64)


def test_hash_list_alignment_survives_random_lists():
    rng = np.random.default_rng(41)
    kinds = ("random", "same_time", "still", "random")
    found_any = 0
    for trial in range(120):
        q, q_hashes = _media(rng, int(rng.integers(0, 80)), kinds[trial % 4])
        o, o_hashes = _media(rng, int(rng.integers(0, 80)), kinds[(trial // 4) % 4])
        if len(q) and len(o) and trial % 2:  # shared content: the query is a stretch of the other
            take = rng.integers(0, len(o), len(q))
            flip = rng.integers(0, 64, len(q)).astype(np.uint64)
            q_hashes = o_hashes[take] ^ (np.uint64(1) << flip)
            if trial % 4 == 1:
                q.time_s[:] = np.sort(o.time_s[take] * rng.uniform(0.8, 1.2))
        found = _regions._align_hash_lists(q, q_hashes, o, o_hashes, 2, float(rng.uniform(0, 120)))
        if found is not None:
            _check_copy(found)
            found_any += 1
    assert found_any  # shared content was found
