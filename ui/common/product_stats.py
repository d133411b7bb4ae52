"""The dashboard's per-product table (商品数据): every product's live numbers, sortable.

:class:`ProductStatsModel` holds the last :class:`~app.metrics.tracker.ProductStats` list the tracker computed and
turns a new one into the smallest row calls: one ``dataChanged`` over the rows whose numbers moved
when the products are the same, a reset when the catalog changed. The dashboard refreshes it at most
once a second and only while it is on screen (``tracker.product_stats`` walks every order and click).
Every number is the tracker's, defined in docs/metrics.md ("Per product").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QFont, QFontMetrics
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from app.core.i18n import tr
from app.core.units import format_clock, format_count, format_fen
from app.metrics.tracker import ProductStats
from ui.common.theme import COLORS, color, ui_font

_Index = QModelIndex | QPersistentModelIndex
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
#: The raw value a column sorts by (numbers sort as numbers; an undefined conversion sorts lowest).
SORT_ROLE = int(Qt.ItemDataRole.UserRole) + 1


class StatCol(IntEnum):
    NO = 0
    NAME = 1
    EXPLAIN = 2
    CLICKS = 3
    ORDERS = 4
    BUYERS = 5
    GMV = 6
    CONVERSION = 7
    INTENT = 8
    MENTIONS = 9


#: Column caption and its definition (tooltip), in StatCol order.
HEADERS: tuple[tuple[str, str], ...] = (
    ("序号", "商品序号"),
    ("商品", "商品名称"),
    ("讲解", "累计讲解时长"),
    ("点击", "讲解时段内的商品点击次数（次）"),
    ("订单", "讲解时段内的订单数（笔）"),
    ("人数", "成交人数：讲解时段内下单的不同观众（人）"),
    ("金额", "成交金额：讲解时段内的订单实付金额之和"),
    ("转化", "讲解时段内：点过该商品的成交人数 ÷ 点击人数；无人点击时为 —"),
    ("想要", "讲解时的购买意向评论（扣1、想要…）"),
    ("点名", "评论里点到它的序号（如“3号…”）"),
)


def _display(s: ProductStats, column: int) -> str:
    if column == StatCol.NO:
        return "" if s.no is None else str(s.no)
    if column == StatCol.NAME:  # a product the list does not know: orders the console could not match
        return s.name or tr("未匹配商品（{id}）", id=s.product_id)
    if column == StatCol.EXPLAIN:
        return format_clock(s.explain_seconds) if s.explain_seconds else "—"
    if column == StatCol.CLICKS:
        return format_count(s.window_clicks)
    if column == StatCol.ORDERS:
        return format_count(s.window_orders)
    if column == StatCol.BUYERS:
        return format_count(s.window_buyers)
    if column == StatCol.GMV:
        return format_fen(s.window_gmv_fen)
    if column == StatCol.CONVERSION:
        return s.conversion.percent()
    if column == StatCol.INTENT:
        return format_count(s.intent_comments)
    return format_count(s.mentions)


def _sort_key(s: ProductStats, column: int) -> Any:
    if column == StatCol.NO:
        return -1 if s.no is None else s.no
    if column == StatCol.NAME:
        return s.name or s.product_id
    if column == StatCol.CONVERSION:
        value = s.conversion.value
        return -1.0 if value is None else value
    return {StatCol.EXPLAIN: s.explain_seconds, StatCol.CLICKS: s.window_clicks, StatCol.ORDERS: s.window_orders,
            StatCol.BUYERS: s.window_buyers, StatCol.GMV: s.window_gmv_fen, StatCol.INTENT: s.intent_comments,
            StatCol.MENTIONS: s.mentions}[StatCol(column)]


class ProductStatsModel(QAbstractTableModel):
    """Rows of :class:`~app.metrics.tracker.ProductStats`, one per product, in catalog order.

    Args:
        explaining: returns the product id on the explain card (its row is highlighted), or None.
    """

    def __init__(self, explaining: Callable[[], str | None] = lambda: None, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[ProductStats] = []
        self._explaining = explaining
        self._highlighted: str | None = None
        self._bold = QFont()
        self._bold.setBold(True)

    # -- reading ---------------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(HEADERS):
            return None
        if role == _DISPLAY:
            return tr(HEADERS[section][0])
        if role == Qt.ItemDataRole.ToolTipRole:
            return tr(HEADERS[section][1])
        return None

    def stats(self, row: int) -> ProductStats | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, product_id: str) -> int:
        return next((i for i, s in enumerate(self._rows) if s.product_id == product_id), -1)

    def data(self, index: _Index, role: int = _DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        s = self._rows[index.row()]
        column = index.column()
        if role == _DISPLAY:
            return _display(s, column)
        if role == SORT_ROLE:
            return _sort_key(s, column)
        explaining = s.product_id == self._highlighted
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(color("accent")) if explaining else None
        if role == Qt.ItemDataRole.ForegroundRole:
            if explaining:
                return QBrush(color("background"))
            return QBrush(color("gold")) if column == StatCol.NO else None
        if role == Qt.ItemDataRole.FontRole and (explaining or column == StatCol.NO):
            return self._bold
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignVCenter | (
                Qt.AlignmentFlag.AlignLeft if column == StatCol.NAME else Qt.AlignmentFlag.AlignRight))
        if role == Qt.ItemDataRole.ToolTipRole:
            head = f"{s.no}号 {s.name}" if s.no is not None else s.product_id
            if explaining:
                head += " · " + tr("讲解中")
            return head + "\n" + tr(
                "讲解时段内：点击 {clicks} 次/{clickers} 人，成交 {orders} 单/{buyers} 人"
                "（点过的 {clicked_buyers} 人）{gmv}\n"
                "全场：成交 {all_orders} 单 {all_gmv}",
                clicks=s.window_clicks, clickers=s.window_clickers, orders=s.window_orders,
                buyers=s.window_buyers, clicked_buyers=s.window_clicked_buyers, gmv=format_fen(s.window_gmv_fen),
                all_orders=s.orders, all_gmv=format_fen(s.gmv_fen))
        return None

    # -- updating --------------------------------------------------------------------------------
    def set_stats(self, rows: Sequence[ProductStats]) -> None:
        """Show ``rows``; same products → one ``dataChanged`` over the rows that moved, else a reset."""
        rows = list(rows)
        highlighted = self._explaining()
        if [s.product_id for s in rows] != [s.product_id for s in self._rows]:
            self.beginResetModel()
            self._rows = rows
            self._highlighted = highlighted
            self.endResetModel()
            return
        changed = [i for i, (old, new) in enumerate(zip(self._rows, rows, strict=True)) if old != new]
        if highlighted != self._highlighted:
            changed += [self.row_of(pid) for pid in (self._highlighted, highlighted) if pid is not None]
            self._highlighted = highlighted
        self._rows = rows
        changed = [i for i in changed if i >= 0]
        if changed:
            self.dataChanged.emit(self.index(min(changed), 0), self.index(max(changed), len(HEADERS) - 1))


class ProductStatsTable(QTableView):
    """The compact, sortable view of a :class:`ProductStatsModel` (through a sorting proxy)."""

    def __init__(self, model: ProductStatsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("productStats")
        self.stats_model = model
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(model)
        self.proxy.setSortRole(SORT_ROLE)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(StatCol.NO, Qt.SortOrder.AscendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)
        self.setShowGrid(False)
        self.setAlternatingRowColors(False)
        self.setFont(ui_font(12))
        self.setStyleSheet(
            f"QTableView#productStats {{ background-color: {COLORS['surface']}; border: none; }}"
            f"QTableView#productStats QHeaderView::section {{ background-color: {COLORS['surface']};"
            f" color: {COLORS['text_dim']}; border: none; padding: 2px 3px; }}"
        )
        self.horizontalHeader().setFont(ui_font(11))
        vertical = self.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(22)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(StatCol.NAME, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(24)
        header.setHighlightSections(False)
        header.sortIndicatorChanged.connect(lambda *_: self.fit_columns())
        model.modelReset.connect(self.fit_columns)
        model.dataChanged.connect(self.fit_columns)
        self.fit_columns()

    def fit_columns(self) -> None:
        """Give each number column the width of its widest text (header included), no more, so that the
        name gets the rest. Qt's ResizeToContents reserves room for the sort arrow in every header;
        here only the sorted column gets it."""
        model = self.stats_model
        bold = QFont(self.font())
        bold.setBold(True)  # the explained row and the 序号 are bold
        cell = QFontMetrics(bold)
        head = QFontMetrics(self.horizontalHeader().font())
        sorted_column = self.horizontalHeader().sortIndicatorSection()
        for column in StatCol:
            if column == StatCol.NAME:
                continue
            width = head.horizontalAdvance(model.headerData(column, Qt.Orientation.Horizontal)) + 8
            if column == sorted_column:
                width += 16
            for row in range(model.rowCount()):
                width = max(width, cell.horizontalAdvance(model.index(row, column).data()) + 12)
            if self.columnWidth(column) != width:
                self.setColumnWidth(column, width)
