"""What the engine knows about the running show: the commerce state plus the show's own totals."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from app.commerce.state import CommerceState


@dataclass(slots=True)
class SessionState(CommerceState):
    """The running show. Read it; only the engine writes it (commerce fields through the handlers)."""

    session_id: int | None = None
    title: str = ""
    source: str = ""
    started_at: float | None = None  # wall clock
    started_monotonic: float | None = None
    online: int = 0
    peak_online: int = 0
    total_viewers: int = 0
    gmv_fen: int = 0  # sum of order amounts
    counts: Counter[str] = field(default_factory=Counter)  # applied events by kind
    events: int = 0  # events applied (after dropping duplicates)
    duplicates: int = 0  # events dropped because their msg_id was seen before

    @property
    def running(self) -> bool:
        return self.session_id is not None

    def elapsed(self, now_monotonic: float) -> float:
        """Seconds since the session started, by the engine's monotonic clock; 0 when none runs."""
        if self.started_monotonic is None:
            return 0.0
        return now_monotonic - self.started_monotonic
