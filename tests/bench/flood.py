"""A flood server in its own process: pre-built frames, as fast as loopback takes them.

The ingest bench (bench_ingest.py) measures a client from the first frame sent to the last row visible
in SQLite. The server runs in a child process so that building and sending frames is not billed to the
client under test, and so both clients of one comparison face the very same sender. Each connection gets
the whole list; for Bilibili the server first answers the client's auth packet as the real one does.

``FloodServer(build)`` builds its frames in the child from ``build`` (a module-level function, so it
pickles); ``server.first_sent()`` returns the ``time.perf_counter()`` at which the latest connection's
first frame left (the monotonic clock is shared by processes on one machine).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections.abc import Callable
from typing import Any

Frames = list[str] | list[bytes]


def _run(build: Callable[[], Frames], handshake: bool, ports: Any, starts: Any) -> None:
    from websockets.asyncio.server import ServerConnection, serve
    from websockets.exceptions import ConnectionClosed

    from tests.fakes.bilibili_server import auth_reply

    frames = build()

    async def handler(ws: ServerConnection) -> None:
        try:
            if handshake:
                await ws.recv()  # the auth packet
                await ws.send(auth_reply(0))
            starts.put(time.perf_counter())
            for frame in frames:
                await ws.send(frame)
            async for _ in ws:  # heartbeats; wait for the client to leave
                pass
        except ConnectionClosed:
            pass

    async def main() -> None:
        async with serve(handler, "127.0.0.1", 0, compression=None, max_size=None) as server:
            ports.put(next(iter(server.sockets)).getsockname()[1])
            await asyncio.Future()

    asyncio.run(main())


class FloodServer:
    """``with FloodServer(build, handshake=False) as server: server.url``."""

    def __init__(self, build: Callable[[], Frames], *, handshake: bool = False) -> None:
        context = multiprocessing.get_context("spawn")
        self._ports = context.Queue()
        self._starts = context.Queue()
        self._process = context.Process(target=_run, args=(build, handshake, self._ports, self._starts),
                                        daemon=True)
        self.port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/sub"

    def first_sent(self) -> float:
        """When the latest connection's first frame was sent (``time.perf_counter()``)."""
        return float(self._starts.get(timeout=60))

    def __enter__(self) -> FloodServer:
        self._process.start()
        self.port = int(self._ports.get(timeout=600))  # building 100,000 events on a busy machine
        return self

    def __exit__(self, *exc: object) -> None:
        self._process.terminate()
        self._process.join(10)
