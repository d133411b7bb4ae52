"""The normalized live event every source decodes into, and the operator command.

A source turns whatever its platform sends into :class:`LiveEvent` values; from there on nothing in
LiveDeck knows which platform an event came from. The session engine stamps each event with its
``seq`` (its place in the session) when it applies it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """Event kinds. Documented in docs/schema.md; add kinds when a protocol needs them."""

    COMMENT = "comment"  # text: what the viewer wrote
    LIKE = "like"  # count: likes in this event
    ENTER = "enter"  # a viewer entered the room
    FOLLOW = "follow"  # a viewer followed the anchor
    SHARE = "share"  # a viewer shared the room
    GIFT = "gift"  # text: gift name · count: items · amount_fen: value of the items in fen
    VIEWER_STATS = "viewer_stats"  # count: viewers online now · extra["total_viewers"]: cumulative
    ORDER = "order"  # product_id · count: units · amount_fen: paid
    PRODUCT_CLICK = "product_click"  # product_id: the product a viewer opened
    COUPON_CLAIM = "coupon_claim"  # extra["coupon_id"]: the coupon a viewer claimed
    FANSCLUB = "fansclub"  # a viewer joined the fan club / levelled up (extra["level"])
    LIVE_END = "live_end"  # the platform ended the live
    SYSTEM = "system"  # notices from the platform or LiveDeck itself (text)


KINDS: frozenset[str] = frozenset(k.value for k in Kind)


@dataclass(slots=True)
class LiveEvent:
    """One normalized event from a live room.

    Attributes:
        kind: one of :class:`Kind`.
        ts: wall-clock time (unix seconds) the platform says it happened, else when it arrived.
        user_id: the platform's user id as text (ids exceed 2**53, so never a float).
        user_name: the viewer's display name.
        text: comment text, gift name, or a notice.
        count: items: likes, gifts, units ordered; for viewer_stats the viewers online now.
        amount_fen: money in fen (1 yuan = 100 fen): gift value, order amount.
        product_id: the product an order/click refers to.
        msg_id: the platform's message id, used to drop duplicates across reconnects.
        extra: small protocol-specific details, stored as JSON.
        seq: the event's place in the session, assigned by the engine (0 until applied).
        extra_json: ``extra`` as the JSON text the session log stores, with the dict it was made from;
            set by app.core.bounds.check_event, which has to encode ``extra`` anyway, so the writer does
            not encode it again. The writer uses it only while ``extra`` is still that very dict.
    """

    kind: str
    ts: float
    user_id: str = ""
    user_name: str = ""
    text: str = ""
    count: int = 0
    amount_fen: int = 0
    product_id: str = ""
    msg_id: str = ""
    extra: dict[str, Any] | None = None
    seq: int = 0
    extra_json: tuple[dict[str, Any], str] | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Command:
    """An operator action. Applying the same ``command_id`` twice has the effect of once."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)
    actor: str = "local"
    command_id: str = field(default_factory=lambda: uuid.uuid4().hex)


# -- what a system event is about: tags in ``extra``, never told apart by its display text --------------


class FlashSaleNotice(StrEnum):
    """``extra["flash_sale"]`` of a system event about a flash sale (with ``extra["sale_id"]``)."""

    WARMUP = "warmup"
    STARTED = "started"
    ENDED = "ended"  # extra["reason"]: a SaleEndReason
    OVERSOLD = "oversold"
    RESUMED = "resumed"


class SaleEndReason(StrEnum):
    """Why a flash sale ended (``extra["reason"]`` of its ``ended`` notice)."""

    TIME = "time"
    SOLD_OUT = "sold_out"
    STOPPED = "stopped"


class CouponNotice(StrEnum):
    """``extra["coupon"]`` of a system event about a coupon (with ``extra["coupon_id"]``)."""

    DROPPED = "dropped"
    SOLD_OUT = "sold_out"


def is_coupon_drop(extra: dict[str, Any]) -> bool:
    """Whether a system event's ``extra`` announces a coupon drop: the engine tags it
    ``{"coupon": "dropped"}``; a room announcing its own drop names only the coupon (``coupon_id``), and
    any other tag (sold out) is not a drop."""
    if "coupon" in extra:
        return extra["coupon"] == CouponNotice.DROPPED
    return bool(extra.get("coupon_id"))


class LuckyBagNotice(StrEnum):
    """``extra["lucky_bag"]`` of a system event about a lucky bag (with ``extra["bag_id"]``)."""

    STARTED = "started"
    DRAWN = "drawn"


class ProductNotice(StrEnum):
    """``extra["product"]`` of a system event about a product card in the room (with ``product_id``)."""

    PINNED = "pinned"
    UNPINNED = "unpinned"


class AlertKind(StrEnum):
    """``extra["alert"]`` of a system event the metrics raise."""

    ONLINE_DROP = "online_drop"
    LOW_STOCK = "low_stock"
    COMMENT_SPIKE = "comment_spike"
