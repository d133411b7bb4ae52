"""Sessions left ``live`` by a process that is gone (killed, crashed, power cut) are marked ``interrupted``."""

from __future__ import annotations

import logging
import os
import sqlite3
import sys

from app.store.schema import Immediate

log = logging.getLogger("livedeck.store")


def pid_alive(pid: int | None) -> bool:
    """Whether process ``pid`` is running on this host. Unknown or foreign processes count as alive."""
    if pid is None or pid <= 0:
        # pid 0 / negative would address a process group in os.kill, never one process.
        return False
    if sys.platform == "win32":
        # os.kill(pid, 0) on Windows *terminates* the process (TerminateProcess with exit code 0).
        import ctypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return ctypes.get_last_error() == 5  # ERROR_ACCESS_DENIED: it exists, it isn't ours
        try:
            code = ctypes.c_ulong()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists but belongs to another user
    except OSError:
        return True
    return True


def mark_orphans(conn: sqlite3.Connection, host: str) -> None:
    """Mark ``interrupted`` the sessions still ``live`` whose process on ``host`` (this one) is gone."""
    rows = conn.execute("SELECT id, pid FROM sessions WHERE status = 'live' AND host = ?", (host,)).fetchall()
    orphans = [sid for sid, pid in rows if not pid_alive(pid)]
    if not orphans:
        return
    with Immediate(conn):
        for sid in orphans:
            # The last event's time is the best guess of when the show was cut off.
            conn.execute(
                "UPDATE sessions SET status = 'interrupted', "
                "ended_at = coalesce((SELECT max(ts) FROM events WHERE session_id = :id), started_at), "
                "event_count = (SELECT count(*) FROM events WHERE session_id = :id) "
                "WHERE id = :id AND status = 'live'",
                {"id": sid},
            )
    log.warning("session log: marked interrupted sessions %s (their process is gone)", orphans)
