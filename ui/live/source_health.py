"""The source health panel: what the current source has been through, for a streamer asking "is it me or
the platform?". Opened by clicking the header's status light.

Everything derives from :class:`app.sources.base.SourceStatus`. Sources notify listeners on state
changes only (frames and events count up silently), so while the panel is visible a 1 Hz timer reads
the live status through ``status_getter``; hidden, it costs nothing. The panel also says whether the
session log is writing (``disk_full``: the log's disk is full, events are held in memory), and
:class:`DiskFullNotice` says the same in the status bar for as long as it lasts. It counts the events
refused for their time (``bad_ts``): the source's own (before 2000, in milliseconds, far ahead) plus the
engine's (``engine_bad_ts``: outside the session's window, app/engine/session.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QVBoxLayout, QWidget

from app.core.i18n import tr
from app.core.units import format_clock, format_time_of_day
from app.show.console_feed import CONSOLE_SOURCE, CONSOLE_SOURCE_INFO
from app.sources import FORMATS, source_info
from app.sources.base import SourceStatus
from ui.common import theme

#: Unknown message types listed, most frequent first.
TOP_UNKNOWN = 5


class SourceHealthPanel(QFrame):
    """A compact table of one source's health.

    Args:
        status_getter: returns the current source's live status (None before the first session).
        disk_full: whether the session log's disk is full.
        engine_bad_ts: events the engine refused for a time outside the session's window.
    """

    def __init__(self, status_getter: Callable[[], SourceStatus | None] | None = None,
                 parent: QWidget | None = None, *, disk_full: Callable[[], bool] | None = None,
                 engine_bad_ts: Callable[[], int] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sourceHealth")
        self._disk_full = disk_full
        self._engine_bad_ts = engine_bad_ts
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._getter = status_getter
        self._status: SourceStatus | None = None
        self.title = QLabel(tr("直播源健康"), self)
        self.title.setStyleSheet("font-weight: bold;")
        self.values: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        for key, caption in (
            ("platform", tr("平台")),
            ("state", tr("状态")),
            ("since", tr("本次连接")),
            ("reconnects", tr("重连次数")),
            ("frames", tr("收到帧")),
            ("events", tr("事件")),
            ("malformed", tr("格式错误（已跳过）")),
            ("bad_ts", tr("时间超出范围（已拒绝）")),
            ("unknown", tr("未识别的消息类型")),
            ("log", tr("场次日志")),
        ):
            label = QLabel("-", self)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
            self.values[key] = label
            form.addRow(caption, label)
        self.note = QLabel(tr("未识别的消息是平台新增或不需要的类型，通常无害；格式错误的帧会记入日志。"), self)
        self.note.setWordWrap(True)
        self.note.setStyleSheet(f"color: {theme.COLORS['text_dim']};")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(self.note)
        self.setMinimumWidth(340)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.refresh)
        self._show_status()

    @property
    def refreshing(self) -> bool:
        """Whether the 1 Hz refresh timer runs (only while visible)."""
        return self._timer.isActive()

    def set_status(self, status: SourceStatus) -> None:
        """Show ``status`` (the source's status listener calls this on the GUI thread)."""
        self._status = status
        self._show_status()

    def refresh(self) -> None:
        if self._getter is not None:
            status = self._getter()
            if status is not None:
                self._status = status
        self._show_status()

    def text(self, key: str) -> str:
        """The value shown for ``key`` (platform, state, since, reconnects, frames, events, malformed, bad_ts,
        unknown, log)."""
        return self.values[key].text()

    def _show_status(self, now: float | None = None) -> None:
        status = self._status
        values = self.values
        full = self._disk_full is not None and self._disk_full()
        values["log"].setText(disk_full_text() if full else tr("正常写入"))
        values["log"].setStyleSheet(f"color: {theme.COLORS['red']};" if full else "")
        if status is None:
            for key, label in values.items():
                if key != "log":
                    label.setText("-")
            return
        values["platform"].setText(_platform_label(status.format_name))
        values["state"].setText(status.describe())
        if status.connected_since is None:
            values["since"].setText(tr("未连接"))
        else:
            since = format_time_of_day(status.connected_since)
            age = max(0.0, (time.time() if now is None else now) - status.connected_since)
            values["since"].setText(tr("{time} 起，已 {duration}", time=since, duration=format_clock(age)))
        values["reconnects"].setText(f"{status.reconnects:,}")
        values["frames"].setText(f"{status.frames:,}")
        values["events"].setText(f"{status.events:,}")
        values["malformed"].setText(f"{status.malformed:,}")
        malformed_color = theme.COLORS["amber"] if status.malformed else theme.COLORS["text"]
        values["malformed"].setStyleSheet(f"color: {malformed_color};")
        bad_ts = status.bad_ts + (self._engine_bad_ts() if self._engine_bad_ts is not None else 0)
        values["bad_ts"].setText(f"{bad_ts:,}")
        values["bad_ts"].setStyleSheet(f"color: {theme.COLORS['amber'] if bad_ts else theme.COLORS['text']};")
        top = sorted(status.unknown.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_UNKNOWN]
        if not top:
            values["unknown"].setText(tr("无"))
        else:
            lines = [f"{name} × {count:,}" for name, count in top]
            rest = len(status.unknown) - len(top)
            if rest > 0:
                lines.append(tr("另有 {n} 种", n=rest))
            values["unknown"].setText("\n".join(lines))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()
        self._timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._timer.stop()


class SourceHealthPopup(SourceHealthPanel):
    """The panel as a popup under the header's status light; closes on a click elsewhere or Esc."""

    def __init__(self, status_getter: Callable[[], SourceStatus | None] | None = None,
                 parent: QWidget | None = None, *, disk_full: Callable[[], bool] | None = None,
                 engine_bad_ts: Callable[[], int] | None = None) -> None:
        super().__init__(status_getter, parent, disk_full=disk_full, engine_bad_ts=engine_bad_ts)
        self.setWindowFlags(Qt.WindowType.Popup)

    def show_below(self, anchor: QWidget) -> None:
        self.adjustSize()
        self.move(anchor.mapToGlobal(anchor.rect().bottomLeft()))
        self.show()


def disk_full_text() -> str:
    """What the console says while the session log's disk is full (in the current language)."""
    return tr("磁盘已满：新事件暂存在内存中，腾出空间后自动写入")


class DiskFullNotice(QLabel):
    """The status bar's permanent notice while the session log's disk is full; hidden otherwise."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("diskFullNotice")
        self.setStyleSheet(f"color: {theme.COLORS['red']}; font-weight: bold;")
        self.hide()

    def show_state(self, full: bool) -> None:
        """Show the notice while ``full`` (the console's 2 Hz refresh calls this)."""
        text = disk_full_text() if full else ""
        if self.text() != text:
            self.setText(text)
        self.setVisible(full)


def _platform_label(format_name: str) -> str:
    """The source's platform as its own :class:`app.sources.info.SourceInfo` names it ("-" when unknown)."""
    if format_name == CONSOLE_SOURCE:
        return CONSOLE_SOURCE_INFO.label()
    return source_info(format_name).label() if format_name in FORMATS else "-"
