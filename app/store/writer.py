"""The session log's writer thread: the one owner of the write connection.

Callers hand it work through a queue and never wait for the disk; the thread blocks for the first item,
drains whatever else is queued and commits it all in one transaction, so a crash loses at most what was
queued since the last commit.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from app.core.events import LiveEvent
from app.store.orphans import mark_orphans
from app.store.rows import INSERT_ACTION, INSERT_EVENT, event_rows
from app.store.schema import Immediate, SessionLogError, migrate

log = logging.getLogger("livedeck.store")

# Stop draining the queue once a batch holds this many events: it bounds one transaction's memory and
# duration while still amortising the commit (the fsync of the WAL) over many events.
_MAX_BATCH_EVENTS = 50_000

# --- work items the writer thread executes (first element tags the kind) ---------------------------

_EVENTS = 0  # (_EVENTS, session_id, tuple[LiveEvent, ...])
_ACTION = 1  # (_ACTION, row tuple)
_CALL = 2  # (_CALL, fn(conn) -> result, Future) — runs inside the batch transaction
_FLUSH = 3  # (_FLUSH, Future) — resolved once everything before it is committed (or failed)
_STOP = 4  # (_STOP, Future)

# What a value a source could not bind raises: one such event is skipped, its batch is kept.
_UNSTORABLE = (sqlite3.InterfaceError, sqlite3.ProgrammingError, TypeError, ValueError, AttributeError,
               OverflowError)


class BatchWriter:
    """Starts the writer thread on ``path`` and returns once the log is open, migrated and its orphans
    (sessions of a dead process on ``host``) are marked.

    Args:
        busy_timeout: seconds the writer waits for another process's write lock before a batch fails.

    Raises:
        SessionLogError: the log was written by a newer LiveDeck.
        sqlite3.Error: the file cannot be opened or is not a SQLite database.
    """

    def __init__(self, path: Path, *, busy_timeout: float, host: str) -> None:
        self.path = path
        self._busy_timeout = busy_timeout
        self._host = host
        self._queue: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._error_lock = threading.Lock()
        self._closed = False
        self._close_lock = threading.Lock()
        #: Events committed so far (all sessions), duplicates not counted.
        self.written_events = 0
        ready: Future[None] = Future()
        self.thread = threading.Thread(target=self._run, args=(ready,), name="livedeck-log-writer", daemon=True)
        self.thread.start()
        try:
            ready.result()
        except BaseException:
            self.thread.join()
            self._closed = True
            raise

    # --- the callers' side (any thread) ------------------------------------------------------------

    def check_open(self) -> None:
        if self._closed:
            raise SessionLogError(f"session log {self.path} is closed")

    def put_events(self, session_id: int, events: Sequence[LiveEvent]) -> None:
        """Queue events (copied into a tuple) for the next batch."""
        self._queue.put((_EVENTS, session_id, tuple(events)))

    def put_action(self, row: tuple[Any, ...]) -> None:
        """Queue one ``actions`` row for the next batch."""
        self._queue.put((_ACTION, row))

    def submit(self, fn: Callable[[sqlite3.Connection], Any]) -> None:
        """Queue ``fn(conn)`` for the next batch transaction without waiting for it."""
        # Nobody waits on this future: the writer logs a failed batch and flush() re-raises it.
        self._queue.put((_CALL, fn, Future()))

    def call(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run ``fn`` on the writer thread after everything queued so far; return once committed."""
        self.check_open()
        done: Future[Any] = Future()
        self._queue.put((_CALL, fn, done))
        return done.result()

    def flush(self, timeout: float | None) -> None:
        """Block until everything queued before this call is committed; see ``SessionLog.flush``."""
        if self._closed:
            self.raise_pending_error()
            return
        done: Future[None] = Future()
        self._queue.put((_FLUSH, done))
        try:
            done.result(timeout)
        except TimeoutError:
            raise TimeoutError(f"session log writer did not catch up within {timeout} s") from None
        self.raise_pending_error()

    def close(self) -> None:
        """Flush, stop the thread and close its connection. Idempotent; raises a pending batch error."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        if self.thread.is_alive():
            done: Future[None] = Future()
            self._queue.put((_STOP, done))
            done.result()
            self.thread.join()
        self.raise_pending_error()

    def raise_pending_error(self) -> None:
        with self._error_lock:
            error, self._error = self._error, None
        if error is not None:
            raise error

    # --- the writer thread -------------------------------------------------------------------------

    def _run(self, ready: Future[None]) -> None:
        try:
            db = self._open()
        except BaseException as exc:
            ready.set_exception(exc)
            return
        ready.set_result(None)
        try:
            while not self._write_batch(db.conn, self._next_batch()):
                pass
        finally:
            db.close()
            self._drain_after_stop()

    def _next_batch(self) -> list[tuple[Any, ...]]:
        """Block for the first item, then take whatever else is queued (up to ``_MAX_BATCH_EVENTS``)."""
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
        return batch

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

    def _open(self) -> Database:
        conn = sqlite3.connect(self.path, timeout=self._busy_timeout)
        db = Database(conn)
        try:
            db.enable_wal()
            # NORMAL in WAL mode: a commit survives a process crash; a power cut may roll back the last
            # few commits but never corrupts the file. FULL would fsync on every batch.
            conn.execute("PRAGMA synchronous = NORMAL")
            migrate(db)
            mark_orphans(conn, self._host)
        except BaseException:
            db.close()
            raise
        return db

    def _write_batch(self, conn: sqlite3.Connection, batch: list[tuple[Any, ...]]) -> bool:
        """Commit one drained batch in one transaction; resolve its futures. Returns True on stop."""
        results: list[tuple[Future[Any], Any]] = []
        waiters: list[Future[Any]] = []
        stop = False
        written = 0
        try:
            if any(item[0] < _FLUSH for item in batch):
                with Immediate(conn):
                    for item in batch:
                        tag = item[0]
                        if tag == _EVENTS:
                            written += self._insert_events(conn, item[1], item[2])
                        elif tag == _ACTION:
                            conn.execute(INSERT_ACTION, item[1])
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
            self.written_events += written
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
            conn.executemany(INSERT_EVENT, event_rows(session_id, events))
        except _UNSTORABLE:
            # One event with an unbindable value (a source bug) must not cost the good events around it:
            # redo this append row by row (rows already in are ignored as duplicates) and skip the bad.
            for event in events:
                try:
                    conn.execute(INSERT_EVENT, event_rows(session_id, (event,))[0])
                except _UNSTORABLE:
                    log.error("session log: skipped an unstorable event in session %s: %.200r",
                              session_id, event)
        inserted = conn.total_changes - before
        if inserted:
            conn.execute(
                "UPDATE sessions SET event_count = event_count + ? WHERE id = ?", (inserted, session_id)
            )
        return inserted
