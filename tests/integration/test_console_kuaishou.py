"""The console connector against the fake 快手小店 中控台 (tests/fakes/console_page/kuaishou), in headless
Debian chromium: the driver.js guide pressed away with Escape and the two load-time ant-design modals
closed with the right buttons (暂不切换, 我知道了); 开始讲解 → 结束讲解 by 序号 in a react-virtuoso list of
60, on a visible row and on row 40 below the fold, the switch from another product confirmed in the
page's modal, a re-pop that ends first, 结束讲解 for 取消讲解, the pinned …recording copy never clicked nor
read as a product; comments read from what the page's own bundle decodes, through the hook patched into
``lib-es-link.<hash>.js`` (a re-sent one read once, broken entries counted, the payloads of other kinds
passed over, the comment's own time kept, the account's own comment read as the account's), a comment
sent with 置顶 pinned on the page; a later bundle the hook no longer matches said in one line while the
rest goes on; a QR login on the login host; a renamed button area failing with diagnostic files."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.connectors.console import ConsoleConnector, ConsoleState
from app.connectors.console.page import PageDriver
from app.core.events import Command, Kind
from tests.fakes.console_page.kuaishou.server import ANCHOR_ID, ANCHOR_NAME, FakeKuaishou, comment
from tests.integration.console_shows import console_rows, console_show, explain_fails_in_one_line, logged_comments
from tests.waiting import wait_until

PLATFORM = "kuaishou"
HOOK_LOST = "页面脚本 lib-es-link.7c3e91d2.js 里找不到读消息的代码：评论读不到了，平台页面可能已改版"
#: The label of row ``no``'s explain button (not the pinned copy's), and the 序号 of the product the pinned
#: copy shows ('' when there is none), as the page shows them.
_SHOWN = """no => {
  const row = [...document.querySelectorAll('[class^=list-container] [class^=list-item]')]
    .find(r => !r.id.endsWith('recording') && (r.querySelector('input') || {}).value === String(no));
  const pinned = document.querySelector('[class^=list-container] [id$=recording]');
  return [row ? row.querySelector('[class^=cardBtn] > button:last-child').textContent.trim() : null,
          pinned ? pinned.dataset.no : ''];
}"""


@pytest.fixture
def fake() -> Iterator[FakeKuaishou]:
    with FakeKuaishou() as page:
        yield page


async def settled(fake: FakeKuaishou) -> None:
    """The guide and the load modals are gone (the page swallows clicks while they are up)."""
    await wait_until(lambda: not fake.guide and len(fake.modal_answers) == 2, 8, what="the guide and modals closed")


async def shown(console: ConsoleConnector, no: int) -> list[str | None]:
    async def read(driver: PageDriver) -> list[str | None]:
        return list(await driver.page.evaluate(_SHOWN, no))
    return list(await asyncio.wrap_future(console.submit_page_task(read)))


def test_the_guide_is_escaped_and_the_load_modals_closed_with_their_own_buttons(
        fake: FakeKuaishou, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with console_show(PLATFORM, fake.url, tmp_path, fake.catalog()) as (_, console):
            assert console.status.account == ANCHOR_NAME
            await wait_until(lambda: not fake.guide, 8, what="both steps of the driver.js guide escaped")
            await wait_until(lambda: len(fake.modal_answers) == 2, 5, what="the two load modals closed")
            assert fake.modal_answers == {"团购模式全新上线": "暂不切换", "已开启直播": "我知道了"}
            assert not fake.group_buy_mode

    asyncio.run(scenario())


def test_start_explain_shows_end_explain_on_a_visible_row_and_on_row_40_after_confirming_the_switch(
        fake: FakeKuaishou, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with console_show(PLATFORM, fake.url, tmp_path, fake.catalog()) as (engine, console):
            await settled(fake)
            assert engine.execute(Command("explain", {"no": 5})).applied
            await wait_until(lambda: fake.explaining == 5, 5, what="5号 explained")
            assert await shown(console, 5) == ["结束讲解", "5"]  # and its pinned copy on top
            assert engine.execute(Command("explain", {"no": 40})).applied  # below the fold, while 5 is on
            await wait_until(lambda: fake.explaining == 40, 5, what="40号 explained")
            assert fake.confirms == [[5, 40, "确定"]]  # the page asked, LiveDeck confirmed
            assert await shown(console, 40) == ["结束讲解", "40"]
            assert engine.execute(Command("explain", {"no": 40})).applied  # again: ended, then started anew
            assert engine.execute(Command("stop_explain", {})).applied
            await wait_until(lambda: len(console_rows(engine, PLATFORM, "stop_explain")) == 1, 8,
                             what="结束讲解 clicked")
            assert fake.explaining is None
            assert await shown(console, 40) == ["开始讲解", ""]
            assert fake.explain_clicks == [(5, True), (40, True), (40, False), (40, True), (40, False)]
            assert fake.confirms == [[5, 40, "确定"]]  # no other product was on the second time
            assert [r["result"] for r in console_rows(engine, PLATFORM, "explain")] == ["applied"] * 3
            assert console_rows(engine, PLATFORM, "stop_explain")[0]["result"] == "applied"
            assert (fake.recording_clicks, fake.blocked_clicks) == (0, 0)

            engine.execute(Command("explain", {"no": 3}))
            await wait_until(lambda: fake.explaining == 3, 5, what="3号 explained")
            rows = await asyncio.wrap_future(console.submit_page_task(lambda driver: driver.products()))
            assert [row["no"] for row in rows] == list(range(1, 61))  # the pinned copy has no 序号: not a product
            assert fake.recording_clicks == 0

    asyncio.run(scenario())


def test_a_load_modal_over_the_switch_confirm_is_closed_with_its_own_button_never_confirmed(
        fake: FakeKuaishou, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with console_show(PLATFORM, fake.url, tmp_path, fake.catalog()) as (engine, _):
            await settled(fake)
            fake.modal_on_switch = True
            engine.execute(Command("explain", {"no": 2}))
            engine.execute(Command("explain", {"no": 9}))
            await wait_until(lambda: len(console_rows(engine, PLATFORM, "explain")) == 2, 8, what="two explains")
            assert [r["result"] for r in console_rows(engine, PLATFORM, "explain")] == ["applied"] * 2
            assert (fake.explaining, fake.confirms) == (9, [[2, 9, "确定"]])
            assert fake.modal_answers["团购模式全新上线"] == "暂不切换"
            assert not fake.group_buy_mode  # its last button, 立即切换, is a :last-child too: never clicked

    asyncio.run(scenario())


def test_comments_come_from_the_hooked_bundle_once_each_and_a_pinned_comment_is_pinned(
        fake: FakeKuaishou, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with console_show(PLATFORM, fake.url, tmp_path, fake.catalog()) as (engine, console):
            await wait_until(lambda: bool(fake.sockets), 5, what="the page's live link open")
            assert fake.bundle_loads == 1
            written = int(time.time() * 1000) - 4000
            fake.viewer_comments(("c1", "老铁", "3号有货吗"), ("c2", "阿花", "多少钱"))
            fake.push({"commentList": [{"commentContent": "没有id"}, "不是一条评论",
                                       {**comment("c3", "小王", "链接在哪"), "commentTime": str(written)}]})
            fake.viewer_comments(("c1", "老铁", "3号有货吗"))  # the platform sends it again
            await wait_until(lambda: engine.state.counts[Kind.COMMENT] == 3, 5, what="three viewers' comments")
            assert console.status.malformed == 2
            await settled(fake)
            engine.execute(Command("send_comment", {"text": "3号今晚包邮，拍下立减", "pin": True}))
            await wait_until(lambda: len(fake.posted()) == 1, 8, what="the comment sent through the page")
            assert [(c["commentContent"], c["pinned"]) for c in fake.posted()] == [("3号今晚包邮，拍下立减", True)]
            await wait_until(lambda: engine.state.counts[Kind.COMMENT] == 4, 5, what="the account's comment echoed")
            await asyncio.sleep(1.5)  # the page's heartbeat answers (payloads of another kind) keep coming
            assert (engine.state.counts[Kind.COMMENT], console.status.events, console.status.malformed) == (4, 4, 2)
            assert console_rows(engine, PLATFORM, "send_comment")[0]["result"] == "applied"
            assert logged_comments(engine, "msg_id, user_id, user_name, text") == [
                ("c1", "38c1", "老铁", "3号有货吗"), ("c2", "38c2", "阿花", "多少钱"),
                ("c3", "38c3", "小王", "链接在哪"), ("own1", ANCHOR_ID, ANCHOR_NAME, "3号今晚包邮，拍下立减")]
            assert logged_comments(engine, "ts")[0] == (written / 1000,)  # the earliest: c3, at its commentTime

    asyncio.run(scenario())


def test_a_bundle_the_hook_no_longer_matches_is_said_in_one_line_and_the_rest_goes_on(
        fake: FakeKuaishou, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    fake.bundle_changed = True

    async def scenario() -> None:
        with caplog.at_level(logging.ERROR, logger="livedeck.console"):
            async with console_show(PLATFORM, fake.url, tmp_path, fake.catalog()) as (engine, console):
                assert console.status.reason == HOOK_LOST  # kept once connected
                await wait_until(lambda: bool(fake.sockets), 5, what="the page's live link open all the same")
                fake.viewer_comments(("c1", "老铁", "在吗"))
                await settled(fake)
                engine.execute(Command("explain", {"no": 2}))
                await wait_until(lambda: len(console_rows(engine, PLATFORM, "explain")) == 1, 8, what="2号 explained")
                assert console_rows(engine, PLATFORM, "explain")[0]["result"] == "applied"
                assert fake.explaining == 2
                assert engine.state.counts[Kind.COMMENT] == 0
                assert console.status.state is ConsoleState.CONNECTED
                assert console.status.reason == HOOK_LOST
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert errors == [f"console {PLATFORM}: {HOOK_LOST}"]

    asyncio.run(scenario())


def test_a_logged_out_visit_asks_for_the_qr_login_on_the_login_host_then_connects(tmp_path: Path) -> None:
    async def scenario() -> None:
        with FakeKuaishou(logged_in=False) as fake:
            login = console_show(PLATFORM, fake.url, tmp_path, fake.catalog(), until=ConsoleState.LOGIN_NEEDED)
            async with login as (_, console):
                assert console.status.reason == "无界面模式无法扫码：先不加 --headless 运行一次并登录"
                fake.scanned = True
                await wait_until(lambda: console.status.state is ConsoleState.CONNECTED, 10,
                                 what="connected after the scan")
                assert console.status.account == ANCHOR_NAME

    asyncio.run(scenario())


def test_a_renamed_button_area_fails_in_one_line_with_diagnostics(
        fake: FakeKuaishou, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    fake.drift = True

    async def scenario() -> None:
        async with console_show(PLATFORM, fake.url, tmp_path, fake.catalog()) as (engine, console):
            (page,) = await explain_fails_in_one_line(engine, console, caplog, 12)
            assert fake.explain_clicks == []
            assert "cardButtons-Lk2e0" in page.read_text(encoding="utf-8")

    asyncio.run(scenario())
