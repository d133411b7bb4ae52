"""Flash sales (秒杀): start with warm-up, go live, count orders against the sale's stock, end.

Every countdown is a monotonic deadline (``FlashSale.starts_at``/``ends_at``); the wall-clock copies
(``*_wall``) are what is logged, so a restarted app can resume a sale with its true remaining time.
"""

from __future__ import annotations

from typing import Any

from app.commerce.effects import ChangeAction, ChangeKind, CommandError, Context
from app.commerce.promotions import FlashSale
from app.core.events import FlashSaleNotice, LiveEvent, SaleEndReason
from app.core.i18n import tr


def start_flash_sale(ctx: Context, args: dict[str, Any]) -> None:
    product = ctx.product(args["no"])
    state = ctx.state
    price, stock = args["price_fen"], args["stock"]
    warmup, duration = args["warmup_s"], args["duration_s"]
    if state.running_sale(product.no) is not None:
        raise CommandError(tr("{no} 号商品的秒杀已在进行", no=product.no))
    if product.stock:
        left = product.stock - state.sold[product.product_id]
        if stock > left:
            raise CommandError(tr("秒杀库存 {stock} 超过剩余库存 {left}", stock=stock, left=left))
    cmd = ctx.command
    assert cmd is not None
    sale = FlashSale(
        sale_id=cmd.command_id,
        no=product.no,
        product_id=product.product_id,
        price_fen=price,
        stock=stock,
        limit_per_user=args["limit_per_user"],
        starts_at=ctx.now + warmup,
        ends_at=ctx.now + warmup + duration,
        starts_at_wall=ctx.wall + warmup,
        ends_at_wall=ctx.wall + warmup + duration,
    )
    state.flash_sales[sale.sale_id] = sale
    ctx.changed(ChangeKind.FLASH_SALE, sale.sale_id, ChangeAction.ADDED)
    ctx.effects.logged_args.update(
        product_id=product.product_id, starts_at_wall=sale.starts_at_wall, ends_at_wall=sale.ends_at_wall,
    )
    ctx.effects.detail = f"{product.no}: {stock} units at {price} fen, warm-up {warmup:g} s, {duration:g} s"
    if warmup > 0:
        ctx.system(
            tr("秒杀预热：{no}号 {name}，{seconds} 秒后开抢", no=product.no, name=product.name,
               seconds=f"{warmup:g}"),
            product_id=product.product_id, flash_sale=FlashSaleNotice.WARMUP, sale_id=sale.sale_id,
        )
    else:
        go_live(ctx, sale, cmd.actor)


def go_live(ctx: Context, sale: FlashSale, actor: str = "engine") -> None:
    """Warm-up is over (or there was none): the sale is live and the room is told."""
    sale.status = "live"
    product = ctx.state.queue.get(sale.no)
    ctx.system(
        tr("秒杀开始：{no}号 {name} 限量 {stock} 件", no=sale.no, name=product.name if product else "",
           stock=sale.stock),
        product_id=sale.product_id, flash_sale=FlashSaleNotice.STARTED, sale_id=sale.sale_id,
        price_fen=sale.price_fen, stock=sale.stock, ends_at_wall=sale.ends_at_wall,
    )
    args: dict[str, Any] = {
        "product_id": sale.product_id,
        "price_fen": sale.price_fen,
        "stock": sale.stock,
        "duration_s": round(max(0.001, sale.ends_at - ctx.now), 3),
    }
    if sale.limit_per_user is not None:
        args["limit_per_user"] = sale.limit_per_user
    ctx.to_room("start_flash_sale", args, actor=actor, command_id=sale.sale_id)


def end_sale(ctx: Context, sale: FlashSale, reason: SaleEndReason, at: float) -> None:
    was_live = sale.status == "live"
    sale.status, sale.end_reason, sale.ended_at = "ended", reason, at
    ctx.system(
        tr("秒杀结束：{no}号 已售 {sold}/{stock} 件", no=sale.no, sold=sale.sold, stock=sale.stock),
        product_id=sale.product_id, flash_sale=FlashSaleNotice.ENDED, sale_id=sale.sale_id, reason=reason,
        sold=sale.sold, oversold=sale.oversold, was_live=was_live,
    )
    ctx.changed(ChangeKind.FLASH_SALE, sale.sale_id)


def stop_flash_sale(ctx: Context, args: dict[str, Any]) -> None:
    product = ctx.product(args["no"])
    sale = ctx.state.running_sale(product.no)
    if sale is None:
        raise CommandError(tr("{no} 号商品没有进行中的秒杀", no=product.no))
    was_live = sale.status == "live"
    end_sale(ctx, sale, SaleEndReason.STOPPED, ctx.now)
    ctx.effects.logged_args.update(product_id=product.product_id, sale_id=sale.sale_id)
    ctx.effects.detail = f"sold {sale.sold}/{sale.stock}"
    if was_live:  # the room never heard of a sale still warming up
        ctx.to_room("stop_flash_sale", {"product_id": product.product_id})


def on_order(ctx: Context, event: LiveEvent) -> None:
    """Count an order against its product's live flash sale, if it was bought at the sale price."""
    state = ctx.state
    product = state.queue.by_product_id(event.product_id)
    if product is None:
        return
    sale = state.running_sale(product.no)
    if sale is None or sale.phase(ctx.now) != "live":
        return
    if event.amount_fen > sale.price_fen * max(1, event.count):
        # Bought at the regular price: the room had not opened (or had already closed) its flash
        # sale when this order was placed, so it takes nothing from the flash-sale stock.
        return
    counted, excess = sale.count_order(event.user_id, event.count)
    if excess:
        ctx.system(
            tr("超卖：{no}号 秒杀剩余 {left} 件，订单 {units} 件未计入", no=sale.no,
               left=sale.stock - sale.sold + counted, units=excess),
            product_id=sale.product_id, flash_sale=FlashSaleNotice.OVERSOLD, sale_id=sale.sale_id,
            units=excess, order_seq=event.seq,
        )
    if sale.left == 0:
        end_sale(ctx, sale, SaleEndReason.SOLD_OUT, ctx.now)
    else:
        ctx.changed(ChangeKind.FLASH_SALE, sale.sale_id)


def check_deadlines(ctx: Context) -> None:
    """Warm-up → live → ended for every sale whose deadline passed. A sale that ended on time records
    its deadline as its end, however late the check."""
    now = ctx.now
    for sale in list(ctx.state.flash_sales.values()):
        if sale.status == "warmup" and sale.starts_at <= now < sale.ends_at:
            go_live(ctx, sale)
            ctx.changed(ChangeKind.FLASH_SALE, sale.sale_id)
        if sale.running and now >= sale.ends_at:
            end_sale(ctx, sale, SaleEndReason.TIME, sale.ends_at)


def sale_from_action(ctx: Context, command_id: str, args: dict[str, Any]) -> FlashSale | None:
    """Rebuild a logged ``start_flash_sale`` whose wall-clock deadline is still ahead, on this clock."""
    no = args.get("no")
    if not (isinstance(no, int) and no in ctx.state.queue and "ends_at_wall" in args):
        return None
    if args["ends_at_wall"] <= ctx.wall:
        return None
    starts_wall = args.get("starts_at_wall", ctx.wall)
    return FlashSale(
        sale_id=command_id,
        no=no,
        product_id=args.get("product_id", ""),
        price_fen=args["price_fen"],
        stock=args["stock"],
        limit_per_user=args.get("limit_per_user"),
        starts_at=ctx.now + (starts_wall - ctx.wall),
        ends_at=ctx.now + (args["ends_at_wall"] - ctx.wall),
        starts_at_wall=starts_wall,
        ends_at_wall=args["ends_at_wall"],
        status="live" if starts_wall <= ctx.wall else "warmup",
    )
