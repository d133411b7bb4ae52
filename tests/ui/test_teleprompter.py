"""The teleprompter window: the explaining product in big type, notes from the main window, and
Advertising Law findings highlighted with their suggestion."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCharFormat
from pytestqt.qtbot import QtBot

from app.comments.adlaw import AdLawChecker
from app.commerce.catalog import Product
from app.core.clock import ManualClock
from app.core.events import Command
from app.core.settings import Settings
from app.core.units import format_time_of_day
from app.engine.session import SessionEngine
from app.show.show import Show, SourceSpec
from tests.ui.engines import live_engine
from ui.live.main_window import MainWindow
from ui.live.teleprompter import TeleprompterWindow, finding_at, suggestion_text

PRODUCTS = [
    Product(1, "p1", "保湿面霜", 9900, selling_points="这是最好的面霜\n最近很多宝宝回购"),
    Product(2, "p2", "坚果礼盒", 5990, selling_points="每日一包，营养均衡"),
]


@pytest.fixture
def engine() -> SessionEngine:
    return live_engine(PRODUCTS)


def test_teleprompter_follows_the_explaining_product_and_highlights_absolute_terms(
    qtbot: QtBot, engine: SessionEngine
) -> None:
    window = TeleprompterWindow(engine, AdLawChecker())
    qtbot.addWidget(window)
    window.show()
    assert window.name_label.text() == "（未在讲解商品）"
    engine.execute(Command("explain", {"no": 1}))
    assert window.name_label.text() == "1号 保湿面霜"
    assert window.price_label.text() == "¥99.00"
    assert "最好的面霜" in window.points.toPlainText()
    # 最好 is highlighted (wavy underline), 最近 is not
    block = window.points.document().firstBlock()
    ranges = block.layout().formats()
    assert [(r.start, r.length) for r in ranges] == [(2, 2)]
    assert ranges[0].format.underlineStyle() == QTextCharFormat.UnderlineStyle.WaveUnderline
    assert [f.word for f in window.findings()] == ["最好"]
    assert not block.next().layout().formats()
    assert "最好 → 很好/优秀" in window.findings_label.text()
    # hovering the word gives the suggestion
    window.points.verticalScrollBar().setValue(0)
    cursor = window.points.textCursor()
    cursor.setPosition(3)
    rect = window.points.cursorRect(cursor)
    finding = finding_at(window.points, window.checker, rect.center())
    assert finding is not None
    assert finding.word == "最好"
    assert suggestion_text(finding) == "广告法极限词「最好」，建议改为：很好/优秀"
    engine.execute(Command("explain", {"no": 2}))
    assert window.name_label.text() == "2号 坚果礼盒"
    assert window.findings() == []


def test_a_note_sent_from_the_main_window_appears_on_the_teleprompter(
    qtbot: QtBot, engine: SessionEngine, tmp_path: Path
) -> None:
    window = MainWindow(engine, Show(engine), SourceSpec("generic", "ws://127.0.0.1:1"), PRODUCTS,
                        Settings(tmp_path / "s.json"))
    qtbot.addWidget(window)
    engine.execute(Command("explain", {"no": 2}))
    window.teleprompter_action.trigger()
    prompter = window.teleprompter
    assert prompter is not None
    assert prompter.isVisible()
    assert prompter.name_label.text() == "2号 坚果礼盒"
    window.promotions.note_edit.setText("3号库存只剩 5 件")
    window.promotions.note_button.click()
    window.promotions.note_edit.setText("记得说包邮")
    window.promotions.note_button.click()
    sent = format_time_of_day(engine.clock.time())
    assert prompter.notes_view.toPlainText() == f"{sent}  记得说包邮\n\n{sent}  3号库存只剩 5 件"  # newest on top


def test_scrolling_runs_only_while_visible_with_a_speed(qtbot: QtBot, engine: SessionEngine) -> None:
    long_text = "\n".join(f"卖点 {i}：很好用" for i in range(60))
    engine.execute(Command("load_catalog", {"products": [
        Product(1, "p1", "长卖点", 100, selling_points=long_text).to_dict()]}))
    engine.execute(Command("explain", {"no": 1}))
    window = TeleprompterWindow(engine, AdLawChecker())
    qtbot.addWidget(window)
    window.show()
    assert not window._timer.isActive()
    window.speed.setValue(5)
    assert window._timer.isActive()
    window._scroll_step()
    window._scroll_step()
    assert window.points.verticalScrollBar().value() > 0
    window.hide()
    assert not window._timer.isActive()


def test_words_added_in_settings_are_highlighted_at_once(
    qtbot: QtBot, engine: SessionEngine, tmp_path: Path
) -> None:
    settings = Settings(tmp_path / "s.json")
    window = MainWindow(engine, Show(engine), SourceSpec("generic", "ws://127.0.0.1:1"), PRODUCTS, settings)
    qtbot.addWidget(window)
    engine.execute(Command("explain", {"no": 2}))
    prompter = window.open_teleprompter()
    assert prompter.findings() == []  # "营养均衡" is no built-in term
    dialog = window.edit_banned_words()
    dialog.editor.setPlainText("营养均衡=搭配丰富\n\n  ")
    dialog.accept()
    assert settings.get("banned_words") == ["营养均衡=搭配丰富"]
    assert Settings(tmp_path / "s.json").get("banned_words") == ["营养均衡=搭配丰富"]  # saved
    assert [(f.word, f.suggestion) for f in prompter.findings()] == [("营养均衡", "搭配丰富")]


def _console(qtbot: QtBot, engine: SessionEngine, tmp_path: Path, settings: Settings | None = None) -> MainWindow:
    window = MainWindow(engine, Show(engine), SourceSpec("generic", "ws://127.0.0.1:1"), PRODUCTS,
                        settings or Settings(tmp_path / "s.json"))
    qtbot.addWidget(window)
    return window


def test_f11_goes_full_screen_and_esc_and_ctrl_t_close_it(
    qtbot: QtBot, engine: SessionEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIVEDECK_HOME", str(tmp_path))
    window = _console(qtbot, engine, tmp_path)
    window.show()
    window.teleprompter_action.trigger()  # Ctrl+T in the console opens it
    prompter = window.teleprompter
    assert prompter is not None
    assert prompter.isVisible()
    prompter.activateWindow()
    qtbot.waitUntil(prompter.isActiveWindow)
    qtbot.keyClick(prompter.focusWidget() or prompter, Qt.Key.Key_F11)
    qtbot.waitUntil(prompter.isFullScreen)
    qtbot.keyClick(prompter.focusWidget() or prompter, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: not prompter.isFullScreen())
    qtbot.keyClick(prompter.focusWidget() or prompter, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not prompter.isVisible())
    window.teleprompter_action.trigger()
    assert prompter.isVisible()
    prompter.activateWindow()
    qtbot.waitUntil(prompter.isActiveWindow)
    qtbot.keyClick(prompter.focusWidget() or prompter, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not prompter.isVisible())
    window.teleprompter_action.trigger()
    window.teleprompter_action.trigger()  # Ctrl+T in the console closes it again
    assert not prompter.isVisible()


def test_the_teleprompter_shows_the_countdown_stock_and_explain_timer(
    qtbot: QtBot, engine: SessionEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIVEDECK_HOME", str(tmp_path))
    clock = engine.clock
    assert isinstance(clock, ManualClock)
    engine.execute(Command("update_product", {"no": 2, "fields": {"stock": 80}}))
    window = _console(qtbot, engine, tmp_path)
    engine.execute(Command("explain", {"no": 2}))
    prompter = window.open_teleprompter()
    assert prompter.price_label.text() == "¥59.90"
    assert prompter.facts_label.text() == "库存剩余 80件 · 已讲解 00:00"
    assert not prompter.countdown_label.isVisible()
    assert engine.execute(Command("start_flash_sale", {"no": 2, "price_fen": 3990, "stock": 30,
                                                       "duration_s": 10})).applied
    clock.advance(1)
    window.promotions.refresh_countdowns()
    window.refresh()
    assert prompter.countdown_label.isVisible()
    assert prompter.countdown_label.text() == "00:09"
    assert prompter.price_label.text() == "秒杀价 ¥39.90"
    assert prompter.facts_label.text() == "秒杀剩余件数 30件 · 已讲解 00:01"


def test_notes_are_checked_against_the_banned_words_too(
    qtbot: QtBot, engine: SessionEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIVEDECK_HOME", str(tmp_path))
    settings = Settings(tmp_path / "s.json")
    settings.set("banned_words", ["秒杀全网=很划算"])
    window = _console(qtbot, engine, tmp_path, settings)
    prompter = window.open_teleprompter()
    engine.execute(Command("note", {"text": "说一下这是第一名的销量"}))
    engine.execute(Command("note", {"text": "价格秒杀全网"}))
    assert sorted(f.word for f in prompter.note_findings()) == ["秒杀全网", "第一"]
    highlighted = [block.layout().formats() for block in _blocks(prompter.notes_view.document())]
    assert sum(len(formats) for formats in highlighted) == 2
    assert all(r.format.underlineStyle() == QTextCharFormat.UnderlineStyle.WaveUnderline
               for formats in highlighted for r in formats)


def _blocks(document):  # type: ignore[no-untyped-def]
    block = document.firstBlock()
    while block.isValid():
        yield block
        block = block.next()
