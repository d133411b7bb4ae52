"""The spans and moments the charts draw: explain windows (讲解) and marks (flash sale, coupon, alert)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class ExplainWindow:
    """A product on screen (讲解) from ``start`` to ``end`` (None while it still is)."""

    product_id: str
    start: float
    end: float | None = None

    def contains(self, ts: float) -> bool:
        return self.start <= ts and (self.end is None or ts < self.end)


@dataclass(frozen=True, slots=True)
class Mark:
    """A moment on the timeline: a flash sale, a coupon drop, an alert."""

    ts: float
    label: str
    kind: str = "event"  # "flash_sale" | "coupon" | "alert" | "event"
