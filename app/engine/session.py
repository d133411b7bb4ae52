"""The session engine: the single owner of session state, on the one asyncio loop.

Sources call :meth:`SessionEngine.submit` (which only enqueues). One batcher drains the queue every
``batch_interval`` seconds, or sooner when ``batch_max`` events are waiting, and for each batch:
drops duplicates (by the platform's message id), stamps each event's ``seq``, applies it to the state,
hands the batch to the session log's writer thread and then to the listeners (the UI adapters).
Nothing on this path awaits the disk or the UI.

Operator actions arrive as :class:`~app.core.events.Command` values through :meth:`SessionEngine.execute`,
which applies them at once (idempotent by ``command_id``), logs each in ``actions`` and returns a
:class:`~app.commerce.desk.CommandResult`. The commerce state (queue, explain card, flash sales, coupons,
lucky bags, notes, pinned comment) lives on :attr:`SessionEngine.state` like everything else; views
subscribe to :meth:`SessionEngine.subscribe_changes` and refresh only what a :class:`~app.commerce.desk.Change`
names. Countdowns are monotonic deadlines checked on every drain (every ``batch_interval`` while
:meth:`SessionEngine.run` runs) and by :meth:`SessionEngine.tick`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.commerce.catalog import Product, ProductQueue
from app.commerce.desk import Change, CommandResult, Commerce, ExplainWindow, Note
from app.commerce.promotions import Coupon, FlashSale, LuckyBag
from app.core.clock import Clock
from app.core.events import Command, Kind, LiveEvent

if TYPE_CHECKING:
    from app.store.session_log import SessionLog

log = logging.getLogger("livedeck.engine")

BatchListener = Callable[[list[LiveEvent]], None]
ChangeListener = Callable[[Change], None]
OutboundListener = Callable[[Command], None]
# Event kinds the commerce desk looks at (orders, coupon claims, lucky-bag entries, pinnable comments).
_COMMERCE_KINDS = frozenset({Kind.COMMENT, Kind.FOLLOW, Kind.ORDER, Kind.COUPON_CLAIM})


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
    # -- commerce (see app/commerce/desk.py; the catalog/queue carries over from one session to the next) --
    queue: ProductQueue = field(default_factory=ProductQueue)
    explaining: int | None = None  # 序号 of the product on the explain card (讲解中)
    explain_windows: list[ExplainWindow] = field(default_factory=list)
    flash_sales: dict[str, FlashSale] = field(default_factory=dict)  # by sale id, in start order
    coupons: dict[str, Coupon] = field(default_factory=dict)  # by coupon id, in drop order
    lucky_bag: LuckyBag | None = None  # the current (or last) lucky bag
    lucky_bags: list[LuckyBag] = field(default_factory=list)  # every lucky bag of the session
    notes: list[Note] = field(default_factory=list)  # teleprompter notes, newest last (≤ 200)
    pinned: LiveEvent | None = None  # the pinned comment

    @property
    def running(self) -> bool:
        return self.session_id is not None

    def elapsed(self, now_monotonic: float) -> float:
        """Seconds since the session started, by the engine's monotonic clock; 0 when none runs."""
        if self.started_monotonic is None:
            return 0.0
        return now_monotonic - self.started_monotonic


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
        clock: monotonic and wall time for sessions and countdowns (tests pass a ``ManualClock``).
    """

    def __init__(
        self,
        log: SessionLog | None = None,
        *,
        batch_interval: float = 0.05,
        batch_max: int = 5000,
        dedupe_window: int = 200_000,
        clock: Clock | None = None,
    ) -> None:
        self.log = log
        self.clock = clock or Clock()
        self.batch_interval = batch_interval
        self.batch_max = batch_max
        self.state = SessionState()
        self._pending: list[LiveEvent] = []
        self._wake = asyncio.Event()
        self._listeners: list[BatchListener] = []
        self._commerce_changes: dict[Change, None] = {}  # an ordered set, filled while applying
        self._dedupe_window = dedupe_window
        self._recent = _RecentIds(dedupe_window)
        self._seq = 0
        self._closed = False
        self._change_listeners: list[ChangeListener] = []
        self._outbound_listeners: list[OutboundListener] = []
        #: Every action row recorded this session (what ``actions`` holds), newest last.
        self.actions: list[dict[str, Any]] = []
        self.commerce = Commerce(self)

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
        started_at = self.clock.time()
        session_id = 0
        if self.log is not None:
            session_id = await asyncio.to_thread(self.log.start_session, title, source, started_at)
        self.state = SessionState(
            session_id=session_id,
            title=title,
            source=source,
            started_at=started_at,
            started_monotonic=self.clock.monotonic(),
            queue=self.state.queue,  # the catalog prepared before the show is the show's catalog
        )
        self._seq = 0
        # Message ids are unique within a show: a second show in this process (a replay recorded
        # again, a room whose ids restart) must not have its events dropped as duplicates of the first.
        self._recent = _RecentIds(self._dedupe_window)
        self.actions = []
        self.commerce.new_session()
        self._save_products()
        self._notify_changes((Change("catalog", action="reset"),))
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
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.batch_interval)
                self._wake.clear()
                self.drain()
        finally:
            self.drain()

    def drain(self) -> list[LiveEvent]:
        """Apply everything queued now as one batch, then check the countdowns; returns the applied
        events (including the system events the countdowns emitted)."""
        batch = self._apply(self._take_pending()) if self._pending else []
        deadline_changes = self.commerce.check_deadlines()
        if self._pending:  # system events a command or a deadline emitted: same batch, in order
            batch += self._apply(self._take_pending())
        changes, self._commerce_changes = self._commerce_changes, {}
        changes.update(dict.fromkeys(deadline_changes))
        if changes:
            self._notify_changes(tuple(changes))
        if batch:
            if self.log is not None and self.state.session_id is not None:
                self.log.append(self.state.session_id, batch)
            for listener in list(self._listeners):
                try:
                    listener(batch)
                except Exception:
                    log.exception("batch listener %r failed", listener)
        return batch

    def _take_pending(self) -> list[LiveEvent]:
        pending, self._pending = self._pending, []
        return pending

    def _apply(self, events: list[LiveEvent]) -> list[LiveEvent]:
        state = self.state
        commerce = self.commerce
        commerce_changes = self._commerce_changes
        counts = state.counts
        seen = self._recent.add
        remember_comment = commerce.remember_comment
        bag_running = commerce.lucky_bag_running  # commands run between batches, never inside one
        seq = self._seq
        applied: list[LiveEvent] = []
        for event in events:
            if event.msg_id and not seen(event.msg_id):
                state.duplicates += 1
                continue
            seq += 1
            event.seq = seq
            kind = event.kind
            counts[kind] += 1
            applied.append(event)
            if kind == Kind.COMMENT:  # most events: keep this path short
                remember_comment(event)
                if not bag_running:
                    continue
            elif kind not in _COMMERCE_KINDS:
                self._apply_to_totals(state, event)
                continue
            change = commerce.on_event(event)
            if change is not None:
                commerce_changes[change] = None
            if kind == Kind.ORDER:
                self._apply_to_totals(state, event)
        self._seq = seq
        state.events += len(applied)
        return applied

    @staticmethod
    def _apply_to_totals(state: SessionState, event: LiveEvent) -> None:
        kind = event.kind
        if kind == Kind.VIEWER_STATS:
            state.online = event.count
            state.peak_online = max(state.peak_online, event.count)
            total = (event.extra or {}).get("total_viewers")
            if isinstance(total, int) and not isinstance(total, bool):
                state.total_viewers = max(state.total_viewers, total)
        elif kind == Kind.LIKE:
            state.likes += event.count
        elif kind == Kind.ORDER:
            state.units_sold += event.count
            state.sold[event.product_id] += event.count
            state.gmv_fen += event.amount_fen
        elif kind == Kind.LIVE_END:
            state.live_ended = True

    # -- operator commands ------------------------------------------------------------------------
    def execute(self, command: Command) -> CommandResult:
        """Apply an operator command now and log it in ``actions``; see docs/commands.md.

        Idempotent by ``command_id`` within a session: a repeat is logged with result ``duplicate``
        and has no effect. A rejected command changes nothing and is logged with its reason. After an
        applied command, change listeners hear what changed and outbound listeners (the room
        connector) get the room commands it implies. System events it emits (flash sale started, …)
        are applied with the next drain.
        """
        return self.commerce.execute(command)

    def load_catalog(self, products: list[Product], *, actor: str = "local",
                     command_id: str | None = None) -> CommandResult:
        """Replace the catalog and queue (the ``load_catalog`` command); every product listed."""
        args = {"products": [p.to_dict() for p in products]}
        cmd = Command("load_catalog", args, actor) if command_id is None else Command(
            "load_catalog", args, actor, command_id)
        return self.execute(cmd)

    def tick(self) -> list[LiveEvent]:
        """Check the countdowns now (the console calls this every 0.2 s; :meth:`run` drains more often)."""
        return self.drain()

    def restore_promotions(self, actions: list[dict[str, Any]]) -> list[Change]:
        """Resume an interrupted session's running flash sales and explain card from its ``actions``
        rows (``SessionLog.actions(session_id)``), with the true remaining time; their command ids
        count as seen, so a retry is a duplicate."""
        return self.commerce.restore(actions)

    def subscribe_changes(self, listener: ChangeListener) -> Callable[[], None]:
        """Call ``listener(change)`` for each :class:`Change` (after a command, a batch or a deadline);
        returns the unsubscribe function."""
        self._change_listeners.append(listener)
        return lambda: self._change_listeners.remove(listener)

    def subscribe_outbound(self, listener: OutboundListener) -> Callable[[], None]:
        """Call ``listener(command)`` with each command the room should get (protocol names and args,
        e.g. ``explain {product_id}``), same ``command_id`` as the operator's; see app/connectors/."""
        self._outbound_listeners.append(listener)
        return lambda: self._outbound_listeners.remove(listener)

    def record_ack(self, command: Command, ack: dict[str, Any], *, actor: str = "room",
                   session_id: int | None = None) -> None:
        """Log the answer to a forwarded command as its own ``actions`` row, name ``<command>.ack``:
        the room's with actor ``room`` and ``command_id`` + ``/ack``; another endpoint's (the
        ``room_webhook``) with its own actor and ``command_id`` + ``/<actor>``.

        ``session_id`` is the session the command was sent in (default: the running one): an ack that
        arrives after that session ended is still filed under it, never under the next show."""
        result = str(ack.get("result", ""))
        detail = result if result in ("applied", "duplicate", "rejected") else f"{result or 'no result'}"
        reason = str(ack.get("reason", ""))
        suffix = "ack" if actor == "room" else actor
        self._record_action(
            Command(f"{command.name}.ack", {}, actor, f"{command.command_id}/{suffix}"),
            {"ack": ack}, result if result in ("applied", "duplicate") else "rejected",
            f"{detail}: {reason}" if reason else detail,
            session_id=session_id,
        )

    def _record_action(self, command: Command, args: dict[str, Any], result: str, detail: str,
                       *, session_id: int | None = None) -> None:
        ts = self.clock.time()
        current = self.state.session_id
        session = current if session_id is None else session_id
        row = {"session_id": session, "command_id": command.command_id, "actor": command.actor,
               "name": command.name, "args": args, "ts": ts, "result": result, "detail": detail}
        if session is not None:
            if session == current:
                self.actions.append(row)
            if self.log is not None:
                self.log.record_action(
                    session, command_id=command.command_id, actor=command.actor,
                    name=command.name, args=args, ts=ts, result=result, detail=detail,
                )
        log.info("command %s %s by %s: %s %s", command.name, command.command_id, command.actor, result,
                 detail)

    def _save_products(self) -> None:
        """Write the catalog snapshot (order, 上架/下架) to the session's ``products`` table."""
        if self.log is None or self.state.session_id is None:
            return
        rows = [
            {**item.product.to_dict(), "position": item.position, "listed": item.listed}
            for item in self.state.queue
        ]
        self.log.save_products(self.state.session_id, rows)

    def _notify_changes(self, changes: Iterable[Change]) -> None:
        for change in changes:
            for listener in list(self._change_listeners):
                try:
                    listener(change)
                except Exception:
                    log.exception("change listener %r failed", listener)

    def _send_outbound(self, command: Command) -> None:
        for listener in list(self._outbound_listeners):
            try:
                listener(command)
            except Exception:
                log.exception("outbound listener %r failed", listener)
