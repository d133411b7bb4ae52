"""The room connector files each ack under the show the command was sent in."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.connectors.room import RoomConnector
from app.core.events import Command
from app.engine.session import SessionEngine
from app.store.session_log import SessionLog


def test_an_ack_that_arrives_after_its_show_ended_is_filed_under_that_show(tmp_path: Path) -> None:
    async def main() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        release = asyncio.Event()

        async def slow_room(command: Command) -> dict[str, Any]:
            await release.wait()  # the room answers late: after the anchor ended the show
            return {"result": "applied"}

        with SessionLog(tmp_path / "s.sqlite") as log:
            engine = SessionEngine(log)
            engine.load_catalog(load_products_csv(demo_catalog_path()))
            connector = RoomConnector(engine, slow_room)
            first = await engine.start_session("早场", "test")
            assert engine.execute(Command("explain", {"no": 3}, command_id="x-1")).applied
            await asyncio.sleep(0)
            await engine.end_session()
            second = await engine.start_session("晚场", "test")
            release.set()
            await connector.aclose()
            await engine.end_session()
            log.flush()
            return log.actions(first), log.actions(second)

    early, late = asyncio.run(main())
    assert [(a["command_id"], a["result"]) for a in early] == [("x-1", "applied"), ("x-1/ack", "applied")]
    assert all(not a["command_id"].startswith("x-1") for a in late)
