"""The dashboard's per-product table, fed by a running engine: explaining 3号 with clicks, orders and
comments shows exactly those numbers on 3号's row, highlighted while it is explained; sortable; refreshed
at most once a second and only while visible."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.clock import ManualClock
from app.core.events import Command, Kind, LiveEvent
from app.engine.session import SessionEngine
from app.metrics.tracker import MetricsTracker, connect_commerce
from tests.waiting import wait_until
from ui.common.product_stats import ProductStatsModel, StatCol
from ui.live.dashboard import DashboardPanel

PRODUCTS = load_products_csv(demo_catalog_path())
P3 = next(p for p in PRODUCTS if p.no == 3)
P5 = next(p for p in PRODUCTS if p.no == 5)


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def _row_texts(panel: DashboardPanel, no: int) -> dict[StatCol, str]:
    proxy = panel.product_table.proxy
    for row in range(proxy.rowCount()):
        if proxy.index(row, StatCol.NO).data() == str(no):
            return {col: proxy.index(row, col).data() for col in StatCol}
    raise AssertionError(f"no row for {no}号")


def test_row_of_the_explained_product_shows_its_numbers(qtbot, loop: asyncio.AbstractEventLoop,
                                                          tmp_path: Path) -> None:
    clock = ManualClock()
    engine = SessionEngine(batch_interval=0.01, clock=clock)
    engine.load_catalog(PRODUCTS)
    tracker = MetricsTracker(submit=engine.submit, products=PRODUCTS)
    engine.subscribe(tracker.feed)
    applied: list[LiveEvent] = []
    engine.subscribe(applied.extend)
    connect_commerce(tracker, engine)
    panel = DashboardPanel(tracker, refresh_ms=50)
    qtbot.addWidget(panel)
    panel.resize(560, 1100)
    panel.show()
    qtbot.waitExposed(panel)

    async def run() -> None:
        batcher = asyncio.create_task(engine.run())
        await engine.start_session("看板", "test")
        tracker.reset(engine.state.started_at)
        t0 = clock.time()
        # Before the explain card: a click and an order of 3号 that its window must not count.
        engine.submit([LiveEvent(Kind.PRODUCT_CLICK, t0 + 1, user_id="early", product_id=P3.product_id),
                       LiveEvent(Kind.ORDER, t0 + 1, user_id="early", product_id=P3.product_id, count=1,
                                 amount_fen=8990)])
        clock.advance(5)
        assert engine.execute(Command("explain", {"no": 3})).applied
        t1 = clock.time()
        engine.submit([
            LiveEvent(Kind.PRODUCT_CLICK, t1 + 1, user_id="u1", product_id=P3.product_id),
            LiveEvent(Kind.PRODUCT_CLICK, t1 + 2, user_id="u1", product_id=P3.product_id),
            LiveEvent(Kind.PRODUCT_CLICK, t1 + 3, user_id="u2", product_id=P3.product_id),
            LiveEvent(Kind.PRODUCT_CLICK, t1 + 4, user_id="u3", product_id=P3.product_id),
            LiveEvent(Kind.ORDER, t1 + 5, user_id="u1", product_id=P3.product_id, count=1, amount_fen=8990),
            LiveEvent(Kind.ORDER, t1 + 6, user_id="u2", product_id=P3.product_id, count=2, amount_fen=17980),
            LiveEvent(Kind.ORDER, t1 + 7, user_id="u2", product_id=P3.product_id, count=1, amount_fen=8990),
            # bought without clicking: a buyer, not in the conversion's numerator
            LiveEvent(Kind.ORDER, t1 + 7, user_id="u4", product_id=P3.product_id, count=1, amount_fen=8990),
            LiveEvent(Kind.COMMENT, t1 + 8, user_id="c1", text="扣1"),
            LiveEvent(Kind.COMMENT, t1 + 9, user_id="c2", text="想要"),
            LiveEvent(Kind.COMMENT, t1 + 10, user_id="c3", text="不想要"),
            LiveEvent(Kind.COMMENT, t1 + 11, user_id="c4", text="3号有货吗"),
            LiveEvent(Kind.COMMENT, t1 + 12, user_id="c5", text="５号什么时候上"),
        ])
        clock.advance(75)
        # The batcher drains on its own; the last comment applied means every event before it was too.
        await wait_until(lambda: any(e.text == "５号什么时候上" for e in applied), what="the batcher to drain")
        tracker.snapshot(clock.time())  # the dashboard's "now" is the latest snapshot
        batcher.cancel()
        await asyncio.gather(batcher, return_exceptions=True)

    loop.run_until_complete(run())
    assert not panel.refresh_product_table(force=True)  # the charts' tab is in front: not on screen
    panel.views.setCurrentWidget(panel.product_table)  # 商品数据: refreshed as it comes to the front
    assert panel.product_model.rowCount() > 0

    model = panel.product_model
    assert model.rowCount() == len(PRODUCTS)  # every product, not only the busy ones
    row = _row_texts(panel, 3)
    assert row[StatCol.NAME] == P3.name
    assert row[StatCol.EXPLAIN] == "01:15"
    assert row[StatCol.CLICKS] == "4"
    assert row[StatCol.ORDERS] == "4"
    assert row[StatCol.BUYERS] == "3"
    assert row[StatCol.GMV] == "¥449.50"
    # 2 buyers who clicked (u1, u2) ÷ 3 clickers, inside its window — u4 and "early" don't count
    assert row[StatCol.CONVERSION] == "66.7%"
    assert row[StatCol.INTENT] == "2"  # 扣1, 想要 — not 不想要
    assert row[StatCol.MENTIONS] == "1"
    # A product never explained: no explain time, no fake 0 % conversion; its mention still counts.
    row5 = _row_texts(panel, 5)
    assert (row5[StatCol.EXPLAIN], row5[StatCol.CONVERSION], row5[StatCol.MENTIONS]) == ("—", "—", "1")

    # 3号 is highlighted while explained.
    source_row = model.row_of(P3.product_id)
    assert model.index(source_row, StatCol.NAME).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert model.index(model.row_of(P5.product_id), StatCol.NAME).data(Qt.ItemDataRole.BackgroundRole) is None

    # Sortable: by GMV, highest first, 3号 leads.
    panel.product_table.sortByColumn(StatCol.GMV, Qt.SortOrder.DescendingOrder)
    assert panel.product_table.proxy.index(0, StatCol.NO).data() == "3"

    # ≤ 1 Hz: a second refresh right away does nothing; hidden, it does nothing either.
    assert not panel.refresh_product_table()
    panel.hide()
    assert not panel.refresh_product_table(force=True)
    panel.show()
    qtbot.waitExposed(panel)

    engine.execute(Command("stop_explain", {}))
    assert panel.refresh_product_table(force=True)
    assert model.index(source_row, StatCol.NAME).data(Qt.ItemDataRole.BackgroundRole) is None

    panel.grab().save(str(tmp_path / "product-stats.png"))  # for a human to look at; the test's own folder


def test_model_passes_qtmodeltester(qtmodeltester) -> None:
    tracker = MetricsTracker(products=PRODUCTS)
    tracker.reset(1000.0)
    tracker.mark_window(P3.product_id, 1000.0)
    tracker.feed([LiveEvent(Kind.PRODUCT_CLICK, 1001.0, user_id="u1", product_id=P3.product_id),
                  LiveEvent(Kind.ORDER, 1002.0, user_id="u1", product_id=P3.product_id, count=1,
                            amount_fen=100)])
    model = ProductStatsModel(lambda: tracker.explaining)
    model.set_stats(tracker.product_stats(1010.0, every_product=True))
    qtmodeltester.check(model, force_py=True)
    tracker.feed([LiveEvent(Kind.COMMENT, 1003.0, user_id="u2", text="扣1")])
    model.set_stats(tracker.product_stats(1011.0, every_product=True))  # dataChanged only
    model.set_stats(tracker.product_stats(1011.0)[:1])  # another set of products: a reset
    qtmodeltester.check(model, force_py=True)


def test_a_product_the_list_does_not_know_is_shown_as_unmatched() -> None:
    tracker = MetricsTracker(products=PRODUCTS)
    tracker.reset(1000.0)
    tracker.feed([LiveEvent(Kind.ORDER, 1001.0, user_id="u1", product_id="3581999", count=2,
                            extra={"product_match": "unmatched"})])
    model = ProductStatsModel()
    model.set_stats(tracker.product_stats(1010.0))
    assert model.rowCount() == 1
    assert model.index(0, StatCol.NAME).data() == "未匹配商品（3581999）"
