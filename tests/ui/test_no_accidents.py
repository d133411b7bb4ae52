"""No accident ends a show: Ctrl+R, Ctrl+Q / closing the window and 连接直播间 ask first while live, and a
new source that does not answer leaves the running show as it was."""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.events import Command
from app.core.settings import Settings
from app.show.show import SourceSpec, open_show
from tests.ui.conftest import wait_until
from ui.live.connect_dialog import ConnectDialog
from ui.live.main_window import MainWindow

# The question raises itself; the offscreen platform says it can't (harmless there).
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support (raise\(\)|grabbing the keyboard)")


@pytest.fixture
def room(demo_room: Callable[..., str]) -> str:
    return demo_room(seed=7, rate=40)


@pytest.fixture
def second_room(demo_room: Callable[..., str]) -> str:
    return demo_room(seed=8, rate=40)


@contextlib.asynccontextmanager
async def console(qtbot: QtBot, tmp_path: Path, url: str, *, live: bool = True) -> AsyncIterator[MainWindow]:
    """The console as ``livedeck`` builds it (ui.console.open_console), shown and focused; with ``live``,
    a session runs and a flash sale of 3号 counts down (2 minutes)."""
    products = load_products_csv(demo_catalog_path())
    async with open_show(tmp_path / "console.sqlite", products) as show:
        window = MainWindow(show.engine, show, SourceSpec("generic", url), products, Settings(tmp_path / "s.json"))
        qtbot.addWidget(window)
        window.show()
        window.activateWindow()
        await wait_until(window.isActiveWindow, what="the window to have the keyboard")
        if live:
            await window.start_session()
            await wait_until(lambda: window.engine.state.events > 5, timeout=10, what="the room live")
            started = window.engine.execute(Command("start_flash_sale", {"no": 3, "price_fen": 6990, "stock": 50,
                                                                         "duration_s": 120}))
            assert started.applied
        yield window


def press(window: MainWindow, keys: str) -> None:
    """The user presses ``keys`` in the console."""
    QTest.keySequence(window, QKeySequence(keys))


async def question(window: MainWindow) -> QMessageBox:
    await wait_until(lambda: window.question is not None and window.question.isVisible(), what="the question")
    assert window.question is not None
    return window.question


def buttons(box: QMessageBox) -> set[str]:
    return {b.text() for b in box.buttons()}


def sale_status(window: MainWindow) -> str:
    (sale,) = window.engine.state.flash_sales.values()
    return sale.status


def sessions(tmp_path: Path) -> list[tuple[int, str, str]]:
    with sqlite3.connect(tmp_path / "console.sqlite") as conn:
        return conn.execute("SELECT id, source, status FROM sessions ORDER BY id").fetchall()


def test_ctrl_r_while_live_asks_first_esc_keeps_the_show_and_enter_ends_it(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path, room: str,
) -> None:
    async def scenario() -> None:
        async with console(qtbot, tmp_path, room) as window:
            session_id = window.engine.state.session_id
            assert window.engine.execute(Command("start_lucky_bag", {"condition": {"keyword": "扣1"},
                                                                     "duration_s": 60, "winners": 1})).applied
            press(window, "Ctrl+R")
            box = await question(window)
            assert re.fullmatch(r"结束本场直播？正在进行的秒杀（3号，剩 0[12]:\d\d）、福袋（剩 00:\d\d）也会结束。",
                                box.text()), box.text()
            assert buttons(box) == {"结束直播", "取消"}
            assert box.defaultButton().text() == "结束直播"
            QTest.keyClick(box, Qt.Key.Key_Escape)
            await wait_until(lambda: window.question is None, what="the question to close")
            assert window.engine.state.session_id == session_id
            assert sale_status(window) == "live"
            assert window.header.session_button.text() == "结束场次"

            window.header.session_button.click()  # the header's button asks the same question
            box = await question(window)
            QTest.keyClick(box, Qt.Key.Key_Return)
            await wait_until(lambda: not window.engine.state.running, what="the session to end")
            window.refresh()
            assert window.header.session_button.text() == "开始场次"

    qloop.run_until_complete(scenario())
    assert [status for _, _, status in sessions(tmp_path)] == ["ended"]


def test_nothing_live_nothing_asked(qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path,
                                    room: str) -> None:
    closed: list[bool] = []

    async def scenario() -> None:
        async with console(qtbot, tmp_path, room, live=False) as window:
            window.closed.connect(lambda: closed.append(True))
            press(window, "Ctrl+R")  # starting never asks
            await wait_until(lambda: window.engine.state.running, what="the session to start")
            assert window.question is None
            await window.stop_session()
            press(window, "Ctrl+Q")  # no session, no promotion: quit at once
            assert window.question is None
            assert closed == [True]
            assert not window.isVisible()

    qloop.run_until_complete(scenario())


def test_quitting_while_live_asks_and_only_quit_closes(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path, room: str,
) -> None:
    closed: list[bool] = []

    async def scenario() -> None:
        async with console(qtbot, tmp_path, room) as window:
            window.closed.connect(lambda: closed.append(True))
            press(window, "Ctrl+Q")
            box = await question(window)
            assert box.text().startswith("退出 LiveDeck？本场直播会结束。正在进行的秒杀（3号，剩 0")
            assert buttons(box) == {"退出", "取消"}
            assert box.defaultButton().text() == "退出"
            qtbot.mouseClick(next(b for b in box.buttons() if b.text() == "取消"), Qt.MouseButton.LeftButton)
            await wait_until(lambda: window.question is None, what="the question to close")
            assert window.isVisible()
            assert closed == []
            assert window.engine.state.running
            assert sale_status(window) == "live"

            window.close()  # the title bar's close button: the same question
            box = await question(window)
            QTest.keyClick(box, Qt.Key.Key_Return)
            await wait_until(lambda: closed == [True], what="the window to close")
            assert not window.isVisible()

    qloop.run_until_complete(scenario())
    assert [status for _, _, status in sessions(tmp_path)] == ["ended"]  # closing the console ended it


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _connect(window: MainWindow, url: str) -> None:
    """场次 → 连接直播间… (Ctrl+L), a generic address, 连接."""
    press(window, "Ctrl+L")
    (dialog,) = [d for d in window.findChildren(ConnectDialog) if d.isVisible()]
    dialog.set_platform("generic")
    dialog.address.setText(url)
    dialog.accept()


def test_connecting_while_live_asks_and_a_dead_address_leaves_the_show_running(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path, room: str,
) -> None:
    dead = f"ws://127.0.0.1:{_closed_port()}"

    async def scenario() -> None:
        async with console(qtbot, tmp_path, room) as window:
            session_id = window.engine.state.session_id
            source = window.show_runner.source
            _connect(window, dead)
            box = await question(window)
            assert box.text().startswith("切换直播源？")
            assert "正在进行的秒杀（3号，剩 0" in box.text()
            assert buttons(box) == {"切换直播源", "取消"}
            QTest.keyClick(box, Qt.Key.Key_Escape)  # 取消: nothing is even tried
            await wait_until(lambda: window.question is None, what="the question to close")
            assert window.show_runner.source is source
            assert window.spec.url == room

            _connect(window, dead)
            QTest.keyClick(await question(window), Qt.Key.Key_Return)
            await wait_until(lambda: window.unreachable_notice is not None, what="the notice")
            message = "没有连上新的直播源（连接被拒绝），本场直播继续。"
            assert window.unreachable_notice is not None
            assert window.unreachable_notice.text() == message
            assert window.unreachable_notice.isVisible()
            assert window.statusBar().currentMessage() == message
            # The show goes on: same session, same source, the sale still counting down, comments coming.
            assert window.engine.state.session_id == session_id
            assert window.show_runner.source is source
            assert window.spec.url == room
            assert sale_status(window) == "live"
            rows = window.feed.model.rowCount()
            await wait_until(lambda: window.feed.model.rowCount() > rows, what="new comments in the feed")
            assert window.header.status.text == "已连接"
            window.unreachable_notice.close()
            await window.stop_session()

    qloop.run_until_complete(scenario())
    assert len(sessions(tmp_path)) == 1


def test_connecting_while_live_to_a_room_that_answers_ends_the_old_session_and_starts_a_new_one(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path, room: str, second_room: str,
) -> None:
    async def scenario() -> None:
        async with console(qtbot, tmp_path, room) as window:
            first = window.engine.state.session_id
            _connect(window, second_room)
            QTest.keyClick(await question(window), Qt.Key.Key_Return)
            await wait_until(lambda: window.engine.state.session_id not in (None, first), timeout=10,
                             what="the new session")
            assert window.spec.url == second_room
            assert not window.engine.state.flash_sales  # the old show's sale ended with it
            await wait_until(lambda: window.header.status.text == "已连接", what="the new room connected")
            assert window.statusBar().currentMessage() == "已切换到新的直播源"
            await window.stop_session()

    qloop.run_until_complete(scenario())
    rows = sessions(tmp_path)
    assert [status for _, _, status in rows] == ["ended", "ended"]
    assert room in rows[0][1]
    assert second_room in rows[1][1]


def test_the_question_names_a_warming_up_sale_and_nothing_is_live_once_it_is_over() -> None:
    from app.core.clock import ManualClock
    from app.engine.session import SessionEngine
    from ui.live.confirm import END_SESSION, is_live, question_text

    clock = ManualClock()
    engine = SessionEngine(clock=clock)
    engine.load_catalog(load_products_csv(demo_catalog_path()))
    assert not is_live(engine)  # no session, no promotion
    assert engine.execute(Command("start_flash_sale", {"no": 5, "price_fen": 990, "stock": 10, "warmup_s": 10,
                                                       "duration_s": 30})).applied
    assert is_live(engine)  # a countdown runs even outside a session
    assert question_text(engine, END_SESSION) == "结束本场直播？正在进行的秒杀（5号，预热中，00:10 后开抢）也会结束。"
    clock.advance(15)
    assert question_text(engine, END_SESSION) == "结束本场直播？正在进行的秒杀（5号，剩 00:25）也会结束。"
    clock.advance(30)
    assert not is_live(engine)
    assert question_text(engine, END_SESSION) == "结束本场直播？"
