"""The commerce side of live events and of the clock: what an order, a coupon claim or a lucky-bag entry
changes, and which countdowns ran out. The engine calls these on every drain."""

from __future__ import annotations

from app.commerce import coupons, flash_sales, lucky_bags
from app.commerce.effects import Context
from app.core.events import Kind, LiveEvent

#: Event kinds the commerce desk looks at (orders, coupon claims, lucky-bag entries). Comments only
#: matter while a lucky bag runs (``CommerceState.lucky_bag_running``).
COMMERCE_KINDS = frozenset({Kind.COMMENT, Kind.FOLLOW, Kind.ORDER, Kind.COUPON_CLAIM})


def on_event(ctx: Context, event: LiveEvent) -> None:
    """Apply the commerce side of one event of :data:`COMMERCE_KINDS`."""
    kind = event.kind
    if kind == Kind.ORDER:
        flash_sales.on_order(ctx, event)
    elif kind == Kind.COUPON_CLAIM:
        coupons.on_claim(ctx, event)
    elif kind in (Kind.COMMENT, Kind.FOLLOW):
        lucky_bags.on_entry(ctx, event)


def check_deadlines(ctx: Context) -> None:
    """Move every countdown whose deadline passed on: warm-up → live → ended, coupon expiry, lucky-bag draw."""
    flash_sales.check_deadlines(ctx)
    coupons.check_deadlines(ctx)
    lucky_bags.check_deadlines(ctx)
