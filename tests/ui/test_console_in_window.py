"""The platform console's done-when, through the real console window: on a session running on the fake
巨量百应 page (60 products, a virtualised list) in headless Chromium, Alt+3 makes the page's 3号 read
取消讲解 and Ctrl+G → 40 does the same for row 40 (how fast — ≤ 1 s, ≤ 3 s — make bench times on the same
page, tests/bench/bench_console.py; the key itself only hands the engine its command); a quick reply from the 快捷回复
dock shows in the page's comment list, pinned when 置顶 is ticked; the page's comments and orders reach
the feed and move the header's orders and GMV."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QInputDialog
from pytestqt.qtbot import QtBot

from app.core.events import Kind
from tests.fakes.console_page.server import FakeConsole
from tests.integration.test_console_buyin import fake  # noqa: F401  (the page fixture)
from tests.ui.windows import console_on_fake_page
from tests.waiting import wait_until
from ui.live.comment_model import FeedRole


def _explained_on_page(fake: FakeConsole, no: int) -> bool:  # noqa: F811
    """The page's own state: its 序号 ``no`` button reads 取消讲解."""
    return fake.explaining == no


def test_alt_3_and_ctrl_g_40_explain_on_the_page(
        qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path, fake: FakeConsole,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QInputDialog, "getInt", staticmethod(lambda *_a, **_k: (40, True)))

    async def scenario() -> None:
        async with console_on_fake_page(qtbot, tmp_path, fake) as (window, show):
            window.activateWindow()
            await wait_until(window.isActiveWindow, 5, what="the console window active")
            QTest.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
            await wait_until(lambda: _explained_on_page(fake, 3), 10, what="the page's 3号 showing 取消讲解")
            assert show.engine.state.explaining == 3
            QTest.keyClick(window, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)  # 讲解指定序号 → 40
            await wait_until(lambda: _explained_on_page(fake, 40), 10, what="row 40 of 60 showing 取消讲解")
            await wait_until(lambda: show.console is not None and show.console.status.done == 2, 2)
            await wait_until(lambda: "成功 2 · 失败 0" in window.header.console.text, 2,
                             what="the header counting both actions")

    qloop.run_until_complete(scenario())


def test_a_quick_reply_from_the_dock_appears_on_the_page_pinned_when_asked(
        qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path, fake: FakeConsole) -> None:  # noqa: F811
    async def scenario() -> None:
        async with console_on_fake_page(qtbot, tmp_path, fake) as (window, _show):
            panel = window.replies.panel
            panel.pin_box.setChecked(True)
            assert panel.send_text("关注主播领券")
            panel.pin_box.setChecked(False)
            assert panel.send_text("3号今晚包邮")
            await wait_until(lambda: len(fake.posted()) == 2, 5, what="both replies in the page's comment list")
            assert [(c["content"], c["pinned"]) for c in fake.posted()] == [("关注主播领券", True),
                                                                             ("3号今晚包邮", False)]

    qloop.run_until_complete(scenario())


def test_the_pages_comments_and_orders_reach_the_feed_and_the_header(
        qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path, fake: FakeConsole) -> None:  # noqa: F811
    async def scenario() -> None:
        async with console_on_fake_page(qtbot, tmp_path, fake) as (window, show):
            fake.viewer_comments(("c1", "小鹿", "3号有货吗"))
            fake.order("o1", "900003", 2, 3)  # 2 × 3号 at ¥12.90, paid
            await wait_until(lambda: window.header.orders.value.text() == "1", 5, what="the header's orders")
            assert window.header.gmv.value.text() == "¥25.80"
            await wait_until(lambda: _feed_texts(window).count("3号有货吗") == 1, 3, what="the comment in the feed")
            assert show.engine.state.counts[Kind.COMMENT] == 1
            assert window.header.status.text == "已连接"  # the console page is the session's source

    qloop.run_until_complete(scenario())


def _feed_texts(window: Any) -> list[str]:
    model = window.feed.model
    return [str(model.index(row, 0).data(FeedRole.TEXT)) for row in range(model.rowCount())]
