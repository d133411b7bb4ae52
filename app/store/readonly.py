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
    return sqlite3.connect(readonly_uri(path), uri=True)


def readonly_uri(path: str | os.PathLike[str]) -> str:
    """The ``mode=ro`` URI of the log; on a read-only medium (its folder not writable, so SQLite cannot make
    the ``-shm`` file a WAL log needs) also ``immutable=1``: nothing can write there meanwhile. A ``-wal``
    file left there by a crash is then not read (docs/schema.md, "Read-only media")."""
    p = Path(path).resolve()
    return p.as_uri() + ("?mode=ro" if os.access(p.parent, os.W_OK) else "?mode=ro&immutable=1")


def open_rows(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """:func:`open_readonly` whose rows are :class:`sqlite3.Row` (readable by column name)."""
    conn = open_readonly(path)
    conn.row_factory = sqlite3.Row
    return conn
