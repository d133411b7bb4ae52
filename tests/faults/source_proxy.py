"""A TCP proxy between a source and a real websocket server that can go silent: the dead link of a real network.

Until :meth:`BlackholeProxy.blackhole` is called it forwards bytes both ways. After it, it keeps both
connections open but swallows every byte, so the far end neither sends frames nor answers a close —
what a source sees when a Wi-Fi drops or a NAT forgets the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

from websockets.asyncio.server import ServerConnection, serve


class BlackholeProxy:
    """Forwards ``127.0.0.1:<port>`` to ``upstream_port`` until told to go silent."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.silent = False
        self.port = 0
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: list[asyncio.StreamWriter] = []

    def blackhole(self) -> None:
        """From now on every byte either way is swallowed; no connection is closed."""
        self.silent = True

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                if not self.silent:
                    writer.write(data)
                    await writer.drain()

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        self._writers += [client_writer, up_writer]
        for reader, writer in ((client_reader, up_writer), (up_reader, client_writer)):
            task = asyncio.create_task(self._pipe(reader, writer))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for writer in self._writers:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


@contextlib.asynccontextmanager
async def blackhole_proxy(upstream_port: int) -> AsyncIterator[BlackholeProxy]:
    """A started :class:`BlackholeProxy`, closed on exit."""
    proxy = BlackholeProxy(upstream_port)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.close()


@contextlib.asynccontextmanager
async def behind_proxy(handler: Callable[[ServerConnection], Awaitable[None]]) -> AsyncIterator[BlackholeProxy]:
    """A real websocket server running ``handler``, reached through a :class:`BlackholeProxy`."""
    async with serve(handler, "127.0.0.1", 0) as server, blackhole_proxy(server.sockets[0].getsockname()[1]) as proxy:
        yield proxy
