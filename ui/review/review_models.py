"""Table models for the review (复盘) windows: a sortable model over a short list of records, and a
paged model that fetches rows in pages (``canFetchMore``/``fetchMore``) for anything that can be long.

Both take a list of :class:`Column` specs, so one model class serves the session library, the product
table, questions, comments, coupons and the comparison. Rows are whatever the review API returns
(dataclasses, tuples); a column reads one value from a row with ``value`` and shows it with ``text``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from ui.common.theme import COLORS

_Index = QModelIndex | QPersistentModelIndex

#: A sort key that puts missing values (None) last in ascending order and compares mixed types safely.
SortKey = tuple[int, Any]

#: The raw value of a cell (what it sorts by), for tests and for callers that need the number.
RawRole = Qt.ItemDataRole.UserRole + 1


def _sort_key(value: Any) -> SortKey:
    if value is None:
        return (2, 0)
    if isinstance(value, bool | int | float):
        return (0, value)
    return (1, str(value))


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a record table.

    Attributes:
        header: the translated header text.
        value: reads the cell's raw value from a row (sorting uses it).
        text: shows the raw value; ``str`` unless given (None shows as "—").
        numeric: right-aligned (counts, money, rates).
        color: a theme colour name for the cell's text, from the row (None: the default colour).
        tip: the header's tooltip (a definition).
        editable: the cell can be edited in place; the model's ``on_edit`` gets (row, new text).
    """

    header: str
    value: Callable[[Any], Any]
    text: Callable[[Any], str] | None = None
    numeric: bool = False
    color: Callable[[Any], str | None] | None = None
    tip: str = ""
    editable: bool = False

    def show(self, raw: Any) -> str:
        if raw is None:
            return "—"
        return self.text(raw) if self.text is not None else str(raw)


class RecordTableModel(QAbstractTableModel):
    """A read-mostly table over a short list of records, sortable by any column (the view's header).

    Args:
        columns: the column specs.
        rows: the records.
        on_edit: called with (row, new text) when an editable cell is edited; returns whether it took.
    """

    def __init__(self, columns: Sequence[Column], rows: Sequence[Any] = (), parent: Any = None, *,
                 on_edit: Callable[[Any, str], bool] | None = None) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self._rows: list[Any] = list(rows)
        self._on_edit = on_edit
        self._sorted: tuple[int, Qt.SortOrder] | None = None

    # -- contents ---------------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        if self._sorted is not None:
            self._sort_rows(*self._sorted)
        self.endResetModel()

    def rows(self) -> list[Any]:
        return list(self._rows)

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    # -- Qt ----------------------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        column = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.header
        if role == Qt.ItemDataRole.ToolTipRole and column.tip:
            return column.tip
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if column.numeric else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        column = self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return column.show(column.value(row))
        if role == Qt.ItemDataRole.EditRole:
            return column.show(column.value(row)) if column.editable else None
        if role == RawRole:
            return column.value(row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if column.numeric else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column.color is not None:
            name = column.color(row)
            return QColor(COLORS[name]) if name else None
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and self.columns[index.column()].editable and self._on_edit is not None:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if (role != Qt.ItemDataRole.EditRole or not index.isValid() or self._on_edit is None
                or not self.columns[index.column()].editable):
            return False
        if not self._on_edit(self._rows[index.row()], str(value)):
            return False
        self.dataChanged.emit(index, self.index(index.row(), self.columnCount() - 1))
        return True

    def replace_row(self, row: int, record: Any) -> None:
        """Put ``record`` in place of row ``row`` (after an edit the API applied)."""
        self._rows[row] = record
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        self.layoutAboutToBeChanged.emit()
        old = list(self._rows)
        self._sort_rows(column, order)
        # Keep selections and persistent indexes on their records.
        position = {id(r): i for i, r in enumerate(self._rows)}
        for index in self.persistentIndexList():
            new_row = position[id(old[index.row()])]
            self.changePersistentIndex(index, self.index(new_row, index.column()))
        self._sorted = (column, order)
        self.layoutChanged.emit()

    def _sort_rows(self, column: int, order: Qt.SortOrder) -> None:
        get = self.columns[column].value
        self._rows.sort(key=lambda r: _sort_key(get(r)), reverse=order == Qt.SortOrder.DescendingOrder)


class PagedTableModel(RecordTableModel):
    """Rows fetched a page at a time as the view scrolls (``canFetchMore``/``fetchMore``).

    Args:
        columns: the column specs.
        fetch: ``fetch(offset, count)`` returns up to ``count`` rows starting at ``offset``; fewer than
            ``count`` means the end.
        page_size: rows per fetch.

    Not sortable: the order is the source's (time order for comments and questions).
    """

    def __init__(self, columns: Sequence[Column], fetch: Callable[[int, int], Sequence[Any]] | None = None,
                 parent: Any = None, *, page_size: int = 200) -> None:
        super().__init__(columns, (), parent)
        self.page_size = page_size
        self._fetch = fetch
        self._more = fetch is not None
        self.fetches = 0

    def set_source(self, fetch: Callable[[int, int], Sequence[Any]] | None) -> None:
        """Show another source from its first page (None: empty)."""
        self.beginResetModel()
        self._rows = []
        self._fetch = fetch
        self._more = fetch is not None
        self.endResetModel()
        if self._more:
            self.fetchMore()

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or not self._more or self._fetch is None:
            return
        page = list(self._fetch(len(self._rows), self.page_size))
        self.fetches += 1
        if len(page) < self.page_size:
            self._more = False
        if not page:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        self._rows.extend(page)
        self.endInsertRows()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        return  # the source's order


def list_pages(items: Sequence[Any]) -> Callable[[int, int], Sequence[Any]]:
    """A ``fetch`` over an in-memory list the API already returned (pages of it reach the view)."""
    return lambda offset, count: items[offset : offset + count]
