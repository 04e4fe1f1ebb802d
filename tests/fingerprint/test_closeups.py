"""The close-up reader: identifiers, overlays, sharpness, candidates, findings."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
import pytest
from conftest import FIXTURES

from provenance.findings.closeups import find_missing_closeups, find_recycled_identifiers
from provenance.fingerprint import _closeups as closeups
from provenance.fingerprint import codecs, read_media_closeups
from provenance.fingerprint._closeups import (
    MIN_MARK_PX,
    MIN_MARK_SHARPNESS,
    CandidateFrames,
    CloseupReading,
    Marking,
    classify,
    identifier_tokens,
    match_key,
    normalise,
    read_closeups,
    sharpness,
)
from provenance.model import (
    Claim,
    ClaimMedia,
    FindingKind,
    MediaRecord,
    MediaStatus,
    StoredClaim,
)

# -- text ---------------------------------------------------------------------------


def test_normalise_and_match_key_absorb_the_usual_confusions():
    assert normalise(" bn \u2013 1042 ") == "BN-1042"
    assert match_key("BN-1O42") == match_key("bn 1042") == match_key("BN_1042") == "BN1042"
    assert match_key("SH-OO3I") == match_key("SH-0031")
    assert match_key("BN-1042") != match_key("BN-1077")


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("BN-1042", ["BN-1042"]),
        ("serial EF 2290", []),  # letters and digits apart: no token holds both
        ("NORTH MEDIA", []),
        ("2024-09-02 05:31:12", []),
        ("Fuel depot struck, 23 Oct", []),
        ("Operation Dune", []),
        ("UA-77 and SH-0031", ["UA-77", "SH-0031"]),
        ("A1", []),  # too short
    ],
)
def test_identifier_tokens(text, tokens):
    assert identifier_tokens(text) == tokens


# -- sharpness: the threshold separates readable marks from blurred ones --------------


def _text_frame(text: str = "BN-1042", height: int = 360, scale: float = 2.0) -> np.ndarray:
    rng = np.random.default_rng(3)
    frame = (120 + rng.normal(0, 6, (height, 640))).clip(0, 255).astype(np.uint8)
    cv2.putText(frame, text, (150, 200), cv2.FONT_HERSHEY_SIMPLEX, scale, 20, 6, cv2.LINE_AA)
    return frame


def _motion_blur(img: np.ndarray, length: int) -> np.ndarray:
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0 / length
    return cv2.filter2D(img, -1, kernel)


def test_sharpness_separates_sharp_from_motion_blurred_text():
    frame = _text_frame()
    box = (140.0, 150.0, 460.0, 215.0)
    sharp = sharpness(frame, box)
    assert sharp >= MIN_MARK_SHARPNESS
    for length in (9, 17, 33):
        blurred = _motion_blur(frame, length)
        assert sharpness(blurred, box) < MIN_MARK_SHARPNESS, length
        turned = cv2.warpAffine(blurred, cv2.getRotationMatrix2D((300, 180), 30, 1.0), (640, 360))
        assert sharpness(turned, box) < MIN_MARK_SHARPNESS, (length, "30 degrees")
    assert sharpness(cv2.GaussianBlur(frame, (0, 0), 2.0), box) < MIN_MARK_SHARPNESS


# -- sorting what was read -----------------------------------------------------------


def _line(time_s, text, box, score=0.99):
    return closeups.TextLine(time_s, text, score, box)


def test_text_at_the_edges_and_words_are_set_aside_markings_kept():
    frame = _text_frame()
    frames = {0.0: frame}
    lines = [
        _line(0.0, "NORTH MEDIA", (10.0, 5.0, 120.0, 25.0)),  # top band: a logo
        _line(0.0, "2024-09-02 05:31:12", (400.0, 335.0, 630.0, 355.0)),  # bottom band
        _line(0.0, "Operation Dune", (200.0, 100.0, 400.0, 130.0)),  # words
        _line(0.0, "BN-1042", (140.0, 150.0, 460.0, 215.0)),
    ]
    reading = classify(lines, frames)
    assert [m.text for m in reading.markings] == ["BN-1042"]
    assert reading.closeup is True
    assert [m.text for m in reading.identifiers] == ["BN-1042"]
    whys = {a.text: a.why for a in reading.set_aside}
    assert "edge" in whys["NORTH MEDIA"] and "edge" in whys["2024-09-02 05:31:12"]
    assert "not an identifier" in whys["Operation Dune"]


def test_text_pinned_while_the_picture_moves_is_burned_in():
    """A watermark in mid-frame: same box, same pixels, new picture around it."""
    rng = np.random.default_rng(1)
    first = rng.integers(0, 255, (360, 640), dtype=np.uint8)
    second = rng.integers(0, 255, (360, 640), dtype=np.uint8)
    box = (250.0, 160.0, 390.0, 200.0)
    for f in (first, second):
        cv2.putText(f, "TV-24", (255, 195), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 255, 3)
    second[160:200, 250:390] = first[160:200, 250:390]
    reading = classify(
        [_line(0.0, "TV-24", box), _line(2.0, "TV-24", box)], {0.0: first, 2.0: second}
    )
    assert reading.markings == ()
    assert all("same pixels" in a.why for a in reading.set_aside)


def test_a_serial_filmed_from_a_steady_hand_is_not_taken_for_an_overlay():
    """The serial moves a pixel or two with the camera: its own pixels change too."""
    frame = _text_frame()
    moved = np.roll(frame, (1, 2), axis=(0, 1))
    box = (140.0, 150.0, 460.0, 215.0)
    reading = classify(
        [_line(0.0, "BN-1042", box), _line(1.0, "BN-1042", (142.0, 151.0, 462.0, 216.0))],
        {0.0: frame, 1.0: moved},
    )
    assert len(reading.markings) == 2 and reading.closeup


def test_small_or_blurred_markings_do_not_make_a_closeup():
    frame = _text_frame()
    small = classify(
        [_line(0.0, "BN-1042", (300.0, 170.0, 340.0, 170.0 + MIN_MARK_PX - 2))], {0.0: frame}
    )
    assert small.markings and small.closeup is False and small.identifiers == []
    blurred = _motion_blur(frame, 33)
    soft = classify([_line(0.0, "BN-1042", (140.0, 150.0, 460.0, 215.0))], {0.0: blurred})
    assert soft.closeup is False


class FakeReader:
    """Reads fixed lines; re-reading a crop gives ``again``."""

    def __init__(self, lines, again=("", 0.0)):
        self._lines, self._again, self.crops = lines, again, []

    def lines(self, luma):
        return list(self._lines)

    def recognise(self, crop):
        self.crops.append(crop.shape)
        return self._again


def test_a_second_reading_of_the_upright_crop_wins_when_more_confident():
    frame = _text_frame()
    box = (140.0, 150.0, 460.0, 215.0)
    reader = FakeReader([("FBN-1042", 0.91, box)], again=("BN-1042", 0.99))
    reading = read_closeups([(0.0, frame)], reader)
    assert [m.text for m in reading.markings] == ["BN-1042"]
    assert reader.crops == [(65, 320)]
    worse = read_closeups([(0.0, frame)], FakeReader([("BN-1042", 0.97, box)], ("8N-1042", 0.5)))
    assert [m.text for m in worse.markings] == ["BN-1042"]


def test_reading_round_trips_through_bytes():
    reading = classify([_line(1.5, "BN-1042", (140.0, 150.0, 460.0, 215.0))], {1.5: _text_frame()})
    again = codecs.decode_closeup(codecs.encode_closeup(reading))
    assert again == reading and again.closeup is True
    failed = CloseupReading((0.0,), error="OCR not available: no module")
    assert codecs.decode_closeup(codecs.encode_closeup(failed)).closeup is None


def test_candidates_are_the_sharpest_frames_a_gap_apart():
    picker = CandidateFrames(most=2, gap_s=1.0)
    sharp, soft = _text_frame(), cv2.GaussianBlur(_text_frame(), (0, 0), 3.0)
    for i, frame in enumerate([sharp, sharp, soft, sharp, sharp, sharp]):
        picker.offer(i * 0.5, frame)  # only 0, 1 and 2 s are looked at
    times = [t for t, _ in picker.frames()]
    assert times == [0.0, 2.0]  # 0.5 s and 2.5 s are skipped by the gap
    assert all(f is not sharp and f is not soft for _, f in picker.frames())  # copies


# -- OCR runs offline, on the model in the wheel ---------------------------------------


def test_rapidocr_reads_a_fixture_serial_with_the_network_off(monkeypatch):
    pytest.importorskip("rapidocr")

    def refuse(*args, **kwargs):
        raise OSError("network disabled by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    grey = cv2.imread(str(FIXTURES / "media" / "C002_b.jpg"), cv2.IMREAD_GRAYSCALE)
    reading = read_media_closeups([(0.0, grey)])
    assert reading.error is None
    assert [m.text for m in reading.identifiers] == ["EF-2290"]


# -- findings --------------------------------------------------------------------------

T0 = datetime(2024, 9, 1, tzinfo=UTC)


def _stored(claim_id: str, day: int, media: list[tuple[str, str]], seq: int = 0) -> StoredClaim:
    claim = Claim(claim_id, T0 + timedelta(days=day), "G", tuple(p for p, _ in media))
    return StoredClaim(claim, seq, T0, tuple(ClaimMedia(p, sha) for p, sha in media))


def _reading(*serials: str, closeup: bool = True) -> CloseupReading:
    height = 40.0 if closeup else 6.0
    marks = tuple(
        Marking(0.0, s, match_key(s), 0.99, (0.0, 100.0, 200.0, 100.0 + height), height, 0.1, 1.6)
        for s in serials
    )
    return CloseupReading((0.0,), marks)


def test_recycled_identifier_points_to_the_earliest_claim_and_skips_its_own_claim():
    claims = [
        _stored("C1", 1, [("c1.jpg", "s1"), ("c1b.jpg", "s1b")]),
        _stored("C2", 2, [("c2.jpg", "s2")]),
        _stored("C3", 3, [("c3.jpg", "s3")]),
    ]
    readings = {
        "s1": _reading("BN-1042"),
        "s1b": _reading("BN-1O42"),  # the same claim again, misread: no finding
        "s2": _reading("EF-2290"),
        "s3": _reading("BN-1O42", "EF-2290"),
    }
    found = find_recycled_identifiers(claims, readings)
    assert [(f.claim_id, f.media, f.other_claim, f.other_media) for f in found] == [
        ("C3", "c3.jpg", "C1", "c1.jpg"),
        ("C3", "c3.jpg", "C2", "c2.jpg"),
    ]
    assert all(f.kind is FindingKind.RECYCLED_IDENTIFIER for f in found)
    assert found[0].evidence.identifier == "BN-1O42"
    assert found[0].evidence.other_identifier == "BN-1042"


def test_a_serial_shown_by_thirty_claims_costs_every_later_claim_and_rewards_none():
    """The heaviest recyclers are the point: from the 9th claim on, the serial used to be
    dropped from matching and scored as fresh (+10) instead of recycled (-30)."""
    from provenance.scoring import EFFECTS, score_claim

    n = 30
    claims = [_stored(f"C{i:02d}", i, [(f"c{i}.jpg", f"s{i}")]) for i in range(n)]
    readings = {f"s{i}": _reading("BN-1042") for i in range(n)}
    media = {f"s{i}": MediaRecord(f"s{i}", 1, f"c{i}.jpg", MediaStatus.DONE) for i in range(n)}
    found = find_recycled_identifiers(claims, readings)
    assert sorted(f.claim_id for f in found) == [f"C{i:02d}" for i in range(1, n)]
    assert {f.other_claim for f in found} == {"C00"}
    for stored in claims:
        mine = [f for f in found if f.claim_id == stored.claim.id]
        codes = [r.code for r in score_claim(stored, mine, media, readings).reasons]
        if stored.claim.id == "C00":
            assert codes == ["fresh_identifier"]
        else:
            assert codes == ["recycled_identifier"], stored.claim.id
            assert EFFECTS["recycled_identifier"] < 0


def test_no_closeup_needs_every_readable_item_read():
    done = MediaStatus.DONE
    media = {
        sha: MediaRecord(sha, 1, sha, status)
        for sha, status in [
            ("w", done),
            ("c", done),
            ("bad", MediaStatus.UNREADABLE),
            ("p", done),
            ("bug", MediaStatus.INTERNAL_ERROR),
        ]
    }
    claims = [
        _stored("WIDE", 1, [("w.mp4", "w")]),
        _stored("CLOSE", 2, [("w.mp4", "w"), ("c.jpg", "c")]),
        _stored("BROKEN", 3, [("w.mp4", "w"), ("bad.mp4", "bad")]),
        _stored("ALLBAD", 4, [("bad.mp4", "bad")]),
        _stored("UNREAD", 5, [("w.mp4", "w"), ("p.mp4", "p")]),
        # our own code failed on bug.mp4: it may hold the close-up, nothing is known
        _stored("OURBUG", 6, [("w.mp4", "w"), ("bug.mp4", "bug")]),
    ]
    readings = {"w": _reading(closeup=False), "c": _reading("BN-1042")}
    found = find_missing_closeups(claims, media, readings)
    assert [f.claim_id for f in found] == ["WIDE", "BROKEN"]
    assert found[1].evidence.media_read == ("w.mp4",)
    assert all(f.kind is FindingKind.NO_CLOSEUP for f in found)
