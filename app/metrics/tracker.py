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
"""

from __future__ import annotations

import bisect
import itertools
import logging
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.comments.rules import is_buying_intent
from app.core.events import Kind, LiveEvent, is_coupon_drop
from app.core.i18n import tr

log = logging.getLogger("livedeck.metrics")

#: Kinds that make a viewer an *interacting* viewer (互动人数): social actions in the room. Entering,
#: clicking a product, claiming a coupon and ordering are commerce/presence, not interaction.
INTERACTION_KINDS: frozenset[str] = frozenset(
    {Kind.COMMENT, Kind.LIKE, Kind.FOLLOW, Kind.SHARE, Kind.GIFT, Kind.FANSCLUB}
)
#: Kinds whose ``user_id`` makes the viewer count as seen (UV): entering or any viewer action.
VIEWER_KINDS: frozenset[str] = INTERACTION_KINDS | {
    Kind.ENTER, Kind.PRODUCT_CLICK, Kind.ORDER, Kind.COUPON_CLAIM,
}

ALERT_ONLINE_DROP = "online_drop"
ALERT_LOW_STOCK = "low_stock"
ALERT_COMMENT_SPIKE = "comment_spike"

# "3号", "３号", "3 号链接": the number the anchor calls a product by. Full-width digits are folded by NFKC.
_PRODUCT_NUMBER = re.compile(r"(?<!\d)(\d{1,3})\s*号")

#: Column order of a snapshot row in the ``metrics`` table (after ``session_id``).
SNAPSHOT_FIELDS: tuple[str, ...] = (
    "ts", "online", "peak_online", "online_seconds", "online_span_s", "viewers_uv", "entries_pv",
    "comments", "comments_1m", "commenters", "likes", "follows", "interacting", "clicks", "clickers",
    "clicked_buyers", "orders", "units", "buyers", "gmv_fen",
)


@dataclass(frozen=True, slots=True)
class Rate:
    """A ratio kept as numerator and denominator. ``value`` is None when the denominator is 0."""

    num: float
    den: float
    scale: float = 1.0  # GPM multiplies by 1000

    @property
    def value(self) -> float | None:
        return None if not self.den else self.num * self.scale / self.den

    def percent(self, digits: int = 1) -> str:
        """``"12.5%"``, or ``"—"`` when undefined."""
        v = self.value
        return "—" if v is None else f"{v * 100:.{digits}f}%"


class SessionRates:
    """The session-level rates of docs/metrics.md, each one count ÷ another (numerator and denominator
    kept). Shared by the live :class:`Snapshot` and the review's ``Summary``, so a rate means the
    same on the dashboard, in the log and in the report."""

    __slots__ = ()
    follows: int
    interacting: int
    viewers_uv: int
    entries_pv: int
    buyers: int
    clicked_buyers: int
    clickers: int
    orders: int
    gmv_fen: int

    @property
    def follow_rate(self) -> Rate:
        return Rate(self.follows, self.viewers_uv)

    @property
    def interaction_rate(self) -> Rate:
        return Rate(self.interacting, self.viewers_uv)

    @property
    def watch_to_buy(self) -> Rate:
        return Rate(self.buyers, self.viewers_uv)

    @property
    def click_to_buy(self) -> Rate:
        return Rate(self.clicked_buyers, self.clickers)

    @property
    def uv_value_fen(self) -> Rate:
        return Rate(self.gmv_fen, self.viewers_uv)

    @property
    def gpm_fen(self) -> Rate:
        return Rate(self.gmv_fen, self.entries_pv, 1000.0)

    @property
    def aov_fen(self) -> Rate:
        return Rate(self.gmv_fen, self.orders)


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


@dataclass(frozen=True, slots=True)
class ProductStats:
    """One product's live numbers. ``window_*`` count only what happened inside its explain windows."""

    product_id: str
    no: int | None
    name: str
    explain_seconds: float
    window_clicks: int
    window_clickers: int
    window_orders: int
    window_units: int
    window_buyers: int
    window_clicked_buyers: int  # window buyers who also clicked it inside its windows (people)
    window_gmv_fen: int
    orders: int  # whole session
    gmv_fen: int  # whole session
    intent_comments: int  # buying-intent comments while it was on screen
    mentions: int  # comments naming its number ("3号…")

    @property
    def conversion(self) -> Rate:
        """Window buyers who clicked ÷ window clickers (people, both inside its windows): never over 100 %."""
        return Rate(self.window_clicked_buyers, self.window_clickers)


@dataclass(slots=True)
class _ProductLog:
    clicks: list[tuple[float, str]] = field(default_factory=list)  # (ts, user_id)
    orders: list[tuple[float, str, int, int]] = field(default_factory=list)  # (ts, user, units, fen)


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
        self._submit = submit
        self.drop_ratio = drop_ratio
        self.drop_window_s = drop_window_s
        self.drop_min_online = drop_min_online
        self.spike_factor = spike_factor
        self.spike_window_s = spike_window_s
        self.spike_min_comments = spike_min_comments
        self.alert_cooldown_s = alert_cooldown_s
        self.stock_ratio = stock_ratio
        self._alert_listeners: list[Callable[[str, str, float], None]] = []
        self._snapshot_listeners: list[Callable[[Snapshot], None]] = []
        self._names: dict[str, tuple[int | None, str]] = {}
        self._by_no: dict[int, str] = {}
        self.set_products(products)
        self.reset()

    # -- wiring -----------------------------------------------------------------------------------
    def set_products(self, products: Iterable[Any]) -> None:
        """Products with ``no``, ``product_id`` and ``name`` (``app.commerce.catalog.Product`` or alike)."""
        for p in products:
            self._names[p.product_id] = (p.no, p.name)
            self._by_no[int(p.no)] = p.product_id

    def add_alert_listener(self, listener: Callable[[str, str, float], None]) -> Callable[[], None]:
        """``listener(alert, text, ts)`` for every alert (``online_drop``/``low_stock``/``comment_spike``);
        returns the function that removes it."""
        self._alert_listeners.append(listener)
        return lambda: self._alert_listeners.remove(listener) if listener in self._alert_listeners else None

    def add_snapshot_listener(self, listener: Callable[[Snapshot], None]) -> Callable[[], None]:
        """``listener(snapshot)`` for every snapshot taken with ``notify=True`` (the per-second ones);
        returns the function that removes it."""
        self._snapshot_listeners.append(listener)
        return lambda: self._snapshot_listeners.remove(listener)

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
        self._viewers: set[str] = set()
        self._interacting: set[str] = set()
        self._commenters: set[str] = set()
        self._followers: set[str] = set()
        self._clickers: set[str] = set()
        self._buyers: set[str] = set()
        self.entries_pv = 0
        self.comments = 0
        self.likes = 0
        self.clicks = 0
        self.orders = 0
        self.units = 0
        self.gmv_fen = 0
        self._comment_ts: list[float] = []  # sorted, pruned to the last few minutes
        self._intent_ts: list[float] = []  # sorted, every buying-intent comment of the session
        self._mentions: defaultdict[str, int] = defaultdict(int)
        self._products: defaultdict[str, _ProductLog] = defaultdict(_ProductLog)
        self.windows: list[ExplainWindow] = []
        self.marks: list[Mark] = []
        self._last_alert: dict[str, float] = {}
        self._stock_alerted: set[str] = set()

    # -- feeding ------------------------------------------------------------------------------------
    def feed(self, batch: Iterable[LiveEvent]) -> None:
        """Apply one batch of engine events (any order of ``ts``)."""
        comments_before = self.comments
        stats_before = len(self._stats)
        for e in batch:
            kind = e.kind
            ts = e.ts
            if self.latest_ts is None or ts > self.latest_ts:
                self.latest_ts = ts
            if self.first_ts is None or ts < self.first_ts:
                self.first_ts = ts
            uid = e.user_id
            if uid and kind in VIEWER_KINDS:
                self._viewers.add(uid)
                if kind in INTERACTION_KINDS:
                    self._interacting.add(uid)
            if kind == Kind.COMMENT:
                self.comments += 1
                if uid:
                    self._commenters.add(uid)
                self._add_comment(e)
            elif kind == Kind.VIEWER_STATS:
                self._add_stats(ts, e.seq, e.count)
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
                self._products[e.product_id].clicks.append((ts, uid))
            elif kind == Kind.ORDER:
                self.orders += 1
                self.units += e.count
                self.gmv_fen += e.amount_fen
                if uid:
                    self._buyers.add(uid)
                self._products[e.product_id].orders.append((ts, uid, e.count, e.amount_fen))
            elif kind == Kind.SYSTEM:
                self._system(e)
        if len(self._stats) != stats_before:
            self._check_online_drop()
        if self.comments != comments_before:
            self._check_comment_spike()

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
        if is_buying_intent(text):
            intents = self._intent_ts
            if not intents or ts >= intents[-1]:
                intents.append(ts)
            else:
                bisect.insort(intents, ts)
        for match in _PRODUCT_NUMBER.finditer(text):
            pid = self._by_no.get(int(match.group(1)))
            if pid is not None:
                self._mentions[pid] += 1
                break  # one mention per comment, of its first number

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
            self.mark_event(e.ts, self._product_label(e.product_id, tr("秒杀")), "flash_sale")
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
        self.windows.append(ExplainWindow(product_id, start_ts, end_ts))
        self.windows.sort(key=lambda w: w.start)

    def set_windows(self, windows: Iterable[tuple[str, float, float | None]]) -> None:
        """Replace the explain windows by ``(product_id, start_ts, end_ts)`` (the commerce state's own)."""
        self.windows = sorted((ExplainWindow(pid, a, b) for pid, a, b in windows), key=lambda w: w.start)

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
        no, name = self._names.get(product_id, (None, ""))
        return f"{no}号 {name}".strip() if no is not None else product_id

    def _product_label(self, product_id: str, prefix: str) -> str:
        no, _ = self._names.get(product_id, (None, ""))
        return f"{prefix} {no}号" if no is not None else prefix

    # -- alerts ---------------------------------------------------------------------------------------
    def _alert(self, alert: str, text: str, ts: float, key: str | None = None) -> bool:
        key = key or alert
        last = self._last_alert.get(key)
        if last is not None and abs(ts - last) < self.alert_cooldown_s:
            return False
        self._last_alert[key] = ts
        log.info("alert %s: %s", alert, text)
        if self._submit is not None:
            self._submit([LiveEvent(Kind.SYSTEM, ts, text=text, extra={"alert": alert})])
        for listener in list(self._alert_listeners):
            try:
                listener(alert, text, ts)
            except Exception:
                log.exception("alert listener %r failed", listener)
        return True

    def _check_online_drop(self) -> None:
        stats = self._stats
        ts, _, online = stats[-1]
        lo = bisect.bisect_left(stats, (ts - self.drop_window_s,))
        recent_max = max((s[2] for s in stats[lo:-1]), default=0)
        if recent_max >= self.drop_min_online and online <= recent_max * (1.0 - self.drop_ratio):
            pct = round(100 * (recent_max - online) / recent_max)
            self._alert(ALERT_ONLINE_DROP, tr("在线人数一分钟内下降 {pct}%（{before} → {now}）",
                                              pct=pct, before=recent_max, now=online), ts)

    def comments_between(self, start: float, end: float) -> int:
        """Comments with ``start < ts <= end`` among the recent ones kept (the last few minutes)."""
        t = self._comment_ts
        return bisect.bisect_right(t, end) - bisect.bisect_right(t, start)

    def _check_comment_spike(self) -> None:
        now = self.latest_ts
        if now is None or self.first_ts is None or now - self.first_ts < 60.0 + self.spike_window_s:
            return  # no previous minute to compare with yet
        w = self.spike_window_s
        recent = self.comments_between(now - w, now)
        before = self.comments_between(now - w - 60.0, now - w)
        baseline = before * w / 60.0  # the previous minute's average per window
        if recent >= self.spike_min_comments and recent >= self.spike_factor * baseline:
            text = tr("弹幕高峰：{seconds} 秒内 {n} 条评论", seconds=int(w), n=recent)
            self._alert(ALERT_COMMENT_SPIKE, text, now)

    def check_stock(self, remaining: int, total: int, product: str, ts: float | None = None) -> bool:
        """Alert once per ``product`` when a flash sale's stock is at or below 10 % (``stock_ratio``).

        Call it from the commerce side whenever the sale's stock changes. Returns True if it alerted.
        """
        if total <= 0 or remaining > total * self.stock_ratio or product in self._stock_alerted:
            return False
        self._stock_alerted.add(product)
        when = ts if ts is not None else (self.latest_ts or 0.0)
        label = self.product_label(product)
        text = tr("{product} 库存告急：仅剩 {remaining}/{total}", product=label, remaining=remaining,
                  total=total)
        return self._alert(ALERT_LOW_STOCK, text, when, key=f"stock:{product}")

    # -- reading ------------------------------------------------------------------------------------
    @property
    def online(self) -> int:
        """Online now: the viewer_stats sample with the latest ts (0 before the first)."""
        return self._stats[-1][2] if self._stats else 0

    def snapshot(self, ts: float | None = None, *, notify: bool = True) -> Snapshot:
        """The counters now. ``ts``: the moment (default: the latest event's ts) for comments_1m."""
        when = ts if ts is not None else (self.latest_ts or 0.0)
        stats = self._stats
        snap = Snapshot(
            ts=when,
            online=self.online,
            peak_online=self.peak_online,
            online_seconds=self._online_seconds,
            online_span_s=(stats[-1][0] - stats[0][0]) if stats else 0.0,
            viewers_uv=len(self._viewers),
            entries_pv=self.entries_pv,
            comments=self.comments,
            comments_1m=self.comments_between(when - 60.0, when),
            commenters=len(self._commenters),
            likes=self.likes,
            follows=len(self._followers),
            interacting=len(self._interacting),
            clicks=self.clicks,
            clickers=len(self._clickers),
            clicked_buyers=len(self._buyers & self._clickers),
            orders=self.orders,
            units=self.units,
            buyers=len(self._buyers),
            gmv_fen=self.gmv_fen,
        )
        if notify:
            for listener in list(self._snapshot_listeners):
                try:
                    listener(snap)
                except Exception:
                    log.exception("snapshot listener %r failed", listener)
        return snap

    def product_stats(self, now: float | None = None, *, every_product: bool = False) -> list[ProductStats]:
        """Per-product numbers, for every product that was explained, clicked, ordered or mentioned
        (and, with ``every_product``, every catalog product too, at zero).

        ``now`` closes open windows for the explain time (default: the latest event's ts).
        """
        when = now if now is not None else (self.latest_ts or 0.0)
        windows: defaultdict[str, list[ExplainWindow]] = defaultdict(list)
        for w in self.windows:
            windows[w.product_id].append(w)
        ids = set(windows) | set(self._products) | set(self._mentions)
        if every_product:
            ids |= set(self._names)
        out = []
        for pid in ids:
            ws = windows.get(pid, [])
            plog = self._products.get(pid) or _ProductLog()
            explain = sum(max(0.0, (when if w.end is None else w.end) - w.start) for w in ws)

            def inside(ts: float, ws: list[ExplainWindow] = ws) -> bool:
                return any(w.contains(ts) for w in ws)

            clicks = [(ts, u) for ts, u in plog.clicks if inside(ts)]
            orders = [o for o in plog.orders if inside(o[0])]
            intent = 0
            for w in ws:
                hi = bisect.bisect_left(self._intent_ts, w.end) if w.end is not None else len(self._intent_ts)
                intent += max(0, hi - bisect.bisect_left(self._intent_ts, w.start))
            no, name = self._names.get(pid, (None, ""))
            clickers = {u for _, u in clicks if u}
            buyers = {o[1] for o in orders if o[1]}
            out.append(ProductStats(
                product_id=pid, no=no, name=name, explain_seconds=explain,
                window_clicks=len(clicks), window_clickers=len(clickers),
                window_orders=len(orders), window_units=sum(o[2] for o in orders),
                window_buyers=len(buyers),
                window_gmv_fen=sum(o[3] for o in orders),
                orders=len(plog.orders), gmv_fen=sum(o[3] for o in plog.orders),
                intent_comments=intent, mentions=self._mentions.get(pid, 0),
                window_clicked_buyers=len(buyers & clickers),
            ))
        out.sort(key=lambda s: (s.no is None, s.no or 0, s.product_id))
        return out


def snapshot_rows(session_id: int, snapshots: Iterable[Snapshot]) -> list[Mapping[str, Any]]:
    """Snapshots as ``metrics`` rows (dicts with ``session_id`` and :data:`SNAPSHOT_FIELDS`)."""
    return [{"session_id": session_id, **dict(zip(SNAPSHOT_FIELDS, s.row(), strict=True))} for s in snapshots]


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
            tracker._names.clear()
            tracker._by_no.clear()
            tracker.set_products(products)

    def on_change(change: Any) -> None:
        state = engine.state
        if change.kind in ("catalog", "product"):
            sync_catalog()
        elif change.kind == "explaining":
            tracker.set_windows((w.product_id, w.start_ts, w.end_ts) for w in state.explain_windows)
        elif change.kind == "flash_sale":
            sale = state.flash_sales.get(change.key)
            if sale is not None and sale.status == "live":
                tracker.check_stock(sale.left, sale.stock, sale.product_id)

    sync_catalog()
    unsubscribe: Callable[[], None] = subscribe(on_change)
    return unsubscribe
