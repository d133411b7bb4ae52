"""After a crash the console offers to continue the show; continuing shows what came back, a new show
starts clean.

The log holds a show that "died" a moment ago (tests/app/test_resume.py's killed show, on today's clock):
3号 explained, 5号 pinned, a 60 s flash sale of 3号 with 3 units sold, a coupon with 7 claims, a lucky bag
with 5 entries, a pinned comment and 4 orders. The console opens on it as ``livedeck`` does
(ui/console.py: the offer, then ``begin_show``).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.clock import ManualClock
from app.core.settings import Settings
from app.core.units import format_fen
from app.rooms.demo import serve_demo_room
from app.show.show import SourceSpec, interrupted_show
from tests.app.test_resume import _killed_show
from tests.waiting import wait_until
from ui.console import begin_show, open_console
from ui.live.product_queue import Col
from ui.live.restore_banner import offer_to_continue

PRODUCTS = load_products_csv(demo_catalog_path())


def _answer(monkeypatch: pytest.MonkeyPatch, button: str, asked: list[str]) -> None:
    """The user clicks ``button`` in the question (the modal guard refuses an unanswered one)."""
    def exec_(box: QMessageBox) -> int:
        asked.append(f"{box.windowTitle()}|{box.text()}|{[b.text() for b in box.buttons()]}")
        assert box.defaultButton().text() == "继续上一场"
        next(b for b in box.buttons() if b.text() == button).click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_)


def _killed_a_moment_ago(path: Path) -> dict[str, Any]:
    before = _killed_show(path, ManualClock(time.monotonic(), time.time()))
    session = interrupted_show(path)
    assert session is not None
    assert session["id"] == before.state.session_id
    return session


def _open(qloop: asyncio.AbstractEventLoop, qtbot: QtBot, tmp_path: Path, session: dict[str, Any] | None,
          check: Any) -> None:
    async def scenario() -> None:
        room = await serve_demo_room(seed=2, rate=20)
        try:
            async with open_console(SourceSpec("generic", room.url), PRODUCTS, tmp_path / "sessions.sqlite",
                                    Settings(tmp_path / "s.json")) as window:
                qtbot.addWidget(window)
                window.show()
                await begin_show(window, session)
                await check(window)
                await window.stop_session()
                window.close_now()
        finally:
            await room.close()

    qloop.run_until_complete(scenario())


def test_continuing_shows_in_a_banner_what_came_back(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = _killed_a_moment_ago(tmp_path / "sessions.sqlite")
    asked: list[str] = []
    _answer(monkeypatch, "继续上一场", asked)
    assert offer_to_continue(None, session)
    (question,) = asked
    assert question.startswith("继续上一场直播？|上一场直播「直播」")
    assert "['继续上一场', '开始新的一场']" in question

    async def check(window: Any) -> None:
        engine = window.engine
        assert engine.state.session_id == session["id"]
        banner = window.restore_banner
        assert banner.isVisible()
        text = banner.text.text()
        assert text.startswith("已恢复上一场：讲解中 3号；秒杀 3号 剩 00:")
        for part in ("（已抢 3/20）", "秒杀 5号 剩 00:", "（已抢 3/10）", "优惠券 满100减10 已领 7/50",
                     "福袋 已有 5 人参与", "置顶商品 5号",
                     "置顶评论 小王：3号有大码吗", "提词 1 条", f"订单 4 单 · 成交 {format_fen(engine.state.gmv_fen)}"):
            assert part in text
        model = window.products
        row = model.row_of(3)
        assert model.index(row, Col.SOLD).data() == "4"  # 3 at the sale price, 1 at the regular price
        assert model.index(row, Col.STOCK).data() == str(PRODUCTS[2].stock - 4)
        assert "已抢 3 / 10" in window.promotions.sale_progress.text()  # the newest sale: 5号's
        assert window.pinned_banner.isVisible()
        # The header's totals come from the metrics, fed the show so far.
        await wait_until(lambda: window.header.gmv.value.text() == format_fen(engine.state.gmv_fen), timeout=5)
        assert window.header.orders.value.text() == "4"
        banner.close_button.click()
        assert not banner.isVisible()

    _open(qloop, qtbot, tmp_path, session, check)


def test_a_new_show_starts_clean(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = _killed_a_moment_ago(tmp_path / "sessions.sqlite")
    _answer(monkeypatch, "开始新的一场", [])
    assert not offer_to_continue(None, session)

    async def check(window: Any) -> None:
        state = window.engine.state
        assert state.session_id != session["id"]
        assert not window.restore_banner.isVisible()
        assert (state.explaining, state.pinned_product, state.pinned) == (None, None, None)
        assert not state.flash_sales
        assert not state.coupons
        assert sum(state.sold.values()) == 0
        model = window.products
        assert model.index(model.row_of(3), Col.SOLD).data() == "0"
        assert not window.pinned_banner.isVisible()

    _open(qloop, qtbot, tmp_path, None, check)
    assert interrupted_show(tmp_path / "sessions.sqlite") is None  # the new show ended cleanly
