"""Cells of the spreadsheet exports (XLSX, CSV) made safe: viewer names, comments and shop-file ids are
plain text, never a formula (docs/review.md, "Safe exports").

The rule: a text that begins with ``= + - @``, a tab or a carriage return would be read as a formula by
Excel, LibreOffice or WPS. In XLSX every text cell is written as an explicit string (``data_type 's'``,
with Excel's quote prefix so editing it keeps it text), unchanged; in CSV such a text gets an apostrophe
in front (``'=1+1``), which the spreadsheet shows and never evaluates. XLSX cannot hold the XML control
characters (``\\x00``–``\\x08``, ``\\x0b``, ``\\x0c``, ``\\x0e``–``\\x1f``): they are dropped from its cells.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path
from typing import Any

from app.core.i18n import tr
from app.core.units import format_datetime
from app.review.blocked import read_blocked
from app.review.log_access import PathLike, ReviewError, connect_readonly

#: What a spreadsheet takes as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def csv_value(value: Any) -> Any:
    """``value`` for a CSV cell: a text that a spreadsheet would evaluate gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def xlsx_value(value: Any) -> Any:
    """``value`` for an XLSX cell: a text without the control characters XML cannot hold."""
    if isinstance(value, str):
        return _XML_ILLEGAL.sub("", value)
    return value


def mark_text(cell: Any) -> None:
    """Make an openpyxl cell holding text a plain string cell (never a formula)."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if cell.value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True


# --- the events CSV ----------------------------------------------------------------------------------

CSV_COLUMNS = ("seq", "time", "ts", "kind", "user_id", "user_name", "text", "count", "amount_fen", "product_id",
               "msg_id", "extra", "blocked")


def write_events_csv(path: PathLike, session_id: int, out: Path) -> None:
    """Every event of the session, in seq order, streamed (UTF-8 with BOM so Excel reads Chinese); texts
    by :func:`csv_value`, a time the clock cannot show as ``—``; ``blocked`` is 1 on the events of a viewer
    blocked in the show (app/review/blocked.py), else empty."""
    conn = connect_readonly(Path(path))
    try:
        if conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is None:
            raise ReviewError(tr("日志中没有场次 {id}", id=session_id))
        tmp = out.with_name(out.name + ".part")
        with tmp.open("w", encoding="utf-8-sig", newline="", errors="replace") as f:
            writer = csv.writer(f)
            writer.writerow(CSV_COLUMNS)
            blocked = read_blocked(conn, session_id)
            cur = conn.execute(
                "SELECT seq, ts, kind, user_id, user_name, text, count, amount_fen, product_id, msg_id, extra "
                "FROM events WHERE session_id = ? ORDER BY seq", (session_id,))
            while batch := cur.fetchmany(10_000):
                writer.writerows([r[0], format_datetime(r[1]), r[1], *map(csv_value, r[2:]),
                                  1 if r[3] and r[3] in blocked else ""] for r in batch)
        os.replace(tmp, out)
    finally:
        conn.close()
