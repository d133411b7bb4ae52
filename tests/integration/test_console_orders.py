"""Orders read from the fake 巨量百应 page (headless chromium) find LiveDeck's products: the page's order
stream names the platform's product id and title, goods imported from the page are numbered by their 序号,
and the connector's order matcher joins the two — so the engine's and the dashboard's GMV and the
product's orders move by price × units; an order for a product the queue lacks, or whose title two
products share, is counted as unmatched (未匹配商品) with no money, never guessed."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from app.commerce.catalog import Product
from app.connectors.console import ConsoleConnector
from app.connectors.console.cli import console_summary
from app.engine.session import SessionEngine
from app.metrics.tracker import MetricsTracker, connect_commerce
from app.review.products import read_products
from app.review.session import SessionReader
from app.show.console_feed import import_goods_if_empty
from tests.fakes.console_page.server import FakeConsole
from tests.integration.console_shows import CHROMIUM, console_show
from tests.waiting import wait_until


@pytest.fixture
def fake() -> Iterator[FakeConsole]:
    with FakeConsole() as page:
        yield page


@contextlib.asynccontextmanager
async def dashboard_show(fake: FakeConsole, tmp_path: Path, catalog: list[Product] | None = None,
                         ) -> AsyncIterator[tuple[SessionEngine, ConsoleConnector, MetricsTracker]]:
    """The connected console with the dashboard's metrics fed from the engine; without ``catalog`` the
    queue is the page's goods, imported from the page."""
    async with console_show("buyin", fake.url, tmp_path, catalog or ()) as (engine, console):
        metrics = MetricsTracker()
        engine.subscribe(metrics.feed)
        connect_commerce(metrics, engine)
        if catalog is None:
            assert await asyncio.wait_for(import_goods_if_empty(engine, console), 30) == len(fake.products)
        yield engine, console, metrics


def _logged_orders(engine: SessionEngine) -> list[tuple[object, ...]]:
    assert engine.log is not None
    engine.log.flush()
    with contextlib.closing(sqlite3.connect(engine.log.path)) as db:
        return db.execute("SELECT msg_id, product_id, count, amount_fen, json_extract(extra, '$.product_match')"
                          " FROM events WHERE kind = 'order' ORDER BY seq").fetchall()


def _stats(metrics: MetricsTracker, product_id: str) -> tuple[int, int]:
    (row,) = [s for s in metrics.product_stats() if s.product_id == product_id]
    return row.orders, row.gmv_fen


def test_an_order_for_goods_imported_from_the_page_moves_gmv_and_that_products_orders(
        fake: FakeConsole, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with dashboard_show(fake, tmp_path) as (engine, _console, metrics):
            third = engine.state.queue.get(3)
            assert third is not None
            assert (third.product_id, third.platform_id, third.price_fen) == ("3", "900003", 1290)
            fake.order("o1", "900003", 2, 3)  # 2 × 3号 at ¥12.90, paid; the stream names 900003 and 测试商品3
            await wait_until(lambda: metrics.orders == 1, 10, what="the order on the dashboard")
            assert metrics.gmv_fen == engine.state.gmv_fen == 2 * 1290
            assert engine.state.sold["3"] == 2
            assert _stats(metrics, "3") == (1, 2 * 1290)
            assert _logged_orders(engine) == [("o1", "3", 2, 2 * 1290, "platform_id")]

    asyncio.run(scenario())


def test_an_order_for_a_product_not_in_the_queue_is_counted_as_unmatched_without_money(
        fake: FakeConsole, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with dashboard_show(fake, tmp_path) as (engine, console, metrics):
            fake.order("o1", "900003", 1, 3)
            fake.order("o2", "123456789", 4, 3, title="下架的老款保温杯")  # not on the page, not in the queue
            await wait_until(lambda: metrics.orders == 2, 10, what="both orders on the dashboard")
            assert metrics.gmv_fen == engine.state.gmv_fen == 1290  # only the matched one has a price
            assert _logged_orders(engine) == [("o1", "3", 1, 1290, "platform_id"),
                                              ("o2", "123456789", 4, 0, "unmatched")]
            await wait_until(lambda: console.orders.tally.orders == 2, 2)
            assert "中控台订单 2 笔、GMV ¥12.90、未匹配商品的订单 1 笔" in console_summary(console)

    asyncio.run(scenario())


def test_an_order_whose_title_two_products_share_is_unmatched_not_guessed(
        fake: FakeConsole, tmp_path: Path) -> None:
    fake.products[2]["name"] = fake.products[3]["name"] = "纯棉袜子"  # 3号 and 4号 on the page
    twins = [Product(1, "SKU-A", "纯棉袜子", 1990), Product(2, "SKU-B", "纯棉 袜子", 2490)]  # ids not the page's

    async def scenario() -> None:
        async with dashboard_show(fake, tmp_path, twins) as (engine, _console, metrics):
            fake.order("o1", "900004", 1, 3)  # the stream names 4号's id and the title 纯棉袜子
            await wait_until(lambda: metrics.orders == 1, 10, what="the order on the dashboard")
            assert metrics.gmv_fen == engine.state.gmv_fen == 0
            assert engine.state.sold["SKU-A"] == engine.state.sold["SKU-B"] == 0
            assert _logged_orders(engine) == [("o1", "900004", 1, 0, "unmatched")]

    asyncio.run(scenario())


def test_twins_imported_from_the_page_are_told_apart_by_the_platform_id(fake: FakeConsole, tmp_path: Path) -> None:
    fake.products[2]["name"] = fake.products[3]["name"] = "纯棉袜子"

    async def scenario() -> None:
        async with dashboard_show(fake, tmp_path) as (engine, _console, metrics):
            fake.order("o1", "900004", 1, 3)
            await wait_until(lambda: metrics.orders == 1, 10, what="the order on the dashboard")
            assert _logged_orders(engine) == [("o1", "4", 1, 1390, "platform_id")]  # 4号 at ¥13.90
            assert _stats(metrics, "4") == (1, 1390)

    asyncio.run(scenario())


def test_record_from_the_console_alone_imports_the_pages_goods_and_sums_up_orders_gmv_and_unmatched(
        fake: FakeConsole, tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    record = subprocess.Popen(
        [sys.executable, "-m", "app", "record", "--source", "console", "--console", "buyin", "--console-url", fake.url,
         "--headless", "--browser", CHROMIUM, "--db", str(db), "--duration", "90"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "LIVEDECK_HOME": str(tmp_path)})
    try:
        asyncio.run(wait_until(lambda: _catalog_loaded(db), 40, what="the page's goods loaded into the queue"))
        fake.order("o1", "900003", 2, 3)  # 2 × ¥12.90
        fake.order("o2", "123456789", 1, 3, title="下架的老款保温杯")
        asyncio.run(wait_until(lambda: _orders(db) == 2, 20, what="both orders in the log"))
    finally:
        record.send_signal(signal.SIGINT)
        out, err = record.communicate(timeout=60)
    assert record.returncode == 0, err[-3000:]
    assert "已从中控台导入 60 个商品" in out, out
    assert "中控台订单 2 笔、GMV ¥25.80、未匹配商品的订单 1 笔" in out, out
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT actor FROM actions WHERE name = 'load_catalog'").fetchall() == [("console:buyin",)]


def _catalog_loaded(db: Path) -> bool:
    return _count(db, "SELECT COUNT(*) FROM actions WHERE name = 'load_catalog' AND result = 'applied'") == 1


def _orders(db: Path) -> int:
    return _count(db, "SELECT COUNT(*) FROM events WHERE kind = 'order'")


def _count(db: Path, sql: str) -> int:
    if not db.exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(db)) as conn:
            return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:  # the log is being created
        return 0


def test_unmatched_orders_are_listed_as_such_where_products_are_reviewed(fake: FakeConsole, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with dashboard_show(fake, tmp_path) as (engine, _console, metrics):
            fake.order("o2", "123456789", 1, 3, title="下架的老款保温杯")
            await wait_until(lambda: metrics.orders == 1, 10, what="the order on the dashboard")
            assert engine.log is not None
            engine.log.flush()

    asyncio.run(scenario())
    with SessionReader(tmp_path / "show.sqlite", 1) as reader:
        (row,) = [p for p in read_products(reader) if p.orders]
    assert (row.product_id, row.name, row.gmv_fen) == ("123456789", "未匹配商品", 0)
