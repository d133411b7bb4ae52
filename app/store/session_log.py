"""The session log: every event and operator action of every show, in one SQLite file.

Exactly one writer thread owns the write connection. Callers hand it work through a queue and never
wait for the disk (:meth:`SessionLog.append`, :meth:`SessionLog.record_action`); the writer blocks for
the first item, drains whatever else is queued and commits it all in one transaction, so a crash loses
at most what was queued since the last commit. Readers open their own connections (WAL mode lets them
read while the writer writes). The schema is documented in docs/schema.md and versioned by the
numbered migrations in :data:`MIGRATIONS` (``PRAGMA user_version`` holds how many have run).

Example::

    with SessionLog(settings.default_log_path()) as store:
        sid = store.start_session("春季上新专场", "demo")
        store.append(sid, batch)          # returns at once
        store.end_session(sid)            # waits until everything is on disk
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import queue
import socket
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlite_utils import Database

from app.core.events import LiveEvent

log = logging.getLogger("livedeck.store")

SESSION_STATUSES = frozenset({"live", "ended", "interrupted"})
ACTION_RESULTS = frozenset({"applied", "duplicate", "rejected"})

# Stop draining the queue once a batch holds this many events: it bounds one transaction's memory and
# duration while still amortising the commit (the fsync of the WAL) over many events.
_MAX_BATCH_EVENTS = 50_000

_EVENT_COLUMNS = (
    "session_id, seq, ts, kind, user_id, user_name, text, count, amount_fen, product_id, msg_id, extra"
)
# OR IGNORE: a re-sent (session_id, seq) keeps the first copy instead of failing the whole batch.
_INSERT_EVENT = f"INSERT OR IGNORE INTO events ({_EVENT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
_INSERT_ACTION = (
    "INSERT INTO actions (session_id, command_id, actor, name, args, ts, result, detail) "
    "VALUES (?,?,?,?,?,?,?,?)"
)
#: The ``metrics`` table's data columns (after ``session_id``), as app.metrics.tracker.SNAPSHOT_FIELDS.
METRICS_COLUMNS = (
    "ts", "online", "peak_online", "online_seconds", "online_span_s", "viewers_uv", "entries_pv",
    "comments", "comments_1m", "commenters", "likes", "follows", "interacting", "clicks", "clickers",
    "clicked_buyers", "orders", "units", "buyers", "gmv_fen",
)
_INSERT_METRICS = (
    f"INSERT INTO metrics (session_id, {', '.join(METRICS_COLUMNS)}) "
    f"VALUES ({', '.join('?' * (len(METRICS_COLUMNS) + 1))})"
)
# Column order of LiveEvent's fields, so a row builds an event positionally.
_SELECT_EVENT = (
    "SELECT kind, ts, user_id, user_name, text, count, amount_fen, product_id, msg_id, extra, seq "
    "FROM events"
)


class SessionLogError(RuntimeError):
    """The session log cannot be used: closed, or written by a newer LiveDeck."""


# --- schema ----------------------------------------------------------------------------------------


def _migration_1(db: Database) -> None:
    """Sessions, events and operator actions."""
    db.execute(
        """CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL DEFAULT '',
            started_at REAL NOT NULL,
            ended_at REAL,
            status TEXT NOT NULL DEFAULT 'live',
            pid INTEGER,
            host TEXT,
            event_count INTEGER NOT NULL DEFAULT 0
        )"""
    )
    # WITHOUT ROWID: the primary key *is* the table's b-tree, so an insert touches one b-tree less than
    # a rowid table with a unique index, and rows are stored in (session, seq) order for replay.
    # Data columns stay nullable: a malformed value from a source must not fail a batch of good events.
    db.execute(
        """CREATE TABLE events (
            session_id INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            ts REAL,
            kind TEXT,
            user_id TEXT,
            user_name TEXT,
            text TEXT,
            count INTEGER,
            amount_fen INTEGER,
            product_id TEXT,
            msg_id TEXT,
            extra TEXT,
            PRIMARY KEY (session_id, seq)
        ) WITHOUT ROWID"""
    )
    db.execute("CREATE INDEX events_session_kind_seq ON events (session_id, kind, seq)")
    db.execute("CREATE INDEX events_session_ts ON events (session_id, ts)")
    db.execute(
        """CREATE TABLE actions (
            session_id INTEGER NOT NULL,
            command_id TEXT NOT NULL,
            actor TEXT NOT NULL,
            name TEXT NOT NULL,
            args TEXT NOT NULL DEFAULT '{}',
            ts REAL NOT NULL,
            result TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT ''
        )"""
    )
    db.execute("CREATE INDEX actions_session_ts ON actions (session_id, ts)")


def _migration_metrics(db: Database) -> None:
    """Per-second metrics snapshots (app/metrics/tracker.py, docs/metrics.md): cumulative counters with every
    rate's numerator and denominator, so a rate is one column ÷ another."""
    db.execute(
        """CREATE TABLE metrics (
            session_id INTEGER NOT NULL,
            ts REAL NOT NULL,
            online INTEGER NOT NULL DEFAULT 0,
            peak_online INTEGER NOT NULL DEFAULT 0,
            online_seconds REAL NOT NULL DEFAULT 0,
            online_span_s REAL NOT NULL DEFAULT 0,
            viewers_uv INTEGER NOT NULL DEFAULT 0,
            entries_pv INTEGER NOT NULL DEFAULT 0,
            comments INTEGER NOT NULL DEFAULT 0,
            comments_1m INTEGER NOT NULL DEFAULT 0,
            commenters INTEGER NOT NULL DEFAULT 0,
            likes INTEGER NOT NULL DEFAULT 0,
            follows INTEGER NOT NULL DEFAULT 0,
            interacting INTEGER NOT NULL DEFAULT 0,
            clicks INTEGER NOT NULL DEFAULT 0,
            clickers INTEGER NOT NULL DEFAULT 0,
            clicked_buyers INTEGER NOT NULL DEFAULT 0,
            orders INTEGER NOT NULL DEFAULT 0,
            units INTEGER NOT NULL DEFAULT 0,
            buyers INTEGER NOT NULL DEFAULT 0,
            gmv_fen INTEGER NOT NULL DEFAULT 0
        )"""
    )
    db.execute("CREATE INDEX metrics_session_ts ON metrics (session_id, ts)")


def _migration_products(db: Database) -> None:
    """The show's catalog as it stood, per session (queue order and 上架/下架 included)."""
    db.execute(
        """CREATE TABLE products (
            session_id INTEGER NOT NULL,
            product_id TEXT NOT NULL,
            no INTEGER NOT NULL,
            name TEXT NOT NULL,
            price_fen INTEGER NOT NULL,
            original_price_fen INTEGER NOT NULL DEFAULT 0,
            stock INTEGER NOT NULL DEFAULT 0,
            link TEXT NOT NULL DEFAULT '',
            selling_points TEXT NOT NULL DEFAULT '',
            sku TEXT NOT NULL DEFAULT '',
            image TEXT NOT NULL DEFAULT '',
            listed INTEGER NOT NULL DEFAULT 1,
            position INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (session_id, no)
        )"""
    )


def _migration_shop_orders(db: Database) -> None:
    """Orders imported from the shop backend's export (app.review.shop_orders.import_shop_orders, docs/review.md)."""
    db.execute(
        """CREATE TABLE shop_orders (
            session_id INTEGER NOT NULL,
            order_id TEXT NOT NULL,
            product_id TEXT NOT NULL DEFAULT '',
            no INTEGER,
            amount_fen INTEGER NOT NULL,
            ts REAL NOT NULL,
            buyer TEXT NOT NULL DEFAULT '',
            window_no INTEGER,
            in_window INTEGER NOT NULL DEFAULT 0,
            source_file TEXT NOT NULL DEFAULT '',
            imported_at REAL NOT NULL,
            PRIMARY KEY (session_id, order_id)
        )"""
    )


# Migration N is MIGRATIONS[N - 1]. Append new ones; never edit or reorder one that has shipped.
MIGRATIONS: tuple[Callable[[Database], None], ...] = (
    _migration_1, _migration_metrics, _migration_products, _migration_shop_orders,
)
SCHEMA_VERSION = len(MIGRATIONS)


def _user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: Database) -> int:
    """Bring the log's schema up to :data:`SCHEMA_VERSION`; a log that is already current is untouched.

    Each migration runs in its own transaction together with the bump of ``PRAGMA user_version``, so a
    crash mid-migration leaves the log at the previous version.

    Returns:
        The schema version after migrating.

    Raises:
        SessionLogError: the log was written by a newer LiveDeck (its version is above ours).
    """
    conn = db.conn
    version = _user_version(conn)
    if version > SCHEMA_VERSION:
        raise SessionLogError(
            f"session log schema version {version} is newer than this LiveDeck supports "
            f"({SCHEMA_VERSION}); please update LiveDeck"
        )
    while version < SCHEMA_VERSION:
        with _Immediate(conn):
            # Re-read under the write lock: another process may have migrated meanwhile.
            version = _user_version(conn)
            if version >= SCHEMA_VERSION:
                break
            MIGRATIONS[version](db)
            version += 1
            conn.execute(f"PRAGMA user_version = {version:d}")
            log.info("session log migrated to schema version %d", version)
    return version


class _Immediate:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on error.

    IMMEDIATE takes the write lock up front, so a transaction that reads before it writes cannot fail
    half-way with SQLITE_BUSY when another process wrote in between.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.conn.execute("COMMIT")
        elif self.conn.in_transaction:
            self.conn.execute("ROLLBACK")


# --- helpers ---------------------------------------------------------------------------------------


def open_readonly(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """Open the log read-only (a ``mode=ro`` URI), for review and report code.

    The connection never takes the write lock, so it is safe beside a running writer. The caller closes
    it. Raises ``sqlite3.OperationalError`` if the file does not exist.
    """
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    return sqlite3.connect(uri, uri=True)


def _pid_alive(pid: int | None) -> bool:
    """Whether process ``pid`` is running on this host. Unknown or foreign processes count as alive."""
    if pid is None or pid <= 0:
        # pid 0 / negative would address a process group in os.kill, never one process.
        return False
    if sys.platform == "win32":
        # os.kill(pid, 0) on Windows *terminates* the process (TerminateProcess with exit code 0).
        import ctypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return ctypes.get_last_error() == 5  # ERROR_ACCESS_DENIED: it exists, it isn't ours
        try:
            code = ctypes.c_ulong()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists but belongs to another user
    except OSError:
        return True
    return True


def _dumps(value: Any) -> str:
    # default=str: an exotic value in extra/args (a datetime, a Decimal) must not fail a whole batch.
    return json.dumps(value, ensure_ascii=False, default=str)


def _event_rows(session_id: int, events: Sequence[LiveEvent]) -> list[tuple[Any, ...]]:
    return [
        (
            session_id, e.seq, e.ts, e.kind, e.user_id, e.user_name, e.text, e.count, e.amount_fen,
            e.product_id, e.msg_id, None if e.extra is None else _dumps(e.extra),
        )
        for e in events
    ]


def _row_to_event(row: tuple[Any, ...]) -> LiveEvent:
    kind, ts, user_id, user_name, text, count, amount_fen, product_id, msg_id, extra, seq = row
    return LiveEvent(
        kind, ts, user_id, user_name, text, count, amount_fen, product_id, msg_id,
        None if extra is None else json.loads(extra), seq,
    )


# --- work items the writer thread executes (first element tags the kind) ---------------------------

_EVENTS = 0  # (_EVENTS, session_id, tuple[LiveEvent, ...])
_ACTION = 1  # (_ACTION, row tuple)
_CALL = 2  # (_CALL, fn(conn) -> result, Future) — runs inside the batch transaction
_FLUSH = 3  # (_FLUSH, Future) — resolved once everything before it is committed (or failed)
_STOP = 4  # (_STOP, Future)


class SessionLog:
    """The SQLite session log, written by one background thread and readable from any thread.

    Args:
        path: the SQLite file; parent directories are created. Usually
            ``app.core.settings.default_log_path()``.
        busy_timeout: seconds the writer waits for another process's write lock before a batch fails.

    Raises:
        SessionLogError: the log was written by a newer LiveDeck.
        sqlite3.Error: the file cannot be opened or is not a SQLite database.
    """

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout: float = 5.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._busy_timeout = busy_timeout
        self._queue: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._error_lock = threading.Lock()
        self._closed = False
        self._close_lock = threading.Lock()
        self._written_events = 0
        self._host = socket.gethostname()
        ready: Future[None] = Future()
        self._thread = threading.Thread(
            target=self._run, args=(ready,), name="livedeck-log-writer", daemon=True
        )
        self._thread.start()
        try:
            ready.result()
        except BaseException:
            self._thread.join()
            self._closed = True
            raise
        # The writer is a daemon thread; without this, queued events would vanish at interpreter exit.
        atexit.register(self.close)

    # --- writing -----------------------------------------------------------------------------------

    @property
    def written_events(self) -> int:
        """Events committed so far by this object (all sessions), duplicates not counted."""
        return self._written_events

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

        return int(self._call(insert))

    def append(self, session_id: int, events: Sequence[LiveEvent]) -> None:
        """Queue events for the writer and return at once (never waits for the disk).

        The events must already carry their ``seq``. They are copied into the queue as a tuple, so the
        caller may reuse its list; it must not mutate the events themselves afterwards. A ``seq`` that is
        already stored for the session is ignored (the first copy wins).
        """
        if not events:
            return
        self._check_open()
        self._queue.put((_EVENTS, session_id, tuple(events)))

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
    ) -> None:
        """Queue one operator command and its outcome (``applied``/``duplicate``/``rejected``)."""
        if result not in ACTION_RESULTS:
            raise ValueError(f"result must be one of {sorted(ACTION_RESULTS)}, not {result!r}")
        self._check_open()
        row = (session_id, command_id, actor, name, _dumps(args), ts, result, detail)
        self._queue.put((_ACTION, row))

    def save_products(self, session_id: int, products: Sequence[Mapping[str, Any]]) -> None:
        """Queue a snapshot of the session's catalog (replacing the previous one); returns at once.

        Each mapping holds the ``products`` columns (``no``, ``product_id``, ``name``, ``price_fen``, …,
        ``listed``, ``position``); missing optional ones take their default. A failure is logged.
        """
        self._check_open()
        columns = ("product_id", "no", "name", "price_fen", "original_price_fen", "stock", "link",
                   "selling_points", "sku", "image", "listed", "position")
        defaults: dict[str, Any] = {"original_price_fen": 0, "stock": 0, "link": "", "selling_points": "",
                                    "sku": "", "image": "", "listed": True, "position": 0}
        rows = [(session_id, *({**defaults, **p}[c] for c in columns)) for p in products]
        sql = f"INSERT INTO products (session_id, {', '.join(columns)}) VALUES ({', '.join('?' * 13)})"

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM products WHERE session_id = ?", (session_id,))
            conn.executemany(sql, rows)

        # Nobody waits on this future: the writer logs a failed batch and flush() re-raises it.
        self._queue.put((_CALL, write, Future()))

    def products(self, session_id: int) -> list[dict[str, Any]]:
        """The session's saved catalog in queue order; ``listed`` as a bool."""
        conn = self._read()
        try:
            rows = conn.execute(
                "SELECT * FROM products WHERE session_id = ? ORDER BY position, no", (session_id,)
            ).fetchall()
        finally:
            conn.close()
        return [{**dict(r), "listed": bool(r["listed"])} for r in rows]

    def append_metrics(self, session_id: int, rows: Sequence[Mapping[str, Any]]) -> None:
        """Queue metrics snapshots (dicts keyed by ``metrics`` columns) and return at once.

        Written by the writer thread in the next batch transaction, like events; a missing column is 0.
        """
        if not rows:
            return
        self._check_open()
        values = [(session_id, *(row.get(c, 0) for c in METRICS_COLUMNS)) for row in rows]

        def insert(conn: sqlite3.Connection) -> None:
            conn.executemany(_INSERT_METRICS, values)

        # Nobody waits on this future: the writer logs a failed batch and flush() re-raises it.
        self._queue.put((_CALL, insert, Future()))

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

        self._call(update)

    def flush(self, timeout: float | None = 10.0) -> None:
        """Block until everything queued before this call is committed.

        Raises:
            Exception: the writer's error, if a batch failed since the last flush (it was also logged
                with its traceback). The writer keeps running; later batches may succeed.
            TimeoutError: the writer did not catch up within ``timeout`` seconds.
        """
        if self._closed:
            self._raise_pending_error()
            return
        done: Future[None] = Future()
        self._queue.put((_FLUSH, done))
        try:
            done.result(timeout)
        except TimeoutError:
            raise TimeoutError(f"session log writer did not catch up within {timeout} s") from None
        self._raise_pending_error()

    def close(self) -> None:
        """Flush, stop the writer thread and close its connection. Idempotent.

        Raises:
            Exception: the writer's error, if a batch failed since the last flush.
        """
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        atexit.unregister(self.close)
        if self._thread.is_alive():
            done: Future[None] = Future()
            self._queue.put((_STOP, done))
            done.result()
            self._thread.join()
        self._raise_pending_error()

    def __enter__(self) -> SessionLog:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise SessionLogError(f"session log {self.path} is closed")

    def _call(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run ``fn`` on the writer thread after everything queued so far; return once committed."""
        self._check_open()
        done: Future[Any] = Future()
        self._queue.put((_CALL, fn, done))
        return done.result()

    def _raise_pending_error(self) -> None:
        with self._error_lock:
            error, self._error = self._error, None
        if error is not None:
            raise error

    # --- the writer thread -------------------------------------------------------------------------

    def _run(self, ready: Future[None]) -> None:
        try:
            db = self._open_writer()
        except BaseException as exc:
            ready.set_exception(exc)
            return
        ready.set_result(None)
        try:
            while True:
                batch = [self._queue.get()]
                events = len(batch[0][2]) if batch[0][0] == _EVENTS else 0
                while events < _MAX_BATCH_EVENTS:
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    batch.append(item)
                    if item[0] == _EVENTS:
                        events += len(item[2])
                if self._write_batch(db.conn, batch):
                    return
        finally:
            db.close()
            self._drain_after_stop()

    def _drain_after_stop(self) -> None:
        """Answer whatever raced in behind close(), so no caller waits forever on a stopped writer."""
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item[0] == _EVENTS:
                log.error("session log closed: %d events for session %s not written", len(item[2]), item[1])
            elif item[0] == _CALL:
                item[2].set_exception(SessionLogError(f"session log {self.path} is closed"))
            elif item[0] in (_FLUSH, _STOP):
                item[1].set_result(None)

    def _open_writer(self) -> Database:
        conn = sqlite3.connect(self.path, timeout=self._busy_timeout)
        db = Database(conn)
        try:
            db.enable_wal()
            # NORMAL in WAL mode: a commit survives a process crash; a power cut may roll back the last
            # few commits but never corrupts the file. FULL would fsync on every batch.
            conn.execute("PRAGMA synchronous = NORMAL")
            migrate(db)
            self._mark_orphans(conn)
        except BaseException:
            db.close()
            raise
        return db

    def _mark_orphans(self, conn: sqlite3.Connection) -> None:
        """Mark ``interrupted`` the sessions still ``live`` whose process on this host is gone."""
        rows = conn.execute(
            "SELECT id, pid FROM sessions WHERE status = 'live' AND host = ?", (self._host,)
        ).fetchall()
        orphans = [sid for sid, pid in rows if not _pid_alive(pid)]
        if not orphans:
            return
        with _Immediate(conn):
            for sid in orphans:
                # The last event's time is the best guess of when the show was cut off.
                conn.execute(
                    "UPDATE sessions SET status = 'interrupted', "
                    "ended_at = coalesce((SELECT max(ts) FROM events WHERE session_id = :id), started_at), "
                    "event_count = (SELECT count(*) FROM events WHERE session_id = :id) "
                    "WHERE id = :id AND status = 'live'",
                    {"id": sid},
                )
        log.warning("session log: marked interrupted sessions %s (their process is gone)", orphans)

    def _write_batch(self, conn: sqlite3.Connection, batch: list[tuple[Any, ...]]) -> bool:
        """Commit one drained batch in one transaction; resolve its futures. Returns True on stop."""
        results: list[tuple[Future[Any], Any]] = []
        waiters: list[Future[Any]] = []
        stop = False
        written = 0
        try:
            if any(item[0] < _FLUSH for item in batch):
                with _Immediate(conn):
                    for item in batch:
                        tag = item[0]
                        if tag == _EVENTS:
                            written += self._insert_events(conn, item[1], item[2])
                        elif tag == _ACTION:
                            conn.execute(_INSERT_ACTION, item[1])
                        elif tag == _CALL:
                            results.append((item[2], item[1](conn)))
            error: BaseException | None = None
        except Exception as exc:
            error = exc
            lost = sum(len(item[2]) for item in batch if item[0] == _EVENTS)
            log.exception("session log: a batch of %d events failed to commit", lost)
            with self._error_lock:
                self._error = exc
        else:
            self._written_events += written
        for item in batch:
            tag = item[0]
            if tag == _CALL:
                if error is not None:
                    item[2].set_exception(error)
            elif tag in (_FLUSH, _STOP):
                waiters.append(item[1])
                stop = stop or tag == _STOP
        for future, value in results if error is None else ():
            future.set_result(value)
        for future in waiters:
            future.set_result(None)
        return stop

    @staticmethod
    def _insert_events(conn: sqlite3.Connection, session_id: int, events: Sequence[LiveEvent]) -> int:
        """Insert one append()'s events; returns how many were new."""
        before = conn.total_changes
        try:
            conn.executemany(_INSERT_EVENT, _event_rows(session_id, events))
        except (sqlite3.InterfaceError, sqlite3.ProgrammingError, TypeError, ValueError, AttributeError,
                OverflowError):
            # One event with an unbindable value (a source bug) must not cost the good events around it:
            # redo this append row by row (rows already in are ignored as duplicates) and skip the bad.
            for event in events:
                try:
                    conn.execute(_INSERT_EVENT, _event_rows(session_id, (event,))[0])
                except (sqlite3.InterfaceError, sqlite3.ProgrammingError, TypeError, ValueError,
                        AttributeError, OverflowError):
                    log.error("session log: skipped an unstorable event in session %s: %.200r",
                              session_id, event)
        inserted = conn.total_changes - before
        if inserted:
            conn.execute(
                "UPDATE sessions SET event_count = event_count + ? WHERE id = ?", (inserted, session_id)
            )
        return inserted

    # --- reading (own connections, any thread) -----------------------------------------------------

    def _read(self) -> sqlite3.Connection:
        conn = open_readonly(self.path)
        conn.row_factory = sqlite3.Row
        return conn

    def sessions(self) -> list[dict[str, Any]]:
        """All sessions, newest first, as dicts of the ``sessions`` columns."""
        conn = self._read()
        try:
            rows = conn.execute("SELECT * FROM sessions ORDER BY started_at DESC, id DESC").fetchall()
        finally:
            conn.close()
        return [dict(r) for r in rows]

    def session(self, session_id: int) -> dict[str, Any] | None:
        conn = self._read()
        try:
            row = conn.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
        finally:
            conn.close()
        return None if row is None else dict(row)

    def events(
        self,
        session_id: int,
        kinds: Iterable[str] | None = None,
        after_seq: int = 0,
        limit: int | None = None,
    ) -> list[LiveEvent]:
        """Committed events of a session in ``seq`` order.

        Args:
            kinds: only these kinds (all if None).
            after_seq: only events with ``seq`` greater than this — page on with the last seq you got.
            limit: at most this many events.
        """
        sql = _SELECT_EVENT + " WHERE session_id = ? AND seq > ?"
        params: list[Any] = [session_id, after_seq]
        if kinds is not None:
            kind_list = [str(k) for k in kinds]
            if not kind_list:
                return []
            sql += f" AND kind IN ({','.join('?' * len(kind_list))})"
            params += kind_list
        sql += " ORDER BY seq"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        conn = open_readonly(self.path)
        try:
            return [_row_to_event(r) for r in conn.execute(sql, params)]
        finally:
            conn.close()

    def count_events(self, session_id: int, kind: str | None = None) -> int:
        """Committed events of a session (of one kind if given)."""
        sql = "SELECT count(*) FROM events WHERE session_id = ?"
        params: list[Any] = [session_id]
        if kind is not None:
            sql += " AND kind = ?"
            params.append(str(kind))
        conn = open_readonly(self.path)
        try:
            return int(conn.execute(sql, params).fetchone()[0])
        finally:
            conn.close()

    def actions(self, session_id: int) -> list[dict[str, Any]]:
        """The session's operator actions in the order recorded; ``args`` decoded to a dict."""
        conn = self._read()
        try:
            rows = conn.execute(
                "SELECT session_id, command_id, actor, name, args, ts, result, detail "
                "FROM actions WHERE session_id = ? ORDER BY rowid",
                (session_id,),
            ).fetchall()
        finally:
            conn.close()
        out = []
        for r in rows:
            d = dict(r)
            d["args"] = json.loads(d["args"]) if d["args"] else {}
            out.append(d)
        return out
