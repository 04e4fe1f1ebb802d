"""The overview chart: weeks, groups, ratings, and escaping."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree

from provenance.report.charts import ChartClaim, weekly_ratings_svg

SVG = "{http://www.w3.org/2000/svg}"


def at(day: int) -> datetime:
    return datetime(2024, 9, day, 12, tzinfo=UTC)


def test_bars_are_split_by_rating_per_week_and_group_and_labels_escaped():
    claims = [
        ChartClaim("North", at(2), "high"),  # Monday of week 1
        ChartClaim("North", at(4), "very low"),  # same week
        ChartClaim("North", at(20), None),  # week 3; week 2 stays empty
        ChartClaim("<b>Hawks</b> & co", at(10), "low"),
    ]
    svg = weekly_ratings_svg(claims)
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
    assert ElementTree.fromstring(weekly_ratings_svg([])).get("width") == "0"
