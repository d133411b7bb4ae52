"""A scroll area for a dock's panel that gives the panel the whole viewport, down to its minimum height."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QScrollArea, QWidget


class FitScrollArea(QScrollArea):
    """A frameless scroll area that gives its panel the whole viewport, down to the panel's *minimum*
    height, so a dock can be shorter than the panel's form. (QScrollArea's own resizing keeps a panel
    with word-wrapped labels at its preferred height, which put the 发给主播 box below the fold on a
    1366×768 laptop.)"""

    def __init__(self, panel: QWidget) -> None:
        super().__init__()
        self.setWidget(panel)
        self.setWidgetResizable(False)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        panel.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.fit()
        return False

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()

    def fit(self) -> None:
        panel = self.widget()
        if panel is None:
            return
        room = self.maximumViewportSize()
        minimum = panel.minimumSizeHint()
        height = max(room.height(), minimum.height())
        width = room.width() - (self.verticalScrollBar().sizeHint().width() if height > room.height() else 0)
        panel.resize(max(width, minimum.width()), height)
