"""The session engine: the single owner of session state, on the one asyncio loop.

Sources call :meth:`SessionEngine.submit` (which only enqueues). One batcher drains the queue every
``batch_interval`` seconds, or sooner when ``batch_max`` events are waiting, and for each batch:
drops duplicates (by the platform's message id), stamps each event's ``seq``, applies it to the state,
hands the batch to the session log's writer thread and then to the listeners (the UI adapters).
Nothing on this path awaits the disk or the UI.

Operator actions arrive as :class:`~app.core.events.Command` values through :meth:`SessionEngine.execute`.
The engine owns the command pipeline: drop a repeated ``command_id``, look the command up in the
command table (app/engine/commands.py), check its args, run its handler (plain functions in
``app/commerce/`` that record their :class:`~app.commerce.effects.Effects`), log one ``actions`` row,
then apply the effects: system events queued, the product list saved, change listeners told, room
commands sent. Live events and countdown deadlines take the same way out. Views subscribe to
:meth:`SessionEngine.subscribe_changes` and refresh only what a :class:`~app.commerce.effects.Change` names.
Countdowns are monotonic deadlines checked on every drain.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
from array import array
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from app.commerce import live
from app.commerce.catalog import Product
from app.commerce.effects import Change, ChangeAction, ChangeKind, CommandError, Context, Effects
from app.core.bounds import ts_problem, ts_window
from app.core.clock import Clock
from app.core.events import Command, Kind, LiveEvent
from app.core.i18n import tr
from app.core.listeners import Listeners
from app.core.log import RateLimitedLog
from app.core.waits import wait_at_most
from app.engine.commands import COMMANDS, CommandResult, CommandSpec, validate_args
from app.engine.state import SessionState

if TYPE_CHECKING:
    from app.store.session_log import SessionLog

logger = logging.getLogger("livedeck.engine")
_log_bad_ts = RateLimitedLog(logger)

BatchListener = Callable[[list[LiveEvent]], None]
ChangeListener = Callable[[Change], None]
OutboundListener = Callable[[Command], None]
ResultListener = Callable[[CommandResult], None]
#: Takes a command over before it runs here: returns True when it did (a seat's engine hands the command to
#: the host, app/connectors/seat.py, and finishes it later with :meth:`SessionEngine.confirm`), False to let
#: it run at once.
CommandGate = Callable[[Command], bool]
#: The dedupe window: a repeated message id is dropped while at most this many ids…
DEDUPE_IDS = 200_000
#: …and this many seconds have passed since its first copy (both at least halved; see _RecentIds).
DEDUPE_SECONDS = 120.0


class _RecentIds:
    """The message ids of the last stretch of the show, for dropping an event a reconnect delivered twice.

    Ids are kept as their ``hash()`` (an int, not the text) in two generations: the current one (a set)
    takes new ids; once it holds ``capacity // 2`` ids or is ``seconds / 2`` old (by arrival time), it
    becomes the previous one (a sorted array, 8 bytes an id) and the one before is forgotten. A repeat
    is therefore always caught while at most ``capacity // 2`` other ids and ``seconds / 2`` have passed
    since the first copy, and never once more than ``capacity`` ids or ``seconds`` have; in between it
    depends on where the generation turned (docs/protocol.md "Duplicates"). Memory is bounded by
    ``capacity`` ids and by ``seconds`` of the room's rate, whichever is smaller. Two different ids with
    the same 64-bit hash inside the window would drop the second (about 1 in 10^14 per event).
    """

    def __init__(self, capacity: int, seconds: float) -> None:
        self._current: set[int] = set()
        self._previous = array("q")
        self._half = max(1, capacity // 2)
        self._half_seconds = seconds / 2
        self._turned_at: float | None = None  # ts of the first id of the current generation

    def add(self, msg_id: str, ts: float) -> bool:
        """Remember ``msg_id`` (arriving at ``ts``); returns False if it was already there."""
        key = hash(msg_id)
        current = self._current
        if key in current:
            return False
        previous = self._previous
        if previous:
            i = bisect.bisect_left(previous, key)
            if i < len(previous) and previous[i] == key:
                return False
        if self._turned_at is None:
            self._turned_at = ts
        elif len(current) >= self._half or ts - self._turned_at >= self._half_seconds:
            self._previous, self._current, self._turned_at = array("q", sorted(current)), {key}, ts
            return True
        current.add(key)
        return True


class SessionEngine:
    """Applies live events in order, batches them to the log and the UI, and runs operator commands.

    Args:
        log: the session log; ``None`` runs without recording (tests, previews).
        batch_interval: seconds between batches (~50 ms keeps the UI fresh and the disk efficient).
        batch_max: a batch is drained early once this many events wait.
        dedupe_window: at most how many recent message ids are remembered for dropping duplicates…
        dedupe_seconds: …and for at most how many seconds after its arrival, whichever is less
            (:class:`_RecentIds` states exactly how far back a repeat is caught).
        clock: monotonic and wall time for sessions and countdowns (tests pass a ``ManualClock``).
        commands: the command table (default: app/engine/commands.py's).
    """

    def __init__(
        self,
        log: SessionLog | None = None,
        *,
        batch_interval: float = 0.05,
        batch_max: int = 5000,
        dedupe_window: int = DEDUPE_IDS,
        dedupe_seconds: float = DEDUPE_SECONDS,
        clock: Clock | None = None,
        commands: Mapping[str, CommandSpec] = COMMANDS,
    ) -> None:
        self.log = log
        self.clock = clock or Clock()
        self.batch_interval = batch_interval
        self.batch_max = batch_max
        self.commands = commands
        self.state = SessionState()
        self._pending: list[LiveEvent] = []
        self._wake = asyncio.Event()
        self._applied_at = float("-inf")  # clock.monotonic() of the last batch that held events
        self._batch_listeners: Listeners[[list[LiveEvent]]] = Listeners(logger, "batch listener")
        self._change_listeners: Listeners[[Change]] = Listeners(logger, "change listener")
        self._outbound_listeners: Listeners[[Command]] = Listeners(logger, "outbound listener")
        self._result_listeners: Listeners[[CommandResult]] = Listeners(logger, "result listener")
        self._console_listeners: Listeners[[Command]] = Listeners(logger, "console listener")
        self._gate: CommandGate | None = None
        #: Commands the gate took over, by command id, until :meth:`confirm` finishes them.
        self.awaiting: dict[str, Command] = {}
        self._dedupe = (dedupe_window, dedupe_seconds)
        self._recent = _RecentIds(*self._dedupe)
        self._seen_commands: dict[str, str] = {}  # command_id → first result, this session
        self._seq = 0
        #: Every action row recorded this session (what ``actions`` holds), newest last.
        self.actions: list[dict[str, Any]] = []

    # -- wiring ---------------------------------------------------------------------------------
    def subscribe(self, listener: BatchListener) -> Callable[[], None]:
        """Call ``listener(batch)`` after each applied batch; returns the unsubscribe function."""
        return self._batch_listeners.add(listener)

    def subscribe_changes(self, listener: ChangeListener) -> Callable[[], None]:
        """Call ``listener(change)`` for each :class:`Change` (after a command, a batch or a deadline);
        returns the unsubscribe function."""
        return self._change_listeners.add(listener)

    def subscribe_outbound(self, listener: OutboundListener) -> Callable[[], None]:
        """Call ``listener(command)`` with each command the room should get (protocol names and args,
        e.g. ``explain {product_id}``), same ``command_id`` as the operator's; see app/connectors/."""
        return self._outbound_listeners.add(listener)

    def subscribe_console(self, listener: Callable[[Command], None]) -> Callable[[], None]:
        """Call ``listener(command)`` after each applied command whose CommandSpec says ``console=True``
        (the platform console connector acts on it, app/connectors/console/); returns the unsubscriber."""
        return self._console_listeners.add(listener)

    def subscribe_results(self, listener: ResultListener) -> Callable[[], None]:
        """Call ``listener(result)`` when a command the gate held is finished by :meth:`confirm` (the
        outcome :meth:`execute` could not give at once); returns the unsubscribe function."""
        return self._result_listeners.add(listener)

    def set_gate(self, gate: CommandGate) -> Callable[[], None]:
        """Let ``gate`` take commands over before they run (one gate at a time); returns the function
        that removes it. Commands it holds stay in :attr:`awaiting` until confirmed."""
        self._gate = gate

        def remove() -> None:
            if self._gate is gate:
                self._gate = None
        return remove

    def submit(self, events: Iterable[LiveEvent]) -> None:
        """Queue events from a source. Never blocks, never awaits. Events that find the queue empty a
        ``batch_interval`` or more after the last batch wake the batcher at once (they wait for no timer,
        and batches still come at most once an interval); so do ``batch_max`` waiting events."""
        idle = not self._pending
        self._pending.extend(events)
        if len(self._pending) >= self.batch_max or (
                idle and self._pending and self.clock.monotonic() - self._applied_at >= self.batch_interval):
            self._wake.set()

    def submit_from_room(self, events: list[LiveEvent]) -> None:
        """Queue a source's events (what app/show/ wires every source to): each ``ts`` must lie in
        [session start − 1 day, now + 1 day] (app.core.bounds.ts_window); one outside is refused, counted
        in ``state.bad_ts`` and logged (rate-limited), never guessed at."""
        now = self.clock.time()
        low, high = ts_window(self.state.started_at, now)
        if all(low <= e.ts <= high for e in events):  # the usual case: one pass, no copy
            self.submit(events)
            return
        good = [e for e in events if low <= e.ts <= high]
        self.state.bad_ts += len(events) - len(good)
        bad = next(e for e in events if not low <= e.ts <= high)
        _log_bad_ts("event %s refused: %s", bad.kind, ts_problem(bad.ts, now, self.state.started_at))
        self.submit(good)

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
        # Message and command ids are unique within a show: a second show in this process (a replay
        # recorded again, a room whose ids restart) must not have its events dropped as duplicates.
        self._recent = _RecentIds(*self._dedupe)
        self._seen_commands.clear()
        self.awaiting = {}
        self.actions = []
        self._save_products()
        self._change_listeners.notify(Change(ChangeKind.CATALOG, action=ChangeAction.RESET))
        logger.info("session %s started: %s (%s)", session_id, title, source)
        return session_id

    async def continue_session(self, replayed: SessionEngine, *, seq: int, actions: list[dict[str, Any]],
                               changes: Iterable[Change] = ()) -> int:
        """Go on recording the interrupted session ``replayed`` holds (app/engine/replay.py played it back
        from the log): the same session id, marked ``live`` again, its state, its message and command
        ids (a repeat is still a duplicate), its ``seq`` going on from ``seq``. Returns the session id."""
        if self.state.running:
            raise RuntimeError("a session is already running; stop it first")
        session_id = replayed.state.session_id
        if session_id is None:
            raise ValueError("the replayed engine holds no session")
        self.drain()  # whatever arrived before belongs to no session
        if self.log is not None:
            await asyncio.to_thread(self.log.reopen_session, session_id)
        self.state = replayed.state
        self._seq = seq
        self._recent = replayed._recent
        self._seen_commands.clear()
        self.awaiting = {}
        for row in actions:
            if row["result"] != "duplicate":
                self._seen_commands.setdefault(row["command_id"], row["result"])
        self.actions = list(actions)
        self._save_products()
        for change in changes:
            self._change_listeners.notify(change)
        logger.info("session %s continued: %d events so far", session_id, self.state.events)
        return session_id

    async def end_session(self, status: str = "ended") -> None:
        """Drain what is queued, then close the session in the log."""
        self.drain()
        session_id = self.state.session_id
        if session_id is None:
            return
        if self.log is not None:
            await asyncio.to_thread(self.log.end_session, session_id, status)
        logger.info("session %s %s: %d events", session_id, status, self.state.events)
        self.state.session_id = None

    # -- the batcher --------------------------------------------------------------------------------
    async def run(self) -> None:
        """Drain batches until cancelled; drains once more on the way out so nothing queued is lost."""
        try:
            while True:
                await wait_at_most(self._wake, self.batch_interval)
                self._wake.clear()
                self.drain()
        finally:
            self.drain()

    def tick(self) -> list[LiveEvent]:
        """Check the countdowns now (the console calls this every 0.2 s; :meth:`run` drains more often)."""
        return self.drain()

    def drain(self) -> list[LiveEvent]:
        """Apply everything queued now as one batch, then check the countdowns; returns the applied
        events (including the system events the countdowns emitted)."""
        ctx = self._context()
        batch = self._apply(self._take_pending(), ctx) if self._pending else []
        live.check_deadlines(ctx)
        self._apply_effects(ctx.effects)
        if self._pending:  # system events a command, an event or a deadline emitted: same batch, in order
            batch += self._apply(self._take_pending(), ctx)
            self._apply_effects(ctx.effects)  # what those events changed (they are system events: nothing)
        if batch:
            self._applied_at = self.clock.monotonic()
            if self.log is not None and self.state.session_id is not None:
                self.log.append(self.state.session_id, batch)
            self._batch_listeners.notify(batch)
        return batch

    def _take_pending(self) -> list[LiveEvent]:
        pending, self._pending = self._pending, []
        return pending

    def _context(self, command: Command | None = None) -> Context:
        return Context(self.state, self.clock.monotonic(), self.clock.time(), command)

    def _apply(self, events: list[LiveEvent], ctx: Context) -> list[LiveEvent]:
        state = self.state
        counts = state.counts
        seen = self._recent.add
        remember_comment = state.recent_comments.append
        bag_running = state.lucky_bag_running  # commands run between batches, never inside one
        commerce_kinds = live.COMMERCE_KINDS
        seq = self._seq
        applied: list[LiveEvent] = []
        arrived = ctx.wall
        for event in events:
            if event.msg_id and not seen(event.msg_id, arrived):
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
            elif kind not in commerce_kinds:
                self._apply_to_totals(state, event)
                continue
            live.on_event(ctx, event)
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
        elif kind == Kind.ORDER:
            state.sold[event.product_id] += event.count
            state.gmv_fen += event.amount_fen

    # -- operator commands ------------------------------------------------------------------------
    def execute(self, command: Command) -> CommandResult:
        """Apply an operator command now and log it in ``actions``; see docs/commands.md.

        Idempotent by ``command_id`` within a session: a repeat is logged with result ``duplicate``
        and has no effect. A rejected command changes nothing and is logged with its reason. After an
        applied command, change listeners hear what changed and outbound listeners (the room
        connector) get the room commands it implies. System events it emits (flash sale started, …)
        are applied with the next drain. With a gate set (a seat of a host) the gate may take the
        command over: the result is then ``pending``, and :meth:`confirm` finishes it.
        """
        first = self._seen_commands.get(command.command_id)
        if first is not None:
            reason = tr("重复的命令（第一次：{result}），未再执行", result=_result_label(first))
            self._record_action(command, command.args, "duplicate", reason)
            return CommandResult(command, "duplicate", reason)
        if command.command_id in self.awaiting:
            reason = tr("这个命令正在等待主播端确认，未再发送")
            self._record_action(command, command.args, "duplicate", reason)
            return CommandResult(command, "duplicate", reason)
        if self._gate is not None and self._gate(command):
            self.awaiting[command.command_id] = command
            return CommandResult(command, "pending", tr("等待主播端确认…"))
        return self._run(command)

    def confirm(self, command: Command, applied: bool, reason: str = "", *,
                remember: bool = True) -> CommandResult | None:
        """Finish a command the gate held: run it now if ``applied`` (the host did), else refuse it with
        ``reason``; the result listeners hear the outcome. ``remember=False`` (nobody answered) lets the
        same ``command_id`` be sent again. None if the command is not awaited (another session now)."""
        if self.awaiting.pop(command.command_id, None) is None:
            logger.info("answer to %s %s came after its session; ignored", command.name, command.command_id)
            return None
        if applied:
            result = self._run(command)
            if not result.applied:
                logger.warning("the host applied %s %s but this engine refused it: %s", command.name,
                               command.command_id, result.reason)
                result = CommandResult(command, "rejected",
                                       tr("主播端已执行，但本机没能跟上：{reason}", reason=result.reason))
        else:
            result = self._refuse(command, reason)
            if not remember:
                self._seen_commands.pop(command.command_id, None)
        self._result_listeners.notify(result)
        return result

    def _run(self, command: Command) -> CommandResult:
        """The pipeline after the duplicate check: look up, check the args, run the handler, log, apply."""
        ctx = self._context(command)
        try:
            spec = self.commands.get(command.name)
            if spec is None:
                raise CommandError(tr("未知命令：{name}", name=command.name))
            spec.handler(ctx, validate_args(spec, command.args))
        except CommandError as exc:
            return self._refuse(command, str(exc))
        except Exception:  # a bug: a traceback in the log, a refusal on screen, and the show goes on
            logger.exception("command %s %s failed", command.name, command.command_id)
            return self._refuse(command, tr("内部错误，命令未执行（详情见日志）"))
        effects = ctx.effects
        self._seen_commands[command.command_id] = "applied"
        self._record_action(command, {**command.args, **effects.logged_args}, "applied", effects.detail)
        changes = self._apply_effects(effects)
        if spec.console:
            self._console_listeners.notify(command)
        return CommandResult(command, "applied", "", changes, effects.detail)

    def _refuse(self, command: Command, reason: str) -> CommandResult:
        """A refused command changed nothing (handlers check before they change state)."""
        self._seen_commands[command.command_id] = "rejected"
        self._record_action(command, command.args, "rejected", reason)
        return CommandResult(command, "rejected", reason)

    def _apply_effects(self, effects: Effects) -> tuple[Change, ...]:
        """Apply what a handler, the events or the deadlines did, once; returns the changes told."""
        changes = tuple(dict.fromkeys(effects.changes))
        actions, events, outbound = effects.actions, effects.events, effects.outbound
        products_changed = effects.products_changed
        effects.changes, effects.actions, effects.events, effects.outbound = [], [], [], []
        effects.products_changed = False
        for command, args, result, detail in actions:
            self._record_action(command, args, result, detail)
        if events:
            self.submit(events)
        if products_changed:
            self._save_products()
        for change in changes:
            self._change_listeners.notify(change)
        for command in outbound:
            self._outbound_listeners.notify(command)
        return changes

    def load_catalog(self, products: list[Product], *, actor: str = "local",
                     command_id: str | None = None) -> CommandResult:
        """Replace the catalog and queue (the ``load_catalog`` command); every product listed."""
        args = {"products": [p.to_dict() for p in products]}
        cmd = Command("load_catalog", args, actor) if command_id is None else Command(
            "load_catalog", args, actor, command_id)
        return self.execute(cmd)

    def apply_effects_of(self, work: Callable[[Context], None]) -> tuple[Change, ...]:
        """Run ``work`` on a context of this moment and apply what it did (for code that changes the
        commerce state outside a command, like resuming an interrupted show)."""
        ctx = self._context()
        work(ctx)
        return self._apply_effects(ctx.effects)

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
                    after_seq=self._seq if session == current else None,
                )
        logger.info("command %s %s by %s: %s %s", command.name, command.command_id, command.actor, result,
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


def _result_label(result: str) -> str:
    return {"applied": tr("已执行"), "rejected": tr("已拒绝")}.get(result, result)
