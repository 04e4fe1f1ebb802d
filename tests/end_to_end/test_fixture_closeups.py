"""Close-ups and identifiers on the bundled fixtures, against their ground truth.

Uses the session's demo archive (conftest.py). Asserted: the close-up
decision for at least 95 % of media, serials read exactly for at least 90 %
of the readable ones, no identifier from burned-in text, every recycled
identifier found and no other, ``no_closeup`` exactly for the claims without
an identifying close-up.
"""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES

from provenance.archive import open_archive
from provenance.fingerprint import match_key
from provenance.jobs.prints import stored_prints

pytestmark = pytest.mark.skipif(
    not (FIXTURES / "ground_truth.json").exists(), reason="fixtures not generated"
)


@pytest.fixture(scope="module")
def media_report(demo) -> dict[str, dict]:
    """The JSON report's ``media`` objects by path."""
    report = json.loads(next(p for p in demo.reports if p.suffix == ".json").read_text())
    return {m["path"]: m for c in report["claims"] for m in c["media"]}


def test_closeup_decision_is_right_for_95_percent_of_media(truth, media_report):
    wrong = [p for p, e in truth["media"].items() if media_report[p]["closeup"] != e["closeup"]]
    right = 1 - len(wrong) / len(truth["media"])
    print(f"close-up decision right for {right:.1%} of {len(truth['media'])} media; wrong {wrong}")
    assert right >= 0.95, wrong


def test_serials_are_read_exactly_for_90_percent_of_the_readable(truth, media_report):
    readable = {p: e["serial"] for p, e in truth["media"].items() if e["serial_readable"]}
    exact = [
        p
        for p, serial in readable.items()
        if [i["text"] for i in media_report[p]["identifiers"]] == [serial]
    ]
    share = len(exact) / len(readable)
    print(f"serials read exactly: {len(exact)}/{len(readable)}")
    assert len(readable) >= 10 and share >= 0.9, sorted(set(readable) - set(exact))


def test_no_identifier_comes_from_captions_logos_or_timestamps(truth, media_report):
    for path, entry in truth["media"].items():
        burned_in = {match_key(t) for text in entry["overlay_text"] for t in text.split()}
        burned_in |= {match_key(text) for text in entry["overlay_text"]}
        for identifier in media_report[path]["identifiers"]:
            assert match_key(identifier["text"]) not in burned_in, (path, identifier)
            assert entry["serial"] is not None and (
                match_key(identifier["text"]) == match_key(entry["serial"])
            ), (path, identifier)


def test_recycled_identifiers_are_found_and_only_they(truth, findings):
    wanted = {(r["media"], r["first_media"]) for r in truth["recycled_identifiers"]}
    found = {(f.media, f.other_media) for f in findings if f.kind.value == "recycled_identifier"}
    assert found == wanted


def test_no_closeup_is_reported_for_exactly_the_claims_without_one(truth, findings):
    wanted = {c for c, entry in truth["claims"].items() if not entry["has_closeup"]}
    found = {f.claim_id for f in findings if f.kind.value == "no_closeup"}
    assert found == wanted


def test_every_media_item_was_read_with_few_frames(demo):
    with open_archive(demo.archive, write=False) as archive:
        prints = stored_prints(archive)
    assert prints and all(
        p.closeup is not None and p.closeup.error is None for p in prints.values()
    )
    assert max(len(p.closeup.frames_read) for p in prints.values()) <= 3
