"""The platform console connector against the fake 巨量百应 page (tests/fakes/console_page), driven in
headless Debian chromium: 讲解 by 序号 in a virtualised list of 60, comments posted (and pinned), the
page's own comments and orders read back exactly once, a page that changed failing loudly with
diagnostic files while comments keep flowing, modals closed, a QR login that lasts across launches, the
console reopened from a link in one tab (a direct navigation renders it broken)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from app.commerce.catalog import Product
from app.connectors.console import ConsoleConnector, ConsoleState, load_profile
from app.connectors.console.page import PageDriver
from app.core.events import Command, Kind
from app.engine.session import SessionEngine
from app.store.session_log import SessionLog
from tests.fakes.console_page.server import FakeConsole
from tests.integration.console_shows import console_show as shared_console_show
from tests.waiting import wait_until

#: Debian's chromium, which `make test` installs (packaging/linux-system-deps.sh): never skipped.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def fake() -> Iterator[FakeConsole]:
    with FakeConsole() as page:
        yield page


def _catalog(fake: FakeConsole) -> list[Product]:
    return [Product(p["no"], p["id"], p["name"], round(float(p["price"]) * 100), stock=p["stock"])
            for p in fake.products]


@contextlib.asynccontextmanager
async def console_show(fake: FakeConsole, tmp_path: Path) -> AsyncIterator[tuple[SessionEngine, ConsoleConnector]]:
    """An engine recording to a real log, with the connector on the fake page (connected)."""
    log = SessionLog(tmp_path / "show.sqlite")
    engine = SessionEngine(log)
    engine.load_catalog(_catalog(fake))
    await engine.start_session("中控台测试", "console:buyin")
    batcher = asyncio.create_task(engine.run())
    console = _connector(engine, fake, tmp_path)
    console.start()
    try:
        await wait_until(lambda: console.status.state is ConsoleState.CONNECTED, 20, what="the console connected")
        yield engine, console
    finally:
        await console.aclose()
        batcher.cancel()
        log.close()


def _connector(engine: SessionEngine, fake: FakeConsole, home: Path) -> ConsoleConnector:
    return ConsoleConnector(engine, load_profile("buyin", home=home), url=fake.url, browser=CHROMIUM,
                            headless=True, home=home)


def _console_rows(engine: SessionEngine, name: str) -> list[dict[str, object]]:
    return [a for a in engine.actions if a["name"] == f"{name}.ack" and a["actor"] == "console:buyin"]


def test_explain_3_shows_cancel_and_row_40_of_60_is_scrolled_to_and_explained(fake: FakeConsole,
                                                                              tmp_path: Path) -> None:
    # How fast (≤ 1 s for 3号, ≤ 3 s for row 40) is measured by make bench (tests/bench/bench_console.py);
    # this checks that it happens, with room for a loaded machine.
    async def scenario() -> None:
        async with console_show(fake, tmp_path) as (engine, console):
            assert engine.execute(Command("explain", {"no": 3})).applied
            await wait_until(lambda: fake.explaining == 3, 10, what="the page's 3号 showing 取消讲解")
            await wait_until(lambda: len(_console_rows(engine, "explain")) == 1, 10, what="the console's actions row")
            assert engine.execute(Command("explain", {"no": 40})).applied
            await wait_until(lambda: fake.explaining == 40, 10, what="row 40 of the virtualised list explained")
            assert engine.execute(Command("stop_explain", {})).applied
            await wait_until(lambda: fake.explaining is None, 3.0, what="the page's explain cancelled")
            await wait_until(lambda: len(_console_rows(engine, "stop_explain")) == 1, 2)
            rows = _console_rows(engine, "explain") + _console_rows(engine, "stop_explain")
            assert [r["result"] for r in rows] == ["applied"] * 3
            assert (console.status.done, console.status.failed) == (3, 0)
            assert {(3, True), (40, True)} <= set(fake.explain_clicks)

    asyncio.run(scenario())


def test_comments_are_posted_to_the_page_pinned_when_asked_and_spaced_out(fake: FakeConsole, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with console_show(fake, tmp_path) as (engine, console):
            assert console.can("send_comment")
            assert console.can("pin_comment_on_send")
            engine.execute(Command("send_comment", {"text": "3号今晚包邮"}))
            engine.execute(Command("send_comment", {"text": "关注主播领券", "pin": True}))
            await wait_until(lambda: len(fake.posted()) == 2, 5, what="both comments in the page's list")
            shown = [(c["content"], c["pinned"]) for c in fake.posted()]
            assert shown == [("3号今晚包邮", False), ("关注主播领券", True)]
            first, second = (c["at"] for c in fake.posted())
            assert second - first >= console.profile.action_gap_s * 0.9  # no bursts the platform would flag
            await wait_until(lambda: len(_console_rows(engine, "send_comment")) == 2, 2)
            assert {r["result"] for r in _console_rows(engine, "send_comment")} == {"applied"}

    asyncio.run(scenario())


async def _tabs(console: ConsoleConnector) -> list[str]:
    """The URLs of the browser's open tabs."""
    async def urls(driver: PageDriver) -> list[str]:
        return [tab.url for tab in driver.page.context.pages]
    return list(await asyncio.wrap_future(console.submit_page_task(urls)))


def test_the_console_is_reopened_from_a_link_in_one_tab_and_works_there(fake: FakeConsole, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with console_show(fake, tmp_path) as (engine, console):
            assert fake.opened == ["goto", "link"]  # the login's redirect renders it broken; the link, whole
            assert await _tabs(console) == [fake.url]
            fake.viewer_comments(("c1", "小鹿", "3号有货吗"))
            await wait_until(lambda: engine.state.counts[Kind.COMMENT] == 1, 5, what="a comment read on the new tab")
            assert engine.execute(Command("explain", {"no": 3})).applied
            await wait_until(lambda: fake.explaining == 3, 3, what="3号 explained on the new tab")

    asyncio.run(scenario())


def test_a_page_that_swallows_the_link_click_says_so_in_one_line(
        fake: FakeConsole, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    fake.links_blocked = True

    async def scenario() -> None:
        with caplog.at_level(logging.ERROR, logger="livedeck.console"):
            async with shared_console_show("buyin", fake.url, tmp_path, until=ConsoleState.FAILED) as (_, console):
                reason = console.status.reason
        assert reason == f"中控台需要从链接重新打开，但点击链接没有打开 {fake.url}"
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == [f"console buyin: {reason}"]
        assert fake.opened == ["goto"]

    asyncio.run(scenario())


def test_the_pages_comments_and_orders_reach_the_log_once_and_move_orders_and_gmv(
        fake: FakeConsole, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with console_show(fake, tmp_path) as (engine, console):
            fake.viewer_comments(("c1", "小鹿", "3号有货吗"), ("c2", "阿杰", "多少钱"))
            fake.order("o1", "900003", 2, 0)  # 已下单: not yet money
            fake.order("o1", "900003", 2, 3)  # 已支付
            with fake.lock:
                fake.messages["room_enter"] = [{"msg_id": "e1", "msg_type": 1, "nick_name": "路人", "user_id": "42"}]
            await wait_until(lambda: engine.state.counts[Kind.ORDER] == 1 and engine.state.counts[Kind.COMMENT] == 2,
                             5, what="the page's comments and order applied")
            await wait_until(lambda: engine.state.counts[Kind.ENTER] == 1, 3)
            await wait_until(lambda: console.status.events == 4, 2)
            polls = fake.polls
            await wait_until(lambda: fake.polls >= polls + 3, 3, what="the page polling the same rows again")
            assert console.status.events == 4
            assert engine.state.gmv_fen == 2 * 1290  # 2 × ¥12.90 (3号 in the catalog)
            assert engine.state.sold["900003"] == 2
            assert engine.log is not None
            engine.log.flush()
            with sqlite3.connect(tmp_path / "show.sqlite") as db:
                rows = db.execute("SELECT kind, msg_id FROM events WHERE kind IN ('comment', 'order', 'enter')"
                                  " ORDER BY seq").fetchall()
            assert sorted(rows) == [("comment", "c1"), ("comment", "c2"), ("enter", "e1"), ("order", "o1")]

    asyncio.run(scenario())


def test_a_removed_selector_fails_in_one_line_with_diagnostics_while_comments_keep_flowing(
        fake: FakeConsole, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    fake.drift = True  # the platform renamed the goods action area before the page loads
    async def scenario() -> None:
        async with console_show(fake, tmp_path) as (engine, console):
            with caplog.at_level(logging.ERROR, logger="livedeck.console"):
                engine.execute(Command("explain", {"no": 3}))
                await wait_until(lambda: console.status.failed == 1, 5, what="the explain failing")
            expected = "找不到 3 号商品的讲解按钮：平台页面可能已改版"
            errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
            assert errors == [f"console buyin: {expected}"]
            assert console.status.reason == expected
            assert fake.explaining is None
            (row,) = _console_rows(engine, "explain")
            assert row["result"] == "rejected"
            assert expected in str(row["detail"])
            diagnostics = tmp_path / "consoles" / "diagnostics"
            await wait_until(lambda: len(list(diagnostics.glob("*.html"))) == 1, 5, what="the diagnostic files")
            assert len(list(diagnostics.glob("*.png"))) == 1
            assert "goodsOperate" in next(diagnostics.glob("*.html")).read_text(encoding="utf-8")
            fake.viewer_comments(("c9", "小鹿", "还在吗"))
            await wait_until(lambda: engine.state.counts[Kind.COMMENT] == 1, 5, what="comments still flowing")

    asyncio.run(scenario())


def test_the_afk_and_live_summary_modals_are_closed_and_the_explain_goes_through(
        fake: FakeConsole, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with console_show(fake, tmp_path) as (engine, _):
            fake.modal = "afk"
            await wait_until(lambda: fake.modal is None, 5, what="the AFK modal closed by the watchdog")
            fake.modal = "live_over"
            await wait_until(lambda: fake.modal_shown == "live_over", 3, what="the page showing 直播总结")
            engine.execute(Command("explain", {"no": 5}))
            await wait_until(lambda: fake.explaining == 5, 3, what="the explain after the 直播总结 modal")
            assert fake.modal is None

    asyncio.run(scenario())


def test_the_goods_list_is_imported_from_the_page(fake: FakeConsole, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with console_show(fake, tmp_path) as (_, console):
            products = await asyncio.wrap_future(console.read_products())
            assert [p.no for p in products] == list(range(1, 61))
            assert (products[39].name, products[39].price_fen, products[39].stock) == ("测试商品40", 4990, 140)

    asyncio.run(scenario())

def test_a_qr_login_lasts_across_launches_and_an_expired_session_is_said(tmp_path: Path) -> None:
    asyncio.run(_login_scenario(tmp_path))


async def _login_scenario(tmp_path: Path) -> None:
    engine = SessionEngine(None)
    await engine.start_session("登录测试", "console:buyin")
    with FakeConsole(logged_in=False) as fake:
        console = _connector(engine, fake, tmp_path)
        console.start()
        try:
            await wait_until(lambda: console.status.state is ConsoleState.LOGIN_NEEDED, 15, what="login asked")
            assert "--headless" in console.status.reason
            fake.scan_qr()
            await wait_until(lambda: console.status.state is ConsoleState.CONNECTED, 10, what="logged in")
            assert console.status.logged_in
            assert console.status.account == "测试达人"
        finally:
            await console.aclose()
        again = _connector(engine, fake, tmp_path)
        states: list[ConsoleState] = []
        again.add_status_listener(lambda status: states.append(status.state))
        again.start()
        try:
            await wait_until(lambda: again.status.state is ConsoleState.CONNECTED, 15, what="still logged in")
            assert ConsoleState.LOGIN_NEEDED not in states
            fake.expire_session()
            await wait_until(lambda: again.status.state is ConsoleState.LOGIN_NEEDED, 5, what="expiry noticed")
            assert again.status.reason == "登录已过期，请重新扫码登录"
        finally:
            await again.aclose()


def test_a_profile_in_the_data_directory_replaces_the_shipped_one(tmp_path: Path) -> None:
    shipped = load_profile("buyin", home=tmp_path)
    assert shipped.selectors["goods_row"] == 'div[class^="goodsItem"]'
    assert shipped.is_login_url("https://sso.douyinec.com/login")
    assert not shipped.is_login_url(shipped.console_url)
    override = tmp_path / "consoles" / "buyin.json"
    override.parent.mkdir()
    override.write_text(shipped.source.read_text(encoding="utf-8").replace('goodsAction', 'goodsOperate'),
                        encoding="utf-8")
    assert "goodsOperate" in load_profile("buyin", home=tmp_path).selectors["explain_button"]
    override.write_text('{"selectors": {}}', encoding="utf-8")
    with pytest.raises(ValueError, match="selectors"):
        load_profile("buyin", home=tmp_path)


def test_a_browser_that_cannot_start_fails_the_status_and_each_action_with_a_reason(tmp_path: Path) -> None:
    async def scenario() -> None:
        engine = SessionEngine(None)
        engine.load_catalog([Product(3, "p3", "坚果", 8990)])
        await engine.start_session("没有浏览器", "console:buyin")
        console = ConsoleConnector(engine, load_profile("buyin", home=tmp_path), browser=str(tmp_path / "no-browser"),
                                   headless=True, home=tmp_path)
        console.start()
        try:
            await wait_until(lambda: console.status.state is ConsoleState.FAILED, 10, what="the failure said")
            assert console.status.reason.startswith("浏览器无法打开中控台：")
            await wait_until(lambda: not console.running, 5, what="the browser's thread ended")
            engine.execute(Command("explain", {"no": 3}))
            (row,) = _console_rows(engine, "explain")
            assert row["result"] == "rejected"
            assert "浏览器无法打开中控台" in str(row["detail"])
        finally:
            await console.aclose()

    asyncio.run(scenario())
