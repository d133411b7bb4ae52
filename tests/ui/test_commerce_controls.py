"""The commerce controls as an operator uses them: hotkeys, the product queue, catalog import,
rebinding, pinning — a real engine with a manual clock, checked through what the screen shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QModelIndex, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMainWindow, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.clock import ManualClock
from app.core.events import Kind, LiveEvent
from app.core.settings import Settings
from app.engine.session import SessionEngine
from ui.common.commands import CommandRunner
from ui.live.catalog_dialog import CatalogImportDialog
from ui.live.comment_feed import CommentFeedView, FeedRole
from ui.live.hotkeys import ConsoleHotkeys, HotkeyDialog
from ui.live.pinned_banner import PinnedBanner, pin_selected
from ui.live.product_queue import MIME_TYPE, Col, ProductQueueModel, ProductQueuePanel, QueueRole


class Console:
    """A window with the queue panel, the feed, the pinned banner and the hotkeys."""

    def __init__(self, qtbot: QtBot, settings_path: Path) -> None:
        self.engine = SessionEngine(clock=ManualClock())
        self.engine.load_catalog(load_products_csv(demo_catalog_path()))
        self.settings = Settings(settings_path)
        self.window = QMainWindow()
        qtbot.addWidget(self.window)
        self.runner = CommandRunner(self.engine, parent=self.window)
        self.model = ProductQueueModel(self.engine, self.window)
        self.panel = ProductQueuePanel(self.model, self.runner)
        self.feed = CommentFeedView()
        self.banner = PinnedBanner(self.runner)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.panel)
        layout.addWidget(self.banner)
        layout.addWidget(self.feed)
        self.window.setCentralWidget(central)
        self.hotkeys = ConsoleHotkeys(self.window, self.runner, self.settings,
                                      pin_selected=lambda: pin_selected(self.feed, self.runner))
        self.window.resize(700, 700)
        self.window.show()
        qtbot.waitExposed(self.window)
        self.window.activateWindow()
        qtbot.waitUntil(lambda: self.window.isActiveWindow())
        self.qtbot = qtbot

    def press(self, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        self.qtbot.keyClick(self.window.focusWidget() or self.window, key, modifier)

    def shown(self) -> list[tuple[str, str]]:
        """(序号, status tag) per row, top to bottom, as the queue shows them."""
        m = self.model
        return [(m.index(r, Col.NO).data(), m.index(r, Col.NAME).data(QueueRole.STATUS))
                for r in range(m.rowCount())]


@pytest.fixture
def console(qtbot: QtBot, tmp_path: Path) -> Console:
    return Console(qtbot, tmp_path / "settings.json")


def test_queue_model_passes_the_model_tester(console: Console, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    qtmodeltester.check(console.model)


def test_alt_3_explains_product_3_and_row_3_shows_it(console: Console) -> None:
    console.press(Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    assert console.engine.state.explaining == 3
    assert console.shown()[2] == ("3", "讲解中")
    assert [tag for _, tag in console.shown()].count("讲解中") == 1
    assert console.model.index(2, Col.NAME).data(QueueRole.EXPLAINING) is True


def test_next_hotkey_explains_the_next_listed_product(console: Console) -> None:
    console.press(Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    console.runner.run("unlist", {"no": 3})
    console.press(Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert console.engine.state.explaining == 4  # 3 is 下架: skipped
    console.press(Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert console.engine.state.explaining == 2
    console.press(Qt.Key.Key_0, Qt.KeyboardModifier.AltModifier)
    assert console.engine.state.explaining is None
    assert "讲解中" not in [tag for _, tag in console.shown()]


def test_ctrl_down_moves_the_selected_product_and_the_list_shows_the_new_order(
        console: Console, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    qtmodeltester.check(console.model)  # keeps checking while the rows move
    table = console.panel.table
    console.panel.select_no(2)
    table.setFocus()
    console.qtbot.keyClick(table, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert console.engine.state.queue.order[:4] == (1, 3, 2, 4)
    assert [no for no, _ in console.shown()][:4] == ["1", "3", "2", "4"]
    assert console.panel.selected_no() == 2  # the selection follows the product
    console.qtbot.keyClick(table, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    console.qtbot.keyClick(table, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert [no for no, _ in console.shown()][:3] == ["2", "1", "3"]


def test_dropping_a_row_moves_it(console: Console) -> None:
    mime = QMimeData()
    mime.setData(MIME_TYPE, b"5")
    console.model.dropMimeData(mime, Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    assert console.engine.state.queue.order[0] == 5
    assert console.shown()[0][0] == "5"


def test_unlisted_row_is_dimmed_and_explaining_it_is_refused_with_a_message(console: Console) -> None:
    console.panel.select_no(4)
    console.panel.list_button.click()
    assert console.shown()[3] == ("4", "已下架")
    assert console.panel.list_button.text() == "上架"
    console.press(Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier)
    assert console.engine.state.explaining is None
    assert console.panel.message.isVisible()
    assert "已下架" in console.panel.message.text()
    assert "已下架" in console.runner.last_message


def test_editing_the_price_in_place_updates_the_product(console: Console) -> None:
    index = console.model.index(0, Col.PRICE)
    assert console.model.setData(index, "49.90")
    assert console.engine.state.queue.get(1).price_fen == 4990  # type: ignore[union-attr]
    assert console.model.index(0, Col.PRICE).data() == "¥49.90"


def test_import_dialog_shows_two_bad_rows_and_imports_only_the_good_ones(
        qtbot: QtBot, console: Console, tmp_path: Path, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    csv = tmp_path / "products.csv"
    csv.write_text(
        "序号,商品名称,到手价,原价,库存\n"
        "1,纯棉卫衣,59.90,129,300\n"
        "2,,79,199,200\n"
        "3,每日坚果,八十九,159,500\n"
        "4,牛肉干,39.90,68,400\n",
        encoding="utf-8",
    )
    dialog = CatalogImportDialog(csv, console.runner)
    qtbot.addWidget(dialog)
    qtmodeltester.check(dialog.preview_model)
    errors = [dialog.errors.item(i).text() for i in range(dialog.errors.count())]
    assert len(errors) == 2
    assert "第 3 行" in errors[0]
    assert "第 4 行" in errors[1]
    assert dialog.preview_model.rowCount() == 2
    assert dialog.import_button.text() == "导入 2 个商品"
    assert not dialog.import_button.isEnabled()  # bad rows must be skipped knowingly
    dialog.skip_bad.setChecked(True)
    assert dialog.import_button.isEnabled()
    dialog.import_button.click()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert console.engine.state.queue.order == (1, 4)
    assert [no for no, _ in console.shown()] == ["1", "4"]


def test_rebinding_a_hotkey_takes_effect_and_persists(console: Console, tmp_path: Path) -> None:
    dialog = HotkeyDialog(console.hotkeys, console.window)
    console.qtbot.addWidget(dialog)
    dialog.edits["explain_next"].setKeySequence(QKeySequence("PgDown"))
    assert dialog.apply()
    console.press(Qt.Key.Key_PageDown)
    assert console.engine.state.explaining == 1
    assert Settings(tmp_path / "settings.json").get("hotkeys") == {"explain_next": "PgDown"}
    # a clash is refused and nothing changes
    dialog = HotkeyDialog(console.hotkeys, console.window)
    console.qtbot.addWidget(dialog)
    dialog.edits["stop_explain"].setKeySequence(QKeySequence("PgDown"))
    assert not dialog.apply()
    assert dialog.error.text()


def test_help_overlay_lists_the_hotkeys(console: Console) -> None:
    console.press(Qt.Key.Key_F1)
    overlay = console.hotkeys.overlay
    assert overlay is not None
    assert overlay.isVisible()
    rows = dict((label, key) for key, label in overlay.rows())
    assert rows["讲解 3 号商品"] == QKeySequence("Alt+3").toString(QKeySequence.SequenceFormat.NativeText)
    assert "讲解下一个上架商品" in rows
    console.qtbot.keyClick(overlay, Qt.Key.Key_Escape)
    assert not overlay.isVisible()


def test_pinning_a_comment_shows_it_in_the_banner(console: Console) -> None:
    console.engine.submit([LiveEvent(Kind.COMMENT, 0.0, user_id="u1", user_name="小鱼", text="3号有货吗")])
    batch = console.engine.drain()
    console.feed.add_events(batch)
    console.feed.model.flush_now()
    view = console.feed.list_view
    row = next(r for r in range(view.model().rowCount())
               if view.model().index(r, 0).data(FeedRole.EVENT).text == "3号有货吗")
    view.setCurrentIndex(view.model().index(row, 0))
    assert not console.banner.isVisible()
    console.press(Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)
    assert console.engine.state.pinned is not None
    assert console.banner.isVisible()
    assert console.banner.user.text().startswith("小鱼")
    assert console.banner.text.text() == "3号有货吗"
    console.banner.unpin_button.click()
    assert not console.banner.isVisible()


def test_hotkeys_and_buttons_send_the_same_prepared_promotion_once(console: Console) -> None:
    import asyncio

    from ui.live.promotions_panel import PromotionsPanel

    asyncio.run(console.engine.start_session("热卖专场", "test"))  # actions are logged per session
    panel = PromotionsPanel(console.engine)
    console.qtbot.addWidget(panel)
    console.hotkeys.prepared = panel
    panel.sale_tab.product_combo.setCurrentIndex(panel.sale_tab.product_combo.findData(3))
    panel.sale_tab.sale_price.edit.setText("69.9")
    panel.sale_tab.sale_stock.edit.setText("20")
    panel.sale_tab.sale_duration.edit.setText("10")
    assert panel.sale_tab.prepare() is not None
    panel.coupon_tab.coupon_kind.setCurrentIndex(panel.coupon_tab.coupon_kind.findData("满减"))
    panel.coupon_tab.coupon_threshold.edit.setText("100")
    panel.coupon_tab.coupon_discount.edit.setText("10")
    panel.coupon_tab.coupon_quantity.edit.setText("50")
    assert panel.coupon_tab.prepare() is not None

    console.press(Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)  # explain 3
    console.press(Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)  # start its prepared flash sale
    panel.sale_tab.start_sale_button.click()  # the assistant clicks too
    console.press(Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)  # drop the prepared coupon
    console.press(Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)  # a nervous second press
    panel.coupon_tab.drop_coupon_button.click()

    results = {name: [a["result"] for a in console.engine.actions if a["name"] == name]
               for name in ("start_flash_sale", "drop_coupon")}
    assert results == {"start_flash_sale": ["applied", "duplicate"],
                       "drop_coupon": ["applied", "duplicate", "duplicate"]}
    assert len(console.engine.state.coupons) == 1
    assert [s.no for s in console.engine.state.flash_sales.values()] == [3]
