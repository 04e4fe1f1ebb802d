"""The same airframe by its marks: registered close-ups whose own marks agree."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from skins import airframe, model_skin, shot

from provenance.errors import ArchiveError
from provenance.fingerprint import CloseupPicture, sift_features
from provenance.match import AirframeIndex, AirframeMatch, compare_airframes

MODEL = model_skin(1)
FIRST, SECOND = airframe(MODEL, 1), airframe(MODEL, 2)  # one model, two airframes


def _compare(a: np.ndarray, b: np.ndarray):
    return compare_airframes(a, b, sift_features(a, 0.0), sift_features(b, 0.0))


def test_two_shots_of_one_airframe_agree_in_their_marks() -> None:
    """Another angle and another light: the marks registered agree nearly all."""
    found = _compare(shot(FIRST, 1), shot(FIRST, 2, gain=0.75))
    assert found.same_airframe
    assert found.share >= 0.9 and found.agreeing >= 20
    assert found.support > 0  # the patches the registration rests on are not counted


def test_two_airframes_of_one_model_are_not_one() -> None:
    """The same panels and rivets register, the scratches and chips do not agree."""
    for seed in (3, 4, 5):
        found = _compare(shot(FIRST, seed), shot(SECOND, seed + 10))
        assert found.homography is not None and len(found.marks) > 100  # registered, compared
        assert not found.same_airframe and found.share < 0.7


def test_a_registration_on_a_corner_of_the_frame_is_no_verdict() -> None:
    """Patches that agree on a tenth of the frame rest on what the model shares (a
    stencil, a hatch): the registration must cover more of the frame to tell."""
    found = _compare(shot(FIRST, 1), shot(FIRST, 2, gain=0.75))
    assert found.same_airframe and found.overlap > 0.5
    assert not replace(found, overlap=0.12).same_airframe


def test_nothing_to_compare_is_no_verdict_and_no_crash() -> None:
    """A flat grey frame (no keypoints) and a tiny one: compared, never the same."""
    flat = np.full((480, 640), 128, np.uint8)
    assert not _compare(flat, shot(FIRST, 1)).same_airframe
    assert not _compare(shot(FIRST, 1)[:20, :20].copy(), shot(FIRST, 2)).same_airframe


def test_a_match_reads_back_as_stored_and_turns_round() -> None:
    a, b = shot(FIRST, 1), shot(FIRST, 2)
    found = _compare(a, b)
    match = AirframeMatch("a" * 64, "b" * 64, 0.0, 1.5, (640, 480), (640, 480), found)
    assert AirframeMatch.from_json(match.sha256, match.other_sha256, match.to_json()) == match
    back = match.reversed()
    assert (back.sha256, back.frame_s, back.other_frame_s) == ("b" * 64, 1.5, 0.0)
    assert back.comparison.homography is not None and found.homography is not None
    round_trip = np.asarray(back.reversed().comparison.homography)
    assert np.allclose(round_trip, np.asarray(found.homography), atol=1e-3)
    # a mark in the first frame is carried to the same marks' place in the second
    turned = np.asarray(back.comparison.homography).reshape(3, 3)
    x0, y0, x1, y1 = found.marks[0].box
    centre = turned @ np.array([(x0 + x1) / 2, (y0 + y1) / 2, 1.0])
    bx0, by0, bx1, by1 = back.comparison.marks[0].box
    assert bx0 <= centre[0] / centre[2] <= bx1 and by0 <= centre[1] / centre[2] <= by1


def _picture(luma: np.ndarray) -> CloseupPicture:
    return CloseupPicture.of(0.0, luma)


def test_the_index_finds_the_same_airframe_and_not_its_sibling() -> None:
    pictures = {
        "first": _picture(shot(FIRST, 1)),
        "sibling": _picture(shot(SECOND, 2)),
    }
    index = AirframeIndex.of_words({k: p.words for k, p in pictures.items()}, pictures.get)
    item = index.matches_of("new", _picture(shot(FIRST, 3, gain=1.3)))
    assert [m.other_sha256 for m in item.matches] == ["first"] and not item.problems
    # an archived close-up is compared with the others, never with itself
    assert [m.other_sha256 for m in index.matches_of("first").matches] == []


def test_a_pair_that_fails_is_a_problem_and_the_archive_failing_stops() -> None:
    good = _picture(shot(FIRST, 1))
    words = {"good": good.words, "broken": good.words}

    def load(sha: str) -> CloseupPicture | None:
        if sha == "broken":
            raise RuntimeError("a bug of ours")
        return good

    item = AirframeIndex.of_words(words, load).matches_of("new", _picture(shot(FIRST, 2)))
    assert [m.other_sha256 for m in item.matches] == ["good"]
    (problem,) = item.problems
    assert "a bug of ours" in problem.reason and "with broken" in problem.reason

    def unreadable(sha: str) -> CloseupPicture | None:
        raise ArchiveError("archive.db", "disk I/O error")

    with pytest.raises(ArchiveError):
        AirframeIndex.of_words(words, unreadable).matches_of("new", _picture(shot(FIRST, 2)))
