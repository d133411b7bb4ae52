"""The session log's disk fills mid-show (SQLite's own SQLITE_FULL, from ``PRAGMA max_page_count`` on the
writer's connection): the console says 磁盘已满 in the status bar and the source health panel within 2 s,
and when space returns the notice goes and every event the engine took is in the log."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.store.session_log import SessionLog
from tests.ui.conftest import wait_until
from tests.ui.windows import console_on_demo_room


def cap_pages(log: SessionLog, extra: int | None) -> None:
    """Let the writer's connection grow ``extra`` pages past its size now (None: no cap: space returns)."""
    def pragma(conn: sqlite3.Connection) -> None:
        count = int(conn.execute("PRAGMA page_count").fetchone()[0])
        conn.execute(f"PRAGMA max_page_count = {count + extra if extra is not None else 1_000_000_000}")
    log._writer.configure(pragma)


def test_disk_full_is_on_screen_at_once_and_nothing_is_lost(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "console.sqlite"
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warned.append(text))

    async def scenario() -> tuple[int, int]:
        async with console_on_demo_room(qtbot, tmp_path, db, seed=5, rate=1500) as (window, engine, log):
            await wait_until(lambda: engine.state.events > 50)
            assert not window.disk_notice.isVisible()
            assert window.health.text("log") == "正常写入"
            cap_pages(log, 3)
            await wait_until(lambda: log.disk_full, timeout=15, what="the capped log to fill")
            await wait_until(lambda: window.disk_notice.isVisible(), timeout=2, what="磁盘已满 on screen")
            assert "磁盘已满" in window.disk_notice.text()
            window.health.refresh()
            assert "磁盘已满" in window.health.text("log")
            held_from = engine.state.events
            await wait_until(lambda: engine.state.events > held_from + 200)  # the show goes on
            # 结束场次 while the disk is still full: one clear line, the session stays open.
            window._run(window.stop_session())
            await wait_until(lambda: bool(warned), what="the 操作失败 notice")
            assert warned == ["操作失败：磁盘已满：场次日志暂时无法写入，腾出空间后再试"]
            assert engine.state.running

            cap_pages(log, None)  # space returns
            await wait_until(lambda: not window.disk_notice.isVisible(), timeout=5)
            await window.stop_session()  # 结束场次 again: now it ends
            assert not engine.state.running
            window.close()
            return engine.state.events, log.lost_events

    events, lost = qloop.run_until_complete(scenario())
    assert lost == 0
    with sqlite3.connect(db) as conn:
        stored, counted, status = conn.execute(
            "SELECT (SELECT count(*) FROM events), event_count, status FROM sessions").fetchone()
    assert stored == events
    assert counted == events
    assert status == "ended"
