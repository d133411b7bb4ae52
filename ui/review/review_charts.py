"""The review's charts: the whole-show timeline (drawn once, clickable) and the keyword bar chart.

Unlike the live charts in ui/common/charts.py these draw a finished show, so nothing is blitted: the figure is
drawn once from the API's per-minute aggregates (a 3-hour show is ~180 points whatever its event count);
a click moves one cursor line and redraws. Fonts, colours and the CJK fallback come from
:func:`ui.common.charts.configure_matplotlib`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.backend_bases import MouseEvent
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator
from PySide6.QtCore import Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.core.i18n import tr
from ui.common.charts import MARK_COLORS, configure_matplotlib, short_label
from ui.common.theme import COLORS

#: Marker kinds the review API may report, mapped onto the live charts' colours.
MARK_KIND_COLORS = {**MARK_COLORS, "flash_sale_end": COLORS["red"], "coupon_drop": COLORS["green"],
                    "lucky_bag": COLORS["accent_soft"], "highlight": COLORS["question"]}


def _minutes(value: float, _pos: object) -> str:
    return tr("{m}分", m=f"{value:g}")


class ReviewTimeline(FigureCanvasQTAgg):
    """Online viewers, comments per minute, and orders with cumulative GMV, over the whole show; each
    product's explain windows shaded and labelled (序号 + name), flash sales, coupons and alerts marked.

    Click a moment: :attr:`moment_clicked` carries its wall-clock ``ts``.
    """

    moment_clicked = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        configure_matplotlib()
        self.figure = Figure(figsize=(8, 5), dpi=100)
        super().__init__(self.figure)
        self.setParent(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(300)
        axes = self.figure.subplots(3, 1, sharex=True, gridspec_kw={"height_ratios": [1.2, 1, 1],
                                                                     "hspace": 0.12})
        self.ax_online, self.ax_comments, self.ax_sales = axes
        self.ax_gmv = self.ax_sales.twinx()
        self.start = 0.0
        self.end = 60.0
        self.draws = 0
        self._cursors: list[Any] = []
        self.mpl_connect("button_press_event", self._on_press)
        self.mpl_connect("draw_event", self._on_draw)

    def _on_draw(self, _event: object) -> None:
        self.draws += 1

    def resizeEvent(self, event: QResizeEvent) -> None:
        # Fixed pixel margins: tick labels and window labels must not clip at any width.
        w, h = max(event.size().width(), 100), max(event.size().height(), 100)
        self.figure.subplots_adjust(left=52 / w, right=1 - 58 / w, top=1 - 36 / h, bottom=26 / h)
        super().resizeEvent(event)

    # -- data ----------------------------------------------------------------------------------------
    def set_data(
        self,
        points: Sequence[Any],
        *,
        start: float,
        end: float,
        windows: Sequence[Any] = (),
        markers: Sequence[Any] = (),
    ) -> None:
        """Draw the show: ``points`` are TimelinePoint (ts, online, comments, orders, gmv_fen,
        cumulative_gmv_fen), ``windows`` ExplainWindow (no, product_id, name, start_ts, end_ts),
        ``markers`` Marker (ts, kind, label). Called once per session."""
        self.start, self.end = start, max(end, start + 60.0)
        n = len(points)
        ts = np.fromiter((p.ts for p in points), float, n)
        x = (ts - start) / 60.0
        online = np.fromiter((p.online for p in points), float, n)
        comments = np.fromiter((p.comments for p in points), float, n)
        orders = np.fromiter((p.orders for p in points), float, n)
        gmv = np.fromiter((p.cumulative_gmv_fen for p in points), float, n) / 100.0
        span = (self.end - start) / 60.0
        width = float(np.median(np.diff(x))) * 0.85 if n > 1 else 0.85

        for ax in (self.ax_online, self.ax_comments, self.ax_sales, self.ax_gmv):
            ax.clear()
        self._cursors = []
        # A marker when there is a single bucket (a short show): a one-point line would draw nothing.
        marker = "o" if n == 1 else None
        self.ax_online.plot(x, online, color=COLORS["accent"], linewidth=1.5, marker=marker)
        self.ax_online.fill_between(x, online, color=COLORS["accent"], alpha=0.12, linewidth=0)
        self.ax_comments.bar(x, comments, width=width, align="edge", color=COLORS["question"], linewidth=0)
        self.ax_sales.bar(x, orders, width=width, align="edge", color=COLORS["green"], linewidth=0)
        self.ax_gmv.plot(x, gmv, color=COLORS["gold"], linewidth=1.6, marker=marker)
        titles = ((self.ax_online, tr("在线人数")), (self.ax_comments, tr("评论/分钟")),
                  (self.ax_sales, tr("订单/分钟 · 累计成交（元）")))
        for ax, title in titles:
            # Inside the plot, top left, on a backing box: above the axes the window labels need the room.
            ax.text(0.004, 0.96, title, transform=ax.transAxes, fontsize=9, color=COLORS["text"],
                    va="top", ha="left", zorder=5,
                    bbox={"boxstyle": "round,pad=0.2", "facecolor": "#15151a", "edgecolor": "none",
                          "alpha": 0.85})
            ax.grid(True, axis="y")
            ax.set_ylim(bottom=0)
            ax.yaxis.set_major_locator(MaxNLocator(4, integer=True))
            ax.tick_params(labelsize=8, length=2)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
        self.ax_gmv.set_ylim(bottom=0)
        self.ax_gmv.yaxis.set_major_locator(MaxNLocator(4))
        self.ax_gmv.tick_params(labelsize=8, length=2, colors=COLORS["gold"])
        for side in ("top", "left", "bottom"):
            self.ax_gmv.spines[side].set_visible(False)
        self.ax_sales.set_xlim(0, span)
        self.ax_sales.xaxis.set_major_locator(MaxNLocator(10, integer=True))
        self.ax_sales.xaxis.set_major_formatter(FuncFormatter(_minutes))

        # Explain windows: shaded on every row (alternating, so back-to-back windows stay two), labelled
        # on the top row at two heights, so neighbours do not overlap.
        top_transform = self.ax_online.get_xaxis_transform()
        for i, w in enumerate(windows):
            a = (w.start_ts - start) / 60.0
            b = ((w.end_ts if w.end_ts is not None else self.end) - start) / 60.0
            alpha = 0.13 if i % 2 == 0 else 0.24
            for ax in (self.ax_online, self.ax_comments, self.ax_sales):
                ax.axvspan(a, b, color=COLORS["gold"], alpha=alpha, linewidth=0)
            label = short_label(tr("{no}号 {name}", no=w.no, name=w.name), 9)
            self.ax_online.text(a, 1.02 if i % 2 == 0 else 1.13, label, transform=top_transform,
                                fontsize=8, color=COLORS["gold"], va="bottom", ha="left", clip_on=False)
        # Flash sales, coupons, alerts: dashed lines through every row, labelled on the bottom row.
        bottom_transform = self.ax_sales.get_xaxis_transform()
        for m in markers:
            xm = (m.ts - start) / 60.0
            color = MARK_KIND_COLORS.get(m.kind, MARK_COLORS["event"])
            for ax in (self.ax_online, self.ax_comments, self.ax_sales):
                ax.axvline(xm, color=color, linewidth=1.0, linestyle="--")
            self.ax_sales.text(xm, 0.96, short_label(m.label, 8), transform=bottom_transform, fontsize=7,
                               color=color, va="top", ha="left", rotation=90, clip_on=True)
        for ax in (self.ax_online, self.ax_comments, self.ax_sales):
            self._cursors.append(ax.axvline(0, color=COLORS["text"], linewidth=1.2, visible=False))
        self.draw_idle()

    # -- clicking ------------------------------------------------------------------------------------
    def x_of(self, ts: float) -> float:
        """Minutes since the start for wall-clock ``ts`` (the x axis' unit)."""
        return (ts - self.start) / 60.0

    def show_cursor(self, ts: float) -> None:
        """Mark the moment ``ts`` with a vertical line through every row."""
        x = self.x_of(ts)
        for line in self._cursors:
            line.set_xdata([x, x])
            line.set_visible(True)
        self.draw_idle()

    def _on_press(self, event: MouseEvent) -> None:
        if event.inaxes is None or event.xdata is None or event.button != 1:
            return
        ts = self.start + float(event.xdata) * 60.0
        ts = min(max(ts, self.start), self.end)
        self.show_cursor(ts)
        self.moment_clicked.emit(ts)


class KeywordChart(FigureCanvasQTAgg):
    """Top keywords as horizontal bars, the most frequent on top."""

    def __init__(self, parent: QWidget | None = None) -> None:
        configure_matplotlib()
        self.figure = Figure(figsize=(5, 6), dpi=100)
        super().__init__(self.figure)
        self.setParent(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.ax = self.figure.add_subplot()
        self.words: list[tuple[str, int]] = []

    def resizeEvent(self, event: QResizeEvent) -> None:
        w, h = max(event.size().width(), 100), max(event.size().height(), 100)
        self.figure.subplots_adjust(left=90 / w, right=1 - 40 / w, top=1 - 12 / h, bottom=24 / h)
        super().resizeEvent(event)

    def set_words(self, words: Sequence[tuple[str, int]]) -> None:
        self.words = list(words)
        ax = self.ax
        ax.clear()
        shown = self.words[::-1]
        y = np.arange(len(shown))
        counts = [c for _, c in shown]
        ax.barh(y, counts, color=COLORS["accent"], height=0.7)
        ax.set_yticks(y, [w for w, _ in shown], fontsize=10)
        for yi, c in zip(y, counts, strict=True):
            ax.text(c, float(yi), f" {c:,}", va="center", fontsize=8, color=COLORS["text_dim"])
        ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
        ax.tick_params(labelsize=8, length=2)
        ax.grid(True, axis="x")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if not shown:
            ax.text(0.5, 0.5, tr("没有评论"), transform=ax.transAxes, ha="center", va="center",
                    color=COLORS["text_dim"])
        if counts:
            ax.set_xlim(0, max(counts) * 1.15)
        self.draw_idle()
