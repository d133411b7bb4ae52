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
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from app.core.events import LiveEvent
from app.core.i18n import tr
from app.core.listeners import Listeners
from app.core.log import RateLimitedLog
from app.store.orphans import mark_orphans
from app.store.rows import INSERT_ACTION, INSERT_EVENT, INSERT_EVENT_BLOCK, event_blocks, event_rows
from app.store.schema import Immediate, SessionLogError, migrate

log = logging.getLogger("livedeck.store")

# Stop draining the queue once a batch holds this many events: it bounds one transaction's memory and
# duration while still amortising the commit (the fsync of the WAL) over many events.
_MAX_BATCH_EVENTS = 50_000

# Disk full (SQLITE_FULL): the writer holds what it could not write, in order, up to this many events (an
# action or a snapshot counts as one) — about 40 s at 5,000 events/s, half an hour at 100 events/s, some
# 200 MB of memory at most — and retries every RETRY_SECONDS; what comes beyond the bound is counted lost.
MAX_HELD_EVENTS = 200_000
RETRY_SECONDS = 1.0

# --- work items the writer thread executes (first element tags the kind) ---------------------------

_EVENTS = 0  # (_EVENTS, session_id, tuple[LiveEvent, ...])
_ACTION = 1  # (_ACTION, row tuple)
_CALL = 2  # (_CALL, fn(conn) -> result, Future) — runs inside the batch transaction
_FLUSH = 3  # (_FLUSH, Future) — resolved once everything before it is committed (or failed)
_STOP = 4  # (_STOP, Future)
_SETUP = 5  # (_SETUP, fn(conn) -> result, Future) — runs before the batch, outside its transaction

# What a value a source could not bind raises: one such event is skipped, its batch is kept.
_UNSTORABLE = (sqlite3.InterfaceError, sqlite3.ProgrammingError, sqlite3.IntegrityError, TypeError, ValueError,
               AttributeError, OverflowError)


class DiskFullError(SessionLogError):
    """A write that was waited for could not be made: the disk holding the session log is full."""


def disk_full_reason() -> str:
    """What a waited-for write that the full disk stopped says (record's and the console's one line)."""
    return tr("磁盘已满：场次日志暂时无法写入，腾出空间后再试")


def _is_full(exc: BaseException) -> bool:
    """SQLite said "database or disk is full" (SQLITE_FULL)."""
    return isinstance(exc, sqlite3.OperationalError) and (
        getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "database or disk is full" in str(exc))


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
        #: Writes SQLite or Python refused (each logged once and skipped; its batch was kept).
        self.refused_writes = 0
        #: Events among them (an unstorable event, an append refused whole).
        self.refused_events = 0
        #: Events that could not be kept: past the disk-full bound, still held at close, or in a batch
        #: whose transaction could not start.
        self.lost_events = 0
        #: True while SQLite says the database or disk is full (events are being held in memory).
        self.disk_full = False
        #: Called with ``disk_full`` on the writer thread each time it changes.
        self.status_listeners: Listeners[[bool]] = Listeners(log, "session log status listener")
        self._held: list[tuple[Any, ...]] = []
        self._held_events = 0
        self._retry_at = 0.0
        self._next_full_log = 0.0
        self._waited: set[Future[Any]] = set()
        # A fault that repeats (a snapshot refused every second) logs one line per 5 s with a count.
        self._log_refusal = RateLimitedLog(log, 5.0, logging.ERROR)
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
        self._waited.add(done)
        self._queue.put((_CALL, fn, done))
        try:
            return done.result()
        finally:
            self._waited.discard(done)

    def configure(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run ``fn`` on the writer's connection outside any transaction (a PRAGMA such as
        ``max_page_count``) before the next batch, ahead of anything disk full holds; return its result."""
        self.check_open()
        done: Future[Any] = Future()
        self._queue.put((_SETUP, fn, done))
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
        try:
            batch = [self._queue.get(timeout=RETRY_SECONDS if self._held else None)]
        except queue.Empty:
            return []  # time to retry what disk full held
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
            elif item[0] == _SETUP:
                item[2].set_exception(SessionLogError(f"session log {self.path} is closed"))

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
        """Commit one drained batch (after what disk full held) in one transaction, each item in its own
        SAVEPOINT; resolve its futures. Returns True on stop."""
        work = [item for item in batch if item[0] < _FLUSH]
        stop = any(item[0] == _STOP for item in batch)
        for item in batch:
            if item[0] == _SETUP:
                self._retry_at = 0.0  # the connection changed (more room?): retry at once
                try:
                    item[2].set_result(item[1](conn))
                except Exception as exc:
                    item[2].set_exception(exc)
        if self._held and not stop and time.monotonic() < self._retry_at:
            self._hold(work)  # disk still full a moment ago: keep queueing, retry on the next tick
        elif work or self._held:
            pending, self._held = [*self._held, *work], []
            self._held_events = 0
            self._commit(conn, pending)
            if stop and self._held:
                self._give_up_held()
        for item in batch:
            if item[0] in (_FLUSH, _STOP):
                item[1].set_result(None)
        return stop

    def _commit(self, conn: sqlite3.Connection, pending: list[tuple[Any, ...]]) -> None:
        """Write ``pending`` in one transaction; a failing item is refused alone, disk full holds the rest."""
        results: list[tuple[Future[Any], Any]] = []
        written = 0
        held_from: int | None = None
        refused: set[int] = set()
        try:
            with Immediate(conn):
                for index, item in enumerate(pending):
                    conn.execute("SAVEPOINT item")
                    try:
                        value = self._run_item(conn, item)
                    except Exception as exc:
                        if not conn.in_transaction:  # SQLite rolled the whole transaction back
                            raise
                        conn.execute("ROLLBACK TO item")
                        if _is_full(exc):
                            held_from = index
                            break
                        self._refuse(item, exc)
                        refused.add(index)
                        continue
                    finally:
                        if conn.in_transaction:
                            conn.execute("RELEASE item")
                    if item[0] == _EVENTS:
                        written += value
                    elif item[0] == _CALL:
                        results.append((item[2], value))
        except Exception as exc:
            if not _is_full(exc):
                self._fail_batch(pending, exc)
                return
            results, written, held_from = [], 0, 0
            pending = [item for index, item in enumerate(pending) if index not in refused]
        self.written_events += written
        for future, value in results:
            future.set_result(value)
        if held_from is None:
            self._set_full(False)
        else:
            self._retry_at = time.monotonic() + RETRY_SECONDS
            self._hold(pending[held_from:])
            self._set_full(True)

    def _run_item(self, conn: sqlite3.Connection, item: tuple[Any, ...]) -> Any:
        tag = item[0]
        if tag == _EVENTS:
            return self._insert_events(conn, item[1], item[2])
        if tag == _ACTION:
            return conn.execute(INSERT_ACTION, item[1])
        return item[1](conn)

    def _refuse(self, item: tuple[Any, ...], exc: Exception) -> None:
        """One write SQLite or Python refused: logged once with its reason, counted, the batch goes on."""
        what = {_EVENTS: "events", _ACTION: "action"}.get(item[0], "snapshot")
        self.refused_writes += 1
        if item[0] == _EVENTS:
            self.refused_events += len(item[2])
        self._log_refusal("session log: refused one %s write (%s: %s); the rest of its batch is kept",
                          what, type(exc).__name__, exc)
        if item[0] == _CALL:
            item[2].set_exception(exc)

    def _fail_batch(self, pending: list[tuple[Any, ...]], exc: Exception) -> None:
        """The transaction itself failed (the write lock was not free in time): the batch is lost."""
        lost = sum(len(item[2]) for item in pending if item[0] == _EVENTS)
        log.exception("session log: a batch of %d events failed to commit", lost)
        self.lost_events += lost
        with self._error_lock:
            self._error = exc
        for item in pending:
            if item[0] == _CALL and not item[2].done():
                item[2].set_exception(exc)

    # --- disk full: hold, retry, tell -------------------------------------------------------------

    def _hold(self, items: list[tuple[Any, ...]]) -> None:
        """Keep ``items`` for the next retry, up to :data:`MAX_HELD_EVENTS`; a waited-for call fails at
        once (its caller must not hang while the disk is full), events past the bound are counted lost."""
        for item in items:
            if item[0] == _CALL and item[2].done():
                continue  # refused already
            if item[0] == _CALL and item[2] in self._waited:
                self._waited.discard(item[2])
                item[2].set_exception(DiskFullError(disk_full_reason()))
                continue
            size = len(item[2]) if item[0] == _EVENTS else 1
            if self._held_events + size > MAX_HELD_EVENTS:
                if item[0] == _EVENTS:
                    self.lost_events += size
                else:
                    self.refused_writes += 1
                continue
            self._held.append(item)
            self._held_events += size
        now = time.monotonic()
        if now >= self._next_full_log:
            self._next_full_log = now + 60.0
            log.error("session log: database or disk is full; holding %d events in memory (at most %d), "
                      "retrying every %g s; %d could not be kept", self._held_events, MAX_HELD_EVENTS,
                      RETRY_SECONDS, self.lost_events)

    def _give_up_held(self) -> None:
        """Closing while the disk is still full: what is held cannot be kept."""
        lost = sum(len(item[2]) for item in self._held if item[0] == _EVENTS)
        self.lost_events += lost
        self.refused_writes += sum(1 for item in self._held if item[0] != _EVENTS)
        log.error("session log closed while the disk is full: %d held events not written", lost)
        for item in self._held:
            if item[0] == _CALL:
                item[2].set_exception(DiskFullError(disk_full_reason()))
        self._held, self._held_events = [], 0

    def _set_full(self, full: bool) -> None:
        if full == self.disk_full:
            return
        self.disk_full = full
        if not full:
            self._next_full_log = 0.0
            log.warning("session log: disk space is back; the held events are written")
        self.status_listeners.notify(full)

    def _insert_events(self, conn: sqlite3.Connection, session_id: int, events: Sequence[LiveEvent]) -> int:
        """Insert one append()'s events; returns how many were new."""
        before = conn.total_changes
        try:
            blocks, rest = event_blocks(event_rows(session_id, events))
            conn.executemany(INSERT_EVENT_BLOCK, blocks)
            conn.executemany(INSERT_EVENT, rest)
        except _UNSTORABLE:
            # One event with an unbindable value (a source bug) must not cost the good events around it:
            # redo this append row by row (rows already in are ignored as duplicates) and skip the bad.
            for event in events:
                try:
                    conn.execute(INSERT_EVENT, event_rows(session_id, (event,))[0])
                except _UNSTORABLE:
                    self.refused_events += 1
                    self._log_refusal("session log: skipped an unstorable event in session %s: %.200r",
                                      session_id, event)
        inserted = conn.total_changes - before
        if inserted:
            conn.execute(
                "UPDATE sessions SET event_count = event_count + ? WHERE id = ?", (inserted, session_id)
            )
        return inserted
