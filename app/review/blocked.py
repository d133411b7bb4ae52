"""Viewers blocked in a session (屏蔽此人), as the review and the exports flag them.

A block deletes nothing: the viewer's comments stay in the log, and the ``block_viewer`` /
``unblock_viewer`` rows of the ``actions`` table say who was blocked. A viewer counts as blocked in a
session when the last of those rows for them in that session is a ``block_viewer`` (blocked and not let
back in by the end of the show); all of their comments of that session are then flagged 已屏蔽, those
from before the block too (a spammer's first ad is as much an ad). A viewer still on the block list from
an earlier show, and not blocked again in this one, has no row here and is not flagged (docs/review.md).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from app.review.log_access import loads_object
from app.review.session import SessionReader

BLOCK = "block_viewer"
UNBLOCK = "unblock_viewer"


def blocked_in(actions: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, str]:
    """``user_id → name`` of the viewers whose last block or unblock in ``actions`` (applied, in order,
    as ``(name, args)``) blocked them."""
    blocked: dict[str, str] = {}
    for name, args in actions:
        uid = args.get("uid")
        if not isinstance(uid, str) or not uid:
            continue
        if name == BLOCK:
            blocked[uid] = str(args.get("name") or "")
        elif name == UNBLOCK:
            blocked.pop(uid, None)
    return blocked


def blocked_viewers(reader: SessionReader) -> dict[str, str]:
    """The viewers blocked in ``reader``'s session (computed once, from the actions it has read)."""
    return reader.cached("blocked", lambda: blocked_in((name, args) for name, args, *_ in reader.actions))


def read_blocked(conn: sqlite3.Connection, session_id: int) -> dict[str, str]:
    """The same from an open connection (the CSV export streams without a :class:`SessionReader`)."""
    rows = conn.execute("SELECT name, args FROM actions WHERE session_id = ? AND result = 'applied' "
                        "AND name IN (?, ?) ORDER BY rowid", (session_id, BLOCK, UNBLOCK))
    return blocked_in((name, loads_object(args)) for name, args in rows)
