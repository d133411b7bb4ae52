"""Post-show review (复盘): one session's results, read from the session log.

Headless and read-only: every query runs on its own read-only connection (``app.store.session_log.open_readonly``),
so it is safe beside a running LiveDeck. Every number comes from SQL aggregates over the log — nothing
loads a whole session into Python — so a 3-hour, 2-million-event session opens in about 1.5 s.
What each number means is in docs/review.md (which points to docs/metrics.md for the shared metrics).

Each result is computed in a module of its own (summary, timeline, products, questions, keywords,
highlights, promotions); :class:`Review` is the one object the window and the report read them from.
The session library (listing, renaming, exporting sessions) is app.review.library; the shop-order import
app.review.shop_orders; comparing sessions app.review.compare.
"""

from __future__ import annotations

from app.core.events import LiveEvent
from app.review.blocked import blocked_viewers
from app.review.comment_scan import SCAN_BUCKET_S, comment_scan, scan_parts
from app.review.commerce_counts import commerce_future
from app.review.highlights import Highlight, read_highlights
from app.review.keywords import read_keywords
from app.review.log_access import PathLike, loads_object
from app.review.products import ProductResult, read_products
from app.review.promotions import PromotionResults, read_promotions
from app.review.questions import Question, read_questions
from app.review.session import SessionReader
from app.review.summary import Summary, read_summary, summary_queries
from app.review.timeline import Marker, TimelinePoint, read_markers, read_timeline, timeline_queries


class Review(SessionReader):
    """One session's review, read from the log with read-only connections.

    Results are computed on first use and kept. The window's first screen (summary, timeline, products,
    first page of questions) starts at once on worker threads, one per core (SQLite releases the GIL while
    it works), so it is ready together; docs/review.md ("How the review reads a big log") says how.
    Call :meth:`close` (or use ``with``) to stop the workers; it interrupts running queries.

    Raises:
        ReviewError: the log or the session does not exist.
    """

    def __init__(self, path: PathLike, session_id: int) -> None:
        super().__init__(path, session_id)
        # What the window's first screen shows (summary, timeline, products, questions) starts now, longest
        # first; close() interrupts whatever is still running.
        commerce_future(self)
        scan_parts(self)
        timeline_queries(self, SCAN_BUCKET_S)
        summary_queries(self)

    def __enter__(self) -> Review:
        return self

    def shop_orders_changed(self) -> None:
        """Shop orders were imported for this session: per-product results are recomputed on the next
        :meth:`products` (the rest of the review does not read them)."""
        self.has_shop_orders = True
        self.forget("products")

    def summary(self) -> Summary:
        """The session's KPIs; every count as docs/metrics.md defines it, recomputed from the events."""
        return self.cached("summary", lambda: read_summary(self))

    def timeline(self, bucket_s: int = 60) -> list[TimelinePoint]:
        """Buckets of ``bucket_s`` seconds from the session start to its end, empty ones included."""
        if bucket_s <= 0:
            raise ValueError("bucket_s must be positive")
        return self.cached(("timeline", bucket_s), lambda: read_timeline(self, bucket_s))

    def markers(self) -> list[Marker]:
        """Flash-sale starts/ends, coupon drops, lucky bags and alerts, in time order."""
        return self.cached("markers", lambda: read_markers(self))

    def products(self) -> list[ProductResult]:
        """Per product: every catalog product, and any other product that was explained, clicked or sold."""
        return self.cached("products", lambda: read_products(self))

    def questions(self, limit: int | None = None, offset: int = 0) -> list[Question]:
        """Questions (app.comments.classifier.is_question) in order, ``limit`` from ``offset``; answered as
        docs/review.md defines: pinned, replied to by the anchor/an admin, or its product explained within 5 minutes."""
        return read_questions(self, limit, offset)

    def question_count(self) -> int:
        return comment_scan(self).question_count

    def keywords(self, top: int = 30) -> list[tuple[str, int]]:
        """The most frequent words of the comments (jieba), without stop words, 1-character tokens,
        numbers and punctuation. Each distinct comment text is segmented once and weighted by its count."""
        return self.cached(("keywords", top), lambda: read_keywords(self, top))

    def highlights(self, limit: int = 10) -> list[Highlight]:
        """Comment spikes by the live alert's rule: 10 s with ≥ 3 × the previous minute's average per 10 s
        and ≥ 10 comments. Adjacent spiking windows count once (the busiest); the biggest ``limit``."""
        return self.cached(("highlights", limit), lambda: read_highlights(self, limit))

    def promotions(self) -> PromotionResults:
        """Flash sales (sold / stock), coupons (claimed / quantity) and lucky bags, from the logged
        commands and the engine's system events."""
        return self.cached("promotions", lambda: read_promotions(self))

    def blocked_viewers(self) -> dict[str, str]:
        """``user_id → name`` of the viewers blocked in the show (屏蔽此人; app/review/blocked.py)."""
        return blocked_viewers(self)

    def comments_around(self, ts: float, window_s: float = 30, limit: int = 200) -> list[LiveEvent]:
        """Comments from ``ts - window_s`` to ``ts + window_s``, in time order, at most ``limit``."""
        rows = self.query(
            "SELECT kind, ts, user_id, user_name, text, count, amount_fen, product_id, msg_id, extra, seq "
            "FROM events WHERE session_id = ? AND ts >= ? AND ts <= ? AND kind = 'comment' ORDER BY ts, seq LIMIT ?",
            (self.session_id, ts - window_s, ts + window_s, limit),
        )
        return [LiveEvent(k, t, u or "", n or "", x or "", c or 0, a or 0, p or "", m or "",
                          None if e is None else loads_object(e), s) for k, t, u, n, x, c, a, p, m, e, s in rows]
