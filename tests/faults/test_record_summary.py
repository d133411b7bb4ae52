"""`livedeck record` always ends with its summary, counting the writes the log refused and the events it
could not keep — against a real demo room, into a real log file."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from app.cli import main


def test_record_prints_its_summary_with_what_was_refused(
    demo_room: Callable[..., str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = demo_room(seed=4, rate=300)
    db = tmp_path / "rec.sqlite"
    rc = main(["record", "--source", url, "--db", str(db), "--duration", "1.5"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "Traceback" not in out + err
    assert "拒绝写入 0 次（其中事件 0 条）" in out
    assert "无法保存的事件 0 条" in out
    with sqlite3.connect(db) as conn:
        stored, status = conn.execute("SELECT event_count, status FROM sessions").fetchone()
    assert status == "ended"
    assert f"共 {stored} 条事件" in out
