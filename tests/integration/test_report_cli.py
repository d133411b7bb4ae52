"""`livedeck report` on a session recorded from the real demo room: totals equal SQL over the log."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.events import Command
from app.engine.session import SessionEngine
from app.metrics.tracker import MetricsTracker
from app.review.results import Review
from app.rooms.demo import serve_demo_room
from app.show.show import Show, SourceSpec
from app.store.session_log import SessionLog
from tests.log_sql import sql

ROOT = Path(__file__).resolve().parents[2]


def record_demo_session(path: Path) -> int:
    async def main() -> int:
        room = await serve_demo_room(seed=11, rate=300)
        try:
            with SessionLog(path) as log:
                engine = SessionEngine(log)
                engine.load_catalog(load_products_csv(demo_catalog_path()))
                metrics = MetricsTracker(submit=engine.submit)
                async with Show(engine, metrics) as show:
                    sid = await show.start(SourceSpec("generic", room.url), "复盘测试")
                    await asyncio.sleep(0.4)
                    assert engine.execute(Command("explain", {"no": 3})).applied
                    assert engine.execute(Command("start_flash_sale", {"no": 3, "price_fen": 990, "stock": 5,
                                                                       "duration_s": 1.0})).applied
                    assert engine.execute(Command("drop_coupon", {"kind": "直减", "discount_fen": 300,
                                                                  "quantity": 50})).applied
                    await asyncio.sleep(1.5)
                    assert engine.execute(Command("explain", {"no": 1})).applied
                    await asyncio.sleep(1.0)
                    await show.stop()
                return sid
        finally:
            await room.close()

    return asyncio.run(main())


#: Per explained product, from the raw log: its explain windows are the applied `explain` actions, each
#: open until the next one (or the session's end); (product, window clickers, window buyers who clicked it
#: inside its windows) — docs/metrics.md's per-product conversion, numerator and denominator.
WINDOW_CONVERSION_SQL = """
WITH w AS (SELECT json_extract(args, '$.product_id') AS pid, ts AS a,
                  coalesce(lead(ts) OVER (ORDER BY ts), (SELECT ended_at FROM sessions WHERE id = :sid)) AS b
           FROM actions WHERE session_id = :sid AND name = 'explain' AND result = 'applied'),
     k AS (SELECT DISTINCT e.product_id AS pid, e.user_id AS uid FROM events e
           JOIN w ON w.pid = e.product_id AND e.ts >= w.a AND e.ts < w.b
           WHERE e.session_id = :sid AND e.kind = 'product_click' AND e.user_id != ''),
     o AS (SELECT DISTINCT e.product_id AS pid, e.user_id AS uid FROM events e
           JOIN w ON w.pid = e.product_id AND e.ts >= w.a AND e.ts < w.b
           WHERE e.session_id = :sid AND e.kind = 'order' AND e.user_id != '')
SELECT DISTINCT w.pid, (SELECT count(*) FROM k WHERE k.pid = w.pid),
       (SELECT count(*) FROM o WHERE o.pid = w.pid AND o.uid IN (SELECT uid FROM k WHERE k.pid = w.pid))
FROM w
"""


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    path = tmp_path_factory.mktemp("rec") / "sessions.sqlite"
    return path, record_demo_session(path)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=False)


def test_report_totals_equal_sql_over_the_recorded_log(recorded: tuple[Path, int], tmp_path: Path) -> None:
    path, sid = recorded
    q = "SELECT {} FROM events WHERE session_id = ? AND kind = '{}'"
    comments = sql(path, q.format("count(*)", "comment"), sid)
    peak = sql(path, q.format("max(count)", "viewer_stats"), sid)
    orders = sql(path, q.format("count(*)", "order"), sid)
    buyers = sql(path, q.format("count(DISTINCT user_id)", "order"), sid)
    gmv = sql(path, q.format("coalesce(sum(amount_fen), 0)", "order"), sid)
    assert comments
    assert orders
    with Review(path, sid) as r:
        s = r.summary()
        assert (s.comments, s.peak_online, s.orders, s.buyers, s.gmv_fen) == (comments, peak, orders, buyers, gmv)
        review_products = r.products()
        per_product = {p.product_id: p.gmv_fen for p in review_products if p.gmv_fen}
        assert [w.no for w in r.explain_windows()] == [3, 1]
        kinds = {m.kind for m in r.markers()}
        assert {"flash_sale_start", "coupon_drop"} <= kinds
        assert len(r.promotions().flash_sales) == 1
    conn = sqlite3.connect(path)
    expected = dict(conn.execute("SELECT product_id, sum(amount_fen) FROM events WHERE session_id = ? "
                                 "AND kind = 'order' GROUP BY product_id", (sid,)).fetchall())
    conversions = conn.execute(WINDOW_CONVERSION_SQL, {"sid": sid}).fetchall()
    conn.close()
    assert per_product == expected
    assert {pid: (c, b) for pid, c, b in conversions} == {
        p.product_id: (p.window_clickers, p.window_clicked_buyers) for p in review_products if p.windows}
    assert all(p.conversion.num <= p.conversion.den for p in review_products)

    html = tmp_path / "report.html"
    done = run_cli("report", str(path), "-o", str(html))
    assert done.returncode == 0, done.stderr
    assert f"¥{gmv / 100:,.2f}" in html.read_text(encoding="utf-8")
    xlsx = tmp_path / "report.xlsx"
    assert run_cli("report", str(path), "--session", str(sid), "-o", str(xlsx), "--lang", "en").returncode == 0
    wb = load_workbook(xlsx)
    summary = {row[0]: row[1] for row in wb["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Comments"] == comments
    assert summary["Peak online"] == peak
    assert summary["Orders"] == orders
    assert summary["Buyers"] == buyers
    assert summary["GMV (yuan)"] == pytest.approx(gmv / 100)
    products = {r[1]: r[10] for r in wb["Product"].iter_rows(min_row=2, values_only=True)}
    for pid, fen in expected.items():
        assert products[pid] == pytest.approx(fen / 100)
    # Conversion while explained = buyers who clicked it while explained ÷ clickers while explained.
    sheet = list(wb["Product"].iter_rows(values_only=True))
    col = {name: i for i, name in enumerate(sheet[0])}
    xlsx_rows = {r[1]: r for r in sheet[1:]}
    assert conversions
    for pid, clickers, clicked_buyers in conversions:
        r = xlsx_rows[pid]
        assert (r[col["Clickers while explained"]], r[col["Buyers who clicked while explained"]]) == (
            clickers, clicked_buyers)
        assert r[col["Buyers who clicked while explained"]] <= r[col["Buyers while explained"]]
        expected_rate = clicked_buyers / clickers if clickers else None
        assert r[col["Conversion while explained"]] == pytest.approx(expected_rate)


def test_report_cli_errors_exit_2(recorded: tuple[Path, int], tmp_path: Path) -> None:
    path, _ = recorded
    bad = run_cli("report", str(path), "--session", "999", "-o", str(tmp_path / "r.html"))
    assert bad.returncode == 2
    assert "999" in bad.stderr
    ext = run_cli("report", str(path), "-o", str(tmp_path / "r.doc"))
    assert ext.returncode == 2
    assert ".doc" in ext.stderr
