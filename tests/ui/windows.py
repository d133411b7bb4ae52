"""The console window on a real demo room, as a test opens it: one helper instead of the same set-up in
every test that needs a live window."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from pytestqt.qtbot import QtBot

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.settings import Settings
from app.engine.session import SessionEngine
from app.rooms.demo import serve_demo_room
from app.show.show import Show, SourceSpec
from app.store.session_log import SessionLog
from ui.live.main_window import MainWindow


@contextlib.asynccontextmanager
async def console_on_demo_room(
    qtbot: QtBot, tmp_path: Path, db: Path, *, seed: int, rate: float
) -> AsyncIterator[tuple[MainWindow, SessionEngine, SessionLog]]:
    """A demo room (``seed``, ``rate`` events a second) and a shown MainWindow recording it into ``db``
    with the demo catalog and settings under ``tmp_path``; the session is started. Yields the window, its
    engine and the log; the room is closed on the way out, also when the test fails."""
    room = await serve_demo_room(seed=seed, rate=rate)
    try:
        with SessionLog(db) as log:
            engine = SessionEngine(log)
            async with Show(engine) as show:
                window = MainWindow(engine, show, SourceSpec("generic", room.url),
                                    load_products_csv(demo_catalog_path()), Settings(tmp_path / "s.json"))
                qtbot.addWidget(window)
                window.show()
                await window.start_session()
                yield window, engine, log
    finally:
        await room.close()
