"""The session library: every session in the log with its headline numbers; rename, delete, export to a
standalone file and import one back (docs/review.md, "Session library")."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from app.core.i18n import tr
from app.review.log_access import (
    TABLES_WITH_SESSION,
    PathLike,
    ReviewError,
    Writer,
    check_log,
    connect_readonly,
    has_table,
    platform_of,
    session_or_error,
)
from app.store.orphans import pid_alive
from app.store.session_log import SessionLogError, migrate


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



def list_sessions(path: PathLike) -> list[SessionRow]:
    """Every session in the log, newest first (live and interrupted ones too), with its headline numbers."""
    conn = connect_readonly(check_log(path))
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
            sid, title or "", platform_of(source or ""), started, ended, max(0.0, end - started), status,
            int(peak or 0), comments, orders, buyers, int(gmv),
        ))
    return out



def rename_session(path: PathLike, session_id: int, title: str) -> None:
    """Give a session a new title."""
    with Writer(path) as conn:
        session_or_error(conn, session_id)
        conn.execute("UPDATE sessions SET title = ? WHERE id = ?", (title.strip(), session_id))


def delete_session(path: PathLike, session_id: int) -> None:
    """Delete a session and all its rows in every table. A session being recorded now is refused."""
    with Writer(path) as conn:
        _, _, _, _, _, status, pid, host = session_or_error(conn, session_id)
        if status == "live" and host == socket.gethostname() and pid_alive(pid):
            raise ReviewError(tr("场次 {id} 正在直播，不能删除", id=session_id))
        for table in TABLES_WITH_SESSION:
            if has_table(conn, table):
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
    src = check_log(path)
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
        for table in TABLES_WITH_SESSION:
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
        with Writer(path, attach=copy) as conn:
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
                for table in TABLES_WITH_SESSION:
                    _copy_rows(conn, "src", "main", table, "session_id = ?", (old,), {"session_id": str(new)})
        return new_ids[0]
