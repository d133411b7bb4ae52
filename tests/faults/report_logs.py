"""Session logs an attacker or a bad day leaves behind, for the export and damaged-log cases: real SQLite
files written by the real SessionLog, then what only an older LiveDeck or another program could store
(NaN in JSON, a millisecond or 1e300 ts) inserted as raw rows, the way it sits in such a file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from app.core.events import LiveEvent
from app.store.session_log import SessionLog

T0 = 1_700_000_000.0
ROOT = Path(__file__).resolve().parents[2]

#: Comments and names that are formulas in a spreadsheet that evaluates them.
FORMULAS = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "=1+1", "+1+1", "-1+1", "@SUM(1)",
            "\t=1+1", "\r=1+1"]
EVIL_NAME = "@SUM(1)"


def evil_log(path: Path, title: str = "春季上新", *, end: bool = True) -> tuple[int, int]:
    """A log whose viewers ask questions that are formulas (and one with \\x01), named ``@SUM(1)``, and
    whose shop file named a product ``=1+1``. Returns (session id, number of events)."""
    events = [LiveEvent("comment", T0 + i, user_id=f"u{i}", user_name=EVIL_NAME, text=f"{f} 多少钱？",
                        msg_id=f"f{i}", seq=i + 1) for i, f in enumerate(FORMULAS)]
    events.append(LiveEvent("comment", T0 + 30, user_id="ctl", user_name="小\x01王", text="有\x01货吗？",
                            msg_id="ctl", seq=len(events) + 1))
    events.append(LiveEvent("order", T0 + 40, user_id="u1", count=1, amount_fen=990, product_id="=1+1",
                            msg_id="o1", seq=len(events) + 1))
    with SessionLog(path) as log:
        sid = log.start_session(title, "demo", started_at=T0)
        log.save_products(sid, [{"no": 1, "product_id": "=1+1", "name": "-2+3", "price_fen": 990}])
        log.append(sid, events)
        if end:
            log.end_session(sid, ended_at=T0 + 300)
    return sid, len(events)


def insert_raw(path: Path, sid: int, rows: list[tuple[float | None, str, str, str]]) -> None:
    """Rows as an older LiveDeck stored them: (ts, kind, text, extra JSON text)."""
    conn = sqlite3.connect(path)
    with conn:
        seq = conn.execute("SELECT coalesce(max(seq), 0) FROM events WHERE session_id = ?", (sid,)).fetchone()[0]
        conn.executemany(
            "INSERT INTO events (session_id, seq, ts, kind, user_id, user_name, text, count, amount_fen, "
            "product_id, msg_id, extra) VALUES (?, ?, ?, ?, 'old', '老用户', ?, 1, 100, '', ?, ?)",
            [(sid, seq + i, ts, kind, text, f"raw{seq + i}", extra) for i, (ts, kind, text, extra) in
             enumerate(rows, 1)])
    conn.close()


def livedeck(*args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    """``python -m app ARGS`` as a user runs it; fails the test if it does not return within ``timeout``."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


def one_clear_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one line a failed command printed: exit status 2, no traceback, nothing else on stderr."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]
