"""`livedeck record` as a user runs it: a real subprocess against the demo room, a real SQLite file."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def demo_url(demo_room: Callable[..., str]) -> str:
    return demo_room(seed=3, rate=200)


def livedeck(*args: str) -> list[str]:
    return [sys.executable, "-m", "app", *args]


def test_record_for_a_duration_logs_the_room_and_prints_a_summary(demo_url: str, tmp_path: Path) -> None:
    db = tmp_path / "rec.sqlite"
    done = subprocess.run(
        livedeck("record", "--source", demo_url, "--format", "generic", "--db", str(db), "--duration", "1.5",
                 "--title", "晚场彩排"),
        capture_output=True, text=True, timeout=30, env={**os.environ, "LIVEDECK_HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    summary = done.stdout.strip().splitlines()[-1]
    assert summary.startswith("已录制场次 #1 共 ")
    assert "跳过格式错误的帧 0 个" in summary
    with sqlite3.connect(db) as conn:
        title, status = conn.execute("select title, status from sessions").fetchone()
        comments = conn.execute("select count(*) from events where kind = 'comment'").fetchone()[0]
        total = conn.execute("select count(*) from events").fetchone()[0]
    assert (title, status) == ("晚场彩排", "ended")
    assert comments > 20
    assert f"共 {total} 条事件" in summary


def test_record_stops_cleanly_on_sigint_and_keeps_everything(demo_url: str, tmp_path: Path) -> None:
    db = tmp_path / "rec.sqlite"
    proc = subprocess.Popen(
        livedeck("record", "--source", demo_url, "--db", str(db)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "LIVEDECK_HOME": str(tmp_path)},
    )
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:  # wait until it is recording
            time.sleep(0.2)
            if db.exists():
                try:
                    with sqlite3.connect(db) as conn:
                        if conn.execute("select count(*) from events").fetchone()[0] > 10:
                            break
                except sqlite3.OperationalError:  # the recorder is still creating the schema
                    continue
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    with sqlite3.connect(db) as conn:
        status = conn.execute("select status from sessions").fetchone()[0]
        total = conn.execute("select count(*) from events").fetchone()[0]
        seqs = [r[0] for r in conn.execute("select seq from events order by seq")]
    assert status == "ended"
    assert seqs == list(range(1, total + 1))  # nothing missing in the middle
    assert f"共 {total} 条事件" in out


def test_record_reports_a_bad_address_clearly(tmp_path: Path) -> None:
    done = subprocess.run(
        livedeck("record", "--source", "ws://127.0.0.1:9/", "--format", "nonsense", "--db", str(tmp_path / "x")),
        capture_output=True, text=True, timeout=30,
    )
    assert done.returncode == 2
    assert "invalid choice: 'nonsense'" in done.stderr


def test_record_says_clearly_when_the_log_file_is_not_a_session_log(tmp_path: Path) -> None:
    db = tmp_path / "notes.sqlite"
    db.write_text("这不是数据库，是一份备忘录\n" * 100, encoding="utf-8")
    done = subprocess.run(
        livedeck("record", "--source", "ws://127.0.0.1:9/", "--db", str(db), "--duration", "1"),
        capture_output=True, text=True, timeout=30, env={**os.environ, "LIVEDECK_HOME": str(tmp_path)},
    )
    assert done.returncode == 2
    assert done.stderr.startswith("无法录制：")
    assert "Traceback" not in done.stderr
    assert db.read_text(encoding="utf-8").startswith("这不是数据库")  # untouched
