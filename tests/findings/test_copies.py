from datetime import UTC, datetime

from provenance.findings import claim_order, find_all
from provenance.model import (
    Claim,
    ClaimMedia,
    FindingKind,
    Holder,
    MediaInfo,
    MediaKind,
    MediaRecord,
    MediaStatus,
    StoredClaim,
)


def stored(claim_id: str, day: int, seq: int, media: list[tuple[str, str]]) -> StoredClaim:
    items = tuple(ClaimMedia(path, sha) for path, sha in media)
    claim = Claim(
        claim_id, datetime(2024, 10, day, tzinfo=UTC), "g", tuple(p for p, _ in media)
    )
    return StoredClaim(claim, seq, datetime(2024, 12, 1, tzinfo=UTC), items)


MEDIA = {
    s: MediaRecord(s, 1, "/x", MediaStatus.DONE, MediaInfo(MediaKind.VIDEO, 8, 8, 6.5, 10.0))
    for s in "abcd"
}


def run(*claims: StoredClaim):
    return find_all(sorted(claims, key=claim_order), MEDIA, {}, [], [])


def test_earliest_holder_is_the_original_and_later_ones_are_copies() -> None:
    findings = run(
        stored("LATE", 9, 1, [("m/late.mp4", "a")]),
        stored("FIRST", 2, 3, [("m/first.mp4", "a"), ("m/other.mp4", "b")]),
        stored("MID", 5, 2, [("m/mid.mp4", "a")]),
    )
    assert [(f.claim_id, f.media, f.other_claim, f.other_media) for f in findings] == [
        ("MID", "m/mid.mp4", "FIRST", "m/first.mp4"),
        ("LATE", "m/late.mp4", "FIRST", "m/first.mp4"),
    ]
    assert findings[1].evidence.also_in == (Holder("MID", "m/mid.mp4"),)
    assert all(f.kind is FindingKind.COPY and f.confidence == 1.0 for f in findings)
    assert (findings[0].segment.start_s, findings[0].segment.end_s) == (0.0, 6.5)


def test_a_later_arrival_with_an_earlier_date_becomes_the_original() -> None:
    findings = run(
        stored("ARRIVED_FIRST", 5, 1, [("x.mp4", "a")]),
        stored("DATED_EARLIER", 3, 2, [("y.mp4", "a")]),
    )
    assert [(f.claim_id, f.other_claim) for f in findings] == [("ARRIVED_FIRST", "DATED_EARLIER")]


def test_same_date_ties_go_to_the_first_seen() -> None:
    findings = run(
        stored("SECOND", 5, 2, [("x.mp4", "a")]), stored("FIRST", 5, 1, [("y.mp4", "a")])
    )
    assert [(f.claim_id, f.other_claim) for f in findings] == [("SECOND", "FIRST")]


def test_reuse_inside_one_claim_is_no_finding() -> None:
    assert run(stored("C1", 1, 1, [("x.mp4", "a"), ("x_again.mp4", "a")])) == []


def test_distinct_media_give_nothing() -> None:
    assert run(stored("C1", 1, 1, [("x.mp4", "a")]), stored("C2", 2, 2, [("y.mp4", "b")])) == []
