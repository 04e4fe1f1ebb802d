"""An identifying close-up without text: the airframe's own marks, large and sharp enough."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
from skins import airframe, model_skin, shot, wide

from provenance.fingerprint import CloseupPicture, CloseupReading, closeup_picture, codecs
from provenance.fingerprint._surface import SurfaceMeasure, measure_surface

SKIN = airframe(model_skin(2), 7)


def test_a_close_sharp_skin_with_marks_is_an_identifying_closeup() -> None:
    for seed, gain in ((1, 1.0), (2, 0.7), (3, 1.3)):
        measure = measure_surface(shot(SKIN, seed, gain=gain), 1.0)
        assert measure.identifying, measure
        assert measure.cover > 0.8 and measure.time_s == 1.0


def test_blurred_far_or_bare_is_not() -> None:
    """Motion blur or defocus takes the marks' sharpness; far away, the surface is
    small and its marks unresolved; a plain frame has no surface detail at all."""
    assert not measure_surface(shot(SKIN, 1, blur=3.0), 0.0).identifying
    assert not measure_surface(wide(1, SKIN), 0.0).identifying
    assert not measure_surface(np.full((480, 640), 90, np.uint8), 0.0).identifying


def test_a_lightly_marked_airframe_close_up_is_one_by_all_its_detail() -> None:
    """How close the shot is shows in all the structure it resolves (rivets, panel
    lines, marks), not in how scratched this airframe happens to be: an airframe
    with two scratches, filmed close and sharp, is an identifying close-up (under
    the rule of issue 17, twenty marks, it was not)."""
    for seed in (1, 2, 3):
        measure = measure_surface(shot(airframe(model_skin(2), 7, marks=2), seed), 0.0)
        assert measure.identifying and measure.marks < 20, measure


def test_the_rule_wants_resolved_detail_some_marks_of_its_own_and_sharpness() -> None:
    close = SurfaceMeasure(0.0, cover=0.9, marks=8, generic=90, sharpness=1.8, plain=2.3)
    assert close.identifying
    # rivets and panel lines alone: a grille or a tiled wall, nothing of its own
    assert not replace(close, marks=0, generic=120).identifying
    # a few dozen marks but little else resolved: a surface seen from further off
    assert not replace(close, marks=30, generic=5).identifying
    # as much detail, softened: half A's blurred close-ups reached 1.40
    assert not replace(close, sharpness=1.40).identifying


def test_frames_smaller_than_a_patch_are_measured_without_error() -> None:
    measure = measure_surface(np.zeros((10, 15), np.uint8), 0.0)
    assert not measure.identifying and measure.marks == 0


def test_the_reading_counts_a_surface_close_up_even_without_ocr() -> None:
    """Text unknown (OCR failed) does not hide a close-up its surface shows; with
    neither, the verdict stays unknown."""
    close, far = measure_surface(shot(SKIN, 1), 0.0), measure_surface(wide(1, SKIN), 1.0)
    failed = CloseupReading((0.0, 1.0), error="OCR not available: no module", surfaces=(far,))
    assert failed.closeup is None
    shown = replace(failed, surfaces=(far, close))
    assert shown.closeup is True and shown.by_marks == close and shown.picture_s == 0.0


def test_the_reading_with_its_surfaces_is_stored_and_read_back() -> None:
    reading = CloseupReading((0.0,), surfaces=(measure_surface(shot(SKIN, 1), 0.0),))
    assert codecs.decode_closeup(codecs.encode_closeup(reading)) == reading
    # a reading stored before surfaces were measured reads back without them
    older = json.dumps({"frames_read": [0.0], "markings": [], "set_aside": []}).encode()
    assert codecs.decode_closeup(older).surfaces == ()
    assert codecs.decode_closeup(older).closeup is False


def test_the_close_up_picture_is_kept_with_its_words() -> None:
    frames = [(0.0, wide(1, SKIN)), (1.0, shot(SKIN, 1))]
    reading = CloseupReading((0.0, 1.0), surfaces=tuple(measure_surface(f, t) for t, f in frames))
    picture = closeup_picture(reading, frames)
    assert picture is not None and picture.time_s == 1.0 and len(picture.words) > 50
    stored = codecs.encode_closeup_picture(picture)
    back = codecs.decode_closeup_picture(stored)
    assert back is not None and back.time_s == 1.0 and np.array_equal(back.words, picture.words)
    assert np.abs(back.luma.astype(int) - picture.luma.astype(int)).mean() < 2.0  # JPEG
    assert codecs.decode_closeup_picture({codecs.CLOSEUP_WORDS: b"x"}) is None  # half kept
    assert sum(len(v) for v in stored.values()) < 150_000
    assert closeup_picture(CloseupReading((0.0,)), frames[:1]) is None
    assert isinstance(CloseupPicture.of(0.0, frames[1][1]), CloseupPicture)
