"""The CSV report: one row per claim, for spreadsheets and analysts' tools."""

from __future__ import annotations

import csv
import io
from collections import Counter

from ..model import FindingKind
from . import ReportData
from .jsonout import iso_utc

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
