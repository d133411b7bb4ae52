"""The pieces every 营销 form is made of: typed values checked field by field, a field with its error
beside it, a wrapped note that keeps the room its lines need, the big countdown, and the prepare → send
controls under a form.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.events import Command
from app.core.i18n import tr
from app.core.units import AmountError, format_clock, parse_yuan
from app.engine.commands import CommandResult

#: How a form sends a command: the panel executes it, says the outcome in ``status`` and redraws.
Send = Callable[[Command, QLabel], CommandResult]


class InputError(ValueError):
    """A value the user typed that cannot be sent; the message is shown next to the field."""


def countdown_text(seconds: float) -> str:
    """Remaining seconds as a countdown reads: rounded *up* (a sale with 9.2 s left shows 00:10 and
    never 00:00 while it still runs)."""
    return format_clock(math.ceil(max(0.0, seconds) - 1e-6))


def parse_price(text: str) -> int:
    """A promotion amount typed in yuan → fen; at least ¥0.01 (a flash sale or coupon never gives a
    product away — unlike a catalog price, where ¥0 is a gift). InputError otherwise."""
    try:
        fen = parse_yuan(text)
    except AmountError as exc:
        raise InputError(tr("金额必须大于 0") if exc.problem == "negative" else str(exc)) from None
    if fen == 0:
        raise InputError(tr("金额必须大于 0"))
    return fen


def parse_int(text: str, *, low: int = 1, allow_empty: bool = False, what: str = "") -> int | None:
    """A whole number ≥ ``low``; InputError otherwise (empty is None when ``allow_empty``)."""
    text = text.strip()
    if not text:
        if allow_empty:
            return None
        raise InputError(tr("请填写{what}", what=what))
    try:
        value = int(text)
    except ValueError:
        raise InputError(tr("{what}必须是整数", what=what)) from None
    if value < low:
        raise InputError(tr("{what}不能小于 {low}", what=what, low=low))
    return value


def parse_seconds(text: str, *, allow_zero: bool = False, allow_empty: bool = False) -> float | None:
    """Seconds as ``90``, ``1.5`` or ``mm:ss``; InputError otherwise."""
    text = text.strip()
    if not text:
        if allow_empty:
            return None
        raise InputError(tr("请填写秒数"))
    try:
        if ":" in text:
            minutes, _, secs = text.partition(":")
            value = int(minutes) * 60 + float(secs)
        else:
            value = float(text)
    except ValueError:
        raise InputError(tr("请输入秒数，例如 60 或 01:30")) from None
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise InputError(tr("时长必须大于 0") if not allow_zero else tr("不能是负数"))
    return value


class FieldRow(QWidget):
    """A line edit with its error message right beside it."""

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText(placeholder)
        self.error = QLabel(self)
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.error)
        self.edit.textEdited.connect(lambda _: self.set_error(""))

    def text(self) -> str:
        return self.edit.text()

    def set_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))
        self.edit.setProperty("invalid", bool(message))
        self.edit.style().polish(self.edit)


def collect(fields: dict[str, tuple[FieldRow, Any]]) -> dict[str, Any] | None:
    """Parse every field (``name → (row, parse)``); show each error beside its field. None if any."""
    values: dict[str, Any] = {}
    ok = True
    for name, (row, parse) in fields.items():
        try:
            values[name] = parse(row.text())
            row.set_error("")
        except InputError as exc:
            row.set_error(str(exc))
            ok = False
    return values if ok else None


class WrappedLabel(QLabel):
    """A word-wrapped label that keeps the height of all its lines at its width.

    Qt gives a wrapped label in a form inside a tab one line's height (a tab does not pass the
    height-for-width on), and the next row paints over the rest: an English warning under the price was
    cut. This one sets its minimum height to the lines it needs whenever its width or text changes, and
    asks for no height-for-width (which a tab drops)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        policy = self.sizePolicy()  # the minimum height says it all: no height-for-width to lose
        policy.setHeightForWidth(False)
        self.setSizePolicy(policy)

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), max(self.lines_height(), self.minimumHeight()))

    def setText(self, text: str) -> None:
        super().setText(text)
        self._keep_lines()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._keep_lines()

    def lines_height(self) -> int:
        """The height of the text's lines wrapped at the label's width now (0 without text)."""
        if not self.text():
            return 0
        self.ensurePolished()  # the style sheet's font (bold), not the default
        margins = self.contentsMargins()
        width = max(1, self.width() - margins.left() - margins.right())
        box = self.fontMetrics().boundingRect(QRect(0, 0, width, 100_000), int(Qt.TextFlag.TextWordWrap),
                                              self.text())
        return box.height() + margins.top() + margins.bottom()

    def _keep_lines(self) -> None:
        needed = self.lines_height()
        if needed != self.minimumHeight():
            self.setMinimumHeight(needed)


class CountdownBadge(QWidget):
    """A caption over a big countdown (the header shows the running one from across the room)."""

    def __init__(self, parent: QWidget | None = None, *, big: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("countdownBadge")
        self.caption = QLabel(self)
        self.caption.setObjectName("countdownCaption")
        self.value = QLabel("--:--", self)
        self.value.setObjectName("bigCountdown" if big else "headerCountdown")
        self.value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 8, 0)
        layout.setSpacing(0)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)

    def show_countdown(self, caption: str, text: str, tone: str) -> None:
        """Show ``text`` under ``caption``; ``tone`` (live / warmup / bag / '') colours it."""
        self.caption.setText(caption)
        if self.value.text() != text:
            self.value.setText(text)
        if self.value.property("tone") != tone:
            self.value.setProperty("tone", tone)
            self.value.style().polish(self.value)
        self.setVisible(bool(tone))


@dataclass(frozen=True, slots=True)
class PreparedControls:
    """Under a prepare-then-send form: 准备 and the primary action side by side, what is prepared,
    the outcome of the last action, and the record below a caption."""

    prepare_button: QPushButton
    go_button: QPushButton
    summary: QLabel
    message: QLabel
    record: QListWidget
    record_caption: QLabel


def add_prepared_controls(tab: QWidget, column: QVBoxLayout, *, prepare: tuple[str, Callable[[], Any]],
                          go: tuple[str, Callable[[], Any]], record_name: str, caption: str) -> PreparedControls:
    """Add the controls under a form to ``column``; ``prepare`` and ``go`` are (button text, slot)."""
    prepare_button = QPushButton(prepare[0], tab)
    prepare_button.clicked.connect(prepare[1])
    go_button = QPushButton(go[0], tab)
    go_button.setObjectName("primaryButton")
    go_button.clicked.connect(go[1])
    buttons = QHBoxLayout()
    buttons.addWidget(prepare_button)
    buttons.addWidget(go_button)
    summary = QLabel(tab)
    summary.setWordWrap(True)
    summary.setObjectName("preparedSummary")
    record = QListWidget(tab)
    record.setObjectName(record_name)
    message = message_label(tab)
    column.addLayout(buttons)
    column.addWidget(summary)
    column.addWidget(message)
    record_caption = QLabel(caption, tab)
    column.addWidget(record_caption)
    column.addWidget(record, 1)
    return PreparedControls(prepare_button, go_button, summary, message, record, record_caption)


def message_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setObjectName("actionMessage")
    label.setWordWrap(True)
    label.hide()
    return label


def say(label: QLabel, text: str, tone: str) -> None:
    """Show the outcome of an action (``tone``: duplicate / rejected / '') under its buttons."""
    label.setText(text)
    label.setVisible(bool(text))
    label.setProperty("tone", tone)
    label.style().polish(label)


def set_lines(widget: QListWidget, lines: list[str]) -> None:
    """Make the list show ``lines``, touching only the rows that changed."""
    while widget.count() > len(lines):
        widget.takeItem(widget.count() - 1)
    for i, line in enumerate(lines):
        item = widget.item(i)
        if item is None:
            widget.addItem(line)
        elif item.text() != line:
            item.setText(line)
