from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from conftest import pan_frame, write_frames, write_image

from provenance.errors import MediaOpenError
from provenance.media import Crop, extract_frames, find_content


def test_samples_follow_presentation_time_not_frame_count(tmp_path: Path) -> None:
    """Variable frame rate: samples land every 0.5 s of real time."""
    from fixturegen.videoio import encode_video

    path = tmp_path / "vfr.mp4"
    rng = np.random.default_rng(0)
    times = np.cumsum(rng.uniform(0.02, 0.2, 60))  # irregular gaps, ~6.6 s in all
    frames = [pan_frame(float(t), size=(160, 96)) for t in times]
    encode_video(path, frames, times=list(times), duration_s=float(times[-1]) + 0.1)
    sampled = np.array([f.time_s for f in extract_frames(path)])
    presented = times - times[0]
    # every 0.5 s slot of presentation time has a sample, in time order
    slots = np.floor(sampled / 0.5 + 1e-6).astype(int)
    assert np.all(np.diff(sampled) > 0)
    assert set(range(slots.max() + 1)) <= set(slots)
    assert sampled[-1] == pytest.approx(presented[-1], abs=0.45)
    # frame-count arithmetic would put 60 frames at "30 fps" into 2 s
    assert sampled[-1] > 6.0


def test_rotation_metadata_is_obeyed(tmp_path: Path) -> None:
    path = tmp_path / "phone.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(10))
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.set_display_rotation(90)  # a phone held upright
        for _ in range(10):
            image = np.full((48, 64, 3), 60, np.uint8)
            image[:10, :20] = 250  # a mark in the stored frame's top-left corner
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    frame = next(extract_frames(path))
    assert frame.luma.shape == (64, 48)  # shown portrait
    rows, cols = np.nonzero(frame.luma > 150)
    assert rows.min() >= 40 and cols.max() <= 12  # turned counter-clockwise: bottom-left


def test_still_image_is_one_frame_at_time_zero(tmp_path: Path) -> None:
    (frame,) = extract_frames(write_image(tmp_path / "s.png", size=(80, 60)))
    assert frame.time_s == 0.0 and frame.luma.shape == (60, 80)


def test_frames_are_scaled_to_the_analysis_width(tmp_path: Path) -> None:
    path = write_frames(tmp_path / "big.mp4", [pan_frame(t, size=(1280, 720)) for t in range(3)])
    assert {f.luma.shape for f in extract_frames(path)} == {(360, 640)}


def test_shot_change_adds_a_sample(tmp_path: Path) -> None:
    frames = [pan_frame(0.0)] * 4 + [pan_frame(0.0, picture="coffee")] * 26
    sampled = list(extract_frames(write_frames(tmp_path / "cut.mp4", frames, fps=15)))
    cut = [f for f in sampled if f.shot_change]
    assert len(cut) == 1 and cut[0].time_s == pytest.approx(4 / 15, abs=0.07)


def test_undecodable_video_raises(tmp_path: Path) -> None:
    path = tmp_path / "junk.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 40)
    with pytest.raises(MediaOpenError):
        list(extract_frames(path))


def scene(h: int = 180, w: int = 320) -> np.ndarray:
    return cv2.cvtColor(pan_frame(1.0, size=(w, h)), cv2.COLOR_RGB2GRAY)


@pytest.mark.parametrize(
    ("name", "make", "expected"),
    [
        ("none", lambda: scene(), Crop(0, 180, 0, 320)),
        ("letterbox", lambda: np.pad(scene(130), ((25, 25), (0, 0))), Crop(25, 155, 0, 320)),
        ("pillarbox", lambda: np.pad(scene(180, 240), ((0, 0), (40, 40))), Crop(0, 180, 40, 280)),
        (
            "grey frame",
            lambda: np.pad(scene(150, 280), ((15, 15), (20, 20)), constant_values=128),
            Crop(15, 165, 20, 300),
        ),
    ],
)
def test_borders_are_removed(name: str, make, expected: Crop) -> None:
    assert find_content(make()) == expected


def test_caption_written_in_a_letterbox_bar_does_not_keep_the_bar() -> None:
    image = np.pad(scene(130), ((25, 25), (0, 0)))
    cv2.putText(image, "NORTH MEDIA 2024-10-01", (8, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, 255, 1)
    assert find_content(image) == Crop(25, 155, 0, 320)


def test_sky_fading_at_the_top_is_not_a_border() -> None:
    sky = np.tile(np.linspace(150, 190, 60)[:, None], (1, 320)).astype(np.uint8)
    image = np.vstack([sky, scene(120)])
    assert find_content(image).top == 0


def test_a_dark_frame_is_left_whole() -> None:
    dark = np.random.default_rng(1).normal(8, 2, (180, 320)).clip(0, 255).astype(np.uint8)
    assert find_content(dark) == Crop(0, 180, 0, 320)


def test_the_border_search_median_is_numpys():
    """The border search's own median (for speed) gives np.median's value, odd and even."""
    from provenance.media._picture import _median

    rng = np.random.default_rng(5)
    for n in (1, 2, 3, 4, 255, 256, 640):
        for row in (rng.integers(0, 256, n).astype(np.float32), rng.random(n) * 255):
            assert _median(row) == float(np.median(row))


def _letterboxed(text_rows: int) -> np.ndarray:
    """A 4:3 picture in a 360x356 frame with 46-row bars; a line of large white text
    ``text_rows`` tall written across most of the top bar's width."""
    rng = np.random.default_rng(9)
    frame = np.full((360, 356), 50, np.uint8)  # coloured bars (luma 50)
    frame[46:314] = rng.integers(90, 230, (268, 356))
    start = 23 - text_rows // 2
    frame[start : start + text_rows, 10:340:2] = 255  # glyph strokes over 70 % of the row
    frame[start : start + text_rows, 11:340:4] = 255
    return frame


def test_a_bar_with_a_line_of_large_text_across_it_is_cut_whole():
    """Large text across most of a bar leaves under half of its rows at the bar's level;
    the bar's flat rows resume after it, so the line is crossed and the whole bar cut."""
    assert find_content(_letterboxed(17)) == Crop(46, 314, 0, 356)


def test_a_strip_taller_than_a_line_of_text_ends_the_band():
    """Over 6 % of the height of busy rows is picture, not a caption: the band stops there
    (and a band that then does not end at the picture's edge is no border at all)."""
    assert find_content(_letterboxed(30)).top < 46
