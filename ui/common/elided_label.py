"""A one-line label that elides with … instead of widening its window."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    """One line that gives way: it asks for its whole text up to ``widest`` pixels but can shrink to
    nothing, eliding with … to whatever width the layout leaves it (a laptop's header, the feed's intent
    counters). With ``tooltip`` the whole text is the tooltip once it is cut."""

    def __init__(self, widest: int, parent: QWidget | None = None, *, tooltip: bool = False) -> None:
        super().__init__(parent)
        self._full = ""
        self._widest = widest
        self._tooltip = tooltip
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    @property
    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str) -> None:
        self._full = text
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
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, max(0, self.width()))
        self.setText(shown)
        if self._tooltip:
            self.setToolTip(self._full if shown != self._full else "")
