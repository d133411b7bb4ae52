"""Live time charts that cost almost nothing: matplotlib embedded in Qt, blitted.

The habits of matplotlib's ``animations/blitting.py`` and ``embedding_in_qt_sgskip.py``:

* every artist is created once (lines, a pool of window shadings and labels, a pool of mark lines) and
  only its data changes; all of them are ``animated`` so a full draw paints just the static background
  (axes, ticks, grid, titles);
* the background is captured on ``draw_event``; a refresh restores it, draws the animated artists and
  blits — a few milliseconds. A full draw happens only when the background changes (resize, y range
  or x range step, the window selector);
* in the 5/15/60-minute views the x axis is *relative* ("minutes before now"), so it does not scroll
  and the background stays valid while the data moves; the whole-show view grows its x range in steps;
* the data arrive through :class:`History` (numpy ring buffers, 1 Hz); the dashboard's one draw timer
  calls :meth:`TimeChart.refresh` at ≤ 2 Hz, and a hidden chart does not draw at all;
* ``flush_events()`` is never called: under qasync it would re-enter the event loop.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib.backend_bases import DrawEvent
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.core.fonts import matplotlib_font_rc
from app.core.i18n import tr
from ui.common.theme import COLORS, ui_font

#: Most points a line draws; longer views are decimated (a 400 px chart cannot show more anyway).
MAX_POINTS = 800
WINDOW_POOL = 16  # explain windows visible at once, at most
MARK_POOL = 24  # flash-sale / coupon / alert lines visible at once, at most
MARK_COLORS = {"flash_sale": COLORS["red"], "coupon": COLORS["green"], "alert": COLORS["amber"],
               "event": COLORS["text_dim"]}

_configured = False


def configure_matplotlib() -> None:
    """CJK-capable fonts and the dark theme for every figure; idempotent.

    matplotlib does not fall back to another font for missing glyphs unless the family list names one
    that has them: without a CJK family every Chinese label is a row of boxes. The families come from
    :func:`app.core.fonts.matplotlib_cjk_families`, which also finds fonts a stale font cache misses.
    """
    global _configured
    if _configured:
        return
    matplotlib.rcParams.update({
        **matplotlib_font_rc(),
        "font.size": 9,
        "figure.facecolor": COLORS["background"],
        "axes.facecolor": "#15151a",
        "axes.edgecolor": COLORS["border"],
        "axes.labelcolor": COLORS["text_dim"],
        "axes.titlecolor": COLORS["text"],
        "xtick.color": COLORS["text_dim"],
        "ytick.color": COLORS["text_dim"],
        "grid.color": COLORS["border"],
        "grid.linewidth": 0.6,
        "text.color": COLORS["text"],
    })
    _configured = True


class History:
    """Per-second samples of a few named series in numpy ring buffers (contiguous views, O(1) append).

    Storage is twice the capacity; when the end is reached the newest ``capacity`` samples move to the
    front (one copy per ``capacity`` appends), so every read is a plain slice.
    """

    def __init__(self, fields: Sequence[str], capacity: int = 8 * 3600) -> None:
        self.capacity = capacity
        self.fields = tuple(fields)
        self._data = {name: np.zeros(2 * capacity) for name in ("ts", *self.fields)}
        self._start = 0
        self._end = 0
        self.version = 0  # bumps on every append: a refresh with nothing new can skip

    def __len__(self) -> int:
        return self._end - self._start

    def clear(self) -> None:
        self._start = self._end = 0
        self.version += 1

    def append(self, ts: float, values: dict[str, float]) -> None:
        if self._end == 2 * self.capacity:
            keep = self.capacity - 1
            for arr in self._data.values():
                arr[:keep] = arr[self._end - keep : self._end]
            self._start, self._end = 0, keep
        elif self._end - self._start >= self.capacity:
            self._start += 1
        i = self._end
        self._data["ts"][i] = ts
        for name in self.fields:
            self._data[name][i] = values.get(name, 0.0)
        self._end += 1
        self.version += 1

    def view(self, name: str) -> np.ndarray:
        return self._data[name][self._start : self._end]

    def value_at(self, name: str, ts: float) -> float | None:
        """The last sample at or before ``ts``, None if there is none."""
        times = self.view("ts")
        i = int(np.searchsorted(times, ts, side="right")) - 1
        return None if i < 0 else float(self._data[name][self._start + i])


@dataclass(frozen=True, slots=True)
class Series:
    """One line of a chart: which history field, its label and colour, on the right axis or not."""

    field: str
    label: str
    color: str
    right: bool = False
    scale: float = 1.0  # GMV in fen is drawn in yuan


def _nice_ceiling(value: float) -> float:
    """The next 1/2/5 × 10^k at or above ``value`` (≥ 1)."""
    if value <= 1:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * exp >= value:
            return float(step * exp)
    return float(10 * exp)


class TimeChart(FigureCanvasQTAgg):
    """One live time chart (one or two y axes) with explain windows shaded and promotions marked.

    Feed it with :meth:`set_data` and draw with :meth:`refresh`; both are cheap.
    """

    def __init__(self, title: str, series: Sequence[Series], *, label_windows: bool = True,
                 parent: QWidget | None = None) -> None:
        configure_matplotlib()
        self.figure = Figure(figsize=(4.8, 1.8), dpi=100)
        super().__init__(self.figure)
        self.setParent(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(140)
        self.series = tuple(series)
        self.ax = self.figure.add_subplot()
        self.ax_right = self.ax.twinx() if any(s.right for s in series) else None
        ax = self.ax
        ax.set_title(title, loc="left", fontsize=10, pad=4)
        ax.grid(True, axis="y")
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_locator(MaxNLocator(4, integer=True))
        ax.xaxis.set_major_locator(MaxNLocator(6, integer=True))
        ax.xaxis.set_major_formatter(FuncFormatter(self._format_minutes))
        ax.tick_params(labelsize=8, length=2)
        if self.ax_right is not None:
            self.ax_right.set_ylim(0, 1)
            self.ax_right.yaxis.set_major_locator(MaxNLocator(4))
            self.ax_right.tick_params(labelsize=8, length=2)
            for side in ("top", "left", "bottom"):
                self.ax_right.spines[side].set_visible(False)
        for spine in ("top", "right"):
            ax.spines[spine].set_visible(False)
        self._lines: list[Line2D] = []
        for s in self.series:
            target = self.ax_right if s.right and self.ax_right is not None else ax
            (line,) = target.plot([], [], color=s.color, linewidth=1.6, label=s.label, animated=True)
            self._lines.append(line)
        if len(self.series) > 1:
            handles = self._lines
            leg = ax.legend(handles, [s.label for s in self.series], loc="upper right", fontsize=8,
                            frameon=False, ncols=len(self.series), bbox_to_anchor=(1.0, 1.18))
            for text, s in zip(leg.get_texts(), self.series, strict=True):
                text.set_color(s.color)
        trans = ax.get_xaxis_transform()  # x in data, y in axes fraction
        self._shades = [Rectangle((0, 0), 0, 1, transform=trans, facecolor=COLORS["gold"], alpha=0.13,
                                  linewidth=0, animated=True, visible=False) for _ in range(WINDOW_POOL)]
        self.label_windows = label_windows
        self._marks = [Line2D([0, 0], [0, 1], transform=trans, linewidth=1.2, linestyle="--",
                              animated=True, visible=False) for _ in range(MARK_POOL)]
        for artist in (*self._shades, *self._marks):
            ax.add_artist(artist)
        self._animated = [*self._shades, *self._marks, *self._lines]
        # Labels of windows and marks are painted by Qt over the blitted image (paintEvent): matplotlib's
        # text layout costs ~0.7 ms a label, Qt's a few microseconds. (x in data, y in axes fraction,
        # text, colour, anchored at the top or the bottom.)
        self._labels: list[tuple[float, float, str, str, bool]] = []
        self._label_font = ui_font(11)
        self._relative = True
        self._background: object | None = None
        self._needs_full_draw = True
        self.full_draws = 0
        self.blits = 0
        self.mpl_connect("draw_event", self._on_draw)

    # -- geometry --------------------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        # Fixed pixel margins: the tick labels must not clip at any dock width.
        w, h = max(event.size().width(), 50), max(event.size().height(), 50)
        right = 46 if self.ax_right is not None else 10
        self.figure.subplots_adjust(left=44 / w, right=1 - right / w, top=1 - 24 / h, bottom=20 / h)
        self._needs_full_draw = True
        super().resizeEvent(event)

    def _format_minutes(self, value: float, _pos: object) -> str:
        if self._relative and abs(value) < 1e-9:
            return tr("现在")
        return tr("{m}分", m=f"{value:g}")

    # -- data ---------------------------------------------------------------------------------------
    def set_data(
        self,
        ts: np.ndarray,
        ys: Sequence[np.ndarray],
        *,
        now: float,
        start: float,
        window_s: float | None,
        windows: Sequence[tuple[float, float, str]] = (),
        marks: Sequence[tuple[float, str, str]] = (),
    ) -> None:
        """Give the chart its data: wall-clock ``ts``, one array per series, explain ``windows``
        (start, end, label) and ``marks`` (ts, label, kind). ``window_s`` None shows the whole show."""
        relative = window_s is not None
        if relative != self._relative:
            self._relative = relative
            self._needs_full_draw = True
        if relative:
            assert window_s is not None
            origin, lo, hi = now, -window_s / 60.0, 0.0
            first = int(np.searchsorted(ts, now - window_s))
        else:
            origin, lo = start, 0.0
            span = max(now - start, 60.0) / 60.0
            hi = _nice_ceiling(span) if span > 10 else math.ceil(span / 5.0) * 5.0 or 5.0
            first = 0
        n = len(ts) - first
        stride = max(1, math.ceil(n / MAX_POINTS))
        sl = slice(first, None, stride)
        x = (ts[sl] - origin) / 60.0
        if stride > 1 and len(ts) and (len(ts) - 1 - first) % stride:
            x = np.append(x, (ts[-1] - origin) / 60.0)  # always end at the newest sample
        self._set_xlim(lo, hi)
        tops = {id(self.ax): 0.0, id(self.ax_right): 0.0}
        for line, s, y in zip(self._lines, self.series, ys, strict=True):
            yy = y[sl] * s.scale
            if len(yy) != len(x):
                yy = np.append(yy, y[-1] * s.scale)
            line.set_data(x, yy)
            axis = line.axes
            tops[id(axis)] = max(tops[id(axis)], float(yy.max()) if len(yy) else 0.0)
        self._fit_y(self.ax, tops[id(self.ax)])
        if self.ax_right is not None:
            self._fit_y(self.ax_right, tops[id(self.ax_right)])
        # Explain windows: reuse the pool; the newest visible ones win if there are too many.
        visible = [(max((a - origin) / 60.0, lo), min((b - origin) / 60.0, hi), label)
                   for a, b, label in windows if (b - origin) / 60.0 > lo and (a - origin) / 60.0 < hi]
        visible = visible[-WINDOW_POOL:]
        labels: list[tuple[float, float, str, str, bool]] = []
        for i, shade in enumerate(self._shades):
            if i < len(visible):
                a, b, label = visible[i]
                # Alternate the shade so that back-to-back windows stay two windows.
                shade.set_alpha(0.13 if i % 2 == 0 else 0.24)
                shade.set_x(a)
                shade.set_width(max(b - a, 0.0))
                shade.set_visible(True)
                if self.label_windows:
                    labels.append((a, 0.97, label, COLORS["gold"], True))
            else:
                shade.set_visible(False)
        shown = [((t - origin) / 60.0, label, kind) for t, label, kind in marks
                 if lo <= (t - origin) / 60.0 <= hi][-MARK_POOL:]
        for i, line in enumerate(self._marks):
            if i < len(shown):
                xm, label, kind = shown[i]
                color = MARK_COLORS.get(kind, MARK_COLORS["event"])
                line.set_xdata([xm, xm])
                line.set_color(color)
                line.set_visible(True)
                labels.append((xm, 0.03, label, color, False))
            else:
                line.set_visible(False)
        self._labels = labels

    def _set_xlim(self, lo: float, hi: float) -> None:
        if self.ax.get_xlim() != (lo, hi):
            self.ax.set_xlim(lo, hi)
            self._needs_full_draw = True

    def _fit_y(self, ax: object, top: float) -> None:
        # Hysteresis: a new y range (and so a full draw) only when the data leave the range or use less
        # than a third of it.
        current = ax.get_ylim()[1]  # type: ignore[attr-defined]
        if top > current or (top < current / 3 and current > 1):
            ax.set_ylim(0, _nice_ceiling(top * 1.2))  # type: ignore[attr-defined]
            self._needs_full_draw = True

    # -- drawing ------------------------------------------------------------------------------------
    def is_shown(self) -> bool:
        """Visible on screen: not hidden, not in a closed or tabbed-away dock, not scrolled away."""
        return self.isVisible() and not self.visibleRegion().isEmpty()

    def refresh(self) -> bool:
        """Draw the current data: blit if the background holds, else one full draw. Returns whether it
        drew (a hidden chart does not)."""
        if not self.is_shown():
            return False
        if self._needs_full_draw or self._background is None:
            self._needs_full_draw = False
            self.draw()  # draw_event → _on_draw captures the background and blits the artists
            return True
        self.restore_region(self._background)
        self._draw_animated()
        self.blit(self.figure.bbox)
        self.blits += 1
        return True

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._labels:
            return
        ratio = self.device_pixel_ratio or 1.0
        height = self.height()
        box = self.ax.bbox  # display pixels, origin bottom-left
        clip = QRectF(box.x0 / ratio, height - box.y1 / ratio, box.width / ratio, box.height / ratio)
        to_display = self.ax.get_xaxis_transform().transform
        painter = QPainter(self)
        painter.setClipRect(clip)
        painter.setFont(self._label_font)
        metrics = painter.fontMetrics()
        for x, y, text, color, top in self._labels:
            px, py = to_display((x, y))
            qx, qy = px / ratio + 3, height - py / ratio
            qy = qy + metrics.ascent() if top else qy - metrics.descent()
            painter.setPen(QColor(color))
            painter.drawText(QPointF(qx, qy), text)
        painter.end()

    def _on_draw(self, _event: DrawEvent | None) -> None:
        self.full_draws += 1
        self._background = self.copy_from_bbox(self.figure.bbox)
        # Into the Agg buffer only: Qt paints it next (blitting here could repaint inside a paintEvent).
        self._draw_animated()

    def _draw_animated(self) -> None:
        figure = self.figure
        for artist in self._animated:
            if artist.get_visible():
                figure.draw_artist(artist)


def short_label(label: str, limit: int = 10) -> str:
    """A chart label short enough for a narrow window: ``"1号 春秋款宽松纯棉…"``."""
    return label if len(label) <= limit else label[: limit - 1] + "…"
