"""Connectors carry the engine's room commands out: to the room the source reads (the demo room, a
generic-protocol bridge) and/or to a URL the shop configures.

The engine decides *what* the room should be told (:meth:`SessionEngine.subscribe_outbound`: explain,
stop_explain, start_flash_sale, stop_flash_sale, drop_coupon with protocol args and the operator's
``command_id``); a connector only delivers it, fire-and-forget, and records the room's ack in
``actions`` (a row ``<command>.ack`` with ``command_id`` ``<id>/ack``). Delivery never blocks the engine.
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from typing import Any

from app.core.events import Command
from app.engine.session import SessionEngine

log = logging.getLogger("livedeck.connectors")

Sender = Callable[[Command], Awaitable[dict[str, Any]]]


class RoomConnector:
    """Forwards the engine's room commands through ``sender`` (e.g. ``GenericSource.send_command``).

    Args:
        engine: the engine whose outbound commands to forward.
        sender: an async function sending one command and returning the ack dict
            (``{"result": "applied"|"duplicate"|"rejected"|"undelivered", "reason": ...}``).
        actor: whose answer the ack rows record: ``room`` (the source's room) or ``webhook``
            (the ``room_webhook`` endpoint, app/connectors/webhook.py).

    Call :meth:`close` (or ``await aclose()``) to stop; pending sends are awaited by :meth:`aclose`.
    """

    def __init__(self, engine: SessionEngine, sender: Sender, *, actor: str = "room") -> None:
        self.engine = engine
        self.sender = sender
        self.actor = actor
        self._tasks: set[asyncio.Task[None]] = set()
        self._unsubscribe: Callable[[], None] | None = engine.subscribe_outbound(self._forward)

    def _forward(self, command: Command) -> None:
        session_id = self.engine.state.session_id  # the ack belongs to this show, however late it comes
        task = asyncio.get_running_loop().create_task(self._deliver(command, session_id),
                                                      name=f"room-{command.name}")
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("forwarding a command failed", exc_info=task.exception())

    async def _deliver(self, command: Command, session_id: int | None) -> None:
        try:
            ack = await self.sender(command)
        except Exception as exc:  # a broken sender must not lose the record of the attempt
            log.exception("sending %s to the room failed", command.name)
            ack = {"result": "undelivered", "reason": str(exc)}
        self.engine.record_ack(command, ack, actor=self.actor, session_id=session_id)

    @property
    def pending(self) -> int:
        """Commands sent whose ack has not come yet."""
        return len(self._tasks)

    def close(self) -> None:
        """Stop forwarding new commands (pending ones finish on their own)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    async def aclose(self, wait_s: float = 6.0) -> None:
        """Stop forwarding and wait (up to ``wait_s``) for the acks of commands already sent."""
        self.close()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=wait_s)


def post_json(url: str, payload: dict[str, Any], timeout: float = 5.0) -> dict[str, Any]:
    """POST ``payload`` as UTF-8 JSON; returns the JSON answer, or ``{"result": ...}`` from the status.

    Blocking: run it in a thread (:class:`app.connectors.webhook.HttpSender` does).
    """
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return {"result": "rejected", "reason": f"HTTP {exc.code}"}
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        return {"result": "undelivered", "reason": str(getattr(exc, "reason", exc))}
    try:
        answer = json.loads(text) if text.strip() else {}
    except ValueError:
        answer = {}
    if not isinstance(answer, dict) or "result" not in answer:
        return {"result": "applied", "reason": "HTTP 2xx"}
    return answer

