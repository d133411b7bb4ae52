"""A seat's commands wait for the host: a seat console never shows what the host did not do.

A console that joined a ``livedeck host`` as a seat (its generic source carries a ``token``,
docs/protocol.md §8) reads the host's show, so its own state must follow the host's. :class:`SeatRelay`
is the seat engine's command gate (:meth:`SessionEngine.set_gate`): each operator command goes to the
host first, with the engine's name, args and ``command_id``, and the seat's engine runs it only when the
host's ack says ``applied``. A refusal finishes it as rejected with the host's reason, which the command
runner shows; no answer (not connected, no ack in time) is rejected too, and may be sent again with the
same ``command_id``. The host's ack is logged as one more ``actions`` row (``<name>.ack``, actor
``host``, ``command_id`` ``<id>/host``).

What the host then tells the room goes out through the host's own connectors, so a seat does not forward
room commands itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from app.core.events import Command
from app.core.i18n import tr
from app.engine.session import SessionEngine

log = logging.getLogger("livedeck.connectors.seat")

Sender = Callable[[Command], Awaitable[dict[str, Any]]]

#: Commands a seat runs on its own: they name a comment by its ``seq``, which is this log's numbering
#: (the host numbers the same comments differently), so they pin in this console's feed only.
LOCAL_COMMANDS = frozenset({"pin_comment", "unpin_comment"})
#: How much of the host's reason is kept (it is shown and logged).
MAX_REASON = 200


class SeatRelay:
    """Sends the seat engine's commands to the host and finishes each with the host's answer.

    Args:
        engine: the seat's engine (a gate is set on it until :meth:`close`).
        sender: sends one command and returns the ack dict (``GenericSource.send_command``).
    """

    def __init__(self, engine: SessionEngine, sender: Sender) -> None:
        self.engine = engine
        self.sender = sender
        self._tasks: set[asyncio.Task[None]] = set()
        self._remove_gate: Callable[[], None] | None = engine.set_gate(self._take)

    def _take(self, command: Command) -> bool:
        if command.name in LOCAL_COMMANDS:
            return False
        task = asyncio.get_running_loop().create_task(self._relay(command, self.engine.state.session_id),
                                                      name=f"seat-{command.name}")
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return True

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("relaying a command to the host failed", exc_info=task.exception())

    async def _relay(self, command: Command, session_id: int | None) -> None:
        try:
            ack = await self.sender(command)
        except Exception as exc:  # a broken sender must not leave the command waiting for ever
            log.exception("sending %s to the host failed", command.name)
            ack = {"result": "undelivered", "reason": str(exc)}
        result = ack.get("result")
        reason = str(ack.get("reason") or "")[:MAX_REASON]
        if result == "applied":
            self.engine.confirm(command, True)
        elif result in ("rejected", "duplicate"):
            self.engine.confirm(command, False, tr("主播端拒绝了：{reason}", reason=reason or str(result)))
        else:
            self.engine.confirm(command, False, remember=False, reason=tr(
                "没有收到主播端的确认（{why}），本机没有执行", why=_why_undelivered(reason)))
        self.engine.record_ack(command, ack, actor="host", session_id=session_id)

    @property
    def pending(self) -> int:
        """Commands sent to the host whose answer has not come yet."""
        return len(self._tasks)

    def close(self) -> None:
        """Stop taking commands over (those sent still finish when their answer comes)."""
        if self._remove_gate is not None:
            self._remove_gate()
            self._remove_gate = None

    async def aclose(self, wait_s: float = 6.0) -> None:
        """Stop taking commands over and wait (up to ``wait_s``) for the answers to those already sent."""
        self.close()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=wait_s)


def _why_undelivered(reason: str) -> str:
    """``GenericSource.send_command``'s English reason, in the UI language."""
    if reason == "not connected":
        return tr("未连接主播端")
    if reason == "no ack":
        return tr("主播端没有应答")
    return reason or tr("未送达")
