"""The demo's launches against the fixtures' ground truth.

Each fixture launch (an ``event`` of the ground truth) must be one launch of
the report, holding exactly the claims whose footage shows it: its cameras,
every copy of them (copies of copies too), and claims showing a close-up of
an airframe a claim of the launch showed, or a copy of such a close-up. A
claim whose footage shows no launch stands alone. Every claim is in a launch,
and the JSON report, the CSV of launches and the HTML say the same.
"""

from __future__ import annotations

import csv
import json
import re
from functools import cache

import pytest
from conftest import FIXTURES

pytestmark = pytest.mark.skipif(
    not (FIXTURES / "ground_truth.json").exists(), reason="fixtures not generated"
)


def expected_launches(truth: dict) -> dict[str, set[str]]:
    """Event -> the claims showing it, from the ground truth alone."""
    media = truth["media"]
    sources: dict[str, list[str]] = {}
    for c in truth["copies"]:
        sources.setdefault(c["media"], []).append(c["source"])

    @cache
    def events_of_claim(claim: str) -> frozenset[str]:
        return frozenset().union(*(item_events(p) for p, m in media.items() if m["claim"] == claim))

    @cache
    def item_events(path: str) -> frozenset[str]:
        if media[path]["event"]:
            return frozenset({media[path]["event"]})
        found: frozenset[str] = frozenset()
        for source in sources.get(path, ()):
            theirs = media[source]["claim"]
            elsewhere = theirs != media[path]["claim"]  # a claim's own frame grab: no launch
            found |= item_events(source) or (events_of_claim(theirs) if elsewhere else found)
        return found

    shown: dict[str, set[str]] = {}
    for path, m in media.items():
        for event in item_events(path):
            shown.setdefault(event, set()).add(m["claim"])
    for r in truth["recycled_identifiers"]:
        first = r["first_media"]
        for event in item_events(first) or events_of_claim(media[first]["claim"]):
            shown[event].add(media[r["media"]]["claim"])
    return shown


def test_each_fixture_launch_is_one_launch_with_all_its_claims(demo, truth) -> None:
    report = json.loads(next(p for p in demo.reports if p.suffix == ".json").read_text())
    launches = report["launches"]
    reported = [{la["first"]["claim"], *(c["claim"] for c in la["later"])} for la in launches]
    expected = expected_launches(truth)
    assert len(expected) == 7  # A1, A2, B1, C1, D1, E1, F1
    for event, claims in expected.items():
        cameras_at = {m["claim"] for m in truth["media"].values() if m["event"] == event}
        holding = [r for r in reported if r & cameras_at]  # one launch, not split
        assert holding == [claims], f"launch {event}: expected {sorted(claims)}, got {holding}"
    in_events = set().union(*expected.values())
    alone = [r for r in reported if not r & in_events]
    assert all(len(r) == 1 for r in alone), alone
    assert len(launches) == len(expected) + len(alone)
    assert set().union(*reported) == {c["id"] for c in report["claims"]}
    counts = [la["claim_count"] for la in launches]
    assert counts == sorted(counts, reverse=True)
    cameras = {
        event: next(la for la, r in zip(launches, reported, strict=True) if r == claims)["cameras"]
        for event, claims in expected.items()
    }
    truth_cameras: dict[str, set[str]] = {}
    for m in truth["media"].values():
        if m["event"]:
            truth_cameras.setdefault(m["event"], set()).add(m["camera"])
    assert cameras == {e: len(c) for e, c in truth_cameras.items()}


def test_the_launches_csv_and_html_say_what_the_json_says(demo) -> None:
    report = json.loads(next(p for p in demo.reports if p.suffix == ".json").read_text())
    table = next(p for p in demo.reports if p.suffix == ".csv")
    launches_csv = table.with_name(table.stem + "_launches.csv")
    assert launches_csv in demo.reports  # the demo names it with the others
    rows = list(csv.DictReader(launches_csv.open()))
    assert len(rows) == sum(la["claim_count"] for la in report["launches"])
    for la in report["launches"]:
        mine = [r for r in rows if r["launch"] == la["id"]]
        assert [r["claim"] for r in mine] == [la["first"]["claim"]] + [
            c["claim"] for c in la["later"]
        ]
        assert [r["how"] for r in mine[1:]] == [c["how"] for c in la["later"]]
    html = next(p for p in demo.reports if p.suffix == ".html").read_text()
    assert html.index('id="launches"') < html.index('id="claims"')
    text = re.sub(r"<[^>]+>", "", html)  # what a reader sees
    for la in report["launches"]:
        assert la["summary"] in text and f'id="launch-{la["id"]}"' in html
