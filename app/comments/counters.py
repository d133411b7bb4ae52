"""Live buying-intent counters per product: "3号 扣1 ×27" over the last minute.

:class:`IntentCounter` keeps one entry per intent comment inside a sliding window and counts them by
the product they are about: the 序号 the comment names, else the product being explained when it came.
Intent the comment ties to no product at all is counted under ``None`` (shown as 扣1 alone).
"""

from __future__ import annotations

from collections import Counter, deque

from app.core.i18n import tr

WINDOW_S = 60.0
#: Entries kept at most (1,000 intents a second for a minute); older ones go first.
MAX_ENTRIES = 60_000


class IntentCounter:
    """Intent comments per product over the last ``window_s`` seconds."""

    def __init__(self, window_s: float = WINDOW_S) -> None:
        self.window_s = window_s
        self._entries: deque[tuple[float, int | None]] = deque()
        self._counts: Counter[int | None] = Counter()

    def add(self, ts: float, product: int | None) -> None:
        """One intent comment at ``ts`` (unix seconds) about ``product`` (序号, or None)."""
        if len(self._entries) >= MAX_ENTRIES:
            self._forget_oldest()
        self._entries.append((ts, product))
        self._counts[product] += 1

    def counts(self, now: float) -> list[tuple[int | None, int]]:
        """``(product, count)`` inside the window ending at ``now``, most first (then by 序号)."""
        while self._entries and self._entries[0][0] < now - self.window_s:
            self._forget_oldest()
        ranked = [(no, n) for no, n in self._counts.items() if n > 0]
        return sorted(ranked, key=lambda item: (-item[1], item[0] if item[0] is not None else 10**9))

    def summary(self, now: float, top: int = 3) -> str:
        """The counters as one line: "3号 扣1 ×27 · 5号 扣1 ×9"; empty when there are none."""
        parts = [
            tr("{no}号 扣1 ×{n}", no=no, n=n) if no is not None else tr("扣1 ×{n}", n=n)
            for no, n in self.counts(now)[:top]
        ]
        return " · ".join(parts)

    def clear(self) -> None:
        self._entries.clear()
        self._counts.clear()

    def _forget_oldest(self) -> None:
        _ts, product = self._entries.popleft()
        self._counts[product] -= 1
        if self._counts[product] <= 0:
            del self._counts[product]
