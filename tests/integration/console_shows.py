"""A show with the platform console connected, for the console tests of every platform: an engine
recording to a real SQLite log, the real connector on a fake platform page, headless Debian chromium."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path

import pytest

from app.commerce.catalog import Product
from app.connectors.console import ConsoleConnector, ConsoleState, load_profile
from app.core.events import Command, Kind
from app.engine.session import SessionEngine
from app.store.session_log import SessionLog
from tests.waiting import wait_until

#: Debian's chromium, which `make test` installs (packaging/linux-system-deps.sh): never skipped.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def connector(engine: SessionEngine, platform: str, url: str, home: Path) -> ConsoleConnector:
    """The real connector for ``platform``'s shipped profile, on ``url``, in headless chromium."""
    return ConsoleConnector(engine, load_profile(platform, home=home), url=url, browser=CHROMIUM,
                            headless=True, home=home)


@contextlib.asynccontextmanager
async def console_show(platform: str, url: str, tmp_path: Path, catalog: Iterable[Product] = (), *,
                       until: ConsoleState = ConsoleState.CONNECTED,
                       ) -> AsyncIterator[tuple[SessionEngine, ConsoleConnector]]:
    """An engine recording to ``tmp_path/show.sqlite`` with the connector on ``url``, once its status
    reached ``until``."""
    log = SessionLog(tmp_path / "show.sqlite")
    engine = SessionEngine(log)
    engine.load_catalog(list(catalog))
    await engine.start_session("中控台测试", f"console:{platform}")
    batcher = asyncio.create_task(engine.run())
    console = connector(engine, platform, url, tmp_path)
    console.start()
    try:
        await wait_until(lambda: console.status.state is until, 20, what=f"the console {until.value}")
        yield engine, console
    finally:
        await console.aclose()
        batcher.cancel()
        log.close()


def console_rows(engine: SessionEngine, platform: str, name: str) -> list[dict[str, object]]:
    """The ``actions`` rows of the console's attempts at command ``name``."""
    return [a for a in engine.actions if a["name"] == f"{name}.ack" and a["actor"] == f"console:{platform}"]


def livedeck(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m app ARGS`` as a user runs it, with ``home`` as its data directory."""
    return subprocess.run([sys.executable, "-m", "app", *args], capture_output=True, text=True, timeout=90,
                          env={**os.environ, "LIVEDECK_HOME": str(home)})


async def explain_fails_in_one_line(engine: SessionEngine, console: ConsoleConnector,
                                    caplog: pytest.LogCaptureFixture, no: int, *, pages: int = 1) -> list[Path]:
    """Explain ``no`` on a page whose explain button was renamed: the console logs exactly one error line,
    “找不到 {no} 号商品的讲解按钮：平台页面可能已改版”, and saves ``pages`` HTML files (and as many
    screenshots); returns the HTML files."""
    with caplog.at_level(logging.ERROR, logger="livedeck.console"):
        engine.execute(Command("explain", {"no": no}))
        await wait_until(lambda: console.status.failed == 1, 10, what="the explain failing")
    expected = f"找不到 {no} 号商品的讲解按钮：平台页面可能已改版"
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [f"console {console.profile.platform}: {expected}"]
    assert console.status.reason == expected
    diagnostics = console.diagnostics_dir
    await wait_until(lambda: len(list(diagnostics.glob("*.html"))) == pages, 5, what="the diagnostic files")
    assert len(list(diagnostics.glob("*.png"))) == pages
    return sorted(diagnostics.glob("*.html"))


async def comments_read_once(engine: SessionEngine, console: ConsoleConnector, polls: Callable[[], int],
                             count: int) -> None:
    """``count`` comments reached the engine, and it stays ``count`` while the page polls the same rows
    three more times (``polls()`` counts the page's polls)."""
    await wait_until(lambda: engine.state.counts[Kind.COMMENT] == count, 5, what=f"{count} comments read")
    before = polls()
    await wait_until(lambda: polls() >= before + 3, 3, what="the page polling the same rows again")
    assert engine.state.counts[Kind.COMMENT] == count
    assert console.status.events == count


def logged_comments(engine: SessionEngine, columns: str) -> list[tuple[object, ...]]:
    """``columns`` of the comment rows in the show's log, sorted."""
    assert engine.log is not None
    engine.log.flush()
    with sqlite3.connect(engine.log.path) as db:
        return sorted(db.execute(f"SELECT {columns} FROM events WHERE kind = 'comment'").fetchall())
