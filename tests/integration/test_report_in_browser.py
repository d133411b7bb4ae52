"""The HTML report in a real browser (headless Chromium through Playwright): on a 390 px phone and on a
desktop nothing runs off the side of the page, the timeline's legend is there as text, and the questions
are grouped by kind with the full list folded away."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.review.report import write_report
from tests.ui.review_data import build_log

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on this machine (packaging/linux-system-deps.sh installs it)")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    built = build_log(folder / "sessions.sqlite")
    return write_report(built.path, built.ids["spring"], folder / "report.html")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extras")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


def open_page(browser: Any, report: Path, width: int) -> Any:
    page = browser.new_page(viewport={"width": width, "height": 844})
    page.goto(report.resolve().as_uri())
    page.wait_for_load_state("load")
    return page


@pytest.mark.parametrize("width", [390, 1280])
def test_nothing_runs_off_the_side(browser: Any, report: Path, width: int) -> None:
    page = open_page(browser, report, width)
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        # Every image fits the screen.
        assert page.evaluate("Math.max(...[...document.images].map(i => i.getBoundingClientRect().right))") <= width
    finally:
        page.close()


def test_on_a_phone_the_legend_and_the_grouped_questions_are_readable(browser: Any, report: Path) -> None:
    page = open_page(browser, report, 390)
    try:
        legend = page.locator(".legend")
        assert legend.is_visible()
        text = legend.inner_text()
        for label in ("1号 春秋款宽松纯棉T恤", "2号 清爽防晒霜 SPF50", "3号 云南古树普洱茶饼", "秒杀开始", "发券"):
            assert label in text
        assert legend.bounding_box()["width"] <= 390
        swatches = page.eval_on_selector_all(
            ".legend .area", "els => els.map(e => getComputedStyle(e).backgroundColor)")
        assert len(set(swatches)) == 3  # each product its own colour
        kinds = page.locator("table", has=page.locator("th", has_text="类别"))
        assert kinds.is_visible()
        assert "库存与链接" in kinds.inner_text()
        assert kinds.locator("tbody tr").count() >= 3
        # All its columns on screen, the questions asked most too: it wraps rather than scrolls.
        assert kinds.bounding_box()["x"] + kinds.bounding_box()["width"] <= 390
        # The full list is folded: its rows take no room until opened.
        folded = page.locator("details table")
        assert not folded.is_visible()
        page.locator("details summary").click()
        assert folded.is_visible()
        assert folded.locator("tbody tr").count() > 100
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        page.close()
