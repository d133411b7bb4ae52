"""Exports are safe and total (issue 15, item 3): whatever viewers typed, a shop file held or an older
LiveDeck stored, the XLSX and CSV hold it as plain text, the PDF and HTML render it, and a far-future
``ts`` costs seconds, not a timeline to the year 58888. Real logs in tmp_path, the real report code."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.review.export_cells import FORMULA_STARTS
from app.review.report import write_report
from tests.faults.report_logs import EVIL_NAME, FORMULAS, T0, evil_log, insert_raw, livedeck


def test_formulas_from_viewers_and_shop_files_are_plain_text_in_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    sid, _ = evil_log(path)
    wb = load_workbook(write_report(path, sid, tmp_path / "r.xlsx"))
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []  # not one formula in the workbook
    questions = {c.value: c for c in cells if isinstance(c.value, str) and c.value.endswith("多少钱？")}
    # the viewer's words, unchanged (XML reads a carriage return back as a line feed)
    assert set(questions) == {f"{f} 多少钱？".replace("\r", "\n") for f in FORMULAS}
    assert all(c.data_type == "s" for c in questions.values())
    names = [c for c in cells if c.value == EVIL_NAME]
    assert len(names) == len(FORMULAS)
    assert all(c.data_type == "s" and c.quotePrefix for c in names)
    products = {c.value: c.data_type for c in wb["商品"][2]}
    assert products["=1+1"] == "s"
    assert products["-2+3"] == "s"


def test_formulas_are_prefixed_in_csv_and_no_event_is_lost(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    sid, n = evil_log(path)
    out = write_report(path, sid, tmp_path / "r.csv")
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == n
    cells = [v for r in rows for v in r.values()]
    assert [v for v in cells if v.startswith(FORMULA_STARTS)] == []
    texts = [r["text"] for r in rows if r["kind"] == "comment"]
    assert texts[:len(FORMULAS)] == [f"'{f} 多少钱？" for f in FORMULAS]
    assert {r["user_name"] for r in rows[:len(FORMULAS)]} == {"'" + EVIL_NAME}
    assert rows[-1]["product_id"] == "'=1+1"


def test_a_control_character_in_a_question_exports(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    sid, _ = evil_log(path)
    insert_raw(path, sid, [(T0 + 50, "comment", "发\x01货吗？\x0b", "")])  # as an older version stored it
    wb = load_workbook(write_report(path, sid, tmp_path / "r.xlsx"))
    asked = [row[3] for row in wb["问题"].iter_rows(min_row=2, values_only=True)]
    assert "有货吗？" in asked
    assert "发货吗？" in asked
    html = write_report(path, sid, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "发\x01货吗？" in html


@pytest.mark.parametrize("ext", [".html", ".xlsx", ".pdf", ".csv"])
def test_nan_inside_extra_exports(tmp_path: Path, ext: str) -> None:
    path = tmp_path / "s.sqlite"
    sid, n = evil_log(path)
    insert_raw(path, sid, [  # NaN and Infinity: accepted at the edge by older versions, not JSON
        (T0 + 60, "system", "福袋", '{"source": "livedeck", "lucky_bag": "started", "seed": NaN, '
                                    '"participants": NaN, "winners": Infinity}'),
        (T0 + 61, "system", "发券", '{"source": "livedeck", "coupon": "dropped", "coupon_id": "c1", '
                                    '"quantity": NaN, "discount_fen": -Infinity}'),
        (T0 + 62, "system", "秒杀开始", '{"source": "livedeck", "flash_sale": "started", "sale_id": "s1", '
                                      '"price_fen": NaN, "stock": NaN}'),
        (T0 + 63, "coupon_claim", "", '{"coupon_id": NaN}'),
        (T0 + 64, "gift", "小心心", '{"x": [NaN'),  # cut off mid-write
        (T0 + 65, "comment", "几点发货？", '{"is_anchor": NaN}'),
    ])
    out = write_report(path, sid, tmp_path / f"r{ext}")
    assert out.stat().st_size > 0
    if ext == ".csv":
        with out.open(encoding="utf-8-sig", newline="") as f:
            assert len(list(csv.reader(f))) == 1 + n + 6


def test_a_title_with_dollars_is_plain_text_in_the_pdf_and_html(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    sid, _ = evil_log(path, title="A$^$B")
    pdf = write_report(path, sid, tmp_path / "r.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    html = write_report(path, sid, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "A$^$B" in html


def test_a_millisecond_timestamp_costs_seconds_and_the_report_says_so(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    sid, n = evil_log(path)
    insert_raw(path, sid, [(T0 * 1000, "comment", "毫秒", ""), (1e300, "order", "", ""),
                           (T0 * 1000, "viewer_stats", "", "")])
    for ext in (".html", ".xlsx", ".csv", ".pdf"):
        # Before the bound, each format built one timeline point a minute up to year 55000 (1.67 GB in
        # 15 s, then killed): a report that ends at all, and stays a few MB, is the bound at work. The
        # subprocess timeout stops a regression from hanging the suite; wall time is not judged here, as
        # a loaded CI machine takes tens of seconds for the PDF's matplotlib start alone.
        result = livedeck("report", str(path), "-o", str(tmp_path / f"r{ext}"), timeout=120)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        assert (tmp_path / f"r{ext}").stat().st_size < 5_000_000, ext
    assert "3 条事件的时间晚于场次结束一天以上" in (tmp_path / "r.html").read_text(encoding="utf-8")
    wb = load_workbook(tmp_path / "r.xlsx")
    assert wb["时间线"].max_row <= 1 + 6  # the 5 minutes of the show, not one row a minute to year 55000
    assert any("晚于场次结束" in str(v) for (v,) in wb["概览"].iter_rows(min_col=2, max_col=2, values_only=True))
    with (tmp_path / "r.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == n + 3  # the late events are in the CSV, their time shown as a dash
    assert rows[-2]["time"] == "—"
    assert float(rows[-2]["ts"]) == 1e300
