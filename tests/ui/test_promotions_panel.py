"""The 营销 dock on a real engine with a hand-moved clock: what the anchor and assistants see."""

from __future__ import annotations

import asyncio

import pytest
from pytestqt.qtbot import QtBot

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.clock import ManualClock
from app.core.events import Kind, LiveEvent
from app.engine.session import SessionEngine
from tests.ui.engines import live_engine
from ui.live.promotions_panel import PromotionsPanel


@pytest.fixture
def engine() -> SessionEngine:
    return live_engine(load_products_csv(demo_catalog_path()))


@pytest.fixture
def panel(qtbot: QtBot, engine: SessionEngine) -> PromotionsPanel:
    panel = PromotionsPanel(engine)
    qtbot.addWidget(panel)
    panel.resize(520, 900)
    panel.show()
    return panel


def actions(engine: SessionEngine, name: str) -> list[str]:
    return [a["result"] for a in engine.actions if a["name"] == name]


def prepare_sale(panel: PromotionsPanel, *, no: int = 3, price: str = "99", stock: str = "20",
                 duration: str = "10") -> None:
    panel.sale_tab.product_combo.setCurrentIndex(panel.sale_tab.product_combo.findData(no))
    panel.sale_tab.sale_price.edit.setText(price)
    panel.sale_tab.sale_stock.edit.setText(stock)
    panel.sale_tab.sale_duration.edit.setText(duration)
    assert panel.sale_tab.prepare() is not None


def test_flash_sale_countdown_is_derived_from_the_deadline(panel: PromotionsPanel,
                                                           engine: SessionEngine) -> None:
    clock = engine.clock
    assert isinstance(clock, ManualClock)
    prepare_sale(panel)
    panel.sale_tab.start_sale_button.click()
    assert actions(engine, "start_flash_sale") == ["applied"]
    assert panel.sale_badge.value.text() == "00:10"
    assert panel.live_box.isVisible()
    assert "已抢 0 / 20" in panel.sale_progress.text()
    clock.advance(1)
    panel.refresh_countdowns()
    assert panel.sale_badge.value.text() == "00:09"
    clock.advance(2)  # a 2-second UI stall: nothing redraws meanwhile
    assert panel.sale_badge.value.text() == "00:09"
    panel.refresh_countdowns()
    assert panel.sale_badge.value.text() == "00:07"
    # the header hears the same countdown
    heard: list[tuple[str, str, str]] = []
    panel.countdown.connect(lambda *a: heard.append(a))
    panel.refresh_countdowns()
    assert heard[-1][1:] == ("00:07", "live")
    # orders count against the stock; the sale ends on time and lands in the record
    product = engine.state.queue.get(3)
    assert product is not None
    engine.submit([LiveEvent(Kind.ORDER, clock.time(), user_id="u1", count=2, product_id=product.product_id,
                             amount_fen=19800)])
    engine.tick()
    panel.refresh_countdowns()
    assert "已抢 2 / 20" in panel.sale_progress.text()
    clock.advance(7.5)
    panel._on_tick()
    assert not panel.live_box.isVisible()
    assert "售出 2/20（10%）" in panel.sale_tab.ended_sales.item(0).text()
    assert not panel._timer.isActive()


def test_warmup_shows_time_to_the_start(panel: PromotionsPanel, engine: SessionEngine) -> None:
    prepare_sale(panel)
    panel.sale_tab.sale_warmup.edit.setText("5")
    panel.sale_tab.prepare()
    panel.sale_tab.start_prepared()
    assert panel.sale_badge.caption.text() == "预热中，距开抢"
    assert panel.sale_badge.value.text() == "00:05"


def test_double_click_on_drop_coupon_drops_once(panel: PromotionsPanel, engine: SessionEngine) -> None:
    panel.coupon_tab.coupon_kind.setCurrentIndex(panel.coupon_tab.coupon_kind.findData("满减"))
    panel.coupon_tab.coupon_threshold.edit.setText("100")
    panel.coupon_tab.coupon_discount.edit.setText("10")
    panel.coupon_tab.coupon_quantity.edit.setText("50")
    prepared = panel.coupon_tab.prepare()
    assert prepared is not None
    sent = panel.prepared_coupon()  # what the hotkey sends: the button's command, scoped to the session
    assert sent == panel.coupon_tab.session_command()
    assert sent is not None
    assert sent.command_id == engine.state.scoped_id(prepared.command_id)
    coupon_id = sent.args["coupon_id"]
    panel.coupon_tab.drop_coupon_button.click()
    panel.coupon_tab.drop_coupon_button.click()
    assert actions(engine, "drop_coupon") == ["applied", "duplicate"]
    assert len(engine.state.coupons) == 1
    assert panel.coupon_tab.coupon_message.text() == "已经执行过，这次没有重复执行"
    claim = LiveEvent(Kind.COUPON_CLAIM, 0.0, user_id="u1", msg_id="m1", extra={"coupon_id": coupon_id})
    engine.submit([claim, LiveEvent(Kind.COUPON_CLAIM, 0.0, user_id="u2", extra={"coupon_id": coupon_id})])
    engine.submit([claim])  # a reconnect delivers the same claim again
    engine.tick()
    assert panel.coupon_tab.coupon_list.item(0).text() == "满100减10 · 已领 2/50 · 不限时"


def test_bad_discount_shows_a_message_and_sends_nothing(panel: PromotionsPanel, engine: SessionEngine) -> None:
    panel.tabs.setCurrentIndex(1)
    panel.coupon_tab.coupon_threshold.edit.setText("10")
    panel.coupon_tab.coupon_discount.edit.setText("10")
    panel.coupon_tab.coupon_quantity.edit.setText("50")
    panel.coupon_tab.prepare_coupon_button.click()
    assert panel.prepared_coupon() is None
    assert panel.coupon_tab.coupon_discount.error.isVisible()
    assert panel.coupon_tab.coupon_discount.error.text() == "优惠金额必须小于门槛"
    panel.coupon_tab.drop_coupon_button.click()
    assert actions(engine, "drop_coupon") == []


def test_bad_flash_sale_fields_show_messages(panel: PromotionsPanel, engine: SessionEngine) -> None:
    panel.sale_tab.sale_price.edit.setText("-5")
    panel.sale_tab.sale_stock.edit.setText("")
    panel.sale_tab.prepare_sale_button.click()
    assert panel.prepared_flash_sale() is None
    assert panel.sale_tab.sale_price.error.text() == "金额必须大于 0"
    assert panel.sale_tab.sale_stock.error.text() == "请填写库存"
    panel.sale_tab.start_sale_button.click()
    assert actions(engine, "start_flash_sale") == []


def test_lucky_bag_draw_shows_winners_and_seed(panel: PromotionsPanel, engine: SessionEngine) -> None:
    clock = engine.clock
    assert isinstance(clock, ManualClock)
    panel.bag_tab.bag_duration.edit.setText("30")
    panel.bag_tab.bag_winners.edit.setText("2")
    panel.bag_tab.start_bag_button.click()
    assert panel.bag_tab.bag_badge.value.text() == "00:30"
    assert panel._timer.isActive()
    engine.submit([LiveEvent(Kind.COMMENT, clock.time(), user_id=f"u{i}", user_name=f"观众{i}", text="扣1")
                   for i in range(5)] + [LiveEvent(Kind.COMMENT, clock.time(), user_id="x", text="多少钱")])
    panel._on_tick()
    assert "已参与 5 人" in panel.bag_tab.bag_status.text()
    clock.advance(30)
    panel._on_tick()
    bag = engine.state.lucky_bag
    assert bag is not None
    assert bag.status == "drawn"
    assert len(bag.winners) == 2
    text = panel.bag_tab.bag_status.text()
    assert f"种子 {bag.seed}" in text
    assert all(bag.participants[w] in text for w in bag.winners)
    assert not panel._timer.isActive()


def test_note_goes_to_the_engine(panel: PromotionsPanel, engine: SessionEngine) -> None:
    panel.note_edit.setText("3号库存只剩 5 件")
    panel.note_button.click()
    assert [n.text for n in engine.state.notes] == ["3号库存只剩 5 件"]
    assert panel.note_edit.text() == ""


def test_a_resumed_sale_shows_its_true_countdown(qtbot: QtBot, tmp_path) -> None:
    """After a restart (app/engine/resume.py continue_interrupted) the panel counts down what is really left."""
    from app.engine.resume import continue_interrupted, find_interrupted
    from app.store.session_log import SessionLog
    from tests.app.test_resume import _engine, _killed_show

    path = tmp_path / "sessions.sqlite"
    clock = ManualClock()
    _killed_show(path, clock)
    clock.advance(18)  # 20 s after the 60 s sale started
    with SessionLog(path) as log:
        engine = _engine(log, clock, start=False)
        panel = PromotionsPanel(engine)
        qtbot.addWidget(panel)
        panel.show()
        assert not panel.live_box.isVisible()
        session = find_interrupted(log.sessions())
        assert session is not None
        asyncio.run(continue_interrupted(engine, session))
        panel.redraw()
        assert panel.live_box.isVisible()
        assert panel.sale_badge.value.text() == "00:40"
        assert "已抢 3 / 20" in panel.sale_progress.text()
        panel.shutdown()
        asyncio.run(engine.end_session())


def test_sale_price_reads_like_every_other_money_field(panel: PromotionsPanel, engine: SessionEngine) -> None:
    """The form prefills the product's exact price and reads full-width digits; a sale is never free."""
    from app.core.events import Command

    assert engine.execute(Command("update_product", {"no": 3, "fields": {"price_fen": 1234567}})).applied
    tab = panel.sale_tab
    tab.product_combo.setCurrentIndex(tab.product_combo.findData(2))
    tab.sale_price.edit.clear()  # an empty price field takes the chosen product's price
    tab.product_combo.setCurrentIndex(tab.product_combo.findData(3))
    assert tab.sale_price.text() == "12345.67"  # not 12345.7
    for typed, shown in (("0", "金额必须大于 0"), ("9.999", "金额最多两位小数：9.999"), ("十块", "不是金额：十块")):
        tab.sale_price.edit.setText(typed)
        tab.sale_stock.edit.setText("5")
        assert tab.prepare() is None
        assert tab.sale_price.error.text() == shown
    tab.sale_price.edit.setText("６９.９")
    sale = tab.prepare()
    assert sale is not None
    assert sale.args["price_fen"] == 6990


def test_a_prepared_sale_and_coupon_are_new_commands_in_the_next_show(panel: PromotionsPanel,
                                                                      engine: SessionEngine) -> None:
    """Button and hotkey share one id within a show; the rehearsal's ids are not the show's, so a room
    that saw the rehearsal does not answer the show's sale with ``duplicate``."""
    prepare_sale(panel)
    coupon = panel.coupon_tab
    coupon.coupon_kind.setCurrentIndex(coupon.coupon_kind.findData("直减"))
    coupon.coupon_discount.edit.setText("5")
    coupon.coupon_quantity.edit.setText("10")
    assert coupon.prepare() is not None
    sent: list[str] = []
    engine.subscribe_outbound(lambda cmd: sent.append(cmd.command_id))

    def one_show() -> tuple[str, str]:
        hotkey_sale, hotkey_coupon = panel.prepared_flash_sale(3), panel.prepared_coupon()
        assert hotkey_sale is not None
        assert hotkey_coupon is not None
        panel.sale_tab.start_sale_button.click()
        coupon.drop_coupon_button.click()
        assert engine.execute(hotkey_sale).result == "duplicate"  # the hotkey after the click
        assert engine.execute(hotkey_coupon).result == "duplicate"
        assert panel.sale_tab.sale_summary.text().startswith("已开始：")
        assert coupon.drop_coupon_button.text() == "发券 ✓ 已发"
        return hotkey_sale.command_id, hotkey_coupon.command_id

    rehearsal = one_show()
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(engine.end_session())
        loop.run_until_complete(engine.start_session("正式直播", "test"))
    finally:
        loop.close()
    panel.redraw()
    assert panel.sale_tab.sale_summary.text().startswith("已准备：")  # still prepared, not yet started
    assert coupon.drop_coupon_button.text() == "发券"
    show = one_show()
    assert not set(rehearsal) & set(show)
    assert actions(engine, "start_flash_sale") == ["applied", "duplicate"]  # this show's actions
    assert actions(engine, "drop_coupon") == ["applied", "duplicate"]
    assert len(sent) == len(set(sent)) == 4  # the room got four different commands
