"""The console connector against the fake 小红书蒲公英 (tests/fakes/console_page/xiaohongshu_pgy), in
headless Debian chromium: the browser goes to the buyer home page first and opens the console from a link
there (a direct navigation loads nothing), waits the seconds the console takes to mount, and reads the
account's name from the top bar (on the buyer home page when the console shows none); then 千帆's console:
讲解 ↔ 结束讲解 by 序号 on screen and below the fold, a disabled one refused in one line, comments from the
page's WebSocket frames and the account's own from the send_comment answer, each once in the log; logged
out, the login page's 登录 button is clicked for the QR code, and once it is scanned the console opens."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.connectors.console import ConsoleState
from app.core.events import Command, Kind
from app.engine.session import SessionEngine
from tests.fakes.console_page.xiaohongshu_pgy.server import CONSOLE_PATH, ENTRY_PATH, FakePgy
from tests.integration.console_shows import connector, console_rows, console_show, logged_comments
from tests.waiting import wait_until

PLATFORM = "xiaohongshu-pgy"


@pytest.fixture
def fake() -> Iterator[FakePgy]:
    with FakePgy() as page:
        yield page


def test_the_console_is_opened_from_the_buyer_home_page_and_explains_by_its_number(
        fake: FakePgy, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    fake.mount_s = 3.0  # the real console mounts its control container 3–5 s after it opens
    async def scenario() -> None:
        async with console_show(PLATFORM, fake.url, tmp_path, fake.catalog()) as (engine, console):
            assert fake.visits == [(ENTRY_PATH, "goto", ""), (CONSOLE_PATH, "link", ENTRY_PATH)]
            assert console.status.account == "测试达人小美"
            assert engine.execute(Command("explain", {"no": 4})).applied
            await wait_until(lambda: fake.explaining == 4, 5, what="4号 showing 结束讲解")
            assert engine.execute(Command("explain", {"no": 27})).applied
            await wait_until(lambda: fake.explaining == 27, 5, what="27号, below the table's fold")
            assert engine.execute(Command("stop_explain", {})).applied
            await wait_until(lambda: fake.explaining is None, 5, what="结束讲解 clicked")
            with caplog.at_level(logging.ERROR, logger="livedeck.console"):
                engine.execute(Command("explain", {"no": 7}))
                await wait_until(lambda: console.status.failed == 1, 5, what="the sold-out 7号 refused")
            assert console.status.reason == "7 号商品的讲解按钮不可点击"
            assert fake.explain_clicks == [(4, True), (27, True), (27, False)]
            assert [r["result"] for r in console_rows(engine, PLATFORM, "explain")] == ["applied", "applied",
                                                                                          "rejected"]
            assert fake.visits == [(ENTRY_PATH, "goto", ""), (CONSOLE_PATH, "link", ENTRY_PATH)]  # one tab

    asyncio.run(scenario())


def test_socket_comments_and_the_own_comment_reach_the_log_once_and_the_name_comes_from_the_buyer_home_page(
        fake: FakePgy, tmp_path: Path) -> None:
    fake.console_top_bar = False  # this console shows no top bar: the name is the buyer home page's
    async def scenario() -> None:
        async with console_show(PLATFORM, fake.url, tmp_path, fake.catalog()) as (engine, console):
            assert console.status.account == "测试达人小美"
            await wait_until(lambda: bool(fake.sockets), 5, what="the console's comment socket open")
            fake.viewer_comments(("p1", "小鹿", "口红色号多少"), ("p2", "阿杰", "链接在哪"))
            fake.viewer_comments(("p1", "小鹿", "口红色号多少"))  # the same frame again
            engine.execute(Command("send_comment", {"text": "2号链接已上"}))
            await wait_until(lambda: [c["desc"] for c in fake.posted()] == ["2号链接已上"], 5,
                             what="the comment in the page's list")
            await wait_until(lambda: engine.state.counts[Kind.COMMENT] == 3, 5, what="three comments read")
            fake.viewer_comments(("p3", "路人", "还有吗"))
            await wait_until(lambda: engine.state.counts[Kind.COMMENT] == 4, 5, what="the next comment")
            assert console.status.events == 4
            assert logged_comments(engine, "user_id, user_name, text") == [
                ("5f00anchor", "测试好物", "2号链接已上"), ("5f00p1", "小鹿", "口红色号多少"),
                ("5f00p2", "阿杰", "链接在哪"), ("5f00p3", "路人", "还有吗")]

    asyncio.run(scenario())


def test_logged_out_the_login_button_is_clicked_for_the_qr_code_and_the_scan_leads_to_the_console(
        tmp_path: Path) -> None:
    async def scenario() -> None:
        engine = SessionEngine(None)
        await engine.start_session("登录测试", f"console:{PLATFORM}")
        with FakePgy(logged_in=False) as fake:
            console = connector(engine, PLATFORM, fake.url, tmp_path)
            console.start()
            try:
                await wait_until(lambda: console.status.state is ConsoleState.LOGIN_NEEDED, 15, what="login asked")
                assert "--headless" in console.status.reason
                assert fake.login_clicks == 1  # once, not every watchdog round: the QR code stays put
                assert fake.visits == []  # the buyer home page sent the browser to the login page
                fake.scan_qr()
                await wait_until(lambda: console.status.state is ConsoleState.CONNECTED, 15, what="logged in")
                assert console.status.account == "测试达人小美"
                assert fake.visits[-1] == (CONSOLE_PATH, "link", ENTRY_PATH)
                assert fake.login_clicks == 1
            finally:
                await console.aclose()

    asyncio.run(scenario())
