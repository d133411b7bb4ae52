"""Commerce commands against the real demo room: the room obeys the engine, the log records it all."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.events import Command, Kind
from app.engine.session import SessionEngine
from app.show.show import Show, SourceSpec
from app.sources.base import SourceState
from app.store.session_log import SessionLog
from tests.plans import coupon_step, flash_sale_step, write_plan
from tests.waiting import wait_until


@pytest.fixture
def demo_url(demo_room: Callable[..., str]) -> str:
    return demo_room(seed=5, rate=400)


def test_explaining_product_3_yields_orders_for_product_3_only(demo_url: str, tmp_path: Path) -> None:
    async def main() -> tuple[int, list[dict[str, object]], set[str], int]:
        with SessionLog(tmp_path / "s.sqlite") as log:
            engine = SessionEngine(log)
            engine.load_catalog(load_products_csv(demo_catalog_path()))
            async with Show(engine) as show:
                sid = await show.start(SourceSpec("generic", demo_url))
                source = show.source
                assert source is not None
                # The room is live and a stretch of its traffic is in, with nothing explained: nobody buys.
                await wait_until(lambda: source.status.state is SourceState.LIVE and engine.state.events >= 200,
                                 timeout=15, what="the demo room to connect and send 200 events")
                assert engine.state.counts[Kind.ORDER] == 0
                result = engine.execute(Command("explain", {"no": 3}))
                assert result.applied
                # The room acks the explain card, then its viewers buy 3号.
                await wait_until(lambda: engine.state.sold["100552"] >= 10
                                 and any(a["name"] == "explain.ack" for a in log.actions(sid)),
                                 timeout=20, what="the room's ack and 10 units of 3号 sold")
                await show.stop()
            log.flush()
            orders = {e.product_id for e in log.events(sid) if e.kind == Kind.ORDER}
            return sid, log.actions(sid), orders, engine.state.sold["100552"]

    _sid, actions, orders, sold = asyncio.run(main())
    assert orders == {"100552"}
    assert sold >= 10
    assert [(a["name"], a["result"]) for a in actions] == [("explain", "applied"), ("explain.ack", "applied")]


def test_plan_run_headless_produces_exactly_the_plans_effects(demo_url: str, tmp_path: Path) -> None:
    plan = write_plan(tmp_path / "plan.json", [
        {"at": 0.5, "command": "explain", "args": {"no": 3}},
        flash_sale_step(1.0, no=3, price_fen=6990, stock=20, duration_s=2),
        coupon_step(1.5),
        coupon_step(2.0),  # the same command_id again: a duplicate
        {"at": 2.5, "prompt": "介绍下一款"},
    ])
    db = tmp_path / "rec.sqlite"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "record",
            "--source",
            demo_url,
            "--db",
            str(db),
            "--duration",
            "5",
            "--plan",
            str(plan),
        ],
        capture_output=True,
        text=True,
        timeout=40,
        env={**os.environ, "LIVEDECK_HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(db) as conn:
        actions = conn.execute(
            "select command_id, actor, name, result from actions where actor = 'plan' order by rowid"
        ).fetchall()
        acks = conn.execute("select name, result from actions where actor = 'room' order by rowid").fetchall()
        systems = [
            json.loads(x)
            for (x,) in conn.execute(
                "select extra from events where kind = 'system' and extra like '%livedeck%' order by seq"
            )
        ]
        products = conn.execute("select count(*) from products").fetchone()[0]
        flash_orders = conn.execute(
            "select coalesce(sum(count), 0) from events where kind = 'order' and amount_fen % 6990 = 0 "
            "and product_id = '100552'"
        ).fetchone()[0]
    # Step ids run scoped to the session (s<id>-<token>:plan-1): one scope, the plan's ids after it.
    assert len({cid.split(":", 1)[0] for cid, *_ in actions}) == 1
    actions = [(cid.split(":", 1)[1], *rest) for cid, *rest in actions]
    assert actions == [
        ("plan-1", "plan", "explain", "applied"),
        ("plan-2", "plan", "start_flash_sale", "applied"),
        ("c-1", "plan", "drop_coupon", "applied"),
        ("c-1", "plan", "drop_coupon", "duplicate"),
        ("plan-5", "plan", "note", "applied"),
    ]
    assert acks == [
        ("explain.ack", "applied"),
        ("start_flash_sale.ack", "applied"),
        ("drop_coupon.ack", "applied"),
    ]
    kinds = [s.get("flash_sale") or s.get("coupon") for s in systems]
    # The sale may sell out before the coupon drops: only the sale's own order is fixed.
    assert kinds[0] == "started"
    assert sorted(kinds[1:]) == ["dropped", "ended"]
    ended = next(s for s in systems if s.get("flash_sale") == "ended")
    assert ended["sold"] <= 20
    assert flash_orders >= ended["sold"]
    assert products == 12
