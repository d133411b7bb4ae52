"""The commerce side of a show's state: queue, explain card, flash sales, coupons, lucky bags, notes, pins.

Only the engine writes it, through the handlers in ``app/commerce/``; views read it. The engine's
:class:`~app.engine.state.SessionState` extends it with the show's totals.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field

from app.commerce.catalog import ProductQueue
from app.commerce.promotions import Coupon, FlashSale, LuckyBag
from app.core.events import LiveEvent

MAX_NOTES = 200
RECENT_COMMENTS = 5000  # comments kept for pin_comment {seq}


@dataclass(frozen=True, slots=True)
class ExplainWindow:
    """A product's time on the explain card; ``end_ts`` None while it is still being explained.

    The one record of explain windows: metrics, the queue and the review all read these (the review
    rebuilds them from the ``actions`` rows with :func:`app.commerce.queue.explain_windows_from_actions`).
    """

    no: int
    product_id: str
    start_ts: float
    end_ts: float | None = None


@dataclass(frozen=True, slots=True)
class Note:
    """A short note for the anchor's teleprompter (主播看板)."""

    ts: float
    actor: str
    text: str
    command_id: str


def _recent_comments() -> deque[LiveEvent]:
    return deque(maxlen=RECENT_COMMENTS)


@dataclass(slots=True)
class CommerceState:
    """What the commerce handlers read and write. The catalog/queue carries over from one session to the next."""

    queue: ProductQueue = field(default_factory=ProductQueue)
    sold: Counter[str] = field(default_factory=Counter)  # units sold by product_id
    explaining: int | None = None  # 序号 of the product on the explain card (讲解中)
    explain_windows: list[ExplainWindow] = field(default_factory=list)
    pinned_product: int | None = None  # 序号 of the product pinned at the top of the room's cart
    flash_sales: dict[str, FlashSale] = field(default_factory=dict)  # by sale id, in start order
    coupons: dict[str, Coupon] = field(default_factory=dict)  # by coupon id, in drop order
    expired_coupons: set[str] = field(default_factory=set)  # coupons whose expiry was announced
    lucky_bag: LuckyBag | None = None  # the current (or last) lucky bag
    lucky_bags: list[LuckyBag] = field(default_factory=list)  # every lucky bag of the session
    notes: list[Note] = field(default_factory=list)  # teleprompter notes, newest last (≤ MAX_NOTES)
    pinned: LiveEvent | None = None  # the pinned comment
    blocked: dict[str, str] = field(default_factory=dict)  # viewers blocked in this show: user id → name
    #: The latest comments, for pin_comment {seq}. A bounded deque, not a dict: appending is the
    #: cheapest thing on the per-comment path, and the lookup by seq only happens when someone pins.
    recent_comments: deque[LiveEvent] = field(default_factory=_recent_comments)

    @property
    def lucky_bag_running(self) -> bool:
        """Whether comments can change anything here now (a lucky bag collects participants)."""
        bag = self.lucky_bag
        return bag is not None and bag.status == "running"

    def running_sale(self, no: int) -> FlashSale | None:
        """Product ``no``'s flash sale in warm-up or live, if any."""
        for sale in self.flash_sales.values():
            if sale.no == no and sale.running:
                return sale
        return None
