"""The console on a 1366×768 laptop: nothing the show does may push the window wider than the screen."""

from __future__ import annotations

import time
from pathlib import Path

from pytestqt.qtbot import QtBot

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.events import Command, Kind, LiveEvent
from app.core.settings import Settings
from app.engine.session import SessionEngine
from app.show.show import Show, SourceSpec
from ui.live.main_window import MainWindow

LONG_QUESTION = ("主播我想问一下这个羊毛大衣的尺码是偏大还是偏小，我平时穿M码身高165体重110斤应该买哪个码，"
                 "还有颜色有没有色差，能不能七天无理由退换货呀谢谢")


def _window(qtbot: QtBot, tmp_path: Path) -> tuple[MainWindow, SessionEngine]:
    engine = SessionEngine()
    window = MainWindow(engine, Show(engine), SourceSpec("generic", "ws://127.0.0.1:1"),
                        load_products_csv(demo_catalog_path()), Settings(tmp_path / "s.json"))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    return window, engine


def test_pinning_a_long_question_keeps_the_window_on_a_laptop_screen(
    qtbot: QtBot, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LIVEDECK_HOME", str(tmp_path))
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
