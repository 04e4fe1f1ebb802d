"""Reused footage on the bundled fixtures, against their ground truth.

The whole fixture archive is ingested and re-scored once; every ground-truth
copy must be found with its segment within 1 s in both items, and no trap
(night footage, shared intro bumpers, the same drone elsewhere) may be
reported as a copy. Precision and recall are printed and asserted.
"""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES

from provenance.intake import read_manifest

pytestmark = pytest.mark.skipif(
    not (FIXTURES / "ground_truth.json").exists(), reason="fixtures not generated"
)
SEGMENT_TOLERANCE_S = 1.0

# ``truth``, ``demo`` and ``findings`` are session fixtures in conftest.py


def test_demo_writes_reports_with_what_the_archive_found(demo, findings: list) -> None:
    assert {p.suffix for p in demo.reports} == {".html", ".json", ".csv"}
    report = json.loads(next(p for p in demo.reports if p.suffix == ".json").read_text())
    reported = [
        (c["id"], f["kind"], f["media"], f["other_claim"] or "")
        for c in report["claims"]
        for f in c["findings"]
    ]
    stored = [(f.claim_id, f.kind.value, f.media, f.other_claim or "") for f in findings]
    assert sorted(reported) == sorted(stored)
    assert len(report["claims"]) == len(read_manifest(FIXTURES / "manifest.jsonl").entries)
    assert all(c["credibility"] is not None for c in report["claims"])


def claim_of(truth: dict, media: str) -> str:
    return truth["media"][media]["claim"]


def expected_copies(truth: dict) -> dict[str, dict]:
    """copy media -> its ground-truth row against the earliest source (other claims only)."""
    rows = {}
    for row in truth["copies"]:
        if row.get("same_claim"):
            continue
        rows.setdefault(row["media"], row)
    return rows


def test_every_copy_is_found_with_its_segment(truth: dict, findings: list) -> None:
    found = {f.media: f for f in findings if f.kind.value == "copy"}
    missed, misplaced = [], []
    for media, row in expected_copies(truth).items():
        finding = found.get(media)
        if finding is None:
            missed.append(f"{media} ({'+'.join(row['edits'])})")
            continue
        sources = {r["source"] for r in truth["copies"] if r["media"] == media}
        sources |= {r.get("via") for r in truth["copies"] if r["media"] == media} - {None}
        source_claims = {claim_of(truth, s) for s in sources}
        assert finding.other_claim in source_claims or finding.other_media in sources, (
            media,
            finding,
        )
        if row.get("segment") and finding.segment and finding.other_media == row["source"]:
            seg, want = finding.segment, row["segment"]
            off = max(
                abs(seg.start_s - want["start_s"]),
                abs(seg.end_s - want["end_s"]),
                abs(seg.other_start_s - want["other_start_s"]),
                abs(seg.other_end_s - want["other_end_s"]),
            )
            if off > SEGMENT_TOLERANCE_S:
                misplaced.append(f"{media}: {seg} vs {want}")
    recall = 1 - len(missed) / max(1, len(expected_copies(truth)))
    print(f"copy recall on fixtures: {recall:.3f}; missed: {missed}")
    assert not missed, missed
    assert not misplaced, misplaced


def test_no_false_copies(truth: dict, findings: list) -> None:
    copies = [f for f in findings if f.kind.value == "copy"]
    allowed = {(r["media"], claim_of(truth, r["source"])) for r in truth["copies"]}
    allowed |= {(r["media"], claim_of(truth, r["via"])) for r in truth["copies"] if r.get("via")}
    false = [
        f"{f.media} ~ {f.other_media} ({f.other_claim})"
        for f in copies
        if (f.media, f.other_claim) not in allowed
    ]
    precision = 1 - len(false) / max(1, len(copies))
    print(f"copy precision on fixtures: {precision:.3f} ({len(copies)} findings); false: {false}")
    assert not false, false


def test_traps_are_not_copies(truth: dict, findings: list) -> None:
    reported = {frozenset((f.media, f.other_media)) for f in findings if f.kind.value == "copy"}
    for kind, pairs in truth["traps"].items():
        for a, b in pairs:
            assert frozenset((a, b)) not in reported, f"trap {kind}: {a} ~ {b}"


# -- other angles (issue 4): what the demo's re-scoring run stored ------------------------


@pytest.fixture(scope="module")
def angle_findings(findings) -> list:
    return [f for f in findings if f.kind.value in ("other_angle", "same_site")]


def _angle_pairs(found: list) -> set[frozenset]:
    return {frozenset((f.media, f.other_media)) for f in found if f.kind.value == "other_angle"}


def _wrong_angles(truth: dict, found: list) -> list[tuple[str, str]]:
    from fixturegen.truth import event_of

    wrong = []
    for f in found:
        if f.kind.value != "other_angle":
            continue
        (ea, ca), (eb, cb) = event_of(truth, f.media), event_of(truth, f.other_media)
        if not (ea is not None and ea == eb and ca != cb):
            wrong.append((f.media, f.other_media))
    return wrong


def test_every_other_angle_pair_is_found_with_its_offset(truth, angle_findings):
    """Recall, asserted: every pair of cameras on one launch pairs up, with its offset.

    B1-cam1 (C004) is also re-posted byte for byte by C012: the same bytes in two
    claims are still original footage and must stay in the comparison.
    """
    wanted = {frozenset((p["a"], p["b"])) for p in truth["other_angles"]}
    assert wanted <= _angle_pairs(angle_findings)
    for f in angle_findings:
        pair = frozenset((f.media, f.other_media))
        for p in truth["other_angles"]:
            if pair == frozenset((p["a"], p["b"])):
                # other media time = media time - offset_s; the truth's offset is b - a clocks
                expected = p["offset_s"] if f.media == p["b"] else -p["offset_s"]
                assert f.evidence.offset_s == pytest.approx(-expected, abs=0.35)


def test_no_night_or_bumper_pair_is_related(truth, angle_findings):
    pairs = {frozenset((f.media, f.other_media)) for f in angle_findings}
    for kind in ("night", "bumper"):
        assert not ({frozenset(p) for p in truth["traps"][kind]} & pairs), kind


def test_other_angle_precision_and_recall(truth, angle_findings):
    """Every pair of cameras on one launch, and nothing else: A2 (C007) is site A on
    another day, a launch from 1.9 m away whose track matches A1's in every way the
    epipolar geometry can see; its sound is another launch's."""
    wanted = {frozenset((p["a"], p["b"])) for p in truth["other_angles"]}
    found = _angle_pairs(angle_findings)
    wrong = _wrong_angles(truth, angle_findings)
    print(f"other_angle recall {len(wanted & found)}/{len(wanted)}, wrong {wrong}")
    assert wanted <= found and not wrong


def test_shared_bumpers_and_copies_are_not_same_site(truth, angle_findings):
    """A homography explains shared footage: that is never another viewpoint."""
    bumpers = {frozenset(p) for p in truth["traps"]["bumper"]}
    pairs = {frozenset((f.media, f.other_media)) for f in angle_findings}
    assert not (bumpers & pairs)


def test_same_site_findings_are_the_same_place_on_another_day(truth, angle_findings):
    """Informational, never wrong: each same_site pair is one site, two events."""
    same_site = {frozenset((p["a"], p["b"])) for p in truth["same_site"]}
    site_findings = [f for f in angle_findings if f.kind.value == "same_site"]
    found = {frozenset((f.media, f.other_media)) for f in site_findings}
    assert found and found <= same_site
    for f in site_findings:
        if f.evidence.sound is not None:
            assert f.evidence.sound.says == "another launch"
