"""Compare two or more sessions side by side: KPIs and per-product results, one column per session, the
better value of each row highlighted (app.review.compare)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.i18n import tr
from app.core.units import format_clock, format_count, format_fen
from app.review.compare import Comparison, compare
from app.review.products import ProductResult
from app.review.summary import Summary
from ui.common.theme import COLORS, ui_font
from ui.review.session_labels import format_date

_Index = QModelIndex | QPersistentModelIndex
BEST_BACKGROUND = "#1d3a2a"  # a dark green the theme's text stays readable on


def _count(v: float) -> str:
    return format_count(round(v))


def _money(v: float) -> str:
    return format_fen(round(v))


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


@dataclass(frozen=True, slots=True)
class Measure:
    """One compared number: its caption, how to read it, how to show it, and which way is better."""

    caption: str
    value: Callable[[Any], float | None]
    text: Callable[[float], str]
    higher_is_better: bool = True


def kpi_measures() -> list[Measure]:
    return [
        Measure(tr("场次时长"), lambda s: s.duration_s, format_clock),
        Measure(tr("最高在线"), lambda s: s.peak_online, _count),
        Measure(tr("平均在线"), lambda s: s.average_online, _count),
        Measure(tr("观看人数"), lambda s: s.viewers_uv, _count),
        Measure(tr("评论"), lambda s: s.comments, _count),
        Measure(tr("互动率"), lambda s: s.interaction_rate.value, _pct),
        Measure(tr("涨粉"), lambda s: s.follows, _count),
        Measure(tr("商品点击"), lambda s: s.clicks, _count),
        Measure(tr("订单"), lambda s: s.orders, _count),
        Measure(tr("成交人数"), lambda s: s.buyers, _count),
        Measure(tr("成交金额"), lambda s: s.gmv_fen, _money),
        Measure(tr("客单价"), lambda s: s.aov_fen.value, _money),
        Measure(tr("观看→成交"), lambda s: s.watch_to_buy.value, _pct),
        Measure(tr("点击→成交"), lambda s: s.click_to_buy.value, _pct),
        Measure(tr("UV价值"), lambda s: s.uv_value_fen.value, _money),
        Measure(tr("提问"), lambda s: s.questions, _count),
    ]


def product_measures() -> list[Measure]:
    return [
        Measure(tr("成交金额"), lambda p: p.gmv_fen, _money),
        Measure(tr("订单"), lambda p: p.orders, _count),
        Measure(tr("成交人数"), lambda p: p.buyers, _count),
        Measure(tr("点击"), lambda p: p.clicks, _count),
        Measure(tr("讲解时长"), lambda p: p.explain_s, format_clock),
        Measure(tr("讲解转化"), lambda p: p.conversion.value, _pct),
        Measure(tr("想要"), lambda p: p.intent_comments, _count),
        Measure(tr("提问"), lambda p: p.questions, _count),
    ]


class SideBySideModel(QAbstractTableModel):
    """Rows of values, one column per session after the row's label; the best value of a row is
    highlighted (only when at least two sessions have a value and they differ)."""

    def __init__(self, headers: Sequence[str], parent: Any = None) -> None:
        super().__init__(parent)
        self.headers = list(headers)
        self._rows: list[tuple[str, list[float | None], Callable[[float], str], bool]] = []
        self._bold = QFont()
        self._bold.setBold(True)

    def set_rows(self, rows: Sequence[tuple[str, list[float | None], Callable[[float], str], bool]]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def best_column(self, row: int) -> int | None:
        """The session column (1-based, as in the model) holding the row's better value, if any."""
        _label, values, _text, higher = self._rows[row]
        present = [(v, i) for i, v in enumerate(values) if v is not None]
        if len(present) < 2 or len({v for v, _ in present}) == 1:
            return None
        best = max(present) if higher else min(present)
        return best[1] + 1

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers) + 1

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return "" if section == 0 else self.headers[section - 1] if section <= len(self.headers) else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        label, values, text, _higher = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return label
            value = values[column - 1]
            return "—" if value is None else text(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignLeft if column == 0 else Qt.AlignmentFlag.AlignRight
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        best = column > 0 and self.best_column(index.row()) == column
        if role == Qt.ItemDataRole.BackgroundRole and best:
            return QBrush(QColor(BEST_BACKGROUND))
        if role == Qt.ItemDataRole.ForegroundRole:
            if best:
                return QColor(COLORS["green"])
            if column == 0:
                return QColor(COLORS["text_dim"])
        if role == Qt.ItemDataRole.FontRole and best:
            return self._bold
        return None


def _table(model: QAbstractTableModel, parent: QWidget) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(26)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
    return view


class CompareWindow(QWidget):
    """Sessions side by side.

    Args:
        path: the session log.
        session_ids: two or more sessions, shown in this order.
    """

    def __init__(self, path: str | os.PathLike[str], session_ids: Sequence[int],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setObjectName("compareWindow")
        self.path = Path(path)
        self.comparison: Comparison = compare(self.path, list(session_ids))
        sessions = self.comparison.sessions
        self.setWindowTitle(tr("场次对比（{n} 场）", n=len(sessions)))
        self.resize(1100, 900)
        headers = [f"{s.title or tr('未命名')}\n{format_date(s.started_at)}" for s in sessions]

        self.kpis = SideBySideModel(headers, self)
        self.kpis.set_rows([(m.caption, [_number(m.value(s)) for s in sessions], m.text, m.higher_is_better)
                            for m in kpi_measures()])
        self.kpi_view = _table(self.kpis, self)
        self.kpi_view.horizontalHeader().setMinimumHeight(44)
        # Every KPI visible without scrolling; the product table takes the rest.
        self.kpi_view.setMinimumHeight(26 * self.kpis.rowCount() + 44 + 6)

        self.measures = product_measures()
        self.measure_box = QComboBox(self)
        for m in self.measures:
            self.measure_box.addItem(m.caption)
        self.measure_box.currentIndexChanged.connect(self.show_products)
        self.products = SideBySideModel(headers, self)
        self.product_view = _table(self.products, self)
        self.product_view.horizontalHeader().setMinimumHeight(44)

        title = QLabel(tr("核心指标"), self)
        title.setFont(ui_font(14, bold=True))
        products_title = QLabel(tr("分商品"), self)
        products_title.setFont(ui_font(14, bold=True))
        bar = QHBoxLayout()
        bar.addWidget(products_title)
        bar.addStretch(1)
        bar.addWidget(QLabel(tr("比较"), self))
        bar.addWidget(self.measure_box)
        note = QLabel(tr("绿色：该行较好的一场"), self)
        note.setStyleSheet(f"color: {COLORS['text_dim']};")
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.kpi_view, 3)
        layout.addLayout(bar)
        layout.addWidget(self.product_view, 2)
        layout.addWidget(note)
        self.show_products(0)

    def show_products(self, index: int) -> None:
        """Per-product rows for the measure at ``index`` of the selector."""
        m = self.measures[index]
        rows = []
        for product in self.comparison.products:
            values = [None if r is None else _number(m.value(r)) for r in product.results]
            no = next((r.no for r in product.results if r is not None and r.no is not None), None)
            label = product.name if no is None else tr("{no}号 {name}", no=no, name=product.name)
            rows.append((label, values, m.text, m.higher_is_better))
        self.products.set_rows(rows)

    def product_values(self, name: str) -> list[ProductResult | None]:
        product = next(p for p in self.comparison.products if p.name == name)
        return list(product.results)

    def summaries(self) -> list[Summary]:
        return list(self.comparison.sessions)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)
