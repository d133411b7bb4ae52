"""视图 → 语言: the menu says a language takes effect after a restart, and choosing one keeps it in the
settings for the next start (ui/common/qt_translations.py says why the switch is not live)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from app.core.i18n import set_language
from app.core.settings import Settings
from app.engine.session import SessionEngine
from app.show.show import Show, SourceSpec
from ui.live.main_window import MainWindow


def _language_menu(window: MainWindow) -> QMenu:
    menus = [m for m in window.findChildren(QMenu) if m.title().startswith("语言 / Language")]
    assert len(menus) == 1, [m.title() for m in window.findChildren(QMenu)]
    return menus[0]


@pytest.mark.parametrize(("lang", "says"), [("zh", "重启后生效"), ("en", "after a restart")])
@pytest.mark.allow_modal
def test_the_language_menu_says_a_restart_switches_it_and_keeps_the_choice(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str, says: str
) -> None:
    monkeypatch.setenv("LIVEDECK_HOME", str(tmp_path))
    set_language(lang)
    shown: list[str] = []

    def information(_parent: QWidget, _title: str, text: str, *_args: object) -> QMessageBox.StandardButton:
        shown.append(text)  # what the box would tell the user; no modal loop in a test
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "information", information)
    engine = SessionEngine()
    settings = Settings(tmp_path / "s.json")
    window = MainWindow(engine, Show(engine), SourceSpec("generic", "ws://127.0.0.1:1"), [], settings)
    qtbot.addWidget(window)
    menu = _language_menu(window)
    assert says in menu.title()
    other = next(a for a in menu.actions() if a.text() == ("English" if lang == "zh" else "中文"))
    other.trigger()
    assert Settings(tmp_path / "s.json").get("language") == ("en" if lang == "zh" else "zh")
    assert len(shown) == 1
    assert ("重新启动" if lang == "zh" else "restart") in shown[0]
