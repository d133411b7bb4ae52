"""The server side of the generic JSON protocol (docs/protocol.md), shared by the demo room and replays.

A :class:`RoomServer` greets every client with ``hello``, broadcasts what its producer task makes in
frames of at most :data:`MAX_BATCH` objects, and answers what clients send (``ping`` → ``pong``,
``command`` → an ack; anything else → ``error``), never crashing on a bad client frame.

Back-pressure (docs/protocol.md §8): with :attr:`RoomServer.max_client_buffer` set (the hub sets it),
a client that does not read what it is sent is dropped once more than that many bytes wait in its send
buffer (close code 1013 with a reason, one log line), so a stalled seat costs the host at most that plus
one frame. The demo room and replays keep every client (None): a recorder that reads slowly for a moment
must not lose the room's events. One object that cannot be
encoded (a lone surrogate, half an emoji) never takes its frame with it (:func:`frame_bytes`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any, ClassVar

from websockets.asyncio.server import Server, ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

from app.core.i18n import tr

log = logging.getLogger("livedeck.room_server")

PROTOCOL = "livedeck-generic"
PROTOCOL_VERSION = 1
MAX_BATCH = 2000  # objects per frame at most: clients may refuse frames over 1 MiB (~0.4 MiB here)
#: The hub's :attr:`RoomServer.max_client_buffer`: bytes waiting for one seat before it is dropped.
MAX_CLIENT_BUFFER = 256 * 1024
#: Close code for a client dropped as too slow ("try again later": it may reconnect and resume).
TOO_SLOW = 1013


def frame(objects: list[dict[str, Any]]) -> str:
    """One frame: a lone object as itself, several as a JSON array."""
    return json.dumps(objects[0] if len(objects) == 1 else objects, ensure_ascii=False)


def frame_bytes(objects: list[dict[str, Any]]) -> bytes:
    """:func:`frame` as UTF-8. A lone surrogate becomes U+FFFD; an object JSON cannot hold is left out
    (logged): the rest of the frame always goes out."""
    try:
        text = frame(objects)
    except (TypeError, ValueError):
        parts = []
        for obj in objects:
            try:
                parts.append(json.dumps(obj, ensure_ascii=False))
            except (TypeError, ValueError) as exc:
                log.warning("an object left out of a frame: %s", exc)
        text = parts[0] if len(parts) == 1 else "[" + ",".join(parts) + "]"
    try:
        return text.encode()
    except UnicodeEncodeError:
        # UTF-16 keeps a lone surrogate as itself; decoding it back pairs the halves that pair and
        # replaces the lone ones.
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace").encode()


class RoomServer:
    """A generic-protocol room on a websocket. Subclasses implement :meth:`produce` (the task that
    makes and broadcasts events) and :meth:`on_command`.

    Attributes:
        clients: the connections that got their ``hello``.
        bad_frames: client frames (or items) that broke the protocol.
        dropped: clients dropped as too slow (their send buffer passed :attr:`max_client_buffer`).
    """

    task_name = "room"
    #: Whether a bad client frame is logged with an excerpt. The hub turns it off: a seat's frames
    #: may carry its token.
    log_bad_frames = True
    #: Bytes that may wait in a client's send buffer before it is dropped as too slow (None: no limit).
    max_client_buffer: int | None = None
    #: Fields this room adds to its ``hello`` (a replay says ``"replay": true``).
    hello_fields: ClassVar[dict[str, Any]] = {}

    def __init__(self, host: str, room_id: str, title: str) -> None:
        self.host = host
        self.room_id = room_id
        self.title = title
        self.port = 0
        self.clients: set[ServerConnection] = set()
        self.bad_frames = 0
        self.dropped = 0
        self._closing: dict[ServerConnection, asyncio.Task[None]] = {}  # dropped, close handshake running
        self._server: Server | None = None
        self._producer: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"ws://{host}:{self.port}"

    async def _start(self, port: int) -> None:
        # compression=None: rooms are usually on loopback, where deflate only costs CPU.
        self._server = await serve(self._handle, self.host, port, compression=None, max_size=2**20)
        self.port = self._server.sockets[0].getsockname()[1]
        self._producer = asyncio.create_task(self.produce(), name=self.task_name)
        self._producer.add_done_callback(self._log_crash)

    # -- for subclasses ---------------------------------------------------------------------------
    async def produce(self) -> None:
        """Make events and :meth:`broadcast` them until cancelled."""
        raise NotImplementedError

    def on_command(self, item: dict[str, Any]) -> dict[str, Any]:
        """The ack for one ``command`` object."""
        raise NotImplementedError

    def on_join(self, ws: ServerConnection) -> None:
        """A client got its ``hello`` and joined the broadcast."""

    def on_leave(self, ws: ServerConnection) -> None:
        """A connection ended (whether or not it was admitted)."""

    async def admit(self, ws: ServerConnection) -> bool:
        """Runs before ``hello``: return False to turn the connection away (having told it why and
        closed it). Every client is admitted unless a subclass authenticates (app/rooms/hub.py)."""
        return True

    def command_from(self, ws: ServerConnection | None, item: dict[str, Any]) -> dict[str, Any]:
        """The ack for one ``command`` object from the connection ``ws``; by default who sent it does
        not matter (:meth:`on_command`)."""
        return self.on_command(item)

    def broadcast(self, objects: list[dict[str, Any]]) -> None:
        """Send ``objects`` to every client, in frames of at most :data:`MAX_BATCH`; first drop the
        clients whose send buffer still holds more than :attr:`max_client_buffer` bytes."""
        limit = self.max_client_buffer
        if limit is not None:
            for ws in [ws for ws in self.clients if _queued(ws) > limit]:
                self._drop_slow(ws)
        if self.clients:
            for i in range(0, len(objects), MAX_BATCH):
                broadcast(self.clients, frame_bytes(objects[i : i + MAX_BATCH]), text=True)

    def queued_bytes(self) -> int:
        """Bytes waiting in the send buffers of every client, dropped ones still closing included."""
        return sum(_queued(ws) for ws in (*self.clients, *self._closing))

    def _drop_slow(self, ws: ServerConnection) -> None:
        self.clients.discard(ws)
        self.dropped += 1
        log.warning("%s: a client that does not read was dropped (%d KiB waiting to be sent to it)",
                    self.task_name, _queued(ws) // 1024)
        reason = tr("接收太慢，已断开")
        task = asyncio.ensure_future(ws.close(TOO_SLOW, reason))
        self._closing[ws] = task
        task.add_done_callback(lambda _: self._closing.pop(ws, None))

    # -- the protocol -------------------------------------------------------------------------------
    async def _handle(self, ws: ServerConnection) -> None:
        hello = {"type": "hello", "protocol": PROTOCOL, "v": PROTOCOL_VERSION, "room_id": self.room_id,
                 "title": self.title, **self.hello_fields}
        try:
            if not await self.admit(ws):
                return
            await ws.send(json.dumps(hello, ensure_ascii=False))
            # Joined only after hello went out, so that hello is every client's first frame.
            self.clients.add(ws)
            self.on_join(ws)
            async for message in ws:
                replies = self.answer(message, ws)
                if replies:
                    await ws.send(frame_bytes(replies), text=True)
        except ConnectionClosed:
            pass
        finally:
            self.clients.discard(ws)
            self.on_leave(ws)

    def answer(self, message: str | bytes, ws: ServerConnection | None = None) -> list[dict[str, Any]]:
        """The replies to one client frame (from ``ws``): a pong, an ack or an error per object."""
        if isinstance(message, bytes):
            return [self._bad("binary frames are not part of the protocol", message)]
        try:
            data = json.loads(message)
        except ValueError:
            return [self._bad("not JSON", message)]
        replies = []
        for item in data if isinstance(data, list) else [data]:
            if not isinstance(item, dict):
                replies.append(self._bad("a frame holds objects", message))
            elif item.get("type") == "command":
                replies.append(self.command_from(ws, item))
            elif item.get("type") == "ping":
                replies.append({"type": "pong", "ts": time.time()})
            else:
                replies.append(self._bad(f"unknown type {item.get('type')!r}", message))
        return replies

    def _bad(self, reason: str, message: str | bytes) -> dict[str, Any]:
        self.bad_frames += 1
        if self.log_bad_frames:
            log.warning("%s: bad client frame (%s): %.80r", self.task_name, reason, message)
        else:
            log.warning("%s: bad client frame (%s)", self.task_name, reason)
        return {"type": "error", "reason": reason}

    def _log_crash(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("%s crashed", self.task_name, exc_info=task.exception())

    async def close(self, farewell: dict[str, Any] | None = None) -> None:
        """Stop producing, send ``farewell`` (if any) to every client, stop listening, disconnect."""
        if self._producer is not None:
            self._producer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._producer
            self._producer = None
        if self._server is not None:
            if farewell is not None and self.clients:
                broadcast(self.clients, json.dumps(farewell, ensure_ascii=False))
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for ws, task in list(self._closing.items()):  # dropped clients that never read their close
            if ws.transport is not None:
                ws.transport.abort()
            with contextlib.suppress(Exception):
                await task


def _queued(ws: ServerConnection) -> int:
    transport = ws.transport
    return transport.get_write_buffer_size() if transport is not None else 0
