"""One session opened for review: what the log says about it (title, times, catalog, applied commands,
explain windows) and the machinery every result is read with — read-only connections, worker threads,
results computed once and kept (docs/review.md, "How the review reads a big log")."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from app.core.i18n import tr
from app.review.explain_windows import Action, Catalog, ExplainWindow, rebuild_explain_windows
from app.review.log_access import (
    PathLike,
    ReviewError,
    check_log,
    connect_readonly,
    has_table,
    loads_object,
    platform_of,
    session_or_error,
)
from app.store.integrity import log_error_text

T = TypeVar("T")

#: How long after the session's end (a live one: now) an event still counts as the session's.
LATE_AFTER_S = 86_400.0


class SessionReader:
    """One session of the log, read with read-only connections that :meth:`close` can interrupt.

    Results are computed on first use and kept (:meth:`cached`); queries run on worker threads, one per
    core (SQLite releases the GIL while it works), started once per key (:meth:`future`). Call
    :meth:`close` (or use ``with``) to stop the workers; it interrupts running queries.

    Raises:
        ReviewError: the log or the session does not exist.
    """

    def __init__(self, path: PathLike, session_id: int) -> None:
        self.path = check_log(path)
        conn = connect_readonly(self.path)
        try:
            self._read_session(conn, session_id)
        finally:
            conn.close()
        self.by_no: dict[Any, str] = {no: pid for pid, (no, _, _) in self.catalog.items()}
        self._lock = threading.Lock()
        self._cache: dict[Any, Any] = {}
        self._futures: dict[Any, Future[Any]] = {}
        self._open: set[sqlite3.Connection] = set()
        # One worker a core: SQLite works without the GIL, and more threads than cores only slow the longest
        # query down.
        self.workers = max(2, os.cpu_count() or 1)
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="livedeck-review")
        self._closed = False

    def _read_session(self, conn: sqlite3.Connection, session_id: int) -> None:
        try:
            row = session_or_error(conn, session_id)
        except sqlite3.DatabaseError as exc:
            raise ReviewError(log_error_text(self.path, exc)) from None
        #: The log's schema version (``PRAGMA user_version``): above ours, a newer LiveDeck wrote it.
        self.schema_version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        self.session_id = int(row[0])
        self.title: str = row[1] or ""
        self.source: str = row[2] or ""
        self.platform = platform_of(self.source)
        self.started_at: float = row[3]
        self.status: str = row[5]
        self.ended_at: float | None = row[4]
        #: Events after this are off the session's clock (a bridge's milliseconds, 1e300): the timeline
        #: stops here, and the report says how many there are (``late_events``).
        self.horizon_ts: float = (self.ended_at if self.ended_at is not None
                                  else max(time.time(), self.started_at)) + LATE_AFTER_S
        last = conn.execute("SELECT max(ts) FROM events WHERE session_id = ? AND ts <= ?",
                            (session_id, self.horizon_ts)).fetchone()[0]
        self.late_events: int = conn.execute("SELECT count(*) FROM events WHERE session_id = ? AND ts > ?",
                                             (session_id, self.horizon_ts)).fetchone()[0]
        # two queries: SQLite answers a lone min() or max() with one index seek, both together with a scan
        lo = conn.execute("SELECT min(seq) FROM events WHERE session_id = ?", (session_id,)).fetchone()[0]
        hi = conn.execute("SELECT max(seq) FROM events WHERE session_id = ?", (session_id,)).fetchone()[0]
        #: The session's seq range, split into parts the comment scan reads in parallel.
        self.seq_range: tuple[int, int] | None = None if lo is None else (int(lo), int(hi))
        #: When the show ended for the review: ended_at, else (live) its latest event.
        self.end_ts: float = max(self.started_at, self.ended_at if self.ended_at is not None
                                 else (last if last is not None else self.started_at))
        self.catalog: Catalog = {
            r[1]: (int(r[0]), r[2], int(r[3]))
            for r in conn.execute(
                "SELECT no, product_id, name, price_fen FROM products WHERE session_id = ? ORDER BY position, no",
                (session_id,),
            )
        } if has_table(conn, "products") else {}
        self.has_shop_orders = has_table(conn, "shop_orders")
        self.actions: list[Action] = [
            (name, loads_object(args), ts, command_id, actor)
            for name, args, ts, command_id, actor in conn.execute(
                "SELECT name, args, ts, command_id, actor FROM actions WHERE session_id = ? AND result = 'applied' "
                "ORDER BY rowid",
                (session_id,),
            )
        ]

    # -- lifetime ---------------------------------------------------------------------------------------
    def close(self) -> None:
        """Stop the worker threads, interrupting running queries. Idempotent; the review still answers
        afterwards (on the calling thread)."""
        if not self._closed:
            self._closed = True
            with self._lock:
                for conn in self._open:
                    conn.interrupt()
            self._pool.shutdown(wait=True, cancel_futures=True)
            with self._lock:  # interrupted or cancelled work is redone on demand
                self._futures = {k: f for k, f in self._futures.items()
                                 if f.done() and not f.cancelled() and f.exception() is None}

    def __enter__(self) -> SessionReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # a forgotten close() must not keep threads alive
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    # -- reading ----------------------------------------------------------------------------------------
    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection that close() can interrupt."""
        conn = connect_readonly(self.path)
        with self._lock:
            self._open.add(conn)
        try:
            yield conn
        finally:
            with self._lock:
                self._open.discard(conn)
            conn.close()

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.connection() as conn:
            return conn.execute(sql, params).fetchall()

    def future(self, key: Any, fn: Callable[..., T], *args: Any) -> Future[T]:
        """``fn(*args)`` on a worker, started once per key."""
        with self._lock:
            found = self._futures.get(key)
            if found is not None:
                return found
        made = self.submit(fn, *args)
        with self._lock:
            return self._futures.setdefault(key, made)

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        """``fn(*args)`` on a worker (on the calling thread once closed)."""
        if self._closed:
            done: Future[T] = Future()
            try:
                done.set_result(fn(*args))
            except BaseException as exc:
                done.set_exception(exc)
            return done
        return self._pool.submit(fn, *args)

    def cached(self, key: Any, compute: Callable[[], T]) -> T:
        """The kept result under ``key``, computed now if there is none."""
        with self._lock:
            if key in self._cache:
                return self._cache[key]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            self._cache.setdefault(key, value)
            return self._cache[key]  # type: ignore[no-any-return]

    def is_cached(self, key: Any) -> bool:
        with self._lock:
            return key in self._cache

    def forget(self, key: Any) -> None:
        """Drop the kept result under ``key``: it is computed again on next use."""
        with self._lock:
            self._cache.pop(key, None)

    # -- the session ------------------------------------------------------------------------------------
    def explain_windows(self) -> list[ExplainWindow]:
        """The explain windows, rebuilt from the logged ``explain``/``stop_explain``/``unlist``/
        ``load_catalog`` commands as the commerce engine applied them (docs/commands.md)."""
        return self.cached("windows", lambda: rebuild_explain_windows(self.actions, self.catalog, self.by_no,
                                                                      self.end_ts))

    def product_label(self, product_id: str) -> str:
        no, name, _ = self.catalog.get(product_id, (None, "", 0))
        return tr("{no}号 {name}", no=no, name=name).strip() if no is not None else product_id
