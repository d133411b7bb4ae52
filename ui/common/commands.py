"""The UI's one way to send an operator command: execute it on the engine and say what happened.

Widgets and hotkeys never change state themselves; they call :meth:`CommandRunner.run`. A rejected
command is an expected error the operator can act on: its reason (already in the UI language) is
emitted on :attr:`CommandRunner.message` for the status bar, never raised.

On a seat of a ``livedeck host`` a command waits for the host (app/connectors/seat.py): the runner says
"等待主播端确认…" at once, then, when the engine finishes it, the ``done`` text (the host applied it) or
the host's reason (it refused) — also for commands other widgets sent.
"""

from __future__ import annotations

import logging
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal

from app.core.events import Command
from app.core.i18n import tr
from app.engine.commands import CommandResult, label
from app.engine.session import SessionEngine

log = logging.getLogger("livedeck.ui.commands")


class CommandRunner(QObject):
    """Sends commands as the local operator.

    Signals:
        message(text, is_error): what the operator should read now (a rejection's reason, or a
            short confirmation).
    """

    message = Signal(str, bool)

    def __init__(self, engine: SessionEngine, actor: str = "local", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.actor = actor
        #: The last message shown (tests and the status bar read it).
        self.last_message = ""
        self._waiting: dict[str, str] = {}  # command id → its ``done`` text, while the host decides
        unsubscribe = engine.subscribe_results(self._on_result)
        self.destroyed.connect(lambda *_: unsubscribe())

    def run(self, name: str, args: dict[str, Any] | None = None, *, command_id: str | None = None,
            done: str = "") -> CommandResult:
        """Execute ``name`` with ``args``; report a rejection (or ``done`` when it applied)."""
        command = Command(name, dict(args or {}), self.actor)
        if command_id is not None:
            command = Command(name, dict(args or {}), self.actor, command_id)
        result = self.engine.execute(command)
        if result.result == "rejected":
            self.say(tr("操作被拒绝：{reason}", reason=result.reason), error=True)
        elif result.result == "duplicate":
            self.say(result.reason, error=True)
        elif result.result == "pending":
            self._waiting[command.command_id] = done
            self.say(result.reason)
        elif done:
            self.say(done)
        return result

    def _on_result(self, result: CommandResult) -> None:
        """The host's answer to a command that waited for it (ours or another widget's)."""
        if not shiboken6.isValid(self):
            return
        done = self._waiting.pop(result.command.command_id, "")
        if result.applied:
            self.say(done or tr("主播端已执行：{command}", command=label(result.command.name)))
        else:
            self.say(result.reason, error=True)

    def say(self, text: str, *, error: bool = False) -> None:
        self.last_message = text
        log.info("%s", text)
        self.message.emit(text, error)
