"""The live alerts: online drop, comment spike, low flash-sale stock; each with a cooldown.

An alert goes to the engine as a tagged ``system`` event (``extra.alert``; it comes back as a mark) and
to the alert listeners (the dashboard's banner).
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Callable, Iterable, Sequence

from app.core.events import Kind, LiveEvent
from app.core.i18n import tr
from app.core.listeners import Listeners

log = logging.getLogger("livedeck.metrics")

ALERT_ONLINE_DROP = "online_drop"
ALERT_LOW_STOCK = "low_stock"
ALERT_COMMENT_SPIKE = "comment_spike"


class AlertRules:
    """The thresholds, the cooldowns and the listeners of the alerts; see ``MetricsTracker`` for the
    arguments."""

    def __init__(
        self,
        submit: Callable[[Iterable[LiveEvent]], None] | None,
        *,
        drop_ratio: float,
        drop_window_s: float,
        drop_min_online: int,
        spike_factor: float,
        spike_window_s: float,
        spike_min_comments: int,
        alert_cooldown_s: float,
        stock_ratio: float,
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
        self._listeners: Listeners[[str, str, float]] = Listeners(log, "alert listener")
        #: While True (the tracker is fed a show's past), an alert only starts its cooldown: it is not sent.
        self.muted = False
        self.reset()

    def reset(self) -> None:
        """A new session: no alert is cooling down, no product's stock has alerted."""
        self.last_fired: dict[str, float] = {}  # alert key -> ts it last fired
        self._stock_alerted: set[str] = set()

    def add_listener(self, listener: Callable[[str, str, float], None]) -> Callable[[], None]:
        """``listener(alert, text, ts)`` for every alert; returns the function that removes it."""
        return self._listeners.add(listener)

    def fire(self, alert: str, text: str, ts: float, key: str | None = None) -> bool:
        """Send the alert unless the same ``key`` (default: the alert) fired within the cooldown."""
        key = key or alert
        last = self.last_fired.get(key)
        if last is not None and abs(ts - last) < self.alert_cooldown_s:
            return False
        self.last_fired[key] = ts
        if self.muted:
            return False
        log.info("alert %s: %s", alert, text)
        if self._submit is not None:
            self._submit([LiveEvent(Kind.SYSTEM, ts, text=text, extra={"alert": alert})])
        self._listeners.notify(alert, text, ts)
        return True

    def check_online_drop(self, stats: Sequence[tuple[float, int, int]]) -> None:
        """Alert when the latest of the ``(ts, seq, online)`` samples is ``drop_ratio`` below the
        highest of the ``drop_window_s`` before it."""
        ts, _, online = stats[-1]
        lo = bisect.bisect_left(stats, (ts - self.drop_window_s,))
        recent_max = max((s[2] for s in stats[lo:-1]), default=0)
        if recent_max >= self.drop_min_online and online <= recent_max * (1.0 - self.drop_ratio):
            pct = round(100 * (recent_max - online) / recent_max)
            self.fire(ALERT_ONLINE_DROP, tr("在线人数一分钟内下降 {pct}%（{before} → {now}）",
                                            pct=pct, before=recent_max, now=online), ts)

    def check_comment_spike(
        self, now: float | None, first_ts: float | None, comments_between: Callable[[float, float], int]
    ) -> None:
        """Alert when the last ``spike_window_s`` hold ``spike_factor`` times the previous minute's
        average comments per window (and at least ``spike_min_comments``)."""
        if now is None or first_ts is None or now - first_ts < 60.0 + self.spike_window_s:
            return  # no previous minute to compare with yet
        w = self.spike_window_s
        recent = comments_between(now - w, now)
        before = comments_between(now - w - 60.0, now - w)
        baseline = before * w / 60.0  # the previous minute's average per window
        if recent >= self.spike_min_comments and recent >= self.spike_factor * baseline:
            text = tr("弹幕高峰：{seconds} 秒内 {n} 条评论", seconds=int(w), n=recent)
            self.fire(ALERT_COMMENT_SPIKE, text, now)

    def check_stock(self, remaining: int, total: int, product: str, label: str, ts: float) -> bool:
        """Alert once per ``product`` (shown as ``label``) when its stock is at or below ``stock_ratio``."""
        if total <= 0 or remaining > total * self.stock_ratio or product in self._stock_alerted:
            return False
        self._stock_alerted.add(product)
        text = tr("{product} 库存告急：仅剩 {remaining}/{total}", product=label, remaining=remaining,
                  total=total)
        return self.fire(ALERT_LOW_STOCK, text, ts, key=f"stock:{product}")
