"""The generic source against real websocket servers on loopback: broken frames, drops, silence."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable

import pytest
from websockets.asyncio.server import ServerConnection, serve

from app.core.events import LiveEvent
from app.engine.session import SessionEngine
from app.sources.base import SourceState
from app.sources.generic import GenericSource
from app.store.session_log import SessionLog

Handler = Callable[[ServerConnection], Awaitable[None]]


def comment(n: int, **extra: object) -> dict[str, object]:
    return {"type": "event", "kind": "comment", "ts": time.time() + n, "msg_id": f"m{n}",
            "user_id": str(3546569288714792000 + n), "user_name": f"观众{n}", "text": f"第{n}条：3号还有吗", **extra}


async def run_against(handler: Handler, until: Callable[[list[LiveEvent], GenericSource], bool],
                      timeout: float = 5.0, **source_kwargs: object) -> tuple[list[LiveEvent], GenericSource]:
    got: list[LiveEvent] = []
    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        source = GenericSource(f"ws://127.0.0.1:{port}", got.extend, backoff_base=0.05, **source_kwargs)
        reader = asyncio.create_task(source.run())
        try:
            async with asyncio.timeout(timeout):
                while not until(got, source):
                    await asyncio.sleep(0.01)
        finally:
            source.stop()
            await asyncio.wait_for(reader, 5)
    return got, source


def test_every_valid_event_survives_broken_frames_around_it(caplog: pytest.LogCaptureFixture) -> None:
    broken: list[str | bytes] = [
        "not json {",
        b"\xff\xfe binary garbage",
        "42",
        '"a string"',
        json.dumps({"kind": "comment"}),  # no type
        json.dumps({"type": "event", "kind": "teleport", "ts": 1}),  # unknown kind
        json.dumps({"type": "event", "kind": "comment", "ts": "yesterday"}),
        json.dumps({"type": "event", "kind": "gift", "ts": 1, "count": "many"}),
        json.dumps({"type": "event", "kind": "order", "ts": 1, "amount_fen": -100}),
        json.dumps({"type": "event", "kind": "comment", "ts": 1, "user_name": ["x"]}),
        json.dumps({"type": "event", "kind": "comment", "ts": 1, "extra": "x"}),
        json.dumps([comment(100), 7, {"type": "event", "kind": "comment", "ts": True}, comment(101)]),
    ]

    async def handler(ws: ServerConnection) -> None:
        await ws.send(json.dumps({"type": "hello", "protocol": "livedeck-generic", "v": 1, "title": "测试直播间"}))
        await ws.send(json.dumps(comment(1)))
        for frame in broken:
            await ws.send(frame)
        await ws.send(json.dumps(comment(2)))
        await ws.wait_closed()

    with caplog.at_level(logging.WARNING, "livedeck.sources"):
        got, source = asyncio.run(run_against(handler, lambda got, s: len(got) >= 4))
    assert [e.text for e in got] == ["第1条：3号还有吗", "第100条：3号还有吗", "第101条：3号还有吗", "第2条：3号还有吗"]
    assert got[0].user_id == "3546569288714792001"
    assert got[0].user_name == "观众1"
    assert source.room_title == "测试直播间"
    # 11 whole frames plus 2 bad items inside the batch
    assert source.status.malformed == 13
    # rate-limited: the first bad frame is named in the log, the flood is not logged line by line
    warnings = [r for r in caplog.records if "malformed" in r.getMessage()]
    assert 1 <= len(warnings) <= 2
    assert "not JSON" in warnings[0].getMessage()


def test_reconnects_after_a_drop_and_drops_replayed_duplicates(tmp_path: object) -> None:
    connections = 0

    async def handler(ws: ServerConnection) -> None:
        nonlocal connections
        connections += 1
        if connections == 1:
            for n in range(5):
                await ws.send(json.dumps(comment(n)))
            await ws.close()  # the platform drops us
            return
        # after a reconnect the bridge replays the last few messages, then carries on
        for n in range(3, 8):
            await ws.send(json.dumps(comment(n)))
        await ws.wait_closed()

    async def main() -> tuple[list[LiveEvent], int, SessionEngine]:
        engine = SessionEngine()
        applied: list[LiveEvent] = []
        engine.subscribe(applied.extend)
        async with serve(handler, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            source = GenericSource(f"ws://127.0.0.1:{port}", engine.submit, backoff_base=0.05)
            reader = asyncio.create_task(source.run())
            batcher = asyncio.create_task(engine.run())
            async with asyncio.timeout(5):
                while len(applied) < 8:
                    await asyncio.sleep(0.01)
            source.stop()
            await reader
            batcher.cancel()
            await asyncio.gather(batcher, return_exceptions=True)
            return applied, source.status.reconnects, engine

    applied, reconnects, engine = asyncio.run(main())
    assert [e.msg_id for e in applied] == [f"m{n}" for n in range(8)]
    assert [e.seq for e in applied] == list(range(1, 9))
    assert reconnects >= 1
    assert engine.state.duplicates == 2


def test_a_silent_server_is_detected_as_a_dead_link() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.send(json.dumps(comment(1)))
        await ws.wait_closed()  # alive at TCP level, but says nothing more

    states: list[SourceState] = []

    def until(got: list[LiveEvent], source: GenericSource) -> bool:
        states.append(source.status.state)
        return source.status.state is SourceState.RECONNECTING

    got, source = asyncio.run(run_against(handler, until, idle_timeout=0.3))
    assert got[0].text == "第1条：3号还有吗"
    assert SourceState.LIVE in states
    assert "无数据" in source.status.reason


def test_unreachable_room_says_why_and_keeps_retrying() -> None:
    async def main() -> GenericSource:
        # a port that was just free: nothing listens there
        async with serve(lambda ws: asyncio.sleep(0), "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
        source = GenericSource(f"ws://127.0.0.1:{port}", lambda events: None, backoff_base=0.02,
                               backoff_cap=0.05)
        reader = asyncio.create_task(source.run())
        async with asyncio.timeout(5):
            while source.status.reconnects < 3:
                await asyncio.sleep(0.01)
        status = source.status
        source.stop()
        await reader
        return status  # type: ignore[return-value]

    status = asyncio.run(main())
    assert status.state is SourceState.RECONNECTING
    assert status.reason == "连接被拒绝"
    assert "秒后重连（连接被拒绝）" in status.describe()


def test_backoff_is_capped_and_jittered() -> None:
    import random

    source = GenericSource("ws://127.0.0.1:1", lambda e: None, backoff_base=0.5, backoff_cap=30,
                           rng=random.Random(1))
    delays = [source._backoff(attempt) for attempt in range(1, 20)]
    assert all(0.25 <= d <= 30 for d in delays)
    assert max(delays[-5:]) <= 30
    assert min(delays[-5:]) >= 15
    assert len({round(d, 6) for d in delays[-5:]}) == 5  # jitter: no two consoles in lockstep


def test_demo_room_to_log_end_to_end(tmp_path: object) -> None:
    """Demo room server → generic source → engine → SQLite file: every applied event is in the log."""
    from pathlib import Path

    from app.rooms.demo import serve_demo_room
    from app.show.show import Show, SourceSpec

    db = Path(str(tmp_path)) / "show.sqlite"

    async def main() -> tuple[list[LiveEvent], int]:
        room = await serve_demo_room(seed=7, rate=400)
        applied: list[LiveEvent] = []
        try:
            with SessionLog(db) as log:
                engine = SessionEngine(log)
                engine.subscribe(applied.extend)
                async with Show(engine) as show:
                    session_id = await show.start(SourceSpec("generic", room.url), "测试场次")
                    async with asyncio.timeout(5):
                        while sum(e.kind == "comment" for e in applied) < 50:
                            await asyncio.sleep(0.02)
                    await show.stop()
        finally:
            await room.close()
        return applied, session_id

    applied, session_id = asyncio.run(main())
    with SessionLog(db) as log:
        stored = log.events(session_id)
        session = log.session(session_id)
    assert session is not None
    assert session["status"] == "ended"
    assert session["title"] == "测试场次"
    assert [(e.seq, e.kind, e.user_id, e.user_name, e.text) for e in stored] == [
        (e.seq, e.kind, e.user_id, e.user_name, e.text) for e in applied
    ]
    comments = [e for e in stored if e.kind == "comment"]
    assert all(e.text and e.user_name and e.user_id.isdigit() for e in comments)


def test_an_amount_too_big_for_sqlite_is_skipped_and_costs_no_good_event(tmp_path: object) -> None:
    # SQLite integers stop at 2**63 - 1. One order claiming more must be counted as malformed at the
    # edge; before, it failed the writer's whole transaction (every good event batched with it was
    # lost) and, summed into the GMV, every metrics snapshot after it.
    from pathlib import Path

    from app.metrics.tracker import MetricsTracker
    from app.show.show import Show, SourceSpec

    huge = {"type": "event", "kind": "order", "ts": time.time(), "msg_id": "o1", "user_id": "9",
            "product_id": "100552", "count": 1, "amount_fen": 2**64}

    async def main() -> tuple[int, int, int, int]:
        async def handler(ws: ServerConnection) -> None:
            await ws.send(json.dumps([comment(1), huge, comment(2)]))
            await ws.send(json.dumps(comment(3)))
            await ws.wait_closed()

        async with serve(handler, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            with SessionLog(Path(str(tmp_path)) / "s.sqlite") as log:
                engine = SessionEngine(log)
                async with Show(engine, MetricsTracker(submit=engine.submit), metrics_interval=0.05) as show:
                    sid = await show.start(SourceSpec("generic", f"ws://127.0.0.1:{port}"))
                    async with asyncio.timeout(5):
                        while engine.state.events < 3:
                            await asyncio.sleep(0.01)
                    await asyncio.sleep(0.2)  # a few metrics snapshots
                    await show.stop()
                    assert show.source is not None
                    malformed = show.source.status.malformed
                log.flush()
                metrics = sqlite3.connect(log.path).execute(
                    "SELECT count(*), max(gmv_fen) FROM metrics WHERE session_id = ?", (sid,)).fetchone()
                return log.count_events(sid, "comment"), malformed, metrics[0] > 0, metrics[1]

    assert asyncio.run(main()) == (3, 1, True, 0)


def test_a_token_in_the_source_address_stays_out_of_the_log_and_the_session(
    tmp_path: object, caplog: pytest.LogCaptureFixture
) -> None:
    from pathlib import Path

    from app.show.show import Show, SourceSpec

    secret = "s3cr3t-room-token"

    async def handler(ws: ServerConnection) -> None:
        await ws.send(json.dumps(comment(1)))
        await ws.wait_closed()

    async def main() -> int:
        async with serve(handler, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            with SessionLog(Path(str(tmp_path)) / "s.sqlite") as log:
                engine = SessionEngine(log)
                async with Show(engine) as show:
                    sid = await show.start(SourceSpec("generic", f"ws://127.0.0.1:{port}/room?token={secret}"))
                    async with asyncio.timeout(5):
                        while engine.state.events < 1:
                            await asyncio.sleep(0.01)
                    await show.stop()
                session = log.session(sid)
        assert session is not None
        assert secret not in f"{session['title']} {session['source']}"
        assert session["source"] == f"generic:ws://127.0.0.1:{port}"
        return sid

    # LiveDeck's own loggers, at their most talkative (setup_logging keeps the websockets library's
    # request-line debug output at WARNING and above).
    with caplog.at_level(logging.DEBUG, logger="livedeck"):
        asyncio.run(main())
    assert "livedeck" in caplog.text
    assert secret not in caplog.text
