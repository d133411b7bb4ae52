"""The console on a 1366×768 laptop: nothing the show does may push the window wider than the screen;
the default layout shows 8 queue rows and 15 feed rows, the anchor strip, the running countdown and every
button needed live without scrolling; a layout saved on a bigger screen is reset, and the status bar says so."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QScrollArea, QTabWidget, QWidget
from pytestqt.qtbot import QtBot

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.events import Command, Kind, LiveEvent
from app.core.settings import Settings
from app.engine.session import SessionEngine
from app.show.show import Show, SourceSpec
from ui.common.theme import apply_theme
from ui.live.comment_feed import ROW_HEIGHT
from ui.live.flash_sale_tab import FlashSaleTab
from ui.live.main_window import MainWindow
from ui.live.product_queue import Col
from ui.live.questions_pane import COMPACT_ROW_HEIGHT
from ui.live.queue_delegate import QueueDelegate, action_label

LONG_QUESTION = ("主播我想问一下这个羊毛大衣的尺码是偏大还是偏小，我平时穿M码身高165体重110斤应该买哪个码，"
                 "还有颜色有没有色差，能不能七天无理由退换货呀谢谢")


def _window(qtbot: QtBot, tmp_path: Path) -> tuple[MainWindow, SessionEngine]:
    engine = SessionEngine()
    window = MainWindow(engine, Show(engine), SourceSpec("generic", "ws://127.0.0.1:1"),
                        load_products_csv(demo_catalog_path()), Settings(tmp_path / "s.json"))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    return window, engine


@pytest.fixture(autouse=True)
def _laptop_screen(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, qapp: QApplication) -> Iterator[None]:
    """A 1366×768 screen (the offscreen one is 800×800) in the dark theme's sizes and font (what a user
    sees, whichever test ran before), and layouts saved under tmp_path."""
    monkeypatch.setattr(MainWindow, "available_size", lambda self: QSize(1366, 768))
    monkeypatch.setenv("LIVEDECK_HOME", str(tmp_path))
    font = qapp.font()
    apply_theme(qapp)
    yield
    qapp.setStyleSheet("")
    qapp.setFont(font)


def _rect_in(widget: QWidget, ancestor: QWidget) -> QRect:
    return QRect(widget.mapTo(ancestor, QPoint(0, 0)), widget.size())


def _reachable(window: MainWindow, widget: QWidget) -> bool:
    """Visible, inside the window, and not scrolled out of (or below) any scroll area around it."""
    if not widget.isVisible() or not window.rect().contains(_rect_in(widget, window)):
        return False
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, QAbstractScrollArea) and not parent.viewport().rect().contains(
                _rect_in(widget, parent.viewport())):
            return False
        parent = parent.parentWidget()
    return True


def _rows_on_screen(window: MainWindow) -> int:
    table = window.queue_panel.table
    viewport = table.viewport().rect()
    return sum(1 for row in range(window.products.rowCount())
               if viewport.contains(table.visualRect(window.products.index(row, 0))))


def _row_buttons_fit(window: MainWindow) -> bool:
    """Every button under the names (讲解/结束讲解, 上架/下架, 去秒杀) inside its name cell, each wide
    enough for its whole label (nothing clipped or cut)."""
    table = window.queue_panel.table
    name_cell = table.visualRect(window.products.index(0, Col.NAME))
    return not name_cell.isEmpty() and _buttons_fit(name_cell, table.font())


def _buttons_fit(name_cell: QRect, font: QFont) -> bool:
    small, boxes = QueueDelegate.button_layout(name_cell, font)
    metrics = QFontMetrics(small)
    return all(name_cell.contains(box) and all(
        metrics.horizontalAdvance(action_label(action, explaining=e, listed=li)) < box.width()
        for e in (False, True) for li in (False, True)) for action, box in boxes)


def test_the_default_laptop_layout_shows_8_products_15_comments_and_every_live_button(
    qtbot: QtBot, tmp_path: Path
) -> None:
    window, engine = _window(qtbot, tmp_path)
    engine.execute(Command("explain", {"no": 12}))  # the strip at its full height
    qtbot.waitUntil(lambda: _rows_on_screen(window) >= 8)  # the docks settle after the first show
    assert window.feed.list_view.viewport().height() >= 15 * ROW_HEIGHT
    # Wide enough for every row button (讲解, 下架, 秒杀) under the product's name, also when the header's
    # numbers have grown wide late in a big show.
    for tile, value in ((window.header.clock, "3:02:03"), (window.header.online, "2,345"),
                        (window.header.orders, "1,234"), (window.header.gmv, "¥98,765.40")):
        tile.set_value(value)
    gmv = window.header.gmv.value
    qtbot.waitUntil(lambda: gmv.width() >= gmv.sizeHint().width())  # the header has taken the new numbers
    qtbot.waitUntil(lambda: window.centralWidget().width() >= window.header.minimumSizeHint().width())
    qtbot.waitUntil(lambda: _row_buttons_fit(window))
    assert _reachable(window, window.anchor_strip)
    sale_tab = window.promotions.sale_tab
    # 准备秒杀 / 开始秒杀 and the 发给主播 box, above the fold: no scrolling, not under a tab bar.
    for widget in (sale_tab.prepare_sale_button, sale_tab.start_sale_button, window.promotions.note_edit,
                   window.promotions.note_button, window.queue_panel.explain_button,
                   window.header.session_button):
        assert _reachable(window, widget), widget.text() if hasattr(widget, "text") else widget
    scroll = window.promotions.parentWidget().parentWidget()
    assert isinstance(scroll, QScrollArea)
    assert scroll.verticalScrollBar().value() == 0
    # A running flash sale: its countdown on the strip and 停止秒杀 stay on screen.
    engine.execute(Command("explain", {"no": 3}))
    assert engine.execute(Command("start_flash_sale", {"no": 3, "price_fen": 6990, "stock": 40,
                                                       "duration_s": 60})).applied
    window.promotions.redraw()
    qtbot.waitUntil(lambda: window.anchor_strip.countdown_label.isVisible())
    assert _reachable(window, window.anchor_strip.countdown_label)
    assert _reachable(window, window.anchor_strip.price_label)
    qtbot.waitUntil(lambda: _reachable(window, window.promotions.stop_sale_button))
    # The next sale can be prepared and started while this one runs, without scrolling.
    for widget in (sale_tab.prepare_sale_button, sale_tab.start_sale_button):
        assert _reachable(window, widget), widget.text()
    assert scroll.verticalScrollBar().value() == 0
    assert _rows_on_screen(window) >= 8
    window.promotions.shutdown()


def test_a_layout_saved_on_a_bigger_screen_is_reset_and_says_so(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(MainWindow, "available_size", lambda self: QSize(1920, 1080))
    big, _ = _window(qtbot, tmp_path)
    big.resize(1920, 1080)
    qtbot.waitUntil(lambda: big.width() == 1920)
    big.close()  # saves its layout
    monkeypatch.setattr(MainWindow, "available_size", lambda self: QSize(1366, 768))
    engine = SessionEngine()
    window = MainWindow(engine, Show(engine), SourceSpec("generic", "ws://127.0.0.1:1"),
                        load_products_csv(demo_catalog_path()), Settings(tmp_path / "s.json"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert "已恢复默认布局" in window.statusBar().currentMessage()
    assert window.width() <= 1366
    assert window.height() <= 768
    qtbot.waitUntil(lambda: _rows_on_screen(window) >= 8)  # the laptop layout, not three squeezed columns
    assert window.rect().contains(_rect_in(window.statusBar(), window))
    window.close()
    # Saved on this screen, it comes back as it was, without a word.
    again = MainWindow(engine, Show(engine), SourceSpec("generic", "ws://127.0.0.1:1"), [],
                       Settings(tmp_path / "s.json"))
    qtbot.addWidget(again)
    again.show()
    assert again.statusBar().currentMessage() == ""


def test_pinning_a_long_question_keeps_the_window_on_a_laptop_screen(qtbot: QtBot, tmp_path: Path) -> None:
    window, engine = _window(qtbot, tmp_path)
    before = window.minimumSizeHint().width()
    engine.submit([LiveEvent(Kind.COMMENT, time.time(), user_id="u1", user_name="爱问的观众", text=LONG_QUESTION)])
    (comment,) = engine.drain()
    assert engine.execute(Command("pin_comment", {"seq": comment.seq})).result == "applied"
    qtbot.waitUntil(lambda: window.pinned_banner.isVisible())
    # The whole question is on the banner, and the window did not grow to fit it on one line.
    assert window.pinned_banner.text.text() == LONG_QUESTION
    assert window.minimumSizeHint().width() == before
    assert window.width() <= 1366


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_console_fits_a_laptop_screen_in_either_language(qtbot: QtBot, tmp_path: Path, language: str) -> None:
    """English words are longer: the docks' buttons must still let the window be 1366 px wide."""
    from app.core.i18n import set_language

    set_language(language)
    window, engine = _window(qtbot, tmp_path)
    engine.execute(Command("explain", {"no": 1}))
    assert window.minimumSizeHint().width() <= 1366
    assert window.width() <= 1366
    # The row buttons, whose English labels are the longest, fit under the names: in this layout, and in
    # the narrowest name column a live show leaves them on a laptop (English header, feed and 营销 dock
    # at their widest: about 135 px).
    qtbot.waitUntil(lambda: _row_buttons_fit(window))
    row_height = window.queue_panel.table.visualRect(window.products.index(0, Col.NAME)).height()
    assert _buttons_fit(QRect(0, 0, 135, row_height), window.queue_panel.table.font())


def test_the_flash_sale_price_warning_is_whole_in_english_on_a_laptop(qtbot: QtBot, tmp_path: Path) -> None:
    """While a sale runs, a row's Sale at the usual price: the warning is whole, the 库存 row below it,
    and 准备/开始/停止秒杀 on screen without scrolling."""
    from app.core.i18n import set_language

    set_language("en")
    window, engine = _window(qtbot, tmp_path)
    engine.execute(Command("explain", {"no": 3}))
    assert engine.execute(Command("start_flash_sale", {"no": 3, "price_fen": 6990, "stock": 40,
                                                       "duration_s": 60})).applied
    window.open_flash_sale(1)  # the form from the defaults, at the usual price
    sale_tab = window.promotions.sale_tab
    qtbot.waitUntil(sale_tab.price_warning.isVisible)
    assert "no extra saving" in sale_tab.price_warning.text()
    qtbot.waitUntil(lambda: _warning_whole(sale_tab))
    buttons = (sale_tab.prepare_sale_button, sale_tab.start_sale_button, window.promotions.stop_sale_button,
               window.promotions.note_edit)
    qtbot.waitUntil(lambda: all(_reachable(window, button) for button in buttons))  # the dock settles
    window.promotions.shutdown()


def test_a_long_price_warning_wraps_in_a_narrow_form_instead_of_being_cut(qtbot: QtBot) -> None:
    """A tab gives a wrapped label one line's height unless it keeps its own: the 营销 dock made narrow."""
    from app.core.i18n import set_language

    set_language("en")
    engine = SessionEngine()
    engine.load_catalog(load_products_csv(demo_catalog_path()))
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    sale_tab = FlashSaleTab(engine, lambda cmd, _status: engine.execute(cmd))
    tabs.addTab(sale_tab, "Flash sale")
    sale_tab.draw_products()
    tabs.resize(260, 700)
    tabs.show()
    qtbot.waitExposed(tabs)
    sale_tab.open_for(1)
    warning = sale_tab.price_warning
    qtbot.waitUntil(warning.isVisible)
    assert warning.fontMetrics().horizontalAdvance(warning.text()) > warning.width()  # it wraps here
    qtbot.waitUntil(lambda: _warning_whole(sale_tab))
    assert warning.lines_height() >= 2 * warning.fontMetrics().height()


def _warning_whole(sale_tab: FlashSaleTab) -> bool:
    """The price warning as tall as its wrapped lines, and the 库存 row below it, not over it."""
    warning = sale_tab.price_warning
    return (warning.height() >= warning.lines_height() > 0
            and _rect_in(warning, sale_tab).bottom() < _rect_in(sale_tab.sale_stock, sale_tab).top())


@pytest.mark.parametrize("language", ["zh", "en"])
def test_questions_read_as_words_in_the_narrow_questions_pane_of_a_laptop(
    qtbot: QtBot, tmp_path: Path, language: str
) -> None:
    """Beside the feed on 1366×768 the pane is under 200 px: each question gets a line of its own under
    its tag and name, a short one whole, a long one its first words and "…", and all of it in the tooltip."""
    from app.core.i18n import set_language

    set_language(language)
    window, engine = _window(qtbot, tmp_path)
    engine.submit([LiveEvent(Kind.COMMENT, time.time(), user_id=f"u{n}", user_name="爱问的观众", text=text,
                             msg_id=f"q{n}") for n, text in enumerate(("3号有XL吗？", LONG_QUESTION))])
    window.comments.add_events(engine.drain())
    pane = window.comments.questions
    pane.model.flush_now()
    assert pane.width() < 200
    qtbot.waitUntil(lambda: pane.delegate.compact)
    view = pane.list_view
    long_row, short_row = (pane.proxy.index(row, 0) for row in range(2))  # newest first
    qtbot.waitUntil(lambda: view.visualRect(long_row).height() == COMPACT_ROW_HEIGHT)  # two lines

    def shown(index: QModelIndex) -> str:
        return pane.delegate.text_shown(index.data(Qt.ItemDataRole.UserRole + 1), view.visualRect(index))

    assert shown(short_row) == "3号有XL吗？"
    assert shown(long_row).endswith("…")
    assert LONG_QUESTION.startswith(shown(long_row)[:-1])
    assert len(shown(long_row)) >= 8  # words, not a sliver
    assert view.visualRect(long_row).right() <= view.viewport().rect().right()  # the "…" is not cut off
    assert LONG_QUESTION in long_row.data(Qt.ItemDataRole.ToolTipRole)
    assert window.width() <= 1366


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_wave_of_buying_for_many_products_keeps_the_window_on_a_laptop_screen(
    qtbot: QtBot, tmp_path: Path, language: str
) -> None:
    """The intent counters above the feed ("No. 3 wants ×9 · No. 7 wants ×4 …") give way to the window:
    cut, they end in "…" with the whole line in the tooltip, and the window stays 1366 px wide."""
    from app.core.i18n import set_language

    set_language(language)
    window, engine = _window(qtbot, tmp_path)
    before = window.minimumSizeHint().width()
    engine.submit([LiveEvent(Kind.COMMENT, time.time(), user_id=f"u{n}", user_name=f"观众{n}",
                             text=f"{n % 12 + 1}号 扣1", msg_id=f"i{n}") for n in range(60)])
    engine.drain()  # to the window, as every batch
    label = window.feed.intent_label
    qtbot.waitUntil(lambda: "×5" in label.text() or "…" in label.text())
    assert window.minimumSizeHint().width() == before
    assert window.width() <= 1366
    assert label.fontMetrics().horizontalAdvance(label.text()) <= label.width()
    if label.text().endswith("…"):  # cut to fit: the whole line is in its tooltip
        assert label.toolTip().count("×5") == 3


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_questions_count_stays_whole_in_the_narrow_pane_of_a_laptop(
    qtbot: QtBot, tmp_path: Path, language: str
) -> None:
    """"Questions 12 · open 12" does not fit beside the 未回答 button in English: a shorter wording ("12 · open
    12", at the least "12/12") keeps both numbers whole instead of cutting the title to "Quest"; the whole
    title is the tooltip."""
    from app.core.i18n import set_language

    set_language(language)
    window, engine = _window(qtbot, tmp_path)
    engine.submit([LiveEvent(Kind.COMMENT, time.time(), user_id=f"u{n}", user_name="爱问的观众",
                             text=f"{n}号有XL吗？", msg_id=f"q{n}") for n in range(1, 13)])
    engine.drain()  # the window is handed the batch
    pane = window.comments.questions
    pane.model.flush_now()
    assert pane.model.rowCount() == 12
    title = pane.title
    count = 12
    qtbot.waitUntil(lambda: str(count) in title.text())
    shown = title.text()
    assert shown.count(str(count)) == 2, shown
    assert "…" not in shown
    assert title.fontMetrics().horizontalAdvance(shown) <= title.width()
    whole = "Questions {n} · open {n}" if language == "en" else "观众提问 {n} · 未回答 {n}"
    assert title.full_text == whole.format(n=count)
    assert window.width() <= 1366
