"""What a commerce handler hands back to the engine, and what it may use while it runs.

Handlers in ``app/commerce/`` are plain functions over explicit state. They never call the engine:
they get a :class:`Context` (the state, the command, the clock readings) and record their effects on
it — what changed (:class:`Change`), system events to emit, commands for the room, extra ``actions``
rows, whether the product list must be saved. The engine's command pipeline (app/engine/session.py)
applies those effects in one place. A refusal the operator can act on is a :class:`CommandError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from app.core.events import Command, Kind, LiveEvent
from app.core.i18n import tr

if TYPE_CHECKING:
    from app.commerce.catalog import Product
    from app.commerce.state import CommerceState


class ChangeKind(StrEnum):
    """Which part of the commerce state a :class:`Change` is about."""

    CATALOG = "catalog"  # the product list was replaced
    QUEUE = "queue"  # order (key None, or the moved 序号 with ``moved``) or 上架/下架 (key = 序号)
    PRODUCT = "product"  # a product's fields were edited (key = 序号)
    EXPLAINING = "explaining"  # the explain card (key = 序号)
    PINNED_PRODUCT = "pinned_product"  # the product pinned at the top of the room's cart (key = 序号)
    FLASH_SALE = "flash_sale"  # key = sale id
    COUPON = "coupon"  # key = coupon id
    LUCKY_BAG = "lucky_bag"  # key = bag id
    NOTES = "notes"  # key = the note's command id
    PINNED = "pinned"  # the pinned comment (key = its seq)
    BLOCKED = "blocked"  # a viewer blocked or unblocked (key = their user id)


class ChangeAction(StrEnum):
    ADDED = "added"
    CHANGED = "changed"
    REMOVED = "removed"
    RESET = "reset"
    MOVED = "moved"


@dataclass(frozen=True, slots=True)
class Change:
    """What a command, a batch or a deadline changed, so a view refreshes only that.

    Attributes:
        kind: a :class:`ChangeKind`.
        key: which one (see :class:`ChangeKind`); None for the whole collection.
        action: a :class:`ChangeAction`.
        moved: for a queue move, the product's ``(from, to)`` 0-based positions, so a view moves one
            row instead of comparing the whole order.
    """

    kind: str
    key: Any = None
    action: str = ChangeAction.CHANGED
    moved: tuple[int, int] | None = None


class CommandError(Exception):
    """A command the engine refuses; the message (in the UI language) is the reason shown to the operator."""


@dataclass(slots=True)
class Effects:
    """Everything one command, batch or deadline check did, for the engine to apply.

    Attributes:
        changes: what changed, in order (duplicates are dropped when notified).
        events: system events to apply with the next drain (flash sale started, …).
        outbound: commands for the room (protocol names and args, the operator's command id).
        actions: extra ``actions`` rows: ``(command, logged args, result, detail)``.
        logged_args: added to the command's own args in its ``actions`` row.
        detail: a short note of the effect, logged in ``actions.detail``.
        products_changed: the product list (order, 上架/下架, fields) must be saved to the log.
    """

    changes: list[Change] = field(default_factory=list)
    events: list[LiveEvent] = field(default_factory=list)
    outbound: list[Command] = field(default_factory=list)
    actions: list[tuple[Command, dict[str, Any], str, str]] = field(default_factory=list)
    logged_args: dict[str, Any] = field(default_factory=dict)
    detail: str = ""
    products_changed: bool = False


@dataclass(slots=True)
class Context:
    """What a handler works with: the state, the clock readings of this moment, and its effects.

    Attributes:
        state: the commerce state (the engine's session state).
        now: monotonic seconds (countdown deadlines are on this clock).
        wall: wall-clock unix seconds (what is logged and shown).
        command: the command being executed (None for events and deadlines).
    """

    state: CommerceState
    now: float
    wall: float
    command: Command | None = None
    effects: Effects = field(default_factory=Effects)

    def changed(self, kind: str, key: Any = None, action: str = ChangeAction.CHANGED) -> None:
        self.effects.changes.append(Change(kind, key, action))

    def system(self, text: str, *, product_id: str = "", **extra: Any) -> None:
        """Emit a system event (a notice in the feed and the log), tagged by ``extra``."""
        self.effects.events.append(
            LiveEvent(Kind.SYSTEM, self.wall, text=text, product_id=product_id,
                      extra={"source": "livedeck", **extra})
        )

    def to_room(self, name: str, args: dict[str, Any], *, actor: str | None = None,
                command_id: str | None = None) -> None:
        """Tell the room ``name args`` under the operator's command id (or the given one)."""
        cmd = self.command
        self.effects.outbound.append(Command(
            name, args,
            actor if actor is not None else (cmd.actor if cmd else "engine"),
            command_id if command_id is not None else (cmd.command_id if cmd else ""),
        ))

    def product(self, no: int) -> Product:
        """The product with 序号 ``no``; refused if there is none."""
        product = self.state.queue.get(no)
        if product is None:
            raise CommandError(tr("没有 {no} 号商品", no=no))
        return product
