"""`livedeck record` always ends with its summary, counting the writes the log refused and the events it
could not keep — against a real demo room, into a real log file."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from app import cli
from app.cli import main
from app.show.show import Show


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


def test_record_on_a_disk_that_fills_up_says_so_and_still_prints_its_summary(
    demo_room: Callable[..., str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_open_show = cli.open_show

    @contextlib.asynccontextmanager
    async def on_a_small_disk(db: Path, *args: Any, **kwargs: Any) -> AsyncIterator[Show]:
        """The real show, its log capped a few pages past its size (SQLite's own SQLITE_FULL)."""
        async with real_open_show(db, *args, **kwargs) as show:
            def cap(conn: sqlite3.Connection) -> None:
                pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
                conn.execute(f"PRAGMA max_page_count = {pages + 3}")
            assert show.engine.log is not None
            show.engine.log._writer.configure(cap)
            yield show

    monkeypatch.setattr(cli, "open_show", on_a_small_disk)
    url = demo_room(seed=4, rate=3000)
    db = tmp_path / "rec.sqlite"
    rc = main(["record", "--source", url, "--db", str(db), "--duration", "2"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "Traceback" not in out + err
    assert "磁盘已满：新事件暂存在内存中，腾出空间后自动写入" in err  # said at once, not only at the end
    summary = out.strip().splitlines()[-1]
    assert summary.startswith("磁盘已满，场次未能正常结束；已录制场次 #1 共 ")
    received = int(summary.split(" 共 ")[1].split(" 条事件")[0])
    lost = int(summary.split("无法保存的事件 ")[1].split(" 条")[0])
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    assert lost > 0
    assert stored + lost == received  # every event the engine took is in the log or counted
