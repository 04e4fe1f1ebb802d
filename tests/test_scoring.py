from datetime import datetime, timezone

import pytest

from provenance.model import (
    Claim,
    ClaimMedia,
    Finding,
    FindingKind,
    MediaInfo,
    MediaKind,
    MediaRecord,
    MediaStatus,
    Rating,
    Segment,
    StoredClaim,
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
    claim = Claim(
        claim_id, datetime(2024, 10, 1, tzinfo=timezone.utc), "g", tuple(m.path for m in media)
    )
    return StoredClaim(claim, 1, datetime(2024, 10, 2, tzinfo=timezone.utc), media)


def done(sha: str) -> MediaRecord:
    return MediaRecord(
        sha, 1, "/x", MediaStatus.DONE, MediaInfo(MediaKind.VIDEO, 64, 64, 8.0, 15.0)
    )


def failed(sha: str) -> MediaRecord:
    return MediaRecord(sha, 1, "/x", MediaStatus.FAILED, error="truncated")


def copy_finding(claim_id: str, media: str) -> Finding:
    return Finding(
        FindingKind.COPY, claim_id, media, 0.97, "C0", "media/orig.mp4", Segment(2.0, 9.0, 0.0, 7.0)
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
