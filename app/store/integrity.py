"""Whether a file is a log LiveDeck may append to, checked before anything writes to it (docs/schema.md,
"Damaged and foreign logs"), and the one line a user reads about a log SQLite cannot read.

``PRAGMA quick_check`` reads every page: about 1.5 s for a six-hour show's 250 MiB log
(tests/bench/bench_integrity.py), more on a slow disk. So it runs once per change of the file by anyone
else: a clean close notes the file as LiveDeck left it (size, modification time in ns, inode) in a stamp
beside it, ``<log>.checked``; opening a file that still matches its stamp skips the page check, and
opening a log for append removes the stamp first, so a crash or another program's write always leads to
a full check next time.
"""

from __future__ import annotations

import contextlib
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
    unchanged = _unchanged_since_checked(p)
    _forget_checked(p)  # about to be written: a crash from here on must not leave a matching stamp
    try:
        conn = open_readonly(p)
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            problems = ["ok"] if unchanged else page_problems(conn)
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


def page_problems(conn: sqlite3.Connection) -> list[str]:
    """``PRAGMA quick_check`` of the log ``conn`` reads: ``["ok"]``, or the first three problems."""
    return [row[0] for row in conn.execute("PRAGMA quick_check(3)")]


def remember_checked(path: str | os.PathLike[str]) -> None:
    """Note the log at ``path`` as LiveDeck leaves it after a clean close (nothing pending, no WAL beside
    it), so that the next open skips the page check while nothing else has touched the file."""
    p = Path(path)
    with contextlib.suppress(OSError):  # a read-only medium: the next open checks in full
        fingerprint = _fingerprint(p)
        if fingerprint is None:
            _forget_checked(p)
        else:
            _stamp(p).write_text(fingerprint, encoding="ascii")


def _stamp(p: Path) -> Path:
    return p.with_name(p.name + ".checked")


def _fingerprint(p: Path) -> str | None:
    """The file as it is: size, modification time (ns) and inode; None while a WAL is beside it."""
    if Path(f"{p}-wal").exists():
        return None
    st = p.stat()
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"


def _unchanged_since_checked(p: Path) -> bool:
    try:
        return _stamp(p).read_text(encoding="ascii") == _fingerprint(p)
    except (OSError, UnicodeDecodeError):
        return False


def _forget_checked(p: Path) -> None:
    with contextlib.suppress(OSError):
        _stamp(p).unlink(missing_ok=True)
