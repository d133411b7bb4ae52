"""Whether a file is a log LiveDeck may append to, checked before anything writes to it (docs/schema.md,
"Damaged and foreign logs"), and the one line a user reads about a log SQLite cannot read."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from app.core.i18n import tr
from app.store.readonly import open_readonly
from app.store.schema import SCHEMA_VERSION, SessionLogError


def log_error_text(path: str | os.PathLike[str], exc: sqlite3.Error) -> str:
    """One line for the user about a log SQLite cannot read: damaged or not a log, locked, unreadable."""
    name, reason = Path(path).name, str(exc)
    if "locked" in reason or "busy" in reason:
        return tr("{name} 正被另一个程序写入并锁定：请等它写完或关掉它再试", name=name)
    if "unable to open" in reason or "readonly" in reason or "disk I/O" in reason:
        return tr("无法读取 {name}（{reason}）", name=name, reason=reason)
    return tr("{name} 不是 LiveDeck 会话日志，或文件已损坏（{reason}）", name=name, reason=reason)


def check_appendable(path: str | os.PathLike[str]) -> None:
    """Refuse, before a byte is written, a log that is damaged (``PRAGMA quick_check``), not a SQLite
    file, locked, or written by a newer LiveDeck. A missing or empty file is a new log.

    Raises:
        SessionLogError: with the one line for the user; the file is left as it was.
    """
    p = Path(path)
    if not p.is_file() or p.stat().st_size == 0:
        return
    try:
        conn = open_readonly(p)
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            problems = [row[0] for row in conn.execute("PRAGMA quick_check(3)")]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise SessionLogError(log_error_text(p, exc)) from None
    if problems != ["ok"]:
        raise SessionLogError(tr("{name} 已损坏（{problem}）：没有往里写，请换一个日志文件", name=p.name,
                                 problem="；".join(p.replace("\n", " ") for p in problems)))
    if version > SCHEMA_VERSION:
        raise SessionLogError(tr("{name} 由更新版本的 LiveDeck 写入（结构版本 {version}，本版本只认到 {ours}）："
                                 "没有往里写，请升级 LiveDeck 或换一个日志文件",
                                 name=p.name, version=version, ours=SCHEMA_VERSION))
