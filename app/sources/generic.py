"""The generic JSON protocol (docs/protocol.md): the demo room and any bridge a shop runs speak it.

Every object is validated at the edge. A frame that is not JSON, or not an object/array, is skipped
whole; in a batch, one bad object is skipped and the rest are kept.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import msgspec
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from app.core import fastjson
from app.core.bounds import MAX_EVENT_TEXT, SQLITE_MAX
from app.core.events import KINDS, Command, LiveEvent
from app.core.i18n import tr
from app.rooms.room_server import PROTOCOL, PROTOCOL_VERSION
from app.sources.base import FrameError, SourceRefusedError, WebSocketSource
from app.sources.info import AddressKind, SourceInfo, SourceOption, websocket_resolver

log = logging.getLogger("livedeck.sources.generic")

# Text longer than this is not a comment any platform sends; cap it so one frame can't bloat the log.
MAX_TEXT = MAX_EVENT_TEXT
# SQLite's INTEGER is 64-bit: a larger count or amount could not be stored. The sane range per field
# (app.core.bounds.check_event) is checked for every source once the frame is decoded.
MAX_INT = SQLITE_MAX


def parse_event(obj: dict[str, Any], *, now: float) -> LiveEvent:
    """Validate one ``{"type": "event", ...}`` object. Raises FrameError naming the bad field.

    This runs for every event of every room, so it checks exact types (``type(x) is str``) rather
    than going through isinstance chains: the bench's ingest rate depends on it.
    """
    get = obj.get
    kind = get("kind")
    if type(kind) is not str or kind not in KINDS:
        raise FrameError(f"unknown kind {kind!r}")
    ts = get("ts", now)
    if type(ts) is int:
        ts = float(ts)
    if type(ts) is not float or not (0.0 <= ts < math.inf):  # also refuses NaN and negatives
        raise FrameError(f"bad ts {ts!r}")
    # One check on the common path (three short strings), the careful look only when it fails: this
    # is the hottest code on the ingest path.
    msg_id = get("msg_id", "")
    user_id = get("user_id", "")
    product_id = get("product_id", "")
    if not (type(msg_id) is str and type(user_id) is str and type(product_id) is str
            and len(msg_id) <= MAX_TEXT and len(user_id) <= MAX_TEXT and len(product_id) <= MAX_TEXT):
        msg_id = _id_text("msg_id", msg_id)
        user_id = _id_text("user_id", user_id)
        product_id = _id_text("product_id", product_id)
    user_name = get("user_name", "")
    body = get("text", "")
    if not (type(user_name) is str and type(body) is str and len(user_name) <= MAX_TEXT and len(body) <= MAX_TEXT):
        user_name = _text("user_name", user_name)
        body = _text("text", body)
    count = get("count", 0)
    if type(count) is not int or not 0 <= count <= MAX_INT:
        _bad_int("count", count)
    amount_fen = get("amount_fen", 0)
    if type(amount_fen) is not int or not 0 <= amount_fen <= MAX_INT:
        _bad_int("amount_fen", amount_fen)
    extra = get("extra")
    if extra is not None and type(extra) is not dict:
        raise FrameError("extra must be an object")
    return LiveEvent(kind, ts, user_id, user_name, body, count, amount_fen, product_id, msg_id, extra or None)


# -- the typed path: one msgspec pass decodes and checks a frame of well-formed events -----------------
_Text = Annotated[str, msgspec.Meta(max_length=MAX_TEXT)]
_Int = Annotated[int, msgspec.Meta(ge=0, le=MAX_INT)]
_Ts = Annotated[float, msgspec.Meta(ge=0.0)]


class _Event(msgspec.Struct, gc=False):
    """A ``{"type": "event", ...}`` object exactly as :func:`parse_event` accepts it without a change:
    texts within MAX_TEXT (longer ones are cut by the general path), ids as strings, counts in range."""

    type: Literal["event"]
    kind: str
    ts: _Ts = -1.0  # absent (a value sent is at least 0): the arrival time
    user_id: _Text = ""
    user_name: _Text = ""
    text: _Text = ""
    count: _Int = 0
    amount_fen: _Int = 0
    product_id: _Text = ""
    msg_id: _Text = ""
    extra: dict[str, Any] | None = None


_FRAME: msgspec.json.Decoder[list[_Event] | _Event] = msgspec.json.Decoder(list[_Event] | _Event)


def typed_events(frame: str | bytes, *, now: float) -> list[LiveEvent] | None:
    """The events of a frame made only of well-formed events, as :func:`parse_event` gives them, in one
    msgspec pass; None for any other frame (a ping, a hello, one bad or unusual object, a cut text, an
    integer id, NaN, a lone surrogate), which the general path then reads and words. Measured: about a
    third of the general path's cost per event (docs/architecture.md, Performance)."""
    try:
        decoded = _FRAME.decode(frame)
    except msgspec.DecodeError:
        return None
    items: list[_Event] = decoded if isinstance(decoded, list) else [decoded]
    events = []
    for e in items:
        ts = e.ts
        if e.kind not in KINDS or ts == math.inf:
            return None
        events.append(LiveEvent(e.kind, now if ts < 0.0 else ts, e.user_id, e.user_name, e.text, e.count,
                                e.amount_fen, e.product_id, e.msg_id, e.extra or None))
    return events


def _id_text(name: str, value: object) -> str:
    """An id as text: null means absent; a JSON integer is kept exact (ids exceed 2**53); capped at MAX_TEXT."""
    if type(value) is int:
        return str(value)[:MAX_TEXT]
    return _text(name, value)


def _text(name: str, value: object) -> str:
    """A text field capped at MAX_TEXT; null means absent."""
    if value is None:
        return ""
    if type(value) is not str:
        raise FrameError(f"{name} must be a string")
    return value[:MAX_TEXT]


def _bad_int(name: str, value: object) -> None:
    if type(value) is not int:
        raise FrameError(f"{name} must be an integer")
    if value < 0:  # type: ignore[operator]
        raise FrameError(f"{name} must not be negative")
    raise FrameError(f"{name} is too large")


class GenericSource(WebSocketSource):
    """Client of the generic JSON protocol; also carries commands to the room (demo room, bridges).

    Args:
        token: join a LiveDeck hub (``livedeck host``) as a seat: the first frame is an ``auth`` object
            with this token (docs/protocol.md §8). None for a room that needs no auth.
        seat: the seat's name the host logs its commands under (actor ``<role>:<seat>``).
    """

    format_name = "generic"
    info = SourceInfo(
        label=lambda: tr("通用 JSON"),
        hint=lambda: tr("直播间或桥接程序的 WebSocket 地址（ws:// 或 wss://），协议见 docs/protocol.md。"),
        resolve=websocket_resolver("ws://127.0.0.1:8765"),
        placeholder=lambda: "ws://127.0.0.1:8765",
    )

    def __init__(self, url: str, sink: Any, *, token: str | None = None, seat: str = "", **kwargs: Any) -> None:
        super().__init__(url, sink, **kwargs)
        self.token = token
        self.seat = seat
        self.room_title = ""
        #: Whether the room said in its ``hello`` that it replays a recorded log (``"replay": true``:
        #: ``livedeck replay``, ``--format replay``): its events keep their recorded times, so the show takes
        #: them without the session's time window (docs/protocol.md, Bounds).
        self.replays_log = False
        self._pending_acks: dict[str, asyncio.Future[dict[str, Any]]] = {}

    def decode(self, frame: str | bytes) -> list[LiveEvent]:
        now = time.time()
        events = typed_events(frame, now=now)
        return events if events is not None else self.read_general(frame, now=now)

    def read_general(self, frame: str | bytes, *, now: float) -> list[LiveEvent]:
        """Every kind of frame, object by object: events validated by :func:`parse_event` (a bad one
        counted and skipped, the rest kept), hellos, acks, pings and errors handled."""
        if isinstance(frame, bytes):
            try:
                frame = frame.decode("utf-8")
            except UnicodeDecodeError:
                raise FrameError("binary frame is not UTF-8 text") from None
        try:
            data = fastjson.loads(frame)
        except ValueError:
            raise FrameError("not JSON") from None
        items = data if isinstance(data, list) else [data]
        events = []
        for item in items:
            if not isinstance(item, dict):
                self.reject("item is not an object", item)
                continue
            kind = item.get("type")
            if kind == "event":
                try:
                    events.append(parse_event(item, now=now))
                except FrameError as exc:
                    self.reject(str(exc), item)
            elif kind == "ping":
                pass
            elif kind == "hello":
                self._hello(item)
            elif kind == "ack":
                self._ack(item)
            elif kind == "error":
                log.warning("the room reported an error: %s", str(item.get("reason", ""))[:200])
            elif isinstance(kind, str):
                self.count_unknown(kind)
            else:
                self.reject("missing type", item)
        return events

    async def on_open(self, ws: ClientConnection) -> None:
        if self.token is None:
            return
        await ws.send(json.dumps({"type": "auth", "token": self.token, "seat": self.seat}, ensure_ascii=False))
        try:
            first = await asyncio.wait_for(ws.recv(), self.timing.open_timeout)
        except ConnectionClosed as exc:
            if _refused(exc):
                raise SourceRefusedError(_refused_reason()) from None
            raise
        try:
            item = json.loads(first)
        except (ValueError, TypeError):
            item = None
        if isinstance(item, dict) and item.get("type") == "error":
            raise SourceRefusedError(_refused_reason())
        self.handle_frame(first)  # the hello (or, from a room that needs no auth, its first events)

    def _hello(self, item: dict[str, Any]) -> None:
        if item.get("protocol") != PROTOCOL:
            log.warning("hello names protocol %r, expected %r", item.get("protocol"), PROTOCOL)
        version = item.get("v")
        if version != PROTOCOL_VERSION:
            log.warning("room speaks protocol version %r; this console speaks %d", version, PROTOCOL_VERSION)
        title = item.get("title")
        self.room_title = title[:200] if isinstance(title, str) else ""
        self.replays_log = item.get("replay") is True

    def _ack(self, item: dict[str, Any]) -> None:
        command_id = item.get("command_id")
        future = self._pending_acks.pop(command_id, None) if isinstance(command_id, str) else None
        if future is not None and not future.done():
            future.set_result(item)

    async def send_command(self, command: Command, timeout: float = 5.0) -> dict[str, Any]:
        """Send a command to the room and wait for its ack.

        Returns the ack object, or ``{"result": "undelivered", "reason": ...}`` when the room is not
        connected or did not answer in time.
        """
        frame = json.dumps(
            {"type": "command", "command_id": command.command_id, "name": command.name, "args": command.args},
            ensure_ascii=False,
        )
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending_acks[command.command_id] = future
        try:
            if not await self.send(frame):
                return {"result": "undelivered", "reason": "not connected"}
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            return {"result": "undelivered", "reason": "no ack"}
        finally:
            self._pending_acks.pop(command.command_id, None)


def _refused(exc: ConnectionClosed) -> bool:
    return exc.rcvd is not None and exc.rcvd.code == 4401


def _refused_reason() -> str:
    return tr("主播端拒绝了这个席位：令牌不对或已更换，请向主播要新的令牌")


def _demo_room_not_running(text: str, options: Mapping[SourceOption, object]) -> tuple[str, dict[str, object]]:
    raise ValueError(tr("演示直播间没有运行"))


#: The embedded demo room (app/rooms/demo.py) as the connect dialog offers it: a room of this protocol
#: whose address the console knows, so the user types none (the dialog uses the running room's address).
DEMO_ROOM = SourceInfo(
    label=lambda: tr("演示直播间"),
    hint=lambda: tr("内置的模拟直播间，用来练习和演示，不需要地址。"),
    resolve=_demo_room_not_running,
    address=AddressKind.NONE,
)
