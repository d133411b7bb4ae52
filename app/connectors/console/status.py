"""The console connection's health, for the UI header, the connect dialog and ``livedeck record``.

:class:`ConsoleStatus` is a snapshot, like a source's ``SourceStatus``: the connector replaces it when
something changes and tells its status listeners (``ConsoleConnector.add_status_listener``), on the
connector's own thread — a Qt view hops to its thread before touching widgets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from app.core.i18n import tr
from app.engine.commands import COMMANDS


class ConsoleState(StrEnum):
    STARTING = "starting"  # the browser is opening the console page
    LOGIN_NEEDED = "login_needed"  # the page went to the login page: scan the QR code in the window
    CONNECTED = "connected"  # logged in, on the live-control page
    FAILED = "failed"  # the browser could not start or the page cannot be used (reason says why)
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class ConsoleStatus:
    """A snapshot of the console connection.

    Attributes:
        state: where the connection stands.
        reason: the last problem, in the UI language ('' when none).
        capabilities: what the platform's profile says it can do.
        logged_in: the page showed a logged-in account.
        account: the account name the page shows ('' when unknown).
        done: actions the page carried out.
        failed: actions that failed (each one logged and kept in ``actions``).
        events: events read from the page's responses and handed to the engine.
        malformed: response rows skipped because they broke the expected shape.
    """

    state: ConsoleState = ConsoleState.STARTING
    reason: str = ""
    capabilities: frozenset[str] = frozenset()
    logged_in: bool = False
    account: str = ""
    done: int = 0
    failed: int = 0
    events: int = 0
    malformed: int = 0

    def label(self) -> str:
        """Where the connection stands, in a few words of the UI language (without the reason)."""
        return {
            ConsoleState.STARTING: tr("正在打开中控台…"),
            ConsoleState.LOGIN_NEEDED: tr("请在浏览器窗口中登录（扫码）"),
            ConsoleState.CONNECTED: tr("中控台已连接"),
            ConsoleState.FAILED: tr("中控台不可用"),
            ConsoleState.STOPPED: tr("中控台已断开"),
        }[self.state]

    def describe(self) -> str:
        """One line for a status indicator, in the UI language."""
        label = self.label()
        return f"{label}：{self.reason}" if self.reason else label


#: The capabilities that are not console commands (a command's capability is named and labelled as the
#: command, app/engine/commands.py), in the words the UI shows.
EXTRA_CAPABILITY_LABELS: dict[str, Callable[[], str]] = {
    "pin_comment_on_send": lambda: tr("置顶"),
    "read_comments": lambda: tr("读评论"),
    "read_orders": lambda: tr("读订单"),
    "read_products": lambda: tr("读商品"),
}


#: Console commands whose capability reads better in the page's own terms than as the command's label.
COMMAND_CAPABILITY_LABELS: dict[str, Callable[[], str]] = {
    "pin_comment": lambda: tr("评论上墙"),  # 视频号's 上墙 of a viewer's comment, LiveDeck's 置顶评论
}


def capability_names(capabilities: Iterable[str]) -> list[str]:
    """``capabilities`` in the UI's words: the commands' labels in command-table order, then the extras."""
    have = set(capabilities)
    labels = [*((n, COMMAND_CAPABILITY_LABELS.get(n, spec.label)) for n, spec in COMMANDS.items() if spec.console),
              *EXTRA_CAPABILITY_LABELS.items()]
    return [label() for name, label in labels if name in have]
