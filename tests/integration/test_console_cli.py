"""The console's command line as a user runs it (real subprocesses, headless chromium, the fake 巨量百应
page): ``livedeck record … --console buyin`` makes the plan's 讲解 act on the page and counts it in the
summary; ``livedeck console-check`` says which selectors resolve, and fails on a page that changed."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.show.preparation import Preparation, ShowLibrary
from tests.fakes.console_page.server import FakeConsole
from tests.integration.test_console_buyin import CHROMIUM


@pytest.fixture
def fake() -> Iterator[FakeConsole]:
    with FakeConsole() as page:
        yield page


def _livedeck(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", *args], capture_output=True, text=True, timeout=90,
                          env={**os.environ, "LIVEDECK_HOME": str(tmp_path)})


def test_record_with_console_runs_the_plans_explain_on_the_page_and_counts_it(
        demo_room: Callable[..., str], fake: FakeConsole, tmp_path: Path) -> None:
    ShowLibrary(tmp_path / "shows").save(Preparation(
        "中控台场", load_products_csv(demo_catalog_path())[:4], {},
        {"steps": [{"at": 0.2, "command": "explain", "args": {"no": 4}}]},
    ))
    done = _livedeck(tmp_path, "record", "--source", demo_room(seed=3, rate=50), "--db", str(tmp_path / "r.sqlite"),
                     "--duration", "6", "--show", "中控台场", "--console", "buyin", "--console-url", fake.url,
                     "--browser", CHROMIUM, "--headless")
    assert done.returncode == 0, done.stderr
    assert fake.explaining == 4, done.stderr[-3000:]
    assert "中控台操作成功 1 次、失败 0 次" in done.stdout
    with sqlite3.connect(tmp_path / "r.sqlite") as db:
        rows = db.execute("SELECT actor, result FROM actions"
                          " WHERE name = 'explain.ack' AND actor LIKE 'console:%'").fetchall()
    assert rows == [("console:buyin", "applied")]


def test_console_check_lists_the_selectors_and_fails_when_the_page_changed(
        fake: FakeConsole, tmp_path: Path) -> None:
    flags = ("--console-url", fake.url, "--browser", CHROMIUM, "--headless")
    done = _livedeck(tmp_path, "console-check", "buyin", *flags)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "✓ explain_button: " in done.stdout
    assert "✓ goods_row: " in done.stdout
    fake.drift = True
    changed = _livedeck(tmp_path, "console-check", "buyin", *flags)
    assert changed.returncode == 1, changed.stdout + changed.stderr
    assert "✗ explain_button: 0" in changed.stdout
