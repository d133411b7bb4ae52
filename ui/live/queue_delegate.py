"""How the product queue (排品) is painted, and the buttons on every row.

:class:`QueueDelegate` paints every cell of the queue table: the explained row on the accent colour with
a 讲解中 tag, unlisted rows dim, the price with the 原价 struck through beneath it, the selected row
framed in a colour of its own (visible on the 讲解中 row too), and under each product's name three
buttons like the platforms' live consoles: 讲解 (结束讲解 on the explained row), 上架/下架 and 去秒杀.
The row buttons have short strings of their own (结束讲解 "Stop", 去秒杀 "Sale") rather than the
toolbar's 取消讲解 ("Stop explaining") and the menu's 秒杀… ("Flash sale…"), and are set smaller and
tighter when the name column is narrow, so all three fit under the name in English on a 1366-px laptop.
Under the name rather than in a column of their own, so that the name keeps the width of the queue
on a laptop. The buttons are painted, not widgets (200 rows cost nothing), and the delegate tells
which one a click hit (:meth:`QueueDelegate.action_at`); it emits :attr:`QueueDelegate.action_clicked`
and the panel sends the command.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from app.commerce.catalog import Product
from app.core.i18n import tr
from app.core.units import format_fen
from ui.common.theme import color

_Index = QModelIndex | QPersistentModelIndex


class Col(IntEnum):
    NO = 0
    NAME = 1
    PRICE = 2
    STOCK = 3
    SOLD = 4


class QueueRole(IntEnum):
    """Custom roles of the queue model (ui/live/product_queue.py)."""

    NO = int(Qt.ItemDataRole.UserRole) + 1  # int: the 序号
    PRODUCT = int(Qt.ItemDataRole.UserRole) + 2  # Product
    LISTED = int(Qt.ItemDataRole.UserRole) + 3  # bool: 上架
    EXPLAINING = int(Qt.ItemDataRole.UserRole) + 4  # bool: on the explain card
    STATUS = int(Qt.ItemDataRole.UserRole) + 5  # str: "讲解中", "已下架" or "" (UI language)


class RowAction(StrEnum):
    """The buttons of a row, left to right."""

    EXPLAIN = "explain"  # 讲解, or 结束讲解 on the explained row
    LIST = "list"  # 上架 / 下架
    FLASH_SALE = "flash_sale"  # 去秒杀: prepare this product's sale in the 营销 dock


_BUTTON_HEIGHT = 22
_GAP = 4
_FRAME = 3  # the selected row's frame, px
#: How the row buttons are set, roomiest first: (text px, padding each side). A narrow name column (the
#: queue dock on a laptop, English labels) takes the first in which all three fit.
_BUTTON_STYLES = ((12, 6), (12, 4), (11, 3), (10, 3))


def action_label(action: RowAction, *, explaining: bool, listed: bool) -> str:
    """The text a row's button shows now (UI language)."""
    if action == RowAction.EXPLAIN:
        return tr("结束讲解") if explaining else tr("讲解")
    if action == RowAction.LIST:
        return tr("下架") if listed else tr("上架")
    return tr("去秒杀")


def _labels(action: RowAction) -> set[str]:
    return {action_label(action, explaining=e, listed=li) for e in (False, True) for li in (False, True)}


class QueueDelegate(QStyledItemDelegate):
    """Paints the queue and its row buttons (see the module docstring).

    Signals:
        action_clicked(no, action): the button ``action`` (a :class:`RowAction` value) of product ``no``
            was clicked.
    """

    action_clicked = Signal(int, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pressed: tuple[int, RowAction] | None = None
        #: Whether the last press or release in a name cell was on a button (a double click there is
        #: no request to edit the selling points).
        self.last_on_button = False

    # -- the row buttons ----------------------------------------------------------------------------------
    @staticmethod
    def button_layout(rect: QRect, font: QFont) -> tuple[QFont, list[tuple[RowAction, QRect]]]:
        """The buttons' font and where each button of a row whose name cell is ``rect`` (in the row's
        ``font``) is drawn: in its lower half, left to right, each wide enough for its longest label (so
        the buttons never jump), in the roomiest of :data:`_BUTTON_STYLES` that fits the cell."""
        height = min(_BUTTON_HEIGHT, rect.height() - rect.height() // 2 - 3)
        top = rect.top() + rect.height() // 2
        for pixels, pad in _BUTTON_STYLES:
            small = QFont(font)
            small.setPixelSize(pixels)
            metrics = QFontMetrics(small)
            widths = [max(metrics.horizontalAdvance(label) for label in _labels(a)) + 2 * pad for a in RowAction]
            if sum(widths) + _GAP * (len(widths) - 1) <= rect.width() - 12:
                break
        x, out = rect.left() + 6, []
        for action, width in zip(RowAction, widths, strict=True):
            out.append((action, QRect(x, top, width, height)))
            x += width + _GAP
        return small, out

    def button_rects(self, rect: QRect, font: QFont) -> list[tuple[RowAction, QRect]]:
        """Where each button of a row is drawn (see :meth:`button_layout`)."""
        return self.button_layout(rect, font)[1]

    def action_at(self, rect: QRect, font: QFont, pos: QPoint) -> RowAction | None:
        """The button under ``pos`` (viewport coordinates) in the name cell ``rect``, or None."""
        return next((action for action, box in self.button_rects(rect, font) if box.contains(pos)), None)

    @staticmethod
    def enabled(action: RowAction, *, explaining: bool, listed: bool) -> bool:
        """An unlisted product cannot be explained; everything else is always offered."""
        return not (action == RowAction.EXPLAIN and not explaining and not listed)

    def editorEvent(self, event: QEvent, model: object, option: QStyleOptionViewItem, index: _Index) -> bool:
        """A click on a row's button: pressed and released on the same enabled button fires it."""
        kind = event.type()
        if index.column() != Col.NAME or not isinstance(event, QMouseEvent) or kind not in (
                QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick):
            return super().editorEvent(event, model, option, index)  # type: ignore[arg-type]
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        no = index.data(QueueRole.NO)
        action = self.action_at(option.rect, option.font, event.position().toPoint())  # type: ignore[attr-defined]
        if kind != QEvent.Type.MouseButtonDblClick:
            self.last_on_button = action is not None
        if action is None or not isinstance(no, int) or not self.enabled(
                action, explaining=bool(index.data(QueueRole.EXPLAINING)), listed=bool(index.data(QueueRole.LISTED))):
            self._pressed = None
            return False  # a click beside the buttons selects the row as anywhere else
        if kind == QEvent.Type.MouseButtonRelease:
            pressed, self._pressed = self._pressed, None
            if pressed == (no, action):
                self.action_clicked.emit(no, action.value)
            return True
        if kind == QEvent.Type.MouseButtonPress:
            self._pressed = (no, action)
            return False  # let the view select the row too
        return True  # a double click on a button is two clicks, never an edit

    # -- painting -------------------------------------------------------------------------------------------
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        explaining = bool(index.data(QueueRole.EXPLAINING))
        listed = bool(index.data(QueueRole.LISTED))
        product: Product | None = index.data(QueueRole.PRODUCT)
        if product is None:
            super().paint(painter, option, index)
            return
        rect: QRect = option.rect  # type: ignore[attr-defined]
        selected = bool(option.state & QStyle.StateFlag.State_Selected)  # type: ignore[attr-defined]
        painter.save()
        if explaining:
            painter.fillRect(rect, color("accent"))
        elif selected:
            painter.fillRect(rect, color("selection_fill"))
        text_color = color("text") if listed or explaining else color("grey")
        column = index.column()
        base_font = QFont(option.font)  # type: ignore[attr-defined]
        if column == Col.NO:
            painter.setFont(index.data(Qt.ItemDataRole.FontRole))
            painter.setPen(text_color)
            painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), str(product.no))
        elif column == Col.NAME:
            line = QRect(rect.left(), rect.top() + 2, rect.width(), rect.height() // 2 - 2)
            self._draw_name(painter, index, product, line, base_font, text_color, explaining)
            self._draw_buttons(painter, rect, base_font, explaining=explaining, listed=listed)
        elif column == Col.PRICE:
            self._draw_price(painter, product, rect, base_font, text_color, explaining=explaining, listed=listed)
        else:
            painter.setFont(base_font)
            painter.setPen(text_color)
            painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), str(index.data()))
        if selected:
            self._draw_frame(painter, rect, column, index.model().columnCount() - 1 if index.model() else column)
        painter.restore()

    def _draw_name(self, painter: QPainter, index: _Index, product: Product, rect: QRect, font: QFont,
                   text_color: QColor, explaining: bool) -> None:
        x = rect.left() + 6
        status = index.data(QueueRole.STATUS)
        if status:
            x = self._draw_tag(painter, status, explaining, rect, x, font)
        width = max(0, rect.right() - x - 4)
        font = _fitting_font(font, product.name, width)
        painter.setFont(font)
        painter.setPen(text_color)
        metrics = QFontMetrics(font)
        name = metrics.elidedText(product.name, Qt.TextElideMode.ElideRight, width)
        painter.drawText(QRect(x, rect.top(), rect.right() - x, rect.height()),
                         int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), name)

    @staticmethod
    def _draw_price(painter: QPainter, product: Product, rect: QRect, font: QFont, text_color: QColor, *,
                    explaining: bool, listed: bool) -> None:
        bold = QFont(font)
        bold.setBold(True)
        painter.setPen(text_color if not listed or explaining else color("accent_soft"))
        painter.setFont(bold)
        if not product.original_price_fen:
            painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), format_fen(product.price_fen))
            return
        top = QRect(rect.left(), rect.top() + 2, rect.width(), rect.height() // 2 + 2)
        painter.drawText(top, int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom),
                         format_fen(product.price_fen))
        small = QFont(font)
        small.setPixelSize(max(10, font.pixelSize() - 3) if font.pixelSize() > 0 else 11)
        small.setStrikeOut(True)
        painter.setFont(small)
        painter.setPen(color("text") if explaining else color("text_dim"))
        bottom = QRect(rect.left(), rect.top() + rect.height() // 2 + 2, rect.width(), rect.height() // 2 - 4)
        painter.drawText(bottom, int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop),
                         format_fen(product.original_price_fen))

    def _draw_buttons(self, painter: QPainter, rect: QRect, font: QFont, *, explaining: bool, listed: bool) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setClipRect(rect)  # a column too narrow even for the smallest buttons never paints over the price
        small, boxes = self.button_layout(rect, font)
        painter.setFont(small)
        for action, box in boxes:
            enabled = self.enabled(action, explaining=explaining, listed=listed)
            if explaining:  # on the accent row: light buttons with the accent text
                fill, border, pen = color("text"), color("text"), color("accent")
            elif not enabled:
                fill, border, pen = color("background"), color("border"), color("text_dim")
            elif action == RowAction.EXPLAIN:  # the row's main action, outlined in the accent
                fill, border, pen = color("surface"), color("accent"), color("accent_soft")
            else:
                fill, border, pen = color("surface"), color("border"), color("text")
            painter.setPen(QPen(border, 1))
            painter.setBrush(fill)
            painter.drawRoundedRect(box.adjusted(0, 0, -1, -1), 5, 5)
            painter.setPen(pen)
            painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter),
                             action_label(action, explaining=explaining, listed=listed))

    @staticmethod
    def _draw_frame(painter: QPainter, rect: QRect, column: int, last: int) -> None:
        """The selected row's frame: top and bottom on every cell, the sides on the first and last."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        edge = color("selection")
        painter.fillRect(QRect(rect.left(), rect.top(), rect.width(), _FRAME), edge)
        painter.fillRect(QRect(rect.left(), rect.bottom() - _FRAME + 1, rect.width(), _FRAME), edge)
        if column == 0:
            painter.fillRect(QRect(rect.left(), rect.top(), _FRAME, rect.height()), edge)
        if column == last:
            painter.fillRect(QRect(rect.right() - _FRAME + 1, rect.top(), _FRAME, rect.height()), edge)

    @staticmethod
    def _draw_tag(painter: QPainter, label: str, explaining: bool, rect: QRect, x: int, font: QFont) -> int:
        tag_font = QFont(font)
        tag_font.setBold(True)
        metrics = QFontMetrics(tag_font)
        width = metrics.horizontalAdvance(label) + 12
        height = min(metrics.height() + 2, rect.height())
        box = QRect(x, rect.top() + (rect.height() - height) // 2, width, height)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color("text") if explaining else color("border"))
        painter.drawRoundedRect(box, 4, 4)
        painter.setFont(tag_font)
        painter.setPen(color("accent") if explaining else color("text_dim"))
        painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), label)
        return box.right() + 8

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        hint = super().sizeHint(option, index)
        font = option.font  # type: ignore[attr-defined]
        if index.column() == Col.PRICE:
            hint.setWidth(QFontMetrics(font).horizontalAdvance("¥0,000.00") + 24)
        elif index.column() == Col.NO:
            hint.setWidth(52)
        elif index.column() == Col.NAME:  # at least the buttons, set roomily
            roomy = QRect(0, 0, 10_000, hint.height())
            hint.setWidth(max(hint.width(), self.button_layout(roomy, font)[1][-1][1].right() + 6))
        return hint


#: A product name is set down to this share of the row's font size before it is cut with "…" (the
#: 讲解中 tag takes room on the explained row, and that is the name the anchor reads out).
MIN_NAME_SCALE = 0.75


def _fitting_font(font: QFont, text: str, width: int) -> QFont:
    """``font``, or a smaller copy of it (down to :data:`MIN_NAME_SCALE`) in which ``text`` fits ``width``."""
    if QFontMetrics(font).horizontalAdvance(text) <= width:
        return font
    pixels, points = font.pixelSize(), font.pointSizeF()
    smaller = QFont(font)
    for step in range(1, 6):
        scale = 1 - (1 - MIN_NAME_SCALE) * step / 5
        if pixels > 0:
            smaller.setPixelSize(max(1, round(pixels * scale)))
        elif points > 0:
            smaller.setPointSizeF(points * scale)
        if QFontMetrics(smaller).horizontalAdvance(text) <= width:
            break
    return smaller
