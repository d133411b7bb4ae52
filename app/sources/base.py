"""What every websocket comment source shares: reconnecting, dead-link detection, edge validation, status.

A source reads frames, decodes them into :class:`LiveEvent` values and hands them to a sink (the
engine's ``submit``). It never awaits the UI or the disk. The read loop awaits ``recv()`` bare: a frame
already buffered comes back without a trip through the event loop, and one watchdog task per connection
(not a timeout per frame) aborts a link that stayed silent for ``idle_timeout``. The library's frame
queue is bounded (:data:`MAX_QUEUE`): when the reader falls behind, reading from the socket pauses and
TCP slows the sender down, nothing is dropped. See docs/sources.md, "The read loop".

Protocol adapters subclass
:class:`WebSocketSource` and implement :meth:`WebSocketSource.decode` (and, where the protocol needs
it, :meth:`~WebSocketSource.on_open` for auth and :meth:`~WebSocketSource.heartbeat`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import ClassVar

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.frames import CloseCode

from app.core.bounds import check_event
from app.core.events import LiveEvent
from app.core.i18n import tr
from app.core.listeners import Listeners
from app.core.log import RateLimitedLog, excerpt
from app.core.waits import wait_at_most
from app.sources.info import SourceInfo

log = logging.getLogger("livedeck.sources")

EventSink = Callable[[list[LiveEvent]], None]
StatusListener = Callable[["SourceStatus"], None]

#: The largest frame a source accepts; the library refuses a bigger one with close code 1009.
MAX_FRAME_BYTES = 16 * 1024 * 1024
#: Frames the library buffers before it stops reading the socket (it resumes at a quarter of that).
#: Bounds a flood of big frames to about ``MAX_QUEUE`` frames in memory; TCP holds back the rest.
MAX_QUEUE = 8


class FrameError(ValueError):
    """A frame (or one item of a batch) that does not follow the protocol. The message says why."""


class SourceRefusedError(Exception):
    """The far end refused us (bad token, room closed): retrying soon is pointless, so back off long."""


class RefusedFrameError(Exception):
    """The library refused a frame and closed the link: over :data:`MAX_FRAME_BYTES` (1009) or a text
    frame that is not UTF-8 (1007). The message says which, for the user."""


#: Close codes we send when the library refuses a frame, and what the user is told.
_REFUSED_FRAME: dict[int, Callable[[], str]] = {
    CloseCode.MESSAGE_TOO_BIG: lambda: tr("帧超过 16 MB 上限，已跳过"),
    CloseCode.INVALID_DATA: lambda: tr("文本帧不是有效的 UTF-8，已跳过"),
}


class SourceState(StrEnum):
    CONNECTING = "connecting"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    FAILED = "failed"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """A snapshot of a source's health, shown in the UI and printed by ``livedeck record``.

    Attributes:
        state: where the connection stands.
        reason: why it is not live (the last error), empty when live.
        retry_at: ``time.monotonic()`` of the next attempt while reconnecting/failed.
        connected_since: wall-clock time the current connection went live.
        reconnects: connections lost (or refused) after the first attempt.
        frames: frames received.
        events: events decoded and handed on.
        malformed: frames or batch items skipped because they broke the protocol (or app.core.bounds).
        bad_ts: of those, events whose ``ts`` was out of range (in milliseconds, far ahead, before 2000).
        oversize: of those, frames over :data:`MAX_FRAME_BYTES` (each one also cost the connection, as
            does a text frame that is not UTF-8).
        unknown: message types the protocol knows exist but we do not map, by name.
        format_name: the source's ``--format`` (its platform, for the health panel); "" when unknown.
    """

    state: SourceState = SourceState.CONNECTING
    reason: str = ""
    retry_at: float | None = None
    connected_since: float | None = None
    reconnects: int = 0
    frames: int = 0
    events: int = 0
    malformed: int = 0
    bad_ts: int = 0
    oversize: int = 0
    unknown: dict[str, int] = field(default_factory=dict)
    format_name: str = ""

    def describe(self, now: float | None = None) -> str:
        """One line for a status indicator, in the UI language."""
        if self.state is SourceState.LIVE:
            return tr("已连接")
        if self.state is SourceState.CONNECTING:
            return tr("连接中…")
        if self.state is SourceState.STOPPED:
            return tr("已停止")
        if self.retry_at is None and self.state is SourceState.FAILED:  # no retry planned (the console page)
            return tr("失败：{reason}", reason=self.reason)
        wait = max(0, round((self.retry_at or 0) - (time.monotonic() if now is None else now)))
        if self.state is SourceState.FAILED:
            return tr("失败：{reason}（{seconds} 秒后重试）", reason=self.reason, seconds=wait)
        return tr("{seconds} 秒后重连（{reason}）", seconds=wait, reason=self.reason)


@dataclass(frozen=True, slots=True)
class LinkTiming:
    """How patiently a source waits for the far end, and how it backs off after losing it.

    The defaults find a dead link within 15 s, close included: ``idle_timeout`` seconds of silence,
    then the link is aborted (a dead peer cannot answer a close); :meth:`WebSocketSource.stop` waits at
    most ``close_timeout`` for the peer's answer to its close.

    Attributes:
        idle_timeout: seconds without any frame after which the link counts as dead.
        open_timeout: seconds the handshake (and a hub's auth reply) may take.
        close_timeout: seconds a close waits for the far end's answer before dropping the link.
        backoff_base / backoff_cap: reconnect delay is ``min(cap, base * 2**attempt)``, jittered
            to 50–100 % so a room full of consoles does not reconnect in lockstep.
        failure_backoff: delay after a :class:`SourceRefusedError` (the far end refused us).
    """

    idle_timeout: float = 13.0
    open_timeout: float = 10.0
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    failure_backoff: float = 30.0
    close_timeout: float = 1.5


#: The timings of a source that does not choose its own (Bilibili and the Douyin bridge do).
DEFAULT_TIMING = LinkTiming()


class WebSocketSource:
    """A websocket client that stays connected until stopped and feeds decoded events to a sink.

    Args:
        url: the websocket address.
        sink: receives each frame's events, in order, on the loop thread. Must not block.
        idle_timeout / open_timeout / backoff_base / backoff_cap / failure_backoff / close_timeout: see
            :class:`LinkTiming`.
        rng: jitter source (tests pass a seeded one).
    """

    #: Protocol name as the CLI spells it (``--format``); the registry in app/sources/__init__.py uses it too.
    format_name = "websocket"
    #: How the connect dialog, the health panel and the docs present this source. Every registered
    #: source declares its own (tests/app/test_sources_registry.py checks).
    info: ClassVar[SourceInfo]
    #: Seconds between heartbeat frames; ``None`` when the protocol needs none.
    heartbeat_interval: float | None = None

    def __init__(
        self,
        url: str,
        sink: EventSink,
        *,
        idle_timeout: float = DEFAULT_TIMING.idle_timeout,
        open_timeout: float = DEFAULT_TIMING.open_timeout,
        backoff_base: float = DEFAULT_TIMING.backoff_base,
        backoff_cap: float = DEFAULT_TIMING.backoff_cap,
        failure_backoff: float = DEFAULT_TIMING.failure_backoff,
        close_timeout: float = DEFAULT_TIMING.close_timeout,
        rng: random.Random | None = None,
    ) -> None:
        self.url = url
        self.sink = sink
        self.timing = LinkTiming(idle_timeout, open_timeout, backoff_base, backoff_cap, failure_backoff,
                                 close_timeout)
        self._rng = rng or random.Random()
        self._status = SourceStatus(format_name=self.format_name)
        # The per-frame counters are plain ints, folded into the snapshot only when it is read.
        self._frames = self._events = self._malformed = self._bad_ts = self._oversize = 0
        self._listeners: Listeners[[SourceStatus]] = Listeners(log, "status listener")
        self._removers: dict[StatusListener, Callable[[], None]] = {}
        self._unknown: Counter[str] = Counter()
        self._unknown_changed = False
        self._ws: ClientConnection | None = None
        self._stopping = asyncio.Event()
        self._closing: set[asyncio.Future[None]] = set()
        self._warn_malformed = RateLimitedLog(log)
        self._warn_decoder = RateLimitedLog(log)
        self._decoder_failures = 0
        self._ever_connected = False
        self._last_frame = 0.0  # time.monotonic() of the last frame, read by the idle watchdog
        self._went_idle = False
        self._watchdog: asyncio.TimerHandle | None = None
        self._wake_up_events: list[LiveEvent] = []  # read since the reader last yielded, not yet handed on

    # -- status -----------------------------------------------------------------------------
    @property
    def status(self) -> SourceStatus:
        """The current snapshot; the counters are copied in here, not on every frame."""
        status = self._status
        if (status.frames != self._frames or status.events != self._events or status.malformed != self._malformed
                or status.bad_ts != self._bad_ts or status.oversize != self._oversize or self._unknown_changed):
            self._unknown_changed = False
            status = self._status = replace(
                status, frames=self._frames, events=self._events, malformed=self._malformed,
                bad_ts=self._bad_ts, oversize=self._oversize, unknown=dict(self._unknown))
        return status

    def add_status_listener(self, listener: StatusListener) -> Callable[[], None]:
        """Call ``listener`` with every new status; returns a function that removes it."""
        remove = self._removers[listener] = self._listeners.add(listener)
        return remove

    def remove_status_listener(self, listener: StatusListener) -> None:
        """Stop calling ``listener`` (no error if it is not listening)."""
        remove = self._removers.pop(listener, None)
        if remove is not None:
            remove()

    def _set_status(self, **changes: object) -> None:
        self._status = replace(self.status, **changes)  # type: ignore[arg-type]
        self._listeners.notify(self._status)

    # -- protocol hooks -----------------------------------------------------------------------
    def decode(self, frame: str | bytes) -> list[LiveEvent]:
        """Turn one frame into events. Raise :class:`FrameError` for a frame that breaks the protocol;
        call :meth:`reject` for one bad item of an otherwise good batch."""
        raise NotImplementedError

    async def on_open(self, ws: ClientConnection) -> None:
        """Runs right after the handshake (authenticate here). Raise SourceRefusedError if refused."""

    async def before_connect(self) -> None:
        """Runs before every connection attempt (fetch a token, pick the next host, set ``self.url``)."""

    def heartbeat(self) -> str | bytes | None:
        """The frame to send every ``heartbeat_interval`` seconds."""
        return None

    def connect_kwargs(self) -> dict[str, object]:
        """Extra arguments for ``websockets.connect`` (headers, subprotocols)."""
        return {}

    # -- helpers for subclasses ---------------------------------------------------------------
    def reject(self, reason: str, raw: object) -> None:
        """Count and log (rate-limited) one malformed frame or item; the stream goes on."""
        self._malformed += 1
        self._listeners.notify(self.status)
        self._warn_malformed("%s: skipped a malformed frame (%s): %s", self.format_name, reason, excerpt(raw))

    def count_unknown(self, name: str) -> None:
        """Count a message type we do not map (normal: platforms send dozens); never logged one by one."""
        self._unknown[name] += 1
        self._unknown_changed = True
        if self._unknown[name] == 1:
            log.debug("%s: first unmapped message type %r", self.format_name, name)

    # -- running ------------------------------------------------------------------------------
    def stop(self) -> None:
        """Ask :meth:`run` to close the connection and return."""
        self._stopping.set()
        if self._ws is not None:
            task = asyncio.ensure_future(self._ws.close())
            self._closing.add(task)  # a strong reference until it ran (the loop keeps only weak ones)
            task.add_done_callback(self._closed_one)

    def _closed_one(self, task: asyncio.Future[None]) -> None:
        self._closing.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.debug("%s: closing the connection failed: %s", self.format_name, task.exception())

    async def run(self) -> None:
        """Connect, read, and reconnect with backoff until :meth:`stop` is called."""
        attempt = 0
        while not self._stopping.is_set():
            if self._ever_connected or attempt:
                self._set_status(state=SourceState.CONNECTING, retry_at=None)
            went_live = False
            failure = False
            try:
                went_live = await self._attempt()
                reason = tr("连接已断开")
            except SourceRefusedError as exc:
                reason, failure = str(exc), True
            except RefusedFrameError as exc:
                # Not a reset of the backoff: a room that keeps sending such frames must not spin.
                went_live, reason = False, str(exc)
            except (OSError, TimeoutError, InvalidHandshake, InvalidURI, ConnectionClosed) as exc:
                reason = _describe_error(exc)
            except Exception as exc:  # a bug in a decoder or hook: log it, but keep the stream alive
                log.exception("%s: unexpected error; reconnecting", self.format_name)
                reason = _describe_error(exc)
            finally:
                self._ws = None
            if self._stopping.is_set():
                break
            attempt = 0 if went_live else attempt + 1
            delay = self.timing.failure_backoff if failure else self._backoff(attempt)
            state = SourceState.FAILED if failure else SourceState.RECONNECTING
            self._set_status(
                state=state,
                reason=reason,
                retry_at=time.monotonic() + delay,
                connected_since=None,
                reconnects=self._status.reconnects + 1,
            )
            log.info("%s: %s; retrying in %.1f s", self.format_name, reason, delay)
            await wait_at_most(self._stopping, delay)
        self._set_status(state=SourceState.STOPPED, retry_at=None, connected_since=None)

    def _backoff(self, attempt: int) -> float:
        timing = self.timing
        raw = min(timing.backoff_cap, timing.backoff_base * 2 ** max(0, attempt - 1))
        return raw * self._rng.uniform(0.5, 1.0)

    async def _attempt(self) -> bool:
        """One :meth:`_session`, given up ``close_timeout`` after :meth:`stop` if it has not ended by then
        (a handshake or an auth reply that never comes must not hold ``stop`` for ``open_timeout``)."""
        session = asyncio.ensure_future(self._session())
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({session, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not session.done():
                await asyncio.wait({session}, timeout=self.timing.close_timeout)
            if not session.done():
                session.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await session
                return False
            return session.result()
        finally:
            stopping.cancel()
            session.cancel()  # a no-op once it ended; ends it if run() itself was cancelled

    async def _session(self) -> bool:
        """One connection's life. Returns whether it went live (so the backoff resets)."""
        await self.before_connect()
        async with connect(
            self.url,
            open_timeout=self.timing.open_timeout,
            ping_interval=None,  # our own idle watchdog covers dead links for every protocol
            close_timeout=self.timing.close_timeout,
            max_size=MAX_FRAME_BYTES,
            max_queue=MAX_QUEUE,  # past it the library pauses reading: TCP back-pressure, nothing dropped
            **self.connect_kwargs(),  # type: ignore[arg-type]
        ) as ws:
            self._ws = ws
            if self._stopping.is_set():
                return False
            await self.on_open(ws)
            self._ever_connected = True
            self._set_status(state=SourceState.LIVE, reason="", retry_at=None, connected_since=time.time())
            beat = asyncio.create_task(self._heartbeats(ws)) if self.heartbeat_interval else None
            try:
                await self._read(ws)
            finally:
                if beat is not None:
                    beat.cancel()
                    with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                        await beat
            return True

    async def _heartbeats(self, ws: ClientConnection) -> None:
        assert self.heartbeat_interval is not None
        while True:
            frame = self.heartbeat()
            if frame is not None:
                await ws.send(frame)
            await asyncio.sleep(self.heartbeat_interval)

    async def _read(self, ws: ClientConnection) -> None:
        """Hand on every frame until the link closes. ``recv()`` returns a buffered frame without
        yielding, so a burst costs no loop iteration per frame; the loop yields when the buffer is empty
        (at the latest every :data:`MAX_QUEUE` frames, since the library reads the socket only then).
        The events of the frames read in one wake-up go to the sink together, in order, once the reader
        yields (one call instead of one per frame), and at the latest when the link ends."""
        loop = asyncio.get_running_loop()
        self._last_frame = time.monotonic()
        self._went_idle = False
        self._watchdog = loop.call_later(self.timing.idle_timeout, self._check_idle, ws)
        try:
            while True:
                try:
                    frame = await ws.recv()
                except ConnectionClosed as closed:
                    self._raise_for_close(closed)
                    return
                self._last_frame = time.monotonic()
                events = self._checked_events(frame)
                if events:
                    if not self._wake_up_events:
                        loop.call_soon(self._hand_on)
                    self._wake_up_events += events
        finally:
            self._hand_on()
            if self._watchdog is not None:
                self._watchdog.cancel()

    def _hand_on(self) -> None:
        """Give the sink the events the reader gathered since it last yielded."""
        events, self._wake_up_events = self._wake_up_events, []
        if events:
            self.sink(events)

    def _check_idle(self, ws: ClientConnection) -> None:
        """The idle watchdog: a timer, not a timeout per frame. At its deadline it re-arms itself for the
        rest of ``idle_timeout`` after the last frame, or aborts the link if none came."""
        remaining = self._last_frame + self.timing.idle_timeout - time.monotonic()
        if remaining > 0:
            self._watchdog = asyncio.get_running_loop().call_later(remaining, self._check_idle, ws)
            return
        self._went_idle = True
        ws.transport.abort()  # no close handshake: a dead peer would never answer it

    def _raise_for_close(self, closed: ConnectionClosed) -> None:
        """Turn the end of the link into the reason the user sees (returns when we asked for it)."""
        if self._went_idle:
            idle = self.timing.idle_timeout
            raise TimeoutError(tr("{seconds} 秒无数据，连接已失效", seconds=round(idle))) from None
        code = closed.sent.code if closed.sent is not None else None
        refused = _REFUSED_FRAME.get(code) if code is not None else None
        if refused is not None:
            too_big = code == CloseCode.MESSAGE_TOO_BIG
            self._frames += 1
            self._malformed += 1
            self._oversize += too_big
            raise RefusedFrameError(refused()) from None
        if self._stopping.is_set():
            return
        raise closed

    def handle_frame(self, frame: str | bytes) -> None:
        """Decode one frame and hand its events on at once; a bad frame is counted and skipped."""
        events = self._checked_events(frame)
        if events:
            self.sink(events)

    def _checked_events(self, frame: str | bytes) -> list[LiveEvent]:
        """The events of one frame that keep the protocol and app.core.bounds, counted; a bad frame or
        item is counted and skipped (an empty list)."""
        self._frames += 1
        try:
            events = self.decode(frame)
        except FrameError as exc:
            self.reject(str(exc), frame)
            return []
        except RecursionError:  # JSON nested deeper than the interpreter's stack: a hostile frame
            self.reject("nested too deeply", frame)
            return []
        except Exception as exc:  # a decoder bug must not kill the reader or lose the frames around it
            self._decoder_failed(exc, frame)
            return []
        if events:
            events = self._within_bounds(events)
            # Counters change on every frame; listeners hear about state changes, not each frame.
            self._events += len(events)
        return events

    def _decoder_failed(self, exc: Exception, frame: str | bytes) -> None:
        """Count a frame the decoder raised on; the first traceback is logged, then rate-limited lines."""
        self._decoder_failures += 1
        if self._decoder_failures == 1:
            log.exception("%s: decoder failed on %s", self.format_name, excerpt(frame))
        else:
            self._warn_decoder("%s: decoder failed again (%s: %s)", self.format_name, type(exc).__name__, exc)
        self._malformed += 1
        self._listeners.notify(self.status)

    def _within_bounds(self, events: list[LiveEvent]) -> list[LiveEvent]:
        """The events that keep app.core.bounds (one check for every protocol); each other one is counted
        as malformed with its reason, a bad ``ts`` also in ``bad_ts``."""
        now = time.time()
        kept: list[LiveEvent] = []
        for event in events:
            problem = check_event(event, now)
            if problem is None:
                kept.append(event)
                continue
            if problem.startswith("ts "):
                self._bad_ts += 1
            self.reject(problem, event)
        return kept

    async def send(self, frame: str | bytes) -> bool:
        """Send a frame if connected; returns whether it went out."""
        ws = self._ws
        if ws is None or self._status.state is not SourceState.LIVE:
            return False
        try:
            await ws.send(frame)
        except ConnectionClosed:
            return False
        return True


def _describe_error(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return tr("连接被拒绝")
    if isinstance(exc, TimeoutError):
        return str(exc) or tr("连接超时")
    if isinstance(exc, ConnectionClosed):
        return tr("连接已断开")
    if isinstance(exc, InvalidURI):
        return tr("地址无效")
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 120 else text[:119] + "…"

