"""Reports (app/review/report.py): HTML holds its charts and parses; XLSX sheets and totals; CSV rows == events."""

from __future__ import annotations

import csv
import sqlite3
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.core.events import LiveEvent
from app.review.report import ReportError, write_report
from app.store.session_log import SessionLog
from tests.app.test_review import T0, build_log


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.imgs: list[str] = []
        self.text: list[str] = []
        self.tables = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.imgs.append(dict(attrs).get("src") or "")
        elif tag == "table":
            self.tables += 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture
def log_path(tmp_path: Path) -> tuple[Path, int]:
    path = tmp_path / "sessions.sqlite"
    return path, build_log(path)


def test_html_is_self_contained_with_charts(log_path: tuple[Path, int], tmp_path: Path) -> None:
    path, sid = log_path
    out = write_report(path, sid, tmp_path / "r.html")
    parser = _Parser()
    parser.feed(out.read_text(encoding="utf-8"))
    assert len(parser.imgs) == 2
    assert all(src.startswith("data:image/png;base64,") for src in parser.imgs)
    text = "".join(parser.text)
    assert "直播复盘" in text
    assert "¥199.60" in text
    assert "春季上新专场" in text
    assert "未回答" in text
    assert "已置顶" in text
    assert parser.tables >= 4
    html = out.read_text(encoding="utf-8")
    assert 'name="viewport"' in html
    assert "overflow-x:auto" in html
    assert "http://" not in html
    assert "https://" not in html


def test_html_in_english(log_path: tuple[Path, int], tmp_path: Path) -> None:
    path, sid = log_path
    out = write_report(path, sid, tmp_path / "r.html", lang="en")
    text = out.read_text(encoding="utf-8")
    assert "Post-show review" in text
    assert "Unanswered" in text
    from app.core import i18n

    assert i18n.language() == "zh"  # the UI language is restored


def test_xlsx_sheets_and_totals(log_path: tuple[Path, int], tmp_path: Path) -> None:
    path, sid = log_path
    out = write_report(path, sid, tmp_path / "r.xlsx")
    wb = load_workbook(out)
    assert wb.sheetnames == ["概览", "商品", "时间线", "问题"]
    summary = {row[0]: row[1] for row in wb["概览"].iter_rows(min_row=2, values_only=True)}
    assert summary["评论数"] == 8
    assert summary["订单数"] == 3
    assert summary["成交金额（元）"] == pytest.approx(199.6)
    products = list(wb["商品"].iter_rows(min_row=2, values_only=True))
    assert {r[1]: r[10] for r in products}["C"] == pytest.approx(179.7)
    timeline = list(wb["时间线"].iter_rows(min_row=2, values_only=True))
    assert sum(r[3] for r in timeline) == 8
    assert len(timeline) == 6
    assert len(list(wb["问题"].iter_rows(min_row=2))) == 4
    en = load_workbook(write_report(path, sid, tmp_path / "en.xlsx", lang="en"))
    assert en.sheetnames == ["Summary", "Product", "Timeline", "Question"]


def test_csv_rows_equal_events(log_path: tuple[Path, int], tmp_path: Path) -> None:
    path, sid = log_path
    out = write_report(path, sid, tmp_path / "r.csv")
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    conn = sqlite3.connect(path)
    count = conn.execute("SELECT count(*) FROM events WHERE session_id = ?", (sid,)).fetchone()[0]
    conn.close()
    assert len(rows) - 1 == count
    assert rows[0][:4] == ["seq", "time", "ts", "kind"]
    assert any(r[6] == "3号有货吗" for r in rows)


def test_pdf_and_unknown_extension(log_path: tuple[Path, int], tmp_path: Path) -> None:
    path, sid = log_path
    out = write_report(path, sid, tmp_path / "r.pdf")
    assert out.read_bytes().startswith(b"%PDF")
    with pytest.raises(ReportError):
        write_report(path, sid, tmp_path / "r.docx")


def _questions_log(path: Path) -> int:
    """A show whose viewers ask the same few things many times, as they do."""
    asked = [("3号有货吗", 50), ("这个多少钱？", 30), ("包邮吗？", 20), ("主播多高？", 5), ("你是哪里人？", 2)]
    events = []
    for text, n in asked:
        for _ in range(n):
            seq = len(events) + 1
            events.append(LiveEvent("comment", T0 + seq * 2.0, f"u{seq}", f"观众{seq}", text, seq=seq))
    with SessionLog(path) as log:
        sid = log.start_session("问题很多的一场", "demo", started_at=T0)
        log.append(sid, events)
        log.end_session(sid, ended_at=T0 + 400)
    return sid


class _Questions(HTMLParser):
    """The HTML's table rows, and which of them sit inside a <details>."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[bool, list[str]]] = []
        self.details = 0
        self.summaries: list[str] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._summary = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "details":
            self.details += 1
        elif tag == "summary":
            self._summary = True
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "details":
            self.details -= 1
        elif tag == "summary":
            self._summary = False
        elif tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append((self.details > 0, self._row))
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._summary:
            self.summaries.append(data)


def test_html_groups_questions_by_kind_and_folds_the_full_list(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite"
    sid = _questions_log(path)
    parser = _Questions()
    parser.feed(write_report(path, sid, tmp_path / "q.html").read_text(encoding="utf-8"))
    shown = {r[0]: r for folded, r in parser.rows if not folded}
    # Kind, how many asked, how many unanswered, the questions asked most with how often.
    assert shown["库存与链接"][1:] == ["50", "50", "3号有货吗 ×50"]
    assert shown["价格与优惠"][1:3] == ["30", "30"]
    assert shown["发货与售后"][3] == "包邮吗？ ×20"
    assert shown["尺码与规格"][1] == "5"
    assert shown["其他"][1] == "2"  # what fits no kind, last
    kinds = [r[0] for folded, r in parser.rows if not folded and r[0] in shown and r[1].isdigit()]
    assert kinds[-1] == "其他"
    # Each question once, folded away under one summary.
    folded = [r for inside, r in parser.rows if inside]
    assert len(folded) == 1 + 107  # the header and every question
    assert parser.summaries == ["全部问题（未回答在前）"]
    assert not any(r[2] == "3号有货吗" for inside, r in parser.rows if not inside and len(r) > 2)


def test_html_has_legends_and_no_developer_paths(log_path: tuple[Path, int], tmp_path: Path) -> None:
    path, sid = log_path
    page = write_report(path, sid, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "docs/" not in page
    assert ".md" not in page
    legend = page[page.index('<div class="legend">'):]
    legend = legend[:legend.index("</div>")]
    assert "3号 坚果" in legend  # the product explained, with its own colour
    assert legend.count('class="area"') == 2  # two products explained: two colours
    assert "秒杀开始" in legend
    assert "秒杀结束" in legend
    assert "发券" in legend
    assert "max-width:1100px" in page
    # Highlights: the rule, and why none was found (8 comments in the whole show).
    assert "不少于 10 条" in page
    assert "3 倍" in page
    assert "本场没有评论突增：最高 10 秒评论 2 条，低于 10 条" in page
    english = write_report(path, sid, tmp_path / "en.html", lang="en").read_text(encoding="utf-8")
    assert "Flash sale starts" in english
    assert "No comment spike" in english


def test_xlsx_formats_money_rates_and_times_freezes_headers_and_numbers_questions(
        log_path: tuple[Path, int], tmp_path: Path) -> None:
    path, sid = log_path
    wb = load_workbook(write_report(path, sid, tmp_path / "r.xlsx"))
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert all(cell.font.bold for cell in ws[1])
        assert all(ws.column_dimensions[c.column_letter].width >= 8 for c in ws[1])

    def column(ws: object, header: str) -> list[object]:
        heads = [c.value for c in ws[1]]  # type: ignore[index]
        return [row[heads.index(header)] for row in ws.iter_rows(min_row=2)]  # type: ignore[attr-defined]

    summary = {row[0].value: row[1] for row in wb["概览"].iter_rows(min_row=2)}
    assert summary["成交金额（元）"].number_format == '"¥"#,##0.00'
    assert summary["成交金额（元）"].value == pytest.approx(199.6)
    assert summary["互动率"].number_format == "0.0%"
    assert 0 < summary["互动率"].value <= 1
    assert summary["开始"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert summary["开始"].value.year >= 2024  # a real date, not text
    assert summary["时长"].number_format == "[h]:mm:ss"
    products = wb["商品"]
    assert {c.number_format for c in column(products, "成交金额（元）")} == {'"¥"#,##0.00'}
    assert {c.number_format for c in column(products, "讲解中转化率")} == {"0.0%"}
    assert {c.number_format for c in column(products, "讲解时长")} == {"[h]:mm:ss"}
    assert wb["商品"].column_dimensions["C"].width >= 8
    assert {c.number_format for c in column(wb["时间线"], "时间")} == {"yyyy-mm-dd hh:mm"}
    questions = wb["问题"]
    assert [c.value for c in column(questions, "序号")] == [1, 2, 3, 4]
    assert {c.number_format for c in column(questions, "时间")} == {"yyyy-mm-dd hh:mm:ss"}
    widest = max(len(str(c.value)) for c in column(questions, "问题"))
    assert questions.column_dimensions["D"].width >= widest
