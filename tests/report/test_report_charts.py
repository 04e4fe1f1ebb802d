"""The overview chart: weeks, groups, ratings, and escaping."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest
from PIL import Image

from provenance.report.charts import (
    ChartClaim,
    Mark,
    Rect,
    to_png,
    to_svg,
    weekly_footage,
    weekly_ratings,
)

SVG = "{http://www.w3.org/2000/svg}"


def ratings_svg(claims, marks=()) -> str:
    return to_svg(weekly_ratings(claims, marks))


def at(day: int) -> datetime:
    return datetime(2024, 9, day, 12, tzinfo=UTC)


def test_bars_are_split_by_rating_per_week_and_group_and_labels_escaped():
    claims = [
        ChartClaim("North", at(2), "high"),  # Monday of week 1
        ChartClaim("North", at(4), "very low"),  # same week
        ChartClaim("North", at(20), None),  # week 3; week 2 stays empty
        ChartClaim("<b>Hawks</b> & co", at(10), "low"),
    ]
    svg = ratings_svg(claims)
    root = ElementTree.fromstring(svg)  # well-formed, so every label was escaped
    assert root.get("id") == "overview-chart"
    bars = root.findall(f"{SVG}rect[@class='bar']")
    tips = sorted(b.find(f"{SVG}title").text for b in bars)
    assert tips == [
        "week of 2024-09-02, North: 1 high",
        "week of 2024-09-02, North: 1 very low",
        "week of 2024-09-09, <b>Hawks</b> & co: 1 low",
        "week of 2024-09-16, North: 1 not scored",
    ]
    labels = [t.text for t in root.findall(f"{SVG}text[@class='group-label']")]
    assert labels == ["<b>Hawks</b> & co", "North"]
    assert "<b>" not in svg  # only as &lt;b&gt;


def test_no_claims_no_chart():
    assert ElementTree.fromstring(ratings_svg([])).get("width") == "0"


def test_every_week_is_labelled_and_each_row_has_a_y_axis():
    claims = [ChartClaim("North", at(2), "high")] * 3 + [ChartClaim("North", at(30), "low")]
    root = ElementTree.fromstring(ratings_svg(claims))
    weeks = [t.text for t in root.findall(f"{SVG}text[@class='week']")]
    assert weeks == ["02 Sep 24", "09 Sep 24", "16 Sep 24", "23 Sep 24", "30 Sep 24"]
    assert [t.text for t in root.findall(f"{SVG}text[@class='y-tick']")] == ["0", "2", "3"]


def test_marks_cross_the_chart_with_their_labels_escaped():
    claims = [ChartClaim("North", at(2), "high"), ChartClaim("North", at(9), None)]
    marks = [Mark.parse('2024-09-20="<i>warning</i> letter"'), Mark.parse("2024-10-14=after")]
    svg = ratings_svg(claims, marks)
    root = ElementTree.fromstring(svg)
    labels = [t.text for t in root.findall(f"{SVG}text[@class='mark-label']")]
    assert labels == ['2024-09-20 "<i>warning</i> letter"', "2024-10-14 after"]
    assert len(root.findall(f"{SVG}line[@class='mark']")) == 2
    weeks = [t.text for t in root.findall(f"{SVG}text[@class='week']")]
    assert weeks[-1] == "14 Oct 24"  # the weeks reach a mark after the last claim
    assert "<i>" not in svg


@pytest.mark.parametrize("bad", ["2024-09-20", "x=label", "2024-02-30=late", "2024-09-20= "])
def test_a_bad_mark_is_refused_with_its_reason(bad):
    with pytest.raises(ValueError, match=r"DATE=LABEL|is not a date"):
        Mark.parse(bad)


def test_new_and_recycled_footage_per_week_and_the_png_for_slides(tmp_path):
    claims = [
        ChartClaim("North", at(2), "high", fresh=True),
        ChartClaim("North", at(3), "low", fresh=False),
        ChartClaim("North", at(10), "low", fresh=False),
        ChartClaim("North", at(11), None, fresh=None),  # not known: left out
    ]
    chart = weekly_footage(claims, [Mark.parse("2024-09-05=letter")])
    tips = sorted(s.tip for s in chart.shapes if isinstance(s, Rect) and s.tip)
    assert tips == [
        "week of 2024-09-02, North: 1 new footage",
        "week of 2024-09-02, North: 1 recycled footage",
        "week of 2024-09-09, North: 1 recycled footage",
    ]
    png = to_png(chart, tmp_path / "t.png")
    with Image.open(png) as image:
        assert image.size == (chart.width * 2, chart.height * 2)
        colours = {c for _, c in image.convert("RGB").getcolors(1 << 16)}
    assert (0x2C, 0x6F, 0xBB) in colours and (0xB0, 0x47, 0x9A) in colours  # both kinds drawn
