"""Times bounded by the show, end to end (issue 15, item 1): through a real websocket source into
``livedeck record``, an event timed in milliseconds or at 1e300 is refused by the source and one of
another day by the session's window (app/show/show.py routes every room through
``SessionEngine.submit_from_room``); each is counted in the one-line summary, every valid event is kept,
and the report of the log builds in seconds. A replay of our own log recorded a week ago goes in with
its recorded times, every event kept: it re-reads a log, it is no room."""

from __future__ import annotations

import asyncio
import csv
import json
import sqlite3
import time
from pathlib import Path

from openpyxl import load_workbook

from app.core.clock import ManualClock
from app.core.events import Kind, LiveEvent
from app.engine.resume import continue_interrupted
from app.engine.session import SessionEngine
from app.rooms.replay import ReplayThread
from app.show.show import Show, SourceSpec, interrupted_show
from app.store.session_log import SessionLog
from tests.app.test_resume import _die
from tests.faults.report_logs import livedeck
from tests.faults.test_bounds import record_room, room  # a room on loopback sending fixed frames
from tests.waiting import wait_until

DAY = 86_400.0
VALID = 20


def _comment(n: int, ts: float) -> str:
    return json.dumps({"type": "event", "kind": "comment", "ts": ts, "msg_id": f"m{n}", "user_id": str(n),
                       "user_name": f"观众{n}", "text": f"第 {n} 条"})


def test_millisecond_far_future_and_old_times_are_refused_counted_and_the_report_builds_in_seconds(
        tmp_path: Path) -> None:
    now = time.time()
    frames = [_comment(n, now + n * 0.01) for n in range(VALID)]
    frames[5:5] = [_comment(900, now * 1000)]  # milliseconds: a bridge's common mistake
    frames[10:10] = [_comment(901, 1e300)]
    frames[15:15] = [_comment(902, now - 3 * DAY)]  # another day's event: not this show's
    frames.append(json.dumps({"type": "event", "kind": "live_end", "ts": time.time(), "msg_id": "end"}))
    db = tmp_path / "ts.sqlite"

    async def main() -> tuple[int, str, str]:
        async with room(frames) as url:
            return await record_room(url, db, tmp_path)

    rc, out, err = asyncio.run(main())
    assert rc == 0, err
    assert "Traceback" not in out + err
    with sqlite3.connect(db) as conn:
        kept = [row[0] for row in conn.execute("select msg_id from events order by seq")]
    assert kept == [f"m{n}" for n in range(VALID)] + ["end"]  # every valid event, none of the three
    summary = out.strip().splitlines()[-1]
    assert summary.startswith(f"已录制场次 #1 共 {VALID + 1} 条事件"), summary
    assert "时间超出范围而拒绝的事件 3 条" in summary
    assert "looks like milliseconds" in err  # the first refusal says why (then rate-limited)
    for ext in (".html", ".csv", ".xlsx"):
        started = time.monotonic()
        result = livedeck("report", str(db), "-o", str(tmp_path / f"r{ext}"), timeout=60)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        assert time.monotonic() - started < 20, ext  # a ms or 1e300 event once made it build for ever
    with (tmp_path / "r.csv").open(encoding="utf-8-sig", newline="") as f:
        assert len(list(csv.DictReader(f))) == VALID + 1
    assert load_workbook(tmp_path / "r.xlsx")["时间线"].max_row <= 1 + 2  # the show's minute, not years


def _week_old_log(path: Path, n: int = 60) -> list[LiveEvent]:
    """A show recorded a week ago (ended): ``n`` comments 20 ms apart."""
    start = time.time() - 7 * DAY
    events = [LiveEvent(Kind.COMMENT, start + 1 + i * 0.02, user_id=str(10**18 + i), user_name=f"观众{i}",
                        text=f"上周的第{i}条", msg_id=f"w{i}", seq=i + 1) for i in range(n)]
    with SessionLog(path) as log:
        sid = log.start_session("上周的场", "demo", started_at=start)
        log.append(sid, events)
        log.end_session(sid, ended_at=start + 60)
    return events


def test_a_log_recorded_a_week_ago_replays_with_every_event_and_its_times(tmp_path: Path) -> None:
    old = _week_old_log(tmp_path / "old.sqlite")

    async def replayed(spec: SourceSpec, db: Path) -> list[tuple[str, float]]:
        with SessionLog(db) as log:
            engine = SessionEngine(log=log)
            async with Show(engine) as show:
                await show.start(spec)
                await wait_until(lambda: engine.state.counts[Kind.LIVE_END] == 1, 15, what="the replay's end")
                assert engine.state.bad_ts == 0
                await show.stop()
            log.flush()
            return [(e.msg_id, e.ts) for e in log.events(1) if e.kind == Kind.COMMENT]

    want = [(e.msg_id, e.ts) for e in old]
    # --format replay: the console's 回放 and `livedeck record --format replay`
    got = asyncio.run(replayed(SourceSpec("replay", str(tmp_path / "old.sqlite"), {"speed": 50.0}),
                               tmp_path / "a.sqlite"))
    assert got == want
    # `livedeck replay` read as a generic room: its hello says it replays a log
    thread = ReplayThread(tmp_path / "old.sqlite", speed=50)
    try:
        got = asyncio.run(replayed(SourceSpec("generic", thread.start()), tmp_path / "b.sqlite"))
    finally:
        thread.stop()
    assert got == want


def test_a_show_interrupted_a_week_ago_continues_with_every_event(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    clock = ManualClock(time.monotonic(), time.time() - 7 * DAY)
    with SessionLog(path) as log:
        engine = SessionEngine(log, clock=clock)
        asyncio.run(engine.start_session("上周的场", "demo"))
        engine.submit([LiveEvent(Kind.COMMENT, clock.time() + i, user_id=f"u{i}", text="扣1", msg_id=f"w{i}")
                       for i in range(50)])
        engine.drain()
        sid = engine.state.session_id
        assert sid is not None
        log.flush()
    _die(path, sid)  # the process was killed mid-show, a week ago
    session = interrupted_show(path)
    assert session is not None

    async def main() -> SessionEngine:
        with SessionLog(path) as log:
            engine = SessionEngine(log)
            await continue_interrupted(engine, session)
            engine.submit_from_room([LiveEvent(Kind.COMMENT, time.time(), user_id="now", text="我回来了",
                                               msg_id="now")])
            engine.drain()
            return engine

    state = asyncio.run(main()).state
    assert state.session_id == sid
    assert state.counts[Kind.COMMENT] == 51  # the week-old 50 replayed, the one of today kept
    assert state.bad_ts == 0
