"""The hub (app/rooms/hub.py) under attack, with a real HubServer on loopback, real websocket clients and a
real SQLite log: seats that never read are dropped and cost the host a bounded number of bytes; a flood
of commands from one seat is refused past its rate while the host stays responsive; a flood of wrong
tokens is refused in a few log lines; one comment that cannot be encoded never costs the others."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import socket
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.events import Command, Kind, LiveEvent
from app.engine.session import SessionEngine
from app.metrics.tracker import MetricsTracker, connect_commerce
from app.rooms.hub import COMMAND_BURST, COMMAND_RATE
from app.rooms.room_server import MAX_CLIENT_BUFFER, TOO_SLOW
from app.show.show import Show
from app.store.session_log import SessionLog
from tests.integration.hosting import TOKENS, hosting
from tests.waiting import wait_until

T0 = 1_700_000_000.0


async def seat(url: str, role: str, name: str, **kwargs: Any) -> ClientConnection:
    """A seat connected and authenticated (its hello read)."""
    ws = await connect(url, **kwargs)
    await ws.send(json.dumps({"type": "auth", "token": TOKENS[role], "seat": name}))
    hello = json.loads(await ws.recv())
    assert hello["type"] == "hello"
    return ws


async def stalled_seat(url: str, n: int) -> ClientConnection:
    """A viewer seat that authenticates and then never reads again: a small receive buffer and a
    one-message queue, so what the hub sends it piles up on the hub's side."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", int(url.rsplit(":", 1)[1])))
    return await seat(url, "viewer", f"看客{n}", sock=sock, max_queue=1)


def comment(n: int, text: str = "") -> LiveEvent:
    return LiveEvent(Kind.COMMENT, T0 + n, user_id=f"u{n % 97}", user_name=f"早起的星星{n % 97}",
                     text=text or f"第{n}条 3号还有吗" + "有货吗" * 60, msg_id=f"room-{n}")


def comments_in(objects: list[dict[str, Any]]) -> list[str]:
    return [o["msg_id"] for o in objects if o.get("type") == "event" and o.get("kind") == Kind.COMMENT]


def has_comments(seen: list[dict[str, Any]], n: int) -> Callable[[], bool]:
    return lambda: len(comments_in(seen)) >= n


async def read_all(ws: ClientConnection, into: list[dict[str, Any]]) -> None:
    """A healthy seat: reads every frame until the hub closes it."""
    try:
        async for message in ws:
            data = json.loads(message)
            into.extend(data if isinstance(data, list) else [data])
    except ConnectionClosed:
        pass


def stored_comments(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("select count(*) from events where kind = ?", (Kind.COMMENT,)).fetchone()[0])


def test_seats_that_never_read_are_dropped_and_cost_the_host_a_bounded_number_of_bytes(tmp_path: Path) -> None:
    db = tmp_path / "host.sqlite"
    stalled_n, batches, per_batch = 50, 60, 200

    async def main() -> tuple[int, int, int, list[Any], list[dict[str, Any]]]:
        async with hosting(db) as (host, hub):
            stalled = [await stalled_seat(hub.url, n) for n in range(stalled_n)]
            healthy = await seat(hub.url, "viewer", "大屏")
            seen: list[dict[str, Any]] = []
            reader = asyncio.create_task(read_all(healthy, seen))
            peak = 0
            frame_bytes = 0

            def measure(batch: list[LiveEvent]) -> None:  # after the hub's own listener broadcast it
                nonlocal peak
                peak = max(peak, hub.queued_bytes())

            host.subscribe(measure)
            for b in range(batches):
                host.submit([comment(b * per_batch + i) for i in range(per_batch)])
                await wait_until(has_comments(seen, (b + 1) * per_batch), 10, what=f"the healthy seat has batch {b}")
                frame_bytes = max(frame_bytes, len(json.dumps(seen[-per_batch:], ensure_ascii=False).encode()))
            await wait_until(lambda: hub.dropped == stalled_n, 10, what="every stalled seat dropped")
            codes = []
            for ws in stalled:  # the close frame waited behind what they never read: read it all now
                with contextlib.suppress(ConnectionClosed):
                    async for _ in ws:
                        pass
                codes.append((ws.close_code, ws.close_reason))
            clients_left = len(hub.clients)
            await healthy.close()
            await reader
            return peak, frame_bytes, clients_left, codes, seen

    peak, frame_bytes, clients_left, codes, seen = asyncio.run(main())
    total = batches * per_batch
    # Every stalled seat dropped with a reason it can show; the healthy one kept and given everything.
    assert codes == [(TOO_SLOW, "接收太慢，已断开")] * stalled_n
    assert comments_in(seen) == [f"room-{n}" for n in range(total)]
    assert stored_comments(db) == total
    assert clients_left == 1  # the healthy seat
    # The hub never held more than the bound plus about a frame per stalled seat (each was sent
    # ~total × 600 B ≈ 7 MB, far more than that).
    assert total * 600 > 20 * MAX_CLIENT_BUFFER
    assert peak <= stalled_n * (MAX_CLIENT_BUFFER + 2 * frame_bytes)


def test_a_flood_of_explains_from_one_seat_is_refused_past_its_rate_and_the_host_stays_responsive(
    tmp_path: Path,
) -> None:
    db = tmp_path / "host.sqlite"
    flood, per_frame = 10_000, 500

    async def main() -> tuple[list[dict[str, Any]], float, float, int]:
        async with hosting(db) as (host, hub):
            assistant = await seat(hub.url, "assistant", "助播小王")
            screen = await seat(hub.url, "viewer", "大屏")
            acks: list[dict[str, Any]] = []

            async def read_acks() -> None:
                async for message in assistant:
                    data = json.loads(message)
                    acks.extend(o for o in (data if isinstance(data, list) else [data]) if o["type"] == "ack")
                    if len(acks) == flood:
                        return

            reader = asyncio.create_task(read_acks())
            started = time.monotonic()
            for i in range(0, flood, per_frame):
                await assistant.send(json.dumps([
                    {"type": "command", "command_id": f"c{n}", "name": "explain", "args": {"no": 1 + n % 2}}
                    for n in range(i, i + per_frame)]))
            # While the flood is answered, another seat's ping is answered within a second.
            slowest_pong = 0.0
            while not reader.done():
                sent = time.monotonic()
                await screen.send(json.dumps({"type": "ping"}))
                while True:
                    message = json.loads(await asyncio.wait_for(screen.recv(), 5))
                    if isinstance(message, dict) and message.get("type") == "pong":
                        break
                slowest_pong = max(slowest_pong, time.monotonic() - sent)
                await asyncio.sleep(0.05)
            await reader
            elapsed = time.monotonic() - started
            await assistant.close()
            await screen.close()
            return acks, elapsed, slowest_pong, len(host.state.explain_windows)

    acks, elapsed, slowest_pong, windows = asyncio.run(main())
    assert sorted(int(a["command_id"][1:]) for a in acks) == list(range(flood))  # every command answered
    applied = [a for a in acks if a["result"] == "applied"]
    refused = [a for a in acks if a["result"] == "rejected"]
    assert len(applied) + len(refused) == flood
    assert {a["reason"] for a in refused} == {"命令太频繁，请稍后再试"}
    assert COMMAND_BURST <= len(applied) <= COMMAND_BURST + COMMAND_RATE * elapsed + 1
    assert slowest_pong < 1.0
    # What ran, ran on the host and was logged: one actions row per applied ack.
    with sqlite3.connect(db) as conn:
        logged = conn.execute("select command_id from actions where name = 'explain' and result = 'applied'")
        assert sorted(r[0] for r in logged) == sorted(a["command_id"] for a in applied)
    products = [1 + int(a["command_id"][1:]) % 2 for a in sorted(applied, key=lambda a: int(a["command_id"][1:]))]
    assert windows == 1 + sum(a != b for a, b in itertools.pairwise(products))  # one per change


def test_wrong_tokens_are_refused_and_logged_in_a_few_lines(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "host.sqlite"
    attempts = 3_000

    async def main() -> tuple[list[int | None], list[str]]:
        async with hosting(db) as (_, hub):
            codes: list[int | None] = []
            reasons: list[str] = []

            async def attempt(n: int) -> None:
                ws = await connect(hub.url)
                try:  # a turned-away address is told at once, maybe before its auth frame is out
                    await ws.send(json.dumps({"type": "auth", "token": f"guess-{n}", "seat": "x"}))
                    reasons.append(json.loads(await ws.recv())["reason"])
                    await ws.recv()
                except ConnectionClosed:
                    pass
                await ws.wait_closed()
                codes.append(ws.close_code)

            for start in range(0, attempts, 100):
                await asyncio.gather(*(attempt(n) for n in range(start, start + 100)))
            # The address is turned away for the rest of the minute; a right token is no way round it.
            blocked = await connect(hub.url)
            with contextlib.suppress(ConnectionClosed):
                await blocked.send(json.dumps({"type": "auth", "token": TOKENS["viewer"], "seat": "x"}))
            reasons.append(json.loads(await blocked.recv())["reason"])
            await blocked.wait_closed()
            return codes, reasons

    with caplog.at_level(logging.INFO, "livedeck"):
        codes, reasons = asyncio.run(main())
    assert codes == [4401] * attempts
    blocked = "令牌错误次数过多，请一分钟后再试"
    assert set(reasons) == {"bad token", blocked}
    assert reasons[-1] == blocked
    assert reasons.count("bad token") <= 100 + 20  # those let in before the first 20 failures counted
    hub_lines = [r.getMessage() for r in caplog.records if r.name == "livedeck.hub" and r.levelno >= logging.WARNING]
    assert len(hub_lines) <= 3, hub_lines
    assert any(f"{attempts + 1} 次令牌错误 from 127.0.0.1" in line for line in hub_lines)  # summed up at close
    for token in TOKENS.values():
        assert token not in caplog.text


def test_one_comment_with_half_an_emoji_never_costs_the_others(tmp_path: Path) -> None:
    db = tmp_path / "host.sqlite"

    async def main() -> list[dict[str, Any]]:
        async with hosting(db) as (host, hub):
            screen = await seat(hub.url, "viewer", "大屏")
            seen: list[dict[str, Any]] = []
            reader = asyncio.create_task(read_all(screen, seen))
            batch = [comment(n) for n in range(40)]
            batch[17] = comment(17, "好看\ud83d")  # a lone high surrogate: half of 😀
            host.submit(batch)
            await wait_until(lambda: len(comments_in(seen)) >= 40, what="the batch at the seat")
            await screen.close()
            await reader
            return seen

    seen = asyncio.run(main())
    assert comments_in(seen) == [f"room-{n}" for n in range(40)]
    texts = {o["msg_id"]: o["text"] for o in seen if o.get("kind") == Kind.COMMENT}
    assert texts["room-17"] == "好看\ufffd"  # the half replaced, the comment kept
    assert texts["room-3"] == comment(3).text


def test_explain_windows_are_followed_in_place_not_rebuilt_per_explain(tmp_path: Path) -> None:
    with SessionLog(tmp_path / "host.sqlite") as session_log:
        engine = SessionEngine(session_log)
        engine.load_catalog(load_products_csv(demo_catalog_path()))
        tracker = MetricsTracker(submit=engine.submit)
        connect_commerce(tracker, engine)

        async def main() -> None:
            async with Show(engine):
                await engine.start_session("晚场", "test")
                tracker.reset(engine.state.started_at)
                assert engine.execute(Command("explain", {"no": 1})).applied
                windows, first = tracker.windows, tracker.windows[0]
                for n in range(1, 2_000):
                    assert engine.execute(Command("explain", {"no": 1 + n % 2})).applied
                assert engine.execute(Command("stop_explain", {})).applied
                # The same list, grown at its end; its first window the same object, closed once.
                assert tracker.windows is windows
                assert tracker.windows[0] is first
                assert [(w.product_id, w.start, w.end) for w in tracker.windows] == [
                    (w.product_id, w.start_ts, w.end_ts) for w in engine.state.explain_windows]
                assert len(tracker.windows) == 2_000
                assert tracker.explaining is None
                await engine.end_session()

        asyncio.run(main())
