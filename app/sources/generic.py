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
from app.sources.base import FrameError, WebSocketSource

log = logging.getLogger("livedeck.sources.generic")

PROTOCOL = "livedeck-generic"
VERSION = 1
_TEXT_FIELDS = ("msg_id", "user_id", "user_name", "text", "product_id")
_INT_FIELDS = ("count", "amount_fen")
# Text longer than this is not a comment any platform sends; cap it so one frame can't bloat the log.
MAX_TEXT = 2000


def parse_event(obj: dict[str, Any], *, now: float) -> LiveEvent:
    """Validate one ``{"type": "event", ...}`` object. Raises FrameError naming the bad field."""
    kind = obj.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        raise FrameError(f"unknown kind {kind!r}")
    ts = obj.get("ts", now)
    if isinstance(ts, bool) or not isinstance(ts, int | float) or not math.isfinite(ts) or ts < 0:
        raise FrameError(f"bad ts {ts!r}")
    fields: dict[str, Any] = {}
    for name in _TEXT_FIELDS:
        value = obj.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise FrameError(f"{name} must be a string")
        fields[name] = str(value)[:MAX_TEXT]  # ints are kept exact: ids beyond 2**53 arrive as int
    for name in _INT_FIELDS:
        value = obj.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise FrameError(f"{name} must be an integer")
        if value < 0:
            raise FrameError(f"{name} must not be negative")
        fields[name] = value
    extra = obj.get("extra")
    if extra is not None and not isinstance(extra, dict):
        raise FrameError("extra must be an object")
    return LiveEvent(kind=kind, ts=float(ts), extra=extra or None, **fields)


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
        if version != VERSION:
            log.warning("room speaks protocol version %r; this console speaks %d", version, VERSION)
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
