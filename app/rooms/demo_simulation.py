"""The demo room's simulation: a believable live room, pure and deterministic.

:class:`DemoRoom` has no clock and no I/O, and one ``random.Random(seed)``. The caller advances it with
:meth:`DemoRoom.step` and sends it operator commands with :meth:`DemoRoom.apply_command` (the server in
:mod:`app.rooms.demo` does both). The room opens nearly empty and fills up; viewers arrive (an ``enter``
before anything else they do) and leave, comment, like, follow, share, send gifts and join the fan
club. About one comment in five is a question, and only a product that is (nearly) sold out is talked
about as such. Orders happen only for the product being explained or on flash sale, never
beyond stock or a per-user limit; coupons are claimed after a drop, never beyond their quantity. A
pinned product (置顶) draws a few more clicks and orders while it is in front of the viewers.

System notices carry their tag in ``extra`` (:mod:`app.core.events`: ``FlashSaleNotice``,
``SaleEndReason``, ``CouponNotice``, ``ProductNotice``); the text is for people.
"""

from __future__ import annotations

import math
import random
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.commerce.catalog import Product, demo_catalog_path, load_products_csv
from app.core.events import CouponNotice, FlashSaleNotice, ProductNotice, SaleEndReason
from app.core.units import coupon_label, format_fen
from app.engine.commands import COMMANDS
from app.rooms.demo_vocabulary import (
    COUPON_TALK,
    FLASH_TALK,
    LIKE_COUNTS,
    LOW_STOCK,
    ORDER_COUNTS,
    build_comment_pool,
    build_gift_table,
    build_names,
    build_product_pool,
    stock_talk,
)

STATS_EVERY_S = 2.0  # viewer_stats cadence, in room time
COUPON_BOOST_S = 60.0  # orders stay more likely this long after a coupon drop
BUYER_CLICKED_FIRST = 0.8  # share of orders placed by a viewer who opened the product's card first
#: How much more often viewers open and buy the pinned product's card while it is featured: the card
#: sits at the top of the cart, so a few more people see it; it does not create demand of its own.
PIN_BOOST = 0.15
COUPON_KINDS = ("满减", "直减", "折扣")
#: Viewers waiting when the room opens; everyone else arrives later. Each enters (an ``enter`` event)
#: before they do anything else, so the viewers we saw (UV) are never fewer than those online.
OPENING_AUDIENCE = 10
#: While the room is below its usual size, arrivals are up to this many times more frequent on top of
#: the usual ones: a new live fills up in a minute or two.
FILL_BOOST = 3.0
#: Share of comments about a product's low stock, while some product has at most ``LOW_STOCK`` left.
STOCK_TALK_SHARE = 0.05



@dataclass(slots=True)
class _FlashSale:
    sale_id: str  # the command_id that started it: the console's own id for the sale
    product: Product
    price_fen: int
    stock: int  # units left in the sale
    ends_at: float  # room time
    limit_per_user: int | None
    bought: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class _Coupon:
    coupon_id: str
    remaining: int
    per_user_limit: int
    dropped_at: float  # room time
    claims: dict[str, int] = field(default_factory=dict)
    label: str = ""  # how it reads (满100减10), for the room's own notices


class CommandError(ValueError):
    """A command the room rejects; the message is the ack's reason."""


def _arg_str(args: dict[str, Any], name: str) -> str:
    value = args.get(name)
    if not isinstance(value, str) or not value:
        raise CommandError(f"args.{name} must be a non-empty string")
    return value


def _arg_int(args: dict[str, Any], name: str, *, low: int) -> int:
    value = args.get(name)
    # bool is an int in Python, never in a protocol.
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise CommandError(f"args.{name} must be an integer ≥ {low}")
    return value


def _arg_optional_int(args: dict[str, Any], name: str, *, low: int) -> int | None:
    return None if args.get(name) is None else _arg_int(args, name, low=low)


class DemoRoom:
    """A simulated live room, deterministic for a given seed and sequence of calls.

    Args:
        seed: the same seed and the same sequence of :meth:`step` / :meth:`apply_command` calls give
            the same events (kinds, users, texts, msg_ids); only ``ts`` follows the ``now`` passed in.
        rate: events per second of room time, across all kinds (approximately).
        catalog: the products on sale; the demo show's products by default.
    """

    def __init__(self, seed: int = 0, rate: float = 8.0, catalog: list[Product] | None = None) -> None:
        if rate <= 0 or not math.isfinite(rate):
            raise ValueError(f"rate must be a positive number of events per second, not {rate!r}")
        self.seed = seed
        self.rate = float(rate)
        self.catalog = list(catalog) if catalog is not None else load_products_csv(demo_catalog_path())
        self._by_id = {p.product_id: p for p in self.catalog}
        self.stock = {p.product_id: p.stock for p in self.catalog}
        self._rng = random.Random(seed)
        rng = self._rng
        self._names = build_names(rng, 8192)
        self._comments = build_comment_pool(rng, [p.no for p in self.catalog])
        self._product_pools: dict[int, list[str]] = {}
        self._gift_table = build_gift_table()
        self._msg_prefix = f"demo-{seed}-"
        self._seq = 0
        self.t = 0.0  # room time, seconds since the room opened
        self._next_stats = 0.0
        self._pending: list[dict[str, Any]] = []  # events caused by commands, sent at the next step

        # Viewers are (user_id, name) tuples. Lists with swap-remove keep arrivals and departures O(1)
        # at any rate.
        self._enter_share = 0.25
        self._base_online = max(30.0, min(20000.0, self.rate * self._enter_share * 90.0))
        self._walk = 0.0  # slow random walk of the audience size, ±20 %
        self._online: list[tuple[str, str]] = []
        self._gone: list[tuple[str, str]] = []
        # Who opened each product's card lately: most buyers click before they buy, as on a real room.
        self._clickers: dict[str, deque[tuple[str, str]]] = {}
        self._viewer_count = 0  # unique viewers ever
        for _ in range(OPENING_AUDIENCE):
            viewer = self._new_viewer()
            self._online.append(viewer)
            self._pending.append(self._event("enter", 0.0, user_id=viewer[0], user_name=viewer[1]))

        self.explaining: Product | None = None
        self.pinned: Product | None = None  # the card at the top of the cart (置顶)
        self.flash_sales: dict[str, _FlashSale] = {}
        self.coupons: dict[str, _Coupon] = {}
        self._last_coupon_drop = -math.inf
        self._acks: OrderedDict[str, str] = OrderedDict()  # command_id → first result

    # -- viewers ---------------------------------------------------------------------------------

    def _new_viewer(self) -> tuple[str, str]:
        self._viewer_count += 1
        # A bijection of the viewer's number onto 19-digit ids: unique, but not sequential-looking.
        uid = 10**18 + (self._viewer_count * 0x9E3779B97F4A7C15) % (1 << 62)
        return str(uid), self._names[int(self._rng.random() * len(self._names))]

    @property
    def online(self) -> int:
        """Viewers in the room now."""
        return len(self._online)

    @property
    def total_viewers(self) -> int:
        """Unique viewers since the room opened."""
        return self._viewer_count

    def _target_online(self) -> float:
        wave = 0.2 * math.sin(2 * math.pi * self.t / 300.0)  # audiences ebb and flow over minutes
        boost = 0.3 if self.flash_sales else 0.0  # a flash sale pulls people in
        return max(10.0, self._base_online * (1.0 + wave + self._walk + boost))

    # -- the clock -------------------------------------------------------------------------------

    def step(self, dt: float, now: float) -> list[dict[str, Any]]:
        """Advance the room by ``dt`` seconds of room time and return what happened meanwhile.

        Args:
            dt: seconds of room time to simulate (≥ 0).
            now: the wall-clock time (unix seconds) at the end of the step; events are stamped
                within ``(now - dt, now]``.

        Returns:
            Generic-protocol event objects (``{"type": "event", "kind": ...}``) in order.
        """
        out: list[dict[str, Any]] = []
        for event in self._pending:
            event["ts"] = now - dt
            out.append(event)
        self._pending = []
        end = self.t + max(0.0, dt)
        # Sub-steps end at every boundary (stats tick, flash sale end) so that a sale ends exactly at
        # its deadline, however coarse the caller's steps are.
        while True:
            boundary = min([end, self._next_stats, *(s.ends_at for s in self.flash_sales.values())])
            if boundary > self.t:
                self._generate(boundary - self.t, now - (end - self.t), out)
                self.t = boundary
            for pid, sale in list(self.flash_sales.items()):
                if self.t >= sale.ends_at:
                    self._end_flash_sale(pid, SaleEndReason.TIME, now - (end - self.t), out)
            if self.t >= self._next_stats:
                self._next_stats += STATS_EVERY_S
                self._walk = max(-0.2, min(0.2, self._walk + self._rng.gauss(0.0, 0.03)))
                out.append(self._event("viewer_stats", now - (end - self.t), count=len(self._online),
                                       extra={"total_viewers": self._viewer_count}))
            if self.t >= end:
                return out

    def _event(self, kind: str, ts: float, **fields: Any) -> dict[str, Any]:
        self._seq += 1
        return {"type": "event", "kind": kind, "ts": ts, "msg_id": self._msg_prefix + str(self._seq),
                **fields}

    def _count(self, lam: float) -> int:
        """How many events happen in an interval that expects ``lam`` of them (Poisson)."""
        rng = self._rng
        if lam < 30.0:
            # Knuth's method, adequate for small means.
            limit, k, p = math.exp(-lam), 0, rng.random()
            while p > limit:
                k += 1
                p *= rng.random()
            return k
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))

    def _weights(self) -> tuple[list[str], list[float]]:
        kinds = ["comment", "enter", "like", "follow", "share", "gift", "fansclub"]
        filling = max(0.0, 1.0 - len(self._online) / self._target_online())  # 1 when the room is empty
        weights = [0.40, self._enter_share * (1.0 + FILL_BOOST * filling), 0.20, 0.03, 0.02, 0.05, 0.01]
        if self.explaining is not None or self.flash_sales:
            order = 0.08 if self.flash_sales else 0.015
            if self.t - self._last_coupon_drop < COUPON_BOOST_S:
                order *= 2.5
            click = 0.08 if self.flash_sales else 0.05
            if self._pinned_is_featured():
                click, order = click * (1 + PIN_BOOST), order * (1 + PIN_BOOST)
            kinds += ["product_click", "order"]
            weights += [click, order]
        if any(c.remaining > 0 for c in self.coupons.values()):
            since = self.t - max(c.dropped_at for c in self.coupons.values() if c.remaining > 0)
            kinds.append("coupon_claim")
            weights.append(0.02 + 0.10 * math.exp(-since / 30.0))  # a rush right after the drop
        return kinds, weights

    def _generate(self, dt: float, ts0: float, out: list[dict[str, Any]]) -> None:
        """Simulate ``dt`` seconds starting at wall-clock ``ts0``, appending events to ``out``."""
        rng = self._rng
        rnd = rng.random
        kinds, weights = self._weights()
        n = self._count(self.rate * dt)
        enter_rate = self.rate * self._enter_share / sum(weights)
        self._leave(len(self._online) * enter_rate / self._target_online() * dt)
        if n == 0:
            return
        total = sum(weights)
        cum, acc = [], 0.0
        for w in weights:
            acc += w
            cum.append(acc / total)
        chosen = rng.choices(kinds, cum_weights=cum, k=n)
        online = self._online
        comments, n_comments = self._comments, len(self._comments)
        explaining = self.explaining
        special: list[str] | None = None
        if explaining is not None:
            special = self._product_pools.get(explaining.no)
            if special is None:
                special = self._product_pools[explaining.no] = build_product_pool(rng, explaining.no)
        gifts, n_gifts = self._gift_table, len(self._gift_table)
        prefix = self._msg_prefix
        coupon_talk = bool(self.coupons) and self.t - self._last_coupon_drop < COUPON_BOOST_S
        # Only a product that is (nearly) sold out is talked about as such ("4号怎么没库存了").
        low_stock = [p.no for p in self.catalog if self.stock[p.product_id] <= LOW_STOCK]
        step_ts = dt / n
        for i, kind in enumerate(chosen):
            ts = ts0 + (i + 1) * step_ts
            viewer = self._arrive() if kind == "enter" else online[int(rnd() * len(online))]
            self._seq += 1
            ev: dict[str, Any] = {"type": "event", "kind": kind, "ts": ts, "msg_id": prefix + str(self._seq),
                                  "user_id": viewer[0], "user_name": viewer[1]}
            if kind == "comment":
                # One draw, cumulative thresholds: each context takes its share only while it applies.
                r = rnd()
                if self.flash_sales and r < 0.2:
                    ev["text"] = FLASH_TALK[int(rnd() * len(FLASH_TALK))]
                elif coupon_talk and r < 0.35:
                    ev["text"] = COUPON_TALK[int(rnd() * len(COUPON_TALK))]
                elif special is not None and r < 0.6:
                    ev["text"] = special[int(rnd() * len(special))]
                elif low_stock and r > 1.0 - STOCK_TALK_SHARE:
                    ev["text"] = stock_talk(rng, low_stock)
                else:
                    ev["text"] = comments[int(rnd() * n_comments)]
            elif kind == "like":
                ev["count"] = LIKE_COUNTS[int(rnd() * len(LIKE_COUNTS))]
            elif kind == "gift":
                name, value, counts = gifts[int(rnd() * n_gifts)]
                count = counts[int(rnd() * len(counts))]
                ev["text"], ev["count"], ev["amount_fen"] = name, count, value * count
            elif kind == "fansclub":
                ev["extra"] = {"level": 1 if rnd() < 0.7 else 2 + int(rnd() * 12)}
            elif kind == "product_click":
                pid = self._featured_product_id()
                if pid is None:  # the flash sale sold out earlier in this sub-step
                    continue
                ev["product_id"] = pid
                self._clickers.setdefault(pid, deque(maxlen=200)).append(viewer)
            elif kind == "order":
                pid = self._featured_product_id()
                clickers = self._clickers.get(pid) if pid is not None else None
                if clickers and rnd() < BUYER_CLICKED_FIRST:
                    ev["user_id"], ev["user_name"] = clickers[int(rnd() * len(clickers))]
                self._order(ev, ts, out)  # appends ev only if stock and limits allow
                continue
            elif kind == "coupon_claim":
                self._claim(ev, ts, out)
                continue
            out.append(ev)

    def _arrive(self) -> tuple[str, str]:
        gone = self._gone
        if gone and self._rng.random() < 0.25:
            # Someone who left comes back: same id, same name.
            i = int(self._rng.random() * len(gone))
            viewer = gone[i]
            gone[i] = gone[-1]
            gone.pop()
        else:
            viewer = self._new_viewer()
        self._online.append(viewer)
        return viewer

    def _leave(self, expected: float) -> None:
        online, gone, rnd = self._online, self._gone, self._rng.random
        n = min(int(expected + rnd()), len(online) - 10)
        for _ in range(n):
            i = int(rnd() * len(online))
            viewer = online[i]
            online[i] = online[-1]
            online.pop()
            if len(gone) >= 20000:
                # Keep memory flat in a long show: forget a random one of those who left.
                gone[int(rnd() * len(gone))] = viewer
            else:
                gone.append(viewer)

    def _pinned_is_featured(self) -> bool:
        pinned = self.pinned
        if pinned is None:
            return False
        return pinned.product_id in self.flash_sales or pinned is self.explaining

    def _featured_product_id(self) -> str | None:
        """The product a viewer looks at or buys now: on flash sale (mostly) or being explained."""
        sales = list(self.flash_sales)
        if sales and (self.explaining is None or self._rng.random() < 0.7):
            return sales[int(self._rng.random() * len(sales))]
        return self.explaining.product_id if self.explaining is not None else None

    def _order(self, ev: dict[str, Any], ts: float, out: list[dict[str, Any]]) -> None:
        """Turn ``ev`` into an order and append it if stock and limits allow."""
        pid = self._featured_product_id()
        if pid is None:
            return
        product = self._by_id[pid]
        sale = self.flash_sales.get(pid)
        uid = ev["user_id"]
        want = ORDER_COUNTS[int(self._rng.random() * len(ORDER_COUNTS))]
        can = self.stock[pid]
        if sale is not None:
            can = min(can, sale.stock)
            if sale.limit_per_user is not None:
                can = min(can, sale.limit_per_user - sale.bought.get(uid, 0))
        count = min(want, can)
        if count <= 0:
            return
        price = sale.price_fen if sale is not None else product.price_fen
        ev["product_id"], ev["count"], ev["amount_fen"] = pid, count, price * count
        out.append(ev)
        self.stock[pid] -= count
        if sale is not None:
            sale.stock -= count
            sale.bought[uid] = sale.bought.get(uid, 0) + count
            if sale.stock == 0:
                self._end_flash_sale(pid, SaleEndReason.SOLD_OUT, ts, out)
        if self.stock[pid] == 0:
            text = f"{product.no}号 {product.name} 已售罄"
            out.append(self._event("system", ts, product_id=pid, text=text))

    def _claim(self, ev: dict[str, Any], ts: float, out: list[dict[str, Any]]) -> None:
        """Turn ``ev`` into a coupon claim and append it if a coupon is left for this viewer."""
        open_ = [c for c in self.coupons.values() if c.remaining > 0]
        if not open_:
            return
        coupon = open_[int(self._rng.random() * len(open_))]
        uid = ev["user_id"]
        if coupon.claims.get(uid, 0) >= coupon.per_user_limit:
            return
        coupon.claims[uid] = coupon.claims.get(uid, 0) + 1
        coupon.remaining -= 1
        ev["extra"] = {"coupon_id": coupon.coupon_id}
        out.append(ev)
        if coupon.remaining == 0:
            out.append(self._event("system", ts, text=f"优惠券 {coupon.label or coupon.coupon_id} 已抢光",
                                   extra={"coupon": CouponNotice.SOLD_OUT, "coupon_id": coupon.coupon_id}))

    def _end_flash_sale(self, pid: str, reason: SaleEndReason, ts: float, out: list[dict[str, Any]]) -> None:
        sale = self.flash_sales.pop(pid)
        sold = sum(sale.bought.values())
        text = f"{_SALE_END_TEXTS[reason]}：{sale.product.no}号 已售 {sold} 件"
        extra = {"flash_sale": FlashSaleNotice.ENDED, "reason": reason, "sale_id": sale.sale_id, "sold": sold}
        out.append(self._event("system", ts, product_id=pid, text=text, extra=extra))

    # -- commands --------------------------------------------------------------------------------

    def apply_command(self, cmd: dict[str, Any]) -> dict[str, Any]:
        """Apply an operator command frame and return its ack frame.

        The same ``command_id`` twice is applied once: the second ack says ``"duplicate"``. A command
        that is unknown or has bad args is rejected with a reason and changes nothing.
        """
        command_id = cmd.get("command_id") if isinstance(cmd, dict) else None
        if not isinstance(command_id, str) or not command_id:
            return _ack(command_id if isinstance(command_id, str) else "", "rejected",
                        "command_id must be a non-empty string")
        first = self._acks.get(command_id)
        if first is not None:
            return _ack(command_id, "duplicate", f"already {first}")
        try:
            self._apply(command_id, cmd.get("name"), cmd.get("args", {}))
        except CommandError as e:
            ack = _ack(command_id, "rejected", str(e))
        else:
            ack = _ack(command_id, "applied")
        self._acks[command_id] = ack["result"]
        if len(self._acks) > 10000:
            self._acks.popitem(last=False)  # a show sends hundreds; keep memory bounded anyway
        return ack

    def _product(self, args: dict[str, Any]) -> Product:
        pid = _arg_str(args, "product_id")
        product = self._by_id.get(pid)
        if product is None:
            raise CommandError(f"unknown product_id {pid!r}")
        return product

    def _apply(self, command_id: str, name: Any, args: Any) -> None:
        if not isinstance(args, dict):
            raise CommandError("args must be an object")
        handler = self._handlers().get(name) if isinstance(name, str) else None
        if handler is None:
            raise CommandError(f"unknown command {name!r}")
        handler(command_id, args)

    def _handlers(self) -> dict[str, Callable[[str, dict[str, Any]], None]]:
        """Room command name → its handler ``(command_id, args)``: one ``_<name>`` method for each command
        the command table sends to the room (app/engine/commands.py, docs/protocol.md)."""
        return {name: getattr(self, f"_{name}") for name, spec in COMMANDS.items() if spec.room}

    def _explain(self, command_id: str, args: dict[str, Any]) -> None:
        product = self._product(args)
        self.explaining = product
        self._pending.append(self._event("system", 0.0, product_id=product.product_id,
                                         text=f"讲解中：{product.no}号 {product.name}"))

    def _stop_explain(self, command_id: str, args: dict[str, Any]) -> None:
        self.explaining = None

    def _start_flash_sale(self, command_id: str, args: dict[str, Any]) -> None:
        product = self._product(args)
        price = _arg_int(args, "price_fen", low=1)
        stock = _arg_int(args, "stock", low=1)
        limit = _arg_optional_int(args, "limit_per_user", low=1)
        duration = args.get("duration_s")
        if isinstance(duration, bool) or not isinstance(duration, int | float) or not 0 < duration < 1e9:
            raise CommandError("args.duration_s must be a number of seconds > 0")
        pid = product.product_id
        if pid in self.flash_sales:
            raise CommandError(f"a flash sale of {pid} is already running")
        if stock > self.stock[pid]:
            raise CommandError(f"stock {stock} exceeds the {self.stock[pid]} units left")
        self.flash_sales[pid] = _FlashSale(command_id, product, price, stock, self.t + duration, limit)
        self._pending.append(self._event(
            "system", 0.0, product_id=pid,
            text=f"秒杀开始：{product.no}号 {product.name} {format_fen(price)} 限量{stock}件",
            extra={"flash_sale": FlashSaleNotice.STARTED, "sale_id": command_id, "price_fen": price,
                   "stock": stock},
        ))

    def _stop_flash_sale(self, command_id: str, args: dict[str, Any]) -> None:
        pid = _arg_str(args, "product_id")
        if pid not in self.flash_sales:
            raise CommandError(f"no flash sale of {pid!r} is running")
        self._end_flash_sale(pid, SaleEndReason.STOPPED, 0.0, self._pending)

    def _pin_product(self, command_id: str, args: dict[str, Any]) -> None:
        """置顶商品: one product at a time sits at the top of the cart; pinning another replaces it."""
        product = self._product(args)
        if self.pinned is product:
            return  # already on top: nothing the viewers would see changes
        self.pinned = product
        self._pending.append(self._event(
            "system", 0.0, product_id=product.product_id, text=f"置顶商品：{product.name}",
            extra={"product": ProductNotice.PINNED, "product_id": product.product_id},
        ))

    def _unpin_product(self, command_id: str, args: dict[str, Any]) -> None:
        """Take the pinned product off the top; with nothing pinned there is nothing to do (like stop_explain)."""
        product, self.pinned = self.pinned, None
        if product is not None:
            self._pending.append(self._event(
                "system", 0.0, product_id=product.product_id, text=f"取消置顶：{product.name}",
                extra={"product": ProductNotice.UNPINNED, "product_id": product.product_id},
            ))

    def _drop_coupon(self, command_id: str, args: dict[str, Any]) -> None:
        coupon_id = _arg_str(args, "coupon_id")
        kind = args.get("kind")
        if kind not in COUPON_KINDS:
            raise CommandError(f"args.kind must be one of {', '.join(COUPON_KINDS)}")
        if kind == "满减":
            threshold = _arg_int(args, "threshold_fen", low=1)
            discount = _arg_int(args, "discount_fen", low=1)
            if discount >= threshold:
                raise CommandError("args.discount_fen must be below args.threshold_fen")
            label = coupon_label(kind, threshold_fen=threshold, discount_fen=discount)
        elif kind == "直减":
            discount = _arg_int(args, "discount_fen", low=1)
            label = coupon_label(kind, discount_fen=discount)
        else:
            percent = _arg_int(args, "percent_off", low=1)
            if percent > 99:
                raise CommandError("args.percent_off must be 1–99")
            label = coupon_label(kind, percent_off=percent)
        quantity = _arg_int(args, "quantity", low=1)
        per_user = _arg_optional_int(args, "per_user_limit", low=1) or 1
        if coupon_id in self.coupons:
            raise CommandError(f"coupon {coupon_id!r} was already dropped")
        self.coupons[coupon_id] = _Coupon(coupon_id, quantity, per_user, self.t, label=label)
        self._last_coupon_drop = self.t
        self._pending.append(self._event("system", 0.0, text=f"优惠券来了：{label} 共{quantity}张",
                                         extra={"coupon": CouponNotice.DROPPED, "coupon_id": coupon_id}))


#: The start of a flash sale's end notice, by why it ended.
_SALE_END_TEXTS = {
    SaleEndReason.TIME: "秒杀结束",
    SaleEndReason.SOLD_OUT: "秒杀已抢光",
    SaleEndReason.STOPPED: "秒杀已结束",
}


def _ack(command_id: str, result: str, reason: str = "") -> dict[str, Any]:
    ack: dict[str, Any] = {"type": "ack", "command_id": command_id, "result": result}
    if reason:
        ack["reason"] = reason
    return ack
