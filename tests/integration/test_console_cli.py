"""The console's command line as a user runs it (real subprocesses, headless chromium, the fake 巨量百应
page): ``livedeck record … --console buyin`` makes the plan's 讲解 act on the page and counts it in the
summary; ``--source console`` records the page's own comments and orders, once each;
``livedeck console-check`` says which selectors resolve, and fails on a page that changed."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
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
from tests.waiting import wait_until


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
    db = tmp_path / "r.sqlite"
    # Runs until the page shows the explain and the log holds its ack, then stops as a user does (Ctrl+C):
    # how long chromium takes to start depends on the machine's load, not on LiveDeck.
    record = subprocess.Popen(
        [sys.executable, "-m", "app", "record", "--source", demo_room(seed=3, rate=50), "--db", str(db),
         "--duration", "90", "--show", "中控台场", "--console", "buyin", "--console-url", fake.url,
         "--browser", CHROMIUM, "--headless"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "LIVEDECK_HOME": str(tmp_path)})
    try:
        asyncio.run(wait_until(lambda: bool(_console_acks(db)), 60, what="the plan's 讲解 acknowledged in the log"))
    finally:
        record.send_signal(signal.SIGINT)
        out, err = record.communicate(timeout=60)
    assert record.returncode == 0, err[-3000:]
    assert fake.explaining == 4, err[-3000:]
    assert "中控台操作成功 1 次、失败 0 次" in out
    assert _console_acks(db) == [("console:buyin", "applied")]


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


def test_record_with_the_console_as_its_only_source_logs_the_pages_comments_and_orders_once(
        fake: FakeConsole, tmp_path: Path) -> None:
    fake.viewer_comments(("c1", "小鹿", "3号有货吗"), ("c2", "阿杰", "多少钱"))
    fake.order("o1", "900003", 2, 3)  # 已支付
    db = tmp_path / "c.sqlite"
    record = subprocess.Popen(
        [sys.executable, "-m", "app", "record", "--source", "console", "--console", "buyin", "--console-url", fake.url,
         "--headless", "--browser", CHROMIUM, "--db", str(db), "--duration", "60"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "LIVEDECK_HOME": str(tmp_path)})
    try:
        asyncio.run(wait_until(lambda: _kinds(db) == {"comment": 2, "order": 1}, 30,
                               what="the page's comments and order in the log"))
        polls = fake.polls
        asyncio.run(wait_until(lambda: fake.polls >= polls + 3, 5, what="the page polling the same rows again"))
    finally:
        record.send_signal(signal.SIGINT)
        out, err = record.communicate(timeout=60)
    assert record.returncode == 0, err[-3000:]
    assert _kinds(db) == {"comment": 2, "order": 1}  # each once, however often the page polled them
    assert "comment 2" in out, out
    assert "order 1" in out, out
    assert "中控台操作成功 0 次、失败 0 次" in out
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT source FROM sessions").fetchall() == [("console:buyin",)]


def test_record_refuses_source_console_without_a_console_profile(tmp_path: Path) -> None:
    done = _livedeck(tmp_path, "record", "--source", "console", "--db", str(tmp_path / "x.sqlite"), "--duration", "1")
    assert done.returncode == 2
    assert "--source console 要和 --console PROFILE 一起用" in done.stderr


def _kinds(db: Path) -> dict[str, int]:
    if not db.exists():
        return {}
    try:
        with contextlib.closing(sqlite3.connect(db)) as conn:
            rows = conn.execute("SELECT kind, COUNT(*) FROM events WHERE kind IN ('comment', 'order')"
                                " GROUP BY kind").fetchall()
    except sqlite3.OperationalError:  # the log is being created
        return {}
    return dict(rows)


def _console_acks(db: Path) -> list[tuple[str, str]]:
    """The console's ``explain.ack`` rows in the log (none while the log is being created)."""
    if not db.exists():
        return []
    try:
        with contextlib.closing(sqlite3.connect(db)) as conn:
            return conn.execute("SELECT actor, result FROM actions"
                                " WHERE name = 'explain.ack' AND actor LIKE 'console:%'").fetchall()
    except sqlite3.OperationalError:
        return []
