"""The HTML brief as a reader sees it: opened from disk in headless Chromium, it loads nothing from the network
and logs no console error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from realpolitik.brief import build_brief

from .test_web_browser import chromium_browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from chromium_browser()


def test_brief_renders_offline_without_console_errors(browser: Any, tmp_path: Path) -> None:
    result = build_brief("afghanistan-2025", out_dir=tmp_path / "brief", draws=30, sensitivity_n=2)
    errors: list[str] = []
    requests: list[str] = []
    page = browser.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(result.html.as_uri())
    page.wait_for_load_state("load")
    assert errors == []
    assert [u for u in requests if not u.startswith("file://")] == []
    assert page.title().startswith("Brief: ")
    assert page.locator("svg.fig").count() >= 6
    assert page.locator("#strategies table tr").count() == 1 + 5
    height = page.evaluate("document.body.scrollHeight")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert height > 3000 and width <= 1280  # no horizontal overflow at the default viewport
    page.close()
