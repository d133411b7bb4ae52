"""Which of the show's products an order read from the platform's console page is for.

The page's order stream names the *platform's* product id and the product's title; LiveDeck's queue may
know the product by another id (goods imported from the page are numbered by their 序号, a CSV by the
shop's export). :func:`match_product` tries, in this order:

1. the exact ``product_id`` of a product in the queue (a catalog exported from the shop backend);
2. the ``platform_id`` remembered when the goods were imported from the console page;
3. the title, normalised (NFKC, whitespace removed, case-folded), when exactly one product has it.

Anything else — no product, or two products with that id or title — is *unmatched*: the order is still
counted, never dropped and never guessed, with no amount (LiveDeck cannot know its price) and
``extra["product_match"] == "unmatched"``. :class:`OrderMatcher` applies this to order events on the
engine's thread, just before they are submitted, and keeps the tally the record summary prints.
docs/platform-console.md explains it to users.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from app.commerce.catalog import Product
from app.core.events import Kind, LiveEvent

#: ``extra["product_match"]`` of an order no product of the queue could be found for.
UNMATCHED = "unmatched"


@functools.lru_cache(maxsize=4096)
def normalised_title(title: str) -> str:
    """A title as orders and goods are compared: NFKC (full-width → half-width), no whitespace, case-folded."""
    return "".join(unicodedata.normalize("NFKC", title).split()).casefold()


@dataclass(frozen=True, slots=True)
class OrderMatch:
    """The product an order is for (None: unmatched) and by which rule: ``product_id``, ``platform_id``,
    ``title`` or :data:`UNMATCHED`."""

    product: Product | None
    rule: str


_BY_ID: tuple[tuple[str, Callable[[Product], str]], ...] = (
    ("product_id", lambda p: p.product_id), ("platform_id", lambda p: p.platform_id))


def match_product(products: Iterable[Product], product_id: str, title: str) -> OrderMatch:
    """The one product of ``products`` that an order naming ``product_id`` and ``title`` is for; see the
    module docstring. An id or title that two products share matches nothing."""
    items = list(products)
    for rule, key in _BY_ID if product_id else ():
        hits = [p for p in items if key(p) == product_id]
        if len(hits) == 1:
            return OrderMatch(hits[0], rule)
        if hits:
            return OrderMatch(None, UNMATCHED)
    wanted = normalised_title(title)
    hits = [p for p in items if wanted and normalised_title(p.name) == wanted]
    return OrderMatch(hits[0], "title") if len(hits) == 1 else OrderMatch(None, UNMATCHED)


@dataclass(slots=True)
class OrderTally:
    """The console's orders so far: how many, their GMV in fen, and how many matched no product."""

    orders: int = 0
    gmv_fen: int = 0
    unmatched: int = 0


class OrderMatcher:
    """Gives the console's orders LiveDeck's product id and amount before they reach the engine.

    Args:
        products: the show's products now (the engine's queue; read on the engine's thread).
    """

    def __init__(self, products: Callable[[], Sequence[Product]]) -> None:
        self._products = products
        self.tally = OrderTally()

    def attribute(self, events: Iterable[LiveEvent]) -> None:
        """Each order of ``events``, in place: the matched product's id and price × units; an unmatched one
        keeps the platform's id, no amount, and ``product_match: unmatched``. Other events pass untouched."""
        products: Sequence[Product] | None = None
        for event in events:
            if event.kind != Kind.ORDER:
                continue
            products = self._products() if products is None else products
            platform_id = event.product_id
            match = match_product(products, platform_id, event.text)
            extra = dict(event.extra or {})
            extra["product_match"] = match.rule
            if match.product is None:
                event.amount_fen = 0
                self.tally.unmatched += 1
            else:
                event.product_id = match.product.product_id
                event.amount_fen = event.count * match.product.price_fen
                if platform_id and platform_id != event.product_id:
                    extra["platform_product_id"] = platform_id
            event.extra = extra
            self.tally.orders += 1
            self.tally.gmv_fen += event.amount_fen


def platform_id_of(no: int, name: str, goods: Sequence[tuple[str, str]]) -> str:
    """The platform's product id of the goods-list row ``no`` named ``name``, from the page's goods-list
    response ``goods`` ((platform id, title) in list order): the one entry with that title, or of several,
    the one at the row's place in the list; '' when none fits (its orders are then matched by title)."""
    wanted = normalised_title(name)
    same = [i for i, (_, title) in enumerate(goods) if wanted and normalised_title(title) == wanted]
    if len(same) == 1:
        return goods[same[0]][0]
    return goods[no - 1][0] if no - 1 in same else ""


def goods_product(row: dict[str, Any], goods: Sequence[tuple[str, str]]) -> Product | None:
    """A goods-list row read from the page as a product: ``¥12.90`` → 1290 fen, ``库存 140`` → 140, its
    platform id from the goods-list response ``goods`` when the page sent one (the id its orders name);
    None if it has no name."""
    price = re.search(r"\d+(?:\.\d{1,2})?", str(row.get("price", "")))
    stock = re.search(r"\d+", str(row.get("stock", "")).replace(",", ""))
    name = str(row.get("name", "")).strip()
    if not name:
        return None
    no = int(row["no"])
    return Product(no, str(no), name[:200], round(float(price.group()) * 100) if price else 0,
                   stock=int(stock.group()) if stock else 0, platform_id=platform_id_of(no, name, goods))
