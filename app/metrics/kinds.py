"""Which event kinds make a viewer count as seen (UV) or as interacting (互动), docs/metrics.md "Sets of viewers"."""

from __future__ import annotations

from app.core.events import KINDS, Kind

#: Kinds that make a viewer an *interacting* viewer (互动人数): social actions in the room. Entering,
#: clicking a product, claiming a coupon and ordering are commerce/presence, not interaction.
INTERACTION_KINDS: frozenset[str] = frozenset(
    {Kind.COMMENT, Kind.LIKE, Kind.FOLLOW, Kind.SHARE, Kind.GIFT, Kind.FANSCLUB}
)
#: Kinds about the room, not done by a viewer: the platform's online count, the live's end, notices.
ROOM_KINDS: frozenset[str] = frozenset({Kind.VIEWER_STATS, Kind.LIVE_END, Kind.SYSTEM})
#: The audience (观看人数, UV): a ``user_id`` on an event of ANY other kind — entering, commenting,
#: liking, following, sharing, a gift, the fan club, a product click, an order, a coupon claim, and
#: every kind added later — makes that person a viewer we saw. UV value and GPM divide by it.
VIEWER_KINDS: frozenset[str] = KINDS - ROOM_KINDS
