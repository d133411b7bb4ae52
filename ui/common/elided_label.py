"""A one-line label that elides with … instead of widening its window."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    """One line that gives way: it asks for its whole text up to ``widest`` pixels but can shrink to
    nothing, eliding with … to whatever width the layout leaves it (a laptop's header, the feed's intent
    counters). With ``tooltip`` the whole text is the tooltip once it is cut. ``shorter`` wordings, if
    given, are tried in turn before anything is cut ("观众提问 120 · 未回答 30" → "提问 120 · 未答 30"), so
    that the numbers stay whole in a narrow pane."""

    def __init__(self, widest: int, parent: QWidget | None = None, *, tooltip: bool = False) -> None:
        super().__init__(parent)
        self._full = ""
        self._shorter: tuple[str, ...] = ()
        self._widest = widest
        self._tooltip = tooltip
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    @property
    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str, shorter: tuple[str, ...] = ()) -> None:
        self._full = text
        self._shorter = shorter
        self._elide()
        self.updateGeometry()

    def sizeHint(self) -> QSize:
        wanted = min(self._widest, self.fontMetrics().horizontalAdvance(self._full) + 4)
        return QSize(wanted, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        metrics, width = self.fontMetrics(), max(0, self.width())
        wordings = (self._full, *self._shorter)
        shown = next((text for text in wordings if metrics.horizontalAdvance(text) <= width), None)
        if shown is None:
            shown = metrics.elidedText(wordings[-1], Qt.TextElideMode.ElideRight, width)
        self.setText(shown)
        if self._tooltip:
            self.setToolTip(self._full if shown != self._full else "")
