"""The demo's HTML shows evidence as it was matched: in colour, labelled, with its offsets."""

from __future__ import annotations

import re

import cv2
import numpy as np
import pytest


@pytest.fixture(scope="module")
def html(demo) -> str:
    return next(p for p in demo.reports if p.suffix == ".html").read_text()


def _section(html: str, claim_id: str) -> str:
    start = html.index(f'id="claim-{claim_id}"')
    end = html.find('<section class="claim"', start + 1)
    return html[start : end if end > 0 else len(html)]


def test_edited_copies_say_how_they_were_matched(html: str) -> None:
    assert 'matched-as">mirrored<' in _section(html, "C014")  # the truth: hflip
    assert 'matched-as">turned a quarter<' in _section(html, "C020")  # rotate90
    assert re.search(r'matched-as">speed \d\.\d\dx<', _section(html, "C016"))  # speed
    assert "matched-as" not in _section(html, "C012")  # an identical file: nothing to say


def test_other_angles_show_their_time_offset_in_the_table(html: str) -> None:
    for claim_id in ("C010", "C013", "C024"):
        assert re.search(r"time offset [+-]\d+\.\d\d s", _section(html, claim_id)), claim_id


def test_segment_bars_have_a_legend(html: str) -> None:
    assert "the segment in this claim's media" in _section(html, "C011")


def test_evidence_pictures_keep_the_footage_colour(demo, html: str) -> None:
    folder = next(p for p in demo.reports if p.suffix == ".html").with_name("report_files")
    src = re.search(r'<img class="evidence" src="report_files/([^"]+)"', _section(html, "C014"))
    assert src is not None
    picture = cv2.imread(str(folder / src.group(1)))
    b, g, r = (picture[..., i].astype(int) for i in range(3))
    assert np.abs(b - r).mean() > 3 or np.abs(g - r).mean() > 3  # not grey


def test_the_timeline_shows_new_against_recycled_footage(html: str) -> None:
    """On the fixtures, recycled footage starts with the first copies (C010, 7 October)."""
    chart = html[
        html.index('<svg id="timeline-chart"') : html.index("</svg>", html.index("timeline-chart"))
    ]
    tips = re.findall(
        r"<title>week of ([\d-]+), ([^:]+): (\d+) (new|recycled) footage</title>", chart
    )
    recycled = sorted({week for week, _, _, kind in tips if kind == "recycled"})
    new = sorted({week for week, _, _, kind in tips if kind == "new"})
    assert new[0] == "2024-09-02" and recycled[0] == "2024-10-07"
    total = sum(int(n) for _, _, n, _ in tips)
    assert total == 24  # every fixture claim, counted once
