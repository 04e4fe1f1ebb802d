"""Charts for the HTML report, as inline SVG (no network, no plotting library).

Pure functions from plain data to SVG text; every label is XML-escaped, since
group names come from manifests.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from xml.sax.saxutils import escape

from ..model import Rating

# best first, as stacked from the baseline up; "not scored" on top
RATING_COLOURS: tuple[tuple[str, str], ...] = (
    (Rating.HIGH.value, "#3a9a4f"),
    (Rating.MEDIUM.value, "#e0b431"),
    (Rating.LOW.value, "#e07b39"),
    (Rating.VERY_LOW.value, "#c0392b"),
    ("not scored", "#b8bec5"),
)


@dataclass(frozen=True)
class ChartClaim:
    group: str
    claimed_at: datetime
    rating: str | None  # None: not scored yet


def week_start(moment: datetime) -> date:
    """The Monday of ``moment``'s ISO week."""
    day = moment.date()
    return day - timedelta(days=day.weekday())


def weekly_ratings_svg(claims: Sequence[ChartClaim], *, height: int = 90) -> str:
    """Claims per week, one row of bars per group, each bar split by rating.

    A fall in credible claims shows as the green part of the bars shrinking
    while the bars stay as tall. Weeks run from the first claim to the last,
    empty weeks included, so gaps in activity show too.
    """
    if not claims:
        return '<svg id="overview-chart" xmlns="http://www.w3.org/2000/svg" width="0" height="0"/>'
    first = min(week_start(c.claimed_at) for c in claims)
    last = max(week_start(c.claimed_at) for c in claims)
    weeks = [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
    bar = max(3, min(36, 640 // len(weeks) - 4))  # about 640 px of bars, however many weeks
    groups = sorted({c.group for c in claims})
    counts: dict[tuple[str, date], Counter] = {}
    for c in claims:
        counts.setdefault((c.group, week_start(c.claimed_at)), Counter())[
            c.rating or "not scored"
        ] += 1
    tallest = max(sum(v.values()) for v in counts.values())
    left, top, gap, label_h = 150, 24, 4, 30
    row_h = height + label_h
    plot_right = left + len(weeks) * (bar + gap)
    width = max(plot_right + 20, left + len(RATING_COLOURS) * 95 + 10)  # room for the legend
    label_every = max(1, -(-60 // (bar + gap)))  # a date label every ~60 px
    total_h = top + len(groups) * row_h + 30
    out = [
        f'<svg id="overview-chart" xmlns="http://www.w3.org/2000/svg" role="img"'
        f' width="{width}" height="{total_h}" viewBox="0 0 {width} {total_h}"'
        f' font-family="system-ui, sans-serif" font-size="11">',
        "<title>Claims per week and group, split by rating</title>",
    ]
    for i, (name, colour) in enumerate(RATING_COLOURS):  # legend
        x = left + i * 95
        out.append(f'<rect x="{x}" y="4" width="10" height="10" fill="{colour}"/>')
        out.append(f'<text x="{x + 14}" y="13">{escape(name)}</text>')
    for g, group in enumerate(groups):
        base = top + g * row_h + height
        out.append(
            f'<text x="{left - 8}" y="{base - height / 2:.0f}" text-anchor="end"'
            f' class="group-label">{escape(group)}</text>'
        )
        out.append(f'<line x1="{left}" y1="{base}" x2="{plot_right}" y2="{base}" stroke="#999"/>')
        for w, week in enumerate(weeks):
            tally = counts.get((group, week), Counter())
            x = left + w * (bar + gap)
            y: float = base
            for name, colour in RATING_COLOURS:
                n = tally.get(name, 0)
                if not n:
                    continue
                h = n / tallest * height
                y -= h
                tip = f"week of {week.isoformat()}, {group}: {n} {name}"
                out.append(
                    f'<rect class="bar" x="{x}" y="{y:.1f}" width="{bar}" height="{h:.1f}"'
                    f' fill="{colour}"><title>{escape(tip)}</title></rect>'
                )
            if w % label_every == 0:
                out.append(
                    f'<text x="{x}" y="{base + 14}" font-size="10" fill="#555">'
                    f"{week.strftime('%d %b %y')}</text>"
                )
    out.append(
        f'<text x="{left}" y="{total_h - 6}" fill="#555">most claims in one week and group:'
        f" {tallest}</text>"
    )
    out.append("</svg>")
    return "\n".join(out)
