"""Read-only connections to the session log, for review, report and the log's own queries."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def open_readonly(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """Open the log read-only (a ``mode=ro`` URI), for review and report code.

    The connection never takes the write lock, so it is safe beside a running writer. The caller closes
    it. Raises ``sqlite3.OperationalError`` if the file does not exist.
    """
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    return sqlite3.connect(uri, uri=True)


def open_rows(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """:func:`open_readonly` whose rows are :class:`sqlite3.Row` (readable by column name)."""
    conn = open_readonly(path)
    conn.row_factory = sqlite3.Row
    return conn
