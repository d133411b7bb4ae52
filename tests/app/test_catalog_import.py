"""Catalog import as shop backends export it: CSV (UTF-8, BOM, GBK) and XLSX, bad rows reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from app.commerce.catalog import CatalogError, ProductQueue, demo_catalog_path, import_catalog, load_products_csv


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_demo_catalog_imports_cleanly() -> None:
    result = import_catalog(demo_catalog_path())
    assert result.ok
    assert len(result.products) == 12
    assert result.products[2].no == 3
    assert result.products[2].price_fen == 8990


def test_bad_rows_are_reported_with_row_column_and_reason_and_never_half_imported(tmp_path: Path) -> None:
    csv = write(
        tmp_path / "p.csv",
        (
            "序号,商品名称,到手价,库存\n"
            "1,卫衣,59.90,10\n"
            "2,牛仔裤,-5,10\n"  # row 3: negative price
            "3,坚果,9.999,10\n"  # row 4: three decimals
            "1,重复,5,10\n"  # row 5: duplicate 序号
            "4,杯子,5,-1\n"  # row 6: negative stock
            "5,,5,1\n"  # row 7: no name
            "6,锅,99,1\n"
        ),
    )
    result = import_catalog(csv)
    assert [p.no for p in result.products] == [1, 6]
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "到手价"),
        (4, "到手价"),
        (5, "序号"),
        (6, "库存"),
        (7, "商品名称"),
    ]
    assert "1" in result.errors[2].reason
    assert "2" in result.errors[2].reason
    assert all(e.reason for e in result.errors)
    with pytest.raises(CatalogError, match="第 3 行"):
        load_products_csv(csv)


def test_prices_read_as_the_promotions_forms_read_them_and_a_gift_may_cost_nothing(tmp_path: Path) -> None:
    csv = write(
        tmp_path / "p.csv",
        (
            "序号,商品名称,到手价,原价\n"
            "1,赠品小样,0,¥19.90\n"  # a gift: ¥0 is a real price
            "2,羽绒服,\"1,299\",￥１，５９９.００\n"  # thousands separators, full-width digits and ￥
            "3,围巾,99元,\n"
            "4,手套,\"12,5\",\n"  # a decimal comma is not ¥125
            "5,袜子,1e3,\n"
            "6,耳环,99999999999,\n"
        ),
    )
    result = import_catalog(csv)
    assert [(p.no, p.price_fen, p.original_price_fen) for p in result.products] == [
        (1, 0, 1990), (2, 129900, 159900), (3, 9900, 0)]
    assert [(e.row, e.column) for e in result.errors] == [(5, "到手价"), (6, "到手价"), (7, "到手价")]
    assert "12,5" in result.errors[0].reason
    assert "太大" in result.errors[2].reason


def test_gbk_csv_with_english_headers_and_no_number_column(tmp_path: Path) -> None:
    gbk = write(
        tmp_path / "gbk.csv",
        "商品名称,价格,原价,话术\n螺蛳粉,32.9,59.9,正宗柳州味\n袖套,19.90,,凉感\n",
        "gbk",
    )
    result = import_catalog(gbk)
    assert result.ok
    assert result.encoding == "gbk"
    assert [(p.no, p.name, p.price_fen, p.original_price_fen) for p in result.products] == [
        (1, "螺蛳粉", 3290, 5990),
        (2, "袖套", 1990, 0),
    ]
    assert result.products[0].selling_points == "正宗柳州味"
    english = write(
        tmp_path / "en.csv", "No,Name,Price,Stock,SKU,Image\n7,Cup,45.9,3,A-1,x.png\n", "utf-8-sig"
    )
    p = import_catalog(english).products[0]
    assert (p.no, p.product_id, p.sku, p.image, p.stock) == (7, "7", "A-1", "x.png", 3)


def test_missing_required_column_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="到手价"):
        import_catalog(write(tmp_path / "p.csv", "序号,商品名称\n1,a\n"))


def test_xlsx_import_with_a_bad_row(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["编号", "商品ID", "名称", "售价", "库存", "链接"])
    ws.append([1, "100231", "卫衣", 59.9, 300, "https://x/1"])
    ws.append([2, "100487", "牛仔裤", "abc", 200, ""])
    ws.append([None, None, None, None, None, None])
    ws.append([3, "100552", "坚果", 89.9, 500.0, ""])
    wb.save(tmp_path / "p.xlsx")
    result = import_catalog(tmp_path / "p.xlsx")
    assert [(p.no, p.price_fen, p.stock) for p in result.products] == [(1, 5990, 300), (3, 8990, 500)]
    assert [(e.row, e.column) for e in result.errors] == [(3, "售价")]


def test_queue_keeps_numbers_when_reordered() -> None:
    queue = ProductQueue(load_products_csv(demo_catalog_path())[:4])
    queue.move(4, 0)
    assert queue.order == (4, 1, 2, 3)
    assert next(item.no for item in queue) == 4
    assert queue.get(4).no == 4
