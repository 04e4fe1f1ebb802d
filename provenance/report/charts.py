"""Weekly charts for the report: claims per week and group, split by rating or by footage.

One layout (:func:`weekly_bars`) makes a chart of plain shapes; two thin
renderers draw it: inline SVG for the HTML report (:func:`to_svg`, no script,
no network) and a PNG for slides (:func:`to_png`, Pillow). Every label is
XML-escaped in SVG, since group names and marks come from users.

Each group is a row of bars, one slot per week from the first claim (or mark)
to the last, empty weeks included so gaps in activity show; each row has its
own y-axis, every week its label, and dated marks ("warning letter") cross
every row.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from ..model import Rating

if TYPE_CHECKING:
    from . import ReportData

# best first, as stacked from the baseline up; "not scored" on top
RATING_COLOURS: tuple[tuple[str, str], ...] = (
    (Rating.HIGH.value, "#3a9a4f"),
    (Rating.MEDIUM.value, "#e0b431"),
    (Rating.LOW.value, "#e07b39"),
    (Rating.VERY_LOW.value, "#c0392b"),
    ("not scored", "#b8bec5"),
)

FOOTAGE_COLOURS: tuple[tuple[str, str], ...] = (
    ("new footage", "#2c6fbb"),
    ("recycled footage", "#b0479a"),  # a copy or another camera of an earlier launch
)

BAR, GAP = 14, 6  # px: wide enough to read at a glance, however many weeks
LEFT, TOP = 190, 56  # room for group names and y-axes; for the legend and marks
LABELS_H = 46  # under each row: the weeks' dates, written upwards


@dataclass(frozen=True)
class ChartClaim:
    group: str
    claimed_at: datetime
    rating: str | None  # None: not scored yet
    fresh: bool | None = None  # shows new footage; False: only footage of earlier launches


@dataclass(frozen=True)
class Mark:
    """A dated line across the chart, with its label ("2024-11-18=warning letter")."""

    day: date
    label: str

    @classmethod
    def parse(cls, text: str) -> Mark:
        """``YYYY-MM-DD=label``; raises ValueError saying what is wrong."""
        day, sep, label = text.partition("=")
        if not sep or not label.strip():
            raise ValueError(f'{text!r}: expected DATE=LABEL, as 2024-11-18="warning letter"')
        try:
            return cls(date.fromisoformat(day.strip()), label.strip())
        except ValueError:
            raise ValueError(f"{text!r}: {day.strip()!r} is not a date (YYYY-MM-DD)") from None


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    css: str | None = None
    tip: str | None = None


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str = "#999"
    dashed: bool = False
    css: str | None = None


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    size: int = 11
    anchor: str = "start"  # start, middle, end
    fill: str = "#1d232a"
    upwards: bool = False  # written bottom to top, ending at (x, y)
    css: str | None = None


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    width: int
    height: int
    shapes: tuple[Rect | Line | Text, ...]


def week_start(moment: datetime | date) -> date:
    """The Monday of ``moment``'s ISO week."""
    day = moment.date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def weekly_bars(
    claims: Sequence[ChartClaim],
    split: Callable[[ChartClaim], str],
    categories: Sequence[tuple[str, str]],
    *,
    chart_id: str,
    title: str,
    marks: Sequence[Mark] = (),
    height: int = 90,
) -> Chart:
    """Claims per week, one row of bars per group, each bar split by ``split`` into
    ``categories`` (name, colour), stacked from the baseline up in their order."""
    if not claims:
        return Chart(chart_id, title, 0, 0, ())
    days = [week_start(c.claimed_at) for c in claims] + [week_start(m.day) for m in marks]
    first, last = min(days), max(days)
    weeks = [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
    groups = sorted({c.group for c in claims})
    counts: dict[tuple[str, date], Counter] = {}
    for c in claims:
        counts.setdefault((c.group, week_start(c.claimed_at)), Counter())[split(c)] += 1
    row_h = height + LABELS_H + 16
    plot_right = LEFT + len(weeks) * (BAR + GAP)
    width: float = max(plot_right + 20, LEFT + len(categories) * 130 + 10)
    total_h = TOP + len(groups) * row_h
    shapes: list[Rect | Line | Text] = []
    for i, (name, colour) in enumerate(categories):  # legend
        shapes += [Rect(LEFT + i * 130, 4, 10, 10, colour), Text(LEFT + i * 130 + 14, 13, name)]
    for g, group in enumerate(groups):
        base = TOP + g * row_h + height
        tallest = max((sum(counts.get((group, w), Counter()).values()) for w in weeks), default=1)
        scale = height / max(tallest, 1)
        shapes.append(Text(8, base - height / 2, group, css="group-label"))
        shapes.append(Line(LEFT - 6, base - height, LEFT - 6, base, "#555"))  # y-axis
        for tick in sorted({0, math.ceil(tallest / 2), tallest}):
            at = base - tick * scale
            shapes += [
                Line(LEFT - 9, at, LEFT - 6, at, "#555"),
                Text(LEFT - 12, at + 4, str(tick), 10, "end", "#555", css="y-tick"),
            ]
        shapes.append(Line(LEFT - 6, base, plot_right, base, "#999"))
        for w, week in enumerate(weeks):
            tally = counts.get((group, week), Counter())
            x = LEFT + w * (BAR + GAP)
            y: float = base
            for name, colour in categories:
                n = tally.get(name, 0)
                if n:
                    y -= n * scale
                    tip = f"week of {week.isoformat()}, {group}: {n} {name}"
                    shapes.append(Rect(x, y, BAR, n * scale, colour, "bar", tip))
            label = week.strftime("%d %b %y")
            shapes.append(Text(x + BAR / 2 + 4, base + 6, label, 10, "end", "#555", True, "week"))
    for i, mark in enumerate(sorted(marks, key=lambda m: m.day)):
        at = LEFT + (mark.day - first).days / 7 * (BAR + GAP) + BAR / 2
        label = f"{mark.day.isoformat()} {mark.label}"
        high = TOP - 16 - 12 * (i % 2)  # neighbours' labels on two lines
        shapes.append(Line(at, high + 4, at, total_h - LABELS_H, "#333", True, "mark"))
        shapes.append(Text(at + 3, high, label, 11, css="mark-label"))
        width = max(width, at + 3 + 7 * len(label) + 10)  # about 7 px a character
    return Chart(chart_id, title, int(width), int(total_h), tuple(shapes))


def to_svg(chart: Chart) -> str:
    """The chart as an inline SVG element (labels escaped)."""
    if not chart.shapes:
        return f'<svg id="{chart.id}" xmlns="http://www.w3.org/2000/svg" width="0" height="0"/>'
    out = [
        f'<svg id="{chart.id}" xmlns="http://www.w3.org/2000/svg" role="img"'
        f' width="{chart.width}" height="{chart.height}"'
        f' viewBox="0 0 {chart.width} {chart.height}"'
        f' font-family="system-ui, sans-serif" font-size="11">',
        f"<title>{escape(chart.title)}</title>",
    ]
    for s in chart.shapes:
        css = f' class="{s.css}"' if s.css else ""
        if isinstance(s, Rect):
            tip = f"<title>{escape(s.tip)}</title>" if s.tip else ""
            out.append(
                f'<rect{css} x="{s.x:.1f}" y="{s.y:.1f}" width="{s.w:.1f}" height="{s.h:.1f}"'
                f' fill="{s.fill}">{tip}</rect>'
            )
        elif isinstance(s, Line):
            dash = ' stroke-dasharray="4 3"' if s.dashed else ""
            out.append(
                f'<line{css} x1="{s.x1:.1f}" y1="{s.y1:.1f}" x2="{s.x2:.1f}" y2="{s.y2:.1f}"'
                f' stroke="{s.stroke}"{dash}/>'
            )
        else:
            turn = f' transform="rotate(-90 {s.x:.1f} {s.y:.1f})"' if s.upwards else ""
            out.append(
                f'<text{css} x="{s.x:.1f}" y="{s.y:.1f}" font-size="{s.size}"'
                f' text-anchor="{s.anchor}" fill="{s.fill}"{turn}>{escape(s.text)}</text>'
            )
    out.append("</svg>")
    return "\n".join(out)


def to_png(chart: Chart, path: Path, *, scale: int = 2) -> Path:
    """The chart as a PNG at ``scale`` times its size (sharp on slides)."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (max(1, chart.width * scale), max(1, chart.height * scale)), "white")
    draw = ImageDraw.Draw(image)
    fonts: dict[int, ImageFont.FreeTypeFont | ImageFont.ImageFont] = {}

    def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        if size not in fonts:
            fonts[size] = ImageFont.load_default(size=size * scale)
        return fonts[size]

    for s in chart.shapes:
        if isinstance(s, Rect):
            box = [s.x * scale, s.y * scale, (s.x + s.w) * scale - 1, (s.y + s.h) * scale - 1]
            draw.rectangle(box, fill=s.fill)
        elif isinstance(s, Line):
            _line(draw, s, scale)
        else:
            _text(image, draw, s, font(s.size), scale)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, optimize=True)
    return path


def _line(draw, s: Line, scale: int) -> None:
    x1, y1, x2, y2 = (v * scale for v in (s.x1, s.y1, s.x2, s.y2))
    if not s.dashed:
        draw.line([x1, y1, x2, y2], fill=s.stroke, width=scale)
        return
    length = math.hypot(x2 - x1, y2 - y1)
    step, on = 7.0 * scale, 4.0 * scale
    for start in range(int(length // step) + 1):
        a, b = start * step / length, min(1.0, (start * step + on) / length)
        draw.line(
            [x1 + (x2 - x1) * a, y1 + (y2 - y1) * a, x1 + (x2 - x1) * b, y1 + (y2 - y1) * b],
            fill=s.stroke,
            width=scale,
        )


def _text(image, draw, s: Text, font, scale: int) -> None:
    anchor = {"start": "ls", "middle": "ms", "end": "rs"}[s.anchor]
    if not s.upwards:
        draw.text((s.x * scale, s.y * scale), s.text, fill=s.fill, font=font, anchor=anchor)
        return
    from PIL import Image, ImageDraw

    left, top, right, bottom = draw.textbbox((0, 0), s.text, font=font, anchor="ls")
    label = Image.new("RGBA", (right - left + 2, bottom - top + 2), (255, 255, 255, 0))
    ImageDraw.Draw(label).text((-left + 1, -top + 1), s.text, fill=s.fill, font=font, anchor="ls")
    turned = label.rotate(90, expand=True)
    # written upwards, ending at (x, y): the text's end sits at the top-left anchor point
    x = round(s.x * scale) - turned.width
    y = round(s.y * scale) if s.anchor == "end" else round(s.y * scale) - turned.height
    image.paste(turned, (x, y), turned)


def chart_claims(data: ReportData) -> list[ChartClaim]:
    """The report's claims as the charts count them: a claim shows recycled footage when
    every launch it shows was first shown by an earlier claim, and it shows it as a copy
    or another camera (a new close-up of an old airframe is new footage)."""
    first = {launch.first.claim_id for launch in data.launches}
    recycled = {
        shown.claim_id
        for launch in data.launches
        for shown in launch.later
        if shown.how in ("copy", "other_angle")
    }
    return [
        ChartClaim(
            v.stored.claim.group,
            v.stored.claim.claimed_at,
            v.credibility.rating.value if v.credibility else None,
            fresh=None if not data.launches else v.stored.claim.id not in recycled - first,
        )
        for v in data.claims
    ]


def weekly_ratings(claims: Sequence[ChartClaim], marks: Sequence[Mark] = ()) -> Chart:
    """Claims per week and group, split by rating: a fall in credible claims shows as
    the green part of the bars shrinking while the bars stay as tall."""
    return weekly_bars(
        claims,
        lambda c: c.rating or "not scored",
        RATING_COLOURS,
        chart_id="overview-chart",
        title="Claims per week and group, split by rating",
        marks=marks,
    )


def weekly_footage(claims: Sequence[ChartClaim], marks: Sequence[Mark] = ()) -> Chart:
    """Claims per week and group showing new footage against only recycled footage
    (a copy or another camera of an earlier launch): the seed analysis's timeline."""
    return weekly_bars(
        [c for c in claims if c.fresh is not None],
        lambda c: "new footage" if c.fresh else "recycled footage",
        FOOTAGE_COLOURS,
        chart_id="timeline-chart",
        title="Claims per week and group: new footage against recycled footage",
        marks=marks,
    )


__all__ = [
    "ChartClaim",
    "Mark",
    "chart_claims",
    "to_png",
    "to_svg",
    "weekly_bars",
    "weekly_footage",
    "weekly_ratings",
]
