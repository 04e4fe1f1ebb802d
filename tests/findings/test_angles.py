"""Stored view relations -> other_angle and same_site findings, and how they are scored."""

from dataclasses import replace

from test_copies import MEDIA, stored

from provenance.findings import claim_order, find_all
from provenance.findings.angles import ViewRelation, angle_findings
from provenance.model import EventAgreement, FindingKind, SoundAgreement, ViewGeometry
from provenance.scoring import score_claim


def relation(a: str, b: str, *, same_event: bool = True, confidence: float = 0.8) -> ViewRelation:
    """``a`` shows ``b``'s place; ``a``'s media time = ``b``'s + 1.5 s."""
    return ViewRelation(
        a,
        b,
        same_event,
        confidence,
        ViewGeometry(
            frame_s=1.0,
            other_frame_s=2.0,
            matches=90,
            inliers=45,
            homography_inliers=20,
            spread=0.31,
            parallax=True,
            frame_size=(480, 272),
            other_frame_size=(272, 480),
            points=((10.0, 20.0, 30.0, 40.0),),
            event=EventAgreement(1.5, 7, 9, 0.0123),
            sound=SoundAgreement(0.62, 0.04, (20.0, 12.0), "same launch"),
        ),
    )


def test_a_relation_reads_both_ways_and_survives_storage():
    rel = relation("a", "b")
    back = ViewRelation.from_json("a", "b", rel.to_json())
    assert back == rel
    flipped = rel.reversed()
    assert (flipped.sha256, flipped.other_sha256) == ("b", "a")
    d = flipped.details
    assert (d.frame_s, d.other_frame_s) == (2.0, 1.0)
    assert (d.frame_size, d.other_frame_size) == ((272, 480), (480, 272))
    assert d.points == ((30.0, 40.0, 10.0, 20.0),)
    assert d.event is not None and d.sound is not None
    assert (d.event.offset_s, d.sound.lag_s) == (-1.5, -0.04)
    assert d.sound.launch_loudness_db == (12.0, 20.0)
    assert flipped.reversed() == rel


# a relation as the archive holds it (matches.match_json), written before evidence was typed
STORED = (
    '{"same_event":true,"confidence":0.873,"method":"epipolar_geometry","frame_s":2.5,'
    '"other_frame_s":3.0,"matches":120,"inliers":64,"homography_inliers":31,"spread":0.412,'
    '"parallax":true,"frame_size":[640,360],"other_frame_size":[640,352],'
    '"points":[[101.5,88.0,97.2,90.1],[300.0,12.5,310.4,15.0]],"offset_s":-1.24,'
    '"event_frames_consistent":8,"event_frames_checked":9,"event_error":0.0061,'
    '"sound_correlation":0.71,"sound_lag_s":0.05,"launch_loudness_db":[14.2,9.8],'
    '"sound_says":"same launch"}'
)
# the same without sound, and without the launch (same_site)
STORED_SILENT = STORED.split(',"sound_correlation"')[0] + "}"
STORED_SITE = (
    STORED.split(',"offset_s"')[0].replace('"same_event":true', '"same_event":false') + "}"
)


def test_stored_relations_load_and_are_written_again_byte_for_byte():
    for text in (STORED, STORED_SILENT, STORED_SITE):
        rel = ViewRelation.from_json("a", "b", text)
        assert rel.to_json() == text
        assert ViewRelation.from_json("b", "a", rel.reversed().to_json()).reversed() == rel
    silent = ViewRelation.from_json("a", "b", STORED_SILENT).details
    assert silent.event is not None and silent.event.offset_s == -1.24 and silent.sound is None
    site = ViewRelation.from_json("a", "b", STORED_SITE)
    assert not site.same_event and site.details.event is None and site.details.offset_s is None


def test_the_later_claim_carries_the_finding_whichever_side_was_matched():
    claims = sorted(
        [stored("FIRST", 2, 2, [("m/a.mp4", "a")]), stored("LATER", 5, 1, [("m/b.mp4", "b")])],
        key=claim_order,
    )
    # stored from a's side (a was new when matched), but b's claim is the later one
    found = angle_findings(claims, [relation("a", "b")])
    assert [(f.claim_id, f.media, f.other_claim, f.other_media) for f in found] == [
        ("LATER", "m/b.mp4", "FIRST", "m/a.mp4")
    ]
    assert found[0].kind is FindingKind.OTHER_ANGLE and found[0].evidence.offset_s == -1.5
    # related from both sides (both new in one run): one finding, the surer side's
    both = angle_findings(claims, [relation("a", "b"), relation("b", "a", confidence=0.9)])
    assert len(both) == 1 and both[0].confidence == 0.9 and both[0].evidence.offset_s == 1.5


def three_claims() -> list:
    """ONE, TWO and THREE, on days 1-3, holding a, b and c."""
    return sorted(
        [
            stored("ONE", 1, 1, [("m/a.mp4", "a")]),
            stored("TWO", 2, 2, [("m/b.mp4", "b")]),
            stored("THREE", 3, 3, [("m/c.mp4", "c")]),
        ],
        key=claim_order,
    )


def test_same_site_copies_and_unknown_items_stay_apart():
    claims = three_claims()
    found = angle_findings(
        claims,
        [relation("b", "a", same_event=False), relation("c", "a"), relation("d", "a")],
        derived=frozenset({"c"}),
    )
    assert [(f.kind, f.claim_id) for f in found] == [(FindingKind.SAME_SITE, "TWO")]


def test_one_launch_seen_by_several_earlier_claims_costs_once():
    claims = three_claims()
    relations = [relation("b", "a"), relation("c", "a"), relation("c", "b")]
    findings = find_all(claims, MEDIA, {}, matches=[], relations=relations)
    three = [f for f in findings if f.claim_id == "THREE"]
    assert [(f.kind, f.other_claim) for f in three] == [
        (FindingKind.OTHER_ANGLE, "ONE"),
        (FindingKind.OTHER_ANGLE, "TWO"),
    ]
    score = score_claim(claims[2], three, MEDIA)
    angled = [r for r in score.reasons if r.code == "other_angle_of_earlier_claim"]
    assert len(angled) == 1 and "also in claim TWO" in angled[0].text
    same_site = angle_findings(claims, [relation("b", "a", same_event=False)])
    assert not [r for r in score_claim(claims[1], same_site, MEDIA).reasons if r.effect]


def test_the_evidence_says_which_cues_decided():
    with_sound = relation("a", "b").details
    assert with_sound.decided_by == "geometry, the launch's track and the launch's sound"
    other = replace(with_sound, sound=replace(with_sound.sound, says="another launch"))
    assert other.decided_by == "geometry and the launch's track; the sound said another launch"
    assert replace(with_sound, sound=None).decided_by == "geometry and the launch's track"
    assert replace(with_sound, event=None, sound=None).decided_by == "geometry"
