"""Post-show review (复盘): the session library and one session's numbers, read from the session log.

Headless and read-only: every function opens its own read-only connection (``app.store.open_readonly``),
so it is safe beside a running LiveDeck. Every number comes from SQL aggregates over the log — nothing
loads a whole session into Python — so a 3-hour, 2-million-event session opens in well under 3 s.
What each number means is in docs/review.md (which points to docs/metrics.md for the shared metrics).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from app.events import LiveEvent
from app.metrics import Rate

PathLike = str | os.PathLike[str]


class ReviewError(LookupError):
    """A review cannot be made: the log or the session does not exist (message in the UI language)."""


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionRow:
    """One line of the session library."""

    id: int
    title: str
    platform: str  # demo, bilibili, douyin, generic, replay … (from sessions.source)
    started_at: float
    ended_at: float | None
    duration_s: float
    status: str  # live | ended | interrupted
    peak_online: int
    comments: int
    orders: int
    buyers: int
    gmv_fen: int


@dataclass(frozen=True)
class Summary:
    """The session's KPIs (docs/metrics.md definitions; rates keep numerator and denominator)."""

    session_id: int
    title: str
    platform: str
    status: str
    started_at: float
    ended_at: float | None
    duration_s: float
    peak_online: int
    average_online: float | None
    viewers_uv: int
    entries_pv: int
    platform_total_viewers: int
    comments: int
    commenters: int
    likes: int
    follows: int
    interacting: int
    clicks: int
    clickers: int
    clicked_buyers: int
    orders: int
    buyers: int
    units: int
    gmv_fen: int
    gifts_fen: int
    questions: int

    @property
    def aov_fen(self) -> Rate:
        return Rate(self.gmv_fen, self.orders)

    @property
    def watch_to_buy(self) -> Rate:
        return Rate(self.buyers, self.viewers_uv)

    @property
    def click_to_buy(self) -> Rate:
        return Rate(self.clicked_buyers, self.clickers)

    @property
    def follow_rate(self) -> Rate:
        return Rate(self.follows, self.viewers_uv)

    @property
    def interaction_rate(self) -> Rate:
        return Rate(self.interacting, self.viewers_uv)

    @property
    def uv_value_fen(self) -> Rate:
        return Rate(self.gmv_fen, self.viewers_uv)

    @property
    def gpm_fen(self) -> Rate:
        return Rate(self.gmv_fen, self.entries_pv, 1000.0)


@dataclass(frozen=True)
class TimelinePoint:
    """One bucket of the timeline, starting at ``ts`` (bucket_s long)."""

    ts: float
    online: int  # the last viewer_stats sample in the bucket (carried over from earlier if none)
    online_avg: float  # mean of the bucket's samples (the carried value if none)
    comments: int
    orders: int
    gmv_fen: int
    cumulative_gmv_fen: int


@dataclass(frozen=True)
class ExplainWindow:
    """A product on the explain card (讲解) from ``start_ts`` to ``end_ts``."""

    no: int | None
    product_id: str
    name: str
    start_ts: float
    end_ts: float  # an unfinished window ends when the session (or its last event) ended


@dataclass(frozen=True)
class Marker:
    """A moment on the timeline."""

    ts: float
    kind: str  # flash_sale_start | flash_sale_end | coupon_drop | lucky_bag | alert
    label: str


@dataclass(frozen=True)
class ProductResult:
    """One product's results. Whole-session counts, plus ``window_*`` inside its explain windows."""

    product_id: str
    no: int | None
    name: str
    price_fen: int
    explain_s: float
    windows: int
    clicks: int
    clickers: int
    orders: int
    buyers: int
    units: int
    gmv_fen: int
    window_clicks: int
    window_clickers: int
    window_orders: int
    window_buyers: int
    window_units: int
    window_gmv_fen: int
    intent_comments: int  # buying-intent comments while it was explained
    questions: int  # questions about it (naming "N号", or asked while it was explained)
    mentions: int  # comments naming its number, whenever written
    shop_orders: int = 0  # imported shop orders (import_shop_orders)
    shop_gmv_fen: int = 0

    @property
    def conversion(self) -> Rate:
        """Window buyers ÷ window clickers (people), as docs/metrics.md's per-product conversion."""
        return Rate(self.window_buyers, self.window_clickers)


@dataclass(frozen=True)
class Question:
    seq: int
    ts: float
    user_id: str
    user_name: str
    text: str
    product_no: int | None
    answered: bool
    answered_how: str  # '' | 'pinned' | 'replied' | 'explained'


@dataclass(frozen=True)
class Highlight:
    """A comment spike: ``comments`` in the 10 s from ``ts``, against the ``baseline`` per 10 s."""

    ts: float
    comments: int
    baseline: float
    samples: tuple[str, ...]


@dataclass(frozen=True)
class FlashSaleResult:
    sale_id: str
    no: int | None
    product_id: str
    name: str
    price_fen: int
    stock: int
    sold: int
    start_ts: float | None
    end_ts: float | None
    end_reason: str

    @property
    def sell_through(self) -> Rate:
        return Rate(self.sold, self.stock)


@dataclass(frozen=True)
class CouponResult:
    coupon_id: str
    label: str
    quantity: int
    claimed: int  # coupon_claim events (times), capped at quantity
    claimers: int  # people
    ts: float

    @property
    def claim_rate(self) -> Rate:
        return Rate(self.claimed, self.quantity)


@dataclass(frozen=True)
class LuckyBagResult:
    bag_id: str
    ts: float
    condition: str
    participants: int
    winners: tuple[str, ...]
    seed: int | None
    status: str  # running | drawn | cancelled


@dataclass(frozen=True)
class PromotionResults:
    flash_sales: list[FlashSaleResult] = field(default_factory=list)
    coupons: list[CouponResult] = field(default_factory=list)
    lucky_bags: list[LuckyBagResult] = field(default_factory=list)


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based row in the file, the header being row 1
    column: str
    reason: str


@dataclass(frozen=True)
class OrderImport:
    imported: int
    in_windows: int  # of those, placed in a product's explain window
    errors: list[RowError]
    duplicates: int = 0  # order ids already imported for the session


@dataclass(frozen=True)
class CompareProduct:
    """One product across the compared sessions (matched by product id, else by name)."""

    key: str
    name: str
    results: tuple[ProductResult | None, ...]  # one per session, None if absent


@dataclass(frozen=True)
class Comparison:
    sessions: list[Summary]
    products: list[CompareProduct]


__all__ = [
    "CompareProduct", "Comparison", "CouponResult", "ExplainWindow", "FlashSaleResult", "Highlight",
    "LiveEvent", "LuckyBagResult", "Marker", "OrderImport", "ProductResult", "PromotionResults", "Question",
    "Review", "ReviewError", "RowError", "SessionRow", "Summary", "TimelinePoint", "compare", "delete_session",
    "export_session", "import_session", "import_shop_orders", "list_sessions", "rename_session",
]


def list_sessions(path: PathLike) -> list[SessionRow]:
    raise NotImplementedError


def rename_session(path: PathLike, session_id: int, title: str) -> None:
    raise NotImplementedError


def delete_session(path: PathLike, session_id: int) -> None:
    raise NotImplementedError


def export_session(path: PathLike, session_id: int, out_file: PathLike) -> None:
    raise NotImplementedError


def import_session(path: PathLike, in_file: PathLike) -> int:
    raise NotImplementedError


def import_shop_orders(path: PathLike, session_id: int, orders_file: PathLike) -> OrderImport:
    raise NotImplementedError


def compare(path: PathLike, session_ids: list[int]) -> Comparison:
    raise NotImplementedError


class Review:
    def __init__(self, path: PathLike, session_id: int) -> None:
        raise NotImplementedError

    def summary(self) -> Summary: ...
    def timeline(self, bucket_s: int = 60) -> list[TimelinePoint]: ...
    def explain_windows(self) -> list[ExplainWindow]: ...
    def markers(self) -> list[Marker]: ...
    def products(self) -> list[ProductResult]: ...
    def questions(self, limit: int | None = None) -> list[Question]: ...
    def keywords(self, top: int = 30) -> list[tuple[str, int]]: ...
    def highlights(self) -> list[Highlight]: ...
    def promotions(self) -> PromotionResults: ...
    def comments_around(self, ts: float, window_s: float = 30, limit: int = 200) -> list[LiveEvent]: ...
