"""场次 → 连接直播间… in the console: 连接, then 切换直播源, ends the running session and starts one on the new
source."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.settings import Settings
from app.engine.session import SessionEngine
from app.rooms.demo import serve_demo_room
from app.show.show import Show, SourceSpec
from app.store.session_log import SessionLog
from tests.ui.conftest import wait_until
from ui.live.main_window import MainWindow


# A popup raises itself and grabs the keyboard; the offscreen platform says it can't (harmless there).
@pytest.mark.qt_log_ignore(r"This plugin does not support (raise\(\)|grabbing the keyboard)")
def test_connecting_to_another_room_switches_the_session(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    db = tmp_path / "console.sqlite"

    async def scenario() -> str:
        first = await serve_demo_room(seed=1, rate=40)
        second = await serve_demo_room(seed=2, rate=40)
        try:
            with SessionLog(db) as log:
                engine = SessionEngine(log)
                async with Show(engine) as show:
                    window = MainWindow(engine, show, SourceSpec("generic", first.url),
                                        load_products_csv(demo_catalog_path()), Settings(tmp_path / "s.json"))
                    window.demo_url = first.url
                    qtbot.addWidget(window)
                    window.show()
                    await window.start_session()
                    first_session = engine.state.session_id
                    assert window.connect_action.shortcut().toString() == "Ctrl+L"
                    dialog = window.open_connect_dialog()
                    dialog.set_platform("generic")
                    dialog.address.setText(second.url)
                    dialog.accept()
                    await wait_until(lambda: window.question is not None, what="切换直播源？")
                    assert window.question is not None
                    window.question.defaultButton().click()  # 切换直播源
                    await wait_until(lambda: engine.state.session_id not in (None, first_session))
                    await wait_until(lambda: engine.state.events > 5)
                    assert window.spec == SourceSpec("generic", second.url)
                    # The health popup opens from the status light and reads the live counters.
                    qtbot.mouseClick(window.header.status, Qt.MouseButton.LeftButton)
                    assert window.health.isVisible()
                    await wait_until(lambda: int(window.health.text("events").replace(",", "")) > 0)
                    window.health.hide()
                    await window.stop_session()
                    window.close()
        finally:
            await first.close()
            await second.close()
        return second.url

    second_url = qloop.run_until_complete(scenario())
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT source, status FROM sessions ORDER BY id").fetchall()
    assert [status for _, status in rows] == ["ended", "ended"]
    assert second_url in rows[1][0]
