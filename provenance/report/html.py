"""The HTML report: one self-contained file that opens offline.

Every string from a manifest goes through Jinja2's autoescaping, so a claim
text holding ``<script>`` shows as text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from ..findings import ANALYSES
from ..findings.launches import Launch
from ..model import FindingKind, Rating, iso_utc
from ..scoring import BASE_SCORE, EFFECTS, RATING_BANDS, SCORING_MODEL, format_time
from . import ReportData
from .charts import Mark, chart_claims, to_svg, weekly_footage, weekly_ratings
from .evidence import EvidencePicture, matched_as

_env = Environment(
    loader=PackageLoader("provenance", "report/templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["iso"] = iso_utc
_env.filters["mmss"] = format_time
_env.filters["matched_as"] = matched_as

HOW_TEXT = {  # how a later claim shows a launch, as the launches table says it
    "copy": "a copy",
    "other_angle": "another camera",
    "recycled_airframe": "the same airframe",
}


def render_html(
    data: ReportData,
    pictures: Mapping[tuple[str, int], EvidencePicture] | None = None,
    marks: Sequence[Mark] = (),
) -> str:
    """The report page; ``pictures`` (by claim id and finding index) show the evidence,
    ``marks`` are dated lines drawn across the weekly charts."""
    ratings = Counter(v.credibility.rating for v in data.claims if v.credibility)
    findings = Counter(f.kind for v in data.claims for f in v.findings)
    groups = Counter(v.stored.claim.group for v in data.claims)
    claims_with = Counter(kind for v in data.claims for kind in {f.kind for f in v.findings})
    durations = {
        (v.stored.claim.id, item.path): record.info.duration_s
        for v in data.claims
        for item, record in v.media
        if record is not None and record.info is not None and record.info.duration_s
    }
    claims = chart_claims(data)
    ratings_chart = to_svg(weekly_ratings(claims, marks))
    timeline = to_svg(weekly_footage(claims, marks))
    launches_of: dict[str, list[tuple[Launch, str | None]]] = {}  # claim id -> (launch, how)
    for launch in data.launches:
        for shown in launch.claims:
            launches_of.setdefault(shown.claim_id, []).append((launch, shown.how))
    return _env.get_template("report.html.j2").render(
        data=data,
        launches_of=launches_of,
        how_text=HOW_TEXT,
        chart=Markup(ratings_chart),  # built from escaped parts (charts.py)
        timeline=Markup(timeline),
        marks=marks,
        ratings=[(r.value, ratings.get(r, 0)) for r in Rating],
        findings=[(k.value, findings.get(k, 0)) for k in FindingKind],
        claims_with=[(k.value, claims_with.get(k, 0)) for k in FindingKind],
        durations=durations,
        pictures=pictures or {},
        groups=sorted(groups.items()),
        analyses=ANALYSES,
        model=SCORING_MODEL,
        base_score=BASE_SCORE,
        effects=sorted(EFFECTS.items()),
        bands=RATING_BANDS,
    )
