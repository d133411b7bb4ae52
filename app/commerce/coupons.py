"""Coupons (优惠券): drop one (满减 / 直减 / 折扣), count claims against quantity, limit and validity."""

from __future__ import annotations

import logging
from typing import Any

from app.commerce.effects import ChangeAction, ChangeKind, CommandError, Context
from app.commerce.promotions import COUPON_KINDS, Coupon
from app.core.events import CouponNotice, LiveEvent
from app.core.i18n import tr

log = logging.getLogger("livedeck.commerce")


def drop_coupon(ctx: Context, args: dict[str, Any]) -> None:
    kind = args["kind"]
    if kind not in COUPON_KINDS:
        raise CommandError(tr("参数 kind 必须是 满减、直减 或 折扣"))
    cmd = ctx.command
    assert cmd is not None
    coupon_id = args["coupon_id"] or cmd.command_id
    threshold = discount = percent = 0
    room_args: dict[str, Any] = {"coupon_id": coupon_id, "kind": kind}
    if kind == "满减":
        threshold, discount = _required(args, "threshold_fen"), _required(args, "discount_fen")
        if discount >= threshold:
            raise CommandError(tr("满减的优惠金额必须小于门槛"))
        room_args.update(threshold_fen=threshold, discount_fen=discount)
    elif kind == "直减":
        discount = room_args["discount_fen"] = _required(args, "discount_fen")
    else:
        percent = room_args["percent_off"] = _required(args, "percent_off")
        if percent > 99:
            raise CommandError(tr("参数 {name} 必须是整数（{bound}）", name="percent_off", bound="1–99"))
    quantity, per_user, valid = args["quantity"], args["per_user_limit"], args["valid_s"]
    state = ctx.state
    if coupon_id in state.coupons:
        raise CommandError(tr("这张优惠券（{label}）已经发过", label=state.coupons[coupon_id].label()))
    coupon = Coupon(
        coupon_id, kind, quantity, per_user, threshold, discount, percent,
        dropped_at_wall=ctx.wall,
        expires_at=None if valid is None else ctx.now + valid,
        expires_at_wall=None if valid is None else ctx.wall + valid,
    )
    state.coupons[coupon_id] = coupon
    ctx.system(tr("发券：{label} 共 {quantity} 张", label=coupon.label(), quantity=quantity),
               coupon=CouponNotice.DROPPED, coupon_id=coupon_id)
    room_args.update(quantity=quantity, per_user_limit=per_user)
    ctx.changed(ChangeKind.COUPON, coupon_id, ChangeAction.ADDED)
    ctx.effects.logged_args.update(coupon_id=coupon_id, expires_at_wall=coupon.expires_at_wall)
    ctx.effects.detail = f"{coupon.label()} × {quantity}"
    ctx.to_room("drop_coupon", room_args)


def _required(args: dict[str, Any], name: str) -> int:
    value = args[name]
    if value is None:
        raise CommandError(tr("参数 {name} 必须是整数（{bound}）", name=name, bound="≥ 1"))
    return int(value)


def on_claim(ctx: Context, event: LiveEvent) -> None:
    """Count a viewer's claim of a LiveDeck coupon (claims of coupons we did not drop are ignored)."""
    coupon_id = (event.extra or {}).get("coupon_id")
    coupon = ctx.state.coupons.get(coupon_id) if isinstance(coupon_id, str) else None
    if coupon is None:
        return
    if not coupon.valid(ctx.now) or not coupon.claim(event.user_id):
        log.warning("coupon %s: a claim beyond quantity/limit/validity was not counted", coupon_id)
    ctx.changed(ChangeKind.COUPON, coupon_id)


def check_deadlines(ctx: Context) -> None:
    """A coupon whose validity ran out changes (once) so its row shows 已过期."""
    state = ctx.state
    for coupon in state.coupons.values():
        if (coupon.expires_at is not None and ctx.now >= coupon.expires_at
                and coupon.coupon_id not in state.expired_coupons):
            state.expired_coupons.add(coupon.coupon_id)
            ctx.changed(ChangeKind.COUPON, coupon.coupon_id)
