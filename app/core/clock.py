"""Time sources. Countdowns use :meth:`Clock.monotonic`; logs and humans use :meth:`Clock.time`.

Tests pass a :class:`ManualClock` to the engine and move time by hand, including the jump a frozen
UI or a laptop waking up would cause.
"""

from __future__ import annotations

import time


class Clock:
    """The real clocks: ``time.monotonic()`` for deadlines, ``time.time()`` for timestamps."""

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()


class ManualClock(Clock):
    """A clock that moves only when told: both readings advance together by :meth:`advance`."""

    def __init__(self, monotonic: float = 1000.0, wall: float = 1_700_000_000.0) -> None:
        self._mono = monotonic
        self._wall = wall

    def monotonic(self) -> float:
        return self._mono

    def time(self) -> float:
        return self._wall

    def advance(self, seconds: float) -> None:
        self._mono += seconds
        self._wall += seconds
