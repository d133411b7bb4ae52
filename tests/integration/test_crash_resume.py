"""A show killed with SIGKILL mid-sale goes on where it was, against a room that kept its state.

A headless show (tests/integration/crash_show.py, its own process) explains 3号 and runs a flash sale on
the demo room; orders come in; the process is SIGKILLed. The room is restarted from its state file, as the
console restarts its embedded room, and the show is continued in this process from the same log. Every
number the queue, the header and the promotions panel show is then what the log says (recounted here in
SQL), and the sale still runs and sells.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import sys
from pathlib import Path

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.rooms.demo import serve_demo_room
from app.show.show import SourceSpec, interrupted_show, open_show
from tests.integration.crash_show import SALE
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
PRODUCTS = load_products_csv(demo_catalog_path())
P3 = next(p for p in PRODUCTS if p.no == 3)


def _query(db: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _sale_units(db: Path) -> int:
    """Units of 3号 ordered at the sale price after the sale started, as the flash-sale rule counts them
    (the sale runs 120 s: far longer than the test)."""
    rows = _query(db, "SELECT after_seq FROM actions WHERE command_id = 'fs-3' AND result = 'applied'")
    if not rows:
        return 0
    (units,) = _query(db, "SELECT coalesce(sum(count), 0) FROM events WHERE kind = 'order' AND product_id = ? "
                          "AND amount_fen <= ? * max(1, count) AND seq > ?",
                      P3.product_id, SALE["price_fen"], rows[0][0])[0]
    return int(units)  # type: ignore[call-overload]


def test_a_show_killed_mid_sale_goes_on_where_it_was(tmp_path: Path) -> None:
    db, state_file = tmp_path / "sessions.sqlite", tmp_path / "demo-room-state.json"

    async def scenario() -> None:
        room = await serve_demo_room(seed=11, rate=60, state_path=state_file)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.integration.crash_show", room.url, str(db), cwd=ROOT,
            stdout=asyncio.subprocess.PIPE)
        try:
            assert proc.stdout is not None
            assert (await asyncio.wait_for(proc.stdout.readline(), 30)).strip() == b"ready"
            await wait_until(lambda: _sale_units(db) >= 10, timeout=30, what="10 units sold in the sale")
        finally:
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
        assert proc.returncode == -signal.SIGKILL
        await room.close()  # the console's embedded room goes with it, and comes back from its state file
        room = await serve_demo_room(seed=11, rate=60, state_path=state_file, resume=True)
        try:
            sold = dict(_query(db, "SELECT product_id, sum(count) FROM events WHERE kind = 'order' "
                                   "GROUP BY product_id"))
            ((orders, gmv),) = _query(db, "SELECT count(*), sum(amount_fen) FROM events WHERE kind = 'order'")
            units = _sale_units(db)
            session = interrupted_show(db)
            assert session is not None
            async with open_show(db, PRODUCTS) as show:
                restored = await show.resume(SourceSpec("generic", room.url), session)
                state, metrics = show.engine.state, show.metrics
                assert metrics is not None
                assert restored.session_id == state.session_id == session["id"]
                assert state.explaining == 3
                assert state.pinned_product == 5
                assert dict(state.sold) == sold  # the queue's 已售 and 库存 columns
                assert (state.counts["order"], state.gmv_fen) == (orders, gmv)
                snap = metrics.snapshot(notify=False)  # the header and the dashboard
                assert (snap.orders, snap.gmv_fen) == (orders, gmv)
                sale = state.flash_sales["fs-3"]
                assert sale.status == "live"
                assert (sale.sold, sale.left) == (units, SALE["stock"] - units)  # 已抢 n/300
                assert state.coupons["cp"].claimed == int(_query(  # type: ignore[call-overload]
                    db, "SELECT count(*) FROM events WHERE kind = 'coupon_claim'")[0][0])
                await wait_until(lambda: sale.sold >= units + 5, timeout=30, what="the resumed sale selling")
                assert state.duplicates == 0  # the restarted room's events are new ones
                await show.stop()
        finally:
            await room.close()
        assert [(s["id"], s["status"]) for s in _query_sessions(db)] == [(session["id"], "ended")]

    asyncio.run(scenario())


def _query_sessions(db: Path) -> list[dict[str, object]]:
    return [{"id": i, "status": s} for i, s in _query(db, "SELECT id, status FROM sessions ORDER BY id")]
