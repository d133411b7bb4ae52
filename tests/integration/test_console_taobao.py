"""The console connector against the fake 淘宝直播 pages (tests/fakes/console_page/taobao), in headless
Debian chromium: from the 直播计划 page to the control page of the session on air, the driver.js guide
closed with Escape, 弹品 by 序号 in a virtualised list of 60 (达人 badge and 企业 sort input) with one
click and no toggle, a comment posted, the JSONP comment poll read back once per comment (a body that
is not JSONP counted and skipped), the account's name read on the dashboard opened from a link, a
plan with nothing on air told so, and a page that changed failing in one line with diagnostic files."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.connectors.console import ConsoleState
from app.core.events import Command
from tests.fakes.console_page.taobao.server import FakeTaobao
from tests.integration.console_shows import (
    comments_read_once,
    console_rows,
    console_show,
    explain_fails_in_one_line,
    logged_comments,
)
from tests.waiting import wait_until

PLATFORM = "taobao"


@pytest.fixture
def fake() -> Iterator[FakeTaobao]:
    with FakeTaobao() as page:
        yield page


@pytest.mark.parametrize("enterprise", [False, True], ids=["达人序号角标", "企业排序输入框"])
def test_pop_by_number_after_the_plan_page_and_the_guide_is_one_click_without_a_toggle(
        enterprise: bool, tmp_path: Path) -> None:
    async def scenario() -> None:
        with FakeTaobao(enterprise=enterprise) as fake:
            async with console_show(PLATFORM, fake.url, tmp_path, fake.catalog()) as (engine, console):
                await wait_until(lambda: not fake.guide, 5, what="the driver.js guide closed with Escape")
                assert console.status.account == "测试主播小店"  # read on the dashboard opened from a link
                assert fake.opened == ["link"]
                assert not console.can("stop_explain")
                for no in (3, 45, 3):
                    assert engine.execute(Command("explain", {"no": no})).applied
                await wait_until(lambda: len(console_rows(engine, PLATFORM, "explain")) == 3, 10,
                                 what="three 弹品 attempts")
                assert [r["result"] for r in console_rows(engine, PLATFORM, "explain")] == ["applied"] * 3
                assert fake.explain_clicks == [(3, True), (45, True), (3, True)]  # popped again, never cancelled
                assert engine.execute(Command("stop_explain", {})).applied
                assert console_rows(engine, PLATFORM, "stop_explain") == []  # 淘宝 has nothing to cancel

    asyncio.run(scenario())


def test_a_posted_comment_and_the_viewers_comments_come_back_once_each_over_jsonp(
        fake: FakeTaobao, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with console_show(PLATFORM, fake.url, tmp_path, fake.catalog()) as (engine, console):
            await wait_until(lambda: not fake.guide, 5, what="the guide closed")
            fake.garbage = True
            polls = fake.polls
            await wait_until(lambda: console.status.malformed >= 1 and fake.polls > polls, 5,
                             what="a body that is not JSONP counted")
            fake.garbage = False
            fake.viewer_comments(("7001", "淘气包", "3号还有吗"), ("7002", "买买买", "链接在哪"))
            engine.execute(Command("send_comment", {"text": "3号今晚包邮"}))
            await wait_until(lambda: [c["content"] for c in fake.posted()] == ["3号今晚包邮"], 5,
                             what="the comment in the page's list")
            await comments_read_once(engine, console, lambda: fake.polls, 3)
            assert logged_comments(engine, "msg_id, user_name, text") == [
                ("7001", "淘气包", "3号还有吗"), ("7002", "买买买", "链接在哪"), ("9002", "测试主播", "3号今晚包邮")]

    asyncio.run(scenario())


def test_a_plan_with_no_session_on_air_is_told_so_and_connected_once_the_live_starts(tmp_path: Path) -> None:
    async def scenario() -> None:
        with FakeTaobao(on_air=False) as fake:
            off_air = console_show(PLATFORM, fake.url, tmp_path, fake.catalog(), until=ConsoleState.FAILED)
            async with off_air as (_, console):
                assert console.status.reason == "淘宝直播只有开播后才有中控台"
                console.off_air_retry_s = 0.5
                fake.on_air = True
                await wait_until(lambda: console.status.state is ConsoleState.CONNECTED, 10,
                                 what="the plan read again and its control page connected")

    asyncio.run(scenario())


def test_a_renamed_pop_button_fails_in_one_line_with_diagnostics(
        fake: FakeTaobao, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    fake.drift = True
    async def scenario() -> None:
        async with console_show(PLATFORM, fake.url, tmp_path, fake.catalog()) as (engine, console):
            (page,) = await explain_fails_in_one_line(engine, console, caplog, 30)
            assert fake.explain_clicks == []
            assert "popItem" in page.read_text(encoding="utf-8")

    asyncio.run(scenario())
