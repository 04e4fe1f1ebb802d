"""Claims grouped by the launch their footage shows (findings -> launches)."""

from __future__ import annotations

from test_angles import relation
from test_copies import stored

from provenance.findings.launches import group_launches
from provenance.fingerprint import CloseupReading, Marking
from provenance.model import (
    Finding,
    FindingKind,
    IdenticalBytes,
    IdentifierEvidence,
    MediaInfo,
    MediaKind,
    MediaRecord,
    MediaStatus,
)


def _record(sha: str, kind: MediaKind) -> MediaRecord:
    return MediaRecord(sha, 1, "/x", MediaStatus.DONE, MediaInfo(kind, 8, 8, 6.5, 10.0))


def media(videos: str, stills: str = "") -> dict[str, MediaRecord]:
    out = {s: _record(s, MediaKind.VIDEO) for s in videos}
    out.update({s: _record(s, MediaKind.IMAGE) for s in stills})
    return out


CLOSEUP = CloseupReading(
    frames_read=(1.0,),
    markings=(Marking(1.0, "BN-1", "BN1", 0.9, (0, 0, 10, 10), 80.0, 0.3, 500.0),),
)


def copy(claim: str, path: str, other_claim: str, other_path: str, conf: float = 0.9) -> Finding:
    return Finding(
        FindingKind.COPY, claim, path, conf, other_claim, other_path, evidence=IdenticalBytes(None)
    )


def angle(claim: str, path: str, other_claim: str, other_path: str) -> Finding:
    return Finding(
        FindingKind.OTHER_ANGLE,
        claim,
        path,
        0.8,
        other_claim,
        other_path,
        evidence=relation("x", "y").details,
    )


def recycled(claim: str, path: str, other_claim: str, other_path: str) -> Finding:
    box = (0.0, 0.0, 1.0, 1.0)
    evidence = IdentifierEvidence("BN-1", "BN-1", "BN1", 1.0, 1.0, box, box)
    return Finding(
        FindingKind.RECYCLED_IDENTIFIER,
        claim,
        path,
        0.9,
        other_claim,
        other_path,
        evidence=evidence,
    )


def shape(launches) -> list[tuple[list[str], int, list[str | None]]]:
    """(claim ids, cameras, how each later claim shows it) per launch, in order."""
    return [
        ([c.claim_id for c in la.claims], la.cameras, [c.how for c in la.later]) for la in launches
    ]


def test_copies_and_other_cameras_make_one_launch_with_one_camera_per_view():
    claims = [
        stored("A", 1, 1, [("a.mp4", "a")]),
        stored("B", 2, 2, [("b.mp4", "b")]),  # another camera of A's launch
        stored("C", 3, 3, [("c.mp4", "c")]),  # a copy of B's view
        stored("D", 4, 4, [("a2.mp4", "a")]),  # A's very bytes again
        stored("E", 5, 5, [("e.mp4", "e")]),  # matches nothing
    ]
    findings = [
        angle("B", "b.mp4", "A", "a.mp4"),
        copy("C", "c.mp4", "B", "b.mp4"),
        copy("D", "a2.mp4", "A", "a.mp4"),
    ]
    launches = group_launches(claims, findings, media("abce"), {})
    assert shape(launches) == [
        (["A", "B", "C", "D"], 2, ["other_angle", "copy", "copy"]),
        (["E"], 1, []),
    ]
    first = launches[0]
    assert first.number == 1 and first.first.how is None
    assert (first.later[1].other_claim, first.later[1].other_media) == ("B", "b.mp4")
    assert first.summary == "Launch 1: 4 claims by 1 group over 3 days, 2 cameras"
    assert launches[1].summary == "Launch 2: 1 claim, 1 camera"


def test_a_compilation_shows_each_launch_it_copies():
    claims = [
        stored("A", 1, 1, [("a.mp4", "a")]),
        stored("B", 2, 2, [("b.mp4", "b")]),
        stored("MIX", 3, 3, [("mix.mp4", "m")]),
    ]
    findings = [copy("MIX", "mix.mp4", "A", "a.mp4"), copy("MIX", "mix.mp4", "B", "b.mp4")]
    launches = group_launches(claims, findings, media("abm"), {})
    assert shape(launches) == [(["A", "MIX"], 1, ["copy"]), (["B", "MIX"], 1, ["copy"])]
    assert launches[0].later[0].other_claim == "A" and launches[1].later[0].other_claim == "B"


def test_a_copy_of_a_copy_belongs_to_the_original_launch():
    claims = [stored(c, i + 1, i + 1, [(f"{c}.mp4", c.lower())]) for i, c in enumerate("ABC")]
    findings = [copy("B", "B.mp4", "A", "A.mp4"), copy("C", "C.mp4", "B", "B.mp4")]
    assert shape(group_launches(claims, findings, media("abc"), {})) == [
        (["A", "B", "C"], 1, ["copy", "copy"])
    ]


def test_a_claim_matching_nothing_is_one_launch_however_many_videos_it_holds():
    claims = [stored("A", 1, 1, [("a1.mp4", "a"), ("a2.mp4", "b"), ("p.jpg", "p")])]
    launches = group_launches(claims, [], media("ab", stills="p"), {})
    assert shape(launches) == [(["A"], 1, [])]
    assert launches[0].first.media == ("a1.mp4", "a2.mp4")  # the videos: the still shows no launch


def test_close_ups_and_stills_show_their_claims_launch_not_one_of_their_own():
    claims = [
        stored("A", 1, 1, [("wide.mp4", "a"), ("close.mp4", "k")]),
        stored("B", 2, 2, [("grab.jpg", "g")]),  # a frame grab of A's close-up
        stored("C", 3, 3, [("serial.jpg", "s")]),  # the same serial, shot anew
        stored("D", 4, 4, [("still.jpg", "t")]),  # a still matching nothing
    ]
    findings = [
        copy("B", "grab.jpg", "A", "close.mp4"),
        recycled("C", "serial.jpg", "A", "close.mp4"),
    ]
    launches = group_launches(claims, findings, media("ak", stills="gst"), {"k": CLOSEUP})
    assert shape(launches) == [
        (["A", "B", "C"], 1, ["copy", "recycled_airframe"]),
        (["D"], 0, []),
    ]
    assert launches[0].first.media == ("wide.mp4",)


def test_the_strongest_tie_names_how_a_claim_shows_a_launch():
    claims = [
        stored("A", 1, 1, [("a.mp4", "a"), ("close.jpg", "k")]),
        stored("B", 2, 2, [("b.mp4", "b"), ("serial.jpg", "s")]),
    ]
    findings = [
        recycled("B", "serial.jpg", "A", "close.jpg"),
        copy("B", "b.mp4", "A", "a.mp4", conf=0.7),
    ]
    launches = group_launches(claims, findings, media("ab", stills="ks"), {})
    assert shape(launches) == [(["A", "B"], 1, ["copy"])]
    assert launches[0].later[0].media == ("b.mp4", "serial.jpg")
    assert launches[0].later[0].confidence == 0.7


def test_launches_with_as_many_claims_keep_archive_order():
    claims = [stored(c, i + 1, i + 1, [(f"{c}.mp4", c.lower())]) for i, c in enumerate("ABCD")]
    findings = [copy("D", "D.mp4", "B", "B.mp4"), copy("C", "C.mp4", "A", "A.mp4")]
    assert [la.first.claim_id for la in group_launches(claims, findings, media("abcd"), {})] == [
        "A",
        "B",
    ]
