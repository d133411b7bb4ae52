"""The product list of a show, as the shop backend exports it.

Shop backends export CSV (often UTF-8 with a BOM so that Excel shows the Chinese right) with a
Chinese header. Prices are in yuan with two decimals; LiveDeck keeps money as integer fen, converted
exactly through :class:`~decimal.Decimal` so that ``59.90`` is ``5990`` fen and never ``5989``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

#: The CSV header, by column meaning. Columns are found by name, so their order may differ.
COLUMNS = {
    "no": "序号",
    "product_id": "商品ID",
    "name": "商品名称",
    "price": "到手价",
    "original_price": "原价",
    "stock": "库存",
    "link": "商品链接",
    "selling_points": "卖点",
}


class CatalogError(ValueError):
    """A product file the user has to fix (missing column, bad number); the message says where."""


@dataclass(slots=True)
class Product:
    """One product of the show.

    Attributes:
        no: the number the anchor calls it by on air ("3号链接").
        product_id: the shop's product id.
        name: the product title.
        price_fen: the price a buyer pays (到手价), in fen.
        original_price_fen: the list price (原价), in fen.
        stock: units available when the show starts.
        link: the product page.
        selling_points: the short pitch line (卖点).
    """

    no: int
    product_id: str
    name: str
    price_fen: int
    original_price_fen: int
    stock: int
    link: str
    selling_points: str


def yuan_to_fen(text: str) -> int:
    """``"59.90"`` → ``5990``. Raises ValueError on anything that is not a whole number of fen."""
    try:
        value = Decimal(text.strip().lstrip("¥￥")) * 100
    except InvalidOperation:
        raise ValueError(f"not a price: {text!r}") from None
    if not value.is_finite() or value != value.to_integral_value():
        raise ValueError(f"not a price in yuan with at most 2 decimals: {text!r}")
    return int(value)


def load_products_csv(path: str | Path) -> list[Product]:
    """Read a product list exported as CSV (UTF-8, with or without a BOM).

    Raises:
        CatalogError: a required column is missing or a row holds a value that is not a number;
            the message names the line.
        OSError: the file cannot be read.
    """
    path = Path(path)
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        header = [h.strip() for h in reader.fieldnames or []]
        reader.fieldnames = header
        missing = [title for title in COLUMNS.values() if title not in header]
        if missing:
            raise CatalogError(f"{path.name}: missing column(s) {', '.join(missing)}")
        products = []
        for row in reader:
            if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                continue  # blank lines that spreadsheets leave at the end
            cell = {key: (row.get(title) or "").strip() for key, title in COLUMNS.items()}
            try:
                products.append(
                    Product(
                        no=int(cell["no"]),
                        product_id=cell["product_id"],
                        name=cell["name"],
                        price_fen=yuan_to_fen(cell["price"]),
                        original_price_fen=yuan_to_fen(cell["original_price"]),
                        stock=int(cell["stock"]),
                        link=cell["link"],
                        selling_points=cell["selling_points"],
                    )
                )
            except ValueError as e:
                raise CatalogError(f"{path.name} line {reader.line_num}: {e}") from None
    return products


def demo_catalog_path() -> Path:
    """The demo show's product list shipped with LiveDeck."""
    return Path(__file__).resolve().parent.parent / "resources" / "demo" / "products.csv"
