"""The console window on a real demo room (or on the fake 巨量百应 page as its only source), as a test
opens it: one helper instead of the same set-up in every test that needs a live window."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from pytestqt.qtbot import QtBot

from app.commerce.catalog import Product, demo_catalog_path, load_products_csv
from app.connectors.console import ConsoleState
from app.connectors.console.options import ConsoleOptions
from app.core.settings import Settings
from app.engine.session import SessionEngine
from app.rooms.demo import serve_demo_room
from app.show.console_feed import CONSOLE_SOURCE
from app.show.show import Show, SourceSpec, open_show
from app.store.session_log import SessionLog
from tests.fakes.console_page.server import FakeConsole
from tests.integration.test_console_buyin import CHROMIUM
from tests.waiting import wait_until
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


def fake_page_catalog(fake: FakeConsole) -> list[Product]:
    """The fake 巨量百应 page's 60 products as LiveDeck's catalog (same 序号, ids and prices)."""
    return [Product(p["no"], p["id"], p["name"], round(float(p["price"]) * 100), stock=p["stock"])
            for p in fake.products]


def fake_page_options(fake: FakeConsole, home: Path) -> ConsoleOptions:
    """The console options that drive the fake page in headless Debian chromium."""
    return ConsoleOptions("buyin", url=fake.url, browser=CHROMIUM, headless=True, home=home)


@contextlib.asynccontextmanager
async def console_on_fake_page(
    qtbot: QtBot, tmp_path: Path, fake: FakeConsole, *, connect: bool = True
) -> AsyncIterator[tuple[MainWindow, Show]]:
    """A shown MainWindow whose session runs on the fake 巨量百应 page alone (``--source console``), with
    the page's catalog, metrics and settings under ``tmp_path``; with ``connect`` the console is set up,
    the session started and the page connected. Yields the window and its show."""
    products = fake_page_catalog(fake)
    async with open_show(tmp_path / "console.sqlite", products) as show:
        window = MainWindow(show.engine, show, SourceSpec(CONSOLE_SOURCE, "buyin"), products,
                            Settings(tmp_path / "s.json"))
        qtbot.addWidget(window)
        window.resize(1920, 1080)  # a studio screen: the header has room for the console's problem line
        window.show()
        if connect:
            show.console_options = fake_page_options(fake, tmp_path)
            await window.start_session()
            await wait_until(lambda: show.console is not None and show.console.status.state is ConsoleState.CONNECTED,
                             20, what="the fake page connected")
        try:
            yield window, show
        finally:
            window.close_now()
