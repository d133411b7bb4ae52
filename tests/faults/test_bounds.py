"""Bounds at every edge (issue 15, item 1; app/core/bounds.py): a number, text or time past its bound is
refused with its reason and costs no valid event. Real websocket servers on loopback, real SQLite files,
``livedeck record`` as a user runs it."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from openpyxl import Workbook
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve

from app.commerce.catalog import demo_catalog_path, import_catalog, load_products_csv
from app.core.events import Kind, LiveEvent
from app.engine.session import SessionEngine
from app.metrics.tracker import MetricsTracker
from app.rooms.hub import HubServer
from app.show.show import Show, SourceSpec
from app.sources.base import EventSink, WebSocketSource
from app.sources.douyin_bridge import DouyinBridgeSource
from app.sources.generic import GenericSource
from app.store.session_log import SessionLog
from tests.waiting import wait_until

TOKENS = {"assistant": "assistant-secret-token-1", "viewer": "viewer-secret-token-2"}
HUGE = 2**63 - 1


def _event(n: int, **fields: Any) -> dict[str, Any]:
    return {"type": "event", "kind": "comment", "ts": time.time(), "msg_id": f"m{n}", "user_id": str(n),
            "user_name": f"观众{n}", "text": f"第 {n} 条", **fields}


def _attack_frames() -> list[str]:
    """10 valid comments around every out-of-bounds value the issue measured, then live_end."""
    now = time.time()
    bad = [
        json.dumps(_event(100, kind="order", product_id="1", count=1, amount_fen=HUGE)),
        json.dumps(_event(101, kind="order", product_id="1", count=1, amount_fen=HUGE)),
        json.dumps(_event(102, kind="like", count=3 * 2**62)),
        json.dumps(_event(103, ts=now * 1000)),  # milliseconds
        json.dumps(_event(104, ts=1e300)),
        json.dumps(_event(105, kind="viewer_stats", count=10, extra={"total_viewers": 1}))
        .replace('"total_viewers": 1', '"total_viewers": NaN'),  # what Python's json writes for a NaN
    ]
    frames: list[str] = []
    for n in range(10):
        frames.append(json.dumps(_event(n)))
        if n < len(bad):
            frames.append(bad[n])
    frames.append(json.dumps(_event(50, text="半个表情 \ud83d 在这里"), ensure_ascii=True))  # a lone surrogate
    frames.append(json.dumps({"type": "event", "kind": "live_end", "ts": time.time(), "msg_id": "end"}))
    return frames


@asynccontextmanager
async def room(frames: list[str]) -> AsyncIterator[str]:
    """A room on loopback that sends ``frames`` to each client that connects, then stays open."""
    async def handler(ws: ServerConnection) -> None:
        for frame in frames:
            await ws.send(frame)
        await ws.wait_closed()

    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        yield f"ws://127.0.0.1:{port}"


async def record_room(url: str, db: Path, home: Path) -> tuple[int, str, str]:
    """``livedeck record`` of the generic room at ``url`` into ``db`` until the live ends (at most 20 s):
    (returncode, stdout, stderr)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app", "record", "--source", url, "--format", "generic", "--db", str(db),
        "--duration", "20", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "LIVEDECK_HOME": str(home)})
    out, err = await asyncio.wait_for(proc.communicate(), 40)
    return proc.returncode or 0, out.decode(), err.decode()


S = TypeVar("S", bound=WebSocketSource)


def read_frames(make: Callable[[str, EventSink], S], frames: list[str]) -> tuple[S, list[LiveEvent]]:
    """Read every frame of a :func:`room` sending ``frames`` with the source ``make(url, sink)`` builds;
    the stopped source and the events it handed on."""
    got: list[LiveEvent] = []

    async def main() -> S:
        async with room(frames) as url:
            source = make(url, got.extend)
            reader = asyncio.create_task(source.run())
            await wait_until(lambda: source.status.frames >= len(frames), what=f"the {len(frames)} frames")
            source.stop()
            await reader
            return source

    return asyncio.run(main()), got


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str, str]:
    """``livedeck record`` of a room sending every attack: (log, returncode, stdout, stderr)."""
    tmp = tmp_path_factory.mktemp("bounds")
    db = tmp / "rec.sqlite"

    async def main() -> tuple[int, str, str]:
        async with room(_attack_frames()) as url:
            return await record_room(url, db, tmp)

    return db, *asyncio.run(main())


def test_out_of_range_numbers_and_times_cost_no_valid_event(recorded: tuple[Path, int, str, str]) -> None:
    db, rc, out, err = recorded
    assert rc == 0, err
    assert "Traceback" not in err + out
    assert "amount_fen is too large" in err  # the first refusal is logged at once (then rate-limited)
    with sqlite3.connect(db) as conn:
        comments = conn.execute("select count(*) from events where kind = 'comment'").fetchone()[0]
        refused = conn.execute("select count(*) from events where kind in ('order', 'like', 'viewer_stats') "
                               "or msg_id in ('m103', 'm104')").fetchone()[0]
        metrics = conn.execute("select count(*), max(gmv_fen), max(likes) from metrics").fetchone()
    assert comments == 11  # the 10 around the attacks and the one with half an emoji
    assert refused == 0
    assert metrics[0] >= 1
    assert metrics[1:] == (0, 0)
    summary = out.strip().splitlines()[-1]
    assert summary.startswith("已录制场次 #1 共 12 条事件")
    assert "跳过格式错误的帧 6 个" in summary


def test_a_millisecond_timestamp_is_refused_and_counted(tmp_path: Path) -> None:
    now = time.time()
    frames = [json.dumps(_event(1)), json.dumps(_event(2, ts=now * 1000)), json.dumps(_event(3, ts=1e300)),
              json.dumps(_event(4))]
    with patch_reasons() as reasons:
        source, got = read_frames(GenericSource, frames)
    assert [e.msg_id for e in got] == ["m1", "m4"]
    assert (source.status.malformed, source.status.bad_ts) == (2, 2)
    assert any("looks like milliseconds" in r for r in reasons)


@contextmanager
def patch_reasons() -> Iterator[list[str]]:
    """The reasons WebSocketSource.reject gives, each one (its log line is rate-limited)."""
    reasons: list[str] = []
    original = WebSocketSource.reject

    def reject(self: WebSocketSource, reason: str, raw: object) -> None:
        reasons.append(reason)
        original(self, reason, raw)

    WebSocketSource.reject = reject  # type: ignore[method-assign]
    try:
        yield reasons
    finally:
        WebSocketSource.reject = original  # type: ignore[method-assign]


def test_a_lone_surrogate_is_stored_as_a_replacement_character(recorded: tuple[Path, int, str, str]) -> None:
    db = recorded[0]
    with sqlite3.connect(db) as conn:
        text = conn.execute("select text from events where msg_id = 'm50'").fetchone()[0]
    assert text == "半个表情 \ufffd 在这里"


def test_the_douyin_bridge_is_held_to_the_same_bounds(tmp_path: Path) -> None:
    """One check for every protocol: half an emoji from a Douyin bridge is kept as U+FFFD, 10^13 likes
    in one event are refused, the comment after them arrives."""
    def frame(kind: int, msg_id: int, **data: Any) -> str:
        inner = json.dumps({"MsgId": msg_id, "User": {"Id": 7, "Nickname": "小李"}, **data}, ensure_ascii=True)
        return json.dumps({"Type": kind, "Data": inner})

    frames = [frame(1, 1, Content="\ud83d好"), frame(2, 2, Count=10**13), frame(1, 3, Content="还有吗")]
    source, got = read_frames(DouyinBridgeSource, frames)
    assert [(e.kind, e.text) for e in got] == [("comment", "\ufffd好"), ("comment", "还有吗")]
    assert source.status.malformed == 1


def test_sums_past_sqlites_range_saturate_and_the_snapshot_is_stored(tmp_path: Path) -> None:
    """Sums the engine keeps itself: two valid orders (handed to the engine, not through a source's
    bounds) of 2^63−1 fen each; the metrics snapshots are stored, the GMV at SQLite's maximum."""
    async def main() -> None:
        with SessionLog(tmp_path / "s.sqlite") as log:
            engine = SessionEngine(log)
            engine.load_catalog(load_products_csv(demo_catalog_path()))
            async with room([]) as url, Show(engine, MetricsTracker(submit=engine.submit),
                                             metrics_interval=0.05) as show:
                await show.start(SourceSpec("generic", url, {}))
                now = time.time()
                engine.submit([
                    LiveEvent(Kind.ORDER, now, "1", "甲", count=1, amount_fen=HUGE, product_id="1", msg_id="o1"),
                    LiveEvent(Kind.ORDER, now, "2", "乙", count=1, amount_fen=HUGE, product_id="1", msg_id="o2"),
                    LiveEvent(Kind.COMMENT, now, "3", "丙", "还有吗", msg_id="c1")])

                def snapshots() -> int:
                    with sqlite3.connect(tmp_path / "s.sqlite") as conn:
                        return int(conn.execute("select count(*) from metrics where gmv_fen > 0").fetchone()[0])

                await wait_until(lambda: snapshots() >= 2, what="two metrics snapshots with the GMV")
                await show.stop()

    asyncio.run(main())
    with sqlite3.connect(tmp_path / "s.sqlite") as conn:
        kinds = sorted(r[0] for r in conn.execute("select kind from events"))
        gmv = conn.execute("select max(gmv_fen) from metrics").fetchone()[0]
    assert kinds == ["comment", "order", "order"]
    assert gmv == HUGE


def test_a_catalog_with_impossible_numbers_is_refused_fast_naming_row_and_field(tmp_path: Path) -> None:
    path = tmp_path / "货盘.csv"
    path.write_text("序号,商品名称,到手价,库存\n1,坚果,59.9,100\n2,茶叶,1e30,5\n3,咖啡,29,"
                    + "1" * 23 + "\n4,牛奶,19,1e999999999\n", encoding="utf-8")
    started = time.monotonic()
    result = import_catalog(path)
    took = time.monotonic() - started
    assert took < 1.0
    assert [p.name for p in result.products] == ["坚果"]
    where = sorted((e.row, e.column) for e in result.errors)
    assert where == [(3, "到手价"), (4, "库存"), (5, "库存")]
    reasons = " / ".join(str(e) for e in result.errors)
    assert "不是金额" in reasons
    assert "数字太大" in reasons


def test_a_spreadsheet_with_impossible_numbers_is_refused_showing_what_the_cell_held(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "商品名称", "到手价", "库存"])
    ws.append([1, "坚果", 59.9, 100])
    ws.append([2, "茶叶", 1e30, 5])
    ws.append([3, "咖啡", 29, 1e30])
    ws.append([4, "牛奶", 19, 10**22])
    wb.save(tmp_path / "货盘.xlsx")
    result = import_catalog(tmp_path / "货盘.xlsx")
    assert [p.name for p in result.products] == ["坚果"]
    assert sorted((e.row, e.column) for e in result.errors) == [(3, "到手价"), (4, "库存"), (5, "库存")]
    assert [e.reason for e in result.errors if e.row == 4] == ["数字太大：1e+30（最多 1000000000000）"]


async def _seat(url: str, token: str, name: str) -> Any:
    ws = await connect(url, max_size=None)
    await ws.send(json.dumps({"type": "auth", "token": token, "seat": name}))
    return ws


async def _ack(ws: Any, command_id: str) -> dict[str, Any]:
    while True:
        item = json.loads(await asyncio.wait_for(ws.recv(), 5))
        for obj in item if isinstance(item, list) else [item]:
            if obj.get("type") == "ack" and obj.get("command_id") == command_id:
                return obj  # type: ignore[no-any-return]


def test_an_assistants_out_of_range_edits_are_refused_with_reasons_and_logged(tmp_path: Path) -> None:
    attacks = {
        "c-price": ("update_product", {"no": 1, "fields": {"price_fen": 2**70}}),
        "c-name": ("update_product", {"no": 1, "fields": {"name": "长" * 200_000}}),
        "c-move": ("move", {"no": 1, "to": 10**30}),
        "c-fine": ("update_product", {"no": 2, "fields": {"stock": 7}}),
    }

    async def main() -> dict[str, dict[str, Any]]:
        with SessionLog(tmp_path / "host.sqlite") as log:
            host = SessionEngine(log)
            host.load_catalog(load_products_csv(demo_catalog_path()))
            async with Show(host):
                await host.start_session("晚场", "generic:ws://room")
                async with HubServer(host, tokens=TOKENS) as hub:
                    ws = await _seat(hub.url, TOKENS["assistant"], "小王")
                    acks = {}
                    for command_id, (name, args) in attacks.items():
                        await ws.send(json.dumps({"type": "command", "command_id": command_id, "name": name,
                                                  "args": args}, ensure_ascii=False))
                        acks[command_id] = await _ack(ws, command_id)
                    await ws.close()
                await host.end_session()
        return acks

    acks = asyncio.run(main())
    assert {k: a["result"] for k, a in acks.items()} == {
        "c-price": "rejected", "c-name": "rejected", "c-move": "rejected", "c-fine": "applied"}
    assert "price_fen" in acks["c-price"]["reason"]
    assert "name" in acks["c-name"]["reason"]
    assert "200" in acks["c-name"]["reason"]
    assert "to" in acks["c-move"]["reason"]
    with sqlite3.connect(tmp_path / "host.sqlite") as conn:
        rows = dict(conn.execute("select command_id, result from actions where command_id like 'c-%'"))
        names = [r[0] for r in conn.execute("select name from products where no = 1")]
    assert rows == {"c-price": "rejected", "c-name": "rejected", "c-move": "rejected", "c-fine": "applied"}
    assert names
    assert all(len(n) < 200 for n in names)


def test_a_comment_with_half_an_emoji_is_broadcast_with_the_rest_of_its_batch(tmp_path: Path) -> None:
    frames = [json.dumps([_event(n) for n in range(20)]
                         + [_event(99, text="\ud83d")]
                         + [_event(n) for n in range(20, 40)], ensure_ascii=True)]

    async def main() -> list[dict[str, Any]]:
        seen: list[dict[str, Any]] = []
        with SessionLog(tmp_path / "host.sqlite") as log:
            host = SessionEngine(log)
            async with room(frames) as url, Show(host) as show, HubServer(host, tokens=TOKENS) as hub:
                ws = await _seat(hub.url, TOKENS["viewer"], "大屏")

                async def read() -> None:
                    async for frame in ws:
                        item = json.loads(frame)
                        seen.extend(o for o in (item if isinstance(item, list) else [item])
                                    if o.get("type") == "event" and o.get("kind") == "comment")

                reader = asyncio.create_task(read())
                await show.start(SourceSpec("generic", url, {}))
                await wait_until(lambda: len(seen) >= 41, what="the seat got all 41 comments")
                await show.stop()
                await ws.close()
                await reader
        return seen

    seen = asyncio.run(main())
    assert len(seen) == 41
    assert [e["text"] for e in seen if e["msg_id"] == "m99"] == ["\ufffd"]
    with sqlite3.connect(tmp_path / "host.sqlite") as conn:
        assert conn.execute("select count(*) from events where kind = 'comment'").fetchone()[0] == 41
