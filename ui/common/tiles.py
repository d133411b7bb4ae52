"""KPI tiles: a big number, its caption and its change against one minute ago. The live dashboard and
the review's summary both show theirs this way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from app.core.i18n import tr
from app.metrics.tracker import Snapshot
from ui.common.theme import COLORS, ui_font


@dataclass(frozen=True, slots=True)
class TileSpec:
    """One KPI: its caption, how to read it from a snapshot, how to show it, and its definition."""

    key: str
    caption: str
    value: Callable[[Snapshot], float | None]
    text: Callable[[Snapshot], str]
    delta: Callable[[float], str]
    tip: str


class DashTile(QFrame):
    """A big number, its caption, and its change against one minute ago (▲ green / ▼ red)."""

    def __init__(self, spec: TileSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setObjectName("dashTile")
        self.setStyleSheet(
            f"QFrame#dashTile {{ background-color: {COLORS['surface']}; border-radius: 6px; }}"
            "QFrame#dashTile QLabel { background: transparent; }"
        )
        self.setToolTip(spec.tip)
        self.caption = QLabel(spec.caption, self)
        self.caption.setFont(ui_font(11))
        self.caption.setStyleSheet(f"color: {COLORS['text_dim']};")
        self.value = QLabel("—", self)
        self.value.setFont(ui_font(19, bold=True))
        self.delta = QLabel("", self)
        self.delta.setFont(ui_font(11))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 5)
        layout.setSpacing(0)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        layout.addWidget(self.delta)

    def show_snapshot(self, snap: Snapshot, before: Snapshot | None) -> None:
        text = self.spec.text(snap)
        if self.value.text() != text:
            self.value.setText(text)
        now_v = self.spec.value(snap)
        then_v = self.spec.value(before) if before is not None else None
        if now_v is None or then_v is None:
            delta, color = "", COLORS["text_dim"]
        elif abs(now_v - then_v) < 1e-9:
            delta, color = tr("持平"), COLORS["text_dim"]
        else:
            up = now_v > then_v
            delta = ("▲ " if up else "▼ ") + self.spec.delta(now_v - then_v)
            color = COLORS["green"] if up else COLORS["red"]
        if self.delta.text() != delta:
            self.delta.setText(delta)
            self.delta.setStyleSheet(f"color: {color};")
