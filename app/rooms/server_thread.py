"""A websocket server on its own asyncio loop in a daemon thread (the embedded demo room, replays).

The GUI connects to :attr:`ServerThread.url` like to any other room, so the embedded servers exercise
the same code path as a real source, and a busy server never costs the GUI loop a frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Protocol

log = logging.getLogger("livedeck.server_thread")


class Serving(Protocol):
    """What a started server offers: its address and a way to close it."""

    @property
    def url(self) -> str: ...

    async def close(self) -> None: ...


class ServerThread:
    """Runs the server ``start_server()`` returns until :meth:`stop`.

    Args:
        name: the thread's name (and how errors call the server).
        start_server: a coroutine function that starts the server on the thread's loop.
    """

    def __init__(self, name: str, start_server: Callable[[], Awaitable[Serving]]) -> None:
        self._name = name
        self._start_server = start_server
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._server: Serving | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError(f"{self._name} is not running")
        return self._server.url

    def start(self, timeout: float = 10.0) -> str:
        """Start the server; returns its URL once it listens. Its start-up error is raised here."""
        if self._thread is not None:
            raise RuntimeError(f"{self._name} is already running")
        self._ready.clear()
        self._error = None
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError(f"{self._name} did not start")
        if self._error is not None:
            self._thread.join()
            self._thread = None
            raise self._error
        return self.url

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:
            if self._ready.is_set():
                log.exception("%s failed", self._name)
            else:  # handed to start(), which raises it in the caller's thread
                self._error = exc
                self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._server = await self._start_server()
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await self._server.close()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the server and wait for its thread to end. Safe to call twice."""
        thread, loop, stop = self._thread, self._loop, self._stop
        if thread is None:
            return
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop may have just finished
                loop.call_soon_threadsafe(stop.set)
        thread.join(timeout)
        self._thread = None
