"""The console window's header: the source's health light, the platform console's (ui/live/console_health.py),
and the show's numbers as KPI tiles (session clock, online now, orders, GMV)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.core.i18n import tr
from ui.common.status_indicator import SourceStatusIndicator
from ui.live.console_health import ConsoleStatusIndicator


class KpiTile(QWidget):
    """A big number with a small caption."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kpiTile")
        self.value = QLabel("0", self)
        self.value.setObjectName("kpiValue")
        self.caption = QLabel(caption, self)
        self.caption.setObjectName("kpiCaption")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 4, 12, 4)
        layout.setSpacing(0)
        layout.addWidget(self.value, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.caption, 0, Qt.AlignmentFlag.AlignLeft)

    def set_value(self, text: str) -> None:
        if self.value.text() != text:
            self.value.setText(text)

    def set_compact(self, compact: bool) -> None:
        """18 px numbers instead of the theme's 24 px (a laptop: the anchor strip above has the big ones)."""
        self.value.setStyleSheet("font-size: 18px;" if compact else "")
        margin = 6 if compact else 12
        layout = self.layout()
        if layout is not None:
            layout.setContentsMargins(margin, 4, margin, 4)


class HeaderBar(QWidget):
    """Source health, the platform console's health, session clock, online now, orders and GMV. The
    running countdown is on the anchor
    strip above (ui/live/anchor_strip.py); everything else is on the 数据看板 dock, so the
    header fits a laptop screen beside the docks even with a 4-hour show's numbers."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("headerBar")
        self.status = SourceStatusIndicator(self)
        self.console = ConsoleStatusIndicator(self)  # hidden until the show drives a console
        self.clock = KpiTile(tr("场次时长"), self)
        self.online = KpiTile(tr("在线人数"), self)
        self.orders = KpiTile(tr("订单"), self)
        self.gmv = KpiTile(tr("成交金额"), self)
        self.session_button = QPushButton(tr("开始场次"), self)
        self.session_button.setObjectName("sessionButton")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(2)  # the tiles have their own margins
        layout.addWidget(self.status)
        layout.addWidget(self.console)
        for tile in (self.clock, self.online, self.orders, self.gmv):
            layout.addWidget(tile)
        layout.addStretch(1)
        layout.addWidget(self.session_button)

    def set_compact(self, compact: bool) -> None:
        """Smaller numbers on a laptop, so a big show's GMV never squeezes the product queue."""
        for tile in (self.clock, self.online, self.orders, self.gmv):
            tile.set_compact(compact)
        self.console.set_compact(compact)
