"""The session library (场次库): every recorded show, sortable; open one for review, rename, delete,
export/import a session file, write a report, compare several.

Everything is read and changed through app.review.library (its own read-only connections for reading; the
library never writes SQLite itself). Interrupted sessions are marked in amber and open like the rest.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.i18n import tr
from app.core.settings import default_log_path
from app.core.units import format_clock, format_count, format_fen
from app.review import library
from app.review.library import SessionRow
from app.review.log_access import ReviewError
from ui.review.report_saving import save_report
from ui.review.review_models import Column, RecordTableModel
from ui.review.session_labels import file_stem, format_date, platform_text, status_color, status_text

log = logging.getLogger("livedeck.ui.review")

SESSION_FILE_FILTER = "LiveDeck (*.livedeck *.sqlite);;*"


def session_columns() -> list[Column]:
    return [
        Column(tr("日期"), lambda r: r.started_at, format_date),
        Column(tr("标题"), lambda r: r.title, editable=True),
        Column(tr("平台"), lambda r: r.platform, platform_text),
        Column(tr("时长"), lambda r: r.duration_s, format_clock, numeric=True),
        Column(tr("最高在线"), lambda r: r.peak_online, format_count, numeric=True),
        Column(tr("评论"), lambda r: r.comments, format_count, numeric=True),
        Column(tr("订单"), lambda r: r.orders, format_count, numeric=True),
        Column(tr("成交金额"), lambda r: r.gmv_fen, format_fen, numeric=True),
        Column(tr("状态"), lambda r: r.status, status_text, color=lambda r: status_color(r.status)),
    ]


class SessionLibrary(QWidget):
    """The 场次库 window over one session log.

    Args:
        path: the session log (``default_log_path()`` unless given).
    """

    session_opened = Signal(int)
    #: The session list was (re)read and is on screen.
    loaded = Signal()
    _rows_read = Signal(int, object, str)  # generation, rows, error — from the reading thread

    def __init__(self, path: str | os.PathLike[str] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.path = Path(path) if path is not None else default_log_path()
        self.setObjectName("sessionLibrary")
        self.setWindowTitle(tr("场次库 — {path}", path=self.path.name))
        self.resize(1180, 560)
        self.windows: list[QWidget] = []  # review and compare windows opened from here
        self._generation = 0  # the latest refresh; older reads that finish late are dropped
        self._reselect: set[int] = set()  # session ids to select once the next read is shown
        self._rows_read.connect(self._show_rows)

        self.model = RecordTableModel(session_columns(), parent=self, on_edit=self._edit_title)
        self.table = QTableView(self)
        self.table.setObjectName("sessionTable")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.SelectedClicked)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(30)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda index: self.open_session(self._id_at(index)))
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)

        self.open_button = QPushButton(tr("打开复盘"), self)
        self.rename_button = QPushButton(tr("重命名…"), self)
        self.delete_button = QPushButton(tr("删除…"), self)
        self.export_button = QPushButton(tr("导出场次…"), self)
        self.import_button = QPushButton(tr("导入场次…"), self)
        self.report_button = QPushButton(tr("生成报告…"), self)
        self.compare_button = QPushButton(tr("对比所选场次"), self)
        self.refresh_button = QPushButton(tr("刷新"), self)
        self.open_button.clicked.connect(lambda: self.open_session(self.selected_id()))
        self.rename_button.clicked.connect(self.rename_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.export_button.clicked.connect(self.export_selected)
        self.import_button.clicked.connect(self.import_file)
        self.report_button.clicked.connect(self.report_selected)
        self.compare_button.clicked.connect(self.compare_selected)
        self.refresh_button.clicked.connect(self.refresh)
        QShortcut(QKeySequence.StandardKey.Delete, self.table, self.delete_selected)
        QShortcut(QKeySequence(Qt.Key.Key_F2), self.table, self.rename_selected)

        buttons = QHBoxLayout()
        for button in (self.open_button, self.rename_button, self.delete_button, self.export_button,
                       self.report_button, self.compare_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.refresh_button)
        self.empty = QLabel(tr("还没有场次。开播或录制一场后，它会出现在这里。"), self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: #8a8a96; padding: 24px;")
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        self.refresh()

    # -- contents ----------------------------------------------------------------------------------
    def refresh(self, select: Iterable[int] | None = None) -> None:
        """Read the session list again, on a worker thread (a log of long shows takes a while to
        total); :attr:`loaded` fires when it is on screen. Afterwards ``select`` is selected, or else
        the current selection where it still exists."""
        self._reselect = set(select) if select is not None else set(self.selected_ids()) | self._reselect
        self._generation += 1
        threading.Thread(target=self._read, args=(self._generation,), name="livedeck-library",
                         daemon=True).start()

    def _read(self, generation: int) -> None:
        rows: list[SessionRow] = []
        error = ""
        try:
            rows = library.list_sessions(self.path) if self.path.exists() else []
        except ReviewError as exc:
            error = str(exc)
        except Exception:  # a bug: a traceback in the log, an empty list on screen
            log.exception("reading the session list failed")
        with contextlib.suppress(RuntimeError):  # the window closed meanwhile
            self._rows_read.emit(generation, rows, error)

    def _show_rows(self, generation: int, rows: list[SessionRow], error: str) -> None:
        if generation != self._generation:
            return
        if error:
            QMessageBox.warning(self, tr("场次库"), error)
        self.model.set_rows(rows)
        self.empty.setVisible(not rows)
        self.table.setVisible(bool(rows))
        keep, self._reselect = self._reselect, set()
        if keep:
            self.select_ids(keep)
        self._update_buttons()
        self.loaded.emit()

    def sessions(self) -> list[SessionRow]:
        return self.model.rows()

    def _id_at(self, index: QModelIndex) -> int | None:
        return self.model.row_at(index.row()).id if index.isValid() else None

    def selected_ids(self) -> list[int]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.model.row_at(r).id for r in rows]

    def selected_id(self) -> int | None:
        ids = self.selected_ids()
        return ids[0] if ids else None

    def selected_row(self) -> SessionRow | None:
        sid = self.selected_id()
        return next((r for r in self.model.rows() if r.id == sid), None)

    def select_ids(self, ids: set[int] | list[int]) -> None:
        wanted = set(ids)
        selection = self.table.selectionModel()
        selection.clearSelection()
        for row, record in enumerate(self.model.rows()):
            if record.id in wanted:
                selection.select(self.model.index(row, 0), selection.SelectionFlag.Select
                                 | selection.SelectionFlag.Rows)

    def _update_buttons(self) -> None:
        n = len(self.selected_ids())
        for button in (self.open_button, self.rename_button, self.delete_button, self.export_button,
                       self.report_button):
            button.setEnabled(n == 1)
        self.compare_button.setEnabled(n >= 2)

    # -- actions -------------------------------------------------------------------------------------
    def open_session(self, session_id: int | None) -> QWidget | None:
        """Open the review window of ``session_id``."""
        if session_id is None:
            return None
        from ui.review.review_window import ReviewWindow

        try:
            window = ReviewWindow(self.path, session_id, self)
        except (ReviewError, OSError) as exc:
            QMessageBox.warning(self, tr("打开复盘"), tr("无法打开场次：{reason}", reason=exc))
            return None
        self._keep(window)
        window.show()
        self.session_opened.emit(session_id)
        return window

    def _keep(self, window: QWidget) -> None:
        self.windows.append(window)
        window.destroyed.connect(lambda _=None, w=window: self.windows.remove(w) if w in self.windows else None)

    def _edit_title(self, row: SessionRow, title: str) -> bool:
        return self.rename(row.id, title)

    def rename(self, session_id: int, title: str) -> bool:
        title = title.strip()
        if not title:
            return False
        try:
            library.rename_session(self.path, session_id, title)
        except (ReviewError, OSError) as exc:
            QMessageBox.warning(self, tr("重命名"), tr("无法重命名：{reason}", reason=exc))
            return False
        self.refresh()
        return True

    def rename_selected(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        title, ok = QInputDialog.getText(self, tr("重命名"), tr("新的场次标题："), text=row.title)
        if ok:
            self.rename(row.id, title)

    def delete_selected(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        answer = QMessageBox.question(
            self, tr("删除场次"),
            tr("删除场次「{title}」（{date}）？它的全部评论、订单和操作记录都会删除，无法撤销。",
               title=row.title or tr("未命名"), date=format_date(row.started_at)),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            library.delete_session(self.path, row.id)
        except (ReviewError, OSError) as exc:
            QMessageBox.warning(self, tr("删除场次"), tr("无法删除：{reason}", reason=exc))
            return
        self.refresh()

    def export_selected(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        suggested = str(Path.home() / f"{file_stem(row)}.livedeck")
        out, _ = QFileDialog.getSaveFileName(self, tr("导出场次"), suggested, SESSION_FILE_FILTER)
        if not out:
            return
        try:
            library.export_session(self.path, row.id, out)
        except (ReviewError, OSError) as exc:
            QMessageBox.warning(self, tr("导出场次"), tr("导出失败：{reason}", reason=exc))

    def import_file(self) -> None:
        in_file, _ = QFileDialog.getOpenFileName(self, tr("导入场次"), str(Path.home()), SESSION_FILE_FILTER)
        if not in_file:
            return
        try:
            new_id = library.import_session(self.path, in_file)
        except (ReviewError, OSError, ValueError) as exc:
            QMessageBox.warning(self, tr("导入场次"), tr("导入失败：{reason}", reason=exc))
            return
        self.refresh(select=[new_id])

    def report_selected(self) -> None:
        row = self.selected_row()
        if row is not None:
            save_report(self, self.path, row.id, file_stem(row))

    def compare_selected(self) -> QWidget | None:
        ids = self.selected_ids()
        if len(ids) < 2:
            return None
        from ui.review.compare_window import CompareWindow

        try:
            window = CompareWindow(self.path, ids, self)
        except (ReviewError, OSError) as exc:
            QMessageBox.warning(self, tr("对比场次"), tr("无法对比：{reason}", reason=exc))
            return None
        self._keep(window)
        window.show()
        return window

    def closeEvent(self, event: QCloseEvent) -> None:
        for window in list(self.windows):
            window.close()
        super().closeEvent(event)


def open_session_library(parent: QWidget, path: str | os.PathLike[str] | None = None) -> SessionLibrary:
    """Show the 场次库 over ``path`` (the default log if None), one per parent window; it closes with it."""
    library = parent.findChild(SessionLibrary)
    if library is None or library.path != (Path(path) if path is not None else default_log_path()):
        library = SessionLibrary(path, parent)
    else:
        library.refresh()
    library.show()
    library.raise_()
    return library
