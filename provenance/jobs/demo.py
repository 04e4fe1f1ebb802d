"""``provenance demo``: the whole pipeline on the fixtures shipped with the package.

The fixture set (claims, media and their ground truth, made by the generator
in ``fixturegen/`` of the repository) ships inside the package, so the demo
needs no download, no server and no generator, from a clone or from a wheel.
The report shows what the pipeline finds, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..archive import open_archive
from ..intake import read_manifest
from ..report import collect, launches_csv_path, write_report
from .ingest import ingest_manifest
from .rescore import RescoreSummary, rescore

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"  # package data


@dataclass(frozen=True)
class DemoResult:
    fixtures: Path
    archive: Path
    rescore: RescoreSummary
    reports: tuple[Path, ...]


def run_demo(out: Path, *, fixtures: Path | None = None, workers: int = 1) -> DemoResult:
    """Ingest the fixture set (``fixtures``, else the shipped one), rescore, write the reports."""
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = (fixtures if fixtures is not None else FIXTURES) / "manifest.jsonl"
    archive_path = out / "provenance.db"
    manifest = read_manifest(manifest_path)
    with open_archive(archive_path, write=True, create=True) as archive:
        ingest_manifest(archive, manifest, fingerprint=False)
        summary = rescore(archive, workers=workers)
        data = collect(archive)
    reports = tuple(
        write_report(data, fmt, out / f"report.{fmt}") for fmt in ("html", "json", "csv")
    )
    reports += (launches_csv_path(out / "report.csv"),)  # written with the claims' CSV
    return DemoResult(manifest_path.parent, archive_path, summary, reports)
