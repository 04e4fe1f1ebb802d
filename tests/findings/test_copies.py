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
    claim = Claim(claim_id, datetime(2024, 10, day, tzinfo=UTC), "g", tuple(p for p, _ in media))
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


# -- a copy of a copy: the footage traced to its first holder ------------------------


def copy_match(
    query: str,
    other: str,
    seg: tuple[float, float, float, float],
    *,
    variant: int = 0,
    confidence: float = 0.9,
    window_in: str | None = None,
    window: tuple[float, float, float, float] = (0.0, 0.0, 0.5, 1.0),
):
    from provenance.match import CopyMatch, MediaMatch
    from provenance.model import Segment

    speed = (seg[3] - seg[2]) / (seg[1] - seg[0])
    match = CopyMatch(
        other=-1,
        segment=Segment(*seg),
        speed=round(speed, 3),
        variant=variant,
        inliers=10,
        weight=10.0,
        mean_distance=3.0,
        confidence=confidence,
        window=None if window_in is None else window,
        window_in=window_in,
    )
    return MediaMatch(query, other, match)


def traced(matches):
    from provenance.findings import copy_findings

    claims = sorted(
        [
            stored("FIRST", 1, 1, [("o.mp4", "a")]),
            stored("REPOST", 2, 2, [("r.mp4", "b")]),
            stored("LATER", 3, 3, [("x.mp4", "c")]),
        ],
        key=claim_order,
    )
    return {f.claim_id: f for f in copy_findings(claims, MEDIA, matches)}


def test_a_copy_matched_only_to_a_repost_names_the_first_holder_through_it() -> None:
    found = traced(
        [
            copy_match("b", "a", (0.0, 6.0, 0.0, 6.0), variant=1),  # the re-post: mirrored
            copy_match("c", "b", (1.0, 5.0, 0.0, 2.0), variant=1),  # x: an excerpt, at half speed
        ]
    )
    later = found["LATER"]
    assert (later.other_claim, later.other_media) == ("FIRST", "o.mp4")
    ev = later.evidence
    assert ev.via == Holder("REPOST", "r.mp4")
    assert ev.also_in == (Holder("REPOST", "r.mp4"),)
    assert ev.transform == "identity"  # mirrored twice
    assert ev.speed == 0.5
    seg = later.segment
    assert (seg.start_s, seg.end_s, seg.other_start_s, seg.other_end_s) == (1.0, 5.0, 0.0, 2.0)
    assert found["REPOST"].evidence.via is None  # matched directly


def test_tracing_keeps_only_the_part_both_links_hold() -> None:
    # the re-post holds the original over its seconds 4-10 only; x copies its seconds 0-8
    found = traced(
        [
            copy_match("b", "a", (4.0, 10.0, 20.0, 26.0)),
            copy_match("c", "b", (0.0, 8.0, 0.0, 8.0)),
        ]
    )
    seg = found["LATER"].segment
    assert found["LATER"].other_claim == "FIRST"
    assert (seg.start_s, seg.end_s, seg.other_start_s, seg.other_end_s) == (4.0, 8.0, 20.0, 24.0)


def test_too_little_in_common_is_not_traced() -> None:
    # x copies the re-post's intro (0-6 s); only its last half second is the original's
    found = traced(
        [
            copy_match("b", "a", (5.5, 20.0, 0.0, 14.5)),
            copy_match("c", "b", (0.0, 6.0, 0.0, 6.0)),
        ]
    )
    assert found["LATER"].other_claim == "REPOST"
    assert found["LATER"].evidence.via is None


def test_a_direct_match_with_the_first_holder_is_preferred_to_a_traced_one() -> None:
    found = traced(
        [
            copy_match("b", "a", (0.0, 6.0, 0.0, 6.0)),
            copy_match("c", "b", (0.0, 6.0, 0.0, 6.0), confidence=0.99),
            copy_match("c", "a", (0.0, 6.0, 0.0, 6.0), confidence=0.6),
        ]
    )
    assert found["LATER"].other_claim == "FIRST"
    assert found["LATER"].evidence.via is None
    assert found["LATER"].confidence == 0.6


LEFT, RIGHT = (0.0, 0.0, 0.5, 1.0), (0.5, 0.0, 1.0, 1.0)  # (x0, y0, x1, y1)


def test_nothing_is_traced_through_the_other_tile_of_a_split_screen() -> None:
    # the re-post shows the original in its left tile; x is a crop of its right tile
    found = traced(
        [
            copy_match("b", "a", (0.0, 6.0, 0.0, 6.0), window_in="query", window=LEFT),
            copy_match("c", "b", (0.0, 6.0, 0.0, 6.0), window_in="other", window=RIGHT),
        ]
    )
    assert found["LATER"].other_claim == "REPOST"
    # the same, stored from the original's side (the original was matched as the query)
    found = traced(
        [
            copy_match("a", "b", (0.0, 6.0, 0.0, 6.0), window_in="other", window=LEFT),
            copy_match("c", "b", (0.0, 6.0, 0.0, 6.0), window_in="other", window=RIGHT),
        ]
    )
    assert found["LATER"].other_claim == "REPOST"


def test_a_crop_of_the_tile_that_shows_the_original_is_traced() -> None:
    found = traced(
        [
            copy_match("b", "a", (0.0, 6.0, 0.0, 6.0), window_in="query", window=LEFT),
            copy_match(
                "c", "b", (0.0, 6.0, 0.0, 6.0), window_in="other", window=(0.3, 0.1, 0.45, 0.9)
            ),
        ]
    )
    assert found["LATER"].other_claim == "FIRST"
    assert found["LATER"].evidence.via == Holder("REPOST", "r.mp4")


def test_a_copy_of_a_whole_split_screen_is_traced() -> None:
    # x matched the re-post picture to picture: it holds the tile that shows the original
    # too (a re-post whose own window finder saw a frame inside a whole-frame copy, say)
    found = traced(
        [
            copy_match("a", "b", (0.0, 6.0, 0.0, 6.0), window_in="other", window=LEFT),
            copy_match("c", "b", (0.0, 6.0, 0.0, 6.0)),
        ]
    )
    assert found["LATER"].other_claim == "FIRST"


def test_nothing_is_traced_from_an_inset_of_a_split_screen() -> None:
    # x shows the re-post in a window of its own, and the re-post shows the original in a
    # window: which part of the re-post x holds is not known
    found = traced(
        [
            copy_match("b", "a", (0.0, 6.0, 0.0, 6.0), window_in="query", window=LEFT),
            copy_match("c", "b", (0.0, 6.0, 0.0, 6.0), window_in="query", window=RIGHT),
        ]
    )
    assert found["LATER"].other_claim == "REPOST"


def test_a_crop_of_a_whole_frame_repost_is_traced() -> None:
    found = traced(
        [
            copy_match("b", "a", (0.0, 6.0, 0.0, 6.0)),
            copy_match("c", "b", (0.0, 6.0, 0.0, 6.0), window_in="other"),  # x: a crop of it
        ]
    )
    assert found["LATER"].other_claim == "FIRST"


def test_nothing_is_traced_past_an_original_the_item_matched_directly() -> None:
    from provenance.findings import copy_findings

    # two recordings of one place (a, b); b's re-post c also matched a (a look-alike link);
    # x matched b itself and c: b is where its footage comes from, not a
    claims = sorted(
        [
            stored("PLACE_DAY1", 1, 1, [("a.mp4", "a")]),
            stored("PLACE_DAY2", 2, 2, [("b.mp4", "b")]),
            stored("REPOST", 3, 3, [("c.mp4", "c")]),
            stored("LATER", 4, 4, [("x.mp4", "d")]),
        ],
        key=claim_order,
    )
    found = {
        f.claim_id: f
        for f in copy_findings(
            claims,
            MEDIA,
            [
                copy_match("c", "a", (0.0, 6.0, 0.0, 6.0), confidence=0.5),
                copy_match("c", "b", (0.0, 6.0, 0.0, 6.0)),
                copy_match("d", "b", (0.0, 6.0, 0.0, 6.0)),
                copy_match("d", "c", (0.0, 6.0, 0.0, 6.0)),
            ],
        )
    }
    assert found["REPOST"].other_claim == "PLACE_DAY1"  # the look-alike link itself stays
    assert found["LATER"].other_claim == "PLACE_DAY2"
    assert found["LATER"].evidence.via is None


def test_a_match_seen_from_the_originals_side_is_turned_back() -> None:
    """The original's frames under a quarter turn one way match the copy: the copy matches
    the original under the turn the other way (a flip is its own undoing)."""
    found = traced([copy_match("a", "b", (0.0, 6.0, 0.0, 6.0), variant=6)])  # rot270
    assert found["REPOST"].evidence.transform == "rot90"
    found = traced([copy_match("a", "b", (0.0, 6.0, 0.0, 6.0), variant=5)])
    assert found["REPOST"].evidence.transform == "rot180_hflip"


def test_a_pair_matched_both_ways_keeps_its_picture_to_picture_match() -> None:
    """The copy matched the original only through a window of its thumbnails (a landscape
    copy's quarter turn), the original matched the copy frame to frame: the latter's
    timing stands. Another pair's window match is not touched."""
    found = traced(
        [
            copy_match("b", "a", (0.0, 5.6, 0.4, 5.3), variant=2, window_in="query"),
            copy_match("a", "b", (0.0, 5.6, 0.0, 5.6), variant=6, confidence=0.79),
            copy_match("c", "b", (0.0, 5.0, 0.0, 5.0), window_in="other"),
        ]
    )
    seg = found["REPOST"].segment
    assert (seg.other_start_s, seg.other_end_s) == (0.0, 5.6)
    assert found["REPOST"].evidence.transform == "rot90"
    assert found["LATER"].evidence.via == Holder("REPOST", "r.mp4")
