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
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator
from PySide6.QtCore import Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.core.i18n import tr
from app.review.timeline import marker_kind_name
from ui.common.charts import MARK_COLORS, configure_matplotlib, short_label
from ui.common.theme import COLORS

#: Marker kinds the review API may report, mapped onto the live charts' colours.
MARK_KIND_COLORS = {**MARK_COLORS, "flash_sale_start": COLORS["red"], "flash_sale_end": "#ff9896",
                    "coupon_drop": COLORS["green"],
                    "lucky_bag": COLORS["accent_soft"], "highlight": COLORS["question"]}
#: One colour per product's explain windows, in the order they were first explained.
PRODUCT_COLORS = ("#ffcc33", "#4da3ff", "#3ddc84", "#e07bd8", "#ff8a5c", "#56d1c3", "#b59cf2", "#d9d46a",
                  "#f29bb0", "#7ea8c9")


def marker_text(marker: Any) -> str:
    """A marker's label on the chart: its kind, and for a flash sale its product (short). The other kinds'
    stored texts are in the language the show ran in, so only their kind is shown."""
    kind = marker_kind_name(marker.kind)
    templates = {"flash_sale_start": tr("秒杀开始 {product}", product="\0"),
                 "flash_sale_end": tr("秒杀结束 {product}", product="\0")}
    prefix, _, suffix = templates.get(marker.kind, "").partition("\0")
    label = marker.label
    if prefix and label.startswith(prefix) and label.endswith(suffix) and len(label) > len(prefix) + len(suffix):
        return f"{kind} {short_label(label[len(prefix):len(label) - len(suffix)].strip(), 8)}"
    return kind


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
        self._marker_texts: list[Any] = []
        self._legend_handles: list[Any] = []
        self._legend: Any = None
        self._titles: dict[Any, Any] = {}
        self.mpl_connect("button_press_event", self._on_press)
        self.mpl_connect("draw_event", self._on_draw)

    def _on_draw(self, _event: object) -> None:
        self.draws += 1

    def draw(self) -> None:
        """Lay the legend and the marker labels out for the current size, then render."""
        self._layout(self.get_renderer())
        super().draw()

    def _layout(self, renderer: Any) -> None:
        fig_w, fig_h = self.figure.bbox.width, self.figure.bbox.height
        if self._legend is not None:
            self._legend.remove()
            self._legend = None
        top_px = 8.0
        if self._legend_handles:
            # As many columns as fit the width: the legend never runs off the figure.
            for ncol in range(len(self._legend_handles), 0, -1):
                legend = self.figure.legend(handles=self._legend_handles, loc="upper left", ncol=ncol,
                                            bbox_to_anchor=(0.0, 1.0), fontsize=8, frameon=False,
                                            handlelength=1.6, columnspacing=1.2, borderaxespad=0.2)
                box = legend.get_window_extent(renderer)
                if box.width <= fig_w - 4 or ncol == 1:
                    break
                legend.remove()
            self._legend = legend
            top_px = box.height + 4
        self.figure.subplots_adjust(top=1 - min(top_px, fig_h * 0.4) / fig_h)
        self._stack_marker_labels(renderer)

    def _stack_marker_labels(self, renderer: Any) -> None:
        """Each label in the first row (from the top of the bottom chart, under its title) where it does not
        touch the label before it; a label that fits no row is hidden (its line and the legend stay)."""
        ax = self.ax_sales
        axes_box = ax.get_window_extent(renderer)
        line_h = 14.0 * self.figure.dpi / 100.0
        title = self._titles.get(ax)
        below_title = axes_box.y1 - title.get_window_extent(renderer).y0 + 3 if title is not None else 4.0
        rows = max(1, int((axes_box.height - below_title) // line_h))
        row_ends: list[float] = [-1e9] * rows
        for text in sorted(self._marker_texts, key=lambda t: t.get_position()[0]):
            text.set_visible(True)
            text.set_y(1.0)
            box = text.get_window_extent(renderer)
            row = next((r for r in range(rows) if box.x0 > row_ends[r] + 4), None)
            if row is None or box.x1 > self.figure.bbox.width:
                text.set_visible(False)
                continue
            row_ends[row] = box.x1
            text.set_y(1.0 - (below_title + row * line_h) / max(axes_box.height, 1.0))

    def marker_labels(self) -> list[Any]:
        """The marker labels on screen (for tests: their extents never overlap)."""
        return [t for t in self._marker_texts if t.get_visible()]

    def resizeEvent(self, event: QResizeEvent) -> None:
        # Fixed pixel margins: tick labels and window labels must not clip at any width.
        w, h = max(event.size().width(), 100), max(event.size().height(), 100)
        self.figure.subplots_adjust(left=52 / w, right=1 - 58 / w, bottom=26 / h)  # top: under the legend
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
        self._titles = {}
        # A marker when there is a single bucket (a short show): a one-point line would draw nothing.
        marker = "o" if n == 1 else None
        self.ax_online.plot(x, online, color=COLORS["accent"], linewidth=1.5, marker=marker)
        self.ax_online.fill_between(x, online, color=COLORS["accent"], alpha=0.12, linewidth=0)
        self.ax_comments.bar(x, comments, width=width, align="edge", color=COLORS["question"], linewidth=0)
        self.ax_sales.bar(x, orders, width=width, align="edge", color=COLORS["green"], linewidth=0)
        self.ax_gmv.plot(x, gmv, color=COLORS["gold"], linewidth=1.6, marker=marker)
        self._style_axes(span)
        self._draw_windows(windows, start)
        self._draw_markers(markers, start)
        self._legend = None
        for ax in (self.ax_online, self.ax_comments, self.ax_sales):
            self._cursors.append(ax.axvline(0, color=COLORS["text"], linewidth=1.2, visible=False))
        self.draw_idle()

    def _style_axes(self, span: float) -> None:
        """Titles inside each row, grids, ticks, and the x axis in minutes over ``span``."""
        titles = ((self.ax_online, tr("在线人数")), (self.ax_comments, tr("评论/分钟")),
                  (self.ax_sales, tr("订单/分钟 · 累计成交（元）")))
        for ax, title in titles:
            # Inside the plot, top left, on a backing box: above the axes the window labels need the room.
            self._titles[ax] = ax.text(0.004, 0.96, title, transform=ax.transAxes, fontsize=9,
                    color=COLORS["text"], va="top", ha="left", zorder=5,
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

    def _draw_windows(self, windows: Sequence[Any], start: float) -> None:
        # Explain windows: each product its own colour on every row, named in the legend above the chart.
        colors: dict[str, str] = {}
        self._legend_handles = []
        for w in windows:
            a = (w.start_ts - start) / 60.0
            b = ((w.end_ts if w.end_ts is not None else self.end) - start) / 60.0
            if w.product_id not in colors:
                colors[w.product_id] = PRODUCT_COLORS[len(colors) % len(PRODUCT_COLORS)]
                name = tr("{no}号 {name}", no=w.no, name=w.name) if w.no is not None else w.name
                self._legend_handles.append(Patch(color=colors[w.product_id], alpha=0.45,
                                                  label=short_label(name, 16)))
            for ax in (self.ax_online, self.ax_comments, self.ax_sales):
                ax.axvspan(a, b, color=colors[w.product_id], alpha=0.22, linewidth=0)

    def _draw_markers(self, markers: Sequence[Any], start: float) -> None:
        # Flash sales, coupons, alerts: dashed lines through every row, their kind in the legend, labelled
        # horizontally on the bottom row, in as many rows as they need not to overlap (see draw()).
        self._marker_texts = []
        kinds: list[str] = []
        bottom_transform = self.ax_sales.get_xaxis_transform()
        for m in markers:
            xm = (m.ts - start) / 60.0
            color = MARK_KIND_COLORS.get(m.kind, MARK_COLORS["event"])
            for ax in (self.ax_online, self.ax_comments, self.ax_sales):
                ax.axvline(xm, color=color, linewidth=1.0, linestyle="--")
            if m.kind not in kinds:
                kinds.append(m.kind)
            text = self.ax_sales.text(xm, 0.9, marker_text(m), transform=bottom_transform,
                                      fontsize=8, color=color, va="top", ha="left", zorder=6, clip_on=False,
                                      bbox={"boxstyle": "square,pad=0.1", "facecolor": "#15151a",
                                            "edgecolor": "none", "alpha": 0.8})
            self._marker_texts.append(text)
        self._legend_handles += [Line2D([], [], color=MARK_KIND_COLORS.get(k, MARK_COLORS["event"]),
                                        linestyle="--", linewidth=1.0, label=marker_kind_name(k)) for k in kinds]

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
    """The top keywords as horizontal bars, the most frequent on top: as many as fit the height at a
    readable row height (:data:`ROW_PX`), the left margin as wide as the longest word."""

    ROW_PX = 22
    MAX_WORDS = 20

    def __init__(self, parent: QWidget | None = None) -> None:
        configure_matplotlib()
        self.figure = Figure(figsize=(5, 6), dpi=100)
        super().__init__(self.figure)
        self.setParent(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.ax = self.figure.add_subplot()
        self.words: list[tuple[str, int]] = []
        self.shown: list[tuple[str, int]] = []
        self._values: list[Any] = []
        self._title: Any = None

    def set_words(self, words: Sequence[tuple[str, int]]) -> None:
        self.words = list(words)
        self.shown = []
        self.draw_idle()

    def draw(self) -> None:
        """Pick how many words fit the current height, size the margins to the labels, then render."""
        self._layout(self.get_renderer())
        super().draw()

    def _fit_count(self) -> int:
        usable = self.figure.bbox.height - 56 * self.figure.dpi / 100
        return max(1, min(len(self.words), self.MAX_WORDS, int(usable // (self.ROW_PX * self.figure.dpi / 100))))

    def _layout(self, renderer: Any) -> None:
        n = self._fit_count() if self.words else 0
        if n != len(self.shown) or not self.words:
            self._plot(self.words[:n])
        w, h = self.figure.bbox.width, self.figure.bbox.height
        labels = [t for t in self.ax.get_yticklabels() if t.get_text()]
        left = max((t.get_window_extent(renderer).width for t in labels), default=0.0) + 12
        value_w = max((t.get_window_extent(renderer).width for t in self._values), default=0.0) + 8
        self.figure.subplots_adjust(left=min(left, w * 0.5) / w, right=1 - 16 / w, top=1 - 30 / h,
                                    bottom=28 / h)
        counts = [c for _, c in self.shown]
        if counts:
            # Room right of the longest bar for its count.
            axes_w = max(self.ax.get_window_extent(renderer).width, 1.0)
            self.ax.set_xlim(0, max(counts) * axes_w / max(axes_w - value_w, axes_w * 0.4))

    def _plot(self, shown: list[tuple[str, int]]) -> None:
        self.shown = shown
        ax = self.ax
        ax.clear()
        rows = shown[::-1]
        y = np.arange(len(rows))
        counts = [c for _, c in rows]
        ax.barh(y, counts, color=COLORS["accent"], height=0.7)
        ax.set_yticks(y, [w for w, _ in rows], fontsize=10)
        self._values = [ax.text(c, float(yi), f" {c:,}", va="center", fontsize=8, color=COLORS["text_dim"])
                        for yi, c in zip(y, counts, strict=True)]
        ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
        ax.tick_params(labelsize=8, length=2)
        ax.grid(True, axis="x")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if rows:
            ax.set_ylim(-0.6, len(rows) - 0.4)
            self._title = ax.set_title(tr("评论热词前 {n} 名（出现次数）", n=len(rows)), fontsize=10,
                                       color=COLORS["text"], loc="left")
        else:
            ax.text(0.5, 0.5, tr("没有评论"), transform=ax.transAxes, ha="center", va="center",
                    color=COLORS["text_dim"])

    def label_artists(self) -> list[Any]:
        """The word labels and the counts on screen (for tests: their extents never overlap)."""
        return [t for t in self.ax.get_yticklabels() if t.get_text()] + self._values
