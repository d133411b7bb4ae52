"""The tracker's counters at one moment, and their rows in the ``metrics`` table (docs/schema.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.metrics.rates import SessionRates

#: Column order of a snapshot row in the ``metrics`` table (after ``session_id``).
SNAPSHOT_FIELDS: tuple[str, ...] = (
    "ts", "online", "peak_online", "online_seconds", "online_span_s", "viewers_uv", "entries_pv",
    "comments", "comments_1m", "commenters", "likes", "follows", "interacting", "clicks", "clickers",
    "clicked_buyers", "orders", "units", "buyers", "gmv_fen",
)


@dataclass(frozen=True, slots=True)
class Snapshot(SessionRates):
    """The cumulative counters at one moment; every rate below is one field ÷ another.

    People (distinct user_id): viewers_uv, commenters, follows, interacting, clickers, clicked_buyers,
    buyers. Times (events): entries_pv, comments, clicks, orders. Sums: likes, units, gmv_fen.
    """

    ts: float
    online: int
    peak_online: int
    online_seconds: float  # ∫ online dt over the viewer_stats samples (viewer-seconds)
    online_span_s: float  # seconds from the first to the last viewer_stats sample
    viewers_uv: int
    entries_pv: int
    comments: int
    comments_1m: int  # comments with ts in (ts - 60, ts]
    commenters: int
    likes: int
    follows: int
    interacting: int
    clicks: int
    clickers: int
    clicked_buyers: int
    orders: int
    units: int
    buyers: int
    gmv_fen: int

    def row(self) -> tuple[Any, ...]:
        """The values in :data:`SNAPSHOT_FIELDS` order."""
        return tuple(getattr(self, name) for name in SNAPSHOT_FIELDS)

    # -- derived ---------------------------------------------------------------------------------
    @property
    def average_online(self) -> float | None:
        """Time-weighted average online; the only sample's value if there is one; None if none."""
        if self.online_span_s > 0:
            return self.online_seconds / self.online_span_s
        return float(self.online) if self.peak_online or self.online else None


def snapshot_rows(session_id: int, snapshots: Iterable[Snapshot]) -> list[Mapping[str, Any]]:
    """Snapshots as ``metrics`` rows (dicts with ``session_id`` and :data:`SNAPSHOT_FIELDS`)."""
    return [{"session_id": session_id, **dict(zip(SNAPSHOT_FIELDS, s.row(), strict=True))} for s in snapshots]
