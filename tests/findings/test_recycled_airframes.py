"""recycled_airframe: a later claim's new close-up of an airframe an earlier claim showed."""

from __future__ import annotations

from test_copies import stored

from provenance.findings import find_recycled_airframes
from provenance.match import AirframeComparison, AirframeMatch, MarkPatch
from provenance.model import Finding, FindingKind, IdenticalBytes, IdentifierEvidence

MARKS = tuple(MarkPatch((24 * i, 0, 24 * i + 24, 24), 0.9) for i in range(10))
REGISTERED = AirframeComparison(80, (1.0, 0, 5.0, 0, 1.0, -3.0, 0, 0, 1.0), 0.9, MARKS, 12)


def same(a: str, b: str) -> AirframeMatch:
    """``a`` and ``b`` show one airframe (as the matcher stores it, from ``a``'s side)."""
    return AirframeMatch(a, b, 1.0, 2.0, (640, 480), (640, 360), REGISTERED)


CLAIMS = [
    stored("FIRST", 1, 1, [("first.jpg", "a")]),
    stored("SECOND", 3, 2, [("second.jpg", "b")]),
    stored("THIRD", 5, 3, [("third.mp4", "c"), ("third_also.jpg", "d")]),
]


def test_the_later_close_up_recycles_the_earliest_claim_that_showed_the_airframe() -> None:
    """Stored from either side, each pair read both ways; the earliest claim is named."""
    found = find_recycled_airframes(CLAIMS, [same("a", "b"), same("c", "b"), same("a", "c")], [])
    assert [(f.claim_id, f.media, f.other_claim, f.other_media) for f in found] == [
        ("SECOND", "second.jpg", "FIRST", "first.jpg"),
        ("THIRD", "third.mp4", "FIRST", "first.jpg"),
    ]
    assert all(f.kind is FindingKind.RECYCLED_AIRFRAME for f in found)
    second = found[0].evidence
    # b's side of a match stored from a's: the frames, sizes and registration turned round
    assert (second.frame_s, second.other_frame_s) == (2.0, 1.0)
    assert (second.frame_size, second.other_frame_size) == ((640, 360), (640, 480))
    assert second.homography[2] == -5.0 and second.homography[5] == 3.0
    assert second.agreeing == 10 and len(second.marks) == 10 and second.support == 12
    assert found[0].confidence == 0.5  # all ten agree, but only half of twenty were compared


def test_copies_serials_and_one_claim_are_not_recycled_airframes() -> None:
    """A copy is a copy already; a serial said it first; a claim does not recycle itself."""
    copy = Finding(
        kind=FindingKind.COPY,
        claim_id="SECOND",
        media="second.jpg",
        confidence=1.0,
        other_claim="FIRST",
        other_media="first.jpg",
        evidence=IdenticalBytes("a" * 64),
    )
    serial = Finding(
        kind=FindingKind.RECYCLED_IDENTIFIER,
        claim_id="THIRD",
        media="third.mp4",
        confidence=0.9,
        other_claim="FIRST",
        other_media="first.jpg",
        evidence=IdentifierEvidence("AB-12", "AB-12", "AB12", 0, 0, (0, 0, 1, 1), (0, 0, 1, 1)),
    )
    matches = [same("a", "b"), same("a", "c"), same("c", "d")]
    assert find_recycled_airframes(CLAIMS, matches, [copy, serial]) == []
    # without them, both are found (and d, inside THIRD with c, still only recycles FIRST's)
    found = find_recycled_airframes(CLAIMS, matches, [])
    assert {(f.claim_id, f.media) for f in found} == {
        ("SECOND", "second.jpg"),
        ("THIRD", "third.mp4"),
    }
