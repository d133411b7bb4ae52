"""The anchor strip (主播条): across the top of the console, what the anchor must read from 2 m away.

The explained product's 序号, its name (wrapped, and set smaller when it is long, never cut), the price
the viewer pays now (the running flash sale's price when the product is on sale), the stock left, how
long it has been explained, and the running countdown (flash sale or lucky bag). 序号, price and
countdown are at least 48 px. With nothing explained it says so in one calm line and stays small.

Everything is read from ``engine.state`` by :func:`anchor_facts`, which the teleprompter
(ui/live/teleprompter.py) reads too; the countdown is the promotions panel's headline countdown
(``PromotionsPanel.countdown``), so the strip, the 营销 dock and the teleprompter never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from app.core.i18n import tr
from app.core.units import format_clock, format_count, format_fen
from app.engine.session import SessionEngine
from ui.common.theme import ui_font

#: Type sizes in px by object name: 序号, price and countdown ≥ 48 px (read from 2 m on 1920×1080).
PIXEL_SIZES = {"anchorNo": 64, "anchorPrice": 64, "anchorCountdown": 64, "anchorStock": 48,
               "anchorTimer": 40, "anchorCaption": 15, "anchorIdle": 18}
#: Below this width (a laptop) the strip is set smaller so the queue and the feed keep their rows;
#: 序号, price and countdown stay at 48 px.
COMPACT_WIDTH_PX = 1700
COMPACT_PIXEL_SIZES = {**PIXEL_SIZES, "anchorNo": 48, "anchorPrice": 48, "anchorCountdown": 48,
                       "anchorStock": 36, "anchorTimer": 32, "anchorCaption": 13}
#: The name's type sizes, largest first: the first whose wrapped text fits the strip's height is used.
NAME_PIXEL_SIZES = (30, 26, 22, 18, 15)


@dataclass(frozen=True, slots=True)
class AnchorFacts:
    """What the anchor reads about the explained product.

    Attributes:
        no / name: the product's 序号 and name.
        price_fen: what a viewer pays now: the running flash sale's price, else the product's price.
        on_sale: whether ``price_fen`` and ``stock_left`` are the running flash sale's.
        stock_left: units left (the sale's when on sale, else the product's stock minus units sold);
            None when the product list has no stock for it.
        explained_for: seconds since the product went on the explain card.
    """

    no: int
    name: str
    price_fen: int
    on_sale: bool
    stock_left: int | None
    explained_for: float


def anchor_facts(engine: SessionEngine) -> AnchorFacts | None:
    """The explained product's facts from the engine's state now, or None when nothing is explained."""
    state = engine.state
    no = state.explaining
    product = state.queue.get(no) if no is not None else None
    if no is None or product is None:
        return None
    sale = state.running_sale(no)
    left: int | None
    if sale is not None:
        price, left = sale.price_fen, max(0, sale.left)
    else:
        price = product.price_fen
        left = max(0, product.stock - state.sold[product.product_id]) if product.stock else None
    started = next((w.start_ts for w in reversed(state.explain_windows) if w.no == no and w.end_ts is None),
                   engine.clock.time())
    return AnchorFacts(no, product.name, price, sale is not None, left,
                       max(0.0, engine.clock.time() - started))


def _big(label: QLabel, name: str, sizes: dict[str, int] = PIXEL_SIZES) -> QLabel:
    label.setObjectName(name)
    _set_size(label, sizes[name], bold=name not in ("anchorCaption", "anchorIdle"))
    return label


def _set_size(label: QLabel, pixels: int, *, bold: bool = True) -> None:
    """The label's type size, as its own style sheet: the theme's (colours by object name) still
    applies, and re-polishing for a tone or a low stock keeps it (a setFont() would be reset)."""
    label.setStyleSheet(f"font-size: {pixels}px;" + (" font-weight: bold;" if bold else ""))


def _cell(parent: QWidget, value_name: str) -> tuple[QWidget, QLabel, QLabel]:
    """A small caption over a big value, as one widget."""
    box = QWidget(parent)
    box.setObjectName("anchorCell")
    caption = _big(QLabel(box), "anchorCaption")
    value = _big(QLabel(box), value_name)
    column = QVBoxLayout(box)
    column.setContentsMargins(10, 0, 10, 0)
    column.setSpacing(0)
    column.addWidget(caption)
    column.addWidget(value)
    return box, caption, value


class AnchorStrip(QWidget):
    """The strip; :meth:`refresh` redraws it from the engine, :meth:`show_countdown` takes the countdown.

    Attributes:
        no_label, name_label, price_label, stock_label, timer_label, countdown_label: the values.
        idle_label: the one line shown while nothing is explained.
    """

    def __init__(self, engine: SessionEngine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("anchorStrip")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.engine = engine
        self.no_label = _big(QLabel(self), "anchorNo")
        self.name_label = QLabel(self)
        self.name_label.setObjectName("anchorName")
        self._name_px = NAME_PIXEL_SIZES[0]
        _set_size(self.name_label, self._name_px)
        self.name_label.setWordWrap(True)
        self.name_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.name_label.setMinimumWidth(160)
        self.name_label.installEventFilter(self)  # refit the name whenever its room changes
        self.price_box, self.price_caption, self.price_label = _cell(self, "anchorPrice")
        self.stock_box, self.stock_caption, self.stock_label = _cell(self, "anchorStock")
        self.timer_box, timer_caption, self.timer_label = _cell(self, "anchorTimer")
        timer_caption.setText(tr("已讲解"))
        self.countdown_box, self.countdown_caption, self.countdown_label = _cell(self, "anchorCountdown")
        self.countdown_box.hide()
        self.idle_label = _big(QLabel(tr("未在讲解商品 · 按 Ctrl+G 输入序号开始讲解"), self), "anchorIdle")

        self._compact = False  # laptop sizes (COMPACT_PIXEL_SIZES)
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 4, 14, 4)
        row.setSpacing(8)
        row.addWidget(self.no_label)
        row.addWidget(self.name_label, 1)
        row.addWidget(self.idle_label, 1)
        for box in (self.price_box, self.stock_box, self.timer_box, self.countdown_box):
            row.addWidget(box, 0, Qt.AlignmentFlag.AlignBottom)  # the values on one baseline
        self.refresh()

    def refresh(self) -> None:
        """Redraw from the engine's state (the window calls this at 2 Hz and on each change)."""
        facts = anchor_facts(self.engine)
        explaining = facts is not None
        for widget in (self.no_label, self.name_label, self.price_box, self.stock_box, self.timer_box):
            widget.setVisible(explaining)
        self.idle_label.setVisible(not explaining)
        if facts is None:
            return
        _set(self.no_label, tr("{no}号", no=facts.no))
        if self.name_label.text() != facts.name:
            self.name_label.setText(facts.name)
            self.name_label.setToolTip(facts.name)
            self._fit_name()
        self.price_caption.setText(tr("秒杀价") if facts.on_sale else tr("到手价"))
        _set(self.price_label, format_fen(facts.price_fen))
        self.stock_caption.setText(tr("秒杀剩余件数") if facts.on_sale else tr("库存剩余"))
        _set(self.stock_label, tr("{n}件", n=format_count(facts.stock_left)) if facts.stock_left is not None else "—")
        low = facts.stock_left is not None and facts.stock_left <= 10  # red: almost sold out
        if self.stock_label.property("low") != low:
            self.stock_label.setProperty("low", low)
            self.stock_label.style().polish(self.stock_label)
        _set(self.timer_label, format_clock(facts.explained_for))

    def show_countdown(self, caption: str, text: str, tone: str) -> None:
        """The running countdown (``PromotionsPanel.countdown``); ``tone`` '' hides it."""
        self.countdown_caption.setText(caption)
        _set(self.countdown_label, text)
        if self.countdown_label.property("tone") != tone:
            self.countdown_label.setProperty("tone", tone)
            self.countdown_label.style().polish(self.countdown_label)
        self.countdown_box.setVisible(bool(tone))

    # -- the name: wrapped, shrunk to fit, never cut ----------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        compact = event.size().width() < COMPACT_WIDTH_PX
        if compact != self._compact:
            self._compact = compact
            sizes = COMPACT_PIXEL_SIZES if compact else PIXEL_SIZES
            for label in self.findChildren(QLabel):
                if label.objectName() in sizes:
                    _big(label, label.objectName(), sizes)
        self._fit_name()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.name_label and event.type() == QEvent.Type.Resize:
            self._fit_name()
        return False

    def _fit_name(self) -> None:
        label = self.name_label
        width = label.width() if label.width() > 0 else 400
        room = self.price_box.sizeHint().height()  # the strip never grows for a long name
        font = ui_font(NAME_PIXEL_SIZES[0], bold=True)
        for size in NAME_PIXEL_SIZES[1 if self._compact else 0:]:
            font.setPixelSize(size)
            rect = QFontMetrics(font).boundingRect(0, 0, width, 10_000, int(Qt.TextFlag.TextWordWrap),
                                                   label.text())
            if rect.height() <= room:
                break
        if font.pixelSize() != self._name_px:
            self._name_px = font.pixelSize()
            _set_size(label, self._name_px)


def _set(label: QLabel, text: str) -> None:
    if label.text() != text:
        label.setText(text)
