"""Promotions in review: flash sales (sold / stock), coupons (claimed / quantity) and lucky bags, from the
logged commands and the engine's system events."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from app.commerce.promotions import Coupon
from app.core.events import SaleEndReason
from app.core.i18n import tr
from app.core.units import coupon_label as format_coupon
from app.metrics.tracker import Rate
from app.review.log_access import loads_object
from app.review.session import SessionReader


@dataclass(frozen=True)
class FlashSaleResult:
    """One flash sale (秒杀): its product and price, and how much of its stock sold before it ended."""

    sale_id: str
    no: int | None
    product_id: str
    name: str
    price_fen: int
    stock: int
    sold: int
    start_ts: float | None
    end_ts: float | None
    end_reason: str  # an app.core.events.SaleEndReason, "" when the log does not say

    @property
    def sell_through(self) -> Rate:
        """Sold ÷ stock (售罄率)."""
        return Rate(self.sold, self.stock)

    @property
    def end_reason_text(self) -> str:
        """Why it ended, in the UI language (到时结束, 已抢光, 手动结束)."""
        return end_reason_text(self.end_reason)


@dataclass(frozen=True)
class CouponResult:
    """One dropped coupon: how many were offered and how many were claimed, by how many people."""

    coupon_id: str
    label: str
    quantity: int
    claimed: int  # accepted coupon_claim events (times): never beyond quantity or a viewer's limit
    claimers: int  # people with at least one accepted claim
    ts: float

    @property
    def claim_rate(self) -> Rate:
        """Claimed ÷ quantity (领取率)."""
        return Rate(self.claimed, self.quantity)


@dataclass(frozen=True)
class LuckyBagResult:
    """One lucky bag (福袋): its condition, how many took part and who won."""

    bag_id: str
    ts: float
    condition: str
    participants: int
    winners: tuple[str, ...]  # by name (the user id when the log has no name for them)
    seed: int | None
    status: str  # running | drawn | cancelled

    @property
    def status_text(self) -> str:
        """The status in the UI language (进行中, 已开奖, 已取消)."""
        return {"running": tr("进行中"), "drawn": tr("已开奖"), "cancelled": tr("已取消")}.get(self.status, self.status)


@dataclass(frozen=True)
class PromotionResults:
    """The session's promotions, each kind in the order it was started."""

    flash_sales: list[FlashSaleResult] = field(default_factory=list)
    coupons: list[CouponResult] = field(default_factory=list)
    lucky_bags: list[LuckyBagResult] = field(default_factory=list)


def read_promotions(reader: SessionReader) -> PromotionResults:
    """Flash sales, coupons and lucky bags from the applied commands and the engine's system events."""
    sid = reader.session_id
    ended: dict[str, tuple[float, int, str]] = {}
    started: dict[str, float] = {}
    for ts, extra_text in reader.query(
        "SELECT ts, extra FROM events INDEXED BY events_session_kind_seq "
        "WHERE session_id = ? AND kind = 'system' AND extra IS NOT NULL "
        "AND instr(extra, 'flash_sale') > 0",
        (sid,),
    ):
        extra = loads_object(extra_text)
        sale_id = extra.get("sale_id")
        if not isinstance(sale_id, str):
            continue
        if extra.get("flash_sale") == "ended":
            ended[sale_id] = (ts, int(extra.get("sold") or 0), str(extra.get("reason") or ""))
        elif extra.get("flash_sale") == "started":
            started[sale_id] = ts
    stops = {str(args.get("sale_id")): ts for name, args, ts, *_ in reader.actions if name == "stop_flash_sale"}
    sales = []
    coupons = []
    bags: dict[str, dict[str, Any]] = {}
    claims = _coupon_claims(reader)
    for name, args, ts, cid, _actor in reader.actions:
        if name == "start_flash_sale":
            pid = str(args.get("product_id", "")) or reader.by_no.get(args.get("no"), "")
            stock = int(args.get("stock") or 0)
            start = started.get(cid, args.get("starts_at_wall", ts))
            if cid in ended:
                end, sold, reason = ended[cid]
            else:  # no end event (interrupted, or another recorder): orders of the product while it ran
                end = stops.get(cid) or float(args.get("ends_at_wall") or reader.end_ts)
                reason = "stopped" if cid in stops else ""
                n = reader.query(
                    "SELECT total(count) FROM events INDEXED BY events_session_kind_seq "
                    "WHERE session_id = ? AND kind = 'order' AND product_id = ? "
                    "AND ts >= ? AND ts < ?", (sid, pid, start, end))[0][0]
                sold = min(stock, int(n))
            no, pname, _ = reader.catalog.get(pid, (args.get("no"), "", 0))
            sales.append(FlashSaleResult(cid, no, pid, pname, int(args.get("price_fen") or 0), stock, sold,
                                         start, end, reason))
        elif name == "drop_coupon":
            coupon_id = str(args.get("coupon_id") or cid)
            quantity = int(args.get("quantity") or 0)
            claimed, claimers = accepted_claims(claims.get(coupon_id, ()), quantity,
                                                int(args.get("per_user_limit") or 1))
            coupons.append(CouponResult(coupon_id, coupon_label(args), quantity, claimed, claimers, ts))
        elif name == "start_lucky_bag":
            condition = args.get("condition") or {}
            label = (tr("评论“{keyword}”", keyword=condition["keyword"]) if isinstance(condition, dict)
                     and condition.get("keyword") else tr("关注"))
            bags[cid] = {"ts": ts, "condition": label, "seed": args.get("seed"), "status": "running",
                         "participants": 0, "winners": ()}
        elif name == "cancel_lucky_bag" and str(args.get("bag_id")) in bags:
            bags[str(args["bag_id"])]["status"] = "cancelled"
        elif name == "lucky_bag_draw" and str(args.get("bag_id")) in bags:
            bag = bags[str(args["bag_id"])]
            bag.update(status="drawn", participants=len(args.get("participants") or ()),
                       winners=tuple(str(u) for u in args.get("winners") or ()), seed=args.get("seed", bag["seed"]))
    names = user_names(reader, {uid for b in bags.values() for uid in b["winners"]})
    lucky = [LuckyBagResult(bid, b["ts"], b["condition"], b["participants"],
                            tuple(names.get(uid, uid) for uid in b["winners"]), b["seed"], b["status"])
             for bid, b in bags.items()]
    return PromotionResults(sales, coupons, lucky)


def end_reason_text(reason: str) -> str:
    """A flash sale's end reason (app.core.events.SaleEndReason) in the UI language."""
    texts: dict[str, str] = {SaleEndReason.TIME: tr("到时结束"), SaleEndReason.SOLD_OUT: tr("已抢光"),
             SaleEndReason.STOPPED: tr("手动结束")}
    return texts.get(reason, reason)


def user_names(reader: SessionReader, user_ids: set[str]) -> dict[str, str]:
    """The name each of ``user_ids`` last had in the session's events (ids without a name are left out)."""
    if not user_ids:
        return {}
    ids = sorted(user_ids)
    rows = reader.query(
        "SELECT user_id, user_name FROM events INDEXED BY events_session_ts "
        f"WHERE session_id = ? AND user_name != '' AND user_id IN ({', '.join('?' * len(ids))}) ORDER BY seq",
        (reader.session_id, *ids),
    )
    return {str(uid): str(name) for uid, name in rows}


def accepted_claims(claims: Iterable[str], quantity: int, per_user_limit: int) -> tuple[int, int]:
    """``(claimed, claimers)`` of a coupon from its claims' user ids in the order the engine applied them,
    by the live rule (``app.commerce.promotions.Coupon.claim``): the first ``quantity`` accepted claims
    win and a viewer's claims beyond ``per_user_limit`` are refused. Claimers are the people (non-empty
    user ids) with at least one accepted claim."""
    coupon = Coupon("", "", quantity, per_user_limit)
    for uid in claims:
        coupon.claim(uid)
    return coupon.claimed, sum(1 for uid in coupon.claims if uid)


def _coupon_claims(reader: SessionReader) -> dict[str, list[str]]:
    """Each coupon's claims (their user ids), in ``seq`` order: the order the engine applied them."""
    out: dict[str, list[str]] = defaultdict(list)
    for extra, uid in reader.query(  # parsed here, not by SQLite's ->>: one broken extra must not fail all
        "SELECT extra, user_id FROM events INDEXED BY events_session_kind_seq "
        "WHERE session_id = ? AND kind = 'coupon_claim' ORDER BY seq",
        (reader.session_id,),
    ):
        coupon_id = loads_object(extra).get("coupon_id")
        if coupon_id is not None:
            out[str(coupon_id)].append(uid or "")
    return out


def coupon_label(args: dict[str, Any]) -> str:
    """How a dropped coupon reads, from its logged ``drop_coupon`` arguments (app.core.units.coupon_label)."""
    try:
        return format_coupon(str(args.get("kind") or tr("优惠券")), int(args.get("threshold_fen") or 0),
                             int(args.get("discount_fen") or 0), int(args.get("percent_off") or 0))
    except (TypeError, ValueError):
        return str(args.get("kind") or tr("优惠券"))
