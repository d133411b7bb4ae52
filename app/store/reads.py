"""Reading the session log: each query on its own read-only connection, from any thread.

WAL mode lets these read while the writer thread writes; they see what has been committed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from app.core.events import LiveEvent
from app.store.readonly import open_readonly, open_rows
from app.store.rows import SELECT_ACTIONS, SELECT_EVENT, row_to_event


class LogQueries:
    """The queries of a session log file at ``path`` (mixed into ``SessionLog``)."""

    path: Path

    def sessions(self) -> list[dict[str, Any]]:
        """All sessions, newest first, as dicts of the ``sessions`` columns."""
        conn = open_rows(self.path)
        try:
            rows = conn.execute("SELECT * FROM sessions ORDER BY started_at DESC, id DESC").fetchall()
        finally:
            conn.close()
        return [dict(r) for r in rows]

    def session(self, session_id: int) -> dict[str, Any] | None:
        conn = open_rows(self.path)
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
        sql = SELECT_EVENT + " WHERE session_id = ? AND seq > ?"
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
            return [row_to_event(r) for r in conn.execute(sql, params)]
        finally:
            conn.close()

    def viewer_events(self, session_id: int, user_id: str, limit: int = 5000) -> list[LiveEvent]:
        """One viewer's committed events of a session in ``seq`` order, at most ``limit`` (the newest).

        For the viewer card: a scan of the session's events (there is no index by user), run once per card.
        """
        sql = (SELECT_EVENT + " WHERE session_id = ? AND user_id = ? ORDER BY seq DESC LIMIT ?")
        conn = open_readonly(self.path)
        try:
            rows = [row_to_event(r) for r in conn.execute(sql, (session_id, user_id, limit))]
        finally:
            conn.close()
        rows.reverse()
        return rows

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
        conn = open_rows(self.path)
        try:
            rows = conn.execute(SELECT_ACTIONS, (session_id,)).fetchall()
        finally:
            conn.close()
        out = []
        for r in rows:
            d = dict(r)
            d["args"] = json.loads(d["args"]) if d["args"] else {}
            out.append(d)
        return out

    def products(self, session_id: int) -> list[dict[str, Any]]:
        """The session's saved catalog in queue order; ``listed`` as a bool."""
        conn = open_rows(self.path)
        try:
            rows = conn.execute(
                "SELECT * FROM products WHERE session_id = ? ORDER BY position, no", (session_id,)
            ).fetchall()
        finally:
            conn.close()
        return [{**dict(r), "listed": bool(r["listed"])} for r in rows]
