"""BilibiliSource against a fake Bilibili server on loopback: auth, batches, heartbeats, refusals,
drops, silence, and the HTTP bootstrap (room id, WBI-signed token, server rotation, fresh tokens)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from app.core.events import LiveEvent
from app.sources.base import SourceState
from app.sources.bilibili import BilibiliSource, bootstrap
from tests.fakes import bilibili_server as fake
from tests.fakes.bilibili_server import FakeBilibiliApi, FakeBilibiliServer, Plan, batch, message

ROOM = 21452505
FAST = {"backoff_base": 0.05, "failure_backoff": 0.2, "heartbeat_interval": 0.1}


async def wait_until(check: Callable[[], bool], limit: float = 5.0) -> None:
    async with asyncio.timeout(limit):
        while not check():
            await asyncio.sleep(0.01)


async def running(source: BilibiliSource, check: Callable[[], bool], limit: float = 5.0) -> None:
    """Run ``source`` until ``check()`` holds, then stop it and wait for it to finish."""
    reader = asyncio.create_task(source.run())
    try:
        await wait_until(check, limit)
    finally:
        source.stop()
        await asyncio.wait_for(reader, 5)


def comments(n: int, start: int = 0) -> list[dict]:
    return [
        fake.danmu(f"第{i}条", 3546569288714792 + i, f"观众{i}", id_str=f"id{i}")
        for i in range(start, start + n)
    ]


def test_auth_first_then_batches_and_heartbeats() -> None:
    got: list[LiveEvent] = []

    async def main() -> tuple[FakeBilibiliServer, BilibiliSource]:
        frames = [
            batch(comments(3, 0), ver=2),
            batch([*comments(2, 3), fake.send_gift(1, "观众甲", "小心心", 2, 500)], ver=3),
            message(fake.online_rank_count(88)),
            message({"cmd": "NOTICE_MSG", "msg_type": 2}),
        ]
        async with FakeBilibiliServer([Plan(frames)]) as server:
            source = BilibiliSource(server.url, got.extend, room_id=ROOM, token="tok", buvid="B3", **FAST)
            await running(source, lambda: len(got) >= 7 and server.heartbeats >= 2)
        return server, source

    server, source = asyncio.run(main())
    assert server.first_ops == [7]
    auth = server.auths[0]
    assert auth["roomid"] == ROOM
    assert auth["protover"] == 3
    assert auth["key"] == "tok"
    assert auth["buvid"] == "B3"
    assert [e.text for e in got[:5]] == [f"第{i}条" for i in range(5)]
    assert got[5].kind == "gift"
    assert got[5].amount_fen == 100
    assert got[6].kind == "viewer_stats"
    assert got[6].count == 88
    assert source.status.unknown == {"NOTICE_MSG": 1}
    assert source.popularity == 1  # op-3 replies to our heartbeats were read (and their echo skipped)
    assert source.status.malformed == 0
    assert source.status.state is SourceState.STOPPED


def test_auth_rejection_shows_failed_with_a_reason() -> None:
    states: list[tuple[SourceState, str]] = []

    async def main() -> None:
        async with FakeBilibiliServer(accept_token=lambda token: False) as server:
            source = BilibiliSource(
                server.url, lambda e: None, room_id=ROOM, token="stale", failure_backoff=30
            )
            source.add_status_listener(lambda s: states.append((s.state, s.reason)))
            shown: list[str] = []
            source.add_status_listener(
                lambda s: shown.append(s.describe()) if s.state is SourceState.FAILED else None
            )
            await running(source, lambda: bool(shown))
            assert "-101" in source.status.reason
            assert "失败" in shown[0]

    asyncio.run(main())
    assert SourceState.LIVE not in [state for state, _ in states]


def test_a_dropped_connection_reconnects_and_events_continue() -> None:
    got: list[LiveEvent] = []

    async def main() -> tuple[FakeBilibiliServer, BilibiliSource]:
        plans = [Plan([batch(comments(2, 0))], then="close"), Plan([batch(comments(2, 2))])]
        async with FakeBilibiliServer(plans) as server:
            source = BilibiliSource(server.url, got.extend, room_id=ROOM, **FAST)
            await running(source, lambda: len(got) >= 4)
        return server, source

    server, source = asyncio.run(main())
    assert [e.text for e in got] == [f"第{i}条" for i in range(4)]
    assert server.connections == 2
    assert server.first_ops == [7, 7]  # every connection authenticates first
    assert source.status.reconnects == 1


def test_a_silent_server_is_detected_and_left() -> None:
    got: list[LiveEvent] = []
    reasons: list[str] = []

    async def main() -> FakeBilibiliServer:
        plans = [Plan([batch(comments(1, 0))], then="silent"), Plan([batch(comments(1, 1))])]
        async with FakeBilibiliServer(plans) as server:
            source = BilibiliSource(server.url, got.extend, room_id=ROOM, idle_timeout=0.5, **FAST)
            source.add_status_listener(lambda s: reasons.append(s.reason))
            await running(source, lambda: len(got) >= 2)
        return server

    server = asyncio.run(main())
    assert [e.text for e in got] == ["第0条", "第1条"]
    assert server.connections == 2
    assert any("无数据" in reason for reason in reasons)


def test_bootstrap_finds_room_token_and_servers(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    cookies = tmp_path / "cookies.txt"
    cookies.write_text("SESSDATA=very-secret-sessdata; bili_jct=jct-secret\n", encoding="utf-8")

    async def main() -> None:
        async with FakeBilibiliServer() as server:
            with FakeBilibiliApi(server.port, short_id=6, room_id=ROOM) as api:
                room = await bootstrap(
                    "6", cookie_file=cookies, api_base=api.base, nav_base=api.base, secure=False
                )
                assert room.room_id == ROOM
                assert room.token == "token-1"
                assert room.urls == (f"ws://127.0.0.1:{server.port}/sub", f"ws://localhost:{server.port}/sub")
                assert room.buvid == "BUVID3-PLACEHOLDER-infoc"
                assert "token-1" not in repr(room)
                assert api.bad_signatures == 0
                paths = [path for path, _, _ in api.requests]
                assert paths[0] == "/room/v1/Room/get_info"
                assert paths[-1] == "/xlive/web-room/v1/index/getDanmuInfo"
                _, query, headers = api.requests[-1]
                assert query["id"] == str(ROOM)
                assert "w_rid" in query
                assert "wts" in query
                assert "Mozilla" in headers["User-Agent"]
                assert "SESSDATA=very-secret-sessdata" in headers["Cookie"]
                assert "buvid3=BUVID3-PLACEHOLDER-infoc" in headers["Cookie"]

    with caplog.at_level(logging.DEBUG):
        asyncio.run(main())
    assert "very-secret" not in caplog.text
    assert "token-1" not in caplog.text


def test_bootstrap_mode_rotates_servers_and_fetches_a_fresh_token_after_a_refusal(
    caplog: pytest.LogCaptureFixture,
) -> None:
    got: list[LiveEvent] = []
    states: list[SourceState] = []

    async def main() -> tuple[FakeBilibiliServer, FakeBilibiliApi]:
        plans = [Plan(), Plan([batch(comments(1, 0))], then="close"), Plan([batch(comments(1, 1))])]
        # The first token is refused (as if it had expired); later ones are good.
        async with FakeBilibiliServer(plans, accept_token=lambda token: token != "token-1") as server:
            with FakeBilibiliApi(server.port) as api:
                source = BilibiliSource(
                    "", got.extend, room="6", api_base=api.base, nav_base=api.base, secure=False, **FAST
                )
                source.add_status_listener(lambda s: states.append(s.state))
                await running(source, lambda: len(got) >= 2)
                return server, api

    with caplog.at_level(logging.DEBUG):
        server, api = asyncio.run(main())
    assert [e.text for e in got] == ["第0条", "第1条"]
    assert [auth["key"] for auth in server.auths] == ["token-1", "token-2", "token-2"]
    assert api.tokens_issued == 2  # a new token only after the refusal, not on every reconnect
    assert {auth["roomid"] for auth in server.auths} == {ROOM}
    hosts = [host.split(":")[0] for host in server.hosts]
    assert hosts == ["127.0.0.1", "localhost", "127.0.0.1"]
    assert SourceState.FAILED in states
    assert "token-" not in caplog.text


def test_bootstrap_reports_risk_control_and_missing_rooms() -> None:
    async def main() -> None:
        async with FakeBilibiliServer() as server:
            with FakeBilibiliApi(server.port) as api:
                source = BilibiliSource("", lambda e: None, room="999", api_base=api.base, nav_base=api.base)
                await running(source, lambda: source.status.state is SourceState.FAILED)
                assert "未找到该房间" in source.status.reason

    asyncio.run(main())
