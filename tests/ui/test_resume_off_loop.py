"""Continuing a long interrupted show keeps the console alive: the log's 200,000 events are read on a worker
thread and applied in short slices (app/engine/replay.py), so while the show comes back the window's
timers keep ticking, and what comes back is right: the explained product, its stock and units sold, the
counts of every kind.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot
from websockets.asyncio.server import ServerConnection, serve

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.clock import ManualClock
from app.core.events import Command, Kind, LiveEvent
from app.core.settings import Settings
from app.show.show import SourceSpec, interrupted_show
from app.store.session_log import SessionLog
from tests.app.test_resume import _die, _engine
from tests.waiting import wait_until
from ui.console import begin_show, open_console
from ui.live.product_queue import Col

PRODUCTS = load_products_csv(demo_catalog_path())
P3 = next(p for p in PRODUCTS if p.no == 3)
EVENTS = 200_000
ORDER_EVERY = 1000  # one order of 3号 in every 1,000 events: 200 units


def _long_show(path: Path) -> dict[str, Any]:
    """A show an hour long with 3号 explained and 200,000 events (comments, likes, 200 orders of 3号) whose
    process died; returns its ``sessions`` row, interrupted."""
    clock = ManualClock(time.monotonic(), time.time() - 3600)
    with SessionLog(path) as log:
        engine = _engine(log, clock)
        assert engine.execute(Command("explain", {"no": 3}, command_id="ex-3")).applied
        for base in range(0, EVENTS, 10_000):
            batch = []
            for i in range(base, base + 10_000):
                if i % ORDER_EVERY == 0:
                    batch.append(LiveEvent(Kind.ORDER, clock.time(), user_id=f"b{i}", product_id=P3.product_id,
                                           count=1, amount_fen=P3.price_fen, msg_id=f"o{i}"))
                elif i % 2:
                    batch.append(LiveEvent(Kind.COMMENT, clock.time(), user_id=f"u{i % 5000}", user_name="观众",
                                           text="3号还有吗", msg_id=f"c{i}"))
                else:
                    batch.append(LiveEvent(Kind.LIKE, clock.time(), user_id=f"u{i % 5000}", count=1, msg_id=f"l{i}"))
                clock.advance(0.015)
            engine.submit(batch)
            engine.drain()
        sid = engine.state.session_id
        assert sid is not None
        log.flush()
    _die(path, sid)
    session = interrupted_show(path)
    assert session is not None
    return session


@asynccontextmanager
async def quiet_room() -> AsyncIterator[str]:
    """A generic room that says hello and then nothing: the only events are the log's."""
    async def handler(ws: ServerConnection) -> None:
        await ws.send(json.dumps({"type": "hello", "protocol": "livedeck-generic", "v": 1, "room_id": "quiet"}))
        await ws.wait_closed()

    async with serve(handler, "127.0.0.1", 0) as server:
        yield f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"


@pytest.mark.timeout(120)  # about 10 s alone; the log is built with the real writer first
def test_continuing_a_200000_event_show_keeps_the_window_ticking_and_brings_back_its_state(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    db = tmp_path / "sessions.sqlite"
    session = _long_show(db)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(20)
    # Each tick notes the UI thread's CPU time: what the thread did between two ticks is how long the window
    # would stay frozen on a machine of its own, whatever else shares this one.
    timer.timeout.connect(lambda: ticks.append(time.thread_time()))

    async def scenario() -> None:
        async with quiet_room() as url, open_console(SourceSpec("generic", url), PRODUCTS, db,
                                                     Settings(tmp_path / "s.json")) as window:
            qtbot.addWidget(window)
            window.show()
            timer.start()
            await wait_until(lambda: len(ticks) >= 3, what="the timer ticking")  # the first paint is not the resume's
            ticks.clear()
            began = time.thread_time()
            await begin_show(window, session)
            ticks.append(time.thread_time())
            timer.stop()
            state = window.engine.state
            assert state.session_id == session["id"]
            assert state.events == EVENTS
            assert state.counts[Kind.ORDER] == EVENTS // ORDER_EVERY
            assert state.counts[Kind.COMMENT] == EVENTS // 2  # the odd ones
            assert state.counts[Kind.LIKE] == EVENTS // 2 - EVENTS // ORDER_EVERY  # the even ones but the orders
            assert state.gmv_fen == EVENTS // ORDER_EVERY * P3.price_fen
            assert state.explaining == 3
            row = window.products.row_of(3)
            assert window.products.index(row, Col.SOLD).data() == str(EVENTS // ORDER_EVERY)
            assert window.products.index(row, Col.STOCK).data() == str(P3.stock - EVENTS // ORDER_EVERY)
            gaps = [b - a for a, b in zip([began, *ticks], ticks, strict=False)]
            assert len(ticks) > 5, "the resume was too short to measure"
            # Most gaps, not the worst one: a loaded machine can stretch a single slice, but played back a
            # page at a time (no slices) nearly every gap is a page's worth, hundreds of milliseconds.
            typical = sorted(gaps)[len(gaps) * 9 // 10]
            assert typical < 0.1, (f"the window froze {typical * 1000:.0f} ms at a time (9 gaps in 10; the worst "
                                   f"{max(gaps) * 1000:.0f} ms) while the show came back")
            await window.stop_session()
            window.close_now()

    qloop.run_until_complete(scenario())
