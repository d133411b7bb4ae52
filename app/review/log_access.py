"""How the review opens the session log: read-only connections for reading, a short write transaction for
library edits and imports, and the small lookups every part of the review shares."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from app.core.i18n import tr
from app.store.readonly import readonly_uri
from app.store.session_log import SessionLogError, migrate

PathLike = str | os.PathLike[str]

#: Every table whose rows belong to one session (a ``session_id`` column).
TABLES_WITH_SESSION = ("events", "actions", "metrics", "products", "shop_orders")
#: Each platform a session's source can name, and what it is called. The sources' own labels
#: (app.sources.source_info(format).label(), which this layer may not import) are the same words:
#: tests/app/test_sources_registry.py keeps them equal.
PLATFORM_NAMES: dict[str, Callable[[], str]] = {
    "demo": lambda: tr("演示直播间"),
    "generic": lambda: tr("通用 JSON"),
    "bilibili": lambda: tr("哔哩哔哩"),
    "douyin": lambda: tr("抖音"),
    "douyin-bridge": lambda: tr("抖音（弹幕桥）"),
    "kuaishou": lambda: tr("快手"),
    "replay": lambda: tr("回放"),
    "console": lambda: tr("平台中控台"),  # --source console: the console page alone (app/show/console_feed.py)
}


def platform_name(platform: str) -> str:
    """A session's platform (:func:`platform_of`) by its name in the UI language; an unknown one as it is."""
    name = PLATFORM_NAMES.get(platform)
    return name() if name is not None else platform


class ReviewError(LookupError):
    """A review cannot be made: the log or the session does not exist (message in the UI language)."""


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection (as app.store.session_log.open_readonly) usable from the review's worker threads."""
    conn = sqlite3.connect(readonly_uri(path), uri=True, check_same_thread=False)
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA cache_size = -65536")  # 64 MB: the big aggregates read the file once
    # Memory-mapped reads: the worker threads share the OS page cache instead of each copying the pages
    # it reads into its own cache (about 25 % faster when they run together). Read-only, so it is safe.
    conn.execute("PRAGMA mmap_size = 2147418112")
    return conn


def check_log(path: PathLike) -> Path:
    """``path`` as a Path, if the session log exists.

    Raises:
        ReviewError: it does not.
    """
    p = Path(path)
    if not p.is_file():
        raise ReviewError(tr("找不到会话日志：{path}", path=p))
    return p


class Writer:
    """A short write transaction on the log (library edits, imports): migrates first, BEGIN IMMEDIATE.

    Library edits are rare user actions, so they take the write lock briefly beside a running writer
    (WAL; the busy timeout waits for its batch) instead of going through the live writer thread.
    """

    def __init__(self, path: PathLike, attach: Path | None = None) -> None:
        self.path = check_log(path)
        self.attach = attach  # attached as ``src`` (ATTACH cannot run inside a transaction)

    def __enter__(self) -> sqlite3.Connection:
        self.conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        try:
            migrate(Database(self.conn))
            if self.attach is not None:
                self.conn.execute("ATTACH DATABASE ? AS src", (str(self.attach),))
            self.conn.execute("BEGIN IMMEDIATE")
        except SessionLogError as exc:
            self.conn.close()
            raise ReviewError(str(exc)) from None
        except BaseException:
            self.conn.close()
            raise
        return self.conn

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            if exc_type is None:
                self.conn.execute("COMMIT")
            elif self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
        finally:
            self.conn.close()


def platform_of(source: str) -> str:
    """``bilibili:123`` → ``bilibili``; ``generic:ws://…`` → ``generic``; a bare address stays."""
    head = source.split(":", 1)[0]
    return head if head in PLATFORM_NAMES or (head and "/" not in source.split(":", 1)[-1][:2]) else source


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def session_or_error(conn: sqlite3.Connection, session_id: int) -> tuple[Any, ...]:
    """The session's row: (id, title, source, started_at, ended_at, status, pid, host).

    Raises:
        ReviewError: the log has no such session.
    """
    row = conn.execute(
        "SELECT id, title, source, started_at, ended_at, status, pid, host FROM sessions WHERE id = ?",
        (session_id,),
    ).fetchone()
    if row is None:
        raise ReviewError(tr("日志中没有场次 {id}", id=session_id))
    return tuple(row)


def loads_object(text: str | None) -> dict[str, Any]:
    """A logged ``extra`` (or command's args) as a dict; ``{}`` when it is empty, not JSON or not an object.

    ``NaN`` and ``Infinity`` (which older versions stored, though not JSON) read as None: no number the
    review adds, compares or formats is ever one of them.
    """
    try:
        value = json.loads(text, parse_constant=_no_constant) if text else {}
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def _no_constant(_name: str) -> None:
    return None
