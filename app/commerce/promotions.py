"""Commerce promotions the engine runs: flash sales (秒杀), coupons (优惠券) and lucky bags (福袋).

Plain Python state owned by :class:`app.engine.session.SessionEngine`; views read it through
``engine.state`` and never change it. Every countdown is a ``time.monotonic()`` deadline and the
display derives from it (:meth:`FlashSale.remaining`), so a frozen UI or a skipped tick never makes a
countdown lie. The wall-clock twins of the deadlines (``*_wall``) are stored in the command's logged
args, so a restarted console can resume with the true remaining time.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from app.core.units import coupon_label

COUPON_KINDS = ("满减", "直减", "折扣")
LUCKY_BAG_CONDITIONS = ("keyword", "follow")


@dataclass(slots=True)
class FlashSale:
    """A flash sale of one product: 预热 (warm-up) until ``starts_at``, live until ``ends_at``.

    Attributes:
        sale_id: the ``command_id`` that started it.
        no / product_id: the product (序号 and the shop's id).
        price_fen: the deal price.
        stock: units in the sale; ``sold`` never exceeds it.
        limit_per_user: units one buyer may buy (None: no limit).
        starts_at / ends_at: ``time.monotonic()`` deadlines (start of the live phase, its end).
        starts_at_wall / ends_at_wall: the same moments in unix time (logged, for resuming).
        sold: units counted from ``order`` events during the live phase, capped at ``stock``.
        oversold: units of orders that arrived beyond the remaining stock (flagged, not counted).
        bought: units per buyer.
        status: ``warmup`` | ``live`` | ``ended``.
        end_reason: ``time`` | ``sold_out`` | ``stopped`` once ended.
        ended_at: monotonic time it ended (the deadline itself when it ended on time).
    """

    sale_id: str
    no: int
    product_id: str
    price_fen: int
    stock: int
    limit_per_user: int | None
    starts_at: float
    ends_at: float
    starts_at_wall: float
    ends_at_wall: float
    sold: int = 0
    oversold: int = 0
    bought: dict[str, int] = field(default_factory=dict)
    status: str = "warmup"
    end_reason: str = ""
    ended_at: float | None = None

    @property
    def left(self) -> int:
        """Units still for sale."""
        return self.stock - self.sold

    @property
    def running(self) -> bool:
        return self.status != "ended"

    def phase(self, now: float) -> str:
        """``warmup`` | ``live`` | ``ended`` at monotonic time ``now`` (by the deadlines alone)."""
        if self.status == "ended" or now >= self.ends_at:
            return "ended"
        return "warmup" if now < self.starts_at else "live"

    def remaining(self, now: float) -> float:
        """Seconds until the next boundary: the start while warming up, the end while live; 0 after."""
        phase = self.phase(now)
        if phase == "warmup":
            return self.starts_at - now
        if phase == "live":
            return self.ends_at - now
        return 0.0

    def count_order(self, user_id: str, units: int) -> tuple[int, int]:
        """Count an order of ``units``; returns ``(counted, beyond_stock)``. Never counts past stock."""
        counted = max(0, min(units, self.left))
        if counted:
            self.sold += counted
            self.bought[user_id] = self.bought.get(user_id, 0) + counted
        excess = units - counted
        self.oversold += excess
        return counted, excess


@dataclass(slots=True)
class Coupon:
    """A dropped coupon. ``claimed`` never exceeds ``quantity``; one viewer claims ≤ ``per_user_limit``.

    Attributes:
        coupon_id: the id claims carry (``extra.coupon_id``); the command's id unless given.
        kind: 满减 (``threshold_fen`` + ``discount_fen``), 直减 (``discount_fen``), 折扣 (``percent_off``).
        expires_at / expires_at_wall: end of validity (monotonic / unix), None when unlimited.
        rejected_claims: claims beyond the quantity or the per-user limit (flagged, not counted).
    """

    coupon_id: str
    kind: str
    quantity: int
    per_user_limit: int
    threshold_fen: int = 0
    discount_fen: int = 0
    percent_off: int = 0
    dropped_at_wall: float = 0.0
    expires_at: float | None = None
    expires_at_wall: float | None = None
    claimed: int = 0
    rejected_claims: int = 0
    claims: dict[str, int] = field(default_factory=dict)

    @property
    def left(self) -> int:
        return self.quantity - self.claimed

    def valid(self, now: float) -> bool:
        return self.expires_at is None or now < self.expires_at

    def label(self) -> str:
        """How the coupon reads: ``满100减10``, ``立减5元``, ``9折``."""
        return coupon_label(self.kind, self.threshold_fen, self.discount_fen, self.percent_off)

    def claim(self, user_id: str) -> bool:
        """Count one claim if quantity and the viewer's limit allow; False (and flagged) otherwise."""
        if self.claimed >= self.quantity or self.claims.get(user_id, 0) >= self.per_user_limit:
            self.rejected_claims += 1
            return False
        self.claimed += 1
        self.claims[user_id] = self.claims.get(user_id, 0) + 1
        return True


@dataclass(slots=True)
class LuckyBag:
    """A giveaway (福袋): viewers who meet ``condition`` before ``ends_at`` take part; ``winners`` drawn.

    Attributes:
        bag_id: the ``command_id`` that started it.
        condition: ``{"keyword": "扣1"}`` (a comment containing it) or ``{"follow": True}``.
        winners_wanted: how many winners to draw.
        seed: the draw's seed, recorded when the bag starts (see :func:`draw_winners`).
        ends_at / ends_at_wall: monotonic and unix deadline.
        participants: eligible viewers in order of qualifying, user_id → user_name.
        winners: user ids drawn, once ended.
        status: ``running`` | ``drawn`` | ``cancelled``.
    """

    bag_id: str
    condition: dict[str, Any]
    winners_wanted: int
    seed: int
    ends_at: float
    ends_at_wall: float
    participants: dict[str, str] = field(default_factory=dict)
    winners: list[str] = field(default_factory=list)
    status: str = "running"

    def remaining(self, now: float) -> float:
        return max(0.0, self.ends_at - now) if self.status == "running" else 0.0

    def qualifies(self, kind: str, text: str) -> bool:
        """Whether an event of ``kind`` with ``text`` meets the condition."""
        keyword = self.condition.get("keyword")
        if keyword:
            return kind == "comment" and keyword in text
        return bool(self.condition.get("follow")) and kind == "follow"


def draw_winners(participants: Iterable[str], seed: int, k: int) -> list[str]:
    """Draw ``k`` winners (all when fewer take part) from user ids, reproducibly.

    The ids are sorted first, so the draw depends only on *who* took part and the seed, never on
    arrival order: anyone holding the logged participants and seed can re-run it and get the same
    winners.
    """
    pool = sorted(set(participants))
    return random.Random(seed).sample(pool, min(k, len(pool)))
