"""The demo's HTML report in a real headless browser (Debian's chromium + chromedriver).

Skips, with its reason, where Chromium or its driver is absent; `.ci/run`
installs them so CI runs it.
"""

from __future__ import annotations

import shutil

import pytest

webdriver = pytest.importorskip("selenium.webdriver")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)",
)


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,2000"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))  # no Selenium Manager
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def page(browser, demo):
    html = next(p for p in demo.reports if p.suffix == ".html")
    browser.get(html.resolve().as_uri())
    return browser


def _column(page, index: int) -> list[str]:
    from selenium.webdriver.common.by import By

    rows = page.find_elements(By.CSS_SELECTOR, "#claims-table tbody tr")
    return [r.find_elements(By.TAG_NAME, "td")[index].text for r in rows if r.is_displayed()]


def test_overview_chart_table_and_evidence_show(page):
    from selenium.webdriver.common.by import By

    chart = page.find_element(By.ID, "overview-chart")
    assert chart.is_displayed() and chart.size["height"] > 100
    assert len(page.find_elements(By.CSS_SELECTOR, "#overview-chart rect.bar")) >= 10
    rows = page.find_elements(By.CSS_SELECTOR, "#claims-table tbody tr")
    assert len(rows) == 24 and all(r.is_displayed() for r in rows)
    images = page.find_elements(By.CSS_SELECTOR, "#claim-C010 img.evidence")
    assert images, "C010's recycled identifier has no picture"
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    for image in images:  # lazy images load once scrolled to, asynchronously
        page.execute_script("arguments[0].scrollIntoView()", image)
        try:
            WebDriverWait(page, 10).until(
                lambda d, img=image: d.execute_script(
                    "return arguments[0].complete && arguments[0].naturalWidth > 0", img
                )
            )
        except TimeoutException:
            pytest.fail(f"evidence picture not shown: {image.get_attribute('src')}")


def test_sorting_by_score_works_both_ways(page):
    from selenium.webdriver.common.by import By

    head = page.find_elements(By.CSS_SELECTOR, "#claims-table thead th")[4]
    assert head.text.startswith("Score")
    head.click()
    up = [int(s) for s in _column(page, 4)]
    assert up == sorted(up)
    head.click()
    down = [int(s) for s in _column(page, 4)]
    assert down == sorted(down, reverse=True) and down[0] > down[-1]


def test_filters_by_group_and_finding(page):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(page.find_element(By.ID, "filter-group")).select_by_visible_text("Eastern Falcons")
    assert set(_column(page, 2)) == {"Eastern Falcons"}
    Select(page.find_element(By.ID, "filter-group")).select_by_index(0)
    Select(page.find_element(By.ID, "filter-finding")).select_by_value("recycled_identifier")
    assert sorted(_column(page, 0)) == ["C010", "C020", "C021", "C023"]
    assert "4 of 24 claims" in page.find_element(By.ID, "filter-count").text
    Select(page.find_element(By.ID, "filter-finding")).select_by_index(0)


def test_manifest_text_is_shown_as_text(page):
    from selenium.webdriver.common.by import By

    text = page.find_element(By.CSS_SELECTOR, "#claim-C018 .text").text
    assert "<script>alert(1)</script>" in text  # shown, not run (no alert, see the console)


def _launch_rows(page) -> list:
    from selenium.webdriver.common.by import By

    rows = page.find_elements(By.CSS_SELECTOR, "#launches-table tbody tr")
    return [r for r in rows if r.is_displayed()]


def test_launches_come_before_the_claims_most_claims_first(page):
    from selenium.webdriver.common.by import By

    launches = page.find_element(By.ID, "launches")
    claims = page.find_element(By.ID, "claims")
    assert launches.location["y"] < claims.location["y"]
    rows = _launch_rows(page)
    assert len(rows) >= 7  # seven fixture launches, and claims of close-ups alone
    counts = [int(r.find_elements(By.TAG_NAME, "td")[1].text) for r in rows]
    assert counts == sorted(counts, reverse=True) and counts[0] > 1
    assert rows[0].text.startswith("Launch 1: ")


def test_launches_sort_and_filter(page):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    head = page.find_elements(By.CSS_SELECTOR, "#launches-table thead th")[1]
    assert head.text.startswith("Claims")
    head.click()
    up = [int(r.find_elements(By.TAG_NAME, "td")[1].text) for r in _launch_rows(page)]
    assert up == sorted(up) and up[0] < up[-1]
    minimum = page.find_element(By.ID, "launch-min")
    minimum.clear()
    minimum.send_keys("3")
    kept = [int(r.find_elements(By.TAG_NAME, "td")[1].text) for r in _launch_rows(page)]
    assert kept and min(kept) >= 3 and len(kept) < len(up)
    count = page.find_element(By.ID, "launch-count").text
    assert count == f"{len(kept)} of {len(up)} launches"
    minimum.clear()
    minimum.send_keys("1")
    Select(page.find_element(By.ID, "launch-group")).select_by_visible_text("Eastern Falcons")
    for row in _launch_rows(page):
        assert "Eastern Falcons" in row.find_elements(By.TAG_NAME, "td")[2].text
    Select(page.find_element(By.ID, "launch-group")).select_by_index(0)
    assert len(_launch_rows(page)) == len(up)


def test_a_launch_leads_to_its_claims_and_back(page):
    from selenium.webdriver.common.by import By

    row = page.find_element(By.ID, "launch-L1")
    later = row.find_elements(By.CSS_SELECTOR, "ul.later li > a")
    assert later
    target = later[0].text
    later[0].click()
    assert page.current_url.endswith(f"#claim-{target}")
    section = page.find_element(By.ID, f"claim-{target}")
    top = page.execute_script("return arguments[0].getBoundingClientRect().top", section)
    assert abs(top) < 5  # scrolled to the claim
    back = section.find_element(By.CSS_SELECTOR, ".launches-of a[href='#launch-L1']")
    back.click()
    assert page.current_url.endswith("#launch-L1")
    assert section.find_element(By.CSS_SELECTOR, "a.back").get_attribute("href").endswith("#claims")


def test_a_claim_address_opens_at_that_claim(browser, demo):
    """``report.html#claim-C024`` opened directly shows C024 at the top, painted."""
    from selenium.webdriver.common.by import By

    html = next(p for p in demo.reports if p.suffix == ".html")
    browser.get(html.resolve().as_uri() + "#claim-C024")
    section = browser.find_element(By.ID, "claim-C024")
    top = browser.execute_script("return arguments[0].getBoundingClientRect().top", section)
    assert abs(top) < 5
    hit = browser.execute_script(
        "var r = arguments[0].getBoundingClientRect();"
        " var el = document.elementFromPoint(r.left + 20, r.top + 10);"
        " return arguments[0].contains(el);",
        section,
    )
    assert hit


def test_the_console_has_no_errors(page):
    errors = [e for e in page.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
