"""Thirty re-posts of one night launch, each from an earlier re-post with its own edit.

The chain (``fixturegen/reposts.py``) is built from the bundled fixtures' night
original C005_a, ingested with the other night site's launch (C006_a, the trap)
and re-scored once. No finding may touch the trap; what the detector finds is
held to what it found when the chain was made, so that it only gets better.
All thirty named R000 and every segment within 1 s are the issue's targets,
not yet met: those tests are strict xfails, so they fail the day the detector
meets them and the mark must go.
"""

from __future__ import annotations

import pytest
from conftest import FIXTURES

pytestmark = pytest.mark.skipif(
    not (FIXTURES / "ground_truth.json").exists(), reason="fixtures not generated"
)
SEGMENT_TOLERANCE_S = 1.0
MEASURED = {"found": 25, "named": 23, "segments_within_1s": 10}


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory):
    from fixturegen.reposts import repost_chain

    return repost_chain(FIXTURES, tmp_path_factory.mktemp("chain"))


@pytest.fixture(scope="module")
def copies(chain) -> dict:
    """Copy findings of the chain's archive, by claim."""
    from provenance.archive import open_archive
    from provenance.intake import read_manifest
    from provenance.jobs.ingest import ingest_manifest
    from provenance.jobs.rescore import rescore

    with open_archive(chain.manifest.parent / "chain.db", write=True, create=True) as archive:
        ingest_manifest(archive, read_manifest(chain.manifest), fingerprint=False)
        rescore(archive, workers=2)
        found = [f for f in archive.findings() if f.kind.value == "copy"]
    return {f.claim_id: f for f in found}


def test_no_finding_touches_the_other_night_launch(copies) -> None:
    assert "T000" not in copies
    named = {
        c: {f.other_claim, *(h.claim_id for h in f.evidence.also_in)} for c, f in copies.items()
    }
    assert not [c for c, holders in named.items() if "T000" in holders]
    assert set(copies) <= {f"R{i:03d}" for i in range(1, 31)}


def segment_errors(chain, copies) -> dict[str, float]:
    """Per re-post naming R000: the largest error of its segment's four ends (s)."""
    off = {}
    for c, f in copies.items():
        row = chain.truth[f.media]["copies"][0]
        if f.other_claim != "R000" or f.segment is None or row["segment"] is None:
            continue
        want, seg = row["segment"], f.segment
        off[c] = max(
            abs(seg.start_s - want["start_s"]),
            abs(seg.end_s - want["end_s"]),
            abs(seg.other_start_s - want["other_start_s"]),
            abs(seg.other_end_s - want["other_end_s"]),
        )
    return off


def test_the_chain_is_found_as_measured(chain, copies) -> None:
    """What the detector does on the chain today, so that it only gets better."""
    named = sum(f.other_claim == "R000" for f in copies.values())
    linked = sum(
        "R000" in {f.other_claim, *(h.claim_id for h in f.evidence.also_in)}
        for f in copies.values()
    )
    off = segment_errors(chain, copies)
    within = sum(e <= SEGMENT_TOLERANCE_S for e in off.values())
    print(
        f"re-post chain: {len(copies)}/30 found, {named}/30 name R000, {linked}/30 link it; "
        f"segments within 1 s: {within}/{len(off)}"
    )
    # measured when the chain was made (2026-11-30, commit of fixturegen/reposts.py)
    assert len(copies) >= MEASURED["found"] and named >= MEASURED["named"]
    assert within >= MEASURED["segments_within_1s"]


@pytest.mark.xfail(
    strict=True,
    reason="issue 16 target not met: captions, logos, crops and letterbox over night "
    "footage are missed or matched against a later re-post (BENCHMARKS.md, issue 16)",
)
def test_all_thirty_reposts_name_the_first_holder(copies) -> None:
    assert sorted(c for c, f in copies.items() if f.other_claim == "R000") == [
        f"R{i:03d}" for i in range(1, 31)
    ]


@pytest.mark.xfail(
    strict=True,
    reason="issue 16 target not met: a caption over a dark frame keeps the dark part "
    "before the launch from matching, so the segment starts late",
)
def test_segments_against_the_first_holder_are_within_a_second(chain, copies) -> None:
    off = segment_errors(chain, copies)
    assert off and max(off.values()) <= SEGMENT_TOLERANCE_S, off
