"""Stage 5: credibility reports (JSON, CSV, HTML). Rendering only, no analysis.

:func:`collect` reads what a report needs from the archive once; the writers
turn that into files.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..archive import Archive
from ..findings.launches import Launch, group_launches
from ..fingerprint import CloseupReading, codecs
from ..media import FileMetadata
from ..model import ClaimMedia, Credibility, Finding, MediaRecord, StoredClaim
from .charts import Mark


@dataclass(frozen=True)
class ClaimView:
    stored: StoredClaim
    credibility: Credibility | None  # None until the first rescore
    media: tuple[tuple[ClaimMedia, MediaRecord | None], ...]
    findings: tuple[Finding, ...]
    closeups: dict[str, CloseupReading] = field(default_factory=dict, hash=False)  # by sha256
    metadata: dict[str, FileMetadata] = field(default_factory=dict, hash=False)  # by sha256


@dataclass(frozen=True)
class ReportData:
    generated_at: datetime
    archive: str
    claims: tuple[ClaimView, ...]
    launches: tuple[Launch, ...] = ()  # most claims first

    @property
    def unscored(self) -> list[str]:
        return [c.stored.claim.id for c in self.claims if c.credibility is None]

    @property
    def not_analysed(self) -> list[tuple[str, str, MediaRecord]]:
        """(claim id, path, record) of media that failed, wholly or in part, or read in part."""
        return [
            (view.stored.claim.id, item.path, record)
            for view in self.claims
            for item, record in view.media
            if record is not None
            and (record.reported_status.failed or (record.info and record.info.incomplete))
        ]


def collect(archive: Archive) -> ReportData:
    """Everything a report shows, earliest claim first, read in one read transaction.

    A report taken while ``rescore`` saves shows one run's results, never a mix.
    """
    with archive.snapshot():
        return _collect(archive)


def _collect(archive: Archive) -> ReportData:
    media = {record.sha256: record for record in archive.all_media()}
    readings = {
        sha: codecs.decode_closeup(data)
        for sha, data in archive.fingerprints(codecs.CLOSEUP).items()
    }
    said = {
        sha: codecs.decode_metadata(data)
        for sha, data in archive.fingerprints(codecs.METADATA).items()
    }
    findings: dict[str | None, list[Finding]] = defaultdict(list)
    every = archive.findings()
    for finding in every:
        findings[finding.claim_id].append(finding)
    claims = archive.claims()
    views = tuple(
        ClaimView(
            stored=stored,
            credibility=archive.score(stored.claim.id),
            media=tuple((item, media.get(item.sha256)) for item in stored.media),
            findings=tuple(findings[stored.claim.id]),
            closeups={i.sha256: readings[i.sha256] for i in stored.media if i.sha256 in readings},
            metadata={i.sha256: said[i.sha256] for i in stored.media if i.sha256 in said},
        )
        for stored in claims
    )
    return ReportData(
        generated_at=datetime.now(UTC).replace(microsecond=0),
        archive=str(archive.path),
        claims=views,
        launches=tuple(group_launches(claims, every, media, readings)),
    )


def write_report(data: ReportData, fmt: str, out: Path, marks: Sequence[Mark] = ()) -> Path:
    """Write ``data`` as ``fmt`` (html, json or csv) to ``out``, atomically.

    CSV writes the launches to a file of their own beside ``out``
    (:func:`launches_csv_path`); ``marks`` are drawn across the HTML's charts.
    """
    from .csvout import render_csv, render_launches_csv
    from .html import render_html
    from .jsonout import render_json

    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "html":
        # the report is a file and a folder of pictures beside it
        from .evidence import evidence_pictures

        folder = out.with_name(out.stem + "_files")
        text = render_html(data, evidence_pictures(data, folder, folder.name), marks)
    else:
        text = {"json": render_json, "csv": render_csv}[fmt](data)
    if fmt == "csv":
        _write_atomically(launches_csv_path(out), render_launches_csv(data))
    _write_atomically(out, text)
    return out


def write_timeline(data: ReportData, out: Path, marks: Sequence[Mark] = ()) -> Path:
    """The timeline chart (new against recycled footage per week) alone, for slides:
    PNG or SVG by ``out``'s suffix."""
    from .charts import chart_claims, to_png, to_svg, weekly_footage

    chart = weekly_footage(chart_claims(data), marks)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".svg":
        _write_atomically(out, to_svg(chart) + "\n")
        return out
    tmp = out.with_name(f".{out.stem}.tmp{out.suffix}")
    to_png(chart, tmp)
    tmp.replace(out)
    return out


def launches_csv_path(out: Path) -> Path:
    """Where the CSV of launches goes beside the claims' CSV ``out``: ``<stem>_launches.csv``."""
    return out.with_name(f"{out.stem}_launches{out.suffix or '.csv'}")


def _write_atomically(out: Path, text: str) -> None:
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    tmp.replace(out)


__all__ = [
    "ClaimView",
    "Mark",
    "ReportData",
    "collect",
    "launches_csv_path",
    "write_report",
    "write_timeline",
]
