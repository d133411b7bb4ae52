"""The generic outbound connector: every room command, also sent to a URL the shop configures.

The ``room_webhook`` setting names an ``http(s)://`` URL (each command POSTed as JSON) or a ``ws(s)://``
URL (one websocket kept open, each command sent as a text frame, its ``ack`` awaited). The frame is the
generic protocol's command object (docs/protocol.md §3.1 and §7), byte for byte what the event websocket
would carry. The answer is recorded in ``actions`` as an ack row (actor ``webhook``); a failure — server
down, timeout, HTTP error — is such a row too, logged at most once a minute, and never raises.

A shop's URL may carry a token in its query string or user info: logs and ack reasons name only its
scheme, host and port (:func:`describe_url`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from app.connectors.room import post_json
from app.core.events import Command
from app.core.log import describe_url

log = logging.getLogger("livedeck.connectors.webhook")

SCHEMES = ("http", "https", "ws", "wss")
TIMEOUT_S = 5.0
#: A failure is logged at most this often per connector (a dead endpoint fails every command).
FAILURE_LOG_EVERY_S = 60.0


def check_url(url: str) -> str:
    """``url`` stripped, if it is an http(s):// or ws(s):// URL with a host; ValueError otherwise."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        # Whitespace or control characters inside would only fail later, in the HTTP client, with an
        # error that quotes the whole URL (token included).
        ok = parts.scheme in SCHEMES and bool(parts.hostname) and url.isprintable() and " " not in url
        _ = parts.port  # a bad port raises here
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"room_webhook must be an http(s):// or ws(s):// URL, not {describe_url(url)!r}")
    return url


def command_frame(command: Command) -> dict[str, Any]:
    """The generic protocol's command object (docs/protocol.md §3.1)."""
    return {"type": "command", "command_id": command.command_id, "name": command.name, "args": command.args}


class OutboundSender:
    """Sends one command and returns the ack dict; see :func:`make_sender`. Never raises.

    Commands go one at a time, in the order they were issued: a receiver must never see "explain 4"
    before the "explain 3" that came first.
    """

    def __init__(self, url: str, timeout: float = TIMEOUT_S) -> None:
        self.url = check_url(url)
        self.target = describe_url(self.url)
        self.timeout = timeout
        self._last_logged = float("-inf")
        self._unlogged = 0
        self._in_order = asyncio.Lock()  # asyncio locks are fair: waiters get it first come, first served

    async def __call__(self, command: Command) -> dict[str, Any]:
        try:
            async with self._in_order:
                ack = await self._send(command)
        except Exception as exc:  # a bug here must not lose the record of the attempt
            log.exception("sending %s to %s failed", command.name, self.target)
            ack = {"result": "undelivered", "reason": type(exc).__name__}
        result = ack.get("result")
        if result not in ("applied", "duplicate"):
            ack = {**ack, "reason": self._scrub(str(ack.get("reason", "")))}
            self._log_failure(command, ack)
        return ack

    async def _send(self, command: Command) -> dict[str, Any]:
        raise NotImplementedError

    async def aclose(self) -> None:
        """Release the connection, if any."""

    def _scrub(self, text: str) -> str:
        """``text`` without the URL's secrets (error texts of some libraries quote the URL they failed on)."""
        parts = urlsplit(self.url)
        text = text.replace(self.url, self.target)
        userinfo = parts.netloc.rpartition("@")[0]
        for secret in (parts.query, userinfo):
            if secret:
                text = text.replace(secret, "…")
        return text

    def _log_failure(self, command: Command, ack: dict[str, Any]) -> None:
        now = time.monotonic()
        if now - self._last_logged < FAILURE_LOG_EVERY_S:
            self._unlogged += 1
            return
        since = f" ({self._unlogged} more since the last report)" if self._unlogged else ""
        log.warning("room_webhook %s: %s %s: %s%s", self.target, command.name, ack.get("result"),
                    ack.get("reason", ""), since)
        self._last_logged = now
        self._unlogged = 0


class HttpSender(OutboundSender):
    """POSTs each command frame (docs/protocol.md §7); the answer's ack, or one made from the status."""

    async def _send(self, command: Command) -> dict[str, Any]:
        return await asyncio.to_thread(post_json, self.url, command_frame(command), self.timeout)


class WebSocketSender(OutboundSender):
    """Keeps one websocket open to the URL; sends each command frame and waits for its ``ack``.

    Commands go one at a time, in order. A connection found closed is reopened once for the same
    command (the protocol's idempotency by ``command_id`` makes the resend safe).
    """

    def __init__(self, url: str, timeout: float = TIMEOUT_S) -> None:
        super().__init__(url, timeout)
        self._conn: ClientConnection | None = None

    async def _send(self, command: Command) -> dict[str, Any]:
        text = json.dumps(command_frame(command), ensure_ascii=False)
        # One command at a time: the base class holds its in-order lock around this call.
        for attempt in (1, 2):
            reused = self._conn is not None
            try:
                async with asyncio.timeout(self.timeout):
                    if self._conn is None:
                        self._conn = await connect(self.url, open_timeout=self.timeout, max_size=2**20)
                    await self._conn.send(text)
                    return await self._ack(self._conn, command.command_id)
            except TimeoutError:
                await self._drop()  # a late ack must not answer the next command
                return {"result": "undelivered", "reason": f"no ack within {self.timeout:g} s"}
            except (OSError, WebSocketException) as exc:
                await self._drop()
                if reused and attempt == 1:
                    continue
                return {"result": "undelivered", "reason": str(exc) or type(exc).__name__}
        return {"result": "undelivered", "reason": "connection lost"}  # pragma: no cover - loop returns

    @staticmethod
    async def _ack(conn: ClientConnection, command_id: str) -> dict[str, Any]:
        while True:
            raw = await conn.recv()
            try:
                frame = json.loads(raw)
            except ValueError:
                continue
            if isinstance(frame, dict) and frame.get("type") == "ack" and frame.get("command_id") == command_id:
                return {k: v for k, v in frame.items() if k in ("result", "reason")}

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()

    async def aclose(self) -> None:
        async with self._in_order:
            await self._drop()


def make_sender(url: str, timeout: float = TIMEOUT_S) -> OutboundSender:
    """The sender for ``url``: :class:`HttpSender` for http(s)://, :class:`WebSocketSender` for ws(s)://.

    Raises:
        ValueError: not such a URL.
    """
    url = check_url(url)
    if url.startswith(("ws://", "wss://")):
        return WebSocketSender(url, timeout)
    return HttpSender(url, timeout)
