"""The session log: every event and operator action of every show, in one SQLite file.

Exactly one writer thread owns the write connection (app/store/writer.py). Callers hand it work through a
queue and never wait for the disk (:meth:`SessionLog.append`, :meth:`SessionLog.record_action`); the
writer blocks for the first item, drains whatever else is queued and commits it all in one transaction, so
a crash loses at most what was queued since the last commit. Each write of a batch runs in its own
SAVEPOINT: one SQLite refuses is logged and skipped alone (``refused_writes``); when the disk is full the
writer holds the rest in memory, bounded, and writes it when space returns (``disk_full``,
``subscribe_status``, ``lost_events``). Readers open their own connections (WAL mode
lets them read while the writer writes; app/store/reads.py). The schema is documented in docs/schema.md
and versioned by the numbered migrations in :data:`MIGRATIONS` (app/store/schema.py; ``PRAGMA
user_version`` holds how many have run).

The store's modules: ``schema`` (migrations, version, transaction), ``writer`` (the batch writer
thread), ``rows`` (each table's columns and row codecs), ``reads`` (the queries), ``readonly``
(read-only connections), ``orphans`` (sessions of a dead process). This module is the public face:
import from here.

Example::

    with SessionLog(settings.default_log_path()) as store:
        sid = store.start_session("春季上新专场", "demo")
        store.append(sid, batch)          # returns at once
        store.end_session(sid)            # waits until everything is on disk
"""

from __future__ import annotations

import atexit
import os
import socket
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from app.core.events import LiveEvent
from app.store.integrity import check_appendable, remember_checked
from app.store.orphans import pid_alive as _pid_alive
from app.store.readonly import open_readonly
from app.store.reads import LogQueries
from app.store.rows import (
    ACTION_RESULTS,
    INSERT_METRICS,
    INSERT_PRODUCT,
    METRICS_COLUMNS,
    dumps,
    metrics_rows,
    product_rows,
)
from app.store.schema import MIGRATIONS, SCHEMA_VERSION, SessionLogError, migrate
from app.store.writer import MAX_HELD_EVENTS, BatchWriter, DiskFullError

__all__ = [
    "ACTION_RESULTS",
    "MAX_HELD_EVENTS",
    "METRICS_COLUMNS",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "SESSION_STATUSES",
    "DiskFullError",
    "SessionLog",
    "SessionLogError",
    "_pid_alive",
    "migrate",
    "open_readonly",
]

SESSION_STATUSES = frozenset({"live", "ended", "interrupted"})


class SessionLog(LogQueries):
    """The SQLite session log, written by one background thread and readable from any thread.

    Args:
        path: the SQLite file; parent directories are created. Usually
            ``app.core.settings.default_log_path()``.
        busy_timeout: seconds the writer waits for another process's write lock before a batch fails.

    Raises:
        SessionLogError: the log was written by a newer LiveDeck, is damaged (``PRAGMA quick_check``) or
            locked; the message is the one line for the user, and the file is left as it was.
        sqlite3.Error: the file cannot be opened or is not a SQLite database.
    """

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout: float = 5.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        check_appendable(self.path)  # a damaged, locked or newer log: refused before anything is written
        self._host = socket.gethostname()
        self._writer = BatchWriter(self.path, busy_timeout=busy_timeout, host=self._host)
        # The writer is a daemon thread; without this, queued events would vanish at interpreter exit.
        atexit.register(self.close)

    # --- writing -----------------------------------------------------------------------------------

    @property
    def written_events(self) -> int:
        """Events committed so far by this object (all sessions), duplicates not counted."""
        return self._writer.written_events

    @property
    def refused_writes(self) -> int:
        """Writes refused one by one (a value SQLite or Python would not take); each was logged once
        with its reason and skipped, the rest of its batch committed."""
        return self._writer.refused_writes

    @property
    def refused_events(self) -> int:
        """Events among the refused writes (an unstorable event is skipped alone)."""
        return self._writer.refused_events

    @property
    def lost_events(self) -> int:
        """Events that could not be kept: beyond the disk-full buffer (``MAX_HELD_EVENTS``), still held
        when the log closed on a full disk, or in a batch whose transaction could not start."""
        return self._writer.lost_events

    @property
    def disk_full(self) -> bool:
        """True while SQLite says the database or disk is full: events are held in memory (bounded) and
        written when space returns."""
        return self._writer.disk_full

    def subscribe_status(self, listener: Callable[[bool], object]) -> Callable[[], None]:
        """Call ``listener(disk_full)`` each time the disk-full state changes — on the writer thread, so
        a GUI must hand it to its own thread. Returns the function that unsubscribes."""
        return self._writer.status_listeners.add(listener)

    def start_session(self, title: str, source: str, started_at: float | None = None) -> int:
        """Create a ``live`` session for this process and host; blocks until committed.

        Returns:
            The new session's id.
        """
        started = time.time() if started_at is None else started_at
        row = (title, source, started, "live", os.getpid(), self._host)

        def insert(conn: sqlite3.Connection) -> int:
            cur = conn.execute(
                "INSERT INTO sessions (title, source, started_at, status, pid, host) VALUES (?,?,?,?,?,?)",
                row,
            )
            return int(cur.lastrowid or 0)

        return int(self._writer.call(insert))

    def reopen_session(self, session_id: int) -> None:
        """Mark an ``interrupted`` session ``live`` again, owned by this process (the show goes on after
        a crash: its events keep their session); blocks until committed."""
        row = (os.getpid(), self._host, session_id)

        def update(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE sessions SET status = 'live', ended_at = NULL, pid = ?, host = ? WHERE id = ?", row)

        self._writer.call(update)

    def append(self, session_id: int, events: Sequence[LiveEvent]) -> None:
        """Queue events for the writer and return at once (never waits for the disk).

        The events must already carry their ``seq``. They are copied into the queue as a tuple, so the
        caller may reuse its list; it must not mutate the events themselves afterwards. A ``seq`` that is
        already stored for the session is ignored (the first copy wins).
        """
        if not events:
            return
        self._writer.check_open()
        self._writer.put_events(session_id, events)

    def record_action(
        self,
        session_id: int,
        *,
        command_id: str,
        actor: str,
        name: str,
        args: dict[str, Any],
        ts: float,
        result: str,
        detail: str = "",
        after_seq: int | None = None,
    ) -> None:
        """Queue one operator command and its outcome (``applied``/``duplicate``/``rejected``);
        ``after_seq``: the ``seq`` of the last event the engine had applied when it handled it."""
        if result not in ACTION_RESULTS:
            raise ValueError(f"result must be one of {sorted(ACTION_RESULTS)}, not {result!r}")
        self._writer.check_open()
        self._writer.put_action((session_id, command_id, actor, name, dumps(args), ts, result, detail, after_seq))

    def save_products(self, session_id: int, products: Sequence[Mapping[str, Any]]) -> None:
        """Queue a snapshot of the session's catalog (replacing the previous one); returns at once.

        Each mapping holds the ``products`` columns (``no``, ``product_id``, ``name``, ``price_fen``, …,
        ``listed``, ``position``); missing optional ones take their default. A failure is logged.
        """
        self._writer.check_open()
        rows = product_rows(session_id, products)

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM products WHERE session_id = ?", (session_id,))
            conn.executemany(INSERT_PRODUCT, rows)

        self._writer.submit(write)

    def append_metrics(self, session_id: int, rows: Sequence[Mapping[str, Any]]) -> None:
        """Queue metrics snapshots (dicts keyed by ``metrics`` columns) and return at once.

        Written by the writer thread in the next batch transaction, like events; a missing column is 0.
        """
        if not rows:
            return
        self._writer.check_open()
        values = metrics_rows(session_id, rows)

        def insert(conn: sqlite3.Connection) -> None:
            conn.executemany(INSERT_METRICS, values)

        self._writer.submit(insert)

    def end_session(self, session_id: int, status: str = "ended", ended_at: float | None = None) -> None:
        """Write everything queued so far, then close the session; blocks until committed.

        ``event_count`` is recounted from the ``events`` table, so it is exact whatever happened.
        """
        if status not in SESSION_STATUSES - {"live"}:
            raise ValueError(f"status must be 'ended' or 'interrupted', not {status!r}")
        ended = time.time() if ended_at is None else ended_at

        def update(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE sessions SET status = ?, ended_at = ?, "
                "event_count = (SELECT count(*) FROM events WHERE session_id = ?) WHERE id = ?",
                (status, ended, session_id, session_id),
            )

        self._writer.call(update)

    def flush(self, timeout: float | None = 10.0) -> None:
        """Block until everything queued before this call is committed — or, while the disk is full
        (``disk_full``), held in memory to be written when space returns.

        Raises:
            Exception: the writer's error, if a batch failed since the last flush (it was also logged
                with its traceback). The writer keeps running; later batches may succeed.
            TimeoutError: the writer did not catch up within ``timeout`` seconds.
        """
        self._writer.flush(timeout)

    def close(self) -> None:
        """Flush, stop the writer thread and close its connection. Idempotent.

        Raises:
            Exception: the writer's error, if a batch failed since the last flush.
        """
        atexit.unregister(self.close)
        self._writer.close()  # raises a pending error: then the next open checks the file in full
        if not self.lost_events and not self.disk_full:
            remember_checked(self.path)

    def __enter__(self) -> SessionLog:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
