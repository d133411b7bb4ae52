"""The review UI over real session logs: the library's numbers equal SQL over the log; rename and delete
reach the log; the review window shows the summary, lists the comments around a clicked moment, shows
per-product GMV equal to SQL, filters unanswered questions; compare shows the sessions side by side."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox

from app.core.units import format_count, format_fen
from tests.log_sql import sql
from tests.ui.review_data import SPECIAL, SPECIAL_AT, T0, Built, build_log
from ui.review.compare_window import CompareWindow, SideBySideModel
from ui.review.review_models import Column, PagedTableModel, RawRole, RecordTableModel, list_pages
from ui.review.review_window import ReviewWindow
from ui.review.session_library import SessionLibrary


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_log(tmp_path_factory.mktemp("review") / "sessions.sqlite")


@pytest.fixture
def log_copy(built: Built, tmp_path: Path) -> Built:
    """A private copy for tests that change the log."""
    target = tmp_path / "sessions.sqlite"
    src = sqlite3.connect(built.path)
    dst = sqlite3.connect(target)
    src.backup(dst)
    src.close()
    dst.close()
    return Built(target, built.ids)


def column_of(model: object, header: str) -> int:
    for c in range(model.columnCount()):  # type: ignore[attr-defined]
        if model.headerData(c, Qt.Orientation.Horizontal) == header:  # type: ignore[attr-defined]
            return c
    raise AssertionError(f"no column {header}")


def open_library(qtbot, path: Path) -> SessionLibrary:
    """A library window once its session list (read on a worker thread) is on screen."""
    library = SessionLibrary(path)
    qtbot.addWidget(library)
    # The rows come back as a queued signal: nothing is shown before the event loop runs here.
    with qtbot.waitSignal(library.loaded, timeout=10000):
        pass
    return library


def cell(model: object, row: int, header: str, role: int = Qt.ItemDataRole.DisplayRole) -> object:
    return model.data(model.index(row, column_of(model, header)), role)  # type: ignore[attr-defined]


# -- models ----------------------------------------------------------------------------------------------


def test_models_pass_the_model_tester(qtmodeltester) -> None:
    columns = [Column("n", lambda r: r[0], numeric=True), Column("s", lambda r: r[1], color=lambda r: "red")]
    rows = [(i, f"row {i}") for i in range(50)]
    qtmodeltester.check(RecordTableModel(columns, rows))
    paged = PagedTableModel(columns, list_pages(rows), page_size=7)
    paged.fetchMore()
    qtmodeltester.check(paged)
    side = SideBySideModel(["a", "b"])
    side.set_rows([("x", [1.0, 2.0], str, True), ("y", [None, 3.0], str, False)])
    qtmodeltester.check(side)


def test_paged_model_fetches_pages_as_asked() -> None:
    rows = list(range(1000))
    model = PagedTableModel([Column("n", lambda r: r)], list_pages(rows), page_size=100)
    assert model.rowCount() == 0
    assert model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 100
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == 1000
    assert model.fetches == 11


# -- library ---------------------------------------------------------------------------------------------


def test_library_lists_sessions_with_the_numbers_sql_gives(qtbot, built: Built) -> None:
    library = open_library(qtbot, built.path)
    model = library.model
    assert model.rowCount() == 3
    for row in range(model.rowCount()):
        record = model.row_at(row)
        sid = record.id
        q = "SELECT {} FROM events WHERE session_id = ? AND kind = ?"
        peak = sql(built.path, q.format("max(count)"), sid, "viewer_stats")
        assert cell(model, row, "最高在线") == format_count(peak)  # type: ignore[arg-type]
        assert cell(model, row, "评论") == format_count(sql(built.path, q.format("count(*)"), sid, "comment"))
        assert cell(model, row, "订单") == format_count(sql(built.path, q.format("count(*)"), sid, "order"))
        gmv = sql(built.path, q.format("coalesce(sum(amount_fen), 0)"), sid, "order")
        assert cell(model, row, "成交金额") == format_fen(gmv)  # type: ignore[arg-type]
        assert cell(model, row, "标题") == sql(built.path, "SELECT title FROM sessions WHERE id = ?", sid)
    # Newest first; the interrupted one is marked (amber) and still opens.
    assert model.row_at(0).id == built.ids["cut"]
    assert cell(model, 0, "状态") == "已中断"
    assert cell(model, 0, "状态", Qt.ItemDataRole.ForegroundRole) is not None
    window = library.open_session(built.ids["cut"])
    assert isinstance(window, ReviewWindow)
    # Sorting by GMV puts the best show on top.
    library.table.sortByColumn(column_of(model, "成交金额"), Qt.SortOrder.DescendingOrder)
    assert model.row_at(0).id == built.ids["spring"]


def test_rename_persists(qtbot, log_copy: Built, monkeypatch: pytest.MonkeyPatch) -> None:
    library = open_library(qtbot, log_copy.path)
    sid = log_copy.ids["weekend"]
    library.select_ids([sid])
    monkeypatch.setattr("ui.review.session_library.QInputDialog.getText", lambda *a, **k: ("周末清仓（复盘）", True))
    library.rename_selected()
    assert sql(log_copy.path, "SELECT title FROM sessions WHERE id = ?", sid) == "周末清仓（复盘）"
    # In place, too (the title cell is editable).
    row = next(r for r in range(library.model.rowCount()) if library.model.row_at(r).id == sid)
    assert library.model.setData(library.model.index(row, column_of(library.model, "标题")), "周末特卖")
    assert sql(log_copy.path, "SELECT title FROM sessions WHERE id = ?", sid) == "周末特卖"
    again = open_library(qtbot, log_copy.path)
    assert "周末特卖" in [r.title for r in again.sessions()]


def test_delete_asks_naming_the_session_and_removes_it(qtbot, log_copy: Built,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    library = open_library(qtbot, log_copy.path)
    sid = log_copy.ids["weekend"]
    asked: list[str] = []
    answer = [QMessageBox.StandardButton.Cancel]

    def question(_parent: object, _title: str, text: str, *args: object) -> QMessageBox.StandardButton:
        asked.append(text)
        return answer[0]

    monkeypatch.setattr("ui.review.session_library.QMessageBox.question", question)
    library.select_ids([sid])
    library.delete_selected()
    assert "周末清仓" in asked[0]
    assert sql(log_copy.path, "SELECT count(*) FROM sessions WHERE id = ?", sid) == 1
    answer[0] = QMessageBox.StandardButton.Yes
    with qtbot.waitSignal(library.loaded, timeout=10000):  # the list is read again after the delete
        library.delete_selected()
    assert sql(log_copy.path, "SELECT count(*) FROM sessions WHERE id = ?", sid) == 0
    assert sql(log_copy.path, "SELECT count(*) FROM events WHERE session_id = ?", sid) == 0
    assert sid not in [r.id for r in library.sessions()]
    assert library.model.rowCount() == 2


# -- review window ---------------------------------------------------------------------------------------


@pytest.fixture
def review_window(qtbot, built: Built) -> ReviewWindow:
    window = ReviewWindow(built.path, built.ids["spring"])
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_review_window_shows_the_summary(review_window: ReviewWindow, built: Built) -> None:
    sid = built.ids["spring"]
    q = "SELECT {} FROM events WHERE session_id = ? AND kind = ?"
    assert review_window.kpis.text("gmv") == format_fen(
        sql(built.path, q.format("coalesce(sum(amount_fen), 0)"), sid, "order"))  # type: ignore[arg-type]
    assert review_window.kpis.text("comments") == format_count(
        sql(built.path, q.format("count(*)"), sid, "comment"))  # type: ignore[arg-type]
    assert review_window.kpis.text("peak") == format_count(
        sql(built.path, q.format("max(count)"), sid, "viewer_stats"))  # type: ignore[arg-type]
    assert review_window.kpis.text("orders") == format_count(
        sql(built.path, q.format("count(*)"), sid, "order"))  # type: ignore[arg-type]
    assert "春季上新专场" in review_window.heading.text()
    assert len(review_window.windows) == 3  # three explain windows shaded on the timeline


def test_clicking_the_timeline_lists_the_comments_around_that_moment(qtbot, review_window: ReviewWindow) -> None:
    chart = review_window.timeline
    qtbot.waitUntil(lambda: chart.draws >= 1)
    ax = chart.ax_comments
    px, py = ax.transData.transform((SPECIAL_AT / 60.0, ax.get_ylim()[1] * 0.5))
    ratio = chart.device_pixel_ratio or 1.0
    point = QPoint(round(px / ratio), round(chart.height() - py / ratio))
    qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=point)
    model = review_window.comments
    qtbot.waitUntil(lambda: model.rowCount() > 0)
    texts = [model.row_at(r).text for r in range(model.rowCount())]
    assert SPECIAL in texts
    clicked = review_window.moment_ts
    assert abs(clicked - (T0 + SPECIAL_AT)) < 10  # one pixel is a few seconds
    assert all(abs(model.row_at(r).ts - clicked) <= 30 + 1e-6 for r in range(model.rowCount()))


def test_product_table_gmv_equals_sql(review_window: ReviewWindow, built: Built) -> None:
    sid = built.ids["spring"]
    model = review_window.products
    for pid in ("p-tee", "p-sun", "p-tea"):
        row = next(r for r in range(model.rowCount()) if model.row_at(r).product_id == pid)
        gmv = sql(built.path, "SELECT coalesce(sum(amount_fen), 0) FROM events WHERE session_id = ? "
                  "AND kind = 'order' AND product_id = ?", sid, pid)
        assert cell(model, row, "成交金额", RawRole) == gmv
        assert cell(model, row, "成交金额") == format_fen(gmv)  # type: ignore[arg-type]
        assert cell(model, row, "讲解时段")  # its explain window(s) are listed
    # Sortable by GMV.
    review_window.products_view.sortByColumn(column_of(model, "成交金额"), Qt.SortOrder.DescendingOrder)
    values = [cell(model, r, "成交金额", RawRole) for r in range(model.rowCount())]
    assert values == sorted(values, reverse=True)  # type: ignore[type-var]


def test_unanswered_filter(review_window: ReviewWindow) -> None:
    review_window.show_tab(1)
    model = review_window.questions
    while model.canFetchMore():
        model.fetchMore()
    everything = review_window.review.questions()
    assert model.rowCount() == len(everything) > 0
    review_window.unanswered_only.setChecked(True)
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == sum(not q.answered for q in everything)
    assert all(cell(model, r, "已回答") == "✗" for r in range(model.rowCount()))
    review_window.unanswered_only.setChecked(False)
    assert model.rowCount() > 0


def test_other_tabs_load_when_shown(review_window: ReviewWindow) -> None:
    review_window.show_tab(2)
    assert review_window.keywords.words
    review_window.show_tab(3)
    review_window.show_tab(4)
    assert review_window.coupons.rowCount() == 1
    assert review_window.flash_sales.rowCount() == 1
    if review_window.highlights.rowCount():
        review_window._highlight_clicked(review_window.highlights.index(0, 0))
        assert review_window.comments.rowCount() > 0


# -- compare ---------------------------------------------------------------------------------------------


def test_compare_shows_both_sessions(qtbot, built: Built, monkeypatch: pytest.MonkeyPatch) -> None:
    library = open_library(qtbot, built.path)
    library.select_ids([built.ids["spring"], built.ids["weekend"]])
    assert library.compare_button.isEnabled()
    window = library.compare_selected()
    assert isinstance(window, CompareWindow)
    model = window.kpis
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(1, model.columnCount())]
    assert any("春季上新专场" in h for h in headers)
    assert any("周末清仓" in h for h in headers)
    gmv_row = next(r for r in range(model.rowCount()) if model.data(model.index(r, 0)) == "成交金额")
    for c in range(1, model.columnCount()):
        sid = window.summaries()[c - 1].session_id
        gmv = sql(built.path, "SELECT coalesce(sum(amount_fen), 0) FROM events WHERE session_id = ? "
                  "AND kind = 'order'", sid)
        assert model.data(model.index(gmv_row, c)) == format_fen(gmv)  # type: ignore[arg-type]
    best = model.best_column(gmv_row)
    assert best is not None
    assert window.summaries()[best - 1].session_id == built.ids["spring"]
    assert model.data(model.index(gmv_row, best), Qt.ItemDataRole.BackgroundRole) is not None
    assert window.products.rowCount() >= 3


def test_exporting_a_report_writes_the_chosen_file(qtbot, built: Built, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from html.parser import HTMLParser

    from PySide6.QtWidgets import QFileDialog

    window = ReviewWindow(built.path, built.ids["spring"])
    qtbot.addWidget(window)
    out = tmp_path / "复盘报告"  # no extension: the chosen filter decides it
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), "HTML (*.html)"))
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: told.append(text))
    assert window.export_report() == f"{out}.html"
    qtbot.waitUntil(lambda: bool(told), timeout=20000)  # written on a worker thread; a message says done
    html = Path(f"{out}.html").read_text(encoding="utf-8")
    HTMLParser().feed(html)  # it parses
    assert "data:image/png;base64," in html  # charts inside the one file
    orders = sql(built.path, "select count(*) from events where session_id = ? and kind = 'order'",
                 built.ids["spring"])
    assert format_count(int(orders)) in html  # type: ignore[arg-type]
    assert told == [f"报告已保存：{out}.html"]


def test_importing_shop_orders_shows_every_bad_row_and_adds_the_good_ones(
    qtbot, log_copy: Built, tmp_path: Path
) -> None:
    window = ReviewWindow(log_copy.path, log_copy.ids["spring"])
    qtbot.addWidget(window)
    t0 = sql(log_copy.path, "select started_at from sessions where id = ?", log_copy.ids["spring"])
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(t0) + 90))  # type: ignore[arg-type]
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "订单号,商品,金额,时间,买家\n"
        f"A1,p-tee,99.00,{when},买家甲\n"
        f"A2,p-tee,-5,{when},买家乙\n"
        f"A3,不存在的商品,10.00,{when},买家丙\n"
        f"A4,p-tee,99.00,{when},买家丁\n",
        encoding="utf-8",
    )
    result = window.import_orders_from(orders)
    assert result is not None
    assert result.imported == 2
    assert sorted(e.row for e in result.errors) == [3, 4]  # the header is row 1
    assert window.import_dialog is not None
    assert window.import_dialog.isVisible()
    tee = window.product_row("p-tee")
    assert tee is not None
    assert (tee.shop_orders, tee.shop_gmv_fen) == (2, 19800)


def test_highlights_tab_says_what_counts_and_why_none_was_found(review_window: ReviewWindow) -> None:
    from app.review.highlights import no_highlight_reason

    review_window.show_tab(3)
    rule = review_window.highlight_rule.text()
    assert "10 秒" in rule
    assert "3 倍" in rule
    assert "10 条" in rule
    assert review_window.highlights.rowCount() == 0  # this show's comments never spike
    reason = review_window.highlight_reason
    assert not reason.isHidden()
    assert reason.text() == no_highlight_reason(review_window.review)
    assert reason.text().startswith("本场没有评论突增：")
    assert "不到 3 倍" in reason.text()
