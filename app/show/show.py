"""A show: one source feeding the engine, recorded as a session. ``livedeck record``, ``livedeck host``
and the console all build theirs with :func:`open_show`, so the parts are wired once and starting,
stopping and draining work the same headless and in the GUI.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.commerce.catalog import Product
from app.connectors.console.connector import ConsoleConnector
from app.connectors.console.options import ConsoleOptions
from app.connectors.console.profile import load_profile
from app.connectors.console.status import ConsoleStatus
from app.connectors.room import RoomConnector
from app.connectors.seat import SeatRelay
from app.connectors.webhook import OutboundSender, make_sender
from app.core.events import LiveEvent
from app.core.i18n import tr
from app.core.listeners import Listeners
from app.core.log import describe_url
from app.engine.resume import Restored, continue_interrupted, find_interrupted
from app.engine.session import SessionEngine
from app.metrics.tracker import MetricsTracker, connect_commerce, snapshot_rows
from app.show.console_feed import CONSOLE_SOURCE, ConsoleFeed
from app.sources import make_source
from app.sources.base import SourceState, SourceStatus, WebSocketSource
from app.store.session_log import SessionLog

log = logging.getLogger("livedeck.show")


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """Where the comments come from: protocol, address, protocol options (room id, cookie file)."""

    format: str
    url: str
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """How logs, session titles and the ``sessions.source`` column name the source: a URL as
        ``scheme://host:port`` only, since its path or query may carry a token."""
        where = describe_url(self.url) if "://" in self.url else self.url
        return f"{self.format}:{where}"


def seat_options(token: str | None, seat: str = "") -> dict[str, Any]:
    """The generic source's options for a seat joining a ``livedeck host`` (``--token``/``--seat``);
    empty without a token."""
    if not token:
        return {}
    return {"token": token, "seat": seat or tr("助播")}


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("task %s failed", task.get_name(), exc_info=task.exception())


#: Seconds :meth:`Show.switch` gives a new source to go live before it gives up on it.
SWITCH_TIMEOUT = 15.0


class SourceUnreachableError(Exception):
    """The new source of :meth:`Show.switch` did not go live; ``reason`` says why, in the UI language."""

    def __init__(self, spec: SourceSpec, reason: str) -> None:
        super().__init__(tr("没有连上新的直播源（{reason}）", reason=reason))
        self.spec = spec
        self.reason = reason


class _ToEngine:
    """A source's sink into the engine: a room's events through the session's time window
    (:meth:`SessionEngine.submit_from_room`), a replay of a recorded log (its source says so in
    ``replays_log``) straight in, with the times it was recorded at."""

    def __init__(self, engine: SessionEngine) -> None:
        self.engine = engine
        self.source: object = None  # set once the source exists

    def __call__(self, events: list[LiveEvent]) -> None:
        if getattr(self.source, "replays_log", False):
            self.engine.submit(events)
        else:
            self.engine.submit_from_room(events)


class _HeldEvents:
    """A source's sink that keeps its events until :meth:`release`, then hands them on as they come."""

    def __init__(self) -> None:
        self._events: list[LiveEvent] = []
        self._sink: Callable[[list[LiveEvent]], None] | None = None

    def __call__(self, events: list[LiveEvent]) -> None:
        if self._sink is None:
            self._events.extend(events)
        else:
            self._sink(events)

    def release(self, sink: Callable[[list[LiveEvent]], None]) -> None:
        events, self._events, self._sink = self._events, [], sink
        if events:
            sink(events)


async def _until_connected(
    spec: SourceSpec, source: WebSocketSource, reader: asyncio.Task[None], timeout: float,
) -> None:
    """Return once ``source`` is live; raise SourceUnreachableError when its first attempt fails (or its
    reader ends) or ``timeout`` seconds pass first."""
    outcome: asyncio.Future[SourceStatus] = asyncio.get_running_loop().create_future()

    def hear(status: SourceStatus) -> None:
        if status.state is not SourceState.CONNECTING and not outcome.done():
            outcome.set_result(status)

    remove = source.add_status_listener(hear)
    either: set[asyncio.Future[Any]] = {outcome, reader}
    try:
        done, _ = await asyncio.wait(either, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        remove()
        outcome.cancel()
    status = outcome.result() if outcome in done else None
    if status is not None and status.state is SourceState.LIVE:
        return
    if status is not None and status.reason:
        reason = status.reason
    elif reader in done:
        reason = tr("读取失败")
    else:
        reason = tr("{seconds} 秒内没有连上", seconds=round(timeout))
    log.info("switch to %s abandoned: %s", spec.label, reason)
    raise SourceUnreachableError(spec, reason)


class Show:
    """Owns the engine's batcher and, while a session runs, the source's reader task.

    Use ``async with Show(engine):`` so the batcher drains everything on the way out.

    Args:
        engine: the session engine.
        metrics: fed the session's batches; snapshotted into the log every ``metrics_interval`` seconds
            and once more when the session ends (None: no metrics).
        webhook: the ``room_webhook`` setting: an http(s):// or ws(s):// URL that also gets every room
            command while a session runs ('' = none; an invalid one is logged and ignored).
    """

    def __init__(
        self, engine: SessionEngine, metrics: MetricsTracker | None = None, *, metrics_interval: float = 1.0,
        webhook: str = "",
    ) -> None:
        self.engine = engine
        self.metrics = metrics
        self.metrics_interval = metrics_interval
        self.webhook = webhook.strip()
        self._snapshotter: asyncio.Task[None] | None = None
        if metrics is not None:
            engine.subscribe(self._feed_metrics)
            connect_commerce(metrics, engine)
        #: The source of the running (or last) session; a ConsoleFeed when the console page is the source.
        self.source: WebSocketSource | ConsoleFeed | None = None
        self._batcher: asyncio.Task[None] | None = None
        self._reader: asyncio.Task[None] | None = None
        #: Hear the status of whichever source the show runs: each new source forwards to them.
        self._status_listeners: Listeners[[SourceStatus]] = Listeners(log, "status listener")
        #: Forwards the engine's room commands (explain, flash sales, coupons) to a source that can
        #: carry commands (the generic protocol); None otherwise.
        self.connector: RoomConnector | None = None
        #: On a seat of a ``livedeck host`` (a source with a token): the operator's commands go to the host
        #: and apply here only once it applied them (app/connectors/seat.py); None otherwise.
        self.seat_relay: SeatRelay | None = None
        #: Forwards the same commands to the ``room_webhook`` URL (app/connectors/webhook.py); None if unset.
        self.webhook_connector: RoomConnector | None = None
        self._webhook_sender: OutboundSender | None = None
        #: What platform console to drive while a session runs (``--console``); None = none.
        self.console_options: ConsoleOptions | None = None
        #: The platform's live console page, driven while a session runs (app/connectors/console/); after
        #: the session it stays, stopped, with its status (the actions done and failed).
        self.console: ConsoleConnector | None = None
        #: Hear the status of whichever console the show drives (on the connector's thread).
        self._console_listeners: Listeners[[ConsoleStatus]] = Listeners(log, "console status listener")

    @property
    def capabilities(self) -> frozenset[str]:
        """What the connected platform console can do (empty without one): ``send_comment`` …"""
        console = self.console
        return console.capabilities if console is not None and console.running else frozenset()

    def can(self, name: str) -> bool:
        """Whether the show's platform console has capability ``name`` (post a reply vs. copy it)."""
        return name in self.capabilities

    async def __aenter__(self) -> Show:
        self._batcher = asyncio.create_task(self.engine.run(), name="engine-batcher")
        self._batcher.add_done_callback(_log_failure)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def add_status_listener(self, listener: Callable[[SourceStatus], None]) -> Callable[[], None]:
        """Hear the status of this show's source, including sources of later sessions; returns the
        function that stops it (a closed window must not hear the show's shutdown)."""
        return self._status_listeners.add(listener)

    def add_console_listener(self, listener: Callable[[ConsoleStatus], None]) -> Callable[[], None]:
        """Hear the status of the show's platform console, including the consoles of later sessions —
        on the connector's own thread (a Qt view hops to its thread); returns the unsubscriber."""
        return self._console_listeners.add(listener)

    async def connect_console(self, options: ConsoleOptions | None) -> None:
        """Drive the console ``options`` describes (None: none) from now on: at once while a session runs
        (replacing the one it drives), else from the next session's start. ProfileError when its profile
        is missing or broken (nothing changes then)."""
        if options is not None:
            load_profile(options.platform, home=options.home)  # a broken profile stops nothing
        self.console_options = options
        if self.console is not None:
            await self.console.aclose()
        if self.running:
            self._open_console()

    def _open_console(self) -> None:
        options = self.console_options
        if options is None:
            return
        self.console = console = options.connector(self.engine)
        console.add_status_listener(self._console_listeners.notify)
        console.start()
        self._console_listeners.notify(console.status)
        if isinstance(self.source, ConsoleFeed):
            self.source.follow(console)

    @property
    def running(self) -> bool:
        return self.engine.state.running

    def _to_engine(self, source: object) -> _ToEngine:
        sink = _ToEngine(self.engine)
        sink.source = source
        return sink

    def _make_source(self, spec: SourceSpec, held: _HeldEvents | None = None) -> WebSocketSource:
        """The source ``spec`` names, feeding the engine (or ``held``, until released) through :class:`_ToEngine`."""
        if held is not None:
            return make_source(spec.format, spec.url, held, **spec.options)
        sink = _ToEngine(self.engine)
        source = make_source(spec.format, spec.url, sink, **spec.options)
        sink.source = source
        return source

    async def start(self, spec: SourceSpec, title: str = "") -> int:
        """Start a session recording ``spec``; returns the session id. ``spec.format`` ``console``: the
        console page is the only source (its connector feeds the engine; app/show/console_feed.py)."""
        if spec.format == CONSOLE_SOURCE:
            return await self._begin(spec, ConsoleFeed(spec.url), title)
        return await self._begin(spec, self._make_source(spec), title)

    async def switch(self, spec: SourceSpec, title: str = "", *, timeout: float = SWITCH_TIMEOUT) -> int:
        """Move the show to ``spec`` without risking it: connect the new source first, and only once it
        is live end the running session (if any) and start a new one on it; returns the new session id.

        What the new source delivers meanwhile is held and goes into the new session.

        Raises:
            SourceUnreachableError: the new source failed its first attempt or was not live within
                ``timeout`` seconds; it is stopped and the running session goes on untouched.
        """
        if spec.format == CONSOLE_SOURCE:  # nothing to connect first: the console has its own status
            if self.running:
                await self.stop()
            return await self.start(spec, title)
        held = _HeldEvents()
        source = self._make_source(spec, held)
        reader = asyncio.create_task(source.run(), name=f"source-{spec.format}")
        reader.add_done_callback(_log_failure)
        try:
            await _until_connected(spec, source, reader, timeout)
        except BaseException:
            source.stop()
            reader.cancel()  # also mid-handshake; it never went live, so it has nothing to deliver
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(reader, return_exceptions=True)
            raise
        if self.running:
            await self.stop()
        return await self._begin(spec, source, title, reader=reader, held=held)

    async def resume(self, spec: SourceSpec, session: dict[str, Any]) -> Restored:
        """Continue the interrupted ``session`` (a ``sessions`` row) recording ``spec``: its state played
        back from the log (app/engine/resume.py), the metrics fed its events, then the source read."""
        if spec.format == CONSOLE_SOURCE:
            raise ValueError(tr("平台中控台作为直播源的场次不能续录"))
        source = self._make_source(spec)
        restored: list[Restored] = []

        async def open_session() -> int:
            metrics = self.metrics
            if metrics is not None:
                metrics.reset(float(session["started_at"]))
            restored.append(await continue_interrupted(
                self.engine, session, metrics.feed_history if metrics is not None else None))
            return restored[0].session_id

        await self._begin(spec, source, str(session["title"]), open_session=open_session)
        return restored[0]

    async def _begin(
        self, spec: SourceSpec, source: WebSocketSource | ConsoleFeed, title: str, *,
        reader: asyncio.Task[None] | None = None, held: _HeldEvents | None = None,
        open_session: Callable[[], Awaitable[int]] | None = None,
    ) -> int:
        """Start a session on ``source``, reading from ``reader`` (a new reader when None); ``open_session``
        (instead of a new session) continues an interrupted one and feeds the metrics its past."""
        title = title or f"{spec.label} {time.strftime('%Y-%m-%d %H:%M')}"  # source and date
        if open_session is not None:
            session_id = await open_session()
        else:
            session_id = await self.engine.start_session(title, spec.label)
            if self.metrics is not None:
                self.metrics.reset(self.engine.state.started_at)
        if held is not None:  # no await since the session started: nothing slips in between
            held.release(self._to_engine(source))
        source.add_status_listener(self._status_listeners.notify)
        self._status_listeners.notify(source.status)
        self.source = source
        if reader is None:
            reader = asyncio.create_task(source.run(), name=f"source-{spec.format}")
            reader.add_done_callback(_log_failure)
        self._reader = reader
        send_command = getattr(source, "send_command", None)
        if send_command is not None and getattr(source, "token", None):
            self.seat_relay = SeatRelay(self.engine, send_command)  # the host tells the room itself
        elif send_command is not None:
            self.connector = RoomConnector(self.engine, send_command)
        if self.webhook:
            try:
                self._webhook_sender = make_sender(self.webhook)
            except ValueError as exc:
                log.warning("%s; room commands go to the room only", exc)
            else:
                log.info("room commands also go to %s", self._webhook_sender.target)
                self.webhook_connector = RoomConnector(self.engine, self._webhook_sender, actor="webhook")
        self._open_console()
        if self.metrics is not None:
            self._snapshotter = asyncio.create_task(self._snapshot_every_second(), name="metrics-snapshots")
            self._snapshotter.add_done_callback(_log_failure)
        return session_id

    def _feed_metrics(self, batch: list[LiveEvent]) -> None:
        # Batches drained outside a session (before the first start) belong to no show.
        if self.metrics is not None and self.engine.state.running:
            self.metrics.feed(batch)

    def _snapshot(self, *, final: bool = False) -> None:
        assert self.metrics is not None
        session_id = self.engine.state.session_id
        snap = self.metrics.snapshot(time.time())
        if final:
            self.metrics.final = snap
        log_ = self.engine.log
        if log_ is not None and session_id is not None:
            log_.append_metrics(session_id, snapshot_rows(session_id, [snap]))

    async def _snapshot_every_second(self) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time() + self.metrics_interval
        while True:
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            # A deadline, not a tick count: a stalled loop skips snapshots instead of bunching them.
            next_at = max(next_at + self.metrics_interval, loop.time())
            self._snapshot()

    async def wait_reader(self) -> None:
        """Returns when the current source's reader ends (it only ends when stopped)."""
        if self._reader is not None:
            await asyncio.shield(self._reader)

    async def stop(self, status: str = "ended") -> None:
        """Stop the source, apply what it delivered, and close the session."""
        if self.console is not None:  # kept, stopped, for the run's summary of its actions
            await self.console.aclose()  # its actions rows belong in this session's log
        if self.connector is not None:
            await self.connector.aclose()  # the room's acks belong in this session's log
            self.connector = None
        if self.seat_relay is not None:
            await self.seat_relay.aclose()  # so do the host's answers
            self.seat_relay = None
        if self.webhook_connector is not None:
            await self.webhook_connector.aclose()
            self.webhook_connector = None
        if self._webhook_sender is not None:
            await self._webhook_sender.aclose()
            self._webhook_sender = None
        if self.source is not None:
            self.source.stop()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(self._reader, return_exceptions=True)
            self._reader = None
        if self._snapshotter is not None:
            self._snapshotter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._snapshotter
            self._snapshotter = None
        if self.metrics is not None and self.engine.state.running:
            self.engine.drain()  # the last events count in the final snapshot
            self._snapshot(final=True)
        await self.engine.end_session(status)

    async def close(self) -> None:
        if self.running:
            await self.stop()
        if self._batcher is not None:
            self._batcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._batcher
            self._batcher = None


def interrupted_show(db: Path) -> dict[str, Any] | None:
    """The newest session in the log at ``db`` if its process died mid-show (``interrupted``), else None;
    opening the log marks such sessions (app/store/orphans.py)."""
    with SessionLog(db) as session_log:
        return find_interrupted(session_log.sessions())


@contextlib.asynccontextmanager
async def open_show(db: Path, products: Sequence[Product] = (), *, webhook: str = "") -> AsyncIterator[Show]:
    """A show's parts wired together, the one way ``record``, ``host`` and the console build them: the
    session log at ``db``, the engine with the catalog ``products`` (none: no catalog is loaded), the
    metrics fed by it, and the :class:`Show` that owns them (``webhook``: the ``room_webhook`` setting).

    No session is started; leaving the block ends a running one, drains the engine and closes the log.
    """
    with SessionLog(db) as session_log:
        engine = SessionEngine(session_log)
        if products:
            engine.load_catalog(list(products))
        metrics = MetricsTracker(submit=engine.submit, products=products)
        async with Show(engine, metrics, webhook=webhook) as show:
            yield show
