"""Reports (app/review/report.py): HTML holds its charts and parses; XLSX sheets and totals; CSV rows == events."""

from __future__ import annotations

import csv
import sqlite3
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.review.report import ReportError, write_report
from tests.app.test_review import build_log


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
