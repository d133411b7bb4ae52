"""场次 → 连接平台中控台… and the header's console light, in the real window against the fake 巨量百应 page
in headless Chromium: the platforms by their Chinese names, the default account folder, the login state
live and the capabilities in words; connecting during a session acts at once, before one when it starts;
a page that changed shows its one-line failure in the header; 连接直播间… offers the console page as the
source once a console is set up; 导入中控台商品 puts the page's goods list in the queue; 视频号's 评论上墙,
抖音团购 and 小红书蒲公英 named with what they can do."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from app.commerce.catalog import Product
from app.connectors.console import ConsoleState
from app.core.i18n import set_language
from app.core.settings import Settings, data_dir
from app.engine.session import SessionEngine
from app.show.console_feed import CONSOLE_SOURCE
from app.show.show import Show, SourceSpec, open_show
from tests.fakes.console_page.server import FakeConsole
from tests.integration.test_console_buyin import (
    CHROMIUM,
    fake,  # noqa: F401  (the page fixture)
)
from tests.ui.windows import console_on_fake_page
from tests.waiting import wait_until
from ui.live.console_dialog import ConsoleDialog
from ui.live.main_window import MainWindow

CAPABILITIES = "讲解、取消讲解、发评论、置顶、读评论、读订单、读商品"


def _fill(dialog: ConsoleDialog, fake: FakeConsole) -> None:  # noqa: F811
    dialog.set_platform("buyin")
    dialog.url.setText(fake.url)
    dialog.browser.setText(CHROMIUM)
    dialog.headless.setChecked(True)


def _console_state(window: MainWindow) -> ConsoleState | None:
    console = window.show_runner.console
    return console.status.state if console is not None else None


def test_the_dialog_names_platforms_and_capabilities_in_chinese_and_connects_at_the_next_session(
        qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path, fake: FakeConsole) -> None:  # noqa: F811
    async def scenario() -> None:
        async with console_on_fake_page(qtbot, tmp_path, fake, connect=False) as (window, show):
            assert not window.header.console.isVisible()  # no console: no light
            window.console_action.trigger()
            dialog = window.findChild(ConsoleDialog)
            assert dialog is not None
            assert dialog.isVisible()
            names = [dialog.platform.itemText(i) for i in range(dialog.platform.count())]
            assert {"巨量百应", "抖店", "视频号", "淘宝直播", "小红书千帆", "快手小店"} <= set(names)
            assert "buyin" not in names
            dialog.set_platform("buyin")
            assert dialog.profile_dir.text() == str(data_dir() / "consoles" / "buyin")  # one folder per platform
            assert dialog.options().profile_dir is None  # the default: left to the connector
            assert dialog.capabilities.text() == CAPABILITIES
            assert dialog.state.text() == "未连接"
            _fill(dialog, fake)
            dialog.connect_button.click()
            await wait_until(lambda: show.console_options is not None, 3, what="the console set up")
            assert dialog.state.text() == "场次开始时连接"  # no session yet: nothing opens
            assert show.console is None
            assert window.settings.get("last_console")["url"] == fake.url  # the next launch starts from it
            again = ConsoleDialog(Show(SessionEngine(None)), window.settings)  # the next launch's show
            qtbot.addWidget(again)
            assert (again.platform_key, again.url.text(), again.headless.isChecked()) == ("buyin", fake.url, True)
            again.close()
            await window.start_session()
            await wait_until(lambda: dialog.state.text() == "中控台已连接", 20, what="the dialog saying 中控台已连接")
            assert window.header.console.isVisible()
            assert window.header.console.text == "中控台已连接 · 成功 0 · 失败 0"
            dialog.disconnect_button.click()
            await wait_until(lambda: _console_state(window) is ConsoleState.STOPPED, 15, what="the browser closed")
            await wait_until(lambda: window.header.console.text.startswith("中控台已断开"), 2)
            assert show.console_options is None
            dialog.close()

    qloop.run_until_complete(scenario())


@pytest.mark.qt_log_ignore(r"This plugin does not support (raise\(\)|grabbing the keyboard)")
def test_connecting_during_a_session_acts_at_once_and_a_changed_page_shows_its_failure_in_the_header(
        qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path, fake: FakeConsole) -> None:  # noqa: F811
    fake.drift = True  # the platform renamed the goods action area

    async def scenario() -> None:
        async with console_on_fake_page(qtbot, tmp_path, fake, connect=False) as (window, _show):
            await window.start_session()
            dialog = window.open_console_dialog()
            assert "下一场" not in dialog.note.text()
            _fill(dialog, fake)
            dialog.connect_button.click()
            await wait_until(lambda: dialog.state.text() == "中控台已连接", 20, what="connected during the session")
            await wait_until(lambda: window.header.status.text == "已连接", 2,
                             what="the session's source following the page")
            dialog.close()
            window.activateWindow()
            await wait_until(window.isActiveWindow, 5)
            QTest.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
            expected = "找不到 3 号商品的讲解按钮：平台页面可能已改版"
            await wait_until(lambda: window.header.console.problem_text == expected, 5,
                             what="the failure in the header")
            assert window.header.console.text == "中控台已连接 · 成功 0 · 失败 1"
            assert window.header.console.problem.isVisible()
            assert expected in window.header.console.toolTip()
            window.header.grab().save("/tmp/a_header.png")
            window.resize(1366, 768)  # a laptop: the line moves to the tooltip, the window keeps its width
            await wait_until(lambda: not window.header.console.problem.isVisible(), 3, what="the compact header")
            assert window.width() == 1366
            assert window.header.console.text == "中控台已连接 · 失败 1"
            assert expected in window.header.console.toolTip()

    qloop.run_until_complete(scenario())


def test_the_connect_dialog_offers_the_console_page_as_the_source_once_a_console_is_set_up(
        qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path, fake: FakeConsole) -> None:  # noqa: F811
    async def scenario() -> None:
        async with console_on_fake_page(qtbot, tmp_path, fake, connect=False) as (window, show):
            plain = window.open_connect_dialog()
            assert "平台中控台" not in [plain.platform.itemText(i) for i in range(plain.platform.count())]
            plain.reject()
            dialog = window.open_console_dialog()
            _fill(dialog, fake)
            dialog.connect_button.click()
            await wait_until(lambda: show.console_options is not None, 3)
            dialog.grab().save("/tmp/a_console_dialog.png")
            dialog.close()
            connect = window.open_connect_dialog()
            labels = [connect.platform.itemText(i) for i in range(connect.platform.count())]
            assert "平台中控台" in labels
            connect.set_platform(CONSOLE_SOURCE)
            assert not connect.address.isVisible()
            assert "平台中控台" in connect.hint.text()
            assert connect.build_spec() == SourceSpec(CONSOLE_SOURCE, "buyin")
            await window.switch_source(connect.build_spec())
            await wait_until(lambda: _console_state(window) is ConsoleState.CONNECTED, 20, what="the page connected")
            await wait_until(lambda: window.header.status.text == "已连接", 2, what="the source following the page")
            connect.reject()

    qloop.run_until_complete(scenario())


def test_the_pages_goods_list_is_imported_into_the_queue(
        qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path, fake: FakeConsole) -> None:  # noqa: F811
    async def scenario() -> None:
        async with console_on_fake_page(qtbot, tmp_path, fake) as (window, show):
            queue = show.engine.state.queue
            assert window.runner.run("load_catalog", {"products": [Product(1, "x1", "旧商品", 100).to_dict()]}).applied
            assert len(queue) == 1
            dialog = window.open_console_dialog()
            await wait_until(dialog.import_button.isEnabled, 3, what="the import offered once connected")
            dialog.import_button.click()
            await wait_until(lambda: len(queue) == 60, 10, what="the page's 60 products in the queue")
            product = queue.get(40)
            assert product is not None
            assert (product.name, product.price_fen, product.stock) == ("测试商品40", 4990, 140)
            assert dialog.outcome.text() == "已从中控台导入 60 个商品"
            dialog.close()

    qloop.run_until_complete(scenario())


@pytest.mark.parametrize(("language", "words"), [
    ("zh", "讲解、取消讲解、发评论、评论上墙、读评论"),
    ("en", "Explain、Stop explaining、Post comment、Put a comment on screen、read comments"),
])
def test_the_dialog_says_wechat_channels_can_put_a_comment_on_screen(
        qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path, language: str, words: str) -> None:
    set_language(language)

    async def scenario() -> None:
        async with open_show(tmp_path / "show.sqlite", []) as show:
            dialog = ConsoleDialog(show, Settings(tmp_path / "settings.json"), home=tmp_path)
            qtbot.addWidget(dialog)
            dialog.set_platform("wechat-channels")
            assert dialog.capabilities.text() == words
            dialog.set_platform("buyin")  # 百应's profile has no 上墙
            assert "上墙" not in dialog.capabilities.text()
            assert "on screen" not in dialog.capabilities.text()

    qloop.run_until_complete(scenario())


@pytest.mark.parametrize(("platform", "name", "words"), [
    ("douyin-eos", "抖音团购", "讲解、取消讲解、发评论"),
    ("xiaohongshu-pgy", "小红书蒲公英", "讲解、取消讲解、发评论、读评论"),
    ("kuaishou", "快手小店", "讲解、取消讲解、发评论、置顶、读评论"),
])
def test_the_dialog_offers_newer_platforms_by_name_with_what_they_can_do(
        qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path, platform: str, name: str,
        words: str) -> None:
    async def scenario() -> None:
        async with open_show(tmp_path / "show.sqlite", []) as show:
            dialog = ConsoleDialog(show, Settings(tmp_path / "settings.json"), home=tmp_path)
            qtbot.addWidget(dialog)
            dialog.set_platform(platform)
            assert dialog.platform.currentText() == name
            assert dialog.capabilities.text() == words
            assert dialog.profile_dir.text() == str(tmp_path / "consoles" / platform)

    qloop.run_until_complete(scenario())
