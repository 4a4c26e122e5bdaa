"""The dashboard in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright; never downloaded).

A person's path: open the dashboard, upload a scenario, change a salience, see the forecast chart change,
run the strategy comparison on the edited stances and see its table, all without a console error.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from realpolitik.scenario import dump, load

from .test_web_support import running_server

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_browser() -> Iterator[Any]:
    """Yield a Playwright browser on the system Chromium, or skip with the reason."""
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.skip("needs /usr/bin/chromium (Debian: apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright Python package")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from chromium_browser()


def test_dashboard_upload_edit_forecast_and_lab(browser: Any, tmp_path: Path) -> None:
    # version 1 as first published: a median ttp_action the TTP's salience moves, and five strategies
    scenario = load("afghanistan-2025-v1").scenario.model_copy(update={"id": "browser-test", "title": "Browser test"})
    upload = tmp_path / "browser-test.yaml"
    upload.write_text(dump(scenario, "yaml"))
    errors: list[str] = []
    with running_server(tmp_path / "data") as server:
        # Playwright's wait_for_function evaluates strings, which the page's CSP (no eval) forbids by design
        page = browser.new_page(bypass_csp=True)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.set_default_timeout(20_000)
        page.goto(server.url + "/")
        page.wait_for_function("Number(document.getElementById('forecast-chart').dataset.version) >= 1")

        page.set_input_files("#upload-file", str(upload))
        page.click("#upload-button")
        page.wait_for_function("document.getElementById('scenario-select').value === 'browser-test'")
        page.wait_for_function("document.getElementById('scenario-title').textContent === 'Browser test'")
        page.wait_for_function("document.getElementById('forecast-chart').dataset.scenario === 'browser-test'")
        page.wait_for_selector("#stances input[data-actor='ttp'][data-issue='ttp_action'][data-field='salience']")
        version = int(page.get_attribute("#forecast-chart", "data-version") or "0")
        before = json.loads(page.get_attribute("#forecast-chart", "data-values") or "{}")

        page.fill("#stances input[data-actor='ttp'][data-issue='ttp_action'][data-field='salience']", "0")
        page.wait_for_function(f"Number(document.getElementById('forecast-chart').dataset.version) > {version}")
        after = json.loads(page.get_attribute("#forecast-chart", "data-values") or "{}")
        assert after["compromise"]["ttp_action"] > before["compromise"]["ttp_action"]
        assert page.locator("#forecast-chart svg circle").count() >= 4 * 4
        # the comparison runs on the same edited stances, and its heading says so
        assert page.text_content("#lab-edits") == "with 1 stance edit"

        page.fill("#lab-draws", "40")
        page.click("#lab-start")
        page.wait_for_selector("#lab-table")
        assert page.locator("#lab-table tr").count() == 1 + 5
        # the strategy page leads with the same generated bottom line as `realpolitik lab` and the brief
        assert (page.text_content("#lab-bottom-line p strong") or "").startswith("Under the ")
        assert "[95%]" in (page.text_content("#lab-table tr") or "")
        assert page.locator("#lab-glossary dt").count() == 5
        assert page.eval_on_selector("#lab-progress", "p => p.value === p.max")
        assert "with 1 stance edit: ttp.ttp_action" in (page.text_content("#lab-edits-used") or "")
        page.wait_for_function("[...document.querySelectorAll('#lab-result img')].every(i => i.complete)")
        page.close()
    assert errors == []
