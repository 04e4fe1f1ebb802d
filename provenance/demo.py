"""``provenance demo``: the whole pipeline on the bundled fixtures.

The fixtures are generated (seeded, deterministic) from textures that ship
with scikit-image, and cached in the output folder, so the demo needs no
download and no server. The report shows what the pipeline finds, nothing else.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from .archive import open_archive
from .ingest import ingest_manifest
from .manifest import read_manifest
from .nightly import RescoreSummary, rescore
from .report import collect, write_report

log = logging.getLogger("provenance")


@dataclass(frozen=True)
class DemoResult:
    fixtures: Path
    archive: Path
    rescore: RescoreSummary
    reports: tuple[Path, ...]


def ensure_fixtures(folder: Path) -> Path:
    """Generate the fixture set into ``folder`` unless a current one is there."""
    from .synth import FIXTURE_FORMAT, make_fixture_set

    truth = folder / "ground_truth.json"
    if truth.exists():
        try:
            if json.loads(truth.read_text(encoding="utf-8")).get("format") == FIXTURE_FORMAT:
                return folder / "manifest.jsonl"
        except (OSError, ValueError):
            pass
    log.info("generating the demo fixtures in %s", folder)
    return make_fixture_set(folder)


def run_demo(out: Path, *, fixtures: Path | None = None, workers: int = 1) -> DemoResult:
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = (
        fixtures / "manifest.jsonl" if fixtures is not None else ensure_fixtures(out / "fixtures")
    )
    archive_path = out / "provenance.db"
    manifest = read_manifest(manifest_path)
    with open_archive(archive_path, write=True, create=True) as archive:
        ingest_manifest(archive, manifest, fingerprint=False)
        summary = rescore(archive, workers=workers)
        data = collect(archive)
    reports = tuple(
        write_report(data, fmt, out / f"report.{fmt}") for fmt in ("html", "json", "csv")
    )
    return DemoResult(manifest_path.parent, archive_path, summary, reports)
