"""The anchor strip across the top of the console: the explained product's 序号, name, price, stock, explain
timer and the running countdown, big; one calm line when nothing is explained; the queue follows."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint
from pytestqt.qtbot import QtBot

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.clock import ManualClock
from app.core.events import Command, Kind, LiveEvent
from app.core.settings import Settings
from app.engine.session import SessionEngine
from app.show.show import Show, SourceSpec
from tests.ui.engines import live_engine
from ui.live.anchor_strip import AnchorStrip
from ui.live.main_window import MainWindow


@pytest.fixture
def engine() -> SessionEngine:
    return live_engine()


@pytest.fixture
def window(qtbot: QtBot, engine: SessionEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MainWindow:
    monkeypatch.setenv("LIVEDECK_HOME", str(tmp_path))
    window = MainWindow(engine, Show(engine), SourceSpec("generic", "ws://127.0.0.1:1"),
                        load_products_csv(demo_catalog_path()), Settings(tmp_path / "s.json"))
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    qtbot.waitExposed(window)
    return window


def _on_screen(window: MainWindow, widget) -> bool:  # type: ignore[no-untyped-def]
    """Visible, and inside the window's own rectangle."""
    if not widget.isVisible():
        return False
    top_left = widget.mapTo(window, QPoint(0, 0))
    return window.rect().contains(top_left) and top_left.y() + widget.height() <= window.height()


def test_with_nothing_explained_the_strip_says_so_in_one_small_line(window: MainWindow) -> None:
    strip = window.anchor_strip
    assert strip.idle_label.isVisible()
    assert "未在讲解商品" in strip.idle_label.text()
    assert not strip.no_label.isVisible()
    assert not strip.price_box.isVisible()
    assert strip.height() < 60


def test_the_strip_shows_the_explained_product_big_and_follows_the_sale(
    window: MainWindow, engine: SessionEngine, qtbot: QtBot
) -> None:
    clock = engine.clock
    assert isinstance(clock, ManualClock)
    strip = window.anchor_strip
    assert engine.execute(Command("explain", {"no": 3})).applied
    assert strip.no_label.text() == "3号"
    assert strip.name_label.text() == "每日坚果混合果仁 30袋装"  # the whole name, never cut
    assert strip.price_caption.text() == "到手价"
    assert strip.price_label.text() == "¥89.90"
    assert strip.stock_label.text() == "500件"
    assert strip.timer_label.text() == "00:00"
    assert not strip.idle_label.isVisible()
    # Big enough to read from 2 m, and on screen at the top of the window.
    for label in (strip.no_label, strip.price_label):
        assert label.font().pixelSize() >= 48
        assert _on_screen(window, label)
    assert strip.mapTo(window, QPoint(0, 0)).y() < 80
    assert strip.width() > window.width() * 0.9  # across the whole top, above the docks

    # Units sold come off the stock; the explain timer runs on the engine's clock.
    product = engine.state.queue.get(3)
    assert product is not None
    engine.submit([LiveEvent(Kind.ORDER, time.time(), user_id="u1", count=2, product_id=product.product_id,
                             amount_fen=17980)])
    engine.drain()
    clock.advance(75)
    window.refresh()
    assert strip.stock_label.text() == "498件"
    assert strip.timer_label.text() == "01:15"

    # A 10 s flash sale: its price and stock, and the countdown at 00:09 after 1 s.
    assert engine.execute(Command("start_flash_sale", {"no": 3, "price_fen": 6990, "stock": 40,
                                                       "duration_s": 10})).applied
    window.promotions.refresh_countdowns()
    assert strip.price_caption.text() == "秒杀价"
    assert strip.price_label.text() == "¥69.90"
    assert strip.stock_label.text() == "40件"
    assert strip.countdown_label.text() == "00:10"
    clock.advance(1)
    window.promotions.refresh_countdowns()
    assert strip.countdown_label.text() == "00:09"
    assert strip.countdown_caption.text() == "3号秒杀"
    assert strip.countdown_label.font().pixelSize() >= 48
    assert _on_screen(window, strip.countdown_label)
    # Over: back to the normal price, the countdown gone.
    clock.advance(10)
    engine.tick()
    window.promotions.refresh_countdowns()
    window.refresh()
    assert strip.price_label.text() == "¥89.90"
    assert not strip.countdown_box.isVisible()

    engine.execute(Command("stop_explain", {}))
    assert strip.idle_label.isVisible()


def test_a_long_name_wraps_or_shrinks_and_is_never_cut(
    window: MainWindow, engine: SessionEngine, qtbot: QtBot
) -> None:
    window.resize(1366, 768)
    assert engine.execute(Command("explain", {"no": 1})).applied
    long_name = "春秋款宽松纯棉卫衣 男女同款 加绒加厚 连帽套头 情侣装 大码宽松 学生韩版潮流百搭外套"
    assert engine.execute(Command("update_product", {"no": 1, "fields": {"name": long_name}})).applied
    strip = window.anchor_strip
    assert strip.name_label.text() == long_name
    label = strip.name_label
    assert label.wordWrap()
    # Everything the label draws fits inside it (wrapped, at whatever size fits)...
    assert label.heightForWidth(label.width()) <= label.height() + 2
    # ... also when its room shrinks without the strip changing size.
    alone = AnchorStrip(engine)
    qtbot.addWidget(alone)
    alone.resize(1100, 100)
    alone.show()
    qtbot.waitUntil(lambda: alone.name_label.width() > 450)
    size = alone.name_label.font().pixelSize()
    wide = alone.name_label.width()
    alone.show_countdown("1号秒杀", "09:59", "live")  # the countdown takes some of the name's room
    qtbot.waitUntil(lambda: alone.name_label.width() < wide - 100)
    qtbot.waitUntil(lambda: alone.name_label.font().pixelSize() < size)  # set smaller, not cut
    assert alone.name_label.heightForWidth(alone.name_label.width()) <= alone.name_label.height() + 2
    assert alone.name_label.text() == long_name


def test_the_queue_scrolls_to_the_explained_row(window: MainWindow, engine: SessionEngine, qtbot: QtBot) -> None:
    window.resize(1366, 768)
    table = window.queue_panel.table
    qtbot.waitUntil(lambda: table.viewport().height() < table.rowHeight(0) * 12)
    assert engine.execute(Command("explain", {"no": 11})).applied
    row = window.products.row_of(11)
    rect = table.visualRect(window.products.index(row, 0))
    assert table.viewport().rect().contains(rect)
