"""The dashboard fed by a running engine: tiles show the tracker's numbers, charts draw (blitting) only
while visible, explain windows and marks reach the charts, alerts show. No Qt warnings (pytest config)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from app.core.events import Kind, LiveEvent
from app.engine.session import SessionEngine
from app.metrics.tracker import MetricsTracker
from ui.live.dashboard import DashboardPanel


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def test_charts_fed_by_a_running_engine(qtbot, loop: asyncio.AbstractEventLoop) -> None:
    engine = SessionEngine(batch_interval=0.01)
    tracker = MetricsTracker(submit=engine.submit)
    engine.subscribe(tracker.feed)
    panel = DashboardPanel(tracker, refresh_ms=50)
    qtbot.addWidget(panel)
    panel.resize(520, 1000)
    panel.show()
    qtbot.waitExposed(panel)
    t0 = time.time() - 120
    tracker.reset(t0)
    tracker.mark_window("p1", t0 + 10)
    tracker.mark_event(t0 + 60, "秒杀 1号", "flash_sale")

    async def run() -> None:
        batcher = asyncio.create_task(engine.run())
        for sec in range(120):
            engine.submit([LiveEvent(Kind.VIEWER_STATS, t0 + sec, count=100 + sec),
                           LiveEvent(Kind.ENTER, t0 + sec, user_id=f"u{sec}"),
                           LiveEvent(Kind.COMMENT, t0 + sec, user_id=f"u{sec}", text="扣1"),
                           LiveEvent(Kind.ORDER, t0 + sec, user_id=f"u{sec}", product_id="p1", count=1,
                                     amount_fen=990)])
            if sec % 20 == 0:
                await asyncio.sleep(0.03)  # the batcher drains on its own
            engine.drain()  # the rest of this second, so that its snapshot holds it
            tracker.snapshot(t0 + sec)
        batcher.cancel()
        await asyncio.gather(batcher, return_exceptions=True)

    loop.run_until_complete(run())
    qtbot.waitUntil(lambda: panel.online_chart.full_draws + panel.online_chart.blits >= 1, timeout=2000)
    assert panel.tiles["online"].value.text() == "219"
    assert panel.tiles["gmv"].value.text() == "¥1,188.00"
    assert panel.tiles["uv"].value.text() == "120"
    assert panel.tiles["watch_buy"].value.text() == "100.0%"
    assert panel.tiles["online"].delta.text().startswith("▲")
    assert "讲解中" in panel.product_line.text()
    x, y = panel.online_chart._lines[0].get_data()
    assert len(x) > 0
    assert y[-1] == 219
    assert any(shade.get_visible() for shade in panel.online_chart._shades)
    assert any(line.get_visible() for line in panel.online_chart._marks)
    assert any("1号" in label[2] or "p1" in label[2] for label in panel.online_chart._labels)

    # Another window: a full redraw once, then blits.
    panel.set_window(None)
    tracker.snapshot(t0 + 121)
    draws = panel.sales_chart.full_draws
    qtbot.waitUntil(lambda: panel.sales_chart.blits > 0 or panel.sales_chart.full_draws > draws, timeout=2000)


def test_hidden_charts_do_not_draw(qtbot) -> None:
    tracker = MetricsTracker()
    panel = DashboardPanel(tracker, refresh_ms=20)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.wait(50)  # the first paint (a full draw) happens while shown
    panel.hide()
    qtbot.wait(50)
    before = [(c.full_draws, c.blits) for c in panel.charts]
    for i in range(5):
        tracker.feed([LiveEvent(Kind.VIEWER_STATS, 1000.0 + i, count=10)])
        tracker.snapshot(1000.0 + i)
        qtbot.wait(30)
    assert [(c.full_draws, c.blits) for c in panel.charts] == before


def test_zero_viewers_show_dashes_and_alerts_show(qtbot) -> None:
    tracker = MetricsTracker()
    panel = DashboardPanel(tracker)
    qtbot.addWidget(panel)
    panel.show()
    tracker.snapshot(1000.0)
    panel.refresh()
    assert panel.tiles["interaction"].value.text() == "—"
    assert panel.tiles["gpm"].value.text() == "—"
    tracker.check_stock(1, 100, "p9", ts=1000.0)
    assert panel.alert.isVisible()
    assert "p9" in panel.alert.text()


def test_render_looks_right(qtbot, tmp_path) -> None:
    """Renders ~5 minutes of data into a PNG (kept at /tmp/dash-test.png for a human to look at)."""
    tracker = MetricsTracker()
    panel = DashboardPanel(tracker)
    qtbot.addWidget(panel)
    panel.resize(520, 1100)
    panel.show()
    qtbot.waitExposed(panel)
    t0 = 1_700_000_000.0
    tracker.reset(t0)
    tracker.mark_window("p1", t0 + 20)
    for sec in range(300):
        tracker.feed([LiveEvent(Kind.VIEWER_STATS, t0 + sec, count=500 + (sec % 60)),
                      LiveEvent(Kind.COMMENT, t0 + sec, user_id=str(sec), text="3号有货吗")])
        tracker.snapshot(t0 + sec)
    panel.refresh()
    image = panel.grab()
    assert not image.isNull()
    image.save(str(tmp_path / "dash.png"))
