"""One value straight from a SQLite file, for tests that check what the log holds against what a view or
a report says."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def sql(path: Path, query: str, *params: object) -> object:
    """The first column of the first row ``query`` returns from the database at ``path``."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(query, params).fetchone()[0]
    finally:
        conn.close()
