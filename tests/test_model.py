"""The typed evidence of findings: each kind to its JSON object and back, unchanged."""

from __future__ import annotations

import json

import pytest
from conftest import REPO

from provenance.model import (
    EventAgreement,
    Finding,
    FindingKind,
    FrameHashCopy,
    Holder,
    IdenticalBytes,
    IdentifierEvidence,
    NoCloseupEvidence,
    SetAsideText,
    SoundAgreement,
    UnresolvedMarking,
    ViewGeometry,
    evidence_from_dict,
)

VIEW = {
    "method": "epipolar_geometry",
    "frame_s": 2.5,
    "other_frame_s": 3.0,
    "matches": 120,
    "inliers": 64,
    "homography_inliers": 31,
    "spread": 0.412,
    "parallax": True,
    "frame_size": [640, 360],
    "other_frame_size": [640, 352],
    "points": [[101.5, 88.0, 97.2, 90.1], [300.0, 12.5, 310.4, 15.0]],
}
EVENT = {
    "offset_s": -1.24,
    "event_frames_consistent": 8,
    "event_frames_checked": 9,
    "event_error": 0.0061,
}
SOUND = {
    "sound_correlation": 0.71,
    "sound_lag_s": 0.05,
    "launch_loudness_db": [14.2, 9.8],
    "sound_says": "same launch",
}

# one JSON object of every kind of evidence (and each optional part present and absent)
EXAMPLES = {
    "identical bytes": {
        "method": "identical_bytes",
        "sha256": "ab" * 32,
        "also_in": [{"claim": "C2", "media": "m/c2.mp4"}, {"claim": "C3", "media": "m/c3.mp4"}],
    },
    "identical bytes, not in the archive": {
        "method": "identical_bytes",
        "sha256": None,
        "also_in": [],
    },
    "frame hashes": {
        "method": "frame_hashes",
        "matched_frames": 14,
        "weight": 9.5,
        "mean_distance_bits": 3.142857142857143,
        "speed": 1.25,
        "transform": "hflip",
        "also_in": [{"claim": "C7", "media": "media/C7_a.mp4"}],
        "via": None,
    },
    "frame hashes, traced through a later holder": {
        "method": "frame_hashes",
        "matched_frames": 9,
        "weight": 9.0,
        "mean_distance_bits": 4.5,
        "speed": 0.8,
        "transform": "identity",
        "also_in": [{"claim": "C9", "media": "media/C9_b.mp4"}],
        "via": {"claim": "C9", "media": "media/C9_b.mp4"},
    },
    "view geometry: same site, no launch": VIEW,
    "view geometry: the launch, no sound": {**VIEW, **EVENT},
    "view geometry: the launch and its sound": {**VIEW, **EVENT, **SOUND},
    "view geometry: no keypoints kept": {**VIEW, "points": [], **EVENT},
    "identifier": {
        "method": "identifier",
        "identifier": "BN-1O42",
        "other_identifier": "BN-1042",
        "key": "BN1042",
        "frame_s": 1.083,
        "other_frame_s": 0.0,
        "box": [212.0, 140.5, 330.0, 171.0],
        "other_box": [10.0, 20.0, 128.5, 52.0],
    },
    "no close-up": {
        "method": "closeup_reading",
        "media_read": ["media/a.mp4", "media/b.jpg"],
        "frames_read": {"media/a.mp4": [0.0, 1.0833333333333333, 4.0], "media/b.jpg": [0.0]},
        "text_set_aside": [
            {
                "media": "media/a.mp4",
                "time_s": 1.0833333333333333,
                "text": "NORTH MEDIA",
                "why": "burned in: at the frame's top or bottom edge",
            },
        ],
        "markings_too_small_or_blurred": [
            {"media": "media/a.mp4", "text": "BN-1042", "height_px": 9.5, "sharpness": 1.1},
        ],
    },
    "no close-up, nothing read": {
        "method": "closeup_reading",
        "media_read": ["media/a.mp4"],
        "frames_read": {"media/a.mp4": [0.0]},
        "text_set_aside": [],
        "markings_too_small_or_blurred": [],
    },
}


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_kind_of_evidence_goes_to_its_dict_and_back_unchanged(name: str) -> None:
    d = EXAMPLES[name]
    evidence = evidence_from_dict(d)
    assert evidence.to_dict() == d
    assert json.dumps(evidence.to_dict(), sort_keys=True) == json.dumps(d, sort_keys=True)
    assert evidence_from_dict(json.loads(json.dumps(evidence.to_dict()))) == evidence


def test_the_optional_parts_of_view_geometry_appear_only_when_present() -> None:
    bare = evidence_from_dict(VIEW)
    assert isinstance(bare, ViewGeometry) and bare.event is None and bare.sound is None
    assert bare.offset_s is None and "offset_s" not in bare.to_dict()
    heard = evidence_from_dict({**VIEW, **EVENT, **SOUND})
    assert isinstance(heard, ViewGeometry)
    assert heard.event == EventAgreement(-1.24, 8, 9, 0.0061) and heard.offset_s == -1.24
    assert heard.sound == SoundAgreement(0.71, 0.05, (14.2, 9.8), "same launch")
    assert list(heard.to_dict()) == [*VIEW, *EVENT, *SOUND]  # the order stored in match_json


def test_evidence_made_by_the_detectors_gives_the_contract_keys() -> None:
    assert IdenticalBytes("ff", (Holder("C2", "m/c2.mp4"),)).to_dict() == {
        "method": "identical_bytes",
        "sha256": "ff",
        "also_in": [{"claim": "C2", "media": "m/c2.mp4"}],
    }
    copy = FrameHashCopy(3, 2.5, 1.0, 1.0, "identity").to_dict()
    assert copy["also_in"] == [] and copy["method"] == "frame_hashes"
    marking = IdentifierEvidence("A-1234", "A-1234", "A1234", 1.0, 2.0, (1, 2, 3, 4), (5, 6, 7, 8))
    assert marking.to_dict()["box"] == [1, 2, 3, 4]
    read = NoCloseupEvidence(
        ("a.mp4",),
        (("a.mp4", (0.5, 1.5)),),
        (SetAsideText("a.mp4", 0.5, "NEWS", "burned in"),),
        (UnresolvedMarking("a.mp4", "AB-12", 8.0, 0.9),),
    ).to_dict()
    assert read["frames_read"] == {"a.mp4": [0.5, 1.5]}
    assert read["text_set_aside"] == [
        {"media": "a.mp4", "time_s": 0.5, "text": "NEWS", "why": "burned in"}
    ]
    assert read["markings_too_small_or_blurred"] == [
        {"media": "a.mp4", "text": "AB-12", "height_px": 8.0, "sharpness": 0.9}
    ]


def test_view_geometry_reversed_twice_is_itself() -> None:
    heard = evidence_from_dict({**VIEW, **EVENT, **SOUND})
    assert isinstance(heard, ViewGeometry)
    back = heard.reversed()
    assert back.offset_s == 1.24 and back.sound is not None and back.sound.lag_s == -0.05
    assert back.frame_size == (640, 352) and back.points[0] == (97.2, 90.1, 101.5, 88.0)
    assert back.reversed() == heard


def test_every_evidence_of_the_committed_demo_report_reads_back_unchanged() -> None:
    report = json.loads((REPO / "tests" / "data" / "demo_report_before_layout.json").read_text())
    kinds = set()
    for claim in report["claims"]:
        for finding in claim["findings"]:
            shown = dict(finding["evidence"])
            decided = shown.pop("decided_by", None)  # derived by the report, never stored
            evidence = evidence_from_dict(shown)
            assert evidence.to_dict() == shown
            if isinstance(evidence, ViewGeometry):
                assert decided == evidence.decided_by
            else:
                assert decided is None
            kinds.add(type(evidence))
    assert kinds == {
        IdenticalBytes,
        FrameHashCopy,
        ViewGeometry,
        IdentifierEvidence,
        NoCloseupEvidence,
    }


def test_unknown_or_missing_method_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown method"):
        evidence_from_dict({"method": "telepathy"})
    with pytest.raises(ValueError, match="unknown method"):
        evidence_from_dict({"sha256": None, "also_in": []})
    with pytest.raises(KeyError):
        evidence_from_dict({"method": "identical_bytes"})


def test_a_finding_holds_evidence_its_kind_allows() -> None:
    same = IdenticalBytes("ff")
    assert Finding(FindingKind.COPY, "C2", "a.mp4", 1.0, "C1", "b.mp4", evidence=same)
    with pytest.raises(TypeError, match="no_closeup finding with IdenticalBytes"):
        Finding(FindingKind.NO_CLOSEUP, "C2", "a.mp4", 1.0, evidence=same)


def test_also_in_of_an_earlier_version_reads_back_with_the_claims() -> None:
    """Findings stored before ``also_in`` named media held claim ids alone."""
    old = evidence_from_dict({"method": "identical_bytes", "sha256": None, "also_in": ["C2"]})
    assert isinstance(old, IdenticalBytes) and old.also_in == (Holder("C2", ""),)


def test_copy_evidence_stored_before_tracing_reads_as_direct() -> None:
    stored = {k: v for k, v in EXAMPLES["frame hashes"].items() if k != "via"}
    evidence = evidence_from_dict(stored)
    assert evidence.via is None
    assert evidence.to_dict() == {**stored, "via": None}
