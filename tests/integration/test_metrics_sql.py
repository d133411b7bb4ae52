"""After a real demo-room session, every number the tracker (and so the dashboard) ended on equals the
same number computed independently by SQL over the session log (the SQL of docs/metrics.md)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from app.core.events import Command
from app.engine.session import SessionEngine
from app.metrics.tracker import SNAPSHOT_FIELDS, MetricsTracker
from app.rooms.demo import serve_demo_room
from app.show.show import Show, SourceSpec
from app.store.session_log import SessionLog

#: The audience (UV, UV value, GPM): anyone seen in any event but the room's own.
ROOM = "('viewer_stats','live_end','system')"
INTERACTION = "('comment','like','follow','share','gift','fansclub')"

#: One query per snapshot column, over ``events`` of session :sid — as docs/metrics.md gives them.
SQL = {
    "online": "SELECT count FROM events WHERE session_id = :sid AND kind = 'viewer_stats' "
              "ORDER BY ts DESC, seq DESC LIMIT 1",
    "peak_online": "SELECT max(count) FROM events WHERE session_id = :sid AND kind = 'viewer_stats'",
    "online_seconds": "SELECT coalesce(sum(count * (next_ts - ts)), 0) FROM (SELECT count, ts, "
                      "lead(ts) OVER (ORDER BY ts, seq) AS next_ts FROM events "
                      "WHERE session_id = :sid AND kind = 'viewer_stats') WHERE next_ts IS NOT NULL",
    "online_span_s": "SELECT coalesce(max(ts) - min(ts), 0) FROM events "
                     "WHERE session_id = :sid AND kind = 'viewer_stats'",
    "viewers_uv": f"SELECT count(DISTINCT user_id) FROM events WHERE session_id = :sid "
                  f"AND kind NOT IN {ROOM} AND user_id != ''",
    "entries_pv": "SELECT count(*) FROM events WHERE session_id = :sid AND kind = 'enter'",
    "comments": "SELECT count(*) FROM events WHERE session_id = :sid AND kind = 'comment'",
    "commenters": "SELECT count(DISTINCT user_id) FROM events WHERE session_id = :sid AND kind = 'comment' "
                  "AND user_id != ''",
    "likes": "SELECT coalesce(sum(count), 0) FROM events WHERE session_id = :sid AND kind = 'like'",
    "follows": "SELECT count(DISTINCT user_id) FROM events WHERE session_id = :sid AND kind = 'follow' "
               "AND user_id != ''",
    "interacting": f"SELECT count(DISTINCT user_id) FROM events WHERE session_id = :sid "
                   f"AND kind IN {INTERACTION} AND user_id != ''",
    "clicks": "SELECT count(*) FROM events WHERE session_id = :sid AND kind = 'product_click'",
    "clickers": "SELECT count(DISTINCT user_id) FROM events WHERE session_id = :sid "
                "AND kind = 'product_click' AND user_id != ''",
    "clicked_buyers": "SELECT count(DISTINCT user_id) FROM events WHERE session_id = :sid AND kind = 'order' "
                      "AND user_id != '' AND user_id IN (SELECT user_id FROM events WHERE session_id = :sid "
                      "AND kind = 'product_click')",
    "orders": "SELECT count(*) FROM events WHERE session_id = :sid AND kind = 'order'",
    "units": "SELECT coalesce(sum(count), 0) FROM events WHERE session_id = :sid AND kind = 'order'",
    "buyers": "SELECT count(DISTINCT user_id) FROM events WHERE session_id = :sid AND kind = 'order' "
              "AND user_id != ''",
    "gmv_fen": "SELECT coalesce(sum(amount_fen), 0) FROM events WHERE session_id = :sid AND kind = 'order'",
}


def test_final_numbers_equal_sql_over_the_log(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite"

    async def session() -> tuple[int, MetricsTracker]:
        server = await serve_demo_room(seed=11, rate=400)
        try:
            room = server.room
            room.apply_command({"command_id": "c1", "name": "explain",
                                "args": {"product_id": room.catalog[0].product_id}})
            with SessionLog(db) as log:
                engine = SessionEngine(log)
                engine.load_catalog(room.catalog)
                tracker = MetricsTracker(submit=engine.submit, products=room.catalog)
                async with Show(engine, tracker, metrics_interval=0.25) as show:
                    sid = await show.start(SourceSpec("generic", server.url), "指标核对")
                    await asyncio.sleep(0.5)
                    assert engine.execute(Command("explain", {"no": room.catalog[0].no})).applied
                    await asyncio.sleep(1.0)
                    room.apply_command({"command_id": "c2", "name": "drop_coupon",
                                        "args": {"coupon_id": "q1", "kind": "直减", "discount_fen": 500,
                                                 "quantity": 50}})
                    await asyncio.sleep(1.5)
                    await show.stop()
            return sid, tracker
        finally:
            await server.close()

    sid, tracker = asyncio.run(session())
    final = tracker.final
    assert final is not None
    conn = sqlite3.connect(db)
    try:
        for column, sql in SQL.items():
            expected = conn.execute(sql, {"sid": sid}).fetchone()[0]
            got = getattr(final, column)
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-6), column
        # The last metrics row is the final snapshot; it recomputes every rate as column ÷ column.
        row = conn.execute(f"SELECT {', '.join(SNAPSHOT_FIELDS)} FROM metrics WHERE session_id = ? "
                           "ORDER BY ts DESC, rowid DESC LIMIT 1", (sid,)).fetchone()
        assert row == pytest.approx(final.row())
        snapshots = conn.execute("SELECT count(*) FROM metrics WHERE session_id = ?", (sid,)).fetchone()[0]
        # Per product: window clickers and window buyers who clicked it inside its windows (the windows'
        # bounds are the engine's, as the tracker got them), by SQL over the log.
        conn.execute("CREATE TEMP TABLE w (pid TEXT, a REAL, b REAL)")
        conn.executemany("INSERT INTO temp.w VALUES (?, ?, ?)",
                         [(w.product_id, w.start, w.end if w.end is not None else float("inf"))
                          for w in tracker.windows])
        inside = "JOIN temp.w ON w.pid = e.product_id AND e.ts >= w.a AND e.ts < w.b"
        window_sql = {pid: (clickers, clicked_buyers) for pid, clickers, clicked_buyers in conn.execute(
            f"WITH k AS (SELECT DISTINCT e.product_id AS pid, e.user_id AS uid FROM events e {inside} "
            f"WHERE e.session_id = :sid AND e.kind = 'product_click' AND e.user_id != ''), "
            f"o AS (SELECT DISTINCT e.product_id AS pid, e.user_id AS uid FROM events e {inside} "
            f"WHERE e.session_id = :sid AND e.kind = 'order' AND e.user_id != '') "
            f"SELECT x.pid, (SELECT count(*) FROM k WHERE k.pid = x.pid), (SELECT count(*) FROM o "
            f"WHERE o.pid = x.pid AND o.uid IN (SELECT uid FROM k WHERE k.pid = x.pid)) "
            f"FROM (SELECT DISTINCT pid FROM temp.w) x", {"sid": sid})}
        uv, buyers, gmv = conn.execute(
            f"SELECT ({SQL['viewers_uv']}), ({SQL['buyers']}), ({SQL['gmv_fen']})",
            {"sid": sid}).fetchone()
    finally:
        conn.close()
    assert snapshots >= 8  # every 0.25 s for 3 s, plus the final one
    assert final.comments > 100
    assert final.orders > 0
    assert final.watch_to_buy.value == pytest.approx(buyers / uv)
    # UV value and GPM divide by the same audience: every viewer seen, not the entries.
    assert final.uv_value_fen.value == pytest.approx(gmv / uv)
    assert final.gpm_fen.value == pytest.approx(gmv / uv * 1000)
    assert any(m.kind == "coupon" for m in tracker.marks)
    stats = {p.product_id: p for p in tracker.product_stats(tracker.latest_ts)}
    assert window_sql
    assert window_sql[tracker.windows[0].product_id][0] > 0  # the explained product was clicked while explained
    for pid, (clickers, clicked_buyers) in window_sql.items():
        p = stats[pid]
        assert (p.window_clickers, p.window_clicked_buyers) == (clickers, clicked_buyers), pid
        assert p.conversion.num <= p.conversion.den
