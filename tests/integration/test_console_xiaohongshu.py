"""The console connector against the fake 小红书千帆 console (tests/fakes/console_page/xiaohongshu), in
headless Debian chromium: 讲解 ↔ 结束讲解 by 序号 in the goods table, a sold-out product's disabled
讲解 refused in one line, the store's name without its 的店, comments read from the page's WebSocket
frames (base64 JSON in JSON; refresh notices and other commands passed over, a broken entry counted, a
re-sent frame read once; the console reopened from a link, as a direct navigation loads no elements),
the account's own comment read from the send_comment answer, sending on Enter
when the page has no send button, and a page that changed failing with diagnostic files."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.events import Command, Kind
from tests.fakes.console_page.xiaohongshu.server import FakeQianfan, other_command, refresh_message
from tests.integration.console_shows import console_rows, console_show, explain_fails_in_one_line, logged_comments
from tests.waiting import wait_until

PLATFORM = "xiaohongshu"


@pytest.fixture
def fake() -> Iterator[FakeQianfan]:
    with FakeQianfan() as page:
        yield page


def test_explain_toggles_to_end_explain_and_back_and_a_disabled_one_is_refused(
        fake: FakeQianfan, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        async with console_show(PLATFORM, fake.url, tmp_path, fake.catalog()) as (engine, console):
            assert console.status.account == "测试好物"
            assert fake.opened == ["goto", "link"]  # empty after the direct navigation: reopened from a link
            assert engine.execute(Command("explain", {"no": 5})).applied
            await wait_until(lambda: fake.explaining == 5, 5, what="5号 showing 结束讲解")
            assert engine.execute(Command("explain", {"no": 26})).applied
            await wait_until(lambda: fake.explaining == 26, 5, what="26号, below the table's fold")
            assert engine.execute(Command("stop_explain", {})).applied
            await wait_until(lambda: fake.explaining is None, 3, what="结束讲解 clicked")
            with caplog.at_level(logging.ERROR, logger="livedeck.console"):
                engine.execute(Command("explain", {"no": 7}))
                await wait_until(lambda: console.status.failed == 1, 5, what="the sold-out 7号 refused")
            assert console.status.reason == "7 号商品的讲解按钮不可点击"
            assert fake.explain_clicks == [(5, True), (26, True), (26, False)]
            rows = console_rows(engine, PLATFORM, "explain")
            assert [r["result"] for r in rows] == ["applied", "applied", "rejected"]

    asyncio.run(scenario())


def test_socket_comments_and_the_own_comments_answer_come_back_once_each(fake: FakeQianfan, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with console_show(PLATFORM, fake.url, tmp_path, fake.catalog()) as (engine, console):
            await wait_until(lambda: bool(fake.sockets), 5, what="the page's comment socket open")
            fake.viewer_comments(("c1", "小鹿", "3号有货吗"), ("c2", "阿杰", "多少钱"))
            fake.push(refresh_message(), other_command(), raw=[{"d": "这不是base64"}])
            fake.viewer_comments(("c1", "小鹿", "3号有货吗"))  # the platform sends a frame again
            engine.execute(Command("send_comment", {"text": "3号今晚包邮"}))
            await wait_until(lambda: [c["desc"] for c in fake.posted()] == ["3号今晚包邮"], 5,
                             what="the comment sent through the page")
            await wait_until(lambda: engine.state.counts[Kind.COMMENT] == 3, 5, what="three comments read")
            assert console.status.malformed == 1  # the entry that was not base64
            fake.viewer_comments(("c3", "路人", "最后一条"))
            await wait_until(lambda: engine.state.counts[Kind.COMMENT] == 4, 5, what="the next comment")
            assert console.status.events == 4
            assert logged_comments(engine, "user_id, user_name, text") == [
                ("5f00anchor", "测试好物", "3号今晚包邮"), ("5f00c1", "小鹿", "3号有货吗"),
                ("5f00c2", "阿杰", "多少钱"), ("5f00c3", "路人", "最后一条")]

    asyncio.run(scenario())


def test_a_page_without_a_send_button_sends_on_enter(fake: FakeQianfan, tmp_path: Path) -> None:
    fake.no_send_button = True
    async def scenario() -> None:
        async with console_show(PLATFORM, fake.url, tmp_path, fake.catalog()) as (engine, _):
            engine.execute(Command("send_comment", {"text": "关注主播领券"}))
            await wait_until(lambda: len(console_rows(engine, PLATFORM, "send_comment")) == 1, 5)
            assert [c["desc"] for c in fake.posted()] == ["关注主播领券"]
            assert console_rows(engine, PLATFORM, "send_comment")[0]["result"] == "applied"

    asyncio.run(scenario())


def test_a_renamed_operations_cell_fails_in_one_line_with_diagnostics(
        fake: FakeQianfan, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    fake.drift = True
    async def scenario() -> None:
        async with console_show(PLATFORM, fake.url, tmp_path, fake.catalog()) as (engine, console):
            (page,) = await explain_fails_in_one_line(engine, console, caplog, 5)
            assert fake.explain_clicks == []
            assert "more-operations-v2" in page.read_text(encoding="utf-8")

    asyncio.run(scenario())
