"""The ``room_webhook`` connector against real servers on loopback: an HTTP server (http.server in a
thread) and a websocket server, both on port 0. Every room command the engine emits arrives as the
documented JSON (docs/protocol.md §3.1/§7); the answer is an ``actions`` row; a server that is down
makes a failed row and a rate-limited log line without a secret, and the show goes on."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.connectors.webhook import check_url, describe_url
from app.core.events import Command
from app.engine.session import SessionEngine
from app.show.show import Show, SourceSpec
from app.store.session_log import SessionLog

SECRET = "s3cr3t-t0ken"
P3 = "100552"  # 3号 of the demo catalog


@pytest.fixture
def demo_url(demo_room: Callable[..., str]) -> str:
    return demo_room(seed=7, rate=50)


class _Recorder(BaseHTTPRequestHandler):
    frames: list[tuple[str, str, dict[str, Any]]]  # (path, content type, body)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8"))
        self.frames.append((self.path, self.headers["Content-Type"], body))
        answer = json.dumps({"type": "ack", "command_id": body["command_id"], "result": "applied"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[tuple[str, list[tuple[str, str, dict[str, Any]]]]]:
    frames: list[tuple[str, str, dict[str, Any]]] = []
    handler = type("Handler", (_Recorder,), {"frames": frames})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/livedeck/commands?token={SECRET}", frames
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _until(condition: Any, within_s: float = 10.0) -> None:
    async with asyncio.timeout(within_s):
        while not condition():
            await asyncio.sleep(0.02)


def _webhook_rows(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [a for a in actions if a["actor"] == "webhook"]


def test_every_room_command_is_posted_as_the_documented_json(
    demo_url: str, http_server: tuple[str, list[Any]], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url, frames = http_server
    caplog.set_level(logging.DEBUG)

    async def main() -> tuple[int, list[dict[str, Any]]]:
        with SessionLog(tmp_path / "s.sqlite") as log:
            engine = SessionEngine(log)
            engine.load_catalog(load_products_csv(demo_catalog_path()))
            async with Show(engine, webhook=url) as show:
                sid = await show.start(SourceSpec("generic", demo_url))
                for cmd in (
                    Command("explain", {"no": 3}, command_id="x1"),
                    Command("start_flash_sale", {"no": 3, "price_fen": 6990, "stock": 5, "duration_s": 60,
                                                 "limit_per_user": 1}, command_id="x2"),
                    Command("drop_coupon", {"kind": "满减", "threshold_fen": 9900, "discount_fen": 1000,
                                            "quantity": 50, "coupon_id": "c-10off"}, command_id="x3"),
                    Command("stop_flash_sale", {"no": 3}, command_id="x4"),
                    Command("stop_explain", {}, command_id="x5"),
                    Command("note", {"text": "not a room command"}, command_id="x6"),
                ):
                    assert engine.execute(cmd).applied
                await _until(lambda: len(frames) >= 5 and len(_webhook_rows(engine.actions)) >= 5)
                await show.stop()
            log.flush()
            return sid, log.actions(sid)

    _sid, actions = asyncio.run(main())
    assert [f[0] for f in frames] == [f"/livedeck/commands?token={SECRET}"] * 5
    assert {f[1] for f in frames} == {"application/json; charset=utf-8"}
    bodies = sorted((f[2] for f in frames), key=lambda b: b["command_id"])
    flash = bodies[1]
    assert 59 < flash["args"].pop("duration_s") <= 60  # the remaining time when it went live
    assert bodies == [
        {"type": "command", "command_id": "x1", "name": "explain", "args": {"product_id": P3}},
        {"type": "command", "command_id": "x2", "name": "start_flash_sale",
         "args": {"product_id": P3, "price_fen": 6990, "stock": 5, "limit_per_user": 1}},
        {"type": "command", "command_id": "x3", "name": "drop_coupon",
         "args": {"coupon_id": "c-10off", "kind": "满减", "quantity": 50, "per_user_limit": 1,
                  "threshold_fen": 9900, "discount_fen": 1000}},
        {"type": "command", "command_id": "x4", "name": "stop_flash_sale", "args": {"product_id": P3}},
        {"type": "command", "command_id": "x5", "name": "stop_explain", "args": {}},
    ]
    rows = sorted(_webhook_rows(actions), key=lambda a: a["command_id"])
    assert [(a["command_id"], a["name"], a["result"]) for a in rows] == [
        ("x1/webhook", "explain.ack", "applied"), ("x2/webhook", "start_flash_sale.ack", "applied"),
        ("x3/webhook", "drop_coupon.ack", "applied"), ("x4/webhook", "stop_flash_sale.ack", "applied"),
        ("x5/webhook", "stop_explain.ack", "applied"),
    ]
    # The room's own acks are still there, apart.
    assert {a["command_id"] for a in actions if a["actor"] == "room"} >= {"x1/ack", "x5/ack"}
    assert SECRET not in caplog.text
    assert f"http://127.0.0.1:{url.split(':')[2].split('/')[0]}" in caplog.text  # scheme + host logged


def test_commands_go_over_a_websocket_and_wait_for_their_ack(demo_url: str, tmp_path: Path) -> None:
    received: list[dict[str, Any]] = []

    async def handler(ws: ServerConnection) -> None:
        async for raw in ws:
            frame = json.loads(raw)
            received.append(frame)
            result = "rejected" if frame["name"] == "stop_explain" else "applied"
            await ws.send(json.dumps({"type": "ping", "ts": 1.0}))  # not an ack: skipped
            await ws.send(json.dumps({"type": "ack", "command_id": frame["command_id"], "result": result,
                                      "reason": "nothing on screen" if result == "rejected" else ""}))

    async def main() -> list[dict[str, Any]]:
        async with serve(handler, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            engine = SessionEngine()
            engine.load_catalog(load_products_csv(demo_catalog_path()))
            async with Show(engine, webhook=f"ws://127.0.0.1:{port}/cmd?key={SECRET}") as show:
                await show.start(SourceSpec("generic", demo_url))
                engine.execute(Command("explain", {"no": 3}, command_id="w1"))
                engine.execute(Command("drop_coupon", {"kind": "直减", "discount_fen": 500, "quantity": 10},
                                       command_id="w2"))
                engine.execute(Command("stop_explain", {}, command_id="w3"))
                await _until(lambda: len(_webhook_rows(engine.actions)) >= 3)
                actions = list(engine.actions)
                await show.stop()
            return actions

    actions = asyncio.run(main())
    assert received == [
        {"type": "command", "command_id": "w1", "name": "explain", "args": {"product_id": P3}},
        {"type": "command", "command_id": "w2", "name": "drop_coupon",
         "args": {"coupon_id": "w2", "kind": "直减", "quantity": 10, "per_user_limit": 1, "discount_fen": 500}},
        {"type": "command", "command_id": "w3", "name": "stop_explain", "args": {}},
    ]
    rows = _webhook_rows(actions)
    assert [(a["command_id"], a["result"]) for a in rows] == [
        ("w1/webhook", "applied"), ("w2/webhook", "applied"), ("w3/webhook", "rejected")]
    assert rows[2]["detail"] == "rejected: nothing on screen"


@pytest.mark.parametrize("scheme", ["http", "ws"])
def test_a_server_that_is_down_fails_the_row_and_the_show_goes_on(
    scheme: str, demo_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"{scheme}://127.0.0.1:{_free_port()}/hook?token={SECRET}"
    caplog.set_level(logging.INFO)

    async def main() -> tuple[list[dict[str, Any]], int]:
        with SessionLog(tmp_path / "s.sqlite") as log:
            engine = SessionEngine(log)
            engine.load_catalog(load_products_csv(demo_catalog_path()))
            async with Show(engine, webhook=url) as show:
                sid = await show.start(SourceSpec("generic", demo_url))
                await _until(lambda: engine.state.events > 0)  # the room is connected
                assert engine.execute(Command("explain", {"no": 3}, command_id="d1")).applied
                assert engine.execute(Command("explain", {"no": 4}, command_id="d2")).applied
                await _until(lambda: len(_webhook_rows(engine.actions)) >= 2)
                before = engine.state.events
                await _until(lambda: engine.state.events > before + 5)  # the room's events keep coming
                assert engine.execute(Command("stop_explain", {}, command_id="d3")).applied
                await show.stop()
            log.flush()
            return log.actions(sid), engine.state.events

    actions, events = asyncio.run(main())
    rows = _webhook_rows(actions)
    assert [(a["command_id"], a["result"]) for a in rows][:2] == [("d1/webhook", "rejected"),
                                                                  ("d2/webhook", "rejected")]
    assert all(a["detail"].startswith("undelivered") for a in rows)
    assert all(SECRET not in json.dumps(a, ensure_ascii=False) for a in actions)
    assert [a["result"] for a in actions if a["actor"] == "room"][:2] == ["applied", "applied"]
    assert events > 0
    warnings = [r for r in caplog.records if r.name == "livedeck.connectors.webhook" and r.levelno >= logging.WARNING]
    assert len(warnings) == 1  # rate-limited: three failures, one line
    assert SECRET not in caplog.text


def test_urls_are_checked_and_described_without_secrets() -> None:
    assert describe_url(f"https://user:pw@shop.example.com:8443/hook?token={SECRET}") == \
        "https://shop.example.com:8443"
    assert describe_url("wss://[::1]/x") == "wss://[::1]"
    assert check_url(" http://127.0.0.1:9/x ") == "http://127.0.0.1:9/x"
    for bad in ("ftp://host/x", "127.0.0.1:9", "http://", "ws://host:99999/",
                "https://shop.example.com/hook?token=a b"):
        with pytest.raises(ValueError, match="room_webhook") as err:
            check_url(bad)
        assert SECRET not in str(err.value)
