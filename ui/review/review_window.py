"""The review (复盘) of one session: KPIs, the clickable timeline with the comments around a moment,
per-product results, questions (answered or not), keywords, highlight moments, promotions; report
export and shop-order import.

Opening is cheap whatever the size of the log: everything comes from app.review.results's SQL aggregates (a
timeline point per minute, a row per product); the charts are drawn once; comment lists are paged
models. Questions, keywords (jieba), highlights and promotions are read the first time their tab is
shown.
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.i18n import tr
from app.core.units import format_clock, format_count, format_fen, format_fen_or_dash
from app.review.explain_windows import ExplainWindow
from app.review.highlights import Highlight, no_highlight_reason, rule_text
from app.review.log_access import ReviewError
from app.review.products import ProductResult
from app.review.questions import Question
from app.review.results import Review
from app.review.shop_orders import OrderImport, import_shop_orders
from app.review.summary import Summary
from ui.common.theme import COLORS, ui_font
from ui.common.tiles import DashTile, TileSpec
from ui.review.report_saving import save_report
from ui.review.review_charts import KeywordChart, ReviewTimeline
from ui.review.review_models import Column, PagedTableModel, RecordTableModel
from ui.review.session_labels import file_stem, format_date, platform_text, status_text

log = logging.getLogger("livedeck.ui.review")

COMMENTS_WINDOW_S = 30.0  # the comments ± this many seconds around a clicked moment
PAGE = 200


def _no(no: int | None) -> str:
    return "—" if no is None else tr("{no}号", no=no)


def kpi_specs() -> list[tuple[str, str, Callable[[Summary], str], str]]:
    """(key, caption, text, definition) of the summary strip, in screen order (docs/metrics.md)."""
    return [
        ("duration", tr("场次时长"), lambda s: format_clock(s.duration_s), tr("开播到下播")),
        ("peak", tr("最高在线"), lambda s: format_count(s.peak_online), tr("本场在线人数最高值 PCU（人）")),
        ("avg", tr("平均在线"),
         lambda s: "—" if s.average_online is None else format_count(round(s.average_online)),
         tr("按时间加权的平均在线人数（人）")),
        ("uv", tr("观看人数"), lambda s: format_count(s.viewers_uv),
         tr("本场出现过的不同观众：进房、评论、点赞、点击、"
            "下单、领券等任一行为都算（人，UV）")),
        ("comments", tr("评论"), lambda s: format_count(s.comments), tr("评论数（次）")),
        ("interaction", tr("互动率"), lambda s: s.interaction_rate.percent(), tr("互动人数 ÷ 观看人数")),
        ("follows", tr("涨粉"), lambda s: format_count(s.follows), tr("新关注的不同观众（人）")),
        ("clicks", tr("商品点击"), lambda s: format_count(s.clicks), tr("商品点击次数（次）")),
        ("orders", tr("订单"), lambda s: format_count(s.orders), tr("订单数（笔）")),
        ("buyers", tr("成交人数"), lambda s: format_count(s.buyers), tr("下单的不同观众（人）")),
        ("gmv", tr("成交金额"), lambda s: format_fen(s.gmv_fen), tr("订单实付金额之和 GMV")),
        ("aov", tr("客单价"), lambda s: format_fen_or_dash(s.aov_fen.value), tr("成交金额 ÷ 订单数")),
        ("watch_buy", tr("观看→成交"), lambda s: s.watch_to_buy.percent(), tr("成交人数 ÷ 观看人数")),
        ("uv_value", tr("UV价值"), lambda s: format_fen_or_dash(s.uv_value_fen.value), tr("成交金额 ÷ 观看人数")),
        ("questions", tr("提问"), lambda s: format_count(s.questions), tr("识别为提问的评论（条）")),
    ]


class SummaryStrip(QWidget):
    """The session's KPIs as the dashboard's tiles (same look), two rows."""

    COLUMNS = 8

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(6)
        self.tiles: dict[str, DashTile] = {}
        self._texts: dict[str, Callable[[Summary], str]] = {}
        for i, (key, caption, text, tip) in enumerate(kpi_specs()):
            spec = TileSpec(key, caption, lambda _s: None, lambda _s: "—", str, tip)
            tile = DashTile(spec, self)
            tile.delta.hide()
            self.tiles[key] = tile
            self._texts[key] = text
            grid.addWidget(tile, i // self.COLUMNS, i % self.COLUMNS)

    def set_summary(self, summary: Summary) -> None:
        for key, tile in self.tiles.items():
            tile.value.setText(self._texts[key](summary))

    def text(self, key: str) -> str:
        return self.tiles[key].value.text()


def _windows_text(windows: list[ExplainWindow], start: float) -> str:
    return ", ".join(f"{format_clock(w.start_ts - start)}–{format_clock(w.end_ts - start)}" for w in windows)


def product_columns(windows: dict[str, list[ExplainWindow]], start: float) -> list[Column]:
    return [
        Column(tr("序号"), lambda p: p.no, numeric=True),
        Column(tr("商品"), lambda p: p.name),
        Column(tr("讲解时长"), lambda p: p.explain_s, format_clock, numeric=True),
        Column(tr("讲解时段"), lambda p: _windows_text(windows.get(p.product_id, []), start),
               tip=tr("每次讲解的开始–结束（开播后）")),
        Column(tr("点击"), lambda p: p.clicks, format_count, numeric=True, tip=tr("商品点击次数（次）")),
        Column(tr("订单"), lambda p: p.orders, format_count, numeric=True),
        Column(tr("成交人数"), lambda p: p.buyers, format_count, numeric=True),
        Column(tr("成交金额"), lambda p: p.gmv_fen, format_fen, numeric=True),
        Column(tr("讲解转化"), lambda p: p.conversion.value, lambda v: f"{v * 100:.1f}%", numeric=True,
               tip=tr("讲解时段内：点过该商品的成交人数 ÷ 点击人数")),
        Column(tr("想要"), lambda p: p.intent_comments, format_count, numeric=True,
               tip=tr("讲解时的购买意向评论（扣1、想要…）")),
        Column(tr("提问"), lambda p: p.questions, format_count, numeric=True),
        Column(tr("店铺订单"), lambda p: p.shop_orders, format_count, numeric=True,
               tip=tr("导入的店铺后台订单")),
    ]


def question_columns(start: float) -> list[Column]:
    return [
        Column(tr("时间"), lambda q: q.ts - start, format_clock, numeric=True),
        Column(tr("观众"), lambda q: q.user_name),
        Column(tr("问题"), lambda q: q.text),
        Column(tr("商品"), lambda q: q.product_no, _no),
        Column(tr("已回答"), lambda q: "✓" if q.answered else tr("已屏蔽") if q.blocked else "✗",
               color=lambda q: "green" if q.answered else "text_dim" if q.blocked else "red",
               tip=tr("已屏蔽：提问的观众在本场被屏蔽，不算未回答")),
        Column(tr("回答方式"), lambda q: q.answered_how, lambda h: {
            "pinned": tr("置顶"), "replied": tr("回复"), "explained": tr("讲解")}.get(h, h or "")),
    ]


def comment_columns(start: float, blocked: Mapping[str, str] | None = None) -> list[Column]:
    """The comments beside the timeline; a viewer ``blocked`` in the show reads "name（已屏蔽）", dimmed."""
    shut = blocked or {}
    return [
        Column(tr("时间"), lambda e: e.ts - start, format_clock, numeric=True),
        Column(tr("观众"), lambda e: e.user_name + (tr("（已屏蔽）") if e.user_id in shut else ""),
               color=lambda e: "text_dim" if e.user_id in shut else "user"),
        Column(tr("评论"), lambda e: e.text),
    ]


def highlight_columns(start: float) -> list[Column]:
    return [
        Column(tr("时间"), lambda h: h.ts - start, format_clock, numeric=True),
        Column(tr("10秒评论"), lambda h: h.comments, format_count, numeric=True),
        Column(tr("倍数"), lambda h: h.comments / h.baseline if h.baseline else None,
               lambda v: f"×{v:.1f}", numeric=True, tip=tr("相对平时每 10 秒评论数")),
        Column(tr("评论摘录"), lambda h: " / ".join(h.samples[:3])),
    ]


def flash_sale_columns() -> list[Column]:
    return [
        Column(tr("商品"), lambda s: f"{_no(s.no)} {s.name}"),
        Column(tr("秒杀价"), lambda s: s.price_fen, format_fen, numeric=True),
        Column(tr("库存"), lambda s: s.stock, format_count, numeric=True),
        Column(tr("已售"), lambda s: s.sold, format_count, numeric=True),
        Column(tr("售罄率"), lambda s: s.sell_through.value, lambda v: f"{v * 100:.1f}%", numeric=True),
        Column(tr("结束原因"), lambda s: s.end_reason_text),
    ]


def coupon_columns() -> list[Column]:
    return [
        Column(tr("优惠券"), lambda c: c.label or c.coupon_id),
        Column(tr("数量"), lambda c: c.quantity, format_count, numeric=True),
        Column(tr("领取次数"), lambda c: c.claimed, format_count, numeric=True),
        Column(tr("领取人数"), lambda c: c.claimers, format_count, numeric=True),
        Column(tr("领取率"), lambda c: c.claim_rate.value, lambda v: f"{v * 100:.1f}%", numeric=True),
    ]


def lucky_bag_columns() -> list[Column]:
    return [
        Column(tr("福袋条件"), lambda b: b.condition),
        Column(tr("参与人数"), lambda b: b.participants, format_count, numeric=True),
        Column(tr("中奖"), lambda b: "、".join(b.winners)),
        Column(tr("状态"), lambda b: b.status_text),
    ]


def error_columns() -> list[Column]:
    return [
        Column(tr("行"), lambda e: e.row, numeric=True),
        Column(tr("列"), lambda e: e.column),
        Column(tr("原因"), lambda e: e.reason, color=lambda _e: "red"),
    ]


def make_table(model: RecordTableModel, parent: QWidget, *, sortable: bool = True,
               stretch: int | None = None) -> QTableView:
    """A table view in the review's style over ``model``."""
    view = QTableView(parent)
    view.setModel(model)
    view.setSortingEnabled(sortable)
    if sortable:
        view.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # the source's order until the user sorts
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(26)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setDefaultSectionSize(90)
    for column in range(header.count()):  # never cut a header ("Explain windo…"): at least its text
        header.resizeSection(column, max(90, header.sectionSizeHint(column)))
    if stretch is not None:
        header.setStretchLastSection(False)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    else:
        header.setStretchLastSection(True)
    return view


class ReviewWindow(QWidget):
    """The 复盘 window of one session.

    Args:
        path: the session log.
        session_id: the session.

    Raises:
        app.review.log_access.ReviewError: the log or the session does not exist.
    """

    def __init__(self, path: str | os.PathLike[str], session_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setObjectName("reviewWindow")
        self.path = Path(path)
        self.session_id = session_id
        self.review = Review(self.path, session_id)
        self.summary = self.review.summary()
        self.start = self.summary.started_at
        self.setWindowTitle(tr("复盘 — {title}", title=self.summary.title or tr("未命名")))
        self.resize(1480, 960)
        self._loaded: set[int] = set()
        self.last_import: OrderImport | None = None
        self.import_dialog: QDialog | None = None

        top = self._make_heading()
        self.kpis = SummaryStrip(self)
        self.kpis.set_summary(self.summary)

        upper = self._make_timeline()
        self._make_tabs()

        lower = QSplitter(Qt.Orientation.Vertical, self)
        lower.addWidget(upper)
        lower.addWidget(self.tabs)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        lower.setSizes([520, 300])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 10)
        layout.addLayout(top)
        layout.addWidget(self.kpis)
        layout.addWidget(lower, 1)

    def _make_heading(self) -> QHBoxLayout:
        """The session's title line and the 导入店铺订单 / 导出报告 buttons."""
        heading = QLabel(self._heading_text(), self)
        heading.setObjectName("reviewHeading")
        heading.setFont(ui_font(16, bold=True))
        self.heading = heading
        self.report_button = QPushButton(tr("导出报告…"), self)
        self.orders_button = QPushButton(tr("导入店铺订单…"), self)
        self.report_button.clicked.connect(self.export_report)
        self.orders_button.clicked.connect(self.import_orders)
        top = QHBoxLayout()
        top.addWidget(heading, 1)
        top.addWidget(self.orders_button)
        top.addWidget(self.report_button)
        return top

    def _make_timeline(self) -> QSplitter:
        """The timeline and, beside it, the comments around the moment clicked on it."""
        start = self.start
        self.timeline = ReviewTimeline(self)
        self.windows = self.review.explain_windows()
        self.markers = self.review.markers()
        points = self.review.timeline(60)
        end = getattr(self.review, "end_ts", None) or self.summary.ended_at or start + 60
        self.timeline.set_data(points, start=start, end=end, windows=self.windows, markers=self.markers)
        self.timeline.moment_clicked.connect(self.show_moment)

        self.moment_label = QLabel(tr("点击时间轴上的某一刻，查看前后的评论"), self)
        self.moment_label.setWordWrap(True)
        self.moment_label.setStyleSheet(f"color: {COLORS['text_dim']};")
        self.comments = PagedTableModel(comment_columns(start, self.review.blocked_viewers()), parent=self,
                                        page_size=PAGE)
        self.comments_view = make_table(self.comments, self, sortable=False, stretch=2)
        self.comments_view.setColumnWidth(0, 70)
        self.comments_view.setColumnWidth(1, 110)
        side = QWidget(self)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.moment_label)
        side_layout.addWidget(self.comments_view, 1)
        upper = QSplitter(Qt.Orientation.Horizontal, self)
        upper.addWidget(self.timeline)
        upper.addWidget(side)
        upper.setStretchFactor(0, 3)
        upper.setStretchFactor(1, 1)
        upper.setSizes([1040, 420])
        return upper

    def _make_tabs(self) -> None:
        """商品 (read now), then 观众提问, 热词, 高光时刻 and 秒杀与优惠券, each read when first shown."""
        start = self.start
        self.tabs = QTabWidget(self)
        by_product: dict[str, list[ExplainWindow]] = defaultdict(list)
        for w in self.windows:
            by_product[w.product_id].append(w)
        self.products = RecordTableModel(product_columns(by_product, start), self.review.products(), self)
        self.products_view = make_table(self.products, self, stretch=1)
        self.products_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.tabs.addTab(self.products_view, tr("商品"))
        self.tabs.addTab(self._make_questions_tab(), tr("观众提问"))
        self.keywords = KeywordChart(self)
        self.tabs.addTab(self.keywords, tr("热词"))

        self.tabs.addTab(self._make_highlights_tab(), tr("高光时刻"))
        self.tabs.addTab(self._make_promotions_tab(), tr("秒杀与优惠券"))
        self._tab_loaders: dict[int, Callable[[], None]] = {
            1: self._load_questions, 2: self._load_keywords, 3: self._load_highlights, 4: self._load_promotions,
        }
        self.tabs.currentChanged.connect(self._tab_shown)

    def _make_questions_tab(self) -> QWidget:
        start = self.start
        self.questions = PagedTableModel(question_columns(start), parent=self, page_size=PAGE)
        self.unanswered_only = QCheckBox(tr("只看未回答"), self)
        self.unanswered_only.toggled.connect(self._filter_questions)
        self.questions_count = QLabel("", self)
        self.questions_view = make_table(self.questions, self, sortable=False, stretch=2)
        self.questions_view.setColumnWidth(0, 70)
        self.questions_view.setColumnWidth(1, 110)
        self.questions_view.doubleClicked.connect(
            lambda index: self.jump_to(self.questions.row_at(index.row()).ts))
        questions_tab = QWidget(self)
        q_layout = QVBoxLayout(questions_tab)
        q_bar = QHBoxLayout()
        q_bar.addWidget(self.unanswered_only)
        q_bar.addWidget(self.questions_count, 1)
        q_layout.addLayout(q_bar)
        q_layout.addWidget(self.questions_view, 1)
        return questions_tab

    def _make_highlights_tab(self) -> QWidget:
        """The rule (what counts as a highlight), why none was found when so, and the spikes."""
        self.highlights = RecordTableModel(highlight_columns(self.start), parent=self)
        self.highlights_view = make_table(self.highlights, self, stretch=3)
        self.highlights_view.clicked.connect(self._highlight_clicked)
        tab = QWidget(self)
        self.highlight_rule = QLabel(rule_text() + " " + tr("点击一行，查看那一刻前后的评论。"), tab)
        self.highlight_rule.setWordWrap(True)
        self.highlight_rule.setStyleSheet(f"color: {COLORS['text_dim']};")
        self.highlight_reason = QLabel("", tab)
        self.highlight_reason.setWordWrap(True)
        self.highlight_reason.setFont(ui_font(13, bold=True))
        self.highlight_reason.hide()
        layout = QVBoxLayout(tab)
        layout.addWidget(self.highlight_rule)
        layout.addWidget(self.highlight_reason)
        layout.addWidget(self.highlights_view, 1)
        return tab

    def _make_promotions_tab(self) -> QWidget:
        self.flash_sales = RecordTableModel(flash_sale_columns(), parent=self)
        self.coupons = RecordTableModel(coupon_columns(), parent=self)
        self.lucky_bags = RecordTableModel(lucky_bag_columns(), parent=self)
        promos = QWidget(self)
        p_layout = QVBoxLayout(promos)
        for caption, model in ((tr("秒杀"), self.flash_sales), (tr("优惠券"), self.coupons),
                               (tr("福袋"), self.lucky_bags)):
            label = QLabel(caption, promos)
            label.setFont(ui_font(13, bold=True))
            p_layout.addWidget(label)
            p_layout.addWidget(make_table(model, promos, stretch=0), 1)
        return promos

    def _heading_text(self) -> str:
        s = self.summary
        text = tr("{title} · {platform} · {date}", title=s.title or tr("未命名"),
                  platform=platform_text(s.platform), date=format_date(s.started_at))
        if s.status != "ended":
            text += f" · {status_text(s.status)}"
        return text

    # -- the moment ----------------------------------------------------------------------------------
    def show_moment(self, ts: float) -> None:
        """List the comments within ±30 s of ``ts`` (paged)."""
        self.moment_label.setText(tr("{time} 前后 {seconds} 秒的评论", time=format_clock(ts - self.start),
                                     seconds=int(COMMENTS_WINDOW_S)))
        reader = self.review

        def fetch(offset: int, count: int) -> list[Any]:
            return reader.comments_around(ts, COMMENTS_WINDOW_S, offset + count)[offset:]

        self.comments.set_source(fetch)
        self.moment_ts = ts
        # Show the clicked moment: the first comment at or after it, in the middle of the list.
        rows = self.comments.rows()
        at = next((i for i, e in enumerate(rows) if e.ts >= ts), len(rows) - 1)
        if at >= 0:
            index = self.comments.index(at, 0)
            self.comments_view.setCurrentIndex(index)
            self.comments_view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)

    def jump_to(self, ts: float) -> None:
        """Move the timeline's cursor to ``ts`` and list the comments around it."""
        self.timeline.show_cursor(ts)
        self.show_moment(ts)

    def _highlight_clicked(self, index: QModelIndex) -> None:
        highlight: Highlight = self.highlights.row_at(index.row())
        self.jump_to(highlight.ts)

    # -- tabs read on first show -----------------------------------------------------------------------
    def _tab_shown(self, index: int) -> None:
        loader = self._tab_loaders.get(index)
        if loader is not None and index not in self._loaded:
            self._loaded.add(index)
            loader()

    def show_tab(self, index: int) -> None:
        self.tabs.setCurrentIndex(index)
        self._tab_shown(index)

    def _load_questions(self) -> None:
        self.questions_count.setText(tr("共 {total} 个问题", total=format_count(self.review.question_count())))
        self._filter_questions()

    def _filter_questions(self) -> None:
        if 1 not in self._loaded:
            self.show_tab(1)
            return
        reader = self.review
        if not self.unanswered_only.isChecked():
            self.questions.set_source(lambda offset, count: reader.questions(count, offset))
            return
        # Unanswered only: read the API's pages in order and keep the unanswered ones; the model asks
        # for its next page with offset = rows it holds, so a cursor into the API's pages is enough.
        cursor = [0]

        def fetch(_offset: int, count: int) -> list[Question]:
            found: list[Question] = []
            while len(found) < count:
                page = reader.questions(PAGE * 2, cursor[0])
                if not page:
                    break
                for i, q in enumerate(page):
                    if q.unanswered:  # a blocked viewer's question is owed no answer
                        found.append(q)
                        if len(found) == count:
                            cursor[0] += i + 1
                            return found
                cursor[0] += len(page)
            return found

        self.questions.set_source(fetch)

    def _load_keywords(self) -> None:
        self.keywords.set_words(self.review.keywords(30))

    def _load_highlights(self) -> None:
        found = self.review.highlights()
        self.highlights.set_rows(found)
        self.highlight_reason.setText("" if found else no_highlight_reason(self.review))
        self.highlight_reason.setVisible(not found)

    def _load_promotions(self) -> None:
        promotions = self.review.promotions()
        self.flash_sales.set_rows(promotions.flash_sales)
        self.coupons.set_rows(promotions.coupons)
        self.lucky_bags.set_rows(promotions.lucky_bags)

    def product_row(self, product_id: str) -> ProductResult | None:
        return next((p for p in self.products.rows() if p.product_id == product_id), None)

    # -- actions -----------------------------------------------------------------------------------------
    def export_report(self) -> str | None:
        return save_report(self, self.path, self.session_id, file_stem(self.summary))

    def import_orders(self) -> None:
        orders_file, _ = QFileDialog.getOpenFileName(
            self, tr("导入店铺订单"), str(Path.home()), tr("订单表 (*.csv *.xlsx);;所有文件 (*)"))
        if orders_file:
            self.import_orders_from(orders_file)

    def import_orders_from(self, orders_file: str | os.PathLike[str]) -> OrderImport | None:
        """Import the shop's orders file, show the outcome (every bad row with its reason), and refresh
        the product table."""
        try:
            result = import_shop_orders(self.path, self.session_id, orders_file)
        except (ReviewError, OSError, ValueError) as exc:
            QMessageBox.warning(self, tr("导入店铺订单"), tr("导入失败：{reason}", reason=exc))
            return None
        self.last_import = result
        self.review.shop_orders_changed()
        self.products.set_rows(self.review.products())
        self.import_dialog = OrderImportDialog(result, self)
        self.import_dialog.show()
        return result

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.import_dialog is not None:
            self.import_dialog.close()
        self.review.close()  # its worker threads
        super().closeEvent(event)


class OrderImportDialog(QDialog):
    """What a shop-order import did: how many orders, how many in explain windows, and each bad row."""

    def __init__(self, result: OrderImport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("导入店铺订单"))
        self.resize(640, 380 if result.errors else 160)
        text = tr("已导入 {n} 单，其中 {inside} 单在讲解时段内。", n=result.imported, inside=result.in_windows)
        if result.duplicates:
            text += " " + tr("{n} 单此前已导入，已跳过。", n=result.duplicates)
        if result.errors:
            text += " " + tr("{n} 行有错误，未导入：", n=len(result.errors))
        self.message = QLabel(text, self)
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        self.errors = RecordTableModel(error_columns(), result.errors, self)
        if result.errors:
            view = make_table(self.errors, self, sortable=False, stretch=2)
            view.setColumnWidth(0, 60)
            layout.addWidget(view, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok, self)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
