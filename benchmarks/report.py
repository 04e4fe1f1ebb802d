"""Writing the reports of a large archive, and opening the HTML in Chromium.

``--archive`` names a re-scored archive (by default ``.bench/nightly_1000.db``,
left by ``python -m benchmarks.nightly``). Its media files do not exist, so
the HTML has no evidence pictures: their cost is measured on 1,000 claims
re-posting the fixture files, and per picture on the fixtures themselves.
Chromium and chromedriver, when installed, open the HTML and sort its table.

    python -m benchmarks.report
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from ._common import BENCH, add_fixtures, emit, parser


def in_browser(html: Path) -> dict:
    """Opening ``html`` in headless Chromium, and sorting its claims by score."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    result = {}
    options = Options()
    options.binary_location = shutil.which("chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu"):
        options.add_argument(arg)
    browser = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    try:
        started = time.perf_counter()
        browser.get(html.as_uri())
        result["browser_load_s"] = round(time.perf_counter() - started, 2)
        head = browser.find_elements(By.CSS_SELECTOR, "#claims-table thead th")[4]
        started = time.perf_counter()
        head.click()
        browser.execute_script("return document.body.offsetHeight")  # after the re-layout
        result["browser_sort_by_score_s"] = round(time.perf_counter() - started, 2)
    finally:
        browser.quit()
    return result


def reposted(fixtures: Path) -> dict:
    """1,000 claims whose findings all have pictures: each claim re-posts one of
    the fixture files (same bytes), so every later claim holds a copy finding."""
    from provenance.archive import open_archive
    from provenance.intake import read_manifest
    from provenance.jobs import ingest_manifest, rescore
    from provenance.report import collect, write_report

    media = sorted(p.name for p in (fixtures / "media").iterdir())
    posted = Path(tempfile.mkdtemp(prefix="report-posted-"))
    manifest = posted / "claims.jsonl"
    with manifest.open("w") as out_file:
        for i in range(1000):
            day = 1 + i % 28
            line = {
                "id": f"P{i:04d}",
                "claimed_at": f"2024-{1 + (i // 28) % 12:02d}-{day:02d}T12:00:00Z",
                "group": ["Brigade North", "Eastern Falcons", "Southern Hawks"][i % 3],
                "media": [f"{fixtures.resolve()}/media/{media[i % len(media)]}"],
            }
            out_file.write(json.dumps(line) + "\n")
    with open_archive(posted / "p.db", write=True, create=True) as archive:
        ingest_manifest(archive, read_manifest(manifest, allow_outside=True), workers=2)
        rescore(archive, workers=2)
    with open_archive(posted / "p.db", write=False) as archive:
        posted_data = collect(archive)
    started = time.perf_counter()
    write_report(posted_data, "html", posted / "report.html")
    result = {
        "html_1000_claims_with_pictures_s": round(time.perf_counter() - started, 2),
        "pictures_in_it": len(list((posted / "report_files").glob("*.jpg"))),
    }
    shutil.rmtree(posted, ignore_errors=True)
    return result


def per_picture(fixtures: Path) -> dict:
    """Evidence pictures on the fixtures: cost per picture."""
    from provenance.archive import open_archive
    from provenance.jobs import run_demo
    from provenance.report import collect, write_report

    demo_dir = Path(tempfile.mkdtemp(prefix="report-demo-"))
    run_demo(demo_dir, fixtures=fixtures, workers=2)
    with open_archive(demo_dir / "provenance.db", write=False) as archive:
        fixture_data = collect(archive)
    started = time.perf_counter()
    write_report(fixture_data, "html", demo_dir / "again.html")
    pictures = len(list((demo_dir / "again_files").glob("*.jpg")))
    spent = time.perf_counter() - started
    shutil.rmtree(demo_dir, ignore_errors=True)
    return {
        "fixtures_html_with_pictures_s": round(spent, 2),
        "fixtures_pictures": pictures,
        "s_per_picture": round(spent / max(pictures, 1), 3),
    }


def bench(archive_path: Path, fixtures: Path) -> dict:
    from provenance.archive import open_archive
    from provenance.report import collect, write_report

    out = Path(tempfile.mkdtemp(prefix="report-"))
    times: dict[str, float] = {}
    started = time.perf_counter()
    with open_archive(archive_path, write=False) as archive:
        data = collect(archive)
    times["collect_s"] = time.perf_counter() - started
    for fmt in ("html", "json", "csv"):
        started = time.perf_counter()
        write_report(data, fmt, out / f"report.{fmt}")
        times[f"{fmt}_s"] = time.perf_counter() - started
    result: dict = {
        "claims": len(data.claims),
        "findings": sum(len(v.findings) for v in data.claims),
        **{k: round(v, 2) for k, v in times.items()},
        "html_mb": round((out / "report.html").stat().st_size / 2**20, 2),
    }
    if shutil.which("chromium") and shutil.which("chromedriver"):
        result.update(in_browser(out / "report.html"))
    result.update(reposted(fixtures))
    result.update(per_picture(fixtures))
    shutil.rmtree(out, ignore_errors=True)
    return result


def main(argv: Sequence[str] | None = None) -> dict:
    p = parser("report", __doc__)
    p.add_argument("--archive", default=str(BENCH / "nightly_1000.db"), help="a re-scored archive")
    add_fixtures(p)
    args = p.parse_args(argv)
    return emit("report", bench(Path(args.archive), Path(args.fixtures)), argv)


if __name__ == "__main__":
    main()
