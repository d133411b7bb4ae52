"""Which event kinds make a viewer count as seen (UV) or as interacting (互动), docs/metrics.md "Sets of viewers"."""

from __future__ import annotations

from app.core.events import Kind

#: Kinds that make a viewer an *interacting* viewer (互动人数): social actions in the room. Entering,
#: clicking a product, claiming a coupon and ordering are commerce/presence, not interaction.
INTERACTION_KINDS: frozenset[str] = frozenset(
    {Kind.COMMENT, Kind.LIKE, Kind.FOLLOW, Kind.SHARE, Kind.GIFT, Kind.FANSCLUB}
)
#: Kinds whose ``user_id`` makes the viewer count as seen (UV): entering or any viewer action.
VIEWER_KINDS: frozenset[str] = INTERACTION_KINDS | {
    Kind.ENTER, Kind.PRODUCT_CLICK, Kind.ORDER, Kind.COUPON_CLAIM,
}
