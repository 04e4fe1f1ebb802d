from datetime import UTC, datetime

import pytest

from provenance.model import (
    Claim,
    ClaimMedia,
    EventAgreement,
    Finding,
    FindingKind,
    FrameHashCopy,
    IdenticalBytes,
    IdentifierEvidence,
    MediaInfo,
    MediaKind,
    MediaRecord,
    MediaStatus,
    NoCloseupEvidence,
    Problem,
    Rating,
    Segment,
    StoredClaim,
    ViewGeometry,
)
from provenance.scoring import (
    BASE_SCORE,
    EFFECTS,
    SCORING_MODEL,
    format_time,
    rating_for,
    score_claim,
)


def stored(claim_id: str, shas: list[str]) -> StoredClaim:
    media = tuple(ClaimMedia(f"media/{s}.mp4", s) for s in shas)
    claim = Claim(claim_id, datetime(2024, 10, 1, tzinfo=UTC), "g", tuple(m.path for m in media))
    return StoredClaim(claim, 1, datetime(2024, 10, 2, tzinfo=UTC), media)


def done(sha: str) -> MediaRecord:
    return MediaRecord(
        sha, 1, "/x", MediaStatus.DONE, MediaInfo(MediaKind.VIDEO, 64, 64, 8.0, 15.0)
    )


def failed(sha: str) -> MediaRecord:
    return MediaRecord(sha, 1, "/x", MediaStatus.UNREADABLE, error="truncated")


def copy_finding(claim_id: str, media: str) -> Finding:
    return Finding(
        FindingKind.COPY,
        claim_id,
        media,
        0.97,
        "C0",
        "media/orig.mp4",
        Segment(2.0, 9.0, 0.0, 7.0),
        evidence=FrameHashCopy(12, 11.5, 3.0, 1.0, "identity"),
    )


def test_clean_claim_keeps_the_base_score() -> None:
    cred = score_claim(stored("C1", ["a"]), [], {"a": done("a")})
    assert (cred.score, cred.rating, cred.reasons, cred.model) == (
        BASE_SCORE,
        Rating.MEDIUM,
        (),
        SCORING_MODEL,
    )


def test_copy_is_penalised_with_a_reason_naming_media_and_segments() -> None:
    cred = score_claim(stored("C1", ["a"]), [copy_finding("C1", "media/a.mp4")], {"a": done("a")})
    (reason,) = cred.reasons
    assert reason.code == "copy_of_earlier_claim" and reason.effect == EFFECTS[reason.code]
    assert (
        reason.text
        == "media/a.mp4 00:02-00:09 repeats media/orig.mp4 00:00-00:07 of earlier claim C0"
    )
    assert cred.score == BASE_SCORE + EFFECTS["copy_of_earlier_claim"]
    assert cred.top_reason == reason


def test_a_traced_copy_says_which_holder_it_went_through() -> None:
    from dataclasses import replace

    from provenance.model import Holder

    found = copy_finding("C1", "media/a.mp4")
    found = replace(found, evidence=replace(found.evidence, via=Holder("C5", "media/re.mp4")))
    (reason,) = score_claim(stored("C1", ["a"]), [found], {"a": done("a")}).reasons
    assert reason.text.endswith(
        "of earlier claim C0 (traced through media/re.mp4 of claim C5, which repeats it)"
    )
    assert reason.effect == EFFECTS["copy_of_earlier_claim"]  # one penalty, as for any copy


def test_every_point_has_a_reason_and_score_is_clamped() -> None:
    findings = [copy_finding("C1", f"media/{s}.mp4") for s in "abc"]
    cred = score_claim(stored("C1", list("abc")), findings, {s: done(s) for s in "abc"})
    assert cred.score == 0 and cred.rating is Rating.VERY_LOW
    assert BASE_SCORE + sum(r.effect for r in cred.reasons) <= 0


def test_unreadable_media_is_uncertainty_not_guilt() -> None:
    one_bad = score_claim(stored("C1", ["a", "b"]), [], {"a": done("a"), "b": failed("b")})
    assert one_bad.score == BASE_SCORE
    assert [r.code for r in one_bad.reasons] == ["media_unreadable"]
    assert "media/b.mp4 could not be read: truncated" in one_bad.reasons[0].text
    all_bad = score_claim(stored("C1", ["b"]), [], {"b": failed("b")})
    assert [r.code for r in all_bad.reasons] == ["no_usable_footage", "media_unreadable"]


def test_our_own_failure_is_said_and_never_held_against_the_claim() -> None:
    """An internal error (whole item, or one stage of it) costs nothing and says whose it is;
    a claim whose every item failed in our code is not 'no usable footage'."""
    ours = MediaRecord(sha := "b", 1, "/x", MediaStatus.INTERNAL_ERROR, error="KeyError: 'x'")
    stage = MediaRecord(
        "c",
        1,
        "/x",
        MediaStatus.DONE,
        MediaInfo(MediaKind.VIDEO, 64, 64, 8.0, 15.0),
        problems=(Problem("close-ups", MediaStatus.INTERNAL_ERROR, "RuntimeError: onnx"),),
    )
    for records in ({sha: ours}, {sha: ours, "c": stage}):
        cred = score_claim(stored("C1", list(records)), [], records)
        assert cred.score == BASE_SCORE
        assert {r.code for r in cred.reasons} == {"media_internal_error"}
        assert all("error in provenance itself" in r.text for r in cred.reasons)
        assert all(r.effect == 0 for r in cred.reasons)
    assert (
        "internal error in close-ups: RuntimeError: onnx"
        in score_claim(stored("C1", ["c"]), [], {"c": stage}).reasons[0].text
    )


def test_pending_media_is_said() -> None:
    cred = score_claim(stored("C1", ["a"]), [], {})
    assert [r.code for r in cred.reasons] == ["media_not_analysed"]


@pytest.mark.parametrize(
    ("score", "rating"),
    [
        (100, "high"),
        (75, "high"),
        (74, "medium"),
        (50, "medium"),
        (49, "low"),
        (25, "low"),
        (24, "very low"),
        (0, "very low"),
    ],
)
def test_rating_bands(score: int, rating: str) -> None:
    assert rating_for(score).value == rating


def test_format_time() -> None:
    assert [format_time(s) for s in (0, 9.4, 61, 3725)] == ["00:00", "00:09", "01:01", "1:02:05"]


# -- identifiers, close-ups and other angles (scoring model v2) -------------------------


def _reading(serial: str):
    from provenance.fingerprint import CloseupReading, Marking, match_key

    mark = Marking(1.0, serial, match_key(serial), 0.99, (0.0, 0.0, 90.0, 40.0), 40.0, 0.1, 1.6)
    return CloseupReading((1.0,), (mark,))


def recycled(claim_id: str, media: str, serial: str = "BN-1042") -> Finding:
    from provenance.fingerprint import match_key

    return Finding(
        FindingKind.RECYCLED_IDENTIFIER,
        claim_id,
        media,
        0.99,
        "C0",
        "media/orig.jpg",
        evidence=IdentifierEvidence(
            identifier=serial,
            other_identifier=serial,
            key=match_key(serial),
            frame_s=1.0,
            other_frame_s=0.0,
            box=(0.0, 0.0, 90.0, 40.0),
            other_box=(0.0, 0.0, 90.0, 40.0),
        ),
    )


def test_a_fresh_identifier_adds_points_and_names_media_and_time() -> None:
    cred = score_claim(stored("C1", ["a"]), [], {"a": done("a")}, {"a": _reading("BN-1042")})
    (reason,) = cred.reasons
    assert reason.code == "fresh_identifier" and reason.effect > 0
    assert reason.text == (
        "media/a.mp4 00:01 shows identifier BN-1042 in a close-up, not seen in any earlier claim"
    )
    assert cred.score == BASE_SCORE + EFFECTS["fresh_identifier"]


def test_a_recycled_identifier_is_not_fresh_and_costs_points() -> None:
    cred = score_claim(
        stored("C1", ["a"]),
        [recycled("C1", "media/a.mp4")],
        {"a": done("a")},
        {"a": _reading("BN-1O42")},  # the same key as BN-1042
    )
    assert [r.code for r in cred.reasons] == ["recycled_identifier"]
    assert cred.reasons[0].text == (
        "media/a.mp4 00:01 shows identifier BN-1042, already shown in media/orig.jpg 00:00"
        " of earlier claim C0"
    )
    assert cred.score == BASE_SCORE + EFFECTS["recycled_identifier"] < BASE_SCORE


def test_an_identifier_inside_copied_footage_is_counted_once() -> None:
    findings = [copy_finding("C1", "media/a.mp4"), recycled("C1", "media/a.mp4")]
    cred = score_claim(stored("C1", ["a"]), findings, {"a": done("a")})
    codes = [r.code for r in cred.reasons]
    assert codes == ["copy_of_earlier_claim", "recycled_identifier_in_copy"]
    assert EFFECTS["recycled_identifier_in_copy"] == 0
    assert cred.score == BASE_SCORE + EFFECTS["copy_of_earlier_claim"]


def _by_marks(time_s: float = 2.0):
    from provenance.fingerprint import CloseupReading, SurfaceMeasure

    return CloseupReading((time_s,), surfaces=(SurfaceMeasure(time_s, 0.91, 42, 30, 1.9),))


def recycled_airframe(claim_id: str, media: str) -> Finding:
    from provenance.model import AirframeEvidence

    marks = tuple((24 * i, 0, 24 * i + 24, 24, 0.9 if i < 17 else 0.2) for i in range(20))
    evidence = AirframeEvidence(
        2.0, 0.0, (640, 480), (640, 480), 85, 0.8, 30, 0.5, (1, 0, 0, 0, 1, 0, 0, 0, 1), marks
    )
    return Finding(
        FindingKind.RECYCLED_AIRFRAME,
        claim_id,
        media,
        0.85,
        "C0",
        "media/orig.jpg",
        evidence=evidence,
    )


def test_a_close_up_by_its_marks_alone_is_fresh_until_an_earlier_claim_showed_it() -> None:
    """No serial: the airframe's own marks make the close-up, and recognise it later."""
    cred = score_claim(stored("C1", ["a"]), [], {"a": done("a")}, {"a": _by_marks()})
    (reason,) = cred.reasons
    assert reason.code == "fresh_airframe" and cred.score == BASE_SCORE + EFFECTS["fresh_airframe"]
    assert reason.text == (
        "media/a.mp4 00:02 shows an airframe close enough to make out its marks"
        " (42 distinct marks on 91% of the frame), in no earlier claim"
    )
    again = score_claim(
        stored("C1", ["a"]),
        [recycled_airframe("C1", "media/a.mp4")],
        {"a": done("a")},
        {"a": _by_marks()},
    )
    assert [r.code for r in again.reasons] == ["recycled_airframe"]
    assert again.reasons[0].text == (
        "media/a.mp4 00:02 shows the airframe of media/orig.jpg 00:00 of earlier claim C0:"
        " 17 of 20 patches of fine detail (scratches, chips, dirt) agree once the two"
        " close-ups are registered"
    )
    assert again.score == BASE_SCORE + EFFECTS["recycled_airframe"] < BASE_SCORE
    # a fresh serial is credited once, not again for the marks around it
    both = {"a": _reading("BN-1042"), "b": _by_marks()}
    codes = [r.code for r in score_claim(stored("C1", ["a", "b"]), [], {}, both).reasons]
    assert "fresh_identifier" in codes and "fresh_airframe" not in codes


def test_no_identifying_closeup_is_a_moderate_penalty() -> None:
    read = NoCloseupEvidence(("media/a.mp4",), (("media/a.mp4", (1.0,)),))
    no_closeup = Finding(FindingKind.NO_CLOSEUP, "C1", "media/a.mp4", 1.0, evidence=read)
    cred = score_claim(stored("C1", ["a"]), [no_closeup], {"a": done("a")})
    (reason,) = cred.reasons
    assert reason.code == "no_identifying_closeup"
    assert EFFECTS["copy_of_earlier_claim"] < reason.effect < 0
    assert "(media/a.mp4)" in reason.text


def test_other_angle_is_strong_and_reuse_inside_one_claim_is_not_evidence() -> None:
    angle = Finding(
        FindingKind.OTHER_ANGLE,
        "C1",
        "media/a.mp4",
        0.9,
        "C0",
        "media/o.mp4",
        evidence=ViewGeometry(
            frame_s=1.0,
            other_frame_s=1.5,
            matches=80,
            inliers=40,
            homography_inliers=10,
            spread=0.3,
            parallax=True,
            frame_size=(640, 360),
            other_frame_size=(640, 360),
            points=(),
            event=EventAgreement(offset_s=-0.72, frames_consistent=5, frames_checked=6, error=0.0),
        ),
    )
    same_file = IdenticalBytes(sha256="b")
    inside = Finding(
        FindingKind.COPY, "C1", "media/b.mp4", 1.0, "C1", "media/a.mp4", evidence=same_file
    )
    cred = score_claim(stored("C1", ["a", "b"]), [angle, inside], {"a": done("a"), "b": done("b")})
    (reason,) = cred.reasons
    assert reason.code == "other_angle_of_earlier_claim"
    assert reason.effect <= EFFECTS["recycled_identifier"]
    assert "media/a.mp4 shows the launch of media/o.mp4 of earlier claim C0" in reason.text
    assert "-0.72 s" in reason.text
