"""Post-show review (复盘): the session library and one session's numbers, read from the session log.

Headless and read-only: every function opens its own read-only connection (``app.store.session_log.open_readonly``),
so it is safe beside a running LiveDeck. Every number comes from SQL aggregates over the log — nothing
loads a whole session into Python — so a 3-hour, 2-million-event session opens in about 1.5 s.
What each number means is in docs/review.md (which points to docs/metrics.md for the shared metrics).
"""

from __future__ import annotations

import bisect
import json
import logging
import os
import re
import shutil
import socket
import sqlite3
import tempfile
import threading
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database

from app.comments.rules import QUESTION_WORDS, is_buying_intent, is_question
from app.commerce.catalog import CatalogError, RowError, read_table, yuan_to_fen
from app.core.events import Kind, LiveEvent
from app.core.i18n import tr
from app.core.paths import RESOURCES
from app.metrics.tracker import INTERACTION_KINDS, VIEWER_KINDS, Rate, SessionRates
from app.store.session_log import METRICS_COLUMNS, SessionLogError, _pid_alive, migrate

log = logging.getLogger("livedeck.review")
T = TypeVar("T")

PathLike = str | os.PathLike[str]


class ReviewError(LookupError):
    """A review cannot be made: the log or the session does not exist (message in the UI language)."""


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionRow:
    """One line of the session library."""

    id: int
    title: str
    platform: str  # demo, bilibili, douyin, generic, replay … (from sessions.source)
    started_at: float
    ended_at: float | None
    duration_s: float
    status: str  # live | ended | interrupted
    peak_online: int
    comments: int
    orders: int
    buyers: int
    gmv_fen: int


@dataclass(frozen=True)
class Summary(SessionRates):
    """The session's KPIs (docs/metrics.md definitions; the rates come from SessionRates)."""

    session_id: int
    title: str
    platform: str
    status: str
    started_at: float
    ended_at: float | None
    duration_s: float
    peak_online: int
    average_online: float | None
    viewers_uv: int
    entries_pv: int
    platform_total_viewers: int
    comments: int
    commenters: int
    likes: int
    follows: int
    interacting: int
    clicks: int
    clickers: int
    clicked_buyers: int
    orders: int
    buyers: int
    units: int
    gmv_fen: int
    gifts_fen: int
    questions: int


@dataclass(frozen=True)
class TimelinePoint:
    """One bucket of the timeline, starting at ``ts`` (bucket_s long)."""

    ts: float
    online: int  # the last viewer_stats sample in the bucket (carried over from earlier if none)
    online_avg: float  # mean of the bucket's samples (the carried value if none)
    comments: int
    orders: int
    gmv_fen: int
    cumulative_gmv_fen: int


@dataclass(frozen=True)
class ExplainWindow:
    """A product on the explain card (讲解) from ``start_ts`` to ``end_ts``."""

    no: int | None
    product_id: str
    name: str
    start_ts: float
    end_ts: float  # an unfinished window ends when the session (or its last event) ended


@dataclass(frozen=True)
class Marker:
    """A moment on the timeline."""

    ts: float
    kind: str  # flash_sale_start | flash_sale_end | coupon_drop | lucky_bag | alert
    label: str


@dataclass(frozen=True)
class ProductResult:
    """One product's results. Whole-session counts, plus ``window_*`` inside its explain windows."""

    product_id: str
    no: int | None
    name: str
    price_fen: int
    explain_s: float
    windows: int
    clicks: int
    clickers: int
    orders: int
    buyers: int
    units: int
    gmv_fen: int
    window_clicks: int
    window_clickers: int
    window_orders: int
    window_buyers: int
    window_clicked_buyers: int  # window buyers who also clicked it inside its windows (people)
    window_units: int
    window_gmv_fen: int
    intent_comments: int  # buying-intent comments while it was explained
    questions: int  # questions about it (naming "N号", or asked while it was explained)
    mentions: int  # comments naming its number, whenever written
    shop_orders: int = 0  # imported shop orders (import_shop_orders)
    shop_gmv_fen: int = 0

    @property
    def conversion(self) -> Rate:
        """Window buyers who clicked ÷ window clickers (people), as docs/metrics.md's per-product conversion:
        never over 100 %."""
        return Rate(self.window_clicked_buyers, self.window_clickers)


@dataclass(frozen=True)
class Question:
    seq: int
    ts: float
    user_id: str
    user_name: str
    text: str
    product_no: int | None
    answered: bool
    answered_how: str  # '' | 'pinned' | 'replied' | 'explained'


@dataclass(frozen=True)
class Highlight:
    """A comment spike: ``comments`` in the 10 s from ``ts``, against the ``baseline`` per 10 s."""

    ts: float
    comments: int
    baseline: float
    samples: tuple[str, ...]


@dataclass(frozen=True)
class FlashSaleResult:
    sale_id: str
    no: int | None
    product_id: str
    name: str
    price_fen: int
    stock: int
    sold: int
    start_ts: float | None
    end_ts: float | None
    end_reason: str

    @property
    def sell_through(self) -> Rate:
        return Rate(self.sold, self.stock)


@dataclass(frozen=True)
class CouponResult:
    coupon_id: str
    label: str
    quantity: int
    claimed: int  # coupon_claim events (times), capped at quantity
    claimers: int  # people
    ts: float

    @property
    def claim_rate(self) -> Rate:
        return Rate(self.claimed, self.quantity)


@dataclass(frozen=True)
class LuckyBagResult:
    bag_id: str
    ts: float
    condition: str
    participants: int
    winners: tuple[str, ...]
    seed: int | None
    status: str  # running | drawn | cancelled


@dataclass(frozen=True)
class PromotionResults:
    flash_sales: list[FlashSaleResult] = field(default_factory=list)
    coupons: list[CouponResult] = field(default_factory=list)
    lucky_bags: list[LuckyBagResult] = field(default_factory=list)


@dataclass(frozen=True)
class OrderImport:
    imported: int
    in_windows: int  # of those, placed in a product's explain window
    errors: list[RowError]
    duplicates: int = 0  # order ids already imported for the session


@dataclass(frozen=True)
class CompareProduct:
    """One product across the compared sessions (matched by product id, else by name)."""

    key: str
    name: str
    results: tuple[ProductResult | None, ...]  # one per session, None if absent


@dataclass(frozen=True)
class Comparison:
    sessions: list[Summary]
    products: list[CompareProduct]


__all__ = [
    "CompareProduct", "Comparison", "CouponResult", "ExplainWindow", "FlashSaleResult", "Highlight",
    "LiveEvent", "LuckyBagResult", "Marker", "OrderImport", "ProductResult", "PromotionResults", "Question",
    "Review", "ReviewError", "RowError", "SessionRow", "Summary", "TimelinePoint", "compare", "delete_session",
    "export_session", "import_session", "import_shop_orders", "list_sessions", "rename_session",
]



# --- constants -----------------------------------------------------------------------------------

#: A question counts as answered by an explain window or a staff reply within this many seconds.
ANSWER_WINDOW_S = 300.0
#: Comment spikes (highlights) use the live alert's rule (docs/metrics.md, comment_spike).
SPIKE_WINDOW_S = 10
SPIKE_FACTOR = 3.0
SPIKE_MIN_COMMENTS = 10
#: extra keys an adapter (or a generic-protocol room) sets on comments written by the anchor or an admin.
STAFF_FLAGS = ("is_anchor", "is_admin")
STAFF_ROLES = ("anchor", "admin", "owner", "主播", "房管")

_PRODUCT_NUMBER = re.compile(r"(?<!\d)(\d{1,3})\s*号")
_SQL_QUESTION = " OR ".join(f"instr(text, '{w}') > 0" for w in ("?", "？", *QUESTION_WORDS))
#: Question pages up to this many rows are read straight from SQL; further ones from the list of question seqs.
_DIRECT_PAGES = 1000
_TABLES_WITH_SESSION = ("events", "actions", "metrics", "products", "shop_orders")
_PLATFORMS = ("demo", "generic", "bilibili", "douyin", "douyin-bridge", "kuaishou", "replay")


def _in(values: Iterable[str]) -> str:
    return "(" + ",".join(f"'{v}'" for v in sorted(values)) + ")"


_SQL_VIEWER_KINDS = _in(VIEWER_KINDS)
# Without ANALYZE statistics SQLite often scans the whole session by primary key for "session_id = ? AND
# kind = ?"; the (session_id, kind, seq) index reads only that kind's rows (10-50x faster on big logs).
_SQL_INTERACTION_KINDS = _in(INTERACTION_KINDS)


# --- connections -----------------------------------------------------------------------------------


def _connect_ro(path: Path) -> sqlite3.Connection:
    """A read-only connection (as app.store.session_log.open_readonly) usable from the review's worker threads."""
    uri = path.resolve().as_uri() + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA cache_size = -65536")  # 64 MB: the big aggregates read the file once
    # Memory-mapped reads: the worker threads share the OS page cache instead of each copying the pages
    # it reads into its own cache (about 25 % faster when they run together). Read-only, so it is safe.
    conn.execute("PRAGMA mmap_size = 2147418112")
    return conn


def _check_log(path: PathLike) -> Path:
    p = Path(path)
    if not p.is_file():
        raise ReviewError(tr("找不到会话日志：{path}", path=p))
    return p


class _Writer:
    """A short write transaction on the log (library edits, imports): migrates first, BEGIN IMMEDIATE.

    Library edits are rare user actions, so they take the write lock briefly beside a running writer
    (WAL; the busy timeout waits for its batch) instead of going through the live writer thread.
    """

    def __init__(self, path: PathLike, attach: Path | None = None) -> None:
        self.path = _check_log(path)
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


def _platform(source: str) -> str:
    """``bilibili:123`` → ``bilibili``; ``generic:ws://…`` → ``generic``; a bare address stays."""
    head = source.split(":", 1)[0]
    return head if head in _PLATFORMS or (head and "/" not in source.split(":", 1)[-1][:2]) else source


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


# --- the library -------------------------------------------------------------------------------------


def list_sessions(path: PathLike) -> list[SessionRow]:
    """Every session in the log, newest first (live and interrupted ones too), with its headline numbers."""
    conn = _connect_ro(_check_log(path))
    try:
        rows = conn.execute(
            """SELECT s.id, s.title, s.source, s.started_at, s.ended_at, s.status,
                 (SELECT max(ts) FROM events WHERE session_id = s.id),
                 (SELECT max(count) FROM events INDEXED BY events_session_kind_seq
                     WHERE session_id = s.id AND kind = 'viewer_stats'),
                 (SELECT count(*) FROM events INDEXED BY events_session_kind_seq
                     WHERE session_id = s.id AND kind = 'comment'),
                 (SELECT count(*) FROM events INDEXED BY events_session_kind_seq
                     WHERE session_id = s.id AND kind = 'order'),
                 (SELECT count(DISTINCT user_id) FROM events INDEXED BY events_session_kind_seq
                    WHERE session_id = s.id AND kind = 'order' AND user_id != ''),
                 (SELECT total(amount_fen) FROM events INDEXED BY events_session_kind_seq
                     WHERE session_id = s.id AND kind = 'order')
               FROM sessions s ORDER BY s.started_at DESC, s.id DESC"""
        ).fetchall()
    finally:
        conn.close()
    out = []
    for sid, title, source, started, ended, status, last_ts, peak, comments, orders, buyers, gmv in rows:
        end = ended if ended is not None else (last_ts if last_ts is not None else started)
        out.append(SessionRow(
            sid, title or "", _platform(source or ""), started, ended, max(0.0, end - started), status,
            int(peak or 0), comments, orders, buyers, int(gmv),
        ))
    return out


def _session_or_error(conn: sqlite3.Connection, session_id: int) -> tuple[Any, ...]:
    row = conn.execute(
        "SELECT id, title, source, started_at, ended_at, status, pid, host FROM sessions WHERE id = ?",
        (session_id,),
    ).fetchone()
    if row is None:
        raise ReviewError(tr("日志中没有场次 {id}", id=session_id))
    return tuple(row)


def rename_session(path: PathLike, session_id: int, title: str) -> None:
    """Give a session a new title."""
    with _Writer(path) as conn:
        _session_or_error(conn, session_id)
        conn.execute("UPDATE sessions SET title = ? WHERE id = ?", (title.strip(), session_id))


def delete_session(path: PathLike, session_id: int) -> None:
    """Delete a session and all its rows in every table. A session being recorded now is refused."""
    with _Writer(path) as conn:
        _, _, _, _, _, status, pid, host = _session_or_error(conn, session_id)
        if status == "live" and host == socket.gethostname() and _pid_alive(pid):
            raise ReviewError(tr("场次 {id} 正在直播，不能删除", id=session_id))
        for table in _TABLES_WITH_SESSION:
            if _has_table(conn, table):
                conn.execute(f"DELETE FROM {table} WHERE session_id = ?", (session_id,))
        conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))


def _columns(conn: sqlite3.Connection, schema: str, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA {schema}.table_info({table})")]


def _copy_rows(conn: sqlite3.Connection, src: str, dst: str, table: str, where: str, params: Sequence[Any],
               replace: dict[str, str] | None = None) -> None:
    """INSERT INTO dst.table SELECT … FROM src.table WHERE …, over the columns both schemas have."""
    if not conn.execute(f"SELECT 1 FROM {src}.sqlite_master WHERE type='table' AND name=?", (table,)).fetchone():
        return
    have = set(_columns(conn, src, table))
    cols = [c for c in _columns(conn, dst, table) if c in have]
    exprs = [(replace or {}).get(c, c) for c in cols]
    conn.execute(
        f"INSERT INTO {dst}.{table} ({', '.join(cols)}) SELECT {', '.join(exprs)} FROM {src}.{table} WHERE {where}",
        params,
    )


def export_session(path: PathLike, session_id: int, out_file: PathLike) -> None:
    """Write a standalone session log (same schema) holding only this session; replaces ``out_file``."""
    src = _check_log(path)
    out = Path(out_file)
    if out.resolve() == src.resolve():
        raise ReviewError(tr("不能导出到会话日志本身"))
    tmp = out.with_name(out.name + ".part")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp.resolve().as_uri(), uri=True, isolation_level=None)
    try:
        migrate(Database(conn))
        conn.execute("ATTACH DATABASE ? AS src", (src.resolve().as_uri() + "?mode=ro",))
        if conn.execute("SELECT 1 FROM src.sessions WHERE id = ?", (session_id,)).fetchone() is None:
            raise ReviewError(tr("日志中没有场次 {id}", id=session_id))
        conn.execute("BEGIN")
        _copy_rows(conn, "src", "main", "sessions", "id = ?", (session_id,))
        for table in _TABLES_WITH_SESSION:
            _copy_rows(conn, "src", "main", table, "session_id = ?", (session_id,))
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE src")
    except BaseException:
        conn.close()
        tmp.unlink(missing_ok=True)
        raise
    conn.close()
    os.replace(tmp, out)


def import_session(path: PathLike, in_file: PathLike) -> int:
    """Add the session(s) of an exported file to the log under new ids; returns the (first) new id.

    The file may be any LiveDeck session log (an older schema is upgraded on a temporary copy). A session
    that was ``live`` in the file is imported as ``interrupted``: nobody is recording it here.
    """
    source = Path(in_file)
    if not source.is_file():
        raise ReviewError(tr("找不到文件：{path}", path=source))
    with tempfile.TemporaryDirectory(prefix="livedeck-import-") as tmpdir:
        copy = Path(tmpdir) / "import.sqlite"
        shutil.copyfile(source, copy)
        try:
            cconn = sqlite3.connect(copy)
            try:
                migrate(Database(cconn))
                ids = [r[0] for r in cconn.execute("SELECT id FROM sessions ORDER BY started_at, id")]
            finally:
                cconn.close()
        except (sqlite3.DatabaseError, SessionLogError) as exc:
            raise ReviewError(tr("{name} 不是 LiveDeck 会话文件（{reason}）", name=source.name, reason=exc)) from None
        if not ids:
            raise ReviewError(tr("{name} 里没有场次", name=source.name))
        new_ids = []
        with _Writer(path, attach=copy) as conn:
            for old in ids:
                cur = conn.execute(
                    "INSERT INTO sessions (title, source, started_at, ended_at, status, pid, host, event_count) "
                    "SELECT title, source, started_at, "
                    "coalesce(ended_at, (SELECT max(ts) FROM src.events WHERE session_id = s.id), started_at), "
                    "CASE status WHEN 'live' THEN 'interrupted' ELSE status END, NULL, host, event_count "
                    "FROM src.sessions s WHERE id = ?",
                    (old,),
                )
                new = int(cur.lastrowid or 0)
                new_ids.append(new)
                for table in _TABLES_WITH_SESSION:
                    _copy_rows(conn, "src", "main", table, "session_id = ?", (old,), {"session_id": str(new)})
        return new_ids[0]


# --- one session ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _QuestionRow:
    seq: int
    ts: float
    user_id: str
    user_name: str
    text: str
    named_no: int | None  # "N号" in the text (its first number)


#: The comment scan also counts the timeline's comments per bucket of this many seconds.
_SCAN_BUCKET_S = 60


@dataclass(frozen=True)
class _CommentScan:
    comments_per_minute: dict[int | None, int]  # timeline bucket (_SCAN_BUCKET_S) → comments
    question_count: int
    question_texts: list[str]  # the distinct comment texts that are questions (to find their rows again)
    mentions: Counter[int]  # product no → comments naming it (first number of the comment)
    named_questions: Counter[int]  # product no → questions naming it
    intent_by_window: list[int]  # per explain window (explain_windows() order): intent comments in it
    unnamed_questions: Counter[str]  # product id → questions naming no number, asked while it was explained


def _disjoint(windows: Sequence[ExplainWindow]) -> bool:
    """Whether each window ends before the next one starts (so they are in time order and a moment is in
    at most one) — always, unless the logged actions' clocks went backwards."""
    return all(windows[i].end_ts <= windows[i + 1].start_ts for i in range(len(windows) - 1))


# The window (its index ``i``) holding ``e.ts``, from a temp table ``w (i, a, b)`` of disjoint windows: the
# last one starting at or before it, if it has not ended (one index seek per row).
_SQL_WINDOW_AT = ("(SELECT CASE WHEN w.b > e.ts THEN w.i END FROM temp.w WHERE w.a <= e.ts "
                  "ORDER BY w.a DESC, w.b DESC LIMIT 1)")

_Sums = tuple[int, int, int, int]  # events (times), people, total(count), total(amount_fen)


@dataclass(frozen=True)
class _Commerce:
    """The product_click and order events per product (docs/review.md)."""

    whole: dict[tuple[str | None, str], _Sums]  # (product_id, kind) → sums over the whole session
    inside: dict[tuple[str, str], _Sums]  # (product_id, kind) → sums inside that product's explain windows
    inside_clicked_buyers: dict[str, int]  # product_id → people who clicked it and bought it inside its windows
    clickers: int
    buyers: int
    clicked_buyers: int  # buyers who also clicked a product


def _named_no(text: str) -> int | None:
    match = _PRODUCT_NUMBER.search(unicodedata.normalize("NFKC", text))
    return int(match.group(1)) if match else None


class Review:
    """One session's review, read from the log with read-only connections.

    Results are computed on first use and kept. The window's first screen (summary, timeline, products,
    first page of questions) starts at once on worker threads, one per core (SQLite releases the GIL while
    it works), so it is ready together; docs/review.md ("How the review reads a big log") says how.
    Call :meth:`close` (or use ``with``) to stop the workers; it interrupts running queries.

    Raises:
        ReviewError: the log or the session does not exist.
    """

    def __init__(self, path: PathLike, session_id: int) -> None:
        self.path = _check_log(path)
        conn = _connect_ro(self.path)
        try:
            try:
                row = _session_or_error(conn, session_id)
            except sqlite3.DatabaseError as exc:
                raise ReviewError(tr("{name} 不是 LiveDeck 会话日志（{reason}）", name=self.path.name,
                                     reason=exc)) from None
            self.session_id = int(row[0])
            self.title: str = row[1] or ""
            self.source: str = row[2] or ""
            self.platform = _platform(self.source)
            self.started_at: float = row[3]
            self.status: str = row[5]
            self.ended_at: float | None = row[4]
            last = conn.execute("SELECT max(ts) FROM events WHERE session_id = ?", (session_id,)).fetchone()[0]
            # two queries: SQLite answers a lone min() or max() with one index seek, both together with a scan
            lo = conn.execute("SELECT min(seq) FROM events WHERE session_id = ?", (session_id,)).fetchone()[0]
            hi = conn.execute("SELECT max(seq) FROM events WHERE session_id = ?", (session_id,)).fetchone()[0]
            #: The session's seq range, split into parts the comment scan reads in parallel.
            self._seq_range: tuple[int, int] | None = None if lo is None else (int(lo), int(hi))
            #: When the show ended for the review: ended_at, else (live) its latest event.
            self.end_ts: float = max(self.started_at, self.ended_at if self.ended_at is not None
                                     else (last if last is not None else self.started_at))
            self._catalog = {
                r[1]: (int(r[0]), r[2], int(r[3]))
                for r in conn.execute(
                    "SELECT no, product_id, name, price_fen FROM products WHERE session_id = ? ORDER BY position, no",
                    (session_id,),
                )
            } if _has_table(conn, "products") else {}
            self._has_shop_orders = _has_table(conn, "shop_orders")
            self._actions = [
                (name, json.loads(args or "{}"), ts, command_id, actor)
                for name, args, ts, command_id, actor in conn.execute(
                    "SELECT name, args, ts, command_id, actor FROM actions WHERE session_id = ? AND result = 'applied' "
                    "ORDER BY rowid",
                    (session_id,),
                )
            ]
        finally:
            conn.close()
        self._by_no = {no: pid for pid, (no, _, _) in self._catalog.items()}
        self._lock = threading.Lock()
        self._cache: dict[Any, Any] = {}
        self._futures: dict[Any, Future[Any]] = {}
        self._open: set[sqlite3.Connection] = set()
        # More workers than cores: the first screen's queries all start at once (SQLite works without the
        # GIL), so no core idles while a long one runs.
        # One worker a core: SQLite works without the GIL, and more threads than cores only slow the longest
        # query down.
        self._workers = max(2, os.cpu_count() or 1)
        self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="livedeck-review")
        self._closed = False
        # What the window's first screen shows (summary, timeline, products, questions) starts now, longest
        # first; close() interrupts whatever is still running.
        self._commerce  # noqa: B018
        self._scan_parts()
        self._timeline_queries(60)
        self._summary_queries()

    # -- plumbing ---------------------------------------------------------------------------------------
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

    def __enter__(self) -> Review:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # a forgotten close() must not keep threads alive
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection that close() can interrupt."""
        conn = _connect_ro(self.path)
        with self._lock:
            self._open.add(conn)
        try:
            yield conn
        finally:
            with self._lock:
                self._open.discard(conn)
            conn.close()

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._connection() as conn:
            return conn.execute(sql, params).fetchall()

    def _future(self, key: Any, fn: Callable[..., T], *args: Any) -> Future[T]:
        """``fn(*args)`` on a worker, started once per key."""
        with self._lock:
            found = self._futures.get(key)
            if found is not None:
                return found
        made = self._submit(fn, *args)
        with self._lock:
            return self._futures.setdefault(key, made)

    def _scan_parts(self) -> list[Future[list[tuple[Any, ...]]]]:
        """The comment scan's SQL, one part per worker, over equal seq ranges of the session."""
        if self._seq_range is None:
            return []
        lo, hi = self._seq_range
        parts = self._workers if hi - lo > 100_000 else 1
        step = (hi - lo) // parts + 1
        return [self._future(("scan", i), self._scan_part, lo + i * step, lo + (i + 1) * step) for i in range(parts)]

    def _comments(self) -> _CommentScan:
        """Questions, intent, "N号" mentions and comments per minute (the comment scan; docs/review.md)."""
        return self._cached("scan", self._scan_comments)

    @property
    def _commerce(self) -> Future[_Commerce]:
        return self._future("commerce", self._read_commerce)

    def _submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        if self._closed:
            done: Future[T] = Future()
            try:
                done.set_result(fn(*args))
            except BaseException as exc:
                done.set_exception(exc)
            return done
        return self._pool.submit(fn, *args)

    def _cached(self, key: Any, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._cache:
                return self._cache[key]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            self._cache.setdefault(key, value)
            return self._cache[key]  # type: ignore[no-any-return]

    def product_label(self, product_id: str) -> str:
        no, name, _ = self._catalog.get(product_id, (None, "", 0))
        return tr("{no}号 {name}", no=no, name=name).strip() if no is not None else product_id

    def shop_orders_changed(self) -> None:
        """Shop orders were imported for this session: per-product results are recomputed on the next
        :meth:`products` (the rest of the review does not read them)."""
        with self._lock:
            self._cache.pop("products", None)
            self._has_shop_orders = True

    # -- summary ----------------------------------------------------------------------------------------
    def summary(self) -> Summary:
        """The session's KPIs; every count as docs/metrics.md defines it, recomputed from the events."""
        return self._cached("summary", self._summary)

    def _summary_queries(self) -> dict[str, Future[list[tuple[Any, ...]]]]:
        sid = self.session_id
        q = self._query
        return {
            "kinds": self._future("kinds", q, "SELECT kind, count(*) FROM events WHERE session_id = ? GROUP BY kind",
                                  (sid,)),
            "sums": self._future(
                "sums", q,
                "SELECT kind, total(count), total(amount_fen), max(count) FROM events "
                "INDEXED BY events_session_kind_seq WHERE session_id = ? "
                "AND kind IN ('order', 'gift', 'viewer_stats') GROUP BY kind",
                (sid,),
            ),
            "snap": self._future("snap", q, f"SELECT {', '.join(METRICS_COLUMNS)} FROM metrics WHERE session_id = ? "
                                 "ORDER BY ts DESC LIMIT 1", (sid,)),
            "small_people": self._future(
                "small_people", q,
                """SELECT
                    (SELECT count(DISTINCT user_id) FROM events INDEXED BY events_session_kind_seq
                        WHERE session_id = :s AND kind = 'follow' AND user_id != ''),
                    (SELECT max(CAST(extra ->> '$.total_viewers' AS INTEGER)) FROM events
                       INDEXED BY events_session_kind_seq WHERE session_id = :s AND kind = 'viewer_stats'),
                    (SELECT sum(count * (next_ts - ts)) / nullif(max(next_ts) - min(ts), 0) FROM (
                       SELECT count, ts, lead(ts) OVER (ORDER BY ts, seq) AS next_ts
                       FROM events INDEXED BY events_session_kind_seq WHERE session_id = :s AND kind = 'viewer_stats')
                     WHERE next_ts IS NOT NULL)
                """.replace(":s", "?"),
                (sid,) * 3,
            ),
        }

    def _summary(self) -> Summary:
        sid = self.session_id
        q = self._query
        queries = self._summary_queries()
        kinds_f, sums_f, snap_f = queries["kinds"], queries["sums"], queries["snap"]
        small_people_f = queries["small_people"]
        scan = self._comments()  # added up here while the other queries run
        kinds = dict(kinds_f.result())
        sums = {k: (int(c), int(a), m) for k, c, a, m in sums_f.result()}
        snap_rows = snap_f.result()
        follows, total_viewers, avg_online = small_people_f.result()[0]
        commerce = self._commerce.result()
        clickers, buyers, clicked_buyers = commerce.clickers, commerce.buyers, commerce.clicked_buyers
        orders = kinds.get(Kind.ORDER, 0)
        units, gmv, _ = sums.get(Kind.ORDER, (0, 0, None))
        # The big distinct counts (UV, commenters, interacting) and the likes sum: from the final metrics
        # snapshot when it provably saw every event (its counts equal the events'), else recounted.
        snap = None
        if snap_rows:
            snap = dict(zip(METRICS_COLUMNS, snap_rows[0], strict=True))
            same = (
                snap["comments"] == kinds.get(Kind.COMMENT, 0) and snap["orders"] == orders
                and snap["entries_pv"] == kinds.get(Kind.ENTER, 0)
                and snap["clicks"] == kinds.get(Kind.PRODUCT_CLICK, 0)
                and snap["gmv_fen"] == gmv and snap["follows"] == follows and snap["buyers"] == buyers
                and snap["clickers"] == clickers
            )
            if not same:
                snap = None
        if snap is not None:
            uv, commenters, interacting, likes = (snap["viewers_uv"], snap["commenters"], snap["interacting"],
                                                  snap["likes"])
        else:
            uv_f = self._submit(q, "SELECT count(DISTINCT user_id) FROM events WHERE session_id = ? AND user_id != '' "
                                f"AND kind IN {_SQL_VIEWER_KINDS}", (sid,))
            inter_f = self._submit(
                q,
                "SELECT (SELECT count(DISTINCT user_id) FROM events WHERE session_id = ? AND user_id != '' "
                f"AND kind IN {_SQL_INTERACTION_KINDS}), (SELECT count(DISTINCT user_id) FROM events "
                "WHERE session_id = ? AND kind = 'comment' AND user_id != ''), "
                "(SELECT total(count) FROM events INDEXED BY events_session_kind_seq "
                "WHERE session_id = ? AND kind = 'like')",
                (sid, sid, sid),
            )
            uv = uv_f.result()[0][0]
            interacting, commenters, likes = inter_f.result()[0]
        peak = sums.get(Kind.VIEWER_STATS, (0, 0, 0))[2] or 0
        average: float | None = avg_online
        if average is None and kinds.get(Kind.VIEWER_STATS, 0):
            average = float(self._query(
                "SELECT count FROM events INDEXED BY events_session_kind_seq "
                "WHERE session_id = ? AND kind = 'viewer_stats' ORDER BY ts DESC, seq DESC "
                "LIMIT 1", (sid,))[0][0])
        return Summary(
            session_id=sid, title=self.title, platform=self.platform, status=self.status,
            started_at=self.started_at, ended_at=self.ended_at, duration_s=self.end_ts - self.started_at,
            peak_online=int(peak), average_online=average, viewers_uv=int(uv),
            entries_pv=kinds.get(Kind.ENTER, 0), platform_total_viewers=int(total_viewers or 0),
            comments=kinds.get(Kind.COMMENT, 0), commenters=int(commenters), likes=int(likes),
            follows=int(follows), interacting=int(interacting), clicks=kinds.get(Kind.PRODUCT_CLICK, 0),
            clickers=int(clickers), clicked_buyers=int(clicked_buyers), orders=orders, buyers=int(buyers),
            units=units, gmv_fen=gmv, gifts_fen=sums.get(Kind.GIFT, (0, 0, 0))[1],
            questions=scan.question_count,
        )

    # -- timeline ---------------------------------------------------------------------------------------
    def timeline(self, bucket_s: int = 60) -> list[TimelinePoint]:
        """Buckets of ``bucket_s`` seconds from the session start to its end, empty ones included."""
        if bucket_s <= 0:
            raise ValueError("bucket_s must be positive")
        return self._cached(("timeline", bucket_s), lambda: self._timeline(bucket_s))

    def _timeline_queries(self, bucket_s: int) -> tuple[Future[list[tuple[Any, ...]]], Future[list[tuple[Any, ...]]]]:
        """(comments, orders, GMV per bucket; viewer_stats samples). Per minute, the comments come from the
        comment scan (which reads them anyway) and only the orders are read here."""
        t0, sid = self.started_at, self.session_id
        if bucket_s == _SCAN_BUCKET_S:
            counts_f = self._future(
                ("timeline", bucket_s), self._query,
                "SELECT max(0, CAST((ts - ?) / ? AS INTEGER)) AS b, 0, count(*), total(amount_fen) "
                "FROM events INDEXED BY events_session_kind_seq WHERE session_id = ? AND kind = 'order' GROUP BY b",
                (t0, bucket_s, sid),
            )
        else:
            counts_f = self._future(
                ("timeline", bucket_s), self._query,
                # the session's primary-key range: comments are too big a share of the events to read them
                # through the kind index (a b-tree search per row)
                "SELECT max(0, CAST((ts - ?) / ? AS INTEGER)) AS b, sum(kind = 'comment'), sum(kind = 'order'), "
                "total(CASE WHEN kind = 'order' THEN amount_fen END) FROM events NOT INDEXED "
                "WHERE session_id = ? AND kind IN ('comment', 'order') GROUP BY b",
                (t0, bucket_s, sid),
            )
        stats_f = self._future(
            "viewer_stats", self._query,
            "SELECT ts, count FROM events INDEXED BY events_session_kind_seq "
            "WHERE session_id = ? AND kind = 'viewer_stats' ORDER BY ts, seq", (sid,)
        )
        return counts_f, stats_f

    def _timeline(self, bucket_s: int) -> list[TimelinePoint]:
        t0 = self.started_at
        counts_f, stats_f = self._timeline_queries(bucket_s)
        stats = stats_f.result()
        counts = {b: (c, o, int(g)) for b, c, o, g in counts_f.result()}
        if bucket_s == _SCAN_BUCKET_S:
            for b, n in self._comments().comments_per_minute.items():
                _, o, g = counts.get(b, (0, 0, 0))
                counts[b] = (n, o, g)
        last_bucket = max([int((self.end_ts - t0) // bucket_s), *counts]) if counts or self.end_ts > t0 else 0
        online_by: dict[int, list[int]] = defaultdict(list)
        for ts, n in stats:
            online_by[max(0, int((ts - t0) // bucket_s))].append(n)
        out = []
        carried = 0
        cumulative = 0
        for b in range(last_bucket + 1):
            comments, orders, gmv = counts.get(b, (0, 0, 0))
            cumulative += gmv
            samples = online_by.get(b)
            if samples:
                online, avg = samples[-1], sum(samples) / len(samples)
                carried = online
            else:
                online, avg = carried, float(carried)
            out.append(TimelinePoint(t0 + b * bucket_s, online, avg, comments, orders, gmv, cumulative))
        return out

    # -- explain windows, markers -------------------------------------------------------------------
    def explain_windows(self) -> list[ExplainWindow]:
        """The explain windows, rebuilt from the logged ``explain``/``stop_explain``/``unlist``/
        ``load_catalog`` commands as the commerce engine applied them (docs/commands.md)."""
        return self._cached("windows", self._explain_windows)

    def _explain_windows(self) -> list[ExplainWindow]:
        out: list[ExplainWindow] = []
        current: tuple[int | None, str, float] | None = None

        def close(at: float) -> None:
            nonlocal current
            if current is not None:
                no, pid, start = current
                name = self._catalog.get(pid, (no, "", 0))[1]
                out.append(ExplainWindow(no, pid, name, start, max(start, at)))
                current = None

        for name, args, ts, _cid, _actor in self._actions:
            if name == "explain":
                no = args.get("no")
                pid = args.get("product_id") or self._by_no.get(no, "")
                if current is not None and current[0] == no:
                    continue  # pushed again: the same window goes on
                close(ts)
                current = (no if isinstance(no, int) else None, str(pid), ts)
            elif name == "stop_explain" or (name == "unlist" and current is not None and args.get("no") == current[0]):
                close(ts)
            elif name == "load_catalog" and current is not None:
                nos = {p.get("no") for p in args.get("products", []) if isinstance(p, dict)}
                if current[0] not in nos:
                    close(ts)
        close(self.end_ts)
        return out

    def markers(self) -> list[Marker]:
        """Flash-sale starts/ends, coupon drops, lucky bags and alerts, in time order."""
        return self._cached("markers", self._markers)

    def _markers(self) -> list[Marker]:
        out: list[Marker] = []
        for ts, text, pid, extra_text in self._query(
            "SELECT ts, text, product_id, extra FROM events INDEXED BY events_session_kind_seq "
            "WHERE session_id = ? AND kind = 'system' "
            "AND extra IS NOT NULL ORDER BY seq",
            (self.session_id,),
        ):
            try:
                extra = json.loads(extra_text)
            except ValueError:
                continue
            if not isinstance(extra, dict):
                continue
            label = self.product_label(pid) if pid else ""
            if extra.get("alert"):
                out.append(Marker(ts, "alert", text))
            elif extra.get("flash_sale") == "started":
                out.append(Marker(ts, "flash_sale_start", tr("秒杀开始 {product}", product=label).strip()))
            elif extra.get("flash_sale") == "ended":
                out.append(Marker(ts, "flash_sale_end", tr("秒杀结束 {product}", product=label).strip()))
            elif extra.get("coupon") == "dropped" or (
                "coupon" not in extra and extra.get("coupon_id") and "已抢光" not in text
            ):
                out.append(Marker(ts, "coupon_drop", text or tr("优惠券")))
            elif extra.get("lucky_bag") in ("started", "drawn"):
                out.append(Marker(ts, "lucky_bag", text or tr("福袋")))
        kinds = {m.kind for m in out}
        # A log without LiveDeck's own system events (another recorder, a synthetic log): from the actions.
        for name, args, ts, _cid, _actor in self._actions:
            if name == "start_flash_sale" and "flash_sale_start" not in kinds:
                label = self.product_label(str(args.get("product_id", "")))
                start = args.get("starts_at_wall", ts)
                out.append(Marker(start, "flash_sale_start", tr("秒杀开始 {product}", product=label).strip()))
                if "ends_at_wall" in args:
                    out.append(Marker(args["ends_at_wall"], "flash_sale_end",
                                      tr("秒杀结束 {product}", product=label).strip()))
            elif name == "drop_coupon" and "coupon_drop" not in kinds:
                out.append(Marker(ts, "coupon_drop", _coupon_label(args)))
            elif name == "start_lucky_bag" and "lucky_bag" not in kinds:
                out.append(Marker(ts, "lucky_bag", tr("福袋")))
        out.sort(key=lambda m: m.ts)
        return out

    # -- comments: one scan for questions, intent and "N号" mentions ---------------------------------
    def _classify(self, text: str) -> tuple[bool, bool, int | None]:
        """(is a question, shows buying intent, the catalog number it names) — docs/review.md."""
        no = _named_no(text) if "号" in text else None
        if no is not None and self._by_no and no not in self._by_no:
            no = None  # "100号" that is no product of the catalog
        return is_question(text), is_buying_intent(unicodedata.normalize("NFKC", text)), no

    def _scan_part(self, lo: int, hi: int) -> list[tuple[Any, ...]]:
        """The comments with ``lo <= seq < hi`` grouped by (minute, explain window, text): live chat repeats
        itself ("扣1", "3号多少钱"), so the groups are few. SQLite does the per-row work without the GIL."""
        windows = self.explain_windows()
        with self._connection() as conn:
            window_at = "NULL"
            if windows and _disjoint(windows):
                conn.execute("CREATE TEMP TABLE w (i INTEGER PRIMARY KEY, a REAL, b REAL)")
                conn.executemany("INSERT INTO temp.w VALUES (?, ?, ?)",
                                 [(i, w.start_ts, w.end_ts) for i, w in enumerate(windows)])
                conn.execute("CREATE INDEX temp.w_a ON w (a, b)")
                window_at = _SQL_WINDOW_AT
            # Counted into a temp table keyed (minute, window, text) rather than by GROUP BY: SQLite's sorter
            # serializes threads (the parts would not run in parallel), an upsert into a small b-tree does not.
            # The primary-key range, not the kind index: comments are a big share of the events, and
            # reading them through the index costs a b-tree search per row (2x slower).
            conn.execute("CREATE TEMP TABLE g (b INTEGER, wi INTEGER, text TEXT, n INTEGER, "
                         "PRIMARY KEY (b, wi, text)) WITHOUT ROWID")
            conn.execute(
                f"INSERT INTO temp.g (b, wi, text, n) SELECT coalesce(max(0, CAST((e.ts - ?) / ? AS INTEGER)), -1), "
                f"coalesce({window_at}, -1), coalesce(e.text, ''), 1 "
                f"FROM events e NOT INDEXED WHERE e.session_id = ? AND e.seq >= ? AND e.seq < ? "
                f"AND e.kind = 'comment' AND true ON CONFLICT (b, wi, text) DO UPDATE SET n = n + 1",
                (self.started_at, _SCAN_BUCKET_S, self.session_id, lo, hi),
            )
            return [(None if b < 0 else b, None if wi < 0 else wi, text, n)
                    for b, wi, text, n in conn.execute("SELECT b, wi, text, n FROM temp.g")]

    def _scan_comments(self) -> _CommentScan:
        """The comment scan's parts added up; each DISTINCT text is classified once in Python (question,
        intent, "N号")."""
        sid = self.session_id
        windows = self.explain_windows()
        fast = _disjoint(windows)
        with self._connection() as conn:
            classes: dict[str, tuple[bool, bool, int | None]] = {}
            per_minute: Counter[int | None] = Counter()
            question_count = 0
            mentions: Counter[int] = Counter()
            named: Counter[int] = Counter()
            intent_by_window = [0] * len(windows)
            unnamed: Counter[str] = Counter()
            for b, wi, text, n in (row for part in self._scan_parts() for row in part.result()):
                per_minute[b] += n
                if not text:
                    continue
                cls = classes.get(text)
                if cls is None:
                    cls = classes[text] = self._classify(text)
                is_q, wants, no = cls
                if no is not None:
                    mentions[no] += n
                if is_q:
                    question_count += n
                    if no is not None:
                        named[no] += n
                    elif wi is not None and windows[wi].product_id:
                        unnamed[windows[wi].product_id] += n
                if wants and wi is not None:
                    intent_by_window[wi] += n
            if not fast:  # overlapping windows (clocks went backwards): each comment's time, as laid out
                conn.execute("CREATE TEMP TABLE c (text TEXT PRIMARY KEY, intent INTEGER, unnamed INTEGER) "
                             "WITHOUT ROWID")
                conn.executemany("INSERT INTO temp.c VALUES (?, ?, ?)", [
                    (text, int(wants), int(is_q and no is None)) for text, (is_q, wants, no) in classes.items()
                    if wants or (is_q and no is None)])
                slow = conn.execute(
                    "SELECT c.intent, c.unnamed, e.ts FROM events e NOT INDEXED JOIN temp.c c ON c.text = e.text "
                    "WHERE e.session_id = ? AND e.kind = 'comment' AND e.ts IS NOT NULL", (sid,)
                ).fetchall()
                intent_ts = sorted(ts for wants, _, ts in slow if wants)
                for i, w in enumerate(windows):
                    intent_by_window[i] = (bisect.bisect_left(intent_ts, w.end_ts)
                                           - bisect.bisect_left(intent_ts, w.start_ts))
                starts = [w.start_ts for w in windows]
                for _, is_unnamed, ts in slow:
                    pid = self._explained_at(ts, windows, starts) if is_unnamed else None
                    if pid:
                        unnamed[pid] += 1
        question_texts = [text for text, (is_q, _, _) in classes.items() if is_q]
        return _CommentScan(dict(per_minute), question_count, question_texts, mentions, named, intent_by_window,
                            unnamed)

    def _question_seqs(self) -> list[int]:
        """Every question's seq, in order (for pages past the first few; read once, on demand)."""

        def compute() -> list[int]:
            texts = self._comments().question_texts
            if not texts:
                return []
            with self._connection() as conn:
                conn.execute("CREATE TEMP TABLE q (text TEXT PRIMARY KEY) WITHOUT ROWID")
                conn.executemany("INSERT INTO temp.q VALUES (?)", ((t,) for t in texts))
                return [seq for (seq,) in conn.execute(
                    "SELECT e.seq FROM events e NOT INDEXED JOIN temp.q q ON q.text = e.text "
                    "WHERE e.session_id = ? AND e.kind = 'comment' ORDER BY e.seq", (self.session_id,))]

        return self._cached("question_seqs", compute)

    # -- products ---------------------------------------------------------------------------------------
    def products(self) -> list[ProductResult]:
        """Per product: every catalog product, and any other product that was explained, clicked or sold."""
        return self._cached("products", self._products)

    def _products(self) -> list[ProductResult]:
        sid = self.session_id
        windows = self.explain_windows()
        shop: dict[str, tuple[int, int]] = {}
        if self._has_shop_orders:
            shop = {pid: (n, int(f)) for pid, n, f in self._query(
                "SELECT product_id, count(*), total(amount_fen) FROM shop_orders WHERE session_id = ? "
                "GROUP BY product_id", (sid,))}
        scan = self._comments()
        commerce = self._commerce.result()
        whole, inside = commerce.whole, commerce.inside
        # questions per product: the number it names, else the product explained when it was asked
        q_count: Counter[str] = Counter(scan.unnamed_questions)
        for named_no, n in scan.named_questions.items():
            pid = self._by_no.get(named_no)
            if pid:
                q_count[pid] += n
        per_window: dict[str, list[ExplainWindow]] = defaultdict(list)
        intent_of: Counter[str] = Counter()
        for w, n in zip(windows, scan.intent_by_window, strict=True):
            per_window[w.product_id].append(w)
            intent_of[w.product_id] += n
        ids = list(self._catalog)
        extra_ids = {pid for pid, _ in whole} | set(per_window) | set(shop)
        ids += sorted(i for i in extra_ids if i not in self._catalog and i)
        out = []
        for pid in ids:
            no, name, price = self._catalog.get(pid, (None, "", 0))
            ws = per_window.get(pid, [])
            clicks = whole.get((pid, Kind.PRODUCT_CLICK), (0, 0, 0, 0))
            orders = whole.get((pid, Kind.ORDER), (0, 0, 0, 0))
            w_clicks = inside.get((pid, Kind.PRODUCT_CLICK), (0, 0, 0, 0))
            w_orders = inside.get((pid, Kind.ORDER), (0, 0, 0, 0))
            intent = intent_of.get(pid, 0)
            if not name and ws:
                name = ws[0].name
            if no is None and ws:
                no = ws[0].no
            shop_n, shop_fen = shop.get(pid, (0, 0))
            out.append(ProductResult(
                product_id=pid, no=no, name=name, price_fen=price,
                explain_s=sum(w.end_ts - w.start_ts for w in ws), windows=len(ws),
                clicks=clicks[0], clickers=clicks[1], orders=orders[0], buyers=orders[1], units=int(orders[2]),
                gmv_fen=int(orders[3]),
                window_clicks=w_clicks[0], window_clickers=w_clicks[1], window_orders=w_orders[0],
                window_buyers=w_orders[1], window_clicked_buyers=commerce.inside_clicked_buyers.get(pid, 0),
                window_units=int(w_orders[2]), window_gmv_fen=int(w_orders[3]),
                intent_comments=intent, questions=q_count.get(pid, 0),
                mentions=scan.mentions.get(no, 0) if no is not None else 0,
                shop_orders=shop_n, shop_gmv_fen=shop_fen,
            ))
        return out

    @staticmethod
    def _explained_at(ts: float, windows: list[ExplainWindow], starts: list[float]) -> str | None:
        i = bisect.bisect_right(starts, ts) - 1
        if i >= 0 and windows[i].start_ts <= ts < windows[i].end_ts:
            return windows[i].product_id
        return None

    def _read_commerce(self) -> _Commerce:
        """Clicks and orders per product, over the whole session and inside its own explain windows, and the
        session's clickers, buyers and clicked buyers: the events are read once (each one's window found by
        an index seek in a small temp table of windows) into a temp table, then counted by upserts into
        small keyed tables — no GROUP BY sorter, which would serialize the review's threads."""
        sid = self.session_id
        per_product: dict[str, list[ExplainWindow]] = defaultdict(list)
        for w in sorted(self.explain_windows(), key=lambda w: (w.start_ts, w.end_ts)):
            per_product[w.product_id].append(w)
        fast = all(_disjoint(ws) for ws in per_product.values())  # else the clocks went backwards
        inside_sql = ("(SELECT CASE WHEN w.b > e.ts THEN 1 END FROM temp.w WHERE w.pid = e.product_id "
                      "AND w.a <= e.ts ORDER BY w.a DESC, w.b DESC LIMIT 1)") if fast else "NULL"
        with self._connection() as conn:
            conn.execute("CREATE TEMP TABLE w (pid TEXT, a REAL, b REAL)")
            conn.executemany("INSERT INTO temp.w VALUES (?, ?, ?)",
                             [(pid, w.start_ts, w.end_ts) for pid, ws in per_product.items() for w in ws])
            conn.execute("CREATE INDEX temp.w_pid_a ON w (pid, a, b)")
            # One row per (product, kind, person): how many events, units, fen, and how many inside a window
            # (product ids as keys: NULL stays apart from '' — char(0) stands for it; '' is "no one").
            conn.execute("CREATE TEMP TABLE u (pid TEXT NOT NULL, kind TEXT NOT NULL, uid TEXT NOT NULL, "
                         "n INTEGER, units, fen, w_n INTEGER, w_units, w_fen, PRIMARY KEY (pid, kind, uid)) "
                         "WITHOUT ROWID")
            conn.execute(
                f"INSERT INTO temp.u SELECT pid, kind, uid, 1, units, fen, inside, inside * units, inside * fen "
                f"FROM (SELECT ifnull(e.product_id, char(0)) AS pid, e.kind AS kind, ifnull(e.user_id, '') AS uid, "
                f"ifnull(e.count, 0) AS units, ifnull(e.amount_fen, 0) AS fen, {inside_sql} IS NOT NULL AS inside "
                f"FROM events e INDEXED BY events_session_kind_seq "
                f"WHERE e.session_id = ? AND e.kind IN ('order', 'product_click') LIMIT -1) "
                f"WHERE true ON CONFLICT (pid, kind, uid) DO UPDATE SET n = n + 1, units = units + excluded.units, "
                f"fen = fen + excluded.fen, w_n = w_n + excluded.w_n, w_units = w_units + excluded.w_units, "
                f"w_fen = w_fen + excluded.w_fen",
                (sid,),
            )
            sums = conn.execute(  # in key order: no sorter
                "SELECT pid, kind, sum(n), total(units), total(fen), sum(w_n), total(w_units), total(w_fen), "
                "count(*) FILTER (WHERE uid != ''), count(*) FILTER (WHERE uid != '' AND w_n > 0) "
                "FROM temp.u GROUP BY pid, kind"
            ).fetchall()
            conn.execute("CREATE TEMP TABLE p (uid TEXT PRIMARY KEY, c INTEGER, o INTEGER) WITHOUT ROWID")
            conn.execute(
                "INSERT INTO temp.p SELECT uid, kind = 'product_click', kind = 'order' FROM temp.u WHERE uid != '' "
                "ON CONFLICT (uid) DO UPDATE SET c = max(c, excluded.c), o = max(o, excluded.o)"
            )
            clickers, buyers, clicked_buyers = (int(n) for n in conn.execute(
                "SELECT total(c), total(o), total(c AND o) FROM temp.p").fetchone())
            # per product, the people with both a click and an order inside its windows (in key order: no sorter)
            w_clicked_buyers = {pid: n for pid, n in conn.execute(
                "SELECT o.pid, count(*) FROM temp.u o JOIN temp.u c ON c.pid = o.pid "
                "AND c.kind = 'product_click' AND c.uid = o.uid WHERE o.kind = 'order' AND o.uid != '' "
                "AND o.w_n > 0 AND c.w_n > 0 GROUP BY o.pid") if pid != "\0"}
        whole: dict[tuple[str | None, str], _Sums] = {}
        inside: dict[tuple[str, str], _Sums] = {}
        for pid, kind, n, units, fen, w_n, w_units, w_fen, people, w_people in sums:
            key = None if pid == "\0" else pid
            whole[(key, kind)] = (n, people, int(units), int(fen))
            if w_n and key is not None:
                inside[(key, kind)] = (w_n, int(w_people), int(w_units), int(w_fen))
        if not fast:
            inside, w_clicked_buyers = self._window_stats(self.explain_windows())
        return _Commerce(whole, inside, w_clicked_buyers, clickers, buyers, clicked_buyers)

    def _window_stats(self, windows: list[ExplainWindow]) -> tuple[dict[tuple[str, str], _Sums], dict[str, int]]:
        """Clicks and orders of each product inside its own explain windows, and the people who both clicked
        and bought it inside them (SQL joins, window by window)."""
        if not windows:
            return {}, {}
        with self._connection() as conn:
            conn.execute("CREATE TEMP TABLE w (pid TEXT, a REAL, b REAL)")
            conn.executemany("INSERT INTO w VALUES (?,?,?)", [(w.product_id, w.start_ts, w.end_ts) for w in windows])
            conn.execute("CREATE INDEX temp.w_pid_a ON w (pid, a)")
            rows = conn.execute(
                "SELECT w.pid, e.kind, count(*), count(DISTINCT nullif(e.user_id, '')), total(e.count), "
                "total(e.amount_fen) FROM events e INDEXED BY events_session_kind_seq "
                "JOIN w ON w.pid = e.product_id AND e.ts >= w.a AND e.ts < w.b "
                "WHERE e.session_id = ? AND e.kind IN ('order', 'product_click') GROUP BY w.pid, e.kind",
                (self.session_id,),
            ).fetchall()
            uids_of: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
            for pid, kind, uid in conn.execute(
                "SELECT DISTINCT w.pid, e.kind, e.user_id FROM events e INDEXED BY events_session_kind_seq "
                "JOIN w ON w.pid = e.product_id AND e.ts >= w.a AND e.ts < w.b "
                "WHERE e.session_id = ? AND e.kind IN ('order', 'product_click') AND e.user_id != ''",
                (self.session_id,),
            ):
                uids_of[(pid, kind)].add(uid)
        clicked_buyers = {pid: len(uids & uids_of.get((pid, Kind.PRODUCT_CLICK), set()))
                          for (pid, kind), uids in uids_of.items() if kind == Kind.ORDER}
        return ({(pid, kind): (n, people, int(units), int(fen)) for pid, kind, n, people, units, fen in rows},
                {pid: n for pid, n in clicked_buyers.items() if n})

    # -- questions --------------------------------------------------------------------------------------
    def questions(self, limit: int | None = None, offset: int = 0) -> list[Question]:
        """Questions (app.comments.rules.is_question) in order, ``limit`` from ``offset``; answered as docs/review.md
        defines: pinned, replied to by the anchor/an admin, or its product explained within 5 minutes."""
        if limit is not None and offset + limit <= _DIRECT_PAGES and "question_seqs" not in self._cache:
            page = self._question_page(offset, limit)  # the first pages need not wait for any scan
        else:
            seqs = self._question_seqs()
            page = self._question_rows(seqs[offset:] if limit is None else seqs[offset:offset + limit])
        if not page:
            return []
        windows = self.explain_windows()
        starts = [w.start_ts for w in windows]
        pinned = self._pinned()
        replies = self._staff_replies(page[0].ts, page[-1].ts + ANSWER_WINDOW_S)
        reply_ts = [r[0] for r in replies]
        out = []
        for q in page:
            no = q.named_no
            if no is None:
                pid = self._explained_at(q.ts, windows, starts)
                no = self._catalog[pid][0] if pid in self._catalog else next(
                    (w.no for w in windows if w.product_id == pid), None) if pid else None
            how = ""
            if q.seq in pinned:
                how = "pinned"
            if not how:
                lo = bisect.bisect_right(reply_ts, q.ts)
                hi = bisect.bisect_right(reply_ts, q.ts + ANSWER_WINDOW_S)
                for _ts, text, reply_to in replies[lo:hi]:
                    if reply_to == q.seq or (q.user_name and q.user_name in text) or (
                        q.named_no is not None and _named_no(text) == q.named_no
                    ):
                        how = "replied"
                        break
            if not how and q.named_no is not None:
                pid = self._by_no.get(q.named_no)
                for w in windows:
                    if (w.product_id == pid or (pid is None and w.no == q.named_no)) and (
                        q.ts < w.start_ts <= q.ts + ANSWER_WINDOW_S
                    ):
                        how = "explained"
                        break
            out.append(Question(q.seq, q.ts, q.user_id, q.user_name, q.text, no, bool(how), how))
        return out

    def question_count(self) -> int:
        return self._comments().question_count

    def _pinned(self) -> set[int]:
        return self._cached("pinned", lambda: {
            args["seq"] for name, args, *_ in self._actions
            if name == "pin_comment" and isinstance(args.get("seq"), int)
        })

    def _question_rows(self, seqs: list[int]) -> list[_QuestionRow]:
        """The questions with these seqs (in order), read by primary key."""
        found: dict[int, _QuestionRow] = {}
        with self._connection() as conn:
            for i in range(0, len(seqs), 500):
                chunk = seqs[i:i + 500]
                for seq, ts, uid, name, text in conn.execute(
                    f"SELECT seq, ts, user_id, user_name, text FROM events WHERE session_id = ? AND seq IN "
                    f"({','.join('?' * len(chunk))})", (self.session_id, *chunk)):
                    found[seq] = self._question_row(seq, ts, uid, name, text)
        return [found[seq] for seq in seqs if seq in found]

    def _question_row(self, seq: int, ts: float, uid: str | None, name: str | None, text: str | None) -> _QuestionRow:
        text = text or ""
        no = _named_no(text) if "号" in text else None
        if no is not None and self._by_no and no not in self._by_no:
            no = None
        return _QuestionRow(seq, ts, uid or "", name or "", text, no)

    def _question_page(self, offset: int, limit: int) -> list[_QuestionRow]:
        return [self._question_row(*row) for row in self._query(
            f"SELECT seq, ts, user_id, user_name, text FROM events INDEXED BY events_session_kind_seq "
            f"WHERE session_id = ? AND kind = 'comment' "
            f"AND ({_SQL_QUESTION}) ORDER BY seq LIMIT ? OFFSET ?",
            (self.session_id, limit, offset),
        )]

    def _staff_replies(self, start: float, end: float) -> list[tuple[float, str, int | None]]:
        """Comments by the anchor or an admin from ``start`` to ``end``: (ts, text, seq replied to)."""

        def compute() -> list[tuple[float, str, int | None]]:
            cond = " OR ".join(f"instr(extra, '{k}') > 0" for k in (*STAFF_FLAGS, '"role"'))
            out = []
            for ts, text, extra_text in self._query(
                f"SELECT ts, text, extra FROM events WHERE session_id = ? AND ts >= ? AND ts <= ? "
                f"AND kind = 'comment' AND extra IS NOT NULL AND ({cond}) ORDER BY ts, seq",
                (self.session_id, start, end),
            ):
                try:
                    extra = json.loads(extra_text)
                except ValueError:
                    continue
                if not isinstance(extra, dict):
                    continue
                if any(extra.get(k) is True for k in STAFF_FLAGS) or extra.get("role") in STAFF_ROLES:
                    reply_to = extra.get("reply_to_seq")
                    out.append((ts, text or "", reply_to if isinstance(reply_to, int) else None))
            return out

        return self._cached(("staff", start, end), compute)

    # -- keywords ---------------------------------------------------------------------------------------
    def keywords(self, top: int = 30) -> list[tuple[str, int]]:
        """The most frequent words of the comments (jieba), without stop words, 1-character tokens,
        numbers and punctuation. Each distinct comment text is segmented once and weighted by its count."""
        return self._cached(("keywords", top), lambda: self._keywords(top))

    def _keywords(self, top: int) -> list[tuple[str, int]]:
        rows = self._query(
            "SELECT text, count(*) FROM events INDEXED BY events_session_kind_seq "
            "WHERE session_id = ? AND kind = 'comment' GROUP BY text",
            (self.session_id,),
        )
        cut = _jieba_cut()
        stop = stopwords()
        counts: Counter[str] = Counter()
        for text, n in rows:
            if not text:
                continue
            for token in cut(unicodedata.normalize("NFKC", text)):
                word = token.strip().lower()
                if len(word) < 2 or word in stop or _NOT_A_WORD.fullmatch(word):
                    continue
                counts[word] += n
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]

    # -- highlights -------------------------------------------------------------------------------------
    def highlights(self, limit: int = 10) -> list[Highlight]:
        """Comment spikes by the live alert's rule: 10 s with ≥ 3 × the previous minute's average per 10 s
        and ≥ 10 comments. Adjacent spiking windows count once (the busiest); the biggest ``limit``."""
        return self._cached(("highlights", limit), lambda: self._highlights(limit))

    def _highlights(self, limit: int) -> list[Highlight]:
        w, t0 = SPIKE_WINDOW_S, self.started_at
        rows = self._query(
            "SELECT CAST((ts - ?) / ? AS INTEGER) AS b, count(*) FROM events INDEXED BY events_session_kind_seq "
            "WHERE session_id = ? "
            "AND kind = 'comment' AND ts >= ? GROUP BY b",
            (t0, w, self.session_id, t0),
        )
        counts = dict(rows)
        per_minute = 60 // w
        spikes: list[tuple[int, int, float]] = []
        for b in sorted(counts):
            if b < per_minute:
                continue  # no previous minute yet
            n = counts[b]
            baseline = sum(counts.get(b - k, 0) for k in range(1, per_minute + 1)) / per_minute
            if n >= SPIKE_MIN_COMMENTS and n >= SPIKE_FACTOR * baseline:
                if spikes and b - spikes[-1][0] <= 1:
                    if n > spikes[-1][1]:
                        spikes[-1] = (b, n, baseline)
                    continue
                spikes.append((b, n, baseline))
        spikes = sorted(spikes, key=lambda s: -s[1])[:limit]
        out = []
        for b, n, baseline in sorted(spikes):
            start = t0 + b * w
            samples = tuple(r[0] for r in self._query(
                "SELECT text FROM events WHERE session_id = ? AND ts >= ? AND ts < ? AND kind = 'comment' "
                "AND text != '' ORDER BY ts LIMIT 5",
                (self.session_id, start, start + w),
            ))
            out.append(Highlight(start, n, baseline, samples))
        return out

    # -- promotions -------------------------------------------------------------------------------------
    def promotions(self) -> PromotionResults:
        """Flash sales (sold / stock), coupons (claimed / quantity) and lucky bags, from the logged
        commands and the engine's system events."""
        return self._cached("promotions", self._promotions)

    def _promotions(self) -> PromotionResults:
        sid = self.session_id
        ended: dict[str, tuple[float, int, str]] = {}
        started: dict[str, float] = {}
        for ts, extra_text in self._query(
            "SELECT ts, extra FROM events INDEXED BY events_session_kind_seq "
            "WHERE session_id = ? AND kind = 'system' AND extra IS NOT NULL "
            "AND instr(extra, 'flash_sale') > 0",
            (sid,),
        ):
            extra = _loads(extra_text)
            sale_id = extra.get("sale_id")
            if not isinstance(sale_id, str):
                continue
            if extra.get("flash_sale") == "ended":
                ended[sale_id] = (ts, int(extra.get("sold") or 0), str(extra.get("reason") or ""))
            elif extra.get("flash_sale") == "started":
                started[sale_id] = ts
        stops = {str(args.get("sale_id")): ts for name, args, ts, *_ in self._actions if name == "stop_flash_sale"}
        sales = []
        coupons = []
        bags: dict[str, dict[str, Any]] = {}
        claims = self._coupon_claims()
        for name, args, ts, cid, _actor in self._actions:
            if name == "start_flash_sale":
                pid = str(args.get("product_id", "")) or self._by_no.get(args.get("no"), "")
                stock = int(args.get("stock") or 0)
                start = started.get(cid, args.get("starts_at_wall", ts))
                if cid in ended:
                    end, sold, reason = ended[cid]
                else:  # no end event (interrupted, or another recorder): orders of the product while it ran
                    end = stops.get(cid, args.get("ends_at_wall", self.end_ts))
                    reason = "stopped" if cid in stops else ""
                    n = self._query(
                        "SELECT total(count) FROM events INDEXED BY events_session_kind_seq "
                        "WHERE session_id = ? AND kind = 'order' AND product_id = ? "
                        "AND ts >= ? AND ts < ?", (sid, pid, start, end))[0][0]
                    sold = min(stock, int(n))
                no, pname, _ = self._catalog.get(pid, (args.get("no"), "", 0))
                sales.append(FlashSaleResult(cid, no, pid, pname, int(args.get("price_fen") or 0), stock, sold,
                                             start, end, reason))
            elif name == "drop_coupon":
                coupon_id = str(args.get("coupon_id") or cid)
                quantity = int(args.get("quantity") or 0)
                per_user = int(args.get("per_user_limit") or 1)
                users = claims.get(coupon_id, {})
                claimed = min(quantity, sum(min(n, per_user) for n in users.values()))
                coupons.append(CouponResult(coupon_id, _coupon_label(args), quantity, claimed, len(users), ts))
            elif name == "start_lucky_bag":
                condition = args.get("condition") or {}
                label = (tr("评论“{keyword}”", keyword=condition["keyword"]) if isinstance(condition, dict)
                         and condition.get("keyword") else tr("关注"))
                bags[cid] = {"ts": ts, "condition": label, "seed": args.get("seed"), "status": "running",
                             "participants": 0, "winners": ()}
            elif name == "cancel_lucky_bag" and str(args.get("bag_id")) in bags:
                bags[str(args["bag_id"])]["status"] = "cancelled"
            elif name == "lucky_bag_draw" and str(args.get("bag_id")) in bags:
                bag = bags[str(args["bag_id"])]
                bag.update(status="drawn", participants=len(args.get("participants") or ()),
                           winners=tuple(str(u) for u in args.get("winners") or ()), seed=args.get("seed", bag["seed"]))
        lucky = [LuckyBagResult(bid, b["ts"], b["condition"], b["participants"], b["winners"], b["seed"], b["status"])
                 for bid, b in bags.items()]
        return PromotionResults(sales, coupons, lucky)

    def _coupon_claims(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = defaultdict(dict)
        for coupon_id, uid, n in self._query(
            "SELECT extra ->> '$.coupon_id' AS c, user_id, count(*) FROM events INDEXED BY events_session_kind_seq "
            "WHERE session_id = ? "
            "AND kind = 'coupon_claim' GROUP BY c, user_id",
            (self.session_id,),
        ):
            if coupon_id is not None:
                out[str(coupon_id)][uid or ""] = n
        return out

    # -- reading the chat -------------------------------------------------------------------------------
    def comments_around(self, ts: float, window_s: float = 30, limit: int = 200) -> list[LiveEvent]:
        """Comments from ``ts - window_s`` to ``ts + window_s``, in time order, at most ``limit``."""
        rows = self._query(
            "SELECT kind, ts, user_id, user_name, text, count, amount_fen, product_id, msg_id, extra, seq "
            "FROM events WHERE session_id = ? AND ts >= ? AND ts <= ? AND kind = 'comment' ORDER BY ts, seq LIMIT ?",
            (self.session_id, ts - window_s, ts + window_s, limit),
        )
        return [LiveEvent(k, t, u or "", n or "", x or "", c or 0, a or 0, p or "", m or "",
                          None if e is None else _loads(e), s) for k, t, u, n, x, c, a, p, m, e, s in rows]


# --- helpers ---------------------------------------------------------------------------------------------

_NOT_A_WORD = re.compile(r"[\d\W_]+")
_STOPWORDS = RESOURCES / "stopwords_zh.txt"
_jieba_lock = threading.Lock()


def stopwords() -> frozenset[str]:
    """resources/stopwords_zh.txt: one word a line, ``#`` comments."""
    return _stopwords_cached()


def _stopwords_cached(cache: dict[str, frozenset[str]] = {}) -> frozenset[str]:  # noqa: B006 — a cache
    if "words" not in cache:
        lines = _STOPWORDS.read_text(encoding="utf-8").splitlines()
        cache["words"] = frozenset(w.strip().lower() for w in lines if w.strip() and not w.startswith("#"))
    return cache["words"]


def _jieba_cut() -> Callable[[str], Iterable[str]]:
    with _jieba_lock:
        import jieba  # imported late: its dictionary takes ~1 s to load, only keywords need it

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        return jieba.lcut  # type: ignore[no-any-return]


def _loads(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _coupon_label(args: dict[str, Any]) -> str:
    """How a dropped coupon reads (as app.commerce.promotions.Coupon.label): 满100减10, 立减5元, 9折."""
    kind = args.get("kind")
    try:
        if kind == "满减":
            return f"满{int(args['threshold_fen']) / 100:g}减{int(args['discount_fen']) / 100:g}"
        if kind == "直减":
            return f"立减{int(args['discount_fen']) / 100:g}元"
        if kind == "折扣":
            return f"{(100 - int(args['percent_off'])) / 10:g}折"
    except (KeyError, TypeError, ValueError):
        pass
    return str(kind or tr("优惠券"))


# --- shop orders -----------------------------------------------------------------------------------------

#: Header names of a shop backend's order export (first match wins, case-insensitive).
ORDER_HEADERS: dict[str, tuple[str, ...]] = {
    "order_id": ("订单号", "订单编号", "订单id", "主订单编号", "子订单编号", "order id", "order_id", "order"),
    "product": ("商品", "商品id", "商品名称", "商品编号", "序号", "product", "product_id", "product id", "item"),
    "amount": ("金额", "实付金额", "支付金额", "实付款", "订单金额", "amount", "paid", "amount (yuan)"),
    "time": ("时间", "支付时间", "付款时间", "下单时间", "创建时间", "time", "paid_at", "paid at", "created_at"),
    "buyer": ("买家", "买家昵称", "用户", "用户id", "buyer", "user"),
}
_REQUIRED = ("order_id", "product", "amount", "time")
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%dT%H:%M:%S")


def _parse_time(text: str) -> float:
    """Unix seconds, or a local date-time as shop backends write it (ISO with a zone too)."""
    text = text.strip()
    try:
        value = float(text)
    except ValueError:
        pass
    else:
        if value > 1e12:  # milliseconds
            value /= 1000
        if value > 1e8:
            return value
        raise ValueError(text)
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text.split(".")[0], fmt).timestamp()
        except ValueError:
            continue
    return datetime.fromisoformat(text).timestamp()


def import_shop_orders(path: PathLike, session_id: int, orders_file: PathLike) -> OrderImport:
    """Import the shop's order export (CSV/XLSX) for a session into ``shop_orders``.

    Columns (Chinese or English headers, see :data:`ORDER_HEADERS`): order id, product (its product id,
    its name or its 序号 like ``3`` / ``3号``), amount in yuan, time (local date-time or unix seconds),
    buyer (optional). Each order is attributed to its product and to the explain window it was paid in
    (``window_no``: the product explained then; ``in_window``: 1 if that was its own product). A bad row
    is skipped with one error per problem; an order id already imported for the session is skipped.

    Raises:
        ReviewError: the file is unreadable or lacks a required column; the session is unknown.
    """
    file = Path(orders_file)
    try:
        rows, _ = read_table(file)
    except (CatalogError, OSError) as exc:
        raise ReviewError(str(exc)) from None
    if not rows:
        raise ReviewError(tr("{name} 是空的", name=file.name))
    header = [h.strip() for h in rows[0]]
    lowered = [h.lower() for h in header]
    cols: dict[str, int] = {}
    for key, names in ORDER_HEADERS.items():
        for name in names:
            if name in lowered:
                cols[key] = lowered.index(name)
                break
    missing = [k for k in _REQUIRED if k not in cols]
    if missing:
        columns = "、".join(ORDER_HEADERS[k][0] for k in missing)
        raise ReviewError(tr("{name} 缺少列：{columns}", name=file.name, columns=columns))
    with Review(path, session_id) as review:
        windows = review.explain_windows()
        catalog = review._catalog
    starts = [w.start_ts for w in windows]
    by_name = {name: pid for pid, (_, name, _) in catalog.items()}
    by_no = {no: pid for pid, (no, _, _) in catalog.items()}
    errors: list[RowError] = []
    good: list[tuple[Any, ...]] = []
    seen: set[str] = set()
    now = time.time()
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue

        def cell(key: str, row: list[str] = row) -> str:
            i = cols.get(key)
            return row[i].strip() if i is not None and i < len(row) else ""

        row_errors: list[RowError] = []
        order_id = cell("order_id")
        if not order_id:
            row_errors.append(RowError(number, header[cols["order_id"]], tr("缺少订单号")))
        elif order_id in seen:
            row_errors.append(RowError(number, header[cols["order_id"]], tr("订单号 {id} 重复", id=order_id)))
        product = cell("product")
        pid = product if product in catalog else by_name.get(product)
        if pid is None:
            m = re.fullmatch(r"(\d{1,3})\s*号?", unicodedata.normalize("NFKC", product))
            pid = by_no.get(int(m.group(1))) if m else None
        if pid is None:
            row_errors.append(RowError(number, header[cols["product"]],
                                       tr("找不到商品：{product}", product=product or "—")))
        try:
            amount = yuan_to_fen(cell("amount"))
            if amount <= 0:
                raise ValueError(tr("金额必须大于 0"))
        except ValueError as exc:
            row_errors.append(RowError(number, header[cols["amount"]], str(exc)))
        try:
            ts = _parse_time(cell("time"))
        except (ValueError, OverflowError, OSError):
            row_errors.append(RowError(number, header[cols["time"]], tr("不是时间：{text}", text=cell("time") or "—")))
        if row_errors:
            errors += row_errors
            continue
        seen.add(order_id)
        assert pid is not None
        i = bisect.bisect_right(starts, ts) - 1
        window = windows[i] if i >= 0 and windows[i].start_ts <= ts < windows[i].end_ts else None
        good.append((session_id, order_id, pid, catalog[pid][0], amount, ts, cell("buyer"),
                     window.no if window else None, int(window is not None and window.product_id == pid),
                     file.name, now))
    with _Writer(path) as conn:
        before = conn.total_changes
        conn.executemany(
            "INSERT OR IGNORE INTO shop_orders (session_id, order_id, product_id, no, amount_fen, ts, buyer, "
            "window_no, in_window, source_file, imported_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            good,
        )
        inserted = conn.total_changes - before
        in_windows = conn.execute(
            f"SELECT count(*) FROM shop_orders WHERE session_id = ? AND in_window = 1 AND imported_at = ? "
            f"AND order_id IN ({','.join('?' * len(good))})",
            (session_id, now, *(g[1] for g in good)),
        ).fetchone()[0] if good else 0
    return OrderImport(inserted, in_windows, errors, duplicates=len(good) - inserted)


# --- compare ---------------------------------------------------------------------------------------------


def compare(path: PathLike, session_ids: list[int]) -> Comparison:
    """Two or more sessions side by side: their summaries, and each product's results per session
    (matched by product id, else by name)."""
    summaries: list[Summary] = []
    per_session: list[dict[str, ProductResult]] = []
    names: dict[str, str] = {}
    order: list[str] = []
    for sid in session_ids:
        with Review(path, sid) as r:
            summaries.append(r.summary())
            found: dict[str, ProductResult] = {}
            for p in r.products():
                key = p.product_id or p.name
                found[key] = p
                if key not in names:
                    names[key] = p.name
                    order.append(key)
            per_session.append(found)
    products = [CompareProduct(k, names[k], tuple(s.get(k) for s in per_session)) for k in order]
    return Comparison(summaries, products)
