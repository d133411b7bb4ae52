"""Live-commerce metrics, computed from the engine's batches: honest, stated, recomputable from the log.

Every metric is defined in ``docs/metrics.md`` — formula, whether it counts **people** (distinct
``user_id``, 人数/UV) or **times** (events, 次数/PV), and the SQL that recomputes it from the session log.
Every rate is a :class:`Rate` holding its numerator and denominator; a rate whose denominator is 0 is
undefined (``value is None``, shown as "—"), never a fake 0 %.

:class:`MetricsTracker` is plain Python (no Qt, no clock of its own). The show feeds it each applied batch
(:meth:`MetricsTracker.feed`) and asks for a :class:`Snapshot` every second and once at the session end;
snapshots go to the ``metrics`` table (``SessionLog.append_metrics``) with one column per numerator and
denominator, so every rate is one column ÷ another.

Explain windows and promotions come from the commerce side through :meth:`MetricsTracker.mark_window` /
:meth:`MetricsTracker.end_window` / :meth:`MetricsTracker.mark_event`; flash-sale starts and coupon drops
that the room itself announces (``system`` events with ``extra.flash_sale == "started"`` or a
``coupon_id``) are marked automatically.

The metrics modules: ``kinds`` (which kinds count as viewers / interaction), ``rates`` (Rate,
SessionRates), ``snapshot`` (Snapshot and its ``metrics`` rows), ``marks`` (explain windows, marks),
``products`` (catalog, per-product numbers), ``people`` (the distinct people, exact, in SQLite),
``alerts`` (the alert rules). This module holds the tracker and is the public face: import from here.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import unicodedata
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from app.comments.classifier import intends_to_buy
from app.core.events import Kind, LiveEvent, is_coupon_drop
from app.core.i18n import tr
from app.core.listeners import Listeners
from app.metrics.alerts import ALERT_COMMENT_SPIKE, ALERT_LOW_STOCK, ALERT_ONLINE_DROP, AlertRules
from app.metrics.kinds import INTERACTION_KINDS, VIEWER_KINDS
from app.metrics.marks import ExplainWindow, Mark
from app.metrics.people import BUYER, CLICKER, COMMENTER, FOLLOWER, INTERACTING, ROLES, VIEWER, People
from app.metrics.products import Catalog, ProductActivity, ProductLogs, ProductStats, product_stats
from app.metrics.rates import Rate, SessionRates
from app.metrics.snapshot import SNAPSHOT_FIELDS, Snapshot, snapshot_rows

__all__ = [
    "ALERT_COMMENT_SPIKE",
    "ALERT_LOW_STOCK",
    "ALERT_ONLINE_DROP",
    "INTERACTION_KINDS",
    "SNAPSHOT_FIELDS",
    "VIEWER_KINDS",
    "ExplainWindow",
    "Mark",
    "MetricsTracker",
    "ProductStats",
    "Rate",
    "SessionRates",
    "Snapshot",
    "connect_commerce",
    "snapshot_rows",
]

log = logging.getLogger("livedeck.metrics")


class MetricsTracker:
    """Computes the metrics of one session from the engine's batches. Not thread-safe: one loop feeds it.

    Args:
        submit: where alert events go (``engine.submit``); None to only call the alert listeners.
        products: the catalog, for product numbers and names (see :meth:`set_products`).
        drop_ratio: an online drop of at least this fraction within ``drop_window_s`` alerts.
        drop_min_online: no drop alert unless the minute's peak was at least this many viewers.
        spike_factor: comments in the last ``spike_window_s`` ≥ this × the previous minute's average per
            ``spike_window_s`` alerts…
        spike_min_comments: …and at least this many comments in the last ``spike_window_s``.
        alert_cooldown_s: the same alert does not repeat within this many seconds.
        stock_ratio: ``check_stock`` alerts at or below this fraction of the stock.
    """

    people: People  # set by reset()
    _products: ProductLogs

    def __init__(
        self,
        submit: Callable[[Iterable[LiveEvent]], None] | None = None,
        products: Iterable[Any] = (),
        *,
        drop_ratio: float = 0.20,
        drop_window_s: float = 60.0,
        drop_min_online: int = 20,
        spike_factor: float = 3.0,
        spike_window_s: float = 10.0,
        spike_min_comments: int = 10,
        alert_cooldown_s: float = 60.0,
        stock_ratio: float = 0.10,
    ) -> None:
        self.alerts = AlertRules(
            submit, drop_ratio=drop_ratio, drop_window_s=drop_window_s, drop_min_online=drop_min_online,
            spike_factor=spike_factor, spike_window_s=spike_window_s, spike_min_comments=spike_min_comments,
            alert_cooldown_s=alert_cooldown_s, stock_ratio=stock_ratio,
        )
        self._snapshot_listeners: Listeners[[Snapshot]] = Listeners(log, "snapshot listener")
        self.catalog = Catalog()
        self.set_products(products)
        self.reset()

    # -- wiring -----------------------------------------------------------------------------------
    def set_products(self, products: Iterable[Any]) -> None:
        """Products with ``no``, ``product_id`` and ``name`` (``app.commerce.catalog.Product`` or alike)."""
        self.catalog.add(products)

    def add_alert_listener(self, listener: Callable[[str, str, float], None]) -> Callable[[], None]:
        """``listener(alert, text, ts)`` for every alert (``online_drop``/``low_stock``/``comment_spike``);
        returns the function that removes it (calling it twice is harmless)."""
        return self.alerts.add_listener(listener)

    def add_snapshot_listener(self, listener: Callable[[Snapshot], None]) -> Callable[[], None]:
        """``listener(snapshot)`` for every snapshot taken with ``notify=True`` (the per-second ones);
        returns the function that removes it (calling it twice is harmless)."""
        return self._snapshot_listeners.add(listener)

    def reset(self, started_at: float | None = None) -> None:
        """Forget everything: a new session begins (at wall-clock ``started_at``)."""
        self.started_at = started_at
        self.final: Snapshot | None = None  # the snapshot taken when the session ended
        self.latest_ts: float | None = None
        self.first_ts: float | None = None
        # viewer_stats samples sorted by (ts, seq): the online curve. Sorted so that a late sample
        # lands in its place; the integral is recomputed only then.
        self._stats: list[tuple[float, int, int]] = []
        self._online_seconds = 0.0
        self.peak_online = 0
        self.platform_total_viewers = 0  # the platform's own cumulative figure, shown, never divided
        if hasattr(self, "people"):  # a session before this one: its scratch tables go
            self.people.close()
        self.people = People()  # the distinct people so far, exact, in SQLite (app/metrics/people.py)
        # This batch's people by role, handed to self.people at the end of each feed.
        self._seen: dict[int, set[str]] = {role: set() for role in ROLES}
        self._viewers, self._interacting = self._seen[VIEWER], self._seen[INTERACTING]
        self._commenters, self._followers = self._seen[COMMENTER], self._seen[FOLLOWER]
        self._clickers, self._buyers = self._seen[CLICKER], self._seen[BUYER]
        self.entries_pv = 0
        self.comments = 0
        self.likes = 0
        self.clicks = 0
        self.orders = 0
        self.units = 0
        self.gmv_fen = 0
        self._comment_ts = array("d")  # sorted, pruned to the last few minutes
        self._intents: list[float] = []  # this batch's buying-intent comment times, for self._products
        self._mentions: defaultdict[str, int] = defaultdict(int)
        if hasattr(self, "_products"):
            self._products.close()
        self._products = ProductLogs()  # every click and order, in SQLite
        self._clicks: list[tuple[str, float, str]] = []  # this batch's, handed on at the end of each feed
        self._orders: list[tuple[str, float, str, int, int]] = []
        self.windows: list[ExplainWindow] = []
        self._followed: tuple[object, list[ExplainWindow]] = (None, [])  # follow_windows: its list, ours
        self.marks: list[Mark] = []
        self.alerts.reset()

    # -- feeding ------------------------------------------------------------------------------------
    def feed(self, batch: Iterable[LiveEvent]) -> None:
        """Apply one batch of engine events (any order of ``ts``)."""
        comments_before = self.comments
        stats_before = len(self._stats)
        for e in batch:
            ts = e.ts
            if self.latest_ts is None or ts > self.latest_ts:
                self.latest_ts = ts
            if self.first_ts is None or ts < self.first_ts:
                self.first_ts = ts
            uid = e.user_id
            if uid and e.kind in VIEWER_KINDS:
                self._viewers.add(uid)
                if e.kind in INTERACTION_KINDS:
                    self._interacting.add(uid)
            self._count(e)
        self.people.add(self._seen)
        for uids in self._seen.values():
            uids.clear()
        self._products.add(self._clicks, self._orders, self._intents)
        self._clicks, self._orders, self._intents = [], [], []
        if len(self._stats) != stats_before:
            self.alerts.check_online_drop(self._stats)
        if self.comments != comments_before:
            self.alerts.check_comment_spike(self.latest_ts, self.first_ts, self.comments_between)

    def feed_history(self, batch: Iterable[LiveEvent]) -> None:
        """Apply events of the show so far (continuing an interrupted show, app/engine/resume.py): counted
        like live ones, but no alert is raised about the past (the first run raised those)."""
        self.alerts.muted = True
        try:
            self.feed(batch)
        finally:
            self.alerts.muted = False

    def _count(self, e: LiveEvent) -> None:
        """Add one event to the counters of its kind."""
        kind = e.kind
        uid = e.user_id
        if kind == Kind.COMMENT:
            self.comments += 1
            if uid:
                self._commenters.add(uid)
            self._add_comment(e)
        elif kind == Kind.VIEWER_STATS:
            self._add_stats(e.ts, e.seq, e.count)
            total = (e.extra or {}).get("total_viewers")
            if isinstance(total, int) and not isinstance(total, bool):
                self.platform_total_viewers = max(self.platform_total_viewers, total)
        elif kind == Kind.ENTER:
            self.entries_pv += 1
        elif kind == Kind.LIKE:
            self.likes += e.count
        elif kind == Kind.FOLLOW:
            if uid:
                self._followers.add(uid)
        elif kind == Kind.PRODUCT_CLICK:
            self.clicks += 1
            if uid:
                self._clickers.add(uid)
            self._clicks.append((e.product_id, e.ts, uid))
        elif kind == Kind.ORDER:
            self.orders += 1
            self.units += e.count
            self.gmv_fen += e.amount_fen
            if uid:
                self._buyers.add(uid)
            self._orders.append((e.product_id, e.ts, uid, e.count, e.amount_fen))
        elif kind == Kind.SYSTEM:
            self._system(e)

    def _add_comment(self, e: LiveEvent) -> None:
        ts = e.ts
        times = self._comment_ts
        if not times or ts >= times[-1]:
            times.append(ts)
        else:
            bisect.insort(times, ts)
        if len(times) > 4096 and self.latest_ts is not None:
            # Only the last ~70 s matter (comments/min, spikes); drop the rest in one slice.
            del times[: bisect.bisect_left(times, self.latest_ts - 180.0)]
        text = unicodedata.normalize("NFKC", e.text)
        if intends_to_buy(text):
            self._intents.append(ts)
        pid = self.catalog.mentioned(text)
        if pid is not None:
            self._mentions[pid] += 1  # one mention per comment, of its first number

    def _add_stats(self, ts: float, seq: int, online: int) -> None:
        stats = self._stats
        self.peak_online = max(self.peak_online, online)
        sample = (ts, seq, online)
        if not stats or sample >= stats[-1]:
            if stats:
                self._online_seconds += stats[-1][2] * (ts - stats[-1][0])
            stats.append(sample)
        else:
            bisect.insort(stats, sample)
            self._online_seconds = sum(a[2] * (b[0] - a[0]) for a, b in itertools.pairwise(stats))

    def _system(self, e: LiveEvent) -> None:
        extra = e.extra or {}
        if extra.get("alert"):
            self.marks.append(Mark(e.ts, e.text, "alert"))
        elif extra.get("flash_sale") == "started":
            self.mark_event(e.ts, self.catalog.prefixed(e.product_id, tr("秒杀")), "flash_sale")
        elif is_coupon_drop(extra):
            self.mark_event(e.ts, tr("优惠券"), "coupon")

    # -- commerce marks ---------------------------------------------------------------------------------
    def mark_window(self, product_id: str, start_ts: float, end_ts: float | None = None) -> None:
        """Record that ``product_id`` was on screen from ``start_ts`` (to ``end_ts``; None = still is).

        An open window of another product is closed at ``start_ts`` (one product is explained at a time).
        """
        for w in self.windows:
            if w.end is None and w.start <= start_ts:
                w.end = start_ts
        self._add_window(ExplainWindow(product_id, start_ts, end_ts))

    def _add_window(self, window: ExplainWindow) -> None:
        """Into :attr:`windows`, kept in start order: appended (the usual case) or inserted, never re-sorted."""
        if not self.windows or self.windows[-1].start <= window.start:
            self.windows.append(window)
        else:
            bisect.insort(self.windows, window, key=lambda w: w.start)

    def set_windows(self, windows: Iterable[tuple[str, float, float | None]]) -> None:
        """Replace the explain windows by ``(product_id, start_ts, end_ts)``."""
        self.windows = sorted((ExplainWindow(pid, a, b) for pid, a, b in windows), key=lambda w: w.start)
        self._followed = (None, [])

    def follow_windows(self, windows: Sequence[Any]) -> None:
        """Keep :attr:`windows` equal to the commerce state's ``explain_windows`` (items with
        ``product_id``, ``start_ts``, ``end_ts``), in time proportional to what changed: that list only
        grows at its end and closes its last window, so the new ones are added and the last one before
        them updated (a different list, or a shorter one, is taken whole)."""
        followed, ours = self._followed
        if followed is not windows or len(windows) < len(ours):
            self.set_windows((w.product_id, w.start_ts, w.end_ts) for w in windows)
            self._followed = (windows, list(self.windows))
            return
        if ours:
            ours[-1].end = windows[len(ours) - 1].end_ts
        for w in windows[len(ours):]:
            window = ExplainWindow(w.product_id, w.start_ts, w.end_ts)
            ours.append(window)
            self._add_window(window)

    def end_window(self, end_ts: float, product_id: str | None = None) -> None:
        """Close the open explain window (of ``product_id`` if given)."""
        for w in self.windows:
            if w.end is None and (product_id is None or w.product_id == product_id):
                w.end = max(w.start, end_ts)

    @property
    def explaining(self) -> str | None:
        """The product whose window is open, if any."""
        for w in reversed(self.windows):
            if w.end is None:
                return w.product_id
        return None

    def mark_event(self, ts: float, label: str, kind: str = "event") -> None:
        """A moment for the charts' vertical lines: ``kind`` "flash_sale", "coupon", "alert" or "event"."""
        bisect.insort(self.marks, Mark(ts, label, kind), key=lambda m: m.ts)

    def product_label(self, product_id: str) -> str:
        """``"3号 山楂条"`` when the catalog knows it, else the id."""
        return self.catalog.label(product_id)

    # -- alerts ---------------------------------------------------------------------------------------
    def _alert(self, alert: str, text: str, ts: float, key: str | None = None) -> bool:
        """Fire an alert now (subject to its cooldown); see :meth:`AlertRules.fire`."""
        return self.alerts.fire(alert, text, ts, key)

    def check_stock(self, remaining: int, total: int, product: str, ts: float | None = None) -> bool:
        """Alert once per ``product`` when a flash sale's stock is at or below 10 % (``stock_ratio``).

        Call it from the commerce side whenever the sale's stock changes. Returns True if it alerted.
        """
        when = ts if ts is not None else (self.latest_ts or 0.0)
        return self.alerts.check_stock(remaining, total, product, self.product_label(product), when)

    # -- reading ------------------------------------------------------------------------------------
    def comments_between(self, start: float, end: float) -> int:
        """Comments with ``start < ts <= end`` among the recent ones kept (the last few minutes)."""
        t = self._comment_ts
        return bisect.bisect_right(t, end) - bisect.bisect_right(t, start)

    @property
    def online(self) -> int:
        """Online now: the viewer_stats sample with the latest ts (0 before the first)."""
        return self._stats[-1][2] if self._stats else 0

    def snapshot(self, ts: float | None = None, *, notify: bool = True) -> Snapshot:
        """The counters now. ``ts``: the moment (default: the latest event's ts) for comments_1m."""
        when = ts if ts is not None else (self.latest_ts or 0.0)
        stats = self._stats
        people = self.people
        snap = Snapshot(
            ts=when,
            online=self.online,
            peak_online=self.peak_online,
            online_seconds=self._online_seconds,
            online_span_s=(stats[-1][0] - stats[0][0]) if stats else 0.0,
            viewers_uv=people.count(VIEWER),
            entries_pv=self.entries_pv,
            comments=self.comments,
            comments_1m=self.comments_between(when - 60.0, when),
            commenters=people.count(COMMENTER),
            likes=self.likes,
            follows=people.count(FOLLOWER),
            interacting=people.count(INTERACTING),
            clicks=self.clicks,
            clickers=people.count(CLICKER),
            clicked_buyers=people.clicked_buyers,
            orders=self.orders,
            units=self.units,
            buyers=people.count(BUYER),
            gmv_fen=self.gmv_fen,
        )
        if notify:
            self._snapshot_listeners.notify(snap)
        return snap

    def product_stats(self, now: float | None = None, *, every_product: bool = False) -> list[ProductStats]:
        """Per-product numbers, for every product that was explained, clicked, ordered or mentioned
        (and, with ``every_product``, every catalog product too, at zero).

        ``now`` closes open windows for the explain time (default: the latest event's ts).
        """
        when = now if now is not None else (self.latest_ts or 0.0)
        activity = ProductActivity(self.windows, self._products, self._mentions)
        return product_stats(self.catalog, activity, when, every_product=every_product)


def connect_commerce(tracker: MetricsTracker, engine: Any) -> Callable[[], None]:
    """Feed ``tracker`` the engine's catalog, explain windows and flash-sale stock (``subscribe_changes``).

    Returns the unsubscribe function (a no-op for an engine without commerce).
    """
    subscribe = getattr(engine, "subscribe_changes", None)
    if subscribe is None:
        return lambda: None

    def sync_catalog() -> None:
        # The engine's catalog is the show's: product numbers ("3号") and names follow it, replaced whole.
        products = engine.state.queue.products
        if products:
            tracker.catalog.replace(products)

    def on_change(change: Any) -> None:
        state = engine.state
        if change.kind in ("catalog", "product"):
            sync_catalog()
        elif change.kind == "explaining":
            tracker.follow_windows(state.explain_windows)
        elif change.kind == "flash_sale":
            sale = state.flash_sales.get(change.key)
            if sale is not None and sale.status == "live":
                tracker.check_stock(sale.left, sale.stock, sale.product_id)

    sync_catalog()
    unsubscribe: Callable[[], None] = subscribe(on_change)
    return unsubscribe
