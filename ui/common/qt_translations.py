"""Qt's own texts (standard buttons, file dialogs, context menus) in the UI language.

Our strings go through :func:`app.core.i18n.tr`; Qt's are translated by the ``qtbase`` catalogs PySide6
ships (``QLibraryInfo.path(TranslationsPath)``). :func:`install_qt_translations` loads the one for the
current language where the QApplication is made (ui/console.py, ui/screenshots.py) and again after a
language change; English, Qt's source language, needs none. File dialogs are Qt's own (not the desktop's),
so they follow the UI language instead of the system's.

A language chosen in 视图 → 语言 takes effect at the next start, for our texts and Qt's alike: the windows
build their texts once, and switching only Qt's catalog would leave a console half in each language. The
menu says so in its title (语言 / Language（重启后生效）), and choosing one says it again.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, Qt, QTranslator

from app.core.i18n import DEFAULT_LANGUAGE, language, tr

log = logging.getLogger("livedeck.ui")

QT_LOCALES = {"zh": "zh_CN", "en": "en_US"}
"""The Qt locale of each UI language (app.core.i18n.LANGUAGES)."""


def _gaps() -> dict[tuple[str, str], str]:
    """Qt texts the shipped zh_CN catalog leaves out, as (context, source) → our Chinese."""
    return {
        ("QFileDialog", "&Look in:"): tr("查找范围(&L)："),
        ("QFileDialog", "Files of &type:"): tr("文件类型(&T)："),
    }


class _GapTranslator(QTranslator):
    """The few strings the qtbase catalog misses; every other text falls through to it."""

    def __init__(self) -> None:
        super().__init__()
        self._texts = _gaps()

    def translate(self, context: str, source: str, disambiguation: str | None = None, n: int = -1) -> str | None:  # type: ignore[override]
        return self._texts.get((context, source))

    def isEmpty(self) -> bool:  # Qt's name
        return False


_installed: list[QTranslator] = []


def install_qt_translations(app: QCoreApplication, lang: str | None = None) -> bool:
    """Make Qt's own texts speak ``lang`` (default: the current UI language), replacing any loaded before.

    Returns True when a catalog is in place (False for English, or when Qt's catalog is missing, which
    is logged: the UI then still works, with Qt's English buttons).
    """
    lang = lang or language()
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    app.setAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs, True)
    QLocale.setDefault(QLocale(QT_LOCALES.get(lang, QT_LOCALES[DEFAULT_LANGUAGE])))
    if lang == "en":
        return False
    base = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not base.load(f"qtbase_{QT_LOCALES[lang]}", folder):
        log.warning("Qt's own translation qtbase_%s not found in %s", QT_LOCALES[lang], folder)
        return False
    gaps = _GapTranslator()
    for translator in (base, gaps):  # the last installed is asked first
        app.installTranslator(translator)
        _installed.append(translator)
    return True
