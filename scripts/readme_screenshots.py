"""The README's pictures of the report, taken from the demo in headless Chromium.

    python scripts/readme_screenshots.py [--demo DIR]

Runs ``provenance demo`` into DIR (a temporary folder by default) and writes
``docs/img/launches.png``, the launches section as a reader sees it (needs
Debian's ``chromium`` and ``chromium-driver`` and Selenium, the test extra),
and ``docs/img/timeline.png``, the timeline chart as ``report --chart-out``
writes it, with one mark.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "img"
WIDTH = 1100  # the report's own width, so nothing wraps as it would not in a browser


def shoot(html: Path, element_id: str, out: Path) -> Path:
    """A PNG of the element ``element_id`` of ``html``, at most :data:`WIDTH` px wide."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    options = Options()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1200,3000"):
        options.add_argument(arg)
    browser = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    try:
        browser.get(html.resolve().as_uri() + f"#{element_id}")
        browser.find_element(By.ID, element_id).screenshot(str(out))
    finally:
        browser.quit()
    with Image.open(out) as picture:  # a small file: a palette of 64 colours is plenty
        if picture.width > WIDTH:
            picture = picture.resize((WIDTH, round(picture.height * WIDTH / picture.width)))
        picture.convert("RGB").quantize(64).save(out, optimize=True)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--demo", type=Path, help="a folder `provenance demo` wrote (made if absent)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        demo = args.demo or Path(scratch) / "demo"
        if not (demo / "report.html").exists():
            from provenance.jobs import run_demo

            run_demo(demo)
        OUT.mkdir(parents=True, exist_ok=True)
        print(shoot(demo / "report.html", "launches-section", OUT / "launches.png"))
        print(timeline(demo / "provenance.db", OUT / "timeline.png"))


def timeline(archive_path: Path, out: Path) -> Path:
    """The timeline chart of the demo's archive, a mark on the day copies start, at 1x."""
    from provenance.archive import open_archive
    from provenance.report import collect
    from provenance.report.charts import Mark, chart_claims, to_png, weekly_footage

    with open_archive(archive_path, write=False) as archive:
        data = collect(archive)
    chart = weekly_footage(chart_claims(data), [Mark.parse("2024-10-07=the first re-posts")])
    to_png(chart, out, scale=1)
    with Image.open(out) as picture:
        picture.convert("RGB").quantize(32).save(out, optimize=True)
    return out


if __name__ == "__main__":
    main()
