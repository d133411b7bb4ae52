"""Who did what in this session — the distinct people behind UV, 评论人数, 下单人数… — counted exactly in
memory that does not grow with the audience.

A busy room brings hundreds of new ``user_id`` values a second; six Python sets of them grew the
recorder by tens of MB an hour. :class:`People` keeps one row per person in a private temporary SQLite
database (``sqlite3.connect("")``: on disk, deleted when closed, its page cache capped at
:data:`CACHE_KIB`) with a bit per role, and keeps the counts as plain integers, raised by how many rows
each batch's ``UPDATE … WHERE roles & bit = 0`` changed. The counts are exact (no sketch, no hash), and
reading one is free; see docs/metrics.md "Sets of viewers".
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

#: Role bits. Every person in any role is a viewer (all of them come from viewer kinds).
VIEWER, INTERACTING, COMMENTER, FOLLOWER, CLICKER, BUYER = 1, 2, 4, 8, 16, 32
ROLES = (VIEWER, INTERACTING, COMMENTER, FOLLOWER, CLICKER, BUYER)
#: SQLite's page cache for the table, in KiB: what the audience costs in memory, however large it is.
CACHE_KIB = 2048

_MARK = "UPDATE people SET roles = roles | ?1 WHERE uid = ?2 AND roles & ?1 = 0"
_MARK_BOTH = "UPDATE people SET roles = roles | ?1 WHERE uid = ?2 AND roles & ?1 = 0 AND roles & ?3 != 0"


def scratch_db() -> sqlite3.Connection:
    """A private temporary SQLite database (on disk, deleted when closed) whose memory is capped at
    :data:`CACHE_KIB`, for what a session accumulates but only ever counts. One thread at a time."""
    db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
    db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    return db


def changes(db: sqlite3.Connection, sql: str, rows: Iterable[tuple[object, ...]]) -> int:
    """Run ``sql`` for each of ``rows``; returns how many rows of the database it changed."""
    before = db.total_changes
    db.executemany(sql, rows)
    return db.total_changes - before


class People:
    """The distinct people of one session by role; :meth:`count` is exact. One thread at a time."""

    def __init__(self) -> None:
        self._db = scratch_db()
        self._db.execute("CREATE TABLE people (uid TEXT PRIMARY KEY, roles INTEGER NOT NULL) WITHOUT ROWID")
        self._counts = dict.fromkeys(ROLES, 0)
        #: People who both clicked a product and ordered (点击且下单人数).
        self.clicked_buyers = 0

    def add(self, seen: dict[int, set[str]]) -> None:
        """Count one batch: ``seen`` maps a role bit to the user ids in that role (viewers first)."""
        db = self._db
        db.execute("BEGIN")
        try:
            self._counts[VIEWER] += changes(
                db, "INSERT OR IGNORE INTO people VALUES (?, 1)", ((uid,) for uid in seen.get(VIEWER, ())))
            for role, uids in seen.items():
                if role == VIEWER or not uids:
                    continue
                if role in (CLICKER, BUYER):  # the one pair whose overlap is a metric
                    other = BUYER if role == CLICKER else CLICKER
                    both = changes(db, _MARK_BOTH, ((role, uid, other) for uid in uids))
                    self.clicked_buyers += both
                    self._counts[role] += both
                self._counts[role] += changes(db, _MARK, ((role, uid) for uid in uids))
        finally:
            db.execute("COMMIT")

    def count(self, role: int) -> int:
        """How many distinct people had ``role`` so far."""
        return self._counts[role]

    def close(self) -> None:
        """Drop the table (the temporary file goes with it)."""
        self._db.close()
