"""What every independent server shares: a websocket server in its own thread playing a script, and
the :class:`Expected` outcome a show carries.

Written only from the protocol documents (``docs/protocols/*.md``, ``docs/protocol.md``) and the user
docs, like the servers beside it (see the package's docstring).
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

BIG = 2**53  # ids above this lose digits as floats

# Steps of a script: ("text", str) · ("binary", bytes) · ("sleep", seconds) · ("drop",)
Step = tuple[Any, ...]


@dataclass
class Expected:
    """What the session log must contain after the show."""

    comments: list[dict[str, Any]] = field(default_factory=list)  # in order: user_id, user_name, text
    gifts: dict[str, int] = field(default_factory=dict)  # gift name -> total count
    gift_amount_fen: dict[str, int] = field(default_factory=dict)  # gift name -> total fen
    follows: list[str] = field(default_factory=list)  # user_ids
    enters: list[str] = field(default_factory=list)
    shares: list[str] = field(default_factory=list)
    viewer_counts: list[int] = field(default_factory=list)  # viewer_stats.count, in order
    total_viewers: list[int] = field(default_factory=list)  # extra.total_viewers seen
    likes: int | None = None  # SUM(count) over likes, when the show sends likes
    forbidden_texts: list[str] = field(default_factory=list)  # texts only broken frames carry
    broken_frames: int = 0  # how many broken frames/items the show sends (informative)


class ScriptedServer:
    """A websocket server in its own thread and loop; subclasses implement ``handle``."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name=type(self).__name__, daemon=True)
        self.ready = threading.Event()
        self.port = 0
        self.connections = 0
        self.errors: list[str] = []  # protocol violations the server saw from the client
        self.events_log: list[str] = []  # what happened, for failure messages
        self._stop: asyncio.Event | None = None

    # lifecycle ---------------------------------------------------------------------------------

    def start(self) -> str:
        self.thread.start()
        if not self.ready.wait(10):
            raise RuntimeError("server did not start")
        return self.url

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{self.path}"

    path = ""

    def stop(self) -> None:
        if self._stop is not None and self.thread.is_alive():
            self.loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(10)

    def __enter__(self) -> ScriptedServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._main())
        finally:
            self.loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        async with serve(self._handler, "127.0.0.1", 0, max_size=None, ping_interval=None, compression=None) as server:
            self.port = server.sockets[0].getsockname()[1]
            self.ready.set()
            await self._stop.wait()
            server.close()
            await server.wait_closed()

    async def _handler(self, ws: ServerConnection) -> None:
        self.connections += 1
        n = self.connections
        self.events_log.append(f"connection {n} from {ws.remote_address}")
        try:
            await self.handle(ws, n)
        except ConnectionClosed as exc:
            self.events_log.append(f"connection {n} closed: {exc!r}")
        except Exception as exc:  # never let the thread raise: record instead
            self.errors.append(f"connection {n}: server error {exc!r}")

    async def handle(self, ws: ServerConnection, n: int) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # helpers -----------------------------------------------------------------------------------

    async def play(self, ws: ServerConnection, steps: list[Step]) -> None:
        for step in steps:
            what = step[0]
            if what == "text":
                await ws.send(step[1])
            elif what == "binary":
                await ws.send(step[1])  # bytes -> binary frame
            elif what == "sleep":
                await asyncio.sleep(step[1])
            elif what == "drop":
                # let the client read what was sent, then cut the TCP link without a close frame
                await asyncio.sleep(0.6)
                self.events_log.append("drop")
                ws.transport.abort()
                return
            else:  # pragma: no cover
                raise ValueError(step)
            await asyncio.sleep(0.005)

    async def linger(self, ws: ServerConnection, seconds: float = 20.0) -> None:
        """After the show: keep the link open (reading client frames) until the client goes."""
        try:
            async with asyncio.timeout(seconds):
                async for _ in ws:
                    pass
        except TimeoutError:
            self.events_log.append("client did not leave after the live ended")


def to_json(obj: Any) -> str:
    """``obj`` as the JSON text a server sends (non-ASCII kept as is)."""
    return json.dumps(obj, ensure_ascii=False)
