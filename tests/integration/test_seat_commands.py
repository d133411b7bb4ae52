"""A seat never shows what the host did not do (app/connectors/seat.py): a real HubServer on loopback with
the host's engine and catalog, a real seat (GenericSource + SessionEngine through Show) and real SQLite
files. The seat's command waits for the host; refused, it leaves the seat's state as it was and the
host's reason is what the seat reports; applied, it shows on the seat."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.events import Command, Kind, LiveEvent
from app.engine.commands import CommandResult
from app.engine.session import SessionEngine
from app.rooms.hub import HubServer
from app.show.show import Show, SourceSpec
from app.sources.base import SourceState, WebSocketSource
from app.store.session_log import SessionLog
from tests.waiting import wait_until

TOKENS = {"assistant": "assistant-secret-token-1", "viewer": "viewer-secret-token-2"}


@dataclass
class Seating:
    host: SessionEngine
    hub: HubServer
    seat: SessionEngine
    source: WebSocketSource
    finished: list[CommandResult] = field(default_factory=list)  # what the seat's engine finished


@asynccontextmanager
async def host_and_seat(tmp_path: Path) -> AsyncIterator[Seating]:
    """The host (demo catalog, but 9号 下架 and 3号 down to 5 in stock) with its hub, and an assistant seat
    that has the plain demo catalog, joined."""
    with SessionLog(tmp_path / "host.sqlite") as host_log, SessionLog(tmp_path / "seat.sqlite") as seat_log:
        host = SessionEngine(host_log)
        host.load_catalog(load_products_csv(demo_catalog_path()))
        async with Show(host):
            await host.start_session("晚场", "generic:ws://room")
            assert host.execute(Command("unlist", {"no": 9})).applied
            assert host.execute(Command("update_product", {"no": 3, "fields": {"stock": 5}})).applied
            async with HubServer(host, tokens=TOKENS) as hub:
                seat = SessionEngine(seat_log)
                seat.load_catalog(load_products_csv(demo_catalog_path()))
                async with Show(seat) as show:
                    await show.start(SourceSpec("generic", hub.url, {"token": TOKENS["assistant"], "seat": "小王"}))
                    source = show.source
                    assert source is not None
                    await wait_until(lambda: source.status.state is SourceState.LIVE and bool(hub.seats),
                                     what="the seat joined the hub")
                    seating = Seating(host, hub, seat, source)
                    seat.subscribe_results(seating.finished.append)
                    yield seating
                    await show.stop()
            await host.end_session()


async def outcome(finished: list[CommandResult], command_id: str) -> CommandResult:
    await wait_until(lambda: any(r.command.command_id == command_id for r in finished),
                     what=f"the host's answer to {command_id}")
    return next(r for r in finished if r.command.command_id == command_id)


def seat_actions(db: Path) -> list[tuple[str, str, str, str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("select command_id, actor, name, result, detail from actions "
                            "where command_id like 'c-%' order by rowid").fetchall()


def test_an_explain_the_host_refuses_leaves_the_seat_unchanged_and_says_why(tmp_path: Path) -> None:
    async def main() -> tuple[list[object], CommandResult, CommandResult]:
        async with host_and_seat(tmp_path) as s:
            host, seat, finished = s.host, s.seat, s.finished
            seen: list[object] = []
            sent = seat.execute(Command("explain", {"no": 9}, command_id="c-9"))
            seen += [sent.result, seat.state.explaining]  # nothing shown before the host answers
            refused = await outcome(finished, "c-9")
            seen += [seat.state.explaining, host.state.explaining]
            sent = seat.execute(Command("explain", {"no": 3}, command_id="c-3"))
            seen += [sent.result, seat.state.explaining]
            seen.append(seat.execute(Command("explain", {"no": 3}, command_id="c-3")).result)  # a double click
            applied = await outcome(finished, "c-3")
            seen += [seat.state.explaining, host.state.explaining]
        return seen, refused, applied

    seen, refused, applied = asyncio.run(main())
    assert seen == ["pending", None, None, None, "pending", None, "duplicate", 3, 3]
    with sqlite3.connect(tmp_path / "host.sqlite") as conn:  # the double click went to the host once
        assert conn.execute("select actor, result from actions where command_id = 'c-3'").fetchall() == [
            ("assistant:小王", "applied")]
    assert refused.result == "rejected"
    assert refused.reason == "主播端拒绝了：9 号商品已下架，先上架再讲解"
    assert applied.applied
    rows = seat_actions(tmp_path / "seat.sqlite")
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("c-9", "local", "explain", "rejected"), ("c-9/host", "host", "explain.ack", "rejected"),
        ("c-3", "local", "explain", "duplicate"),
        ("c-3", "local", "explain", "applied"), ("c-3/host", "host", "explain.ack", "applied"),
    ]
    assert rows[0][4] == "主播端拒绝了：9 号商品已下架，先上架再讲解"


def test_a_flash_sale_above_the_hosts_stock_never_runs_on_the_seat(tmp_path: Path) -> None:
    sale = {"no": 3, "price_fen": 6990, "duration_s": 60}

    async def main() -> tuple[CommandResult, list[object], CommandResult, list[object]]:
        async with host_and_seat(tmp_path) as s:
            host, seat, finished = s.host, s.seat, s.finished
            # The seat's own catalog has 500 of 3号, so by itself it would have started this sale.
            seat.execute(Command("start_flash_sale", {**sale, "stock": 50}, command_id="c-50"))
            refused = await outcome(finished, "c-50")
            after_refusal = [s.running for s in seat.state.flash_sales.values()], list(host.state.flash_sales)
            seat.execute(Command("start_flash_sale", {**sale, "stock": 5}, command_id="c-5"))
            applied = await outcome(finished, "c-5")
            on_seat = [(s.no, s.stock, s.running) for s in seat.state.flash_sales.values()]
            on_host = [(s.no, s.stock, s.running) for s in host.state.flash_sales.values()]
            # An order the host broadcasts counts against the sale the seat now shows.
            host.submit([LiveEvent(Kind.ORDER, time.time(), user_id="42", product_id="100552", count=1,
                                   amount_fen=6990, msg_id="room-order-1")])
            await wait_until(lambda: seat.state.counts[Kind.ORDER] == 1, what="the order reached the seat")
            sold = [s.sold for s in seat.state.flash_sales.values()]
        return refused, [after_refusal, on_seat, on_host], applied, sold

    refused, states, applied, sold = asyncio.run(main())
    assert refused.result == "rejected"
    assert refused.reason == "主播端拒绝了：秒杀库存 50 超过剩余库存 5"
    assert states[0] == ([], [])
    assert applied.applied
    assert states[1] == states[2] == [(3, 5, True)]
    assert sold == [1]


def test_a_command_the_host_never_answered_is_not_shown_and_may_be_sent_again(tmp_path: Path) -> None:
    async def main() -> tuple[CommandResult, object, str]:
        async with host_and_seat(tmp_path) as s:
            seat, finished = s.seat, s.finished
            await s.hub.close()  # the anchor's PC went away
            await wait_until(lambda: s.source.status.state is not SourceState.LIVE, what="the seat lost the hub")
            command = Command("explain", {"no": 3}, command_id="c-lost")
            seat.execute(command)
            lost = await outcome(finished, "c-lost")
            explaining = seat.state.explaining
            again = seat.execute(command).result  # the same id is not a duplicate: it never arrived
            await wait_until(lambda: len([r for r in finished if r.command.command_id == "c-lost"]) == 2,
                             what="the second answer")
        return lost, explaining, again

    lost, explaining, again = asyncio.run(main())
    assert lost.result == "rejected"
    assert lost.reason == "没有收到主播端的确认（未连接主播端），本机没有执行"
    assert explaining is None
    assert again == "pending"
