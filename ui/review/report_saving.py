"""生成报告: ask where, then write the report (app.review.report) on a worker thread."""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.core.i18n import language, tr
from app.review.log_access import ReviewError
from app.store.integrity import log_error_text

log = logging.getLogger("livedeck.ui.review")

#: Report formats write_report understands, as file-dialog filters.
REPORT_FILTERS = "HTML (*.html);;Excel (*.xlsx);;CSV (*.csv);;PDF (*.pdf)"


class _ReportJob(QObject):
    """Writes one report on a worker thread; ``done(out, error)`` comes back on the GUI thread."""

    done = Signal(str, str)

    def __init__(self, parent: QWidget, path: Path, session_id: int, out: str) -> None:
        super().__init__(parent)
        self.out = out
        self.done.connect(self._report)
        # A 2-million-event show takes seconds to aggregate: never on the GUI thread.
        threading.Thread(target=self._write, args=(path, session_id, language()), name="livedeck-report",
                         daemon=True).start()

    def _write(self, path: Path, session_id: int, lang: str) -> None:
        try:
            from app.review.report import write_report

            write_report(path, session_id, self.out, lang=lang)
        except (ReviewError, OSError, ValueError, ImportError) as exc:
            log.warning("report %s failed: %s", self.out, exc)
            self.done.emit(self.out, str(exc) or type(exc).__name__)
            return
        except sqlite3.Error as exc:  # a damaged or locked log: the one line the command line prints too
            log.warning("report %s failed: %s", self.out, exc)
            self.done.emit(self.out, log_error_text(path, exc))
            return
        except Exception as exc:  # a bug: a traceback in the log, a message on screen
            log.exception("report %s failed", self.out)
            self.done.emit(self.out, type(exc).__name__)
            return
        self.done.emit(self.out, "")

    def _report(self, out: str, error: str) -> None:
        parent = self.parent()
        assert isinstance(parent, QWidget)
        if error:
            QMessageBox.warning(parent, tr("生成报告"), tr("报告生成失败：{reason}", reason=error))
        else:
            QMessageBox.information(parent, tr("生成报告"), tr("报告已保存：{path}", path=out))
        self.deleteLater()


def save_report(parent: QWidget, path: Path, session_id: int, stem: str) -> str | None:
    """Ask where to save a report (HTML/XLSX/CSV/PDF by the chosen name) and write it on a worker
    thread; returns the file being written (a message says when it is done), or None if cancelled."""
    suggested = str(Path.home() / f"{stem}.html")
    out, chosen = QFileDialog.getSaveFileName(parent, tr("生成报告"), suggested, REPORT_FILTERS)
    if not out:
        return None
    if not Path(out).suffix:
        out += "." + chosen.split("*.")[-1].rstrip(")") if "*." in chosen else ".html"
    _ReportJob(parent, path, session_id, out)
    return out
