"""A rehearsal and the real show against the same room: the second show's plan steps are new commands.

The demo room remembers every ``command_id`` it acked (as a platform would) across sessions. Plan steps
keep their ids (``plan-1``, …) but run scoped to the session, so the room applies each step of both
shows and acks none as ``duplicate``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.engine.session import SessionEngine
from app.show.plan import PlanRunner, parse_plan
from app.show.show import Show, SourceSpec
from app.sources.base import SourceState
from app.store.session_log import SessionLog
from tests.waiting import wait_until

PLAN = {"steps": [
    {"at": 0.0, "command": "explain", "args": {"no": 3}},
    {"at": 0.0, "command": "start_flash_sale", "args": {"no": 3, "price_fen": 6990, "stock": 20, "duration_s": 30}},
    {"at": 0.0, "command": "drop_coupon",
     "args": {"kind": "满减", "threshold_fen": 10000, "discount_fen": 1000, "quantity": 100}},
    {"at": 0.0, "command": "pin_product", "args": {"no": 3}},
    {"at": 0.0, "command": "stop_flash_sale", "args": {"no": 3}},
]}
ROOM_COMMANDS = 5  # every step above goes to the room


@pytest.fixture
def demo_url(demo_room: Callable[..., str]) -> str:
    return demo_room(seed=7, rate=50)


def test_two_shows_in_a_row_push_every_plan_step_to_the_same_room(demo_url: str, tmp_path: Path) -> None:
    plan = parse_plan(PLAN)

    async def one_show(show: Show, engine: SessionEngine, log: SessionLog, title: str) -> list[dict[str, object]]:
        sid = await show.start(SourceSpec("generic", demo_url), title)
        source = show.source
        assert source is not None
        await wait_until(lambda: source.status.state is SourceState.LIVE, timeout=15, what="the room to connect")
        runner = PlanRunner(engine, plan)
        runner.start()
        assert [s.index for s in runner.run_due()] == [1, 2, 3, 4, 5]
        assert all(o.result == "applied" for o in runner.outcomes.values()), runner.outcomes

        def acks() -> list[dict[str, object]]:
            log.flush()
            return [a for a in log.actions(sid) if str(a["name"]).endswith(".ack")]
        await wait_until(lambda: len(acks()) == ROOM_COMMANDS, timeout=15, what=f"the room's acks in {title}")
        await show.stop()
        return acks()

    async def main() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
        with SessionLog(tmp_path / "s.sqlite") as log:
            engine = SessionEngine(log)
            engine.load_catalog(load_products_csv(demo_catalog_path()))
            async with Show(engine) as show:
                rehearsal = await one_show(show, engine, log, "彩排")
                real = await one_show(show, engine, log, "正式直播")
            return rehearsal, real

    rehearsal, real = asyncio.run(main())
    for acks in (rehearsal, real):
        assert sorted(str(a["name"]) for a in acks) == sorted(
            f"{s['command']}.ack" for s in PLAN["steps"])  # type: ignore[index]
        assert [(a["name"], a["result"], a["detail"]) for a in acks if a["result"] != "applied"] == []
    ids = [{str(a["command_id"]) for a in acks} for acks in (rehearsal, real)]
    assert not ids[0] & ids[1]
