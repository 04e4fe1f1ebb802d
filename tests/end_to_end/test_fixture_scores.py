"""Scores on the bundled fixtures: every original ranks above what recycles it."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES

pytestmark = pytest.mark.skipif(
    not (FIXTURES / "ground_truth.json").exists(), reason="fixtures not generated"
)


@pytest.fixture(scope="module")
def scores(demo) -> dict[str, int]:
    report = json.loads(next(p for p in demo.reports if p.suffix == ".json").read_text())
    return {c["id"]: c["credibility"]["score"] for c in report["claims"]}


def test_every_original_ranks_above_each_claim_that_recycles_it(truth, scores):
    """Copies, other angles and recycled airframes alike (``claims[id].recycles``)."""
    pairs = [
        (original, claim)
        for claim, entry in truth["claims"].items()
        for original in entry["recycles"]
        if truth["claims"][original]["original"]
    ]
    assert len(pairs) >= 15
    wrong = [(o, c, scores[o], scores[c]) for o, c in pairs if scores[o] <= scores[c]]
    assert not wrong, wrong


def test_originals_with_a_fresh_closeup_are_rated_high(truth, scores):
    fresh = [c for c, e in truth["claims"].items() if e["original"] and e["has_closeup"]]
    assert fresh and all(scores[c] >= 75 for c in fresh), {c: scores[c] for c in fresh}
