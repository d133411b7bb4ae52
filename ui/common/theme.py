"""The dark live-room theme: one style sheet, one palette of named colours, and CJK font fallback.

Widgets that paint themselves (the comment feed's delegate, the status dot) take their colours from
:data:`COLORS` so they match ``resources/theme/dark.qss``.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from app.core.paths import RESOURCES

THEME_DIR = RESOURCES / "theme"

#: Preferred UI fonts for Chinese, best first: Windows, macOS, then Linux.
CJK_FONT_PREFERENCE: tuple[str, ...] = (
    "Microsoft YaHei UI",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
)

#: Colour-emoji fonts; without one, emoji render as boxes and we paint our own icons.
EMOJI_FONTS: tuple[str, ...] = ("Segoe UI Emoji", "Apple Color Emoji", "Noto Color Emoji", "Twemoji")

BASE_PIXEL_SIZE = 14

#: Named colours shared by the style sheet and self-painting widgets.
COLORS: dict[str, str] = {
    "background": "#111114",
    "surface": "#1b1b20",
    "surface_hover": "#25252c",
    "border": "#2e2e36",
    "text": "#f2f2f5",
    "text_dim": "#8a8a96",
    "accent": "#ff5a36",  # the warm red-orange live commerce apps use for "buy"
    "accent_soft": "#ff8a5c",
    "user": "#ffb36b",
    "gold": "#ffcc33",
    "green": "#3ddc84",
    "amber": "#ffb020",
    "red": "#ff4d4f",
    "grey": "#6e6e7a",
    "question": "#4da3ff",
    "selection": "#4da3ff",  # the selected row's frame: a cool blue, visible on the accent 讲解中 row too
    "selection_fill": "#1d3350",
}


def color(name: str) -> QColor:
    """A theme colour as a QColor."""
    return QColor(COLORS[name])


def cjk_font_families() -> list[str]:
    """The preferred CJK font families installed here, best first (also for matplotlib's fallback list).

    Needs a QGuiApplication (the font database is per application).
    """
    available = set(QFontDatabase.families())
    return [family for family in CJK_FONT_PREFERENCE if family in available]


def has_emoji_font() -> bool:
    """Whether a colour-emoji font is installed (Windows and macOS always have one)."""
    available = set(QFontDatabase.families())
    return any(family in available for family in EMOJI_FONTS)


def ui_font(pixel_size: int = BASE_PIXEL_SIZE, *, bold: bool = False) -> QFont:
    """The UI font at ``pixel_size`` with the CJK fallback list."""
    font = QFont()
    families = cjk_font_families()
    if families:
        font.setFamilies(families)
    font.setPixelSize(pixel_size)
    font.setBold(bold)
    return font


def style_sheet() -> str:
    """The dark theme's style sheet."""
    return (THEME_DIR / "dark.qss").read_text(encoding="utf-8")


def apply_theme(app: QApplication) -> None:
    """Give ``app`` the dark theme and a CJK-capable base font."""
    app.setFont(ui_font())
    app.setStyleSheet(style_sheet())
