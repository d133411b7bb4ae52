"""The product list of a show: importing it as the shop backend exports it, and the queue (排品).

Shop backends export CSV (UTF-8 with a BOM so that Excel shows the Chinese right, or GBK when a
Chinese Excel saved it) or XLSX, with a Chinese or English header. :func:`import_catalog` reads
either, matches columns by header name (:data:`HEADER_ALIASES`), and returns every good row *and*
every bad row's error (:class:`ImportResult`) so the user sees a preview and decides: import the good
rows or fix the file. A bad row is never half-imported and never silently dropped.

Prices are in yuan with at most two decimals; LiveDeck keeps money as integer fen, read by the one
parser every form uses (:func:`app.core.units.parse_yuan`), so that ``59.90`` is ``5990`` fen and never
``5989``, and ``¥0`` (a gift) is a valid price.

:class:`ProductQueue` is the show's ordered product list as the engine owns it: the 序号 (``no``) is
the number viewers know ("3号") and never changes when the anchor reorders the queue.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from app.core.bounds import MAX_COUNT, MAX_DIGITS, MAX_FEN, MAX_NO, MAX_PRODUCT_NAME, MAX_PRODUCT_TEXT
from app.core.i18n import tr
from app.core.paths import RESOURCES
from app.core.units import parse_yuan

#: Header names accepted for each field, compared case-insensitively after trimming. The first one
#: is the canonical Chinese header (used in messages).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "no": ("序号", "编号", "no", "no.", "number"),
    "product_id": ("商品ID", "商品编号", "商品id", "id", "product id", "product_id"),
    "name": ("商品名称", "名称", "商品名", "name", "product name", "title"),
    "price": ("到手价", "价格", "售价", "直播价", "price"),
    "original_price": ("原价", "划线价", "original price", "original_price", "list price"),
    "stock": ("库存", "stock", "inventory"),
    "link": ("商品链接", "链接", "link", "url"),
    "selling_points": ("卖点", "话术", "selling points", "selling_points"),
    "sku": ("SKU", "规格", "sku"),
    "image": ("图片", "主图", "image", "image url"),
}
#: Columns without which a file cannot be imported.
REQUIRED = ("name", "price")
#: Kept for callers that name the canonical Chinese header of a field.
COLUMNS = {key: names[0] for key, names in HEADER_ALIASES.items()}

_ENCODINGS = ("utf-8-sig", "gb18030")  # gb18030 is a superset of GBK/GB2312


class CatalogError(ValueError):
    """A product file the user has to fix (missing column, bad number); the message says where."""


@dataclass(slots=True)
class Product:
    """One product of the show.

    Attributes:
        no: the number the anchor calls it by on air ("3号链接"); unique in a catalog.
        product_id: the shop's product id (orders refer to it); ``str(no)`` when the file has none.
        name: the product title.
        price_fen: the price a buyer pays (到手价), in fen.
        original_price_fen: the list price (原价), in fen; 0 when unknown.
        stock: units available when the show starts; 0 when the file has no stock column.
        link: the product page.
        selling_points: the short pitch (卖点/话术), shown on the teleprompter.
        sku: the shop's SKU code, if any.
        image: the product image (URL or path), if any.
        platform_id: the platform's own id of the product, when it came from the platform's console page
            (its orders name that id, not ``product_id``); '' otherwise.
    """

    no: int
    product_id: str
    name: str
    price_fen: int
    original_price_fen: int = 0
    stock: int = 0
    link: str = ""
    selling_points: str = ""
    sku: str = ""
    image: str = ""
    platform_id: str = ""

    @property
    def label(self) -> str:
        """How the anchor and viewers name it: ``"3号 每日坚果"`` (``"No. 3 每日坚果"`` in English)."""
        return tr("{no}号 {name}", no=self.no, name=self.name)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Product:
        """The inverse of :meth:`to_dict`; raises ValueError/TypeError on a malformed dict."""
        known = {k: data[k] for k in cls.__slots__ if k in data}  # type: ignore[attr-defined]
        product = cls(**known)
        # Every field checked here, once: a product from a command or a file is used for hours after.
        for name, low, high in _INT_BOUNDS:
            value = getattr(product, name)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise ValueError(f"{name} must be an integer in {low}–{high}, not {str(value)[:40]}")
        for name in ("product_id", "name", "link", "selling_points", "sku", "image", "platform_id"):
            value = getattr(product, name)
            if not isinstance(value, str):
                raise ValueError(f"{name} must be text, not {str(value)[:40]}")
            if len(value) > (MAX_PRODUCT_NAME if name == "name" else MAX_PRODUCT_TEXT):
                raise ValueError(f"{name} is too long ({len(value)} characters)")
        if not product.name:
            raise ValueError("name must be a non-empty string")
        return product


#: The integer fields of a product and their range (app.core.bounds).
_INT_BOUNDS = (("no", 1, MAX_NO), ("price_fen", 0, MAX_FEN), ("original_price_fen", 0, MAX_FEN),
               ("stock", 0, MAX_COUNT))


@dataclass(frozen=True, slots=True)
class RowError:
    """One bad cell of an import.

    Attributes:
        row: the row number as a spreadsheet shows it (the header is row 1).
        column: the header of the offending column as written in the file ('' for the whole row).
        reason: what is wrong, in the UI language.
    """

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return tr("第 {row} 行「{column}」：{reason}", row=self.row, column=self.column, reason=self.reason)


@dataclass(slots=True)
class ImportResult:
    """What an import found: the good products and one error per problem of a bad row.

    Attributes:
        products: the rows without any error, in file order.
        errors: every problem found, by row; a row with an error is not among ``products``.
        columns: which file header each field was read from (field → header).
        rows: data rows read (blank rows not counted).
        encoding: the text encoding a CSV was read with ('' for XLSX).
    """

    products: list[Product] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    rows: int = 0
    encoding: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors})


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # XLSX numbers: 59.9 → "59.9", 300.0 → "300" (repr keeps the shortest exact form); a huge one
        # stays as Python writes it ("1e+30"), so the message shows what the cell held.
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value).strip()


def _parse_int(text: str, high: int) -> int:
    """A whole number ≤ ``high``; a huge one (``1e999999999``, 23 digits) is refused by its exponent
    before it is ever expanded, so it costs no time."""
    shown = text if len(text) <= 40 else text[:39] + "…"
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError(tr("不是整数：{text}", text=shown)) from None
    if not value.is_finite():
        raise ValueError(tr("不是整数：{text}", text=shown))
    if value.adjusted() >= MAX_DIGITS or value > high:
        raise ValueError(tr("数字太大：{text}（最多 {high}）", text=shown, high=high))
    if value != value.to_integral_value():
        raise ValueError(tr("不是整数：{text}", text=shown))
    return int(value)


def _match_header(header: list[str]) -> dict[str, int]:
    """field → column index, by the aliases; the first matching column wins."""
    lowered = [h.strip().lower() for h in header]
    found: dict[str, int] = {}
    for key, names in HEADER_ALIASES.items():
        for name in names:
            if name.lower() in lowered:
                found[key] = lowered.index(name.lower())
                break
    return found


def _read_csv(path: Path) -> tuple[list[list[str]], str]:
    raw = path.read_bytes()
    for encoding in _ENCODINGS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return list(csv.reader(io.StringIO(text, newline=""))), "gbk" if encoding == "gb18030" else encoding
    raise CatalogError(tr("{name}：无法识别文件编码（应为 UTF-8 或 GBK）", name=path.name))


def _read_xlsx(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook  # imported late: only XLSX imports pay for it

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise CatalogError(
            tr("{name}：不是有效的 XLSX 文件（{reason}）", name=path.name, reason=exc)
        ) from None
    try:
        sheet = workbook.worksheets[0]
        return [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def read_table(path: str | Path) -> tuple[list[list[str]], str]:
    """The rows of a CSV (UTF-8/UTF-8-BOM/GBK) or XLSX (first sheet) file as text cells.

    Returns:
        The rows (the header first) and the encoding a CSV was read with ('' for XLSX).

    Raises:
        CatalogError: the file is not readable as a table.
        OSError: the file cannot be opened.
    """
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path), ""
    return _read_csv(path)


def import_catalog(path: str | Path) -> ImportResult:
    """Read a product list exported by a shop backend, for a preview.

    Columns are found by header (:data:`HEADER_ALIASES`, Chinese or English, in any order); only the
    name (商品名称) and price (到手价) columns are required. A row with any bad cell — empty name, a
    price that is not a number or has 3 decimals, a negative price or stock, a 序号 or 商品ID seen in an
    earlier row — is reported in :attr:`ImportResult.errors` and left out of the products whole.
    Without a 序号 column, products are numbered in file order (by data row, so the numbers don't shift
    when a bad row is fixed).

    Raises:
        CatalogError: the file cannot be read as a table, or a required column is missing.
        OSError: the file cannot be opened.
    """
    path = Path(path)
    rows, encoding = read_table(path)
    # The header is the first row with any content (exports sometimes start with a blank line).
    start = next((i for i, r in enumerate(rows) if any(c.strip() for c in r)), None)
    if start is None:
        raise CatalogError(tr("{name}：文件是空的", name=path.name))
    header = [c.strip() for c in rows[start]]
    index = _match_header(header)
    missing = [HEADER_ALIASES[key][0] for key in REQUIRED if key not in index]
    if missing:
        raise CatalogError(tr("{name}：缺少列 {columns}", name=path.name, columns="、".join(missing)))
    result = ImportResult(columns={k: header[i] for k, i in index.items()}, encoding=encoding)
    seen_no: dict[int, int] = {}
    seen_id: dict[str, int] = {}
    for offset, raw in enumerate(rows[start + 1 :], start=1):
        if not any(c.strip() for c in raw):
            continue  # blank lines that spreadsheets leave at the end
        result.rows += 1
        row_number = start + 1 + offset
        product, errors = _parse_row(raw, index, header, row_number, result.rows, seen_no, seen_id)
        if errors:
            result.errors.extend(errors)
        else:
            assert product is not None
            result.products.append(product)
    return result


def _parse_row(
    raw: list[str],
    index: dict[str, int],
    header: list[str],
    row_number: int,
    ordinal: int,
    seen_no: dict[int, int],
    seen_id: dict[str, int],
) -> tuple[Product | None, list[RowError]]:
    """One data row → its product, or every problem found in it (a bad row is never half-read)."""
    errors: list[RowError] = []

    def cell(key: str) -> str:
        i = index.get(key)
        return raw[i].strip() if i is not None and i < len(raw) else ""

    def fail_in(key: str) -> _Fail:
        column = header[index[key]] if key in index else ""
        return lambda reason: errors.append(RowError(row_number, column, reason))

    no = _parse_no(cell("no"), row_number, seen_no, fail_in("no")) if "no" in index else ordinal
    name = cell("name")
    if not name:
        fail_in("name")(tr("商品名称为空"))
    elif len(name) > MAX_PRODUCT_NAME:
        fail_in("name")(tr("商品名称太长（最多 {limit} 字）", limit=MAX_PRODUCT_NAME))
    price = _parse_price(cell("price"), fail_in("price"), required=True)
    original_price = _parse_price(cell("original_price"), fail_in("original_price"), required=False)
    stock = _parse_stock(cell("stock"), fail_in("stock"))
    for key in ("product_id", "link", "selling_points", "sku", "image"):
        if len(cell(key)) > MAX_PRODUCT_TEXT:
            fail_in(key)(tr("太长（最多 {limit} 字）", limit=MAX_PRODUCT_TEXT))
    product_id = cell("product_id") or (str(no) if no is not None else "")
    if product_id and "product_id" in index:
        if product_id in seen_id:
            fail_in("product_id")(tr("商品ID {id} 与第 {row} 行重复", id=product_id, row=seen_id[product_id]))
        else:
            seen_id[product_id] = row_number
    if errors or no is None:
        return None, errors
    product = Product(
        no=no,
        product_id=product_id,
        name=name,
        price_fen=price,
        original_price_fen=original_price,
        stock=stock,
        link=cell("link"),
        selling_points=cell("selling_points"),
        sku=cell("sku"),
        image=cell("image"),
    )
    return product, []


#: Records one problem of the cell being read (its row and column are already known).
_Fail = Callable[[str], None]


def _parse_no(text: str, row_number: int, seen_no: dict[int, int], fail: _Fail) -> int | None:
    """The 序号 cell: a positive whole number not used by an earlier row (None when unreadable)."""
    if not text:
        fail(tr("序号为空"))
        return None
    try:
        no = _parse_int(text, MAX_NO)
    except ValueError as e:
        fail(str(e))
        return None
    if no < 1:
        fail(tr("序号必须是正整数"))
    elif no in seen_no:
        fail(tr("序号 {no} 与第 {row} 行重复", no=no, row=seen_no[no]))
    else:
        seen_no[no] = row_number
    return no


def _parse_price(text: str, fail: _Fail, *, required: bool) -> int:
    """A price cell in yuan → fen. ¥0 is a valid price (a gift); an empty cell is 0 unless required."""
    if not text:
        if required:
            fail(tr("价格为空"))
        return 0
    try:
        return parse_yuan(text)
    except ValueError as e:
        fail(str(e))
        return 0


def _parse_stock(text: str, fail: _Fail) -> int:
    """The 库存 cell: a whole number ≥ 0; empty is 0."""
    if not text:
        return 0
    try:
        stock = _parse_int(text, MAX_COUNT)
    except ValueError as e:
        fail(str(e))
        return 0
    if stock < 0:
        fail(tr("库存不能为负数"))
    return stock


def load_products_csv(path: str | Path) -> list[Product]:
    """Read a product list (CSV or XLSX) that must be entirely good, e.g. the demo catalog.

    Raises:
        CatalogError: a required column is missing or any row is bad; the message names the first
            bad row, its column and the reason.
        OSError: the file cannot be read.
    """
    result = import_catalog(path)
    if result.errors:
        first = result.errors[0]
        raise CatalogError(f"{Path(path).name}: {first}")
    return result.products


def demo_catalog_path() -> Path:
    """The demo show's product list shipped with LiveDeck."""
    return RESOURCES / "demo" / "products.csv"


# --- the queue (排品) --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueueItem:
    """One row of the queue as a view shows it. ``position`` is 0-based; ``no`` is the 序号."""

    position: int
    product: Product
    listed: bool

    @property
    def no(self) -> int:
        return self.product.no


class ProductQueue:
    """The show's products in queue order, with 上架/下架 state. Owned and mutated by the engine only.

    Read it freely: ``len(q)``, iteration (:class:`QueueItem` in order), :meth:`get`,
    :meth:`by_product_id`, :meth:`position`, :meth:`is_listed`.
    """

    def __init__(self, products: Iterable[Product] = ()) -> None:
        self._products: dict[int, Product] = {}
        self._by_id: dict[str, Product] = {}
        self._order: list[int] = []
        self._listed: set[int] = set()
        self.replace(products)

    # -- reading --
    def __len__(self) -> int:
        return len(self._order)

    def __iter__(self) -> Iterator[QueueItem]:
        for i, no in enumerate(self._order):
            yield QueueItem(i, self._products[no], no in self._listed)

    def __contains__(self, no: object) -> bool:
        return no in self._products

    @property
    def order(self) -> tuple[int, ...]:
        """The 序号 in queue order."""
        return tuple(self._order)

    @property
    def products(self) -> list[Product]:
        """The products in queue order."""
        return [self._products[no] for no in self._order]

    def get(self, no: int) -> Product | None:
        return self._products.get(no)

    def by_product_id(self, product_id: str) -> Product | None:
        return self._by_id.get(product_id)

    def position(self, no: int) -> int:
        """0-based place of product ``no`` in the queue; ValueError if absent."""
        return self._order.index(no)

    def is_listed(self, no: int) -> bool:
        return no in self._listed

    # -- changing (the engine calls these) --
    def replace(self, products: Iterable[Product]) -> None:
        """Load a new catalog, every product listed, queue in the given order.

        Raises:
            ValueError: a 序号 repeats.
        """
        items = list(products)
        nos = [p.no for p in items]
        if len(set(nos)) != len(nos):
            raise ValueError(tr("序号重复"))
        self._products = {p.no: p for p in items}
        self._by_id = {p.product_id: p for p in items}
        self._order = nos
        self._listed = set(nos)

    def move(self, no: int, to: int) -> None:
        """Put product ``no`` at 0-based position ``to`` (clamped to the queue)."""
        self._order.remove(no)
        self._order.insert(max(0, min(to, len(self._order))), no)

    def update(self, product: Product) -> None:
        """Replace product ``product.no`` with an edited copy (same 序号 and product id)."""
        old = self._products[product.no]
        if old.product_id != product.product_id:
            raise ValueError("the product id of a product never changes")
        self._products[product.no] = product
        self._by_id[product.product_id] = product

    def set_listed(self, no: int, listed: bool) -> None:
        if listed:
            self._listed.add(no)
        else:
            self._listed.discard(no)
