"""Per-product numbers: the catalog's numbers and names, what happened inside each product's explain
windows, and how often viewers named its number ("3号")."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.comments.classifier import product_numbers
from app.metrics.marks import ExplainWindow
from app.metrics.rates import Rate

class Catalog:
    """The show's products by id and by number (序号), for labels and for comments naming a number."""

    def __init__(self) -> None:
        self._names: dict[str, tuple[int | None, str]] = {}
        self._by_no: dict[int, str] = {}

    def add(self, products: Iterable[Any]) -> None:
        """Products with ``no``, ``product_id`` and ``name`` (``app.commerce.catalog.Product`` or alike)."""
        for p in products:
            self._names[p.product_id] = (p.no, p.name)
            self._by_no[int(p.no)] = p.product_id

    def replace(self, products: Iterable[Any]) -> None:
        """Forget the products known so far and :meth:`add` these."""
        self._names.clear()
        self._by_no.clear()
        self.add(products)

    def ids(self) -> set[str]:
        return set(self._names)

    def number_and_name(self, product_id: str) -> tuple[int | None, str]:
        """``(no, name)``; ``(None, "")`` for a product the catalog does not know."""
        return self._names.get(product_id, (None, ""))

    def label(self, product_id: str) -> str:
        """``"3号 山楂条"`` when the catalog knows it, else the id."""
        no, name = self.number_and_name(product_id)
        return f"{no}号 {name}".strip() if no is not None else product_id

    def prefixed(self, product_id: str, prefix: str) -> str:
        """``"秒杀 3号"`` when the catalog knows it, else the prefix alone."""
        no, _ = self.number_and_name(product_id)
        return f"{prefix} {no}号" if no is not None else prefix

    def mentioned(self, text: str) -> str | None:
        """The product of the first number in ``text`` that names one ("3号…", "#3", "三号"), if any."""
        for no in product_numbers(text):
            pid = self._by_no.get(no)
            if pid is not None:
                return pid
        return None


@dataclass(frozen=True, slots=True)
class ProductStats:
    """One product's live numbers. ``window_*`` count only what happened inside its explain windows."""

    product_id: str
    no: int | None
    name: str
    explain_seconds: float
    window_clicks: int
    window_clickers: int
    window_orders: int
    window_units: int
    window_buyers: int
    window_clicked_buyers: int  # window buyers who also clicked it inside its windows (people)
    window_gmv_fen: int
    orders: int  # whole session
    gmv_fen: int  # whole session
    intent_comments: int  # buying-intent comments while it was on screen
    mentions: int  # comments naming its number ("3号…")

    @property
    def conversion(self) -> Rate:
        """Window buyers who clicked ÷ window clickers (people, both inside its windows): never over 100 %."""
        return Rate(self.window_clicked_buyers, self.window_clickers)


@dataclass(slots=True)
class ProductLog:
    """One product's clicks and orders over the session."""

    clicks: list[tuple[float, str]] = field(default_factory=list)  # (ts, user_id)
    orders: list[tuple[float, str, int, int]] = field(default_factory=list)  # (ts, user, units, fen)


@dataclass(frozen=True, slots=True)
class ProductActivity:
    """What :func:`product_stats` reads: the session's explain windows and per-product logs."""

    windows: Sequence[ExplainWindow]
    logs: Mapping[str, ProductLog]
    mentions: Mapping[str, int]
    intent_ts: Sequence[float]  # sorted times of the buying-intent comments


def product_stats(
    catalog: Catalog, activity: ProductActivity, when: float, *, every_product: bool = False
) -> list[ProductStats]:
    """Per-product numbers for every product explained, clicked, ordered or mentioned (and, with
    ``every_product``, every catalog product too, at zero), by number; open windows end at ``when``."""
    windows: defaultdict[str, list[ExplainWindow]] = defaultdict(list)
    for w in activity.windows:
        windows[w.product_id].append(w)
    ids = set(windows) | set(activity.logs) | set(activity.mentions)
    if every_product:
        ids |= catalog.ids()
    out = [_one_product(pid, catalog, activity, windows.get(pid, []), when) for pid in ids]
    out.sort(key=lambda s: (s.no is None, s.no or 0, s.product_id))
    return out


def _one_product(
    pid: str, catalog: Catalog, activity: ProductActivity, ws: list[ExplainWindow], when: float
) -> ProductStats:
    plog = activity.logs.get(pid) or ProductLog()
    explain = sum(max(0.0, (when if w.end is None else w.end) - w.start) for w in ws)

    def inside(ts: float) -> bool:
        return any(w.contains(ts) for w in ws)

    clicks = [(ts, u) for ts, u in plog.clicks if inside(ts)]
    orders = [o for o in plog.orders if inside(o[0])]
    intent_ts = activity.intent_ts
    intent = 0
    for w in ws:
        hi = bisect.bisect_left(intent_ts, w.end) if w.end is not None else len(intent_ts)
        intent += max(0, hi - bisect.bisect_left(intent_ts, w.start))
    no, name = catalog.number_and_name(pid)
    clickers = {u for _, u in clicks if u}
    buyers = {o[1] for o in orders if o[1]}
    return ProductStats(
        product_id=pid, no=no, name=name, explain_seconds=explain,
        window_clicks=len(clicks), window_clickers=len(clickers),
        window_orders=len(orders), window_units=sum(o[2] for o in orders),
        window_buyers=len(buyers),
        window_gmv_fen=sum(o[3] for o in orders),
        orders=len(plog.orders), gmv_fen=sum(o[3] for o in plog.orders),
        intent_comments=intent, mentions=activity.mentions.get(pid, 0),
        window_clicked_buyers=len(buyers & clickers),
    )
