"""The buttons on every queue row, Alt+S with nothing prepared, and the messages under the queue, as the
operator meets them in the console: a real engine with the demo catalog, real widgets, real clicks."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.clock import ManualClock
from app.core.events import Command
from app.core.settings import Settings
from app.core.units import format_yuan
from app.engine.session import SessionEngine
from app.show.show import Show, SourceSpec
from ui.common.theme import color
from ui.live.flash_sale_tab import sale_defaults
from ui.live.main_window import MainWindow
from ui.live.product_queue import Col, ProductQueuePanel, QueueRole
from ui.live.queue_delegate import RowAction, action_label


class Console:
    """The console window over a real engine (manual clock) with the demo catalog, session started."""

    def __init__(self, qtbot: QtBot, tmp_path: Path) -> None:
        self.engine = SessionEngine(clock=ManualClock())
        self.window = MainWindow(self.engine, Show(self.engine), SourceSpec("generic", "ws://127.0.0.1:1"),
                                 load_products_csv(demo_catalog_path()), Settings(tmp_path / "s.json"))
        qtbot.addWidget(self.window)
        asyncio.run(self.engine.start_session("热卖专场", "test"))
        self.window.resize(1600, 1000)
        self.window.show()
        qtbot.waitExposed(self.window)
        self.window.activateWindow()
        qtbot.waitUntil(self.window.isActiveWindow)
        self.qtbot = qtbot
        self.panel: ProductQueuePanel = self.window.queue_panel
        self.table = self.panel.table
        self.sale_tab = self.window.promotions.sale_tab

    def button_label(self, no: int, action: RowAction) -> str:
        index = self.panel.model.index(self.panel.model.row_of(no), Col.NAME)
        return action_label(action, explaining=bool(index.data(QueueRole.EXPLAINING)),
                            listed=bool(index.data(QueueRole.LISTED)))

    def click_row_button(self, no: int, action: RowAction) -> None:
        """Click the button ``action`` on product ``no``'s row where the delegate paints it."""
        index = self.panel.model.index(self.panel.model.row_of(no), Col.NAME)
        self.table.scrollTo(index)
        rect = self.table.visualRect(index)
        box = dict(self.panel.delegate.button_rects(rect, self.table.font()))[action]
        self.qtbot.mouseClick(self.table.viewport(), Qt.MouseButton.LeftButton, pos=box.center())

    def press(self, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        self.qtbot.keyClick(self.window.focusWidget() or self.window, key, modifier)

    def status(self, no: int) -> str:
        return self.panel.model.index(self.panel.model.row_of(no), Col.NAME).data(QueueRole.STATUS)


@pytest.fixture
def console(qtbot: QtBot, tmp_path: Path) -> Console:
    return Console(qtbot, tmp_path)


def test_a_rows_explain_button_explains_that_product_and_then_stops(console: Console) -> None:
    assert console.button_label(4, RowAction.EXPLAIN) == "讲解"
    console.click_row_button(4, RowAction.EXPLAIN)
    assert console.engine.state.explaining == 4
    assert console.status(4) == "讲解中"
    assert console.panel.selected_no() == 4  # the clicked row is the selected one too
    assert console.button_label(4, RowAction.EXPLAIN) == "结束讲解"
    console.click_row_button(4, RowAction.EXPLAIN)
    assert console.engine.state.explaining is None
    assert console.status(4) == ""


def test_a_double_click_on_a_rows_button_acts_once_and_edits_nothing(console: Console) -> None:
    index = console.panel.model.index(console.panel.model.row_of(5), Col.NAME)
    box = dict(console.panel.delegate.button_rects(console.table.visualRect(index), console.table.font()))
    viewport, left, pos = console.table.viewport(), Qt.MouseButton.LeftButton, box[RowAction.EXPLAIN].center()
    console.qtbot.mouseClick(viewport, left, pos=pos)  # what a double click sends: press, release,
    console.qtbot.mouseDClick(viewport, left, pos=pos)  # the double click (no second press),
    console.qtbot.mouseRelease(viewport, left, pos=pos)  # release
    assert console.engine.state.explaining == 5  # not explained and at once stopped again
    assert [a["name"] for a in console.engine.actions] == ["explain"]
    # (a double click on the name itself edits the selling points; the modal guard fails if it opens)


def test_a_rows_list_button_unlists_and_lists_it_and_an_unlisted_row_cannot_be_explained(
        console: Console) -> None:
    console.click_row_button(2, RowAction.LIST)
    assert not console.engine.state.queue.is_listed(2)
    assert console.status(2) == "已下架"
    assert console.button_label(2, RowAction.LIST) == "上架"
    console.click_row_button(2, RowAction.EXPLAIN)  # painted disabled: nothing is sent
    assert console.engine.state.explaining is None
    assert not [a for a in console.engine.actions if a["name"] == "explain"]
    console.click_row_button(2, RowAction.LIST)
    assert console.engine.state.queue.is_listed(2)


def test_stop_explaining_is_disabled_while_nothing_is_explained(console: Console) -> None:
    stop = console.panel.stop_button
    assert not stop.isEnabled()
    console.press(Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)  # the hotkeys still work
    assert console.engine.state.explaining == 3
    assert stop.isEnabled()
    stop.click()
    assert console.engine.state.explaining is None
    assert not stop.isEnabled()


def test_the_selected_row_is_framed_also_on_the_explained_row(console: Console) -> None:
    console.press(Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    for no in (2, 3):  # a plain row, and the explained one on the accent colour
        console.panel.select_no(no)
        rect = console.table.visualRect(console.panel.model.index(console.panel.model.row_of(no), Col.NAME))
        image = console.table.viewport().grab().toImage()
        top = image.pixelColor(QPoint(rect.center().x(), rect.top() + 1))
        middle = image.pixelColor(QPoint(rect.center().x(), rect.top() + 6))
        assert top == color("selection"), no
        assert middle != color("selection"), no


def test_a_rows_flash_sale_button_opens_that_products_sale_in_the_promotions_dock(console: Console) -> None:
    console.window.promotions.tabs.setCurrentIndex(1)  # 发券 was in front
    console.click_row_button(6, RowAction.FLASH_SALE)
    tab = console.sale_tab
    assert console.window.promotions.tabs.currentWidget() is tab
    assert tab.product_combo.currentData() == 6
    product = console.engine.state.queue.get(6)
    assert product is not None
    assert tab.sale_price.text() == format_yuan(product.price_fen)
    assert tab.sale_stock.text() == str(round(product.stock * 0.2))
    assert tab.sale_duration.text() == "60"
    assert tab.price_warning.isVisible()  # the 到手价 itself is no deal, and the form says so
    assert "相同" in tab.price_warning.text()
    tab.sale_price.edit.setText(format_yuan(product.price_fen - 500))
    assert not tab.price_warning.isVisible()
    assert console.engine.state.flash_sales == {}  # nothing starts without 开始秒杀


def test_alt_s_with_nothing_prepared_asks_once_then_starts_a_sale_from_the_defaults(console: Console) -> None:
    console.press(Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    console.press(Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    box = console.window.hotkeys.sale_question
    assert isinstance(box, QMessageBox)
    console.qtbot.waitUntil(box.isVisible)
    product = console.engine.state.queue.get(3)
    assert product is not None
    stock = round(product.stock * 0.2)
    text = box.text()
    for part in (product.name, "¥89.90", f"{stock} 件", "01:00"):  # product, price, units, duration
        assert part in text
    assert "注意：秒杀价与到手价 ¥89.90 相同" in text
    console.press(Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)  # a second press: still one question
    assert console.window.hotkeys.sale_question is box
    assert console.engine.state.flash_sales == {}
    console.qtbot.keyClick(box, Qt.Key.Key_Return)  # Enter confirms
    console.qtbot.waitUntil(lambda: console.window.hotkeys.sale_question is None)
    sales = list(console.engine.state.flash_sales.values())
    assert [(s.no, s.price_fen, s.stock, s.ends_at - s.starts_at) for s in sales] == [
        (3, product.price_fen, stock, 60.0)]
    assert console.sale_tab.sale_summary.text().startswith("已开始：3号")  # the form shows what runs
    console.press(Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)  # Alt+S again stops it, no question
    assert not sales[0].running
    assert console.window.hotkeys.sale_question is None


def test_esc_on_the_alt_s_question_starts_nothing(console: Console) -> None:
    console.press(Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    console.press(Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    box = console.window.hotkeys.sale_question
    assert box is not None
    console.qtbot.waitUntil(box.isVisible)
    console.qtbot.keyClick(box, Qt.Key.Key_Escape)
    console.qtbot.waitUntil(lambda: console.window.hotkeys.sale_question is None)
    assert console.engine.state.flash_sales == {}
    assert console.sale_tab.prepared() is None


def test_the_next_default_sale_takes_the_last_sales_duration_and_units() -> None:
    engine = SessionEngine(clock=ManualClock())
    engine.load_catalog(load_products_csv(demo_catalog_path()))
    asyncio.run(engine.start_session("热卖专场", "test"))
    engine.execute(Command("start_flash_sale", {"no": 1, "price_fen": 4990, "stock": 7, "duration_s": 30.0}))
    defaults = sale_defaults(engine, 4)
    assert isinstance(defaults, dict)
    assert (defaults["duration_s"], defaults["stock"]) == (30.0, 7)


def test_a_message_under_the_queue_clears_itself(console: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ProductQueuePanel, "MESSAGE_MS", 200)
    console.window.runner.run("unlist", {"no": 5})
    console.press(Qt.Key.Key_5, Qt.KeyboardModifier.AltModifier)  # refused: 5 is 已下架
    message = console.panel.message
    assert message.isVisible()
    assert "已下架" in message.text()
    console.press(Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier)  # the next action that works replaces it
    assert message.text() == "正在讲解 4 号，商品卡已推送"
    console.qtbot.waitUntil(lambda: not message.isVisible(), timeout=5000)


def test_the_pointer_is_a_hand_over_a_rows_buttons_only(console: Console) -> None:
    index = console.panel.model.index(console.panel.model.row_of(2), Col.NAME)
    rect = console.table.visualRect(index)
    box = dict(console.panel.delegate.button_rects(rect, console.table.font()))[RowAction.FLASH_SALE]
    viewport = console.table.viewport()
    console.qtbot.mouseMove(viewport, box.center())
    console.qtbot.waitUntil(lambda: viewport.cursor().shape() == Qt.CursorShape.PointingHandCursor)
    console.qtbot.mouseMove(viewport, QPoint(box.center().x(), rect.top() + 6))  # on the name above it
    console.qtbot.waitUntil(lambda: viewport.cursor().shape() == Qt.CursorShape.ArrowCursor)


def test_the_explained_name_is_set_smaller_before_it_is_cut(qapp: object) -> None:
    """The 讲解中 tag takes room on the explained row: its name shrinks (to 75 % at most) before "…"."""
    from PySide6.QtGui import QFont, QFontMetrics

    from ui.common.theme import ui_font
    from ui.live.queue_delegate import MIN_NAME_SCALE, _fitting_font

    font = ui_font(16)
    name = "每日坚果混合果仁 30袋装"
    full = QFontMetrics(font).horizontalAdvance(name)
    fitted = _fitting_font(font, name, int(full * 0.85))
    assert isinstance(fitted, QFont)
    assert fitted.pixelSize() < font.pixelSize()
    assert QFontMetrics(fitted).horizontalAdvance(name) <= int(full * 0.85)
    assert _fitting_font(font, name, full + 1) is font  # it fits: untouched
    tiny = _fitting_font(font, name, full // 3)  # cannot fit: the smallest size, then cut with "…"
    assert tiny.pixelSize() == round(font.pixelSize() * MIN_NAME_SCALE)
