"""Windows with footage of their own (an inset, a split screen's halves): found and hashed."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from conftest import pan_frame

from provenance.fingerprint import codecs
from provenance.fingerprint._frames import Fingerprints, MediaFingerprint
from provenance.fingerprint._hashing import dihedral_hashes, hamming, thumbnail
from provenance.fingerprint._orb import orb_bag
from provenance.fingerprint._windows import (
    DETECT_FRAMES,
    MIN_DETECT_FRAMES,
    WindowFinder,
    window_hashes,
)
from provenance.match._copies import WINDOW_RADIUS_BITS

W, H = 640, 360  # the analysis resolution frames reach the finder at
STEP_S = 0.5  # frames are sampled twice a second
INSET = (0.55, 0.05, 0.95, 0.45)  # top right, 40 % of the width and height
TOLERANCE = 0.02  # of the frame: a few pixels of the finder's 320x180 grid


def grey(rgb: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))


def pixels(box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = box
    return int(x0 * W), int(y0 * H), int(x1 * W), int(y1 * H)


def backdrop() -> np.ndarray:
    """A still studio picture (detailed, with edges of its own)."""
    return grey(pan_frame(0.0, picture="coffee", size=(W, H)))


def clip(t: float, size: tuple[int, int] = (W, H)) -> np.ndarray:
    """The inset's footage at time ``t``, shown at ``size``."""
    return grey(pan_frame(t, size=size))


def inset_frame(t: float, *, border: int = 2, letterbox: bool = False) -> np.ndarray:
    """The clip in :data:`INSET` over the still backdrop, framed by a white line if ``border``."""
    frame = backdrop()
    c0, r0, c1, r1 = pixels(INSET)
    if letterbox:  # a 16:9 rectangle showing a wider clip, black bars above and below
        frame[r0:r1, c0:c1] = 0
        shown = (r1 - r0) * 3 // 4
        top = r0 + (r1 - r0 - shown) // 2
        frame[top : top + shown, c0:c1] = clip(t, (c1 - c0, shown))
    else:
        frame[r0:r1, c0:c1] = clip(t, (c1 - c0, r1 - r0))
    if border:
        frame[r0 - border : r0, c0 - border : c1 + border] = 255
        frame[r1 : r1 + border, c0 - border : c1 + border] = 255
        frame[r0:r1, c0 - border : c0] = 255
        frame[r0:r1, c1 : c1 + border] = 255
    return frame


def split_frame(t: float) -> np.ndarray:
    """Two unrelated clips side by side."""
    left = clip(t, (W // 2, H))
    right = grey(pan_frame(t + 7.0, picture="coffee", size=(W // 2, H)))
    return np.hstack([left, right])


def fill(finder: WindowFinder, make, count: int = DETECT_FRAMES) -> WindowFinder:
    for k in range(count):
        finder.offer(make(k * STEP_S))
    return finder


def boxes_of(make, count: int = DETECT_FRAMES) -> list[tuple[float, float, float, float]]:
    return [w.box for w in fill(WindowFinder(), make, count).windows()]


def full_hashes(luma: np.ndarray) -> np.ndarray:
    """(8,) the hashes a frame gets shown alone, full frame."""
    return dihedral_hashes(thumbnail(luma)[None])[0]


def contains(outer, inner, slack: float = TOLERANCE) -> bool:
    return (
        outer[0] <= inner[0] + slack
        and outer[1] <= inner[1] + slack
        and outer[2] >= inner[2] - slack
        and outer[3] >= inner[3] - slack
    )


@pytest.fixture(scope="module")
def inset_box() -> tuple[float, float, float, float]:
    return boxes_of(inset_frame)[0]


@pytest.mark.parametrize("border", [2, 0], ids=["framed", "borderless"])
def test_an_inset_on_a_still_picture_is_found_first(border: int) -> None:
    """The inset's rectangle is the best window; any other one found holds the inset too."""
    boxes = boxes_of(lambda t: inset_frame(t, border=border))
    assert boxes, "no window found"
    assert boxes[0] == pytest.approx(INSET, abs=TOLERANCE)
    assert all(contains(box, INSET) for box in boxes), boxes


def test_a_framed_inset_of_a_still_camera_is_found() -> None:
    """A still camera's footage moves in part of the picture only (people crossing a yard):
    an inset whose picture moves in just over half its pixels is still a window."""
    still = clip(0.0)

    def half_moving(t: float) -> np.ndarray:
        frame = inset_frame(t)
        c0, r0, c1, r1 = pixels(INSET)
        cut = c0 + int((c1 - c0) * 0.55)  # the right 45 % of the inset stands still
        frame[r0:r1, cut:c1] = cv2.resize(still, (c1 - c0, r1 - r0))[:, cut - c0 :]
        return frame

    boxes = boxes_of(half_moving)
    assert any(box == pytest.approx(INSET, abs=TOLERANCE) for box in boxes), boxes


def test_a_plain_full_frame_video_has_no_window() -> None:
    """A pan over one picture: it moves everywhere, with no persistent edges, so no window."""
    assert boxes_of(lambda t: clip(t)) == []


def test_a_still_video_has_no_window() -> None:
    """Nothing moves: no rectangle holds footage."""
    assert boxes_of(lambda t: backdrop()) == []


def test_a_still_panel_over_footage_is_no_window() -> None:
    """A framed logo card that never changes is bounded by edges but holds no footage."""

    def with_card(t: float) -> np.ndarray:
        frame = clip(t)
        c0, r0, c1, r1 = pixels(INSET)
        frame[r0:r1, c0:c1] = backdrop()[r0:r1, c0:c1]
        frame[r0 - 2 : r0, c0 - 2 : c1 + 2] = frame[r1 : r1 + 2, c0 - 2 : c1 + 2] = 255
        frame[r0:r1, c0 - 2 : c0] = frame[r0:r1, c1 : c1 + 2] = 255
        return frame

    assert boxes_of(with_card) == []


def test_a_split_screen_gives_its_two_halves() -> None:
    boxes = sorted(boxes_of(split_frame))
    assert len(boxes) == 2, boxes
    assert boxes[0] == pytest.approx((0.0, 0.0, 0.5, 1.0), abs=TOLERANCE)
    assert boxes[1] == pytest.approx((0.5, 0.0, 1.0, 1.0), abs=TOLERANCE)


def test_too_few_frames_find_nothing() -> None:
    """Fewer than MIN_DETECT_FRAMES frames (a flash of a clip) give no layout; that many do."""
    finder = fill(WindowFinder(), inset_frame, MIN_DETECT_FRAMES - 1)
    assert not finder.ready and finder.windows() == []
    finder.offer(inset_frame((MIN_DETECT_FRAMES - 1) * STEP_S))
    assert not finder.ready
    assert finder.windows()[0].box == pytest.approx(INSET, abs=TOLERANCE)


def test_the_layout_is_found_on_the_first_frames_only() -> None:
    """Ready after DETECT_FRAMES frames; later frames (the inset gone) change nothing."""
    finder = fill(WindowFinder(), inset_frame, DETECT_FRAMES - 1)
    assert not finder.ready
    finder.offer(inset_frame(DETECT_FRAMES * STEP_S))
    assert finder.ready
    before = finder.windows()
    fill(finder, lambda t: clip(t + 100.0))  # full-frame footage from now on
    assert finder.ready and finder.windows() == before
    assert before[0].box == pytest.approx(INSET, abs=TOLERANCE)


@pytest.mark.parametrize("letterbox", [False, True], ids=["full", "letterboxed"])
def test_a_windows_hash_is_its_clips_hash_alone(letterbox: bool) -> None:
    """Given the inset's exact box, the window's hashes (as shown, mirrored) are the clip's
    own full-frame ones, its own black bars cut; the whole frame's hash is far from them
    (why windows are hashed at all)."""
    for t in (3.0, 7.5, 12.0, 25.0):
        frame = inset_frame(t, border=0, letterbox=letterbox)
        hashes = window_hashes(frame, [INSET])
        alone = full_hashes(clip(t))
        assert hashes.shape == (1, 2) and hashes.dtype == np.uint64
        assert hamming(hashes[0, 0], alone[0]) <= 4  # as shown
        assert hamming(hashes[0, 1], alone[1]) <= 4  # mirrored (hashing.VARIANTS[1], hflip)
        assert hamming(full_hashes(frame)[0], alone[0]) >= 20
        assert hamming(hashes[0, 0], full_hashes(clip(t + 5.0))[0]) >= 20  # another moment


def test_the_found_insets_hashes_match_its_clip(inset_box) -> None:
    """Hashed in the box the finder gave, the inset matches its clip within the matcher's
    window radius nearly always (the box may be a grid cell, 2 px, off)."""
    distances = []
    for t in np.arange(0.0, 30.0, 1.5):
        hashes = window_hashes(inset_frame(t), [inset_box])
        alone = full_hashes(clip(t))
        distances += [int(hamming(hashes[0, 0], alone[0])), int(hamming(hashes[0, 1], alone[1]))]
    assert np.median(distances) <= 8, distances
    assert np.mean(np.array(distances) <= WINDOW_RADIUS_BITS) >= 0.9, distances


def test_a_found_letterboxed_inset_hashes_as_its_clip() -> None:
    """A letterboxed inset's bars are cut with the box the finder gives too, though that box
    is a grid cell outside the inset: the window is hashed one cell inside it."""
    boxes = boxes_of(lambda t: inset_frame(t, border=0, letterbox=True))
    assert boxes[0] == pytest.approx(INSET, abs=TOLERANCE)  # found, within a few percent
    for t in (3.0, 7.5, 12.0):
        hashes = window_hashes(inset_frame(t, border=0, letterbox=True), [boxes[0]])
        # 14-26 bits before windows were hashed a cell inside their box
        assert hamming(hashes[0, 0], full_hashes(clip(t))[0]) <= 4


def test_a_split_screens_halves_hash_as_their_clips() -> None:
    boxes = sorted(boxes_of(split_frame))
    frame = split_frame(9.0)
    hashes = window_hashes(frame, boxes)
    assert hashes.shape == (2, 2)
    assert hamming(hashes[0, 0], full_hashes(frame[:, : W // 2])[0]) <= 4
    assert hamming(hashes[1, 0], full_hashes(frame[:, W // 2 :])[0]) <= 4
    assert hamming(hashes[0, 0], hashes[1, 0]) >= 20


def test_no_boxes_give_an_empty_hash_table() -> None:
    hashes = window_hashes(inset_frame(1.0), [])
    assert hashes.shape == (0, 2) and hashes.dtype == np.uint64


def _prints(windows: np.ndarray, in_windows: np.ndarray) -> Fingerprints:
    n = len(in_windows)
    table = MediaFingerprint(
        time_s=np.arange(n, dtype=np.float32) / 2,
        hashes=np.zeros((n, 8), np.uint64),
        detail=np.ones(n, np.float32),
        portrait=np.zeros(n, bool),
        thumbs=np.zeros((n, 36, 64), np.uint8),
        windows=windows,
        window_hashes=in_windows,
    )
    return Fingerprints(table, [], orb_bag([]))


def test_windows_survive_storage() -> None:
    """windows-v1: boxes and per-frame hashes (all 64 bits) come back equal, light or full."""
    rng = np.random.default_rng(3)
    boxes = np.array([[0.55, 0.05, 0.95, 0.45], [0.0, 0.0, 0.5, 1.0]], np.float32)
    in_windows = rng.integers(0, 2**64, (3, 2, 2), dtype=np.uint64, endpoint=False)
    in_windows[0, 0, 0] = np.uint64(2**64 - 1)  # the top bit survives
    stored = codecs.encode(_prints(boxes, in_windows))
    assert codecs.WINDOWS in stored
    light = {kind: stored[kind] for kind in (codecs.FRAMES, codecs.WINDOWS)}
    for form in (stored, light):
        back = codecs.decode(form)
        assert back is not None
        assert back.frames.windows.dtype == np.float32
        assert back.frames.window_hashes.dtype == np.uint64
        np.testing.assert_array_equal(back.frames.windows, boxes)
        np.testing.assert_array_equal(back.frames.window_hashes, in_windows)


def test_no_windows_survive_storage_too() -> None:
    """An item without windows, and one archived before windows-v1, come back with none."""
    stored = codecs.encode(_prints(np.zeros((0, 4), np.float32), np.zeros((4, 0, 2), np.uint64)))
    back = codecs.decode(stored)
    assert back is not None
    assert back.frames.windows.shape == (0, 4) and back.frames.window_hashes.shape == (4, 0, 2)
    legacy = codecs.decode({k: v for k, v in stored.items() if k != codecs.WINDOWS})
    assert legacy is not None
    assert legacy.frames.windows.shape == (0, 4) and legacy.frames.window_hashes.shape == (4, 0, 2)


# -- the fixed tiles of split screens, hashed in every frame -------------------------------


@pytest.mark.parametrize("side", [0, 1])
def test_a_split_screen_tile_hashes_as_its_clip_alone(side: int) -> None:
    """Two clips side by side with no seam to find, each fitted (bars) into its half."""
    from provenance.fingerprint._windows import NO_TILE, SPLIT_TILES, tile_hashes

    half = W // 2
    frame = np.zeros((H, W), np.uint8)
    shown = half * 9 // 16  # a 16:9 clip fitted into the half: bars above and below
    top = (H - shown) // 2
    frame[top : top + shown, :half] = clip(1.0, (half, shown))
    frame[top : top + shown, half:] = grey(pan_frame(2.0, picture="coffee", size=(half, shown)))
    tiles = tile_hashes(frame, 3.0)
    assert tiles.shape == (len(SPLIT_TILES),)
    alone = clip(1.0) if side == 0 else grey(pan_frame(2.0, picture="coffee", size=(W, H)))
    own = dihedral_hashes(thumbnail(alone)[None])[0, 0]
    tile = SPLIT_TILES.index((0.0, 0.0, 0.5, 1.0) if side == 0 else (0.5, 0.0, 1.0, 1.0))
    assert hamming(tiles[tile], own) <= WINDOW_RADIUS_BITS
    others = [t for t in range(len(SPLIT_TILES)) if t != tile and tiles[t] != NO_TILE]
    assert all(hamming(tiles[t], own) > WINDOW_RADIUS_BITS for t in others)


def test_a_flat_tile_is_no_evidence() -> None:
    from provenance.fingerprint._windows import NO_TILE, SPLIT_TILES, tile_hashes

    frame = np.full((H, W), 90, np.uint8)
    frame[:, : W // 2] = clip(1.0, (W // 2, H))  # only the left half has a picture
    tiles = tile_hashes(frame, 3.0)
    assert tiles[SPLIT_TILES.index((0.5, 0.0, 1.0, 1.0))] == NO_TILE
    assert tiles[SPLIT_TILES.index((0.0, 0.0, 0.5, 1.0))] != NO_TILE


@pytest.mark.parametrize(
    ("field", "kind", "boxes"),
    [("tile_hashes", "TILES", "SPLIT_TILES"), ("fill_hashes", "FILLS", "FILL_CROPS")],
)
def test_fixed_box_hashes_survive_storage_and_older_items_have_none(
    field: str, kind: str, boxes: str
) -> None:
    from dataclasses import replace

    from provenance.fingerprint import _windows

    prints = _prints(np.zeros((0, 4), np.float32), np.zeros((3, 0, 2), np.uint64))
    n = len(getattr(_windows, boxes))
    hashes = np.random.default_rng(4).integers(0, 2**63, (3, n), dtype=np.uint64)
    hashes[1, 2] = np.uint64(2**64 - 1)
    stored = codecs.encode(replace(prints, frames=replace(prints.frames, **{field: hashes})))
    back = codecs.decode(stored)
    assert back is not None and getattr(back.frames, field).dtype == np.uint64
    np.testing.assert_array_equal(getattr(back.frames, field), hashes)
    legacy = codecs.decode({k: v for k, v in stored.items() if k != getattr(codecs, kind)})
    assert legacy is not None and getattr(legacy.frames, field).shape == (3, 0)


def test_a_tile_filled_with_a_clip_hashes_as_the_clips_middle() -> None:
    """Half a frame filled with the middle half of a clip's width: the archive's crop of the
    clip keeping that share of its width is within a window's radius, the others are not."""
    from provenance.fingerprint._windows import FILL_CROPS, NO_TILE, fixed_box_hashes, tile_hashes

    source = clip(1.0)
    keep = int(W * 0.56)
    middle = source[:, (W - keep) // 2 : (W - keep) // 2 + keep]
    frame = np.zeros((H, W), np.uint8)
    frame[:, : W // 2] = cv2.resize(middle, (W // 2, H), interpolation=cv2.INTER_AREA)
    frame[:, W // 2 :] = grey(pan_frame(2.0, picture="coffee", size=(W // 2, H)))
    tile = tile_hashes(frame, 3.0)[0]  # the left half
    crops = fixed_box_hashes(source, 3.0)[1]
    assert crops.shape == (len(FILL_CROPS),) and NO_TILE not in crops
    widths = [round(x1 - x0, 2) for x0, _, x1, _ in FILL_CROPS]
    assert hamming(tile, crops[widths.index(0.56)]) <= WINDOW_RADIUS_BITS
    assert hamming(tile, dihedral_hashes(thumbnail(source)[None])[0, 0]) > WINDOW_RADIUS_BITS
    flat = np.full((H, W), 90, np.uint8)
    assert (fixed_box_hashes(flat, 3.0)[1] == NO_TILE).all()


PLAYER_CLIP = (0.3, 0.2, 0.9, 0.75)  # where a screen-recorded player shows the clip


def player_frame(t: float) -> np.ndarray:
    """A screen recording: a player window on a still desktop, framed by a dark line, its
    title bar above the clip and its control bar below, with a progress bar that grows as
    the clip plays."""
    frame = backdrop()
    c0, r0, c1, r1 = pixels(PLAYER_CLIP)
    top, bottom = r0 - 16, r1 + 24
    frame[top - 2 : bottom + 2, c0 - 2 : c1 + 2] = 20  # the window's frame ...
    frame[top:bottom, c0:c1] = 235  # ... light theme inside
    frame[top + 4 : top + 12, c0 + 8 : c0 + 120] = 60  # its title
    frame[r0:r1, c0:c1] = clip(t, (c1 - c0, r1 - r0))
    done = int((c1 - c0 - 20) * min(1.0, t / 20.0))
    frame[r1 + 6 : r1 + 10, c0 + 10 : c1 - 10] = 180  # the progress bar ...
    frame[r1 + 6 : r1 + 10, c0 + 10 : c0 + 10 + done] = 30  # ... filling up
    frame[r1 + 13 : r1 + 21, c0 + 10 : c0 + 30] = 60  # the play button
    return frame


def test_a_screen_recorded_players_clip_is_a_window_without_the_players_bars() -> None:
    """The player's window is bounded by edges and mostly moves, bars included; what moves
    in the still desktop is the clip alone, to the row: that box is kept too (issue 16:
    a player's window hashed with its bars was 6-16 bits from the clip)."""
    boxes = boxes_of(player_frame)
    assert any(box == pytest.approx(PLAYER_CLIP, abs=TOLERANCE) for box in boxes), boxes
    for t in (3.0, 7.5, 12.0):
        hashes = window_hashes(player_frame(t), boxes)
        assert hamming(hashes[:, 0], full_hashes(clip(t))[0]).min() <= 4
