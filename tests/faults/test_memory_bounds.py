"""Memory bounded by the rate, not the length of the show, and times bounded by the show (issue 15,
items 9 and 1): the dedupe window catches what it promises and forgets the rest, the distinct-people
counts stay exact while their memory does not grow with the audience, and an event whose ``ts`` lies
outside [session start − 1 day, now + 1 day] is refused and counted in ``record``'s summary."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sqlite3
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

from app.core.clock import ManualClock
from app.core.events import Kind, LiveEvent
from app.engine.session import SessionEngine
from app.metrics.tracker import MetricsTracker
from tests.faults.test_bounds import room  # a room on loopback sending fixed frames

DAY = 86_400.0


def _comment(n: int, ts: float, msg_id: str | None = None, user: str | None = None) -> LiveEvent:
    return LiveEvent(kind=Kind.COMMENT, ts=ts, user_id=user or f"u{n}", text=f"第 {n} 条",
                     msg_id=msg_id if msg_id is not None else f"m{n}")


def _engine(ids: int, seconds: float) -> tuple[SessionEngine, ManualClock]:
    clock = ManualClock()
    engine = SessionEngine(dedupe_window=ids, dedupe_seconds=seconds, clock=clock)
    asyncio.run(engine.start_session("去重", "test"))
    return engine, clock


def _feed(engine: SessionEngine, events: list[LiveEvent]) -> int:
    """Submit and apply ``events``; returns how many were dropped as duplicates."""
    before = engine.state.duplicates
    engine.submit(events)
    engine.drain()
    return engine.state.duplicates - before


def test_a_repeat_within_half_the_window_is_always_dropped_and_one_past_the_whole_window_never() -> None:
    engine, clock = _engine(ids=1000, seconds=60.0)
    now = clock.time()
    _feed(engine, [_comment(n, now) for n in range(10)])
    # Within capacity // 2 ids and seconds / 2 of the first copy: always caught.
    _feed(engine, [_comment(n, now) for n in range(10, 499)])
    clock.advance(29.0)
    assert _feed(engine, [_comment(n, clock.time()) for n in range(10)]) == 10
    # Past the whole window (more than ``capacity`` ids later): forgotten, applied again.
    _feed(engine, [_comment(n, clock.time()) for n in range(1000, 2100)])
    assert _feed(engine, [_comment(n, clock.time()) for n in range(10)]) == 0


def test_the_window_is_also_bounded_by_time_whatever_the_rate() -> None:
    engine, clock = _engine(ids=1_000_000, seconds=20.0)
    _feed(engine, [_comment(n, clock.time()) for n in range(5)])
    clock.advance(9.0)
    assert _feed(engine, [_comment(0, clock.time())]) == 1  # 9 s < seconds / 2: caught
    for n in range(5, 8):  # a quiet room: one event every 11 s turns the generation each time
        clock.advance(11.0)
        _feed(engine, [_comment(n, clock.time())])
    assert _feed(engine, [_comment(1, clock.time())]) == 0  # 42 s > seconds: forgotten


def test_the_dedupe_window_costs_a_bounded_amount_of_memory_at_any_length_of_show() -> None:
    tracemalloc.start()
    try:
        engine, clock = _engine(ids=20_000, seconds=120.0)
        for n in range(0, 50_000, 5000):  # 2.5 windows of ids, 3,000 a second (the soak's rate)
            clock.advance(5000 / 3000)
            now = clock.time()
            _feed(engine, [LiveEvent(kind=Kind.LIKE, ts=now, msg_id=f"demo-2026-{m}", count=1)
                           for m in range(n, n + 5000)])
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert engine.state.events == 50_000
    # 20,000 ids as text in a set and a deque (what it was) held about 2.6 MiB.
    assert held < 1.5 * 2**20, f"{held / 2**20:.1f} MiB held after 50,000 ids"


def test_distinct_people_stay_exact_while_their_memory_does_not_grow_with_the_audience() -> None:
    tracker = MetricsTracker()
    tracker.reset(time.time())

    def audience(first: int, count: int) -> None:
        ts = time.time()
        for n in range(first, first + count, 1000):
            batch: list[LiveEvent] = []
            for m in range(n, n + 1000):
                uid = str(10**18 + m)
                batch.append(LiveEvent(kind=Kind.ENTER, ts=ts, user_id=uid))
                if m % 3 == 0:
                    batch.append(LiveEvent(kind=Kind.PRODUCT_CLICK, ts=ts, user_id=uid, product_id="1"))
                if m % 5 == 0:
                    batch.append(LiveEvent(kind=Kind.ORDER, ts=ts, user_id=uid, product_id="1", count=1,
                                           amount_fen=100))
            tracker.feed(batch)

    audience(0, 10_000)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        audience(10_000, 30_000)  # 30,000 more people: as Python sets and lists, about 6 MiB more
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    snap = tracker.snapshot(notify=False)
    assert snap.viewers_uv == 40_000
    assert (snap.clickers, snap.buyers) == (13_334, 8000)  # every 3rd person clicked, every 5th bought
    assert snap.clicked_buyers == 2667  # every 15th did both
    assert grown < 2**20, f"{grown / 2**20:.1f} MiB more for 30,000 more people"
    audience(0, 1000)  # people seen before are not counted twice
    assert tracker.snapshot(notify=False).viewers_uv == 40_000


def _frame(n: int, ts: float, kind: str = "comment") -> str:
    event: dict[str, Any] = {"type": "event", "kind": kind, "ts": ts, "msg_id": f"m{n}", "user_id": str(n),
                             "text": f"第 {n} 条"}
    return json.dumps(event)


def test_a_time_outside_the_shows_window_is_refused_and_counted_in_the_summary(tmp_path: Path) -> None:
    db = tmp_path / "ts.sqlite"
    now = time.time()
    frames = [_frame(1, now), _frame(2, now - 3 * DAY),  # another day: not this show's
              _frame(3, now * 1000),  # milliseconds
              _frame(4, now + 2 * DAY), _frame(5, now - DAY / 2),  # half a day late: still this show's
              _frame(6, time.time()), _frame(7, time.time(), kind="live_end")]

    async def main() -> tuple[int, str, str]:
        async with room(frames) as url:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "app", "record", "--source", url, "--format", "generic", "--db", str(db),
                "--duration", "20", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                env={**os.environ, "LIVEDECK_HOME": str(tmp_path)})
            out, err = await asyncio.wait_for(proc.communicate(), 30)
            return proc.returncode or 0, out.decode(), err.decode()

    rc, out, err = asyncio.run(main())
    assert rc == 0, err
    assert "Traceback" not in out + err
    with sqlite3.connect(db) as conn:
        kept = [row[0] for row in conn.execute("select msg_id from events order by seq")]
    assert kept == ["m1", "m5", "m6", "m7"]
    summary = out.strip().splitlines()[-1]
    assert "时间超出范围而拒绝的事件 3 条" in summary
    assert "more than a day before the session started" in err


def test_the_engine_refuses_a_time_outside_the_sessions_window_and_counts_it() -> None:
    engine, clock = _engine(ids=1000, seconds=60.0)
    now = clock.time()
    engine.submit_from_room([_comment(1, now), _comment(2, now - 3 * DAY), _comment(3, now * 1000),
                             _comment(4, now - DAY / 2)])
    engine.drain()
    assert [e.msg_id for e in engine.state.recent_comments] == ["m1", "m4"]
    assert engine.state.bad_ts == 2


def test_an_hour_of_comments_leaves_the_metrics_holding_only_the_online_curve() -> None:
    """A simulated hour (the events' own times; the tracker has no clock): what it holds after minute 10
    grows only by the online curve's samples (~125 bytes each), not by the comments (the per-minute
    times are kept for the last few minutes only: kept whole, 30,000 of them would add ~240 KiB), and
    comments/minute stays exact."""
    t0 = 1_714_565_730.0
    tracker = MetricsTracker()
    tracker.reset(t0)

    def minutes(first: int, last: int) -> None:
        for second in range(first * 60, last * 60):
            ts = t0 + second
            batch = [LiveEvent(kind=Kind.COMMENT, ts=ts + i / 10, user_id=f"u{second % 500}", text="3号多少钱")
                     for i in range(10)]
            if second % 2 == 0:
                batch.append(LiveEvent(kind=Kind.VIEWER_STATS, ts=ts, count=1000 + second % 7))
            tracker.feed(batch)
            tracker.snapshot(ts, notify=False)

    minutes(0, 10)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        minutes(10, 60)  # 30,000 comments, 1,500 online samples
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    online_curve = 1500 * 125
    assert grown - online_curve < 96 * 1024, f"{grown / 1024:.0f} KiB more after 50 minutes"
    assert tracker.snapshot(t0 + 3599.95, notify=False).comments_1m == 600  # the last minute's, all of them
