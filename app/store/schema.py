"""The session log's schema: the numbered migrations, the version check and the write transaction.

``PRAGMA user_version`` holds how many migrations have run; :func:`migrate` runs the missing ones, each in
its own transaction. The schema is documented in docs/schema.md.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from types import TracebackType

from sqlite_utils import Database

log = logging.getLogger("livedeck.store")


class SessionLogError(RuntimeError):
    """The session log cannot be used: closed, or written by a newer LiveDeck."""


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
    rate's numerator and denominator, so a rate is one column ÷ another.

    The columns are the metric fields of app.core.metric_fields as they stood at schema version 2. Like
    every shipped migration this one never changes: a field added there gets a migration of its own that
    adds its column (tests/app/test_store.py checks the table against the fields)."""
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


def _migration_action_seq(db: Database) -> None:
    """Where each command fell among the events: the ``seq`` of the last event applied before it (NULL in
    rows logged before this column), so a show continued after a crash replays them in that order."""
    db.execute("ALTER TABLE actions ADD COLUMN after_seq INTEGER")


# Migration N is MIGRATIONS[N - 1]. Append new ones; never edit or reorder one that has shipped.
MIGRATIONS: tuple[Callable[[Database], None], ...] = (
    _migration_1, _migration_metrics, _migration_products, _migration_shop_orders, _migration_action_seq,
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
        with Immediate(conn):
            # Re-read under the write lock: another process may have migrated meanwhile.
            version = _user_version(conn)
            if version >= SCHEMA_VERSION:
                break
            MIGRATIONS[version](db)
            version += 1
            conn.execute(f"PRAGMA user_version = {version:d}")
            log.info("session log migrated to schema version %d", version)
    return version


class Immediate:
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
