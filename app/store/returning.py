"""Returning viewers (回头客): who of this show was seen in an earlier session of the same log.

:func:`read_returning` runs once when a session starts, on a worker thread: ONE query over the
:data:`LOOKBACK_SESSIONS` sessions before it, through the ``events (session_id, kind, seq)`` index, of
the kinds a viewer acts with (:data:`SEEN_KINDS`: comments, gifts, orders, follows, coupon claims —
entering or liking alone does not count). It keeps at most :data:`MAX_VIEWERS` viewers, those seen most
recently, each with when they were first seen in those sessions and in how many of them. The result is a
plain dict the feed asks with ``in`` for every comment — no query per comment, memory bounded whatever
the audience (docs/comments.md, "Returning viewers").
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from app.core.events import Kind
from app.store.readonly import open_readonly

#: Earlier sessions of the log looked at (the newest before this one).
LOOKBACK_SESSIONS = 30
#: Viewers kept; beyond it the ones last seen longest ago are left out.
MAX_VIEWERS = 50_000
#: What a viewer did to count as seen.
SEEN_KINDS = (Kind.COMMENT, Kind.GIFT, Kind.ORDER, Kind.FOLLOW, Kind.COUPON_CLAIM)

_SQL = (
    "SELECT user_id, MIN(ts), COUNT(DISTINCT session_id) FROM events INDEXED BY events_session_kind_seq "
    "WHERE session_id IN (SELECT id FROM sessions WHERE id < ? ORDER BY id DESC LIMIT ?) "
    f"AND kind IN ({','.join('?' * len(SEEN_KINDS))}) AND user_id IS NOT NULL AND user_id != '' "
    "GROUP BY user_id ORDER BY MAX(session_id) DESC LIMIT ?"
)


@dataclass(frozen=True, slots=True)
class PastVisits:
    """One returning viewer: first seen (unix time) in the sessions looked at, and in how many of them."""

    first_seen: float
    shows: int


@dataclass(frozen=True, slots=True)
class ReturningViewers:
    """The viewers of earlier sessions, by user id; ``sessions`` is how many earlier sessions were read."""

    viewers: dict[str, PastVisits] = field(default_factory=dict)
    sessions: int = 0

    def __contains__(self, user_id: object) -> bool:
        return user_id in self.viewers

    def get(self, user_id: str) -> PastVisits | None:
        return self.viewers.get(user_id)


def read_returning(path: str | os.PathLike[str], session_id: int, *, sessions: int = LOOKBACK_SESSIONS,
                   limit: int = MAX_VIEWERS) -> ReturningViewers:
    """The viewers seen in the ``sessions`` sessions of the log at ``path`` before ``session_id``.

    Raises:
        sqlite3.Error: the log cannot be read.
    """
    conn = open_readonly(path)
    try:
        (earlier,) = conn.execute("SELECT COUNT(*) FROM (SELECT id FROM sessions WHERE id < ? ORDER BY id DESC "
                                  "LIMIT ?)", (session_id, sessions)).fetchone()
        if not earlier:
            return ReturningViewers()
        rows = conn.execute(_SQL, (session_id, sessions, *map(str, SEEN_KINDS), limit)).fetchall()
    finally:
        conn.close()
    return ReturningViewers({str(uid): PastVisits(float(first), int(shows)) for uid, first, shows in rows},
                            int(earlier))


def query_plan(path: str | os.PathLike[str], session_id: int) -> list[str]:
    """SQLite's plan for the lookup (a test keeps it on the index)."""
    conn = open_readonly(path)
    try:
        return [str(row[-1]) for row in conn.execute(
            "EXPLAIN QUERY PLAN " + _SQL, (session_id, LOOKBACK_SESSIONS, *map(str, SEEN_KINDS), MAX_VIEWERS))]
    finally:
        conn.close()

