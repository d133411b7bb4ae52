"""The console window on a real demo room: what a streamer sees after launch."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.settings import Settings
from app.engine.session import SessionEngine
from app.rooms.demo import serve_demo_room
from app.show.show import Show, SourceSpec
from app.store.session_log import SessionLog
from tests.ui.conftest import wait_until
from tests.ui.windows import console_on_demo_room
from ui.live.comment_feed import FeedRole
from ui.live.main_window import MainWindow


def test_console_shows_the_live_room_and_logs_what_it_shows(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    db = tmp_path / "console.sqlite"

    async def scenario() -> tuple[int, list[tuple[str, str]], dict[str, str]]:
        async with console_on_demo_room(qtbot, tmp_path, db, seed=5, rate=60) as (window, engine, _log):
            model = window.feed.model
            await wait_until(lambda: model.rowCount() >= 20)
            await wait_until(lambda: engine.state.online > 0)
            window.refresh()
            rows = [
                (model.index(r, 0).data(FeedRole.USER_NAME), model.index(r, 0).data(FeedRole.TEXT))
                for r in range(model.rowCount())
            ]
            header = {
                "status": window.header.status.text,
                "online": window.header.online.value.text(),
                "button": window.header.session_button.text(),
            }
            session_id = engine.state.session_id
            assert session_id is not None
            await window.stop_session()
            header["button_after"] = window.header.session_button.text()
            window.close()
        return session_id, rows, header

    session_id, rows, header = qloop.run_until_complete(scenario())
    assert header["status"] == "已连接"
    assert int(header["online"].replace(",", "")) > 0
    assert (header["button"], header["button_after"]) == ("结束场次", "开始场次")
    with SessionLog(db) as log:
        logged = {(e.user_name, e.text) for e in log.events(session_id)}
        assert log.session(session_id)["status"] == "ended"  # type: ignore[index]
    # every row on screen is in the log with the same user and text
    assert rows
    assert all(row in logged for row in rows)


def test_console_speaks_english_when_asked(qtbot: QtBot, tmp_path: Path) -> None:
    from app.core.i18n import set_language

    set_language("en")
    engine = SessionEngine()
    window = MainWindow(engine, Show(engine), SourceSpec("generic", "ws://127.0.0.1:1"),
                        load_products_csv(demo_catalog_path()), Settings(tmp_path / "s.json"))
    qtbot.addWidget(window)
    assert window.windowTitle() == "LiveDeck Live Console"
    assert window.header.online.caption.text() == "Online now"
    assert window.header.session_button.text() == "Start session"
    assert window.products.headerData(0, Qt.Orientation.Horizontal) == "No."
    assert window.header.clock.value.text() == "--:--"


def test_header_and_dashboard_show_the_same_numbers_at_every_snapshot(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    from app.core.events import Command
    from app.metrics.tracker import Snapshot
    from ui.console import open_console

    async def scenario() -> list[tuple[str, ...]]:
        room = await serve_demo_room(seed=4, rate=300)
        seen: list[tuple[str, ...]] = []
        try:
            async with open_console(SourceSpec("generic", room.url), load_products_csv(demo_catalog_path()),
                                    tmp_path / "c.sqlite", Settings(tmp_path / "s.json")) as window:
                qtbot.addWidget(window)
                window.show()
                await window.start_session()
                await wait_until(lambda: window.engine.state.events > 0)  # the room is connected
                window.engine.execute(Command("explain", {"no": 3}))  # orders start coming in
                header, tiles = window.header, window.dashboard.tiles  # type: ignore[union-attr]

                def compare(snap: Snapshot) -> None:  # runs after the header's and the dashboard's own
                    seen.append((header.online.value.text(), tiles["online"].value.text(),
                                 header.orders.value.text(), tiles["orders"].value.text(),
                                 header.gmv.value.text(), tiles["gmv"].value.text()))

                assert window.show_runner.metrics is not None
                window.show_runner.metrics.add_snapshot_listener(compare)
                await wait_until(lambda: len(seen) >= 3 and seen[-1][2] != "0", timeout=15)
                await window.stop_session()
                window.close()
        finally:
            await room.close()
        return seen

    seen = qloop.run_until_complete(scenario())
    for online, tile_online, orders, tile_orders, gmv, tile_gmv in seen:
        assert (online, orders, gmv) == (tile_online, tile_orders, tile_gmv)
