"""The demo room as a real websocket server on loopback, talked to by a real client."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from app.rooms.demo import DemoRoomThread, main, serve_demo_room

ROOT = Path(__file__).resolve().parents[2]


async def recv_objects(ws: ClientConnection, wait: float = 5.0) -> list[dict[str, Any]]:
    """The objects of the next frame (a frame is one object or an array of them)."""
    data = json.loads(await asyncio.wait_for(ws.recv(), wait))
    return data if isinstance(data, list) else [data]


async def recv_until(ws: ClientConnection, want: Any, wait: float = 5.0) -> dict[str, Any]:
    """Read frames until an object satisfies ``want``; fail after ``wait`` seconds."""

    async def scan() -> dict[str, Any]:
        while True:
            for obj in await recv_objects(ws):
                if want(obj):
                    return obj

    return await asyncio.wait_for(scan(), wait)


def test_client_gets_hello_then_events_and_commands_are_acked() -> None:
    async def scenario() -> None:
        server = await serve_demo_room(port=0, seed=1, rate=50)
        try:
            assert re.fullmatch(r"ws://127\.0\.0\.1:\d+", server.url)
            assert server.port > 0
            async with connect(server.url) as ws:
                hello = await recv_objects(ws)
                assert hello == [{"type": "hello", "protocol": "livedeck-generic", "v": 1, "room_id": "demo",
                                  "title": server.title}]
                event = await recv_until(ws, lambda o: o["type"] == "event" and o["kind"] == "comment")
                assert event["user_id"].isdigit()
                assert event["text"]

                explain = {"type": "command", "command_id": "k1", "name": "explain",
                           "args": {"product_id": "100231"}}
                await ws.send(json.dumps(explain))
                ack = await recv_until(ws, lambda o: o["type"] == "ack")
                assert ack == {"type": "ack", "command_id": "k1", "result": "applied"}
                await ws.send(json.dumps(explain))
                ack = await recv_until(ws, lambda o: o["type"] == "ack")
                assert ack["result"] == "duplicate"
                await ws.send(json.dumps({**explain, "command_id": "k2", "name": "teleport"}))
                ack = await recv_until(ws, lambda o: o["type"] == "ack")
                assert ack["result"] == "rejected"
                assert "teleport" in ack["reason"]
                notice = await recv_until(ws, lambda o: o.get("kind") == "system")
                assert "讲解中" in notice["text"]
                click = await recv_until(ws, lambda o: o.get("kind") == "product_click")
                assert click["product_id"] == "100231"
        finally:
            await server.close()

    asyncio.run(asyncio.wait_for(scenario(), 20))


def test_pin_product_over_the_wire_is_acked_and_announced_with_its_tag() -> None:
    async def scenario() -> None:
        server = await serve_demo_room(port=0, seed=2, rate=20)
        try:
            async with connect(server.url) as ws:
                await recv_objects(ws)  # hello
                pin = {"type": "command", "command_id": "p1", "name": "pin_product",
                       "args": {"product_id": "100231"}}
                await ws.send(json.dumps(pin))
                assert await recv_until(ws, lambda o: o["type"] == "ack") == {
                    "type": "ack", "command_id": "p1", "result": "applied"}
                notice = await recv_until(ws, lambda o: o.get("kind") == "system")
                assert notice["extra"] == {"product": "pinned", "product_id": "100231"}
                assert notice["text"].startswith("置顶商品：")
                await ws.send(json.dumps({**pin, "command_id": "p2", "args": {"product_id": "nope"}}))
                rejected = await recv_until(ws, lambda o: o["type"] == "ack")
                assert rejected["result"] == "rejected"
                assert "nope" in rejected["reason"]
                await ws.send(json.dumps({"type": "command", "command_id": "u1", "name": "unpin_product"}))
                assert (await recv_until(ws, lambda o: o["type"] == "ack"))["result"] == "applied"
                notice = await recv_until(ws, lambda o: o.get("kind") == "system")
                assert notice["extra"] == {"product": "unpinned", "product_id": "100231"}
        finally:
            await server.close()

    asyncio.run(asyncio.wait_for(scenario(), 20))


def test_malformed_frames_get_an_error_and_the_stream_goes_on() -> None:
    async def scenario() -> None:
        server = await serve_demo_room(port=0, seed=2, rate=100)
        try:
            async with connect(server.url) as ws:
                await recv_objects(ws)  # hello
                for bad in ("not json {", "[1, 2]", '{"type": "dance"}', b"\x00\x01"):
                    await ws.send(bad)
                    error = await recv_until(ws, lambda o: o["type"] in ("error", "ack"))
                    assert error["type"] == "error"
                    assert error["reason"]
                # A batch: the good command is applied although its neighbour is garbage.
                batch = [42, {"type": "command", "command_id": "b1", "name": "stop_explain"}]
                await ws.send(json.dumps(batch))
                ack = await recv_until(ws, lambda o: o["type"] == "ack")
                assert ack["command_id"] == "b1"
                assert ack["result"] == "applied"
                event = await recv_until(ws, lambda o: o["type"] == "event")
                assert event["kind"]
            assert server.bad_frames == 6  # "[1, 2]" holds two bad items
        finally:
            await server.close()

    asyncio.run(asyncio.wait_for(scenario(), 20))


def test_pings_keep_a_quiet_link_alive() -> None:
    async def scenario() -> None:
        server = await serve_demo_room(port=0, rate=0.01)  # almost nothing happens
        try:
            async with connect(server.url) as ws:
                await recv_objects(ws)  # hello
                ping = await recv_until(ws, lambda o: o["type"] == "ping", wait=5)
                assert abs(ping["ts"] - time.time()) < 5
        finally:
            await server.close()

    asyncio.run(asyncio.wait_for(scenario(), 20))


def test_the_rate_roughly_holds_over_two_seconds_for_every_client() -> None:
    rate = 500.0

    async def count_events(url: str, seconds: float) -> tuple[int, int]:
        async with connect(url) as ws:
            await recv_objects(ws)  # hello
            events = frames = 0
            deadline = time.monotonic() + seconds
            while (left := deadline - time.monotonic()) > 0:
                try:
                    objects = await recv_objects(ws, wait=left)
                except TimeoutError:
                    break
                frames += 1
                events += sum(o["type"] == "event" for o in objects)
            return events, frames

    async def scenario() -> None:
        server = await serve_demo_room(port=0, seed=3, rate=rate)
        try:
            results = await asyncio.gather(count_events(server.url, 2.0), count_events(server.url, 2.0))
        finally:
            await server.close()
        for events, frames in results:
            assert 0.7 * 2 * rate <= events <= 1.3 * 2 * rate
            assert frames <= 2 / 0.05 + 5, "one frame per 50 ms tick, events batched"

    asyncio.run(asyncio.wait_for(scenario(), 20))


def test_clients_hear_live_end_when_the_room_closes() -> None:
    async def scenario() -> None:
        server = await serve_demo_room(port=0, rate=20)
        async with connect(server.url) as ws:
            await recv_objects(ws)
            await server.close()
            end = await recv_until(ws, lambda o: o.get("kind") == "live_end")
            assert end["type"] == "event"

    asyncio.run(asyncio.wait_for(scenario(), 20))


def test_thread_wrapper_serves_until_stopped() -> None:
    room = DemoRoomThread(seed=4, rate=50)
    url = room.start()
    try:
        assert url == room.url
        assert any(t.name == "livedeck-demo-room" and t.daemon for t in threading.enumerate())

        async def first_frames() -> list[dict[str, Any]]:
            async with connect(url) as ws:
                return await recv_objects(ws) + await recv_objects(ws)

        objects = asyncio.run(asyncio.wait_for(first_frames(), 10))
        assert objects[0]["type"] == "hello"
        assert any(o["type"] == "event" for o in objects[1:])
    finally:
        room.stop()
    assert not any(t.name == "livedeck-demo-room" for t in threading.enumerate())
    room.stop()  # twice is harmless


def test_thread_wrapper_reports_a_port_in_use() -> None:
    first = DemoRoomThread()
    first.start()
    try:
        port = int(first.url.rsplit(":", 1)[1])
        second = DemoRoomThread(port=port)
        try:
            second.start()
        except OSError:
            pass
        else:
            second.stop()
            raise AssertionError("a second room on the same port should not start")
    finally:
        first.stop()


def test_cli_prints_the_url_and_exits_0_on_sigterm() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from app.rooms.demo import main; sys.exit(main(sys.argv[1:]))",
         "--port", "0", "--seed", "5", "--rate", "30"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"ws://127\.0\.0\.1:\d+", line)
        assert match, line

        async def hello() -> dict[str, Any]:
            async with connect(match.group(0)) as ws:
                return (await recv_objects(ws))[0]

        assert asyncio.run(asyncio.wait_for(hello(), 10))["type"] == "hello"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout and proc.stdout.close()
        proc.stderr and proc.stderr.close()


def test_cli_warns_when_the_room_is_reachable_from_the_lan() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from app.rooms.demo import main; sys.exit(main(sys.argv[1:]))",
         "--host", "0.0.0.0", "--port", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, encoding="utf-8",
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(2)]
        assert "局域网" in lines[1]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


def test_main_rejects_a_bad_rate() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--rate", "0"])
    assert exit_info.value.code == 2
