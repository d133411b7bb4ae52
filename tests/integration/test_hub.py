"""The multi-seat hub (app/rooms/hub.py) with real websocket servers on loopback and real SQLite files: a seat
sees the host's show, its commands run on the host engine under its name, tokens and roles hold."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.events import Command, Kind, LiveEvent
from app.engine.commands import label
from app.engine.session import SessionEngine
from app.rooms.demo import DemoRoomThread
from app.rooms.hub import HubServer
from app.show.show import Show, SourceSpec
from app.sources.base import SourceState
from app.sources.generic import GenericSource
from app.store.session_log import SessionLog
from tests.integration.hosting import TOKENS, hosting


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


def host_comment(n: int) -> LiveEvent:
    return LiveEvent(Kind.COMMENT, time.time() + n, user_id=str(4162378163223458889 + n),
                     user_name=f"早起的星星{n}", text=f"{n}号还有吗", msg_id=f"room-{n}")


def actions(db: Path) -> list[tuple[str, str, str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("select command_id, actor, name, result from actions order by rowid").fetchall()


def test_an_assistant_seat_sees_the_show_and_its_explain_runs_on_the_host(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    host_db, seat_db = tmp_path / "host.sqlite", tmp_path / "seat.sqlite"

    async def main() -> tuple[list[LiveEvent], int | None, list[dict[str, object]]]:
        async with hosting(host_db) as (host, hub):
            # The seat's side is what `livedeck --source <hub> --token … --seat 小王` builds: its own
            # engine and log, the demo catalog, a Show whose seat relay sends its commands to the host.
            with SessionLog(seat_db) as seat_log:
                seat = SessionEngine(seat_log)
                seat.load_catalog(load_products_csv(demo_catalog_path()))
                seen: list[LiveEvent] = []
                seat.subscribe(seen.extend)
                async with Show(seat) as show:
                    spec = SourceSpec("generic", hub.url, {"token": TOKENS["assistant"], "seat": "小王"})
                    await show.start(spec)
                    assert show.source is not None
                    source = show.source
                    await until(lambda: source.status.state is SourceState.LIVE and bool(hub.seats))
                    host.submit([host_comment(1), host_comment(2)])
                    await until(lambda: len([e for e in seen if e.kind == Kind.COMMENT]) >= 2)
                    assert seat.execute(Command("explain", {"no": 3}, command_id="c-explain")).result == "pending"
                    await until(lambda: seat.state.explaining == 3)  # once the host applied it
                    assert host.state.explaining == 3
                    await until(lambda: any(a["name"] == "explain.ack" for a in seat.actions))
                    seat_acks = list(seat.actions)
                    await show.stop()
            return seen, host.state.explaining, seat_acks

    with caplog.at_level(logging.DEBUG, "livedeck"):
        seen, explaining, seat_acks = asyncio.run(main())
    comments = [(e.user_id, e.user_name, e.text, e.msg_id) for e in seen if e.kind == Kind.COMMENT]
    assert comments == [(str(4162378163223458889 + n), f"早起的星星{n}", f"{n}号还有吗", f"room-{n}") for n in (1, 2)]
    assert explaining == 3
    # The host logged the seat's command under the seat's name; the seat logged the host's ack.
    assert ("c-explain", "assistant:小王", "explain", "applied") in actions(host_db)
    assert [(a["actor"], a["result"]) for a in seat_acks if a["name"] == "explain.ack"] == [("host", "applied")]
    with sqlite3.connect(seat_db) as conn:
        assert conn.execute("select count(*) from events where msg_id like 'room-%'").fetchone()[0] == 2
    assert "小王" in caplog.text
    assert "assistant" in caplog.text
    for token in TOKENS.values():
        assert token not in caplog.text


def test_the_same_command_twice_is_a_duplicate_and_a_viewer_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "host.sqlite"

    async def seat(url: str, token: str, name: str) -> tuple[GenericSource, asyncio.Task[None]]:
        source = GenericSource(url, lambda events: None, token=token, seat=name)
        task = asyncio.create_task(source.run())
        await until(lambda: source.status.state is SourceState.LIVE)
        return source, task

    async def main() -> list[dict[str, object]]:
        async with hosting(db) as (_host, hub):
            assistant, a_task = await seat(hub.url, TOKENS["assistant"], "小王")
            viewer, v_task = await seat(hub.url, TOKENS["viewer"], "大屏")
            explain = Command("explain", {"no": 3}, command_id="c1")
            acks = [await assistant.send_command(explain), await assistant.send_command(explain),
                    await viewer.send_command(Command("explain", {"no": 2}, command_id="c2")),
                    await assistant.send_command(Command("explain", {"product_id": "nope"}, command_id="c3"))]
            for source, task in ((assistant, a_task), (viewer, v_task)):
                source.stop()
                await task
        return acks

    applied, duplicate, refused, unknown = asyncio.run(main())
    assert applied["result"] == "applied"
    assert duplicate["result"] == "duplicate"
    assert refused["result"] == "rejected"
    assert refused["reason"] == f"此席位（只读）无权执行命令 {label('explain')}"  # words, not "viewer" / "explain"
    assert unknown["result"] == "rejected"
    assert "nope" in str(unknown["reason"])
    assert [(a[1], a[3]) for a in actions(db) if a[0] == "c1"] == [("assistant:小王", "applied"),
                                                                    ("assistant:小王", "duplicate")]
    assert not [a for a in actions(db) if a[0] == "c2"]  # refused at the hub: nothing ran on the host


def test_a_wrong_token_gets_an_error_and_a_close_and_no_events(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> tuple[list[dict[str, object]], int | None, str]:
        async with hosting(tmp_path / "host.sqlite") as (host, hub):
            frames: list[dict[str, object]] = []
            async with connect(hub.url) as ws:
                await ws.send(json.dumps({"type": "auth", "token": "guessed-token", "seat": "路人"}))
                host.submit([host_comment(1)])
                with contextlib.suppress(ConnectionClosed):
                    async for message in ws:  # until the hub closes the connection
                        frames.append(json.loads(message))
                code = ws.close_code
            # The console's source says so in the status the UI shows, and backs off.
            source = GenericSource(hub.url, lambda events: None, token="guessed-token", seat="路人")
            task = asyncio.create_task(source.run())
            await until(lambda: source.status.state is SourceState.FAILED)
            source.stop()
            await task
            return frames, code, source.status.reason

    with caplog.at_level(logging.DEBUG, "livedeck"):
        frames, code, reason = asyncio.run(main())
    assert [f["type"] for f in frames] == ["error"]  # no hello, no events
    assert code == 4401
    assert "令牌" in reason
    assert "guessed-token" not in caplog.text


def test_the_hub_binds_loopback_unless_the_lan_is_chosen(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> tuple[str, str]:
        engine = SessionEngine()
        async with HubServer(engine) as local:
            assert local._server is not None
            local_addr = local._server.sockets[0].getsockname()[0]
            assert local.tokens["assistant"] != local.tokens["viewer"]
            assert len(local.tokens["assistant"]) >= 20
        lan = HubServer(engine, lan=True)
        await lan.start(0)
        assert lan._server is not None
        lan_addr = lan._server.sockets[0].getsockname()[0]
        await lan.close()
        return local_addr, lan_addr

    with caplog.at_level(logging.INFO, "livedeck.hub"):
        assert asyncio.run(main()) == ("127.0.0.1", "0.0.0.0")
    assert "other PCs" in caplog.text


def test_livedeck_host_prints_the_url_and_tokens_and_ends_at_the_duration(tmp_path: Path) -> None:
    room = DemoRoomThread(seed=5, rate=100)
    room.start()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "app", "host", "--source", room.url, "--format", "generic",
             "--db", str(tmp_path / "host.sqlite"), "--duration", "1.5", "--port", "0"],
            capture_output=True, text=True, timeout=30, env={**os.environ, "LIVEDECK_HOME": str(tmp_path)},
        )
    finally:
        room.stop()
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("席位地址：ws://127.0.0.1:")
    tokens = [line.rpartition("：")[2] for line in lines if "令牌（" in line]
    assert len(tokens) == 2
    assert all(len(t) >= 20 for t in tokens)
    assert lines[-1].startswith("已录制场次 #1 共 ")
    for token in tokens:
        assert token not in done.stderr  # printed for the anchor once, never logged
