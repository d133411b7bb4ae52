"""The product list panel: 序号 big (viewers say "3号"), name, price, stock and units sold live."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHeaderView, QTableView, QVBoxLayout, QWidget

from app.catalog import Product
from app.i18n import tr
from app.units import format_count, format_fen

_Index = QModelIndex | QPersistentModelIndex


class ProductQueueModel(QAbstractTableModel):
    """Rows are products in queue order; ``sold`` reads the engine's live units-sold counter."""

    COLUMNS = ("序号", "商品", "到手价", "库存", "已售")

    def __init__(self, products: Sequence[Product], sold: Callable[[str], int], parent: Any = None) -> None:
        super().__init__(parent)
        self._products = list(products)
        self._sold = sold
        self._number_font = QFont()
        self._number_font.setPointSize(18)
        self._number_font.setBold(True)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._products)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return tr(self.COLUMNS[section])
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        product = self._products[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            sold = self._sold(product.product_id)
            return (
                str(product.no),
                product.name,
                format_fen(product.price_fen),
                format_count(max(0, product.stock - sold)),
                format_count(sold),
            )[column]
        if role == Qt.ItemDataRole.FontRole and column == 0:
            return self._number_font
        if role == Qt.ItemDataRole.TextAlignmentRole and column != 1:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return product.selling_points or None
        return None

    def refresh_sales(self) -> None:
        """Stock and sold columns changed (orders arrived)."""
        if self._products:
            self.dataChanged.emit(self.index(0, 3), self.index(len(self._products) - 1, 4))


class ProductQueuePanel(QWidget):
    def __init__(self, model: ProductQueueModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.table = QTableView(self)
        self.table.setObjectName("productTable")
        self.table.setModel(model)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(44)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
