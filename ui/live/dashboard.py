"""The 数据看板 dock: KPI tiles, the current product's live numbers, every product's numbers in a sortable
table, three live charts, alerts.

Data and drawing are apart: the metrics tracker's per-second snapshots (the show's 1 Hz task) land in
:class:`~ui.common.charts.History` ring buffers; one QTimer at 2 Hz updates the tiles whose text changed and
refreshes the charts that are on screen (blitting; see ui/common/charts.py), and at most once a second the
per-product table while it is on screen. Every number is the tracker's, so it is the number the
``metrics`` table holds and docs/metrics.md defines.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.i18n import tr
from app.core.units import format_clock, format_count, format_fen, format_fen_or_dash
from app.metrics.tracker import MetricsTracker, Rate, Snapshot
from ui.common.charts import History, Series, TimeChart, short_label
from ui.common.product_stats import ProductStatsModel, ProductStatsTable
from ui.common.theme import COLORS, ui_font
from ui.common.tiles import DashTile, TileSpec

REFRESH_MS = 500  # ≤ 2 Hz per chart
PRODUCT_TABLE_EVERY_S = 1.0  # the per-product table: ≤ 1 Hz (it walks every order and click)
ALERT_SHOWN_MS = 8000
HISTORY_FIELDS = ("online", "comments_1m", "orders", "gmv_fen")
#: The selector's choices: seconds shown, None = the whole show.
WINDOW_CHOICES: tuple[tuple[str, float | None], ...] = (
    ("5分钟", 300.0), ("15分钟", 900.0), ("60分钟", 3600.0), ("全场", None),
)


def _count_delta(d: float) -> str:
    return format_count(abs(round(d)))


def _fen_delta(d: float) -> str:
    return format_fen(abs(round(d)))


def _pt_delta(d: float) -> str:
    return tr("{n}个百分点", n=f"{abs(d) * 100:.1f}")


def tile_specs() -> list[TileSpec]:
    """The KPI tiles, in screen order. Definitions: docs/metrics.md."""

    def rate_value(get: Callable[[Snapshot], Rate]) -> Callable[[Snapshot], float | None]:
        return lambda s: get(s).value

    return [
        TileSpec("online", tr("在线人数"), lambda s: s.online, lambda s: format_count(s.online), _count_delta,
                 tr("平台最新一次在线人数（人）")),
        TileSpec("peak", tr("最高在线"), lambda s: s.peak_online, lambda s: format_count(s.peak_online),
                 _count_delta, tr("本场在线人数最高值 PCU（人）")),
        TileSpec("avg", tr("平均在线"), lambda s: s.average_online,
                 lambda s: "—" if s.average_online is None else format_count(round(s.average_online)),
                 _count_delta, tr("按时间加权的平均在线人数（人）")),
        TileSpec("uv", tr("观看人数"), lambda s: s.viewers_uv, lambda s: format_count(s.viewers_uv),
                 _count_delta, tr("本场出现过的不同观众：进房、评论、点赞、点击、"
                    "下单、领券等任一行为都算（人，UV）")),
        TileSpec("pv", tr("进房次数"), lambda s: s.entries_pv, lambda s: format_count(s.entries_pv),
                 _count_delta, tr("进房事件数（次，PV）")),
        TileSpec("cpm", tr("评论/分钟"), lambda s: s.comments_1m, lambda s: format_count(s.comments_1m),
                 _count_delta, tr("最近 60 秒的评论数（次）")),
        TileSpec("interaction", tr("互动率"), rate_value(lambda s: s.interaction_rate),
                 lambda s: s.interaction_rate.percent(), _pt_delta, tr("互动人数 ÷ 观看人数")),
        TileSpec("follows", tr("涨粉"), lambda s: s.follows, lambda s: format_count(s.follows), _count_delta,
                 tr("新关注的不同观众（人）")),
        TileSpec("gmv", tr("成交金额"), lambda s: s.gmv_fen, lambda s: format_fen(s.gmv_fen), _fen_delta,
                 tr("订单实付金额之和 GMV")),
        TileSpec("orders", tr("订单"), lambda s: s.orders, lambda s: format_count(s.orders), _count_delta,
                 tr("订单数（笔）")),
        TileSpec("buyers", tr("成交人数"), lambda s: s.buyers, lambda s: format_count(s.buyers), _count_delta,
                 tr("下单的不同观众（人）")),
        TileSpec("clicks", tr("商品点击"), lambda s: s.clicks, lambda s: format_count(s.clicks), _count_delta,
                 tr("商品点击次数（次）")),
        TileSpec("watch_buy", tr("观看→成交"), rate_value(lambda s: s.watch_to_buy),
                 lambda s: s.watch_to_buy.percent(), _pt_delta, tr("成交人数 ÷ 观看人数")),
        TileSpec("click_buy", tr("点击→成交"), rate_value(lambda s: s.click_to_buy),
                 lambda s: s.click_to_buy.percent(), _pt_delta, tr("点过商品的成交人数 ÷ 点击人数")),
        TileSpec("uv_value", tr("UV价值"), rate_value(lambda s: s.uv_value_fen),
                 lambda s: format_fen_or_dash(s.uv_value_fen.value), _fen_delta, tr("成交金额 ÷ 观看人数")),
        TileSpec("gpm", tr("GPM"), rate_value(lambda s: s.gpm_fen), lambda s: format_fen_or_dash(s.gpm_fen.value),
                 _fen_delta, tr("每千次观看的成交额：成交金额 ÷ 观看人数 × 1000"
                    "（一次观看 = 一位出现过的观众，同观看人数）")),
        TileSpec("aov", tr("客单价"), rate_value(lambda s: s.aov_fen), lambda s: format_fen_or_dash(s.aov_fen.value),
                 _fen_delta, tr("成交金额 ÷ 订单数")),
    ]


class DashboardPanel(QWidget):
    """The dashboard dock's contents, fed by a :class:`~app.metrics.tracker.MetricsTracker`'s snapshots.

    Args:
        tracker: the show's metrics; its snapshot and alert listeners are added here.
        refresh_ms: the one draw timer's interval (≤ 2 Hz per chart by default).
    """

    def __init__(self, tracker: MetricsTracker, parent: QWidget | None = None, *,
                 refresh_ms: int = REFRESH_MS) -> None:
        super().__init__(parent)
        self.setObjectName("dashboard")
        self.tracker = tracker
        self.history = History(HISTORY_FIELDS)
        self._snapshots: list[Snapshot] = []  # the last ~2 minutes, for "against one minute ago"
        self.latest: Snapshot | None = None
        self.window_s: float | None = WINDOW_CHOICES[0][1]
        self._drawn_version = -1

        self._make_alert()
        tiles_box = self._make_tiles()
        self.product_line = QLabel(tr("当前没有讲解中的商品"), self)
        self.product_line.setObjectName("dashProduct")
        self.product_line.setWordWrap(True)
        self.product_line.setFont(ui_font(12))
        self.product_line.setStyleSheet(f"color: {COLORS['gold']};")

        self.product_model = ProductStatsModel(lambda: self.tracker.explaining, self)
        self.product_table = ProductStatsTable(self.product_model, self)
        self._product_table_at = float("-inf")  # time.monotonic() of its last refresh

        selector = self._make_window_selector()
        self._make_charts()
        self._lay_out(tiles_box, selector)

        # Removed (or muted: alerts have no removal) by stop(); the tracker outlives a closed window.
        self._stopped = False
        self._unsubscribe_snapshots = tracker.add_snapshot_listener(self.add_snapshot)
        self._unsubscribe_alerts = tracker.add_alert_listener(self.show_alert)
        self._timer = QTimer(self)
        self._timer.setInterval(refresh_ms)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()

    # -- building -----------------------------------------------------------------------------------
    def _make_alert(self) -> None:
        self.alert = QLabel("", self)
        self.alert.setObjectName("dashAlert")
        self.alert.setFont(ui_font(15, bold=True))
        self.alert.setWordWrap(True)
        self.alert.setStyleSheet(
            f"background-color: {COLORS['amber']}; color: #111114; border-radius: 6px; padding: 6px 10px;"
        )
        self.alert.hide()
        self._alert_timer = QTimer(self)
        self._alert_timer.setSingleShot(True)
        self._alert_timer.setInterval(ALERT_SHOWN_MS)
        self._alert_timer.timeout.connect(self.alert.hide)

    def _make_tiles(self) -> QWidget:
        tiles_box = QWidget(self)
        grid = QGridLayout(tiles_box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(6)
        self.tiles: dict[str, DashTile] = {}
        columns = 3
        for i, spec in enumerate(tile_specs()):
            tile = DashTile(spec, tiles_box)
            self.tiles[spec.key] = tile
            grid.addWidget(tile, i // columns, i % columns)
        return tiles_box

    def _make_window_selector(self) -> QHBoxLayout:
        selector = QHBoxLayout()
        selector.setSpacing(4)
        selector.addWidget(QLabel(tr("时间范围"), self))
        self.window_buttons = QButtonGroup(self)
        for i, (label, seconds) in enumerate(WINDOW_CHOICES):
            button = QPushButton(tr(label), self)
            button.setCheckable(True)
            button.setChecked(i == 0)
            button.clicked.connect(lambda _=False, s=seconds: self.set_window(s))
            self.window_buttons.addButton(button, i)
            selector.addWidget(button)
        selector.addStretch(1)
        return selector

    def _make_charts(self) -> None:
        self.online_chart = TimeChart(tr("在线人数"), [Series("online", tr("在线"), COLORS["accent"])])
        self.comments_chart = TimeChart(
            tr("评论/分钟"), [Series("comments_1m", tr("评论"), COLORS["question"])], label_windows=False)
        self.sales_chart = TimeChart(
            tr("订单与成交金额"),
            [Series("orders_1m", tr("订单/分钟"), COLORS["green"]),
             Series("gmv_fen", tr("累计成交（元）"), COLORS["gold"], right=True, scale=0.01)],
            label_windows=False,
        )
        self.charts = (self.online_chart, self.comments_chart, self.sales_chart)

    def _lay_out(self, tiles_box: QWidget, selector: QHBoxLayout) -> None:
        body = QWidget(self)
        column = QVBoxLayout(body)
        column.setContentsMargins(8, 8, 8, 8)
        column.setSpacing(8)
        column.addWidget(self.alert)
        column.addWidget(tiles_box)
        column.addWidget(self.product_line)
        # Charts and the per-product table share the lower half as tabs: the dock fits a laptop's
        # height, and the page not shown costs nothing (hidden charts don't draw, a hidden table isn't
        # refreshed).
        charts_page = QWidget(body)
        charts_column = QVBoxLayout(charts_page)
        charts_column.setContentsMargins(0, 6, 0, 0)
        charts_column.setSpacing(8)
        charts_column.addLayout(selector)
        for chart in self.charts:
            chart.setParent(charts_page)
            charts_column.addWidget(chart, 1)
        self.views = QTabWidget(body)
        self.views.setObjectName("dashViews")
        self.views.setDocumentMode(True)
        self.views.addTab(charts_page, tr("趋势图"))
        self.views.addTab(self.product_table, tr("商品数据"))
        self.views.currentChanged.connect(lambda _: self.refresh_product_table(force=True))
        column.addWidget(self.views, 1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.setMinimumWidth(440)

    # -- data (1 Hz, from the show's snapshot task) ------------------------------------------------
    def add_snapshot(self, snap: Snapshot) -> None:
        """Take one snapshot; a snapshot older than the newest (a new session began) starts over."""
        latest = self.latest
        if latest is not None and (snap.ts < latest.ts or snap.comments < latest.comments):
            self.clear()
        self.latest = snap
        self._snapshots.append(snap)
        while len(self._snapshots) > 2 and self._snapshots[1].ts <= snap.ts - 120.0:
            self._snapshots.pop(0)
        self.history.append(snap.ts, {"online": snap.online, "comments_1m": snap.comments_1m,
                                      "orders": snap.orders, "gmv_fen": snap.gmv_fen})
        # Tiles change with the snapshot itself (cheap text updates), at the same instant as the
        # header's totals; only the charts wait for the draw timer.
        self._show_tiles(snap)

    def _show_tiles(self, snap: Snapshot) -> None:
        before = self.minute_ago()
        for tile in self.tiles.values():
            tile.show_snapshot(snap, before)

    def clear(self) -> None:
        self.history.clear()
        self._snapshots.clear()
        self.latest = None

    def minute_ago(self) -> Snapshot | None:
        """The newest snapshot at least 60 s older than the latest, if the show is that old."""
        if self.latest is None:
            return None
        found = None
        for snap in self._snapshots:
            if snap.ts <= self.latest.ts - 60.0:
                found = snap
            else:
                break
        return found

    def show_alert(self, alert: str, text: str, ts: float) -> None:
        """Show an alert briefly, big and amber, like a prompter line."""
        self.alert.setText("⚠ " + text)
        self.alert.show()
        self._alert_timer.start()

    def set_window(self, seconds: float | None) -> None:
        """5/15/60 minutes (seconds) or the whole show (None)."""
        self.window_s = seconds
        self._drawn_version = -1
        self.refresh()

    # -- drawing (one timer, 2 Hz) ----------------------------------------------------------------------
    def refresh(self) -> None:
        self.refresh_product_table()
        snap = self.latest
        if snap is None or self.history.version == self._drawn_version:
            return
        self._refresh_product(snap.ts)
        drew = self.refresh_charts()
        if drew:
            self._drawn_version = self.history.version

    def chart_inputs(self) -> dict[str, object]:
        """The arrays and marks the charts draw now (also used by the benchmark)."""
        h = self.history
        ts = h.view("ts")
        orders = h.view("orders")
        # Orders in the last minute at each sample, from the cumulative count (a vectorised lookup).
        idx = ts.searchsorted(ts - 60.0, side="right") - 1
        orders_1m = orders - orders[idx.clip(0)] * (idx >= 0)
        latest = self.latest
        now = latest.ts if latest is not None else time.time()
        start = self.tracker.started_at or (float(ts[0]) if len(ts) else now)
        label = self.tracker.product_label
        windows = [(w.start, now if w.end is None else w.end, short_label(label(w.product_id)))
                   for w in self.tracker.windows]
        marks = [(m.ts, m.label, m.kind) for m in self.tracker.marks]
        return {"ts": ts, "online": h.view("online"), "comments_1m": h.view("comments_1m"),
                "orders_1m": orders_1m, "gmv_fen": h.view("gmv_fen"), "now": now, "start": start,
                "windows": windows, "marks": marks}

    def refresh_charts(self) -> bool:
        """Give the on-screen charts their data and draw them; hidden charts are skipped entirely."""
        shown = [chart for chart in self.charts if chart.is_shown()]
        if not shown:
            return False
        data = self.chart_inputs()
        for chart in shown:
            chart.set_data(data["ts"], [data[s.field] for s in chart.series],  # type: ignore[arg-type,misc]
                           now=data["now"], start=data["start"], window_s=self.window_s,  # type: ignore[arg-type]
                           windows=data["windows"], marks=data["marks"])  # type: ignore[arg-type]
            chart.refresh()
        return True

    def refresh_product_table(self, *, force: bool = False) -> bool:
        """Give the per-product table the tracker's numbers: at most once a second (unless ``force``) and
        only while the table is on screen. Returns whether it refreshed."""
        table = self.product_table
        if not (table.isVisible() and not table.visibleRegion().isEmpty()):
            return False
        at = time.monotonic()
        if not force and at - self._product_table_at < PRODUCT_TABLE_EVERY_S:
            return False
        self._product_table_at = at
        now = self.latest.ts if self.latest is not None else None
        self.product_model.set_stats(self.tracker.product_stats(now, every_product=True))
        return True

    def _refresh_product(self, now: float) -> None:
        pid = self.tracker.explaining
        if pid is None:
            text = tr("当前没有讲解中的商品")
        else:
            stats = next((s for s in self.tracker.product_stats(now) if s.product_id == pid), None)
            if stats is None:
                return
            text = tr(
                "讲解中 {product} · 讲解 {time} · 点击 {clicks} 次/{clickers} 人 · "
                "成交 {orders} 单/{buyers} 人 {gmv} · 转化 {conversion} · 想要 {intent} · 点名 {mentions}",
                product=self.tracker.product_label(pid), time=format_clock(stats.explain_seconds),
                clicks=stats.window_clicks, clickers=stats.window_clickers, orders=stats.window_orders,
                buyers=stats.window_buyers, gmv=format_fen(stats.window_gmv_fen),
                conversion=stats.conversion.percent(), intent=stats.intent_comments, mentions=stats.mentions,
            )
        if self.product_line.text() != text:
            self.product_line.setText(text)

    def stop(self) -> None:
        """Stop drawing and listening (the window is closing)."""
        self._timer.stop()
        self._alert_timer.stop()
        if not self._stopped:
            self._stopped = True
            self._unsubscribe_snapshots()
            self._unsubscribe_alerts()
