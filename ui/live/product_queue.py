"""The product queue panel (排品): 序号 big (viewers say "3号"), name, price, stock and units sold live.

:class:`ProductQueueModel` adapts the engine's ``state.queue`` for Qt: it reads every cell from the
engine and keeps only the order of 序号 it last showed, which it needs to turn an engine
:class:`~app.commerce.effects.Change` into precise row calls (one ``beginMoveRows`` for a reorder, one
``dataChanged`` for 上架/下架, 讲解中 or an edit). :class:`ProductQueuePanel` sends every action as a
command through :class:`~ui.common.commands.CommandRunner`; it never changes the queue itself. The
cells and the buttons on every row (讲解/取消讲解, 上架/下架, 秒杀) are painted by
:class:`~ui.live.queue_delegate.QueueDelegate`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QFont, QGuiApplication, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.commerce.catalog import Product
from app.commerce.effects import Change, ChangeKind
from app.core.i18n import tr
from app.core.units import format_count, format_fen, format_yuan, parse_yuan
from app.engine.session import SessionEngine
from ui.common.commands import CommandRunner
from ui.common.theme import color
from ui.live.queue_delegate import Col, QueueDelegate, QueueRole, RowAction

__all__ = ["MIME_TYPE", "Col", "ProductQueueModel", "ProductQueuePanel", "QueueRole"]

_Index = QModelIndex | QPersistentModelIndex
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_EDIT = int(Qt.ItemDataRole.EditRole)
MIME_TYPE = "application/x-livedeck-product-no"


class ProductQueueModel(QAbstractTableModel):
    """The engine's queue in queue order; refreshed per :class:`Change` and per order batch.

    Signals:
        move_requested(no, to): a drag-and-drop asks to put product ``no`` at position ``to``.
        edit_requested(no, fields): an in-place edit asks for ``update_product``.
    """

    HEADERS = ("序号", "商品", "到手价", "库存", "已售")
    move_requested = Signal(int, int)
    edit_requested = Signal(int, dict)

    def __init__(self, engine: SessionEngine, parent: Any = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self._order: list[int] = list(engine.state.queue.order)  # the rows Qt knows about
        self._number_font = QFont()
        self._number_font.setPixelSize(26)
        self._number_font.setBold(True)
        self._unsubscribe = engine.subscribe_changes(self.on_change)
        self.destroyed.connect(lambda *_: self._unsubscribe())

    # -- reading --------------------------------------------------------------------------------
    def no_at(self, row: int) -> int | None:
        return self._order[row] if 0 <= row < len(self._order) else None

    def row_of(self, no: int) -> int:
        return self._order.index(no) if no in self._order else -1

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = _DISPLAY) -> Any:
        if role == _DISPLAY and orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.HEADERS):
            return tr(self.HEADERS[section])
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsDropEnabled  # dropping between rows
        if not index.isValid():
            return base
        flags = base | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled
        if index.column() in (Col.PRICE, Col.STOCK):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: _Index, role: int = _DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._order):
            return None
        state = self.engine.state
        no = self._order[index.row()]
        product = state.queue.get(no)
        if product is None:
            return None
        column = index.column()
        if role == _DISPLAY:
            sold = state.sold[product.product_id]
            if column == Col.NO:
                return str(no)
            if column == Col.NAME:
                return product.name
            if column == Col.PRICE:
                return format_fen(product.price_fen)
            if column == Col.STOCK:
                return format_count(max(0, product.stock - sold)) if product.stock else "—"
            return format_count(sold)
        if role == _EDIT:
            if column == Col.PRICE:
                return format_yuan(product.price_fen)
            if column == Col.STOCK:
                return str(product.stock)
            return self.data(index, _DISPLAY)
        if role == QueueRole.NO:
            return no
        if role == QueueRole.PRODUCT:
            return product
        if role == QueueRole.LISTED:
            return state.queue.is_listed(no)
        if role == QueueRole.EXPLAINING:
            return state.explaining == no
        if role == QueueRole.STATUS:
            return self._status(no)
        if role == Qt.ItemDataRole.FontRole and column == Col.NO:
            return self._number_font
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignVCenter | (
                Qt.AlignmentFlag.AlignLeft if column == Col.NAME else Qt.AlignmentFlag.AlignCenter))
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(product)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            status = self._status(no)
            return f"{no} {product.name} {format_fen(product.price_fen)}" + (f" {status}" if status else "")
        return None

    def _status(self, no: int) -> str:
        state = self.engine.state
        if state.explaining == no:
            return tr("讲解中")
        if not state.queue.is_listed(no):
            return tr("已下架")
        return ""

    def _tooltip(self, product: Product) -> str:
        sold = self.engine.state.sold[product.product_id]
        lines = [f"{product.no}号 {product.name}"]
        price = tr("到手价 {price}", price=format_fen(product.price_fen))
        if product.original_price_fen:
            price += "  " + tr("原价 {price}", price=format_fen(product.original_price_fen))
        lines.append(price)
        if product.stock:
            lines.append(tr("库存 {stock}，已售 {sold}，剩余 {left}", stock=product.stock, sold=sold,
                            left=max(0, product.stock - sold)))
        if product.selling_points:
            lines.append(tr("卖点：{text}", text=product.selling_points))
        lines.append(tr("双击价格或库存修改，双击名称修改卖点"))
        return "\n".join(lines)

    # -- editing (sent as update_product) --------------------------------------------------------
    def setData(self, index: _Index, value: Any, role: int = _EDIT) -> bool:
        no = self.no_at(index.row()) if index.isValid() else None
        if no is None or role != _EDIT:
            return False
        text = str(value).strip()
        try:
            if index.column() == Col.PRICE:
                fields: dict[str, Any] = {"price_fen": parse_yuan(text)}
            elif index.column() == Col.STOCK:
                fields = {"stock": int(text)}
            else:
                return False
        except ValueError:
            self.edit_requested.emit(no, {"invalid": text})
            return False
        self.edit_requested.emit(no, fields)
        return True

    # -- drag and drop (sent as move) -------------------------------------------------------------
    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME_TYPE]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        mime = QMimeData()
        rows = sorted({i.row() for i in indexes if i.isValid()})
        if rows:
            no = self.no_at(rows[0])
            mime.setData(MIME_TYPE, QByteArray(str(no).encode()))
        return mime

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                     parent: _Index) -> bool:
        if action != Qt.DropAction.MoveAction or not data.hasFormat(MIME_TYPE):
            return False
        try:
            no = int(bytes(data.data(MIME_TYPE).data()).decode())
        except ValueError:
            return False
        source = self.row_of(no)
        if source < 0:
            return False
        if row < 0:  # dropped onto a row: take its place; onto empty space: the end
            row = parent.row() if parent.isValid() else len(self._order)
            to = row
        else:  # dropped between rows: ``row`` counts the dragged row too
            to = row - 1 if row > source else row
        if to != source:
            self.move_requested.emit(no, to)
        # False: the engine moved the row already; the view must not remove or clear the source.
        return False

    # -- engine → rows -----------------------------------------------------------------------------
    def on_change(self, change: Change) -> None:
        """Refresh only what ``change`` names."""
        kind = change.kind
        if kind == ChangeKind.CATALOG:
            self.reset()
        elif change.moved is not None:
            self._move_row(*change.moved)
        elif kind in (ChangeKind.QUEUE, ChangeKind.EXPLAINING, ChangeKind.PRODUCT, ChangeKind.PINNED_PRODUCT):
            self._row_changed(change.key)

    def reset(self) -> None:
        self.beginResetModel()
        self._order = list(self.engine.state.queue.order)
        self.endResetModel()

    def refresh_sales(self) -> None:
        """Stock and sold columns changed (orders arrived)."""
        if self._order:
            self.dataChanged.emit(self.index(0, Col.STOCK), self.index(len(self._order) - 1, Col.SOLD))

    def _row_changed(self, no: Any) -> None:
        row = self.row_of(no) if isinstance(no, int) else -1
        if row >= 0:
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.HEADERS) - 1))

    def _move_row(self, source: int, dest: int) -> None:
        """The engine moved one product from position ``source`` to ``dest``: one beginMoveRows."""
        new = list(self.engine.state.queue.order)
        if source == dest or len(new) != len(self._order):
            self.reset()
            return
        # beginMoveRows wants the destination as "insert before this row" in the old numbering.
        if not self.beginMoveRows(QModelIndex(), source, source, QModelIndex(), dest + 1 if dest > source else dest):
            self.reset()
            return
        self._order = new
        self.endMoveRows()


class QueueTable(QTableView):
    """The queue's table; Ctrl+↑/↓ moves the selected product (a ``move`` command); the pointer turns
    into a hand over a row's buttons."""

    move_by = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.viewport().setMouseTracking(True)

    def on_button(self, pos: QPoint) -> bool:
        """Whether ``pos`` (viewport coordinates) is on a row's button."""
        index = self.indexAt(pos)
        delegate = self.itemDelegate()
        return (index.column() == Col.NAME and isinstance(delegate, QueueDelegate)
                and delegate.action_at(self.visualRect(index), self.font(), pos) is not None)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.on_button(event.position().toPoint()):
            self.viewport().setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            self.viewport().unsetCursor()
        super().mouseMoveEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.modifiers() == Qt.KeyboardModifier.ControlModifier and event.key() in (Qt.Key.Key_Up,
                                                                                          Qt.Key.Key_Down):
            self.move_by.emit(-1 if event.key() == Qt.Key.Key_Up else 1)
            event.accept()
            return
        super().keyPressEvent(event)


class ProductQueuePanel(QWidget):
    """The 排品 dock: the queue table, its actions (the buttons on every row, the toolbar and the context
    menu) and the last message, which clears itself after :attr:`MESSAGE_MS`.

    Args:
        model: the queue model.
        runner: sends the commands and reports rejections.

    Signals:
        flash_sale_requested(no): a row's 秒杀 was clicked: open product ``no``'s flash sale in 营销.
    """

    flash_sale_requested = Signal(int)
    #: How long a message under the queue stays (a newer one replaces it at once).
    MESSAGE_MS = 8000

    def __init__(self, model: ProductQueueModel, runner: CommandRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.runner = runner
        self.table = QueueTable(self)
        self.table.setObjectName("productTable")
        self.table.setModel(model)
        self.delegate = QueueDelegate(self.table)
        self.table.setItemDelegate(self.delegate)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(48)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.setDragEnabled(True)
        self.table.setAcceptDrops(True)
        self.table.setDropIndicatorShown(True)
        self.table.setDragDropOverwriteMode(False)
        self.table.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.table.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Col.NAME, QHeaderView.ResizeMode.Stretch)

        self.explain_button = QPushButton(tr("讲解"), self)
        self.explain_button.setObjectName("explainButton")
        self.explain_button.setToolTip(tr("讲解选中的商品：标为讲解中，并通过直播间连接推送商品卡（弹讲解卡）"))
        self.stop_button = QPushButton(tr("取消讲解"), self)
        self.stop_button.setToolTip(tr("取消讲解：收起直播间的商品卡"))
        self.list_button = QPushButton(tr("下架"), self)
        self.list_button.setToolTip(tr("上架/下架选中的商品；已下架的商品不能讲解"))
        self.link_button = QPushButton(tr("复制链接"), self)
        self.link_button.setToolTip(tr("把选中商品的链接复制到剪贴板"))
        self.message = QLabel(self)
        self.message.setObjectName("queueMessage")
        self.message.setWordWrap(True)
        self.message.setContentsMargins(8, 0, 8, 6)
        self.message.hide()
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.timeout.connect(self.message.hide)

        buttons = QHBoxLayout()
        buttons.setContentsMargins(6, 6, 6, 0)
        buttons.setSpacing(6)
        for button in (self.explain_button, self.stop_button, self.list_button, self.link_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keep the keyboard on the table
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)

        self.explain_button.clicked.connect(self.explain_selected)
        self.stop_button.clicked.connect(self.stop_explain)
        self.list_button.clicked.connect(lambda: self.toggle_listed())
        self.link_button.clicked.connect(self.copy_link)
        self.delegate.action_clicked.connect(self._row_action)
        self.table.move_by.connect(self.move_selected)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.doubleClicked.connect(self._on_double_click)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        model.move_requested.connect(self._move)
        model.edit_requested.connect(self._edit)
        model.dataChanged.connect(lambda *_: self._update_buttons())
        model.modelReset.connect(self._update_buttons)
        runner.message.connect(self._show_message)
        self._update_buttons()

    # -- selection --------------------------------------------------------------------------------
    def selected_no(self) -> int | None:
        index = self.table.currentIndex()
        return self.model.no_at(index.row()) if index.isValid() else None

    def select_no(self, no: int) -> None:
        row = self.model.row_of(no)
        if row >= 0:
            self.table.setCurrentIndex(self.model.index(row, Col.NO))
            self.table.selectRow(row)

    def scroll_to_explained(self) -> None:
        """Bring the explained product's row on screen (after Ctrl+G → 11, row 11 is visible)."""
        no = self.model.engine.state.explaining
        row = self.model.row_of(no) if no is not None else -1
        if row >= 0:
            self.table.scrollTo(self.model.index(row, Col.NO), QAbstractItemView.ScrollHint.EnsureVisible)

    def _update_buttons(self) -> None:
        no = self.selected_no()
        has = no is not None
        listed = has and self.model.engine.state.queue.is_listed(no)  # type: ignore[arg-type]
        self.list_button.setText(tr("下架") if listed or not has else tr("上架"))
        for button in (self.explain_button, self.list_button, self.link_button):
            button.setEnabled(has)
        self.stop_button.setEnabled(self.model.engine.state.explaining is not None)

    # -- actions (all commands) ---------------------------------------------------------------------
    def _row_action(self, no: int, action: str) -> None:
        """A button on product ``no``'s row (see :class:`~ui.live.queue_delegate.RowAction`)."""
        self.select_no(no)
        if action == RowAction.EXPLAIN:
            if self.model.engine.state.explaining == no:
                self.stop_explain()
            else:
                self.explain(no)
        elif action == RowAction.LIST:
            self.toggle_listed(no)
        elif action == RowAction.FLASH_SALE:
            self.flash_sale_requested.emit(no)

    def explain(self, no: int) -> None:
        self.runner.run("explain", {"no": no}, done=tr("正在讲解 {no} 号，商品卡已推送", no=no))

    def explain_selected(self) -> None:
        no = self.selected_no()
        if no is not None:
            self.explain(no)

    def stop_explain(self) -> None:
        self.runner.run("stop_explain", done=tr("已取消讲解"))

    def toggle_listed(self, no: int | None = None) -> None:
        """上架/下架 product ``no`` (the selected one when not given)."""
        no = self.selected_no() if no is None else no
        if no is None:
            return
        listed = self.model.engine.state.queue.is_listed(no)
        self.runner.run("unlist" if listed else "list", {"no": no},
                        done=tr("{no} 号已下架", no=no) if listed else tr("{no} 号已上架", no=no))

    def copy_link(self) -> None:
        no = self.selected_no()
        product = self.model.engine.state.queue.get(no) if no is not None else None
        if product is None:
            return
        if not product.link:
            self.runner.say(tr("{no} 号商品没有链接", no=no), error=True)
            return
        QGuiApplication.clipboard().setText(product.link)
        self.runner.say(tr("已复制 {no} 号链接", no=no))

    def move_selected(self, step: int) -> None:
        no = self.selected_no()
        if no is None:
            return
        position = self.model.engine.state.queue.position(no)
        if 0 <= position + step < len(self.model.engine.state.queue):
            self._move(no, position + step)

    def _move(self, no: int, to: int) -> None:
        self.runner.run("move", {"no": no, "to": to})
        self.select_no(no)

    def _edit(self, no: int, fields: dict[str, Any]) -> None:
        if "invalid" in fields:
            self.runner.say(tr("无法识别的数值：{text}", text=fields["invalid"]), error=True)
            return
        self.runner.run("update_product", {"no": no, "fields": fields}, done=tr("{no} 号已修改", no=no))

    def edit_selling_points(self, no: int) -> None:
        product = self.model.engine.state.queue.get(no)
        if product is None:
            return
        text, ok = QInputDialog.getMultiLineText(self, tr("修改卖点"), tr("{no} 号 {name} 的卖点/话术：",
                                                  no=no, name=product.name), product.selling_points)
        if ok:
            self._edit(no, {"selling_points": text})

    def _on_double_click(self, index: QModelIndex) -> None:
        no = self.model.no_at(index.row())
        if no is not None and index.column() == Col.NAME and not self.delegate.last_on_button:
            self.edit_selling_points(no)

    def _context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if index.isValid():
            self.table.setCurrentIndex(index)
        no = self.selected_no()
        menu = QMenu(self)
        for label, slot, enabled in (
            (tr("讲解（推送商品卡）"), self.explain_selected, no is not None),
            (tr("取消讲解"), self.stop_explain, self.model.engine.state.explaining is not None),
            (self.list_button.text(), lambda: self.toggle_listed(no), no is not None),
            (tr("复制链接"), self.copy_link, no is not None),
            (tr("秒杀…"), lambda: self.flash_sale_requested.emit(no) if no is not None else None, no is not None),
            (tr("修改卖点…"), lambda: self.edit_selling_points(no) if no is not None else None, no is not None),
            (tr("上移（Ctrl+↑）"), lambda: self.move_selected(-1), no is not None),
            (tr("下移（Ctrl+↓）"), lambda: self.move_selected(1), no is not None),
        ):
            action = QAction(label, menu)
            action.setEnabled(enabled)
            action.triggered.connect(slot)
            menu.addAction(action)
        menu.exec(self.table.viewport().mapToGlobal(pos))
        menu.deleteLater()

    def _show_message(self, text: str, error: bool) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {color('red' if error else 'text_dim').name()}; font-weight: bold;")
        self.message.setVisible(bool(text))
        if text:
            self._message_timer.start(self.MESSAGE_MS)
        else:
            self._message_timer.stop()
