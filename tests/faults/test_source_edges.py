"""The source read loop (app/sources/base.py) at its edges, against real websocket servers on loopback: a link
that goes silent is found dead in its idle timeout, stop returns in ≤ 2 s from a peer that never answers, an
over-size frame is named and backed off, bad frames of every kind are counted exactly in a few log lines, a
burst keeps every event in order, and a flood of 13 MB frames keeps a real ``livedeck record`` under 300 MB."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import re
import signal
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from app.core.events import LiveEvent
from app.core.i18n import tr
from app.sources.base import DEFAULT_TIMING, MAX_FRAME_BYTES, SourceState, SourceStatus
from app.sources.generic import GenericSource
from tests.faults.source_proxy import behind_proxy
from tests.waiting import wait_until

Handler = Callable[[ServerConnection], Awaitable[None]]


def comment(n: int, msg_id: str | None = None, text: str | None = None) -> str:
    return json.dumps({"type": "event", "kind": "comment", "ts": time.time(), "msg_id": msg_id or f"m{n}",
                       "user_id": str(10_000 + n), "user_name": f"观众{n}", "text": text or f"第{n}条"},
                      ensure_ascii=False)


async def hold_open(ws: ServerConnection) -> None:
    await ws.wait_closed()


def msg_ids(events: list[LiveEvent]) -> list[str]:
    return [e.msg_id for e in events]


class Watched:
    """A generic source with every status it went through, and the loop time of each."""

    def __init__(self, url: str, **kwargs: Any) -> None:
        self.events: list[LiveEvent] = []
        self.statuses: list[tuple[float, SourceStatus]] = []
        self.source = GenericSource(url, self.events.extend, rng=random.Random(7), **kwargs)
        self.source.add_status_listener(lambda s: self.statuses.append((time.monotonic(), s)))
        self.reader = asyncio.create_task(self.source.run())

    def reconnecting(self) -> list[tuple[float, SourceStatus]]:
        return [(t, s) for t, s in self.statuses if s.state is SourceState.RECONNECTING]

    async def stop(self, within: float = 5.0) -> float:
        """Stop the source; returns how long ``run()`` took to return."""
        start = time.monotonic()
        self.source.stop()
        await asyncio.wait_for(self.reader, within)
        return time.monotonic() - start


def test_default_timings_find_a_dead_link_within_15_s_close_included() -> None:
    assert DEFAULT_TIMING.idle_timeout + DEFAULT_TIMING.close_timeout <= 15.0
    assert DEFAULT_TIMING.close_timeout <= 2.0  # stop() waits at most this for the peer's answer
    assert GenericSource("ws://127.0.0.1:9", lambda _: None).timing == DEFAULT_TIMING


def test_a_link_that_goes_silent_is_found_dead_after_its_idle_timeout() -> None:
    idle = 1.0

    async def handler(ws: ServerConnection) -> None:
        for n in range(5):
            await ws.send(comment(n))
        await ws.wait_closed()

    async def scenario() -> None:
        async with behind_proxy(handler) as proxy:
            watched = Watched(f"ws://127.0.0.1:{proxy.port}", idle_timeout=idle, open_timeout=1.0,
                              backoff_base=0.05)
            await wait_until(lambda: len(watched.events) == 5, what="the five comments before the link dies")
            proxy.blackhole()
            silent_since = time.monotonic()
            await wait_until(lambda: bool(watched.reconnecting()), timeout=idle + 3, what="the dead link noticed")
            noticed_at, status = watched.reconnecting()[0]
            assert noticed_at - silent_since <= idle + 0.75  # the idle timeout, not idle + a close handshake
            assert status.reason == tr("{seconds} 秒无数据，连接已失效", seconds=1)
            assert msg_ids(watched.events) == [f"m{n}" for n in range(5)]
            assert await watched.stop() <= 2.0

    asyncio.run(scenario())


def test_stop_returns_within_2_s_when_the_peer_never_answers_the_close() -> None:
    async def scenario() -> None:
        async with behind_proxy(hold_open) as proxy:
            watched = Watched(f"ws://127.0.0.1:{proxy.port}")  # the default timings
            await wait_until(lambda: watched.source.status.state is SourceState.LIVE, what="the source live")
            proxy.blackhole()
            took = await watched.stop()
            assert took <= 2.0, f"stop took {took:.1f} s"
            assert watched.source.status.state is SourceState.STOPPED

    asyncio.run(scenario())


@pytest.mark.parametrize(("refused", "reason", "oversize"), [
    ("x" * (MAX_FRAME_BYTES + 1024), "帧超过 16 MB 上限，已跳过", 4),
    (b"\xff\xfe not utf-8", "文本帧不是有效的 UTF-8，已跳过", 0),
], ids=["over 16 MB", "text not UTF-8"])
def test_a_frame_the_library_refuses_is_named_counted_and_backed_off_not_retried_in_a_loop(
        refused: str | bytes, reason: str, oversize: int, caplog: pytest.LogCaptureFixture) -> None:
    connections = 0

    async def handler(ws: ServerConnection) -> None:
        nonlocal connections
        connections += 1
        await ws.send(comment(connections))
        try:
            await ws.send(refused, text=True)
        finally:
            await ws.wait_closed()

    async def scenario() -> Watched:
        async with serve(handler, "127.0.0.1", 0, max_size=None, compression=None) as server:
            port = server.sockets[0].getsockname()[1]
            watched = Watched(f"ws://127.0.0.1:{port}", backoff_base=0.05)
            await wait_until(lambda: len(watched.reconnecting()) >= 4, what="four refused frames")
            await watched.stop()
            return watched

    caplog.set_level(logging.INFO, logger="livedeck.sources")
    logging.getLogger("websockets").setLevel(logging.CRITICAL)  # the fake server's own traceback is not ours
    watched = asyncio.run(scenario())
    lost = watched.reconnecting()[:4]
    assert all(s.reason == tr(reason) for _, s in lost)
    assert lost[3][1].oversize == oversize
    assert lost[3][1].malformed == 4
    # The backoff grows as after any failed attempt (it is not reset because the link had gone live):
    # the fourth wait is at least four times the base, the first at most the base.
    delays = [s.retry_at - t for t, s in lost if s.retry_at is not None]
    assert delays[0] <= 0.05 + 0.01
    assert delays[3] >= 4 * 0.05 * 0.5
    assert msg_ids(watched.events)[:4] == ["m1", "m2", "m3", "m4"]
    lines = [r.getMessage() for r in caplog.records if r.name == "livedeck.sources"]
    assert any(tr(reason) in line for line in lines)
    assert not any(tr("连接已断开") in line for line in lines)


class BuggyDecoder(GenericSource):
    """A decoder with a bug on one kind of frame (the read loop must survive it and stay quiet)."""

    def decode(self, frame: str | bytes) -> list[LiveEvent]:
        if frame == "boom":
            raise KeyError("a bug")
        return super().decode(frame)


def test_twenty_bad_frames_of_each_kind_are_counted_exactly_in_a_few_log_lines(
        caplog: pytest.LogCaptureFixture) -> None:
    nested = "[" * 200_000 + "]" * 200_000  # json raises RecursionError, not ValueError
    bad_kinds: list[str | bytes] = [
        nested, b"\xff\xfe\xfd binary, not utf-8", "42", '{"type": "event"}', "boom",
    ]

    async def handler(ws: ServerConnection) -> None:
        n = 0
        for frame in bad_kinds:
            for _ in range(20):
                await ws.send(frame)
                n += 1
                await ws.send(comment(n))
        await ws.wait_closed()

    async def scenario() -> BuggyDecoder:
        got: list[LiveEvent] = []
        async with serve(handler, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            source = BuggyDecoder(f"ws://127.0.0.1:{port}", got.extend)
            reader = asyncio.create_task(source.run())
            await wait_until(lambda: len(got) == 100, what="the 100 valid comments between the bad frames")
            source.stop()
            await asyncio.wait_for(reader, 5)
        assert msg_ids(got) == [f"m{n}" for n in range(1, 101)]
        return source

    caplog.set_level(logging.DEBUG, logger="livedeck.sources")
    source = asyncio.run(scenario())
    assert source.status.malformed == 100
    assert source.status.frames == 200
    assert source.status.reconnects == 0  # no bad frame cost the connection
    warnings = [r for r in caplog.records if r.name == "livedeck.sources" and r.levelno >= logging.WARNING]
    assert 1 <= len(warnings) <= 4, [r.getMessage() for r in warnings]
    assert sum(1 for r in warnings if r.exc_info) <= 1  # one traceback for the decoder bug, not twenty


def test_a_burst_of_small_frames_arrives_whole_and_in_order() -> None:
    count = 20_000

    async def handler(ws: ServerConnection) -> None:
        for n in range(count):
            await ws.send(comment(n))
        await ws.wait_closed()

    async def scenario() -> None:
        async with serve(handler, "127.0.0.1", 0) as server:
            watched = Watched(f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}")
            await wait_until(lambda: len(watched.events) == count, timeout=20, what="every comment of the burst")
            await watched.stop()
        assert msg_ids(watched.events) == [f"m{n}" for n in range(count)]
        assert watched.source.status.frames == count

    asyncio.run(scenario())


def _peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmHWM:\s+(\d+)", status)
    return int(match.group(1)) / 1024 if match else 0.0


def _small_comments_stored(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(db)) as conn:
            row = conn.execute("SELECT count(*) FROM events WHERE msg_id LIKE 'm%'").fetchone()
    except sqlite3.OperationalError:  # not created yet, or busy for a moment
        return 0
    return int(row[0])


def test_a_flood_of_13_mb_frames_keeps_the_recorder_under_300_mb(tmp_path: Path) -> None:
    big_text = "刷" * (13 * 1024 * 1024 // 3)  # 13 MB of UTF-8 in each frame
    frames = 10
    db = tmp_path / "flood.sqlite"

    async def handler(ws: ServerConnection) -> None:
        for n in range(frames):
            await ws.send(comment(n))
            await ws.send(comment(1000 + n, msg_id=f"big{n}", text=big_text))
        await ws.send(comment(frames))
        await ws.wait_closed()

    async def scenario() -> float:
        async with serve(handler, "127.0.0.1", 0, max_size=None, compression=None) as server:
            port = server.sockets[0].getsockname()[1]
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "app", "record", "--source", f"ws://127.0.0.1:{port}", "--db", str(db),
                "--duration", "60", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
            peak = 0.0

            def all_stored() -> bool:
                nonlocal peak
                peak = max(peak, _peak_rss_mb(proc.pid))
                return _small_comments_stored(db) == frames + 1

            try:
                await wait_until(all_stored, timeout=30, what="every small comment of the flood stored")
            finally:
                proc.send_signal(signal.SIGINT)
                output = (await asyncio.wait_for(proc.communicate(), 10))[0].decode()
            assert proc.returncode == 0, output
            assert "Traceback" not in output, output
            return peak

    peak = asyncio.run(scenario())
    assert 0 < peak <= 300, f"peak RSS {peak:.0f} MB"


def test_stop_returns_within_2_s_while_the_handshake_never_completes() -> None:
    async def scenario() -> None:
        async with behind_proxy(hold_open) as proxy:
            proxy.blackhole()  # the TCP connection opens, the websocket handshake never answers
            watched = Watched(f"ws://127.0.0.1:{proxy.port}")  # the default 10 s open timeout
            await wait_until(lambda: proxy.connections > 0, what="the source connecting")
            took = await watched.stop()
            assert took <= 2.0, f"stop took {took:.1f} s"
            assert watched.source.status.state is SourceState.STOPPED

    asyncio.run(scenario())
