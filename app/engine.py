"""The session engine: the single owner of session state, on the one asyncio loop.

Sources call :meth:`SessionEngine.submit` (which only enqueues). One batcher drains the queue every
``batch_interval`` seconds, or sooner when ``batch_max`` events are waiting, and for each batch:
drops duplicates (by the platform's message id), stamps each event's ``seq``, applies it to the state,
hands the batch to the session log's writer thread and then to the listeners (the UI adapters).
Nothing on this path awaits the disk or the UI.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.events import Kind, LiveEvent

if TYPE_CHECKING:
    from app.store import SessionLog

log = logging.getLogger("livedeck.engine")

BatchListener = Callable[[list[LiveEvent]], None]


@dataclass(slots=True)
class SessionState:
    """What the engine knows about the running show. Read it; only the engine writes it."""

    session_id: int | None = None
    title: str = ""
    source: str = ""
    started_at: float | None = None  # wall clock
    started_monotonic: float | None = None
    online: int = 0
    peak_online: int = 0
    total_viewers: int = 0
    likes: int = 0  # sum of like counts (a like event may carry several)
    units_sold: int = 0
    gmv_fen: int = 0  # sum of order amounts
    sold: Counter[str] = field(default_factory=Counter)  # units sold by product_id
    counts: Counter[str] = field(default_factory=Counter)
    events: int = 0  # events applied (after dropping duplicates)
    duplicates: int = 0  # events dropped because their msg_id was seen before
    live_ended: bool = False

    @property
    def running(self) -> bool:
        return self.session_id is not None

    def elapsed(self, now_monotonic: float | None = None) -> float:
        """Seconds since the session started (monotonic), 0 when none runs."""
        if self.started_monotonic is None:
            return 0.0
        return (time.monotonic() if now_monotonic is None else now_monotonic) - self.started_monotonic


class _RecentIds:
    """The last ``capacity`` message ids, for dropping an event a reconnect delivered twice."""

    def __init__(self, capacity: int) -> None:
        self._order: deque[str] = deque()
        self._seen: set[str] = set()
        self._capacity = capacity

    def add(self, msg_id: str) -> bool:
        """Remember ``msg_id``; returns False if it was already there."""
        if msg_id in self._seen:
            return False
        self._seen.add(msg_id)
        self._order.append(msg_id)
        if len(self._order) > self._capacity:
            self._seen.discard(self._order.popleft())
        return True


class SessionEngine:
    """Applies live events in order, batches them to the log and the UI.

    Args:
        log: the session log; ``None`` runs without recording (tests, previews).
        batch_interval: seconds between batches (~50 ms keeps the UI fresh and the disk efficient).
        batch_max: a batch is drained early once this many events wait.
        dedupe_window: how many recent message ids are remembered for dropping duplicates.
    """

    def __init__(
        self,
        log: SessionLog | None = None,
        *,
        batch_interval: float = 0.05,
        batch_max: int = 5000,
        dedupe_window: int = 200_000,
    ) -> None:
        self.log = log
        self.batch_interval = batch_interval
        self.batch_max = batch_max
        self.state = SessionState()
        self._pending: list[LiveEvent] = []
        self._wake = asyncio.Event()
        self._listeners: list[BatchListener] = []
        self._recent = _RecentIds(dedupe_window)
        self._seq = 0
        self._closed = False

    # -- wiring ---------------------------------------------------------------------------------
    def subscribe(self, listener: BatchListener) -> Callable[[], None]:
        """Call ``listener(batch)`` after each applied batch; returns the unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def submit(self, events: Iterable[LiveEvent]) -> None:
        """Queue events from a source. Never blocks, never awaits."""
        self._pending.extend(events)
        if len(self._pending) >= self.batch_max:
            self._wake.set()

    # -- session lifecycle ------------------------------------------------------------------------
    async def start_session(self, title: str, source: str) -> int:
        """Begin recording a new show; returns its session id."""
        if self.state.running:
            raise RuntimeError("a session is already running; stop it first")
        self.drain()  # whatever arrived before belongs to no session
        started_at = time.time()
        session_id = 0
        if self.log is not None:
            session_id = await asyncio.to_thread(self.log.start_session, title, source, started_at)
        self.state = SessionState(
            session_id=session_id,
            title=title,
            source=source,
            started_at=started_at,
            started_monotonic=time.monotonic(),
        )
        self._seq = 0
        log.info("session %s started: %s (%s)", session_id, title, source)
        return session_id

    async def end_session(self, status: str = "ended") -> None:
        """Drain what is queued, then close the session in the log."""
        self.drain()
        session_id = self.state.session_id
        if session_id is None:
            return
        if self.log is not None:
            await asyncio.to_thread(self.log.end_session, session_id, status)
        log.info("session %s %s: %d events", session_id, status, self.state.events)
        self.state.session_id = None

    # -- the batcher --------------------------------------------------------------------------------
    async def run(self) -> None:
        """Drain batches until cancelled; drains once more on the way out so nothing queued is lost."""
        try:
            while True:
                try:
                    await asyncio.wait_for(self._wake.wait(), self.batch_interval)
                except TimeoutError:
                    pass
                self._wake.clear()
                self.drain()
        finally:
            self.drain()

    def drain(self) -> list[LiveEvent]:
        """Apply everything queued now as one batch; returns the applied events."""
        if not self._pending:
            return []
        pending, self._pending = self._pending, []
        batch = self._apply(pending)
        if batch:
            if self.log is not None and self.state.session_id is not None:
                self.log.append(self.state.session_id, batch)
            for listener in list(self._listeners):
                try:
                    listener(batch)
                except Exception:
                    log.exception("batch listener %r failed", listener)
        return batch

    def _apply(self, events: list[LiveEvent]) -> list[LiveEvent]:
        state = self.state
        counts = state.counts
        recent = self._recent
        seq = self._seq
        applied: list[LiveEvent] = []
        for event in events:
            if event.msg_id and not recent.add(event.msg_id):
                state.duplicates += 1
                continue
            seq += 1
            event.seq = seq
            counts[event.kind] += 1
            if event.kind == Kind.VIEWER_STATS:
                state.online = event.count
                state.peak_online = max(state.peak_online, event.count)
                total = (event.extra or {}).get("total_viewers")
                if isinstance(total, int) and not isinstance(total, bool):
                    state.total_viewers = max(state.total_viewers, total)
            elif event.kind == Kind.LIKE:
                state.likes += event.count
            elif event.kind == Kind.ORDER:
                state.units_sold += event.count
                state.sold[event.product_id] += event.count
                state.gmv_fen += event.amount_fen
            elif event.kind == Kind.LIVE_END:
                state.live_ended = True
            applied.append(event)
        self._seq = seq
        state.events += len(applied)
        return applied
