"""The source health light in the header: a coloured dot and one line of status text."""

from __future__ import annotations

import time

from PySide6.QtCore import QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QHideEvent, QMouseEvent, QPainter, QPaintEvent, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from app.core.i18n import tr
from app.core.units import format_time_of_day
from app.sources.base import SourceState, SourceStatus
from ui.common import theme

#: Dot colour per state: green live, amber on the way, red refused, grey stopped.
STATE_COLORS: dict[SourceState, str] = {
    SourceState.LIVE: "green",
    SourceState.CONNECTING: "amber",
    SourceState.RECONNECTING: "amber",
    SourceState.FAILED: "red",
    SourceState.STOPPED: "grey",
}

#: States whose text counts down to the next attempt ("N 秒后重连").
COUNTDOWN_STATES = frozenset({SourceState.RECONNECTING, SourceState.FAILED})


class StatusDot(QWidget):
    """A filled circle in one colour."""

    def __init__(self, parent: QWidget | None = None, diameter: int = 10) -> None:
        super().__init__(parent)
        self._diameter = diameter
        self._color = theme.color("grey")
        self.setFixedSize(QSize(diameter + 4, diameter + 4))

    @property
    def color(self) -> QColor:
        return QColor(self._color)

    def set_color(self, color: QColor) -> None:
        if color != self._color:
            self._color = QColor(color)
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self._color)
        painter.drawEllipse(QRectF(2, 2, self._diameter, self._diameter))
        painter.end()


class SourceStatusIndicator(QWidget):
    """Shows a source's :class:`SourceStatus`: a dot, ``SourceStatus.describe()``, counters in the tooltip.

    While reconnecting or failed, a 1 s timer refreshes the text so "N 秒后重连" counts down to the
    status's monotonic ``retry_at``; the timer runs only then, and only while the widget is visible.
    """

    #: The user clicked the indicator (the window opens the source health panel).
    clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sourceStatus")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.dot = StatusDot(self)
        self.label = QLabel(self)
        self.label.setObjectName("sourceStatusText")
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(6)
        layout.addWidget(self.dot)
        layout.addWidget(self.label, 1)
        self._status = SourceStatus(state=SourceState.STOPPED)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._refresh_text)
        self.set_status(self._status)

    @property
    def status(self) -> SourceStatus:
        return self._status

    @property
    def text(self) -> str:
        """The status line as shown."""
        return self.label.text()

    @property
    def countdown_active(self) -> bool:
        """Whether the 1 s countdown timer is running."""
        return self._timer.isActive()

    def set_status(self, status: SourceStatus) -> None:
        """Show ``status`` (call it from the source's status listener, on the GUI thread)."""
        self._status = status
        self.dot.set_color(theme.color(STATE_COLORS.get(status.state, "grey")))
        self.retranslate()
        self._update_timer()

    def retranslate(self) -> None:
        """Re-read the text and tooltip (after :func:`app.core.i18n.set_language`)."""
        self._refresh_text()
        status = self._status
        lines = [
            status.describe(),
            tr("收到帧：{n}", n=status.frames),
            tr("事件：{n}", n=status.events),
            tr("格式错误：{n}", n=status.malformed),
            tr("重连次数：{n}", n=status.reconnects),
        ]
        if status.connected_since is not None:
            since = format_time_of_day(status.connected_since)
            lines.append(tr("连接于 {time}", time=since))
        self.setToolTip("\n".join(lines))
        self.setAccessibleName(tr("直播源状态"))
        self.setAccessibleDescription(self.label.text())

    def _refresh_text(self) -> None:
        self.label.setText(self._status.describe())
        if self._status.state in COUNTDOWN_STATES and self._remaining() <= 0:
            self._timer.stop()  # stays at "0 秒" until the source reports its next attempt

    def _remaining(self) -> float:
        retry_at = self._status.retry_at
        return 0.0 if retry_at is None else retry_at - time.monotonic()

    def _update_timer(self) -> None:
        counting = (
            self._status.state in COUNTDOWN_STATES
            and self._status.retry_at is not None
            and self._remaining() > 0
            and self.isVisible()
        )
        if counting and not self._timer.isActive():
            self._timer.start()
        elif not counting:
            self._timer.stop()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._refresh_text()
        self._update_timer()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._timer.stop()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.clicked.emit()
        super().mouseReleaseEvent(event)
