"""The demo's JSON report is the one committed before the package was laid out by stage.

`tests/data/demo_report_before_layout.json` was written by `provenance demo
--fixtures fixtures` at the commit before the move (scoring model v3), and
re-based once since: when copy findings' ``also_in`` started naming the media
of each holder, not only its claim (checked: nothing else changed), and when
the copy detector of issue 16 weighed every matched frame alike (checked: only
four copy findings' ``weight`` and ``confidence`` changed), and when a
mapping had to be one stretch (checked: C017's inset copy of C004 now maps
0.75-6.25 s of C004 at 3.1 bits, was 0.46-5.96 s at 6.0; the truth is
0.5-6.5 s), and when copies were traced through their holders and a
mapping's segment grew to the frames at its ends that still agree (checked:
copy evidence gained ``via``, null throughout; C020_b's turned copy of C013
now ends at 5.56 s, was 5.54; the truth is 6.0), and when the report gained its
top-level ``launches`` (checked: everything else compared equal; the launches
themselves are checked against the ground truth in ``test_fixture_launches``), and
when media objects gained ``metadata`` and the scoring model became v4 for
``recorded_before_claim`` (checked: with those taken out, everything compared
equal; no fixture file carries a capture time, so no score moved), and when
other-angle and same-site evidence gained ``decided_by`` in the report (checked:
the six such findings gained it, nothing else changed), and when a match seen
from the original's side was first turned back (checked: only C020_b's transform
changed. C020_b is C013 turned a quarter clockwise; it now reads ``rot90``, the turn
that brings it onto C013. Before, it read ``rot270``, C013's turn onto it, taken
from the match on C013's side without being turned back), and when media objects
gained ``closeup_marks`` and the scoring model became v5 for ``recycled_airframe``
and ``fresh_airframe`` (checked: with those taken out, everything compared equal;
three fixture close-ups, C004_b, C007_b and C010_b, now show it, and each has a
fresh or recycled identifier already, so no finding and no score moved), and when
a close-up came to be judged by all the detail it resolves, not by its marks
alone (issue 19; checked: only ``closeup_marks`` of C009_b and C023_b changed,
from null; both are close-ups with a serial already read, so no finding and no
score moved). A change
of layout must change no finding and no score: everything is compared exactly
(claims, media, findings, evidence, reasons), except the report's generation
time; numbers inside the evidence (inlier counts, keypoints, correlations)
are allowed a hair of difference, since SIFT and ORB on another processor
(another SIMD path) can place a keypoint a fraction of a pixel elsewhere.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from conftest import REPO

REFERENCE = REPO / "tests" / "data" / "demo_report_before_layout.json"


def _same(a: object, b: object, where: str, *, in_evidence: bool = False) -> list[str]:
    """Where ``a`` and ``b`` differ (empty: the same)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{where}: keys {sorted(a.keys() ^ b.keys())}"]
        return [
            d
            for k in a
            for d in _same(a[k], b[k], f"{where}.{k}", in_evidence=in_evidence or k == "evidence")
        ]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} items, now {len(b)}"]
        pairs = enumerate(zip(a, b, strict=True))
        return [
            d for i, (x, y) in pairs for d in _same(x, y, f"{where}[{i}]", in_evidence=in_evidence)
        ]
    numbers = (int, float)
    close = (
        in_evidence
        and isinstance(a, numbers)
        and isinstance(b, numbers)
        and math.isclose(a, b, rel_tol=0.05, abs_tol=1.0)
    )
    return [] if close or a == b else [f"{where}: {a!r} is now {b!r}"]


def test_the_demo_report_is_the_one_before_the_move(demo) -> None:
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    report = json.loads(Path(demo.reports[1]).read_text(encoding="utf-8"))
    assert Path(demo.reports[1]).suffix == ".json"
    report["generated_at"] = reference["generated_at"]
    differences = _same(reference, report, "report")
    assert not differences, "\n".join(differences[:20])
