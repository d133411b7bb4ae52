"""The dashboard fed by a running engine: tiles show the tracker's numbers, charts draw (blitting) only
while visible, explain windows and marks reach the charts, alerts show. No Qt warnings (pytest config)."""

from __future__ import annotations

import asyncio
import itertools
import time
import warnings
from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtGui import QImage

from app.core.events import Kind, LiveEvent
from app.engine.session import SessionEngine
from app.metrics.tracker import MetricsTracker
from ui.common.charts import TimeChart
from ui.common.theme import COLORS
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


def test_hidden_charts_do_not_draw(qtbot, qapp) -> None:
    tracker = MetricsTracker()
    panel = DashboardPanel(tracker, refresh_ms=20)
    qtbot.addWidget(panel)
    panel.resize(520, 1100)  # all three charts on screen while shown
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.waitUntil(lambda: all(c.full_draws >= 1 for c in panel.charts))  # the first paint is a full draw
    # matplotlib's own draw_event, besides the charts' counters: any full draw of any chart lands here.
    drawn: list[object] = []
    for chart in panel.charts:
        chart.mpl_connect("draw_event", lambda event: drawn.append(event.canvas))
    panel.hide()
    assert not any(c.is_shown() for c in panel.charts)
    before = [(c.full_draws, c.blits) for c in panel.charts]
    for i in range(5):
        tracker.feed([LiveEvent(Kind.VIEWER_STATS, 1000.0 + i, count=10)])
        tracker.snapshot(1000.0 + i)
        panel.refresh()  # what the draw timer runs, called here so that it surely ran
        assert not panel.refresh_charts()
    qapp.processEvents()  # a draw_idle queued meanwhile would run now
    assert [(c.full_draws, c.blits) for c in panel.charts] == before
    assert drawn == []
    assert len(panel.online_chart._lines[0].get_xdata()) == 0  # hidden charts are not even fed

    # The same refresh draws once the charts are back on screen (so the counts above could move).
    panel.show()
    qtbot.waitExposed(panel)
    panel.refresh()
    assert all(after[0] + after[1] > b[0] + b[1]
               for after, b in zip([(c.full_draws, c.blits) for c in panel.charts], before, strict=True))
    assert drawn
    assert panel.online_chart._lines[0].get_ydata()[-1] == 10


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


def _pixels(chart: TimeChart) -> np.ndarray:
    """The chart as the user sees it: (rows, columns, RGB), row 0 at the top."""
    image = chart.grab().toImage().convertToFormat(QImage.Format.Format_RGBA8888)
    assert image.width() == chart.width()  # device pixel ratio 1 offscreen: widget pixels are image pixels
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, : image.width() * 4].reshape(image.height(), image.width(), 4)[:, :, :3].astype(int)


def _near(pixels: np.ndarray, hex_color: str, tolerance: int = 40) -> np.ndarray:
    """Which pixels are (about) ``hex_color``."""
    rgb = np.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)])
    return np.abs(pixels - rgb).max(axis=-1) <= tolerance


def _at(chart: TimeChart, minutes: float, value: float) -> tuple[int, int]:
    """The (column, row) where the left axis draws ``value`` at ``minutes``."""
    x, y = chart.ax.transData.transform((minutes, value))
    return round(x), round(chart.height() - y)


def _plot_box(chart: TimeChart) -> tuple[slice, slice]:
    """(rows, columns) of the plot area, inside the axes' frame."""
    box = chart.ax.bbox
    return (slice(round(chart.height() - box.y1) + 2, round(chart.height() - box.y0) - 2),
            slice(round(box.x0) + 2, round(box.x1) - 2))


def test_render_draws_the_fed_minutes_where_the_axes_say(qtbot, tmp_path) -> None:
    """Five minutes of data, drawn: the online line at 500–559 over the whole 5-minute axis, the explain
    window shaded gold from its start with its label, Chinese titles and ticks without missing glyphs, the
    last values on the tiles. The PNG is left in tmp_path for a human to look at."""
    tracker = MetricsTracker()
    panel = DashboardPanel(tracker)
    qtbot.addWidget(panel)
    panel.resize(520, 1100)
    panel.show()
    qtbot.waitExposed(panel)
    online, comments = panel.online_chart, panel.comments_chart
    qtbot.waitUntil(lambda: online.full_draws >= 1 and comments.full_draws >= 1)
    rows, cols = _plot_box(online)
    empty = _pixels(online)
    assert not _near(empty[rows, cols], COLORS["accent"]).any()  # no line before any data

    t0 = 1_700_000_000.0
    tracker.reset(t0)
    tracker.mark_window("p1", t0 + 20)
    for sec in range(300):
        tracker.feed([LiveEvent(Kind.VIEWER_STATS, t0 + sec, count=500 + (sec % 60)),
                      LiveEvent(Kind.COMMENT, t0 + sec, user_id=str(sec), text="3号有货吗")])
        tracker.snapshot(t0 + sec)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)" for boxes
        panel.refresh()
    image = panel.grab()
    image.save(str(tmp_path / "dash.png"))

    # The numbers the user reads: the last sample is 500 + 299 % 60 = 559 online, 60 comments a minute.
    assert panel.tiles["online"].value.text() == "559"
    assert panel.tiles["cpm"].value.text() == "60"
    assert online._lines[0].get_ydata()[-1] == 559
    assert online._lines[0].get_xdata()[-1] == 0  # the newest sample sits at 现在
    assert comments._lines[0].get_ydata()[-1] == 60
    # The texts around the plot.
    assert [c.ax.get_title(loc="left") for c in panel.charts] == ["在线人数", "评论/分钟", "订单与成交金额"]
    assert [t.get_text() for t in online.ax.get_xticklabels()] == ["-5分", "-4分", "-3分", "-2分", "-1分", "现在"]
    assert [t.get_text() for t in online.ax.get_yticklabels()] == ["0", "250", "500", "750", "1000"]
    legend = panel.sales_chart.ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["订单/分钟", "累计成交（元）"]

    # The online line, in pixels: it spans the 5-minute axis, and only between the rows of 500 and 559.
    drawn = _pixels(online)
    line = _near(drawn[rows, cols], COLORS["accent"])
    assert line.any(axis=0).mean() > 0.9  # columns the line crosses, of the plot's width
    line_rows = np.nonzero(line.any(axis=1))[0] + rows.start
    top, bottom = _at(online, 0, 559)[1], _at(online, 0, 500)[1]
    assert line_rows.min() >= top - 3, (line_rows.min(), top)
    assert line_rows.max() <= bottom + 3, (line_rows.max(), bottom)
    # The explain window (from t0 + 20 s, i.e. -4.65 分) is shaded gold; before it, the plain plot background.
    column_before, row_mid = _at(online, -4.85, 375)  # 375: between grid lines, far from the line
    column_inside, _ = _at(online, -2.5, 375)
    plain = np.array([0x15, 0x15, 0x1A])
    assert np.abs(drawn[row_mid, column_before] - plain).max() <= 6, drawn[row_mid, column_before]
    red, _, blue = drawn[row_mid, column_inside]  # a gold tint: redder than the plain background, and warm
    assert red >= plain[0] + 20, drawn[row_mid, column_inside]
    assert red > blue + 15, drawn[row_mid, column_inside]
    # Its label, in gold, just inside the window's top-left corner (painted by Qt over the blit).
    column_start, row_top = _at(online, -4.65, 1000)
    label = _near(drawn[row_top : row_top + 24, column_start : column_start + 40], COLORS["gold"], 60)
    assert label.sum() >= 5
    # The comments line ends at 60 at 现在 (in the plot's rightmost columns, near the row of 60).
    c_rows, c_cols = _plot_box(comments)
    drawn_comments = _pixels(comments)
    right = _near(drawn_comments[c_rows, c_cols], COLORS["question"])[:, -20:]
    right_rows = np.nonzero(right.any(axis=1))[0] + c_rows.start
    assert right_rows.size
    assert abs(int(np.median(right_rows)) - _at(comments, 0, 60)[1]) <= 3


def test_gpm_and_uv_value_tips_name_the_same_audience(qtbot) -> None:
    """What a manager reads when hovering: GPM is per 1000 views, a view being a viewer as 观看人数 counts."""
    tracker = MetricsTracker()
    panel = DashboardPanel(tracker)
    qtbot.addWidget(panel)
    gpm, uv_value = panel.tiles["gpm"].toolTip(), panel.tiles["uv_value"].toolTip()
    assert "÷ 观看人数" in gpm
    assert "÷ 观看人数" in uv_value
    assert "进房" not in gpm
    assert "任一行为" in panel.tiles["uv"].toolTip()


def test_a_long_show_keeps_the_charts_artists_and_history_bounded(qtbot) -> None:
    """An hour and a half of snapshots with 18 explain windows and 30 marks (more than the charts' pools)
    and a refresh after each snapshot, in every time range: the figures hold as many artists at the end as
    after the first minutes (reused, never added per refresh) and the history stays within its buffers."""
    tracker = MetricsTracker()
    panel = DashboardPanel(tracker, refresh_ms=60_000)  # refreshed by hand below
    qtbot.addWidget(panel)
    panel.resize(520, 1100)
    panel.show()
    qtbot.waitExposed(panel)
    t0 = time.time() - 5400
    tracker.reset(t0)
    seconds = iter(range(0, 5400, 60))

    def artists() -> list[int]:
        return [len(chart.figure.findobj()) for chart in panel.charts]

    def show(snapshots: int) -> None:
        for sec in itertools.islice(seconds, snapshots):
            if sec % 300 == 0:
                tracker.mark_window(f"p{sec // 300 % 5 + 1}", t0 + sec)
            if sec % 180 == 0:
                tracker.mark_event(t0 + sec, "秒杀 1号", "flash_sale")
            tracker.feed([LiveEvent(Kind.VIEWER_STATS, t0 + sec, count=100 + sec // 10),
                          LiveEvent(Kind.COMMENT, t0 + sec, user_id=f"u{sec}", text="扣1")])
            tracker.snapshot(t0 + sec)
            panel.refresh()

    show(10)  # the first ten minutes
    early = artists()
    held = sum(arr.nbytes for arr in panel.history._data.values())
    for window in (900.0, 3600.0, None, 300.0):
        panel.set_window(window)
        show(20)
    assert tracker.snapshot(notify=False).ts > t0 + 5300
    assert sum(c.full_draws + c.blits for c in panel.charts) >= 3 * 80  # it drew after every snapshot
    assert all(late <= first + 30 for late, first in zip(artists(), early, strict=True)), (early, artists())
    assert sum(arr.nbytes for arr in panel.history._data.values()) == held
