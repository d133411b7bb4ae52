"""An app restart resumes the killed session's flash sales with their true remaining time.

Session 1 starts a 60 s sale and a 10 s one and dies (its row stays ``live`` with a dead pid, as after a
SIGKILL); 20 s later the log is reopened (session 1 → ``interrupted``) and a new engine resumes: the
60 s sale has 40 s left and the units it sold, the 10 s one is over and stays over."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.clock import ManualClock
from app.core.events import Command, Kind, LiveEvent
from app.engine.resume import resume_interrupted
from app.engine.session import SessionEngine
from app.store.session_log import SessionLog

PRODUCTS = load_products_csv(demo_catalog_path())
P3 = next(p for p in PRODUCTS if p.no == 3)


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _engine(log: SessionLog, clock: ManualClock) -> SessionEngine:
    engine = SessionEngine(log, clock=clock)
    engine.load_catalog(PRODUCTS)
    asyncio.run(engine.start_session("直播", "test"))
    return engine


def _killed_show(path: Path, clock: ManualClock) -> int:
    """Session 1: two flash sales and three deal-price orders of 3号, then the process 'dies'."""
    with SessionLog(path) as log:
        engine = _engine(log, clock)
        assert engine.execute(Command("start_flash_sale", {"no": 3, "price_fen": 6990, "stock": 20,
                                                           "duration_s": 60}, command_id="fs-3")).applied
        assert engine.execute(Command("start_flash_sale", {"no": 5, "price_fen": 1990, "stock": 10,
                                                           "duration_s": 10}, command_id="fs-5")).applied
        clock.advance(2)
        engine.submit([
            LiveEvent(Kind.ORDER, clock.time(), user_id="u1", product_id=P3.product_id, count=1, amount_fen=6990),
            LiveEvent(Kind.ORDER, clock.time(), user_id="u2", product_id=P3.product_id, count=2, amount_fen=13980),
            # the regular price: not a flash-sale unit
            LiveEvent(Kind.ORDER, clock.time(), user_id="u3", product_id=P3.product_id, count=1,
                      amount_fen=P3.price_fen),
        ])
        engine.drain()
        assert engine.state.flash_sales["fs-3"].sold == 3
        sid = engine.state.session_id
        assert sid is not None
        log.flush()
    # No end_session: the row stays 'live', owned by a process that is gone (SIGKILL, power cut).
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE sessions SET pid = ? WHERE id = ?", (_dead_pid(), sid))
    conn.close()
    return sid


def test_a_restart_resumes_the_running_sale_with_its_true_remaining_time(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite"
    clock = ManualClock()
    old = _killed_show(path, clock)
    clock.advance(18)  # the app was down: 20 s after the sales started

    with SessionLog(path) as log:
        assert log.session(old)["status"] == "interrupted"  # type: ignore[index]
        engine = _engine(log, clock)
        resumed = resume_interrupted(engine)
        assert resumed is not None
        assert resumed.session_id == old
        assert [s.sale_id for s in resumed.sales] == ["fs-3"]  # the 10 s sale is over
        sale = engine.state.flash_sales["fs-3"]
        assert sale.status == "live"
        assert sale.remaining(clock.monotonic()) == pytest.approx(40)
        assert (sale.sold, sale.left) == (3, 17)  # the units sold before the crash still count
        assert "fs-5" not in engine.state.flash_sales
        # Logged in the new session as a restore, and a retry of the old command is a duplicate.
        (row,) = [a for a in engine.actions if a["actor"] == "restore"]
        assert (row["name"], row["command_id"], row["result"]) == ("start_flash_sale", "fs-3", "applied")
        assert row["args"]["resumed_from"] == old
        assert row["args"]["sold"] == 3
        assert "40.0 s left" in row["detail"]
        assert engine.execute(Command("start_flash_sale", {}, command_id="fs-3")).result == "duplicate"
        (marker,) = [e for e in engine.drain() if (e.extra or {}).get("flash_sale") == "resumed"]
        assert marker.product_id == P3.product_id

        # It ends on its original deadline.
        clock.advance(39.9)
        engine.tick()
        assert sale.status == "live"
        clock.advance(0.2)
        engine.tick()
        assert (sale.status, sale.end_reason) == ("ended", "time")
        new = engine.state.session_id
        asyncio.run(engine.end_session())
        log.flush()
        assert [(a["actor"], a["result"]) for a in log.actions(new) if a["name"] == "start_flash_sale"] == [
            ("restore", "applied"), ("local", "duplicate")]


def test_nothing_is_resumed_after_the_deadline_or_after_a_clean_end(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite"
    clock = ManualClock()
    _killed_show(path, clock)
    clock.advance(70)  # down for longer than the sale
    with SessionLog(path) as log:
        engine = _engine(log, clock)
        assert resume_interrupted(engine) is None
        assert not engine.state.flash_sales
        assert not [a for a in engine.actions if a["actor"] == "restore"]
        asyncio.run(engine.end_session())  # a clean end: the next start has nothing to resume
    with SessionLog(path) as log:
        engine = _engine(log, clock)
        assert resume_interrupted(engine) is None
        asyncio.run(engine.end_session())


def test_a_sale_that_sold_out_before_the_crash_stays_over(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite"
    clock = ManualClock()
    with SessionLog(path) as log:
        engine = _engine(log, clock)
        engine.execute(Command("start_flash_sale", {"no": 3, "price_fen": 6990, "stock": 2, "duration_s": 60},
                               command_id="fs"))
        engine.submit([LiveEvent(Kind.ORDER, clock.time(), user_id="u1", product_id=P3.product_id, count=2,
                                 amount_fen=13980)])
        engine.drain()
        assert engine.state.flash_sales["fs"].end_reason == "sold_out"
        sid = engine.state.session_id
        log.flush()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE sessions SET pid = ? WHERE id = ?", (_dead_pid(), sid))
    conn.close()
    clock.advance(5)
    with SessionLog(path) as log:
        engine = _engine(log, clock)
        assert resume_interrupted(engine) is None
        assert not any(s.running for s in engine.state.flash_sales.values())
