"""The platform console's health in the header, beside the source's light (ui/common/status_indicator.py).

:class:`ConsoleStatusIndicator` shows a :class:`~app.connectors.console.status.ConsoleStatus`: a dot in
the state's colour, the state in words with the actions done and failed ("中控台已连接 · 成功 3 · 失败 1"),
and the last problem inline in the state's colour (elided; on a laptop-sized window only in the tooltip,
which also has the whole line, the account and the counters) — "找不到 3 号商品的讲解按钮：平台页面可能已改版"
is on screen the moment it happens. Both lines give way (elided) rather than widen the window. Clicking
it opens 场次 → 连接平台中控台….

The connector tells its status on its own thread; :class:`ConsoleStatusRelay` carries each one to the
Qt thread through a queued signal before any widget is touched.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QHBoxLayout, QWidget

from app.connectors.console.status import ConsoleState, ConsoleStatus
from app.core.i18n import tr
from ui.common import theme
from ui.common.elided_label import ElidedLabel
from ui.common.status_indicator import StatusDot

#: Dot (and problem line) colour per state: green connected, amber on the way or waiting for the QR
#: login, red unusable, grey disconnected.
STATE_COLORS: dict[ConsoleState, str] = {
    ConsoleState.CONNECTED: "green",
    ConsoleState.STARTING: "amber",
    ConsoleState.LOGIN_NEEDED: "amber",
    ConsoleState.FAILED: "red",
    ConsoleState.STOPPED: "grey",
}
#: The state line's and the problem line's widest, in pixels; both give way down to nothing (the header
#: must fit a laptop beside the docks).
STATE_WIDTH_PX = 240
PROBLEM_WIDTH_PX = 260


class ConsoleStatusRelay(QObject):
    """Hands console statuses from the connector's thread to the Qt thread: connect :attr:`changed`, pass
    :meth:`hear` to ``Show.add_console_listener``."""

    changed = Signal(object)

    def hear(self, status: ConsoleStatus) -> None:
        """Any thread: the status arrives through :attr:`changed` on the relay's (the Qt) thread."""
        self.changed.emit(status)


def listen_on_qt_thread(parent: QObject, subscribe: Callable[[Callable[[ConsoleStatus], None]], Callable[[], None]],
                        listener: Callable[[ConsoleStatus], None]) -> Callable[[], None]:
    """Subscribe ``listener`` through ``subscribe`` (``Show.add_console_listener``) so that it runs on
    the Qt thread; returns the unsubscriber. The relay lives as long as ``parent``."""
    relay = ConsoleStatusRelay(parent)
    relay.changed.connect(listener, Qt.ConnectionType.QueuedConnection)
    return subscribe(relay.hear)


def status_colour(status: ConsoleStatus) -> str:
    """The theme colour of ``status``: its state's, or red when connected with a failed action to tell."""
    return "red" if status.failed and status.reason and status.state is ConsoleState.CONNECTED \
        else STATE_COLORS.get(status.state, "grey")


def counts_text(status: ConsoleStatus, *, compact: bool = False) -> str:
    """The state in words with the actions done and failed (``compact``: only the failures, if any)."""
    if compact:
        return tr("{state} · 失败 {failed}", state=status.label(), failed=status.failed) if status.failed \
            else status.label()
    return tr("{state} · 成功 {done} · 失败 {failed}", state=status.label(), done=status.done, failed=status.failed)


class ConsoleStatusIndicator(QWidget):
    """The header's console light; hidden until :meth:`set_status` is first called."""

    #: The user clicked it (the window opens the console dialog).
    clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("consoleStatus")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.dot = StatusDot(self)
        self.label = ElidedLabel(STATE_WIDTH_PX, self)
        self.label.setObjectName("consoleStatusText")
        self.problem = ElidedLabel(PROBLEM_WIDTH_PX, self)
        self.problem.setObjectName("consoleProblem")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 4, 2)
        layout.setSpacing(6)
        layout.addWidget(self.dot)
        layout.addWidget(self.label, 0)
        layout.addWidget(self.problem, 1)
        self._status = ConsoleStatus(state=ConsoleState.STOPPED)
        self._compact = False
        self.setAccessibleName(tr("平台中控台状态"))
        self.hide()

    @property
    def status(self) -> ConsoleStatus:
        return self._status

    @property
    def text(self) -> str:
        """The state and counts as shown (elided only when even that does not fit)."""
        return self.label.full_text

    @property
    def problem_text(self) -> str:
        """The whole last problem line ('' when there is none)."""
        return self._status.reason

    def set_status(self, status: ConsoleStatus) -> None:
        """Show ``status`` (on the Qt thread: see :class:`ConsoleStatusRelay`)."""
        self._status = status
        self._render()
        self.show()

    def _render(self) -> None:
        status = self._status
        self.dot.set_color(theme.color(STATE_COLORS.get(status.state, "grey")))
        self.label.set_full_text(counts_text(status, compact=self._compact))
        problem = status.reason
        self.problem.set_full_text(problem)
        self.problem.setStyleSheet(f"color: {theme.COLORS[status_colour(status)]};")
        self.problem.setVisible(bool(problem) and not self._compact)
        lines = [status.describe(), counts_text(status)]
        if status.account:
            lines.append(tr("账号：{name}", name=status.account))
        lines.append(tr("读到的事件：{n}，格式错误已跳过：{m}", n=status.events, m=status.malformed))
        self.setToolTip("\n".join(lines))
        self.setAccessibleDescription(status.describe())

    def set_compact(self, compact: bool) -> None:
        """On a laptop the problem line lives in the tooltip only, so the header never widens the window."""
        self._compact = compact
        self._render()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mousePressEvent(event)
