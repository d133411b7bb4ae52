"""Importing the shop backend's order export (CSV/XLSX) for a session into ``shop_orders``: each order
attributed to its product and to the explain window it was paid in (docs/review.md, docs/schema.md)."""

from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from app.commerce.catalog import CatalogError, RowError, read_table
from app.core.i18n import tr
from app.core.units import parse_yuan
from app.review.explain_windows import ExplainWindow, window_at
from app.review.log_access import PathLike, ReviewError, Writer
from app.review.session import SessionReader


@dataclass(frozen=True)
class OrderImport:
    """What an import did: orders added, how many of them in a product's own explain window, bad rows."""

    imported: int
    in_windows: int  # of those, placed in a product's explain window
    errors: list[RowError]
    duplicates: int = 0  # order ids already imported for the session


#: Header names of a shop backend's order export (first match wins, case-insensitive).
ORDER_HEADERS: dict[str, tuple[str, ...]] = {
    "order_id": ("订单号", "订单编号", "订单id", "主订单编号", "子订单编号", "order id", "order_id", "order"),
    "product": ("商品", "商品id", "商品名称", "商品编号", "序号", "product", "product_id", "product id", "item"),
    "amount": ("金额", "实付金额", "支付金额", "实付款", "订单金额", "amount", "paid", "amount (yuan)"),
    "time": ("时间", "支付时间", "付款时间", "下单时间", "创建时间", "time", "paid_at", "paid at", "created_at"),
    "buyer": ("买家", "买家昵称", "用户", "用户id", "buyer", "user"),
}
_REQUIRED = ("order_id", "product", "amount", "time")
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%dT%H:%M:%S")


def _parse_time(text: str) -> float:
    """Unix seconds, or a local date-time as shop backends write it (ISO with a zone too)."""
    text = text.strip()
    try:
        value = float(text)
    except ValueError:
        pass
    else:
        if value > 1e12:  # milliseconds
            value /= 1000
        if value > 1e8:
            return value
        raise ValueError(text)
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text.split(".")[0], fmt).timestamp()
        except ValueError:
            continue
    return datetime.fromisoformat(text).timestamp()



def import_shop_orders(path: PathLike, session_id: int, orders_file: PathLike) -> OrderImport:
    """Import the shop's order export (CSV/XLSX) for a session into ``shop_orders``.

    Columns (Chinese or English headers, see :data:`ORDER_HEADERS`): order id, product (its product id,
    its name or its 序号 like ``3`` / ``3号``), amount in yuan, time (local date-time or unix seconds),
    buyer (optional). Each order is attributed to its product and to the explain window it was paid in
    (``window_no``: the product explained then; ``in_window``: 1 if that was its own product). A bad row
    is skipped with one error per problem; an order id already imported for the session is skipped.

    Raises:
        ReviewError: the file is unreadable or lacks a required column; the session is unknown.
    """
    file = Path(orders_file)
    rows = _read_rows(file)
    header = [h.strip() for h in rows[0]]
    cols = _find_columns(header, file)
    with SessionReader(path, session_id) as session:
        attribution = _Attribution(session.explain_windows(), session.catalog)
    errors: list[RowError] = []
    good: list[tuple[Any, ...]] = []
    seen: set[str] = set()
    now = time.time()
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        order = _OrderRow(number, row, header, cols)
        row_errors, parsed = order.parse(attribution, seen)
        if row_errors:
            errors += row_errors
            continue
        assert parsed is not None
        order_id, pid, amount, ts = parsed
        seen.add(order_id)
        window = attribution.window_at(ts)
        good.append((session_id, order_id, pid, attribution.catalog[pid][0], amount, ts, order.cell("buyer"),
                     window.no if window else None, int(window is not None and window.product_id == pid),
                     file.name, now))
    inserted, in_windows = _insert(path, session_id, good, now)
    return OrderImport(inserted, in_windows, errors, duplicates=len(good) - inserted)


def _read_rows(file: Path) -> list[list[str]]:
    try:
        rows, _ = read_table(file)
    except (CatalogError, OSError) as exc:
        raise ReviewError(str(exc)) from None
    if not rows:
        raise ReviewError(tr("{name} 是空的", name=file.name))
    return rows


def _find_columns(header: list[str], file: Path) -> dict[str, int]:
    """Column index per :data:`ORDER_HEADERS` key found in ``header``.

    Raises:
        ReviewError: a required column is missing.
    """
    lowered = [h.lower() for h in header]
    cols: dict[str, int] = {}
    for key, names in ORDER_HEADERS.items():
        for name in names:
            if name in lowered:
                cols[key] = lowered.index(name)
                break
    missing = [k for k in _REQUIRED if k not in cols]
    if missing:
        columns = "、".join(ORDER_HEADERS[k][0] for k in missing)
        raise ReviewError(tr("{name} 缺少列：{columns}", name=file.name, columns=columns))
    return cols


class _Attribution:
    """Which product an order names, and which explain window it was paid in."""

    def __init__(self, windows: list[ExplainWindow], catalog: dict[str, tuple[int, str, int]]) -> None:
        self.windows = windows
        self.starts = [w.start_ts for w in windows]
        self.catalog = catalog
        self.by_name = {name: pid for pid, (_, name, _) in catalog.items()}
        self.by_no = {no: pid for pid, (no, _, _) in catalog.items()}

    def product(self, text: str) -> str | None:
        """The product id ``text`` names: a product id, a name, or a 序号 (``3`` / ``3号``)."""
        pid = text if text in self.catalog else self.by_name.get(text)
        if pid is None:
            m = re.fullmatch(r"(\d{1,3})\s*号?", unicodedata.normalize("NFKC", text))
            pid = self.by_no.get(int(m.group(1))) if m else None
        return pid

    def window_at(self, ts: float) -> ExplainWindow | None:
        return window_at(ts, self.windows, self.starts)


class _OrderRow:
    """One row of the export (``number``: its 1-based row in the file)."""

    def __init__(self, number: int, row: list[str], header: list[str], cols: dict[str, int]) -> None:
        self.number, self.row, self.header, self.cols = number, row, header, cols

    def cell(self, key: str) -> str:
        i = self.cols.get(key)
        return self.row[i].strip() if i is not None and i < len(self.row) else ""

    def _error(self, key: str, reason: str) -> RowError:
        return RowError(self.number, self.header[self.cols[key]], reason)

    def parse(self, attribution: _Attribution,
              seen: set[str]) -> tuple[list[RowError], tuple[str, str, int, float] | None]:
        """(its errors, one per problem; (order id, product id, amount in fen, ts) if there are none)."""
        errors: list[RowError] = []
        order_id = self.cell("order_id")
        if not order_id:
            errors.append(self._error("order_id", tr("缺少订单号")))
        elif order_id in seen:
            errors.append(self._error("order_id", tr("订单号 {id} 重复", id=order_id)))
        product = self.cell("product")
        pid = attribution.product(product)
        if pid is None:
            errors.append(self._error("product", tr("找不到商品：{product}", product=product or "—")))
        amount = 0
        try:
            amount = parse_yuan(self.cell("amount"))
            if amount <= 0:
                raise ValueError(tr("金额必须大于 0"))
        except ValueError as exc:
            errors.append(self._error("amount", str(exc)))
        ts = 0.0
        try:
            ts = _parse_time(self.cell("time"))
        except (ValueError, OverflowError, OSError):
            errors.append(self._error("time", tr("不是时间：{text}", text=self.cell("time") or "—")))
        if errors or pid is None:
            return errors, None
        return errors, (order_id, pid, amount, ts)


def _insert(path: PathLike, session_id: int, good: list[tuple[Any, ...]], now: float) -> tuple[int, int]:
    """Insert the parsed orders (an order id already there is skipped): (how many were inserted, how many of
    those are in their own product's explain window)."""
    with Writer(path) as conn:
        before = conn.total_changes
        conn.executemany(
            "INSERT OR IGNORE INTO shop_orders (session_id, order_id, product_id, no, amount_fen, ts, buyer, "
            "window_no, in_window, source_file, imported_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            good,
        )
        inserted = conn.total_changes - before
        in_windows = conn.execute(
            f"SELECT count(*) FROM shop_orders WHERE session_id = ? AND in_window = 1 AND imported_at = ? "
            f"AND order_id IN ({','.join('?' * len(good))})",
            (session_id, now, *(g[1] for g in good)),
        ).fetchone()[0] if good else 0
    return inserted, in_windows
