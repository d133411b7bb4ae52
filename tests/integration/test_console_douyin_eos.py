"""The console connector against the fake 抖音团购 console (tests/fakes/console_page/douyin_eos), in
headless Debian chromium: 讲解 ↔ 取消讲解 by 序号 in a virtualised list of 45 (a row on screen and one far
below the fold), a product on air cancelled and popped again, each click landing though the page replaces
the button after every click, a sold-out product's disabled 讲解 refused in one line; a comment sent
(50 characters at most) and a send element marked disable refused in one line; a renamed button failing
with diagnostic files while the show goes on; a logged-out account sent to the login page until the QR
code is scanned."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.connectors.console import ConsoleState
from app.core.events import Command
from app.engine.session import SessionEngine
from tests.fakes.console_page.douyin_eos.server import FakeEos
from tests.integration.console_shows import connector, console_rows, console_show, explain_fails_in_one_line
from tests.waiting import wait_until

PLATFORM = "douyin-eos"


@pytest.fixture
def fake() -> Iterator[FakeEos]:
    with FakeEos() as page:
        yield page


def test_explain_a_row_on_screen_and_one_below_the_fold_cancel_and_a_sold_out_one_refused(
        fake: FakeEos, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        async with console_show(PLATFORM, fake.url, tmp_path, fake.catalog()) as (engine, console):
            assert console.status.account == "测试团购门店"
            assert engine.execute(Command("explain", {"no": 3})).applied
            await wait_until(lambda: fake.explaining == 3, 5, what="3号 showing 取消讲解")
            assert engine.execute(Command("explain", {"no": 3})).applied  # on air: cancelled, popped again
            await wait_until(lambda: len(fake.explain_clicks) == 3, 5, what="3号 cancelled and popped again")
            assert engine.execute(Command("explain", {"no": 40})).applied
            await wait_until(lambda: fake.explaining == 40, 8, what="40号, far below the list's fold")
            assert engine.execute(Command("stop_explain", {})).applied
            await wait_until(lambda: fake.explaining is None, 5, what="取消讲解 clicked")
            with caplog.at_level(logging.ERROR, logger="livedeck.console"):
                engine.execute(Command("explain", {"no": 9}))
                await wait_until(lambda: console.status.failed == 1, 8, what="the sold-out 9号 refused")
            assert console.status.reason == "9 号商品的讲解按钮不可点击"
            assert fake.explain_clicks == [(3, True), (3, False), (3, True), (40, True), (40, False)]
            assert fake.button_renders == 5  # every click met a new button element, and each one landed
            rows = console_rows(engine, PLATFORM, "explain")
            assert [r["result"] for r in rows] == ["applied", "applied", "applied", "rejected"]

    asyncio.run(scenario())


def test_a_comment_of_50_characters_is_sent_and_a_send_element_marked_disable_is_refused(
        fake: FakeEos, tmp_path: Path) -> None:
    text = "今晚团购套餐" * 8 + "快来"  # 50 characters, the page's limit
    async def scenario() -> None:
        async with console_show(PLATFORM, fake.url, tmp_path, fake.catalog()) as (engine, console):
            assert engine.execute(Command("send_comment", {"text": text + "！"})).reason == "评论太长（最多 50 字）"
            engine.execute(Command("send_comment", {"text": text}))
            await wait_until(lambda: len(fake.posted()) == 1, 5, what="the comment in the page's list")
            assert fake.posted()[0]["text"] == text
            fake.muted = True  # the platform stops the account from speaking
            engine.execute(Command("send_comment", {"text": "还有券吗"}))
            await wait_until(lambda: console.status.failed == 1, 5, what="the muted send refused")
            assert console.status.reason == "评论发送按钮不可用：可能被平台限制发言"
            assert [c["text"] for c in fake.posted()] == [text]
            rows = console_rows(engine, PLATFORM, "send_comment")
            assert [r["result"] for r in rows] == ["applied", "rejected"]

    asyncio.run(scenario())


def test_a_renamed_button_fails_in_one_line_with_diagnostics_and_the_show_goes_on(
        fake: FakeEos, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    fake.drift = True
    async def scenario() -> None:
        async with console_show(PLATFORM, fake.url, tmp_path, fake.catalog()) as (engine, console):
            (page,) = await explain_fails_in_one_line(engine, console, caplog, 12)
            assert "explain-action" in page.read_text(encoding="utf-8")
            assert fake.explain_clicks == []
            engine.execute(Command("send_comment", {"text": "页面改版了也能发"}))
            await wait_until(lambda: len(console_rows(engine, PLATFORM, "send_comment")) == 1, 5)
            assert console_rows(engine, PLATFORM, "send_comment")[0]["result"] == "applied"
            assert [c["text"] for c in fake.posted()] == ["页面改版了也能发"]
            assert console.status.state is ConsoleState.CONNECTED

    asyncio.run(scenario())


def test_a_logged_out_account_waits_on_the_login_page_until_the_qr_code_is_scanned(tmp_path: Path) -> None:
    async def scenario() -> None:
        engine = SessionEngine(None)
        await engine.start_session("登录测试", f"console:{PLATFORM}")
        with FakeEos(logged_in=False) as fake:
            console = connector(engine, PLATFORM, fake.url, tmp_path)
            console.start()
            try:
                await wait_until(lambda: console.status.state is ConsoleState.LOGIN_NEEDED, 15, what="login asked")
                assert "--headless" in console.status.reason
                fake.scan_qr()
                await wait_until(lambda: console.status.state is ConsoleState.CONNECTED, 10, what="logged in")
                assert console.status.account == "测试团购门店"
            finally:
                await console.aclose()

    asyncio.run(scenario())
