"""Per-product numbers: the catalog's numbers and names, what happened inside each product's explain
windows, and how often viewers named its number ("3号"). Clicks and orders are kept in SQLite
(:class:`ProductLogs`), not in memory, and counted there per window."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.comments.classifier import product_numbers
from app.metrics.marks import ExplainWindow
from app.metrics.people import scratch_db
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


class ProductLogs:
    """Every product click and order and the time of every buying-intent comment of the session, in a
    scratch SQLite database (app/metrics/people.py) so that their memory does not grow with the show; the
    per-product session totals stay in Python."""

    def __init__(self) -> None:
        self._db = scratch_db()
        self._db.executescript(
            "CREATE TABLE clicks (pid TEXT NOT NULL, ts REAL NOT NULL, uid TEXT NOT NULL);"
            "CREATE INDEX clicks_by_time ON clicks (pid, ts);"
            "CREATE INDEX clicks_by_person ON clicks (pid, uid);"
            "CREATE TABLE orders (pid TEXT NOT NULL, ts REAL NOT NULL, uid TEXT NOT NULL, units INTEGER, fen INTEGER);"
            "CREATE INDEX orders_by_time ON orders (pid, ts);"
            "CREATE TABLE intents (ts REAL NOT NULL);"
            "CREATE INDEX intents_by_time ON intents (ts);")
        #: Per product: (orders, GMV in fen) over the whole session.
        self.totals: dict[str, tuple[int, int]] = {}
        self._clicked: set[str] = set()

    def add(self, clicks: list[tuple[str, float, str]], orders: list[tuple[str, float, str, int, int]],
            intents: list[float]) -> None:
        """One batch's clicks ``(product, ts, user)``, orders ``(product, ts, user, units, fen)`` and the
        times of its buying-intent comments."""
        if intents:
            self._db.executemany("INSERT INTO intents VALUES (?)", ((ts,) for ts in intents))
        if clicks:
            self._db.executemany("INSERT INTO clicks VALUES (?, ?, ?)", clicks)
            self._clicked.update(c[0] for c in clicks)
        if orders:
            self._db.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?)", orders)
            for pid, _, _, _, fen in orders:
                n, gmv = self.totals.get(pid, (0, 0))
                self.totals[pid] = (n + 1, gmv + fen)

    def ids(self) -> set[str]:
        """The products clicked or ordered so far."""
        return self._clicked | set(self.totals)

    def in_windows(self, pid: str, windows: Sequence[ExplainWindow]) -> tuple[int, int, int, int, int, int, int]:
        """Inside ``windows``: clicks, clickers, orders, units, buyers, GMV, buyers who also clicked."""
        if not windows:
            return 0, 0, 0, 0, 0, 0, 0
        spans: list[float] = []
        for w in windows:
            spans += (w.start, math.inf if w.end is None else w.end)
        inside = " OR ".join(["(ts >= ? AND ts < ?)"] * len(windows))
        db = self._db
        clicks, clickers = db.execute(
            f"SELECT COUNT(*), COUNT(DISTINCT NULLIF(uid, '')) FROM clicks WHERE pid = ? AND ({inside})",
            (pid, *spans)).fetchone()
        orders, units, buyers, fen = db.execute(
            f"SELECT COUNT(*), TOTAL(units), COUNT(DISTINCT NULLIF(uid, '')), TOTAL(fen) FROM orders "
            f"WHERE pid = ? AND ({inside})", (pid, *spans)).fetchone()
        both = db.execute(
            f"SELECT COUNT(DISTINCT uid) FROM orders WHERE pid = ?1 AND uid != '' AND ({_numbered(inside, 2)}) "
            f"AND uid IN (SELECT uid FROM clicks WHERE pid = ?1 AND ({_numbered(inside, 2)}))",
            (pid, *spans)).fetchone()[0]
        return clicks, clickers, orders, int(units), buyers, int(fen), both

    def intents_in(self, windows: Sequence[ExplainWindow]) -> int:
        """Buying-intent comments inside ``windows`` (one inside two overlapping windows counts twice)."""
        count = self._db.execute
        return sum(count("SELECT COUNT(*) FROM intents WHERE ts >= ? AND ts < ?",
                         (w.start, math.inf if w.end is None else w.end)).fetchone()[0] for w in windows)

    def close(self) -> None:
        """Drop the tables (the temporary file goes with them)."""
        self._db.close()


def _numbered(inside: str, first: int) -> str:
    """``inside``'s ``?`` placeholders numbered from ``?first`` (so one list of spans serves it twice)."""
    parts = inside.split("?")
    return "".join(part + (f"?{first + i}" if i < len(parts) - 1 else "") for i, part in enumerate(parts))


@dataclass(frozen=True, slots=True)
class ProductActivity:
    """What :func:`product_stats` reads: the session's explain windows and per-product logs."""

    windows: Sequence[ExplainWindow]
    logs: ProductLogs
    mentions: Mapping[str, int]


def product_stats(
    catalog: Catalog, activity: ProductActivity, when: float, *, every_product: bool = False
) -> list[ProductStats]:
    """Per-product numbers for every product explained, clicked, ordered or mentioned (and, with
    ``every_product``, every catalog product too, at zero), by number; open windows end at ``when``."""
    windows: defaultdict[str, list[ExplainWindow]] = defaultdict(list)
    for w in activity.windows:
        windows[w.product_id].append(w)
    ids = set(windows) | activity.logs.ids() | set(activity.mentions)
    if every_product:
        ids |= catalog.ids()
    out = [_one_product(pid, catalog, activity, windows.get(pid, []), when) for pid in ids]
    out.sort(key=lambda s: (s.no is None, s.no or 0, s.product_id))
    return out


def _one_product(
    pid: str, catalog: Catalog, activity: ProductActivity, ws: list[ExplainWindow], when: float
) -> ProductStats:
    explain = sum(max(0.0, (when if w.end is None else w.end) - w.start) for w in ws)
    clicks, clickers, orders, units, buyers, fen, both = activity.logs.in_windows(pid, ws)
    session_orders, session_gmv = activity.logs.totals.get(pid, (0, 0))
    intent = activity.logs.intents_in(ws)
    no, name = catalog.number_and_name(pid)
    return ProductStats(
        product_id=pid, no=no, name=name, explain_seconds=explain,
        window_clicks=clicks, window_clickers=clickers,
        window_orders=orders, window_units=units,
        window_buyers=buyers,
        window_gmv_fen=fen,
        orders=session_orders, gmv_fen=session_gmv,
        intent_comments=intent, mentions=activity.mentions.get(pid, 0),
        window_clicked_buyers=both,
    )
