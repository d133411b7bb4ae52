"""文件 → 导入商品…: preview a CSV/XLSX product list, list every bad row in red, import the good rows.

A bad row is never imported silently: when the file has errors the user ticks "跳过 N 个有错误的行"
before "导入 N 个商品" is enabled, or cancels to fix the file. Importing is the ``load_catalog``
command; the engine may still refuse (e.g. a flash sale is running) and the dialog says why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.commerce.catalog import CatalogError, ImportResult, Product, import_catalog
from app.core.i18n import tr
from app.core.units import format_fen
from ui.common.commands import CommandRunner
from ui.common.theme import color

_Index = QModelIndex | QPersistentModelIndex


class ProductPreviewModel(QAbstractTableModel):
    """The parsed products of a file, read-only."""

    HEADERS = ("序号", "商品名称", "到手价", "原价", "库存", "卖点")

    def __init__(self, products: list[Product], parent: Any = None) -> None:
        super().__init__(parent)
        self._products = products

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._products)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal
                and 0 <= section < len(self.HEADERS)):
            return tr(self.HEADERS[section])
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        p = self._products[index.row()]
        return (
            str(p.no),
            p.name,
            format_fen(p.price_fen),
            format_fen(p.original_price_fen) if p.original_price_fen else "",
            str(p.stock),
            p.selling_points,
        )[index.column()]


class CatalogImportDialog(QDialog):
    """Preview of one product file.

    Args:
        path: the CSV/XLSX file.
        runner: sends ``load_catalog``.
    """

    def __init__(self, path: str | Path, runner: CommandRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("导入商品 — {name}", name=Path(path).name))
        self.resize(900, 560)
        self.runner = runner
        self.result_: ImportResult = ImportResult()
        load_error = ""
        try:
            self.result_ = import_catalog(path)
        except (CatalogError, OSError, ValueError) as exc:
            load_error = str(exc)
        result = self.result_

        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.preview_model = ProductPreviewModel(result.products, self)
        self.preview = QTableView(self)
        self.preview.setModel(self.preview_model)
        self.preview.verticalHeader().setVisible(False)
        self.preview.setWordWrap(False)
        self.preview.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        header = self.preview.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.errors_title = QLabel(self)
        self.errors = QListWidget(self)
        self.errors.setObjectName("importErrors")
        for error in result.errors:
            item = QListWidgetItem(str(error))
            item.setForeground(color("red"))
            item.setData(Qt.ItemDataRole.UserRole, error.row)
            self.errors.addItem(item)
        self.skip_bad = QCheckBox(self)
        # The dark theme draws no visible box; this tick is the one decision the user must see.
        self.skip_bad.setStyleSheet(
            f"QCheckBox {{ color: {color('amber').name()}; font-weight: bold; }}"
            f"QCheckBox::indicator {{ width: 16px; height: 16px; border: 1px solid {color('text_dim').name()};"
            f" border-radius: 3px; background: {color('surface').name()}; }}"
            f"QCheckBox::indicator:checked {{ background: {color('accent').name()};"
            f" border-color: {color('accent').name()}; }}"
        )
        self.message = QLabel(self)
        self.message.setObjectName("importMessage")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(self)
        n = len(result.products)
        self.import_button = QPushButton(tr("导入 {n} 个商品", n=n), self)
        self.import_button.setDefault(True)
        self.buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        self.import_button.clicked.connect(self.do_import)
        self.cancel_button.clicked.connect(self.reject)

        bad = len(result.bad_rows)
        if load_error:
            self.summary.setText(tr("无法读取这个文件：{reason}", reason=load_error))
        else:
            self.summary.setText(tr("共 {rows} 行：{good} 个商品可以导入，{bad} 行有错误。",
                                    rows=result.rows, good=n, bad=bad))
        self.errors_title.setText(tr("有错误的行（不会导入，修改文件后可重新导入）：") if result.errors else "")
        self.errors_title.setVisible(bool(result.errors))
        self.errors.setVisible(bool(result.errors))
        self.skip_bad.setText(tr("跳过 {bad} 个有错误的行，只导入正确的 {good} 个商品", bad=bad, good=n))
        self.skip_bad.setVisible(bool(result.errors) and n > 0)
        self.skip_bad.toggled.connect(self._update)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.preview, 3)
        layout.addWidget(self.errors_title)
        layout.addWidget(self.errors, 1)
        layout.addWidget(self.skip_bad)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._update()

    def _update(self) -> None:
        result = self.result_
        self.import_button.setEnabled(bool(result.products) and (not result.errors or self.skip_bad.isChecked()))

    def do_import(self) -> bool:
        """Send ``load_catalog`` with the good rows; close on success, say why otherwise."""
        if not self.import_button.isEnabled():
            return False
        products = [p.to_dict() for p in self.result_.products]
        outcome = self.runner.run("load_catalog", {"products": products},
                                  done=tr("已导入 {n} 个商品", n=len(products)))
        if not outcome.applied:
            self.message.setText(f"<span style='color:{color('red').name()}'>{outcome.reason}</span>")
            return False
        self.accept()
        return True


def open_catalog_import(parent: QWidget, runner: CommandRunner) -> None:
    """Ask for a product file and show its import preview."""
    path, _ = QFileDialog.getOpenFileName(parent, tr("导入商品"), "", tr("商品列表 (*.csv *.xlsx)"))
    if path:
        dialog = CatalogImportDialog(path, runner, parent)
        dialog.exec()
        dialog.deleteLater()
