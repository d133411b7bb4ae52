"""Replay of a recorded session: a real log, a real replay server, `livedeck record` as a subprocess."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from app.core.events import LiveEvent
from app.rooms.replay import ReplayError, ReplayThread, serve_replay
from app.store.session_log import SessionLog


def _write_log(path: Path, events: list[LiveEvent], title: str = "晚场") -> None:
    with SessionLog(path) as log:
        sid = log.start_session(title, "test", started_at=events[0].ts)
        for i, e in enumerate(events, 1):
            e.seq = i
        log.append(sid, events)
        log.end_session(sid)
        log.flush()


def _comments(n: int, start: float = 1_700_000_000.0, gap: float = 0.01) -> list[LiveEvent]:
    events = []
    for i in range(n):
        kind = "comment" if i % 3 else "like"
        events.append(LiveEvent(kind, start + i * gap, user_id=str(10**18 + i), user_name=f"观众{i}号",
                                text=f"第{i}条 多少钱" if kind == "comment" else "",
                                count=0 if kind == "comment" else 2,
                                msg_id=f"m-{i}"))
    return events


def _logged_comments(db: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT user_id, user_name, text FROM events WHERE kind = 'comment' ORDER BY session_id, seq"
        ).fetchall()


def test_a_replay_at_50x_is_recorded_again_with_the_same_comments(tmp_path: Path) -> None:
    src = tmp_path / "src.sqlite"
    _write_log(src, _comments(600, gap=0.05))  # 30 s of show → 0.6 s at 50×
    replay = ReplayThread(src, speed=50)
    url = replay.start()
    try:
        out = tmp_path / "out.sqlite"
        done = subprocess.run(
            [sys.executable, "-m", "app", "record", "--source", url, "--db", str(out), "--duration", "30"],
            capture_output=True, text=True, timeout=60, env={**os.environ, "LIVEDECK_HOME": str(tmp_path)},
        )
    finally:
        replay.stop()
    assert done.returncode == 0, done.stderr
    original = _logged_comments(src)
    assert len(original) == 400
    assert _logged_comments(out) == original  # same users, names, texts, order; no duplicates
    with sqlite3.connect(out) as conn:
        assert conn.execute("SELECT count(*) FROM events WHERE kind = 'live_end'").fetchone()[0] == 1
        ts = [r[0] for r in conn.execute("SELECT ts FROM events WHERE kind = 'comment' ORDER BY seq")]
    with sqlite3.connect(src) as conn:
        assert ts == [r[0] for r in conn.execute("SELECT ts FROM events WHERE kind = 'comment' ORDER BY seq")]


async def _collect(url: str, limit_s: float = 20.0) -> tuple[list[dict[str, object]], float]:
    """Every event object until live_end, and the seconds it took from hello."""
    events: list[dict[str, object]] = []
    async with connect(url) as ws:
        hello = json.loads(await ws.recv())
        assert hello["type"] == "hello"
        assert hello["protocol"] == "livedeck-generic"
        started = time.monotonic()
        async with asyncio.timeout(limit_s):
            while True:
                data = json.loads(await ws.recv())
                for obj in data if isinstance(data, list) else [data]:
                    if obj["type"] == "event":
                        events.append(obj)
                        if obj["kind"] == "live_end":
                            return events, time.monotonic() - started


def test_speed_paces_the_replay_and_long_gaps_are_capped(tmp_path: Path) -> None:
    src = tmp_path / "src.sqlite"
    events = _comments(41, gap=0.1)  # 4 s of show
    events.append(LiveEvent("comment", events[-1].ts + 3600, user_id="1", text="一小时后", msg_id="late"))
    _write_log(src, events)

    async def scenario() -> None:
        server = await serve_replay(src, speed=4, gap_cap=0.5)
        try:
            got, took = await _collect(server.url)
        finally:
            await server.close()
        assert [e["msg_id"] for e in got[:-1]] == [e.msg_id for e in events]
        # 4 s at 4× ≈ 1 s, plus the dead hour cut to 0.5 s.
        assert 1.0 <= took <= 3.0

    asyncio.run(scenario())


def test_a_replay_pages_through_the_log(tmp_path: Path) -> None:
    src = tmp_path / "src.sqlite"
    _write_log(src, _comments(95, gap=0.001))

    async def scenario() -> None:
        server = await serve_replay(src, speed=50, page_size=10)
        try:
            got, _ = await _collect(server.url)
        finally:
            await server.close()
        assert len(got) == 96  # 95 + live_end
        assert server.pages >= 10
        assert len({e["msg_id"] for e in got}) == 96

    asyncio.run(scenario())


def test_a_replay_explains_a_missing_session_or_a_bad_speed(tmp_path: Path) -> None:
    src = tmp_path / "src.sqlite"
    _write_log(src, _comments(3))
    with pytest.raises(ReplayError, match="#7"):
        asyncio.run(serve_replay(src, 7))
    with pytest.raises(ReplayError, match="1 到 50"):
        asyncio.run(serve_replay(src, speed=80))
    with pytest.raises(ReplayError, match="找不到"):
        asyncio.run(serve_replay(tmp_path / "nope.sqlite"))
