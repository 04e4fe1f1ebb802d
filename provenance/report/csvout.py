"""The CSV reports: one row per claim, and one row per claim of each launch (a file of its own)."""

from __future__ import annotations

import csv
import io
from collections import Counter

from ..model import FindingKind, iso_utc
from . import ReportData

COLUMNS = (
    ["id", "claimed_at", "group", "target", "score", "rating", "media"]
    + [f"{kind.value}_findings" for kind in FindingKind]
    + ["top_reason"]
)


def spreadsheet_safe(value: object) -> object:
    """Neutralise text a spreadsheet would run as a formula (hostile manifests)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def render_csv(data: ReportData) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for view in data.claims:
        claim = view.stored.claim
        cred = view.credibility
        counts = Counter(f.kind for f in view.findings)
        top = cred.top_reason if cred else None
        row = [
            claim.id,
            iso_utc(claim.claimed_at),
            claim.group,
            claim.target or "",
            "" if cred is None else cred.score,
            "" if cred is None else cred.rating.value,
            len(view.media),
            *(counts.get(kind, 0) for kind in FindingKind),
            top.text if top else "",
        ]
        writer.writerow([spreadsheet_safe(v) for v in row])
    return out.getvalue()


LAUNCH_COLUMNS = [
    "launch",
    "launch_claims",
    "launch_groups",
    "cameras",
    "span_days",
    "role",
    "claim",
    "claimed_at",
    "group",
    "media",
    "how",
    "other_claim",
    "other_media",
    "confidence",
]


def render_launches_csv(data: ReportData) -> str:
    """One row per (launch, claim showing it): the first claim first, then the later ones."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LAUNCH_COLUMNS)
    for launch in data.launches:
        for role, shown in [("first", launch.first)] + [("later", c) for c in launch.later]:
            row = [
                launch.id,
                len(launch.claims),
                "; ".join(launch.groups),
                launch.cameras,
                round(launch.span_days, 2),
                role,
                shown.claim_id,
                iso_utc(shown.claimed_at),
                shown.group,
                "; ".join(shown.media),
                shown.how or "",
                shown.other_claim or "",
                shown.other_media or "",
                "" if shown.confidence is None else shown.confidence,
            ]
            writer.writerow([spreadsheet_safe(v) for v in row])
    return out.getvalue()
