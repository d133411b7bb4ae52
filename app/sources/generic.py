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
from typing import Any

from app.events import KINDS, Command, LiveEvent
from app.room_server import PROTOCOL, PROTOCOL_VERSION
from app.sources.base import FrameError, WebSocketSource

log = logging.getLogger("livedeck.sources.generic")

_TEXT_FIELDS = ("msg_id", "user_id", "user_name", "text", "product_id")
_ID_FIELDS = frozenset(("msg_id", "user_id", "product_id"))  # may also arrive as JSON integers
_INT_FIELDS = ("count", "amount_fen")
# Text longer than this is not a comment any platform sends; cap it so one frame can't bloat the log.
MAX_TEXT = 2000
# SQLite's INTEGER is 64-bit: a larger count or amount could not be stored (nor summed into the GMV).
MAX_INT = 2**63 - 1


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
    text = []
    for name in _TEXT_FIELDS:
        value = get(name)
        if value is None:
            value = ""
        elif type(value) is str:
            if len(value) > MAX_TEXT:
                value = value[:MAX_TEXT]
        elif type(value) is int and name in _ID_FIELDS:
            value = str(value)  # ids beyond 2**53 arrive as JSON integers: keep them exact
        else:
            raise FrameError(f"{name} must be a string")
        text.append(value)
    numbers = []
    for name in _INT_FIELDS:
        value = get(name, 0)
        if type(value) is not int:
            raise FrameError(f"{name} must be an integer")
        if value < 0:
            raise FrameError(f"{name} must not be negative")
        if value > MAX_INT:
            raise FrameError(f"{name} is too large")
        numbers.append(value)
    extra = get("extra")
    if extra is not None and type(extra) is not dict:
        raise FrameError("extra must be an object")
    msg_id, user_id, user_name, body, product_id = text
    return LiveEvent(kind, ts, user_id, user_name, body, numbers[0], numbers[1], product_id, msg_id, extra or None)


class GenericSource(WebSocketSource):
    """Client of the generic JSON protocol; also carries commands to the room (demo room, bridges)."""

    format_name = "generic"

    def __init__(self, url: str, sink: Any, **kwargs: Any) -> None:
        super().__init__(url, sink, **kwargs)
        self.room_title = ""
        self._pending_acks: dict[str, asyncio.Future[dict[str, Any]]] = {}

    def decode(self, frame: str | bytes) -> list[LiveEvent]:
        if isinstance(frame, bytes):
            try:
                frame = frame.decode("utf-8")
            except UnicodeDecodeError:
                raise FrameError("binary frame is not UTF-8 text") from None
        try:
            data = json.loads(frame)
        except ValueError:
            raise FrameError("not JSON") from None
        items = data if isinstance(data, list) else [data]
        now = time.time()
        events: list[LiveEvent] = []
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

    def _hello(self, item: dict[str, Any]) -> None:
        if item.get("protocol") != PROTOCOL:
            log.warning("hello names protocol %r, expected %r", item.get("protocol"), PROTOCOL)
        version = item.get("v")
        if version != PROTOCOL_VERSION:
            log.warning("room speaks protocol version %r; this console speaks %d", version, PROTOCOL_VERSION)
        title = item.get("title")
        self.room_title = title[:200] if isinstance(title, str) else ""

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
