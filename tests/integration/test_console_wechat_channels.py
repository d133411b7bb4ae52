"""The console connector against the fake 视频号助手 console (tests/fakes/console_page/wechat_channels),
in headless Debian chromium: the console and its products tab inside 无界's shadow root, 讲解 ↔ 结束讲解
by 序号 in a list shown newest first, a comment posted without 置顶, the live/msg poll's comments read
back once each (上墙 notices passed over, a malformed row counted, a refused poll not read), an account
that is not live told so, a page that changed failing in one line with diagnostic files, and 置顶评论
doing the page's 上墙 (新消息 first, the newest message with the text, 上墙 in its popover) at most once
per 10 s."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.connectors.console import ConsoleState
from app.core.events import Command, Kind
from app.engine.session import SessionEngine
from tests.fakes.console_page.wechat_channels.server import FakeChannels
from tests.integration.console_shows import (
    comments_read_once,
    console_rows,
    console_show,
    explain_fails_in_one_line,
    logged_comments,
)
from tests.waiting import wait_until

PLATFORM = "wechat-channels"


@pytest.fixture
def fake() -> Iterator[FakeChannels]:
    with FakeChannels() as page:
        yield page


def test_explain_by_number_on_the_products_tab_toggles_to_end_explain_and_back(
        fake: FakeChannels, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with console_show(PLATFORM, fake.url, tmp_path, fake.catalog()) as (engine, console):
            await wait_until(lambda: fake.products_tab_opened == 1, 5, what="the products tab opened on connect")
            assert console.status.account == "测试视频号"  # read on /platform in a tab of its own
            assert console.can("explain")
            assert console.can("stop_explain")
            assert not console.can("pin_comment_on_send")
            assert engine.execute(Command("explain", {"no": 3})).applied
            await wait_until(lambda: fake.explaining == 3, 5, what="3号 showing 结束讲解 on the products tab")
            assert engine.execute(Command("explain", {"no": 17})).applied
            await wait_until(lambda: fake.explaining == 17, 3, what="17号 (near the top: newest first)")
            assert engine.execute(Command("stop_explain", {})).applied
            await wait_until(lambda: fake.explaining is None, 3, what="结束讲解 clicked")
            await wait_until(lambda: len(console_rows(engine, PLATFORM, "stop_explain")) == 1, 3)
            rows = console_rows(engine, PLATFORM, "explain") + console_rows(engine, PLATFORM, "stop_explain")
            assert [r["result"] for r in rows] == ["applied"] * 3
            assert fake.explain_clicks == [(3, True), (17, True), (17, False)]
            assert fake.products_tab_opened == 1  # one tab, kept for every 讲解

    asyncio.run(scenario())


def test_a_posted_comment_and_the_viewers_comments_come_back_once_each(fake: FakeChannels, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with console_show(PLATFORM, fake.url, tmp_path, fake.catalog()) as (engine, console):
            fake.err_code = -1  # the platform refuses the poll: its rows are not the room's
            fake.viewer_comments(("refused-1", "不该出现", "这条不读"))
            polls = fake.polls
            await wait_until(lambda: fake.polls >= polls + 3, 5, what="refused polls answered")
            assert engine.state.counts[Kind.COMMENT] == 0
            with fake.lock:
                fake.comments.clear()
                fake.err_code = 0
                fake.extra_rows = [{"clientMsgId": "wall-1", "type": 10017, "nickname": "小鹿", "content": "上墙"},
                                   {"type": 1, "nickname": "无id", "content": "没有 clientMsgId"}]
            fake.viewer_comments(("m1", "小鹿", "3号有货吗"), ("m2", "阿杰", "多少钱"))
            engine.execute(Command("send_comment", {"text": "3号今晚包邮"}))
            await wait_until(lambda: [c["content"] for c in fake.posted()] == ["3号今晚包邮"], 5,
                             what="the comment in the page's list")
            await comments_read_once(engine, console, lambda: fake.polls, 3)
            assert console.status.malformed >= 1  # the row without an id, each time it came
            (row,) = console_rows(engine, PLATFORM, "send_comment")
            assert row["result"] == "applied"
            assert logged_comments(engine, "msg_id, text") == [("m1", "3号有货吗"), ("m2", "多少钱"),
                                                               ("own-3", "3号今晚包邮")]

    asyncio.run(scenario())


def _seq(engine: SessionEngine, msg_id: str) -> int:
    return next(e.seq for e in engine.state.recent_comments if e.msg_id == msg_id)


def test_pin_comment_puts_the_newest_comment_with_its_text_on_screen_and_one_within_10_s_is_refused(
        fake: FakeChannels, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with console_show(PLATFORM, fake.url, tmp_path, fake.catalog()) as (engine, console):
            assert console.can("pin_comment")
            fake.viewer_comments(("m1", "小鹿", "3号有货吗"))
            await wait_until(lambda: engine.state.counts[Kind.COMMENT] == 1, 5, what="the first comment read")
            fake.scrolled_up = True  # the operator scrolled the list up: later comments wait behind 新消息
            fake.viewer_comments(("m2", "阿杰", "多少钱"), ("m3", "小鹿", "3号有货吗"))
            await wait_until(lambda: engine.state.counts[Kind.COMMENT] == 3, 5, what="three comments read")
            assert engine.execute(Command("pin_comment", {"seq": _seq(engine, "m1")})).applied
            # the page knows messages by their text: the newest one with it, behind 新消息, goes 上墙
            await wait_until(lambda: fake.walled == ["m3"], 5, what="m3 上墙 on the page")
            assert engine.execute(Command("pin_comment", {"seq": _seq(engine, "m2")})).applied  # LiveDeck's own pin
            await wait_until(lambda: len(console_rows(engine, PLATFORM, "pin_comment")) == 2, 5,
                             what="both attempts recorded")
            first, second = console_rows(engine, PLATFORM, "pin_comment")
            assert (first["result"], first["detail"]) == ("applied", "applied: 已在中控台上墙：3号有货吗")
            assert second["result"] == "rejected"
            assert re.fullmatch(r"rejected: 视频号的置顶评论两次至少间隔 10 秒：请 \d+ 秒后再试", str(second["detail"]))
            assert console.status.reason == str(second["detail"]).removeprefix("rejected: ")
            assert fake.walled == ["m3"]
            assert engine.state.pinned is not None
            assert engine.state.pinned.msg_id == "m2"

    asyncio.run(scenario())


def test_an_account_that_is_not_live_is_told_so_and_connected_once_the_live_starts(tmp_path: Path) -> None:
    async def scenario() -> None:
        with FakeChannels(live=False) as fake:
            off_air = console_show(PLATFORM, fake.url, tmp_path, fake.catalog(), until=ConsoleState.FAILED)
            async with off_air as (engine, console):
                assert console.status.reason == "视频号只有开播后才有中控台"
                assert console.status.logged_in
                engine.execute(Command("send_comment", {"text": "在吗"}))
                await wait_until(lambda: len(console_rows(engine, PLATFORM, "send_comment")) == 1, 5)
                (row,) = console_rows(engine, PLATFORM, "send_comment")
                assert row["result"] == "rejected"
                assert "只有开播后" in str(row["detail"])
                console.off_air_retry_s = 0.5
                fake.live = True  # the anchor goes live in the 视频号 app
                await wait_until(lambda: console.status.state is ConsoleState.CONNECTED, 10,
                                 what="the console opened again and connected")
                assert console.status.reason == ""

    asyncio.run(scenario())


def test_a_renamed_explain_button_fails_in_one_line_with_both_tabs_saved(
        fake: FakeChannels, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    fake.drift = True
    async def scenario() -> None:
        async with console_show(PLATFORM, fake.url, tmp_path, fake.catalog()) as (engine, console):
            saved = await explain_fails_in_one_line(engine, console, caplog, 4, pages=2)
            assert fake.explain_clicks == []
            (products_tab,) = [page for page in saved if page.name.endswith("-products.html")]
            products = products_tab.read_text(encoding="utf-8")
            assert "promote-wrap-v2" in products
            assert 'shadowrootmode="open"' in products

    asyncio.run(scenario())
