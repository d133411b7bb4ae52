"""The hub: other seats (助播, 场控, a read-only screen) join the anchor's show over the generic protocol.

A :class:`HubServer` is a :class:`~app.rooms.room_server.RoomServer` attached to the host's running
:class:`~app.engine.session.SessionEngine`. Every applied batch goes out to the seats as protocol ``event``
objects (docs/protocol.md §2.2, ``msg_id`` kept so a seat drops what it saw before a reconnect), and a
seat's ``command`` runs on the host engine as ``Command(name, args, actor="<role>:<seat>")`` if its
role allows it; the ack carries the engine's result and reason.

A seat authenticates with its first frame, ``{"type": "auth", "token": "...", "seat": "助播小王"}``,
within :attr:`HubServer.auth_timeout` seconds; a wrong or missing token gets an ``error`` and the close
code 4401. Tokens are per role, compared in constant time, and never logged (docs/protocol.md §8).

Limits (docs/protocol.md §8): a seat runs at most :data:`COMMAND_RATE` commands a second (bursts of
:data:`COMMAND_BURST`); more are refused with the ack reason 命令太频繁. An address that sent more than
:data:`MAX_AUTH_FAILURES` wrong tokens within a minute is turned away until that minute is over, and
its failures are logged as one line a minute. A seat that does not read is dropped (RoomServer).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import secrets
import socket
import time
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from app.core.events import Command, LiveEvent
from app.core.i18n import tr
from app.engine.commands import Role, label, role_label
from app.engine.session import SessionEngine
from app.rooms.room_server import MAX_CLIENT_BUFFER, RoomServer

log = logging.getLogger("livedeck.hub")

DEFAULT_PORT = 8770
#: Close code for a seat whose token is wrong or missing (4000–4999 are for applications).
UNAUTHORIZED = 4401
MAX_SEAT_NAME = 40
#: The roles a seat can join as (each has its own token); what each may run is in the command table.
SEAT_ROLES = (Role.ASSISTANT, Role.VIEWER)
#: Commands a second one seat may run, and how many it may send at once after a quiet spell.
COMMAND_RATE = 20.0
COMMAND_BURST = 40
#: Wrong tokens from one address within :data:`AUTH_WINDOW_S` before it is turned away for the rest of it.
MAX_AUTH_FAILURES = 20
AUTH_WINDOW_S = 60.0
_EVENT_FIELDS = ("user_id", "user_name", "text", "count", "amount_fen", "product_id", "msg_id")


@dataclass(frozen=True, slots=True)
class Seat:
    """An authenticated connection: who (the name the seat gave) and what it may do."""

    name: str
    role: str

    @property
    def actor(self) -> str:
        return f"{self.role}:{self.name}"


class CommandBudget:
    """A token bucket: ``rate`` commands a second, at most ``burst`` saved up."""

    __slots__ = ("_at", "_tokens", "burst", "rate")

    def __init__(self, rate: float = COMMAND_RATE, burst: int = COMMAND_BURST) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._at = time.monotonic()

    def take(self) -> bool:
        """Spend one command if there is one to spend."""
        now = time.monotonic()
        self._tokens = min(float(self.burst), self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True


class AuthFailures:
    """Wrong tokens per address, counted in windows of :data:`AUTH_WINDOW_S`: the first of a window is
    logged at once, the rest as one line when the window ends (:meth:`flush`)."""

    def __init__(self, limit: int = MAX_AUTH_FAILURES, window_s: float = AUTH_WINDOW_S) -> None:
        self.limit = limit
        self.window_s = window_s
        self._windows: dict[str, tuple[float, int]] = {}  # address → (window start, failures)

    def blocked(self, address: str) -> bool:
        """Whether ``address`` used up its failures for the current window."""
        start, count = self._windows.get(address, (0.0, 0))
        return count >= self.limit and time.monotonic() - start < self.window_s

    def failed(self, address: str, reason: str) -> None:
        now = time.monotonic()
        start, count = self._windows.get(address, (now, 0))
        if now - start >= self.window_s:  # its last window is over (the hub's flush had not come yet)
            self._end(address, start, count, now)
            start, count = now, 0
        self._windows[address] = (start, count + 1)
        if count == 0:
            log.warning("seat refused: %s (from %s)", reason, address)

    def flush(self, *, every: bool = False) -> None:
        """Log and forget the windows that are over (``every``: all of them, at the end); the hub calls
        it every few seconds, which also keeps the table as small as the last minute's addresses."""
        now = time.monotonic()
        for address, (start, count) in list(self._windows.items()):
            if every or now - start >= self.window_s:
                del self._windows[address]
                self._end(address, start, count, now)

    def _end(self, address: str, start: float, count: int, now: float) -> None:
        if count > 1:
            log.warning("%d 次令牌错误 from %s in %.0f s", count, address, min(now - start, self.window_s))


def event_object(event: LiveEvent) -> dict[str, Any]:
    """``event`` as a protocol ``event`` object (fields at their default are left out)."""
    obj: dict[str, Any] = {"type": "event", "kind": event.kind, "ts": event.ts}
    for name in _EVENT_FIELDS:
        value = getattr(event, name)
        if value:
            obj[name] = value
    if event.extra:
        obj["extra"] = event.extra
    return obj


def lan_address() -> str:
    """This PC's address on the LAN (the interface that routes outwards), for the URL to hand out."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # a UDP connect sends nothing; it only picks the route
            address: str = probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"
    return address


class HubServer(RoomServer):
    """Serves the host engine's show to authenticated seats and runs their commands on it.

    Args:
        engine: the host's engine (its batcher must be running: ``Show``).
        tokens: role → token; a role left out gets a fresh ``secrets.token_urlsafe(16)``.
        lan: bind 0.0.0.0 so that other PCs can connect (a warning is logged); else 127.0.0.1 only.
        title: the show's title, sent in ``hello``.
        auth_timeout: seconds a new connection has to send its ``auth`` frame.

    Use ``async with HubServer(engine) as hub:`` or :meth:`start` / :meth:`close`.
    """

    task_name = "hub"
    log_bad_frames = False  # a seat's frames may carry its token
    max_client_buffer = MAX_CLIENT_BUFFER  # a seat that stops reading is dropped, not buffered for

    def __init__(self, engine: SessionEngine, *, tokens: dict[str, str] | None = None, lan: bool = False,
                 title: str = "", auth_timeout: float = 5.0) -> None:
        super().__init__("0.0.0.0" if lan else "127.0.0.1", "livedeck-host", title or tr("主播中控台"))
        self.engine = engine
        self.lan = lan
        self.auth_timeout = auth_timeout
        given = tokens or {}
        self.tokens = {role: given.get(role) or secrets.token_urlsafe(16) for role in SEAT_ROLES}
        self.seats: dict[ServerConnection, Seat] = {}
        self.auth_failures = AuthFailures()
        self._budgets: dict[ServerConnection, CommandBudget] = {}
        self._unsubscribe = engine.subscribe(self._on_batch)

    async def start(self, port: int = DEFAULT_PORT) -> HubServer:
        await self._start(port)
        if self.lan:
            log.warning("hub listening on all interfaces, port %d: other PCs on the network can connect "
                        "(with a token)", self.port)
        else:
            log.info("hub listening on %s (this PC only)", self.url)
        return self

    async def __aenter__(self) -> HubServer:
        return await self.start(0)

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self, farewell: dict[str, Any] | None = None) -> None:
        self._unsubscribe()
        self._unsubscribe = lambda: None
        await super().close(farewell)
        self.auth_failures.flush(every=True)

    @property
    def seat_url(self) -> str:
        """The URL a seat connects to: this PC's LAN address with ``lan``, else loopback."""
        return f"ws://{lan_address()}:{self.port}" if self.lan else self.url

    # -- the stream ---------------------------------------------------------------------------------
    async def produce(self) -> None:
        # Events come from the engine (_on_batch); a quiet show still needs a frame every 5 s (§2.3).
        while True:
            await asyncio.sleep(2.0)
            self.broadcast([{"type": "ping", "ts": time.time()}])
            self.auth_failures.flush()

    def _on_batch(self, batch: list[LiveEvent]) -> None:
        if self.clients:
            self.broadcast([event_object(e) for e in batch])

    # -- seats --------------------------------------------------------------------------------------
    async def admit(self, ws: ServerConnection) -> bool:
        address = _address(ws)
        if self.auth_failures.blocked(address):
            return await self._refuse(ws, tr("令牌错误次数过多，请一分钟后再试"), address)
        try:
            message = await asyncio.wait_for(ws.recv(), self.auth_timeout)
        except TimeoutError:
            return await self._refuse(ws, f"no auth frame within {self.auth_timeout:.0f} s", address)
        except ConnectionClosed:
            return False
        try:
            item = json.loads(message)
        except ValueError:
            item = None
        if not isinstance(item, dict) or item.get("type") != "auth":
            return await self._refuse(ws, "the first frame must be an auth object", address)
        seat_name = item.get("seat")
        name = seat_name.strip()[:MAX_SEAT_NAME] if isinstance(seat_name, str) and seat_name.strip() else "?"
        token = item.get("token")
        role = self._role_of(token) if isinstance(token, str) else None
        if role is None:
            return await self._refuse(ws, "bad token", address)
        self.seats[ws] = Seat(name, role)
        self._budgets[ws] = CommandBudget()
        log.info("seat %r joined as %s", name, role)
        return True

    def _role_of(self, token: str) -> str | None:
        found = None
        for role, expected in self.tokens.items():  # every role compared: the time says nothing
            if hmac.compare_digest(token.encode(), expected.encode()):
                found = role
        return found

    async def _refuse(self, ws: ServerConnection, reason: str, address: str) -> bool:
        """Tell ``ws`` why and close it; the failure counts against ``address`` (:class:`AuthFailures`:
        its first failure of a minute logged at once, the others in one line when the minute is over)."""
        self.auth_failures.failed(address, reason)
        try:
            await ws.send(json.dumps({"type": "error", "reason": reason, "code": UNAUTHORIZED}))
            await ws.close(UNAUTHORIZED, "unauthorized")
        except ConnectionClosed:
            pass
        return False

    def on_leave(self, ws: ServerConnection) -> None:
        seat = self.seats.pop(ws, None)
        self._budgets.pop(ws, None)
        if seat is not None:
            log.info("seat %r (%s) left", seat.name, seat.role)

    # -- commands -----------------------------------------------------------------------------------
    def on_command(self, item: dict[str, Any]) -> dict[str, Any]:
        return self.command_from(None, item)

    def command_from(self, ws: ServerConnection | None, item: dict[str, Any]) -> dict[str, Any]:
        seat = self.seats.get(ws) if ws is not None else None
        command_id = item.get("command_id")
        name = item.get("name")
        args = item.get("args", {})
        if not isinstance(command_id, str) or not command_id:
            return _ack(str(command_id or ""), "rejected", "command_id must be a non-empty string")
        if seat is None:
            return _ack(command_id, "rejected", tr("未通过认证的席位不能执行命令"))
        budget = self._budgets.get(ws) if ws is not None else None
        if budget is not None and not budget.take():
            return _ack(command_id, "rejected", tr("命令太频繁，请稍后再试"))
        if not isinstance(name, str) or not isinstance(args, dict):
            return _ack(command_id, "rejected", tr("命令格式错误：name 必须是字符串，args 必须是对象"))
        spec = self.engine.commands.get(name)
        if spec is None or not spec.allows(seat.role):
            log.info("seat %r (%s) may not run %s", seat.name, seat.role, name[:40])
            return _ack(command_id, "rejected",
                        tr("此席位（{role}）无权执行命令 {name}", role=role_label(seat.role), name=label(name[:40])))
        if not self.engine.state.running:
            return _ack(command_id, "rejected", tr("主播端没有进行中的场次"))
        engine_args = self._engine_args(args)
        if engine_args is None:
            return _ack(command_id, "rejected",
                        tr("主播端的商品列表里没有商品 {product_id}", product_id=str(args["product_id"])[:40]))
        result = self.engine.execute(Command(name, engine_args, seat.actor, command_id))
        return _ack(command_id, result.result, result.reason)

    def _engine_args(self, args: dict[str, Any]) -> dict[str, Any] | None:
        """A seat console forwards room commands with the protocol's ``product_id`` (§3.1); the engine
        names products by their 序号 ``no``, so translate by the host's catalog (None: not in it)."""
        product_id = args.get("product_id")
        if "no" in args or not isinstance(product_id, str):
            return args
        product = self.engine.state.queue.by_product_id(product_id)
        if product is None:
            return None
        return {**{k: v for k, v in args.items() if k != "product_id"}, "no": product.no}


def _address(ws: ServerConnection) -> str:
    """The peer's IP address (its port left out: each connection has its own)."""
    peer = ws.remote_address
    return str(peer[0]) if isinstance(peer, tuple) and peer else "?"


def _ack(command_id: str, result: str, reason: str) -> dict[str, Any]:
    ack: dict[str, Any] = {"type": "ack", "command_id": command_id, "result": result}
    if reason:
        ack["reason"] = reason
    return ack
