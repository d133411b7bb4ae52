"""The command table: every operator command declared once.

Each :class:`CommandSpec` says what a command is called (its name, its zh/en label), what it does (its
handler in ``app/commerce/``), what it takes (its argument schema, checked at the door by
:func:`validate_args` with a message naming the bad argument), who may issue it (:class:`Role`),
whether a run-of-show plan may use it, whether it goes on to the room and to the platform's own web
console, and its default hotkey. The engine's pipeline, the hub, plans, the run-of-show dock, the
hotkeys, the F1 sheet and docs/commands.md all read this table; a test keeps the doc and the table equal.

Adding a command: one :class:`CommandSpec` here, its handler in ``app/commerce/<topic>.py``, its test,
its row in docs/commands.md (docs/contributing.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.commerce import coupons, flash_sales, lucky_bags, moderation, notes, queue
from app.commerce.effects import Change, CommandError, Context
from app.core.bounds import MAX_COMMAND_TEXT, MAX_COUNT, MAX_FEN, MAX_NO, SQLITE_MAX
from app.core.events import Command
from app.core.i18n import tr

Handler = Callable[[Context, dict[str, Any]], None]
#: Every bound is app.core.bounds': an INT argument without its own ``high`` is a count (≤ MAX_COUNT).
MAX_INT = MAX_COUNT
MAX_SECONDS = 1e7
MAX_TEXT = MAX_COMMAND_TEXT


class Role(StrEnum):
    """Who issues a command: the anchor's own console (and its plan), an assistant seat, a viewer seat."""

    ANCHOR = "anchor"
    ASSISTANT = "assistant"
    VIEWER = "viewer"


class ArgType(StrEnum):
    INT = "int"  # a whole number (never a bool) in [low, high] (high: app.core.bounds, MAX_COUNT by default)
    SECONDS = "seconds"  # a finite number of seconds > 0 (≥ 0 with low=0)
    TEXT = "text"
    OBJECT = "object"
    LIST = "list"
    BOOL = "bool"  # JSON true or false (never 0/1)


_MISSING: Any = object()


@dataclass(frozen=True, slots=True)
class Arg:
    """One argument of a command. Optional when it has a ``default`` (None is a valid default)."""

    name: str
    type: ArgType
    low: int = 1
    high: int = MAX_COUNT
    default: Any = _MISSING

    @property
    def required(self) -> bool:
        return self.default is _MISSING

    def describe(self) -> str:
        """How docs/commands.md writes it: ``no: int 1–10^6``, ``valid_s?: seconds``."""
        kind = str(self.type)
        if self.type == ArgType.INT:
            kind += f" {self._range()}"
        elif self.type == ArgType.SECONDS:
            kind += " ≥ 0" if self.low == 0 else " > 0"
        return f"{self.name}{'' if self.required else '?'}: {kind}"

    def check(self, value: Any) -> Any:
        """``value`` as the handler gets it, or CommandError naming this argument."""
        if value is None and not self.required:
            return self.default
        if self.type == ArgType.INT:
            if isinstance(value, bool) or not isinstance(value, int) or not self.low <= value <= self.high:
                raise CommandError(tr("参数 {name} 必须是整数（{bound}）", name=self.name, bound=self._range()))
            return value
        if self.type == ArgType.SECONDS:
            ok = (not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)
                  and (value >= 0 if self.low == 0 else value > 0) and value < MAX_SECONDS)
            if not ok:
                raise CommandError(tr("参数 {name} 必须是秒数（大于 0）", name=self.name))
            return float(value)
        if self.type == ArgType.TEXT:
            if not isinstance(value, str):
                raise CommandError(tr("参数 {name} 必须是文本", name=self.name))
            if len(value) > MAX_TEXT:
                raise CommandError(tr("参数 {name} 太长（最多 {limit} 字）", name=self.name, limit=MAX_TEXT))
            return value
        if self.type == ArgType.BOOL:
            if not isinstance(value, bool):
                raise CommandError(tr("参数 {name} 必须是 true 或 false", name=self.name))
            return value
        if self.type == ArgType.OBJECT:
            if not isinstance(value, dict):
                raise CommandError(tr("参数 {name} 必须是对象", name=self.name))
            return value
        if not isinstance(value, list) or not value:
            raise CommandError(tr("参数 {name} 必须是非空列表", name=self.name))
        return value

    def _range(self) -> str:
        """``1–10^12``: a power of ten and SQLite's maximum read as such, not as 13 digits."""
        def bound(n: int) -> str:
            if n == SQLITE_MAX:
                return "2^63−1"
            digits = str(n)
            return f"10^{len(digits) - 1}" if n >= 10**6 and digits.strip("0") == "1" else digits
        return f"{bound(self.low)}–{bound(self.high)}"


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One command. See the module docstring.

    Attributes:
        name: the command's name (also its name on the wire and in ``actions.name``).
        label: its name for people, in the UI language (a function: the language may change).
        handler: applies it to the commerce state.
        args: its argument schema.
        roles: who may issue it.
        plan: a run-of-show plan step may run it.
        room: once applied, the room is told (docs/protocol.md).
        console: it is an action on the platform's own live console page as well.
        catalog: it changes only the product list (order, 上架/下架, fields), which the session saves
            whole: a show continued after a crash takes the saved list instead of running it again
            (app/engine/replay.py).
        hotkey: its default key sequence, if a key sends it directly ("Alt+0").
        hotkey_label: what the F1 sheet calls that key (default: ``label``).
    """

    name: str
    label: Callable[[], str]
    handler: Handler
    args: tuple[Arg, ...] = ()
    roles: frozenset[Role] = frozenset({Role.ANCHOR, Role.ASSISTANT})
    plan: bool = True
    room: bool = False
    console: bool = False
    catalog: bool = False
    hotkey: str = ""
    hotkey_label: Callable[[], str] | None = None

    def allows(self, role: str) -> bool:
        return role in self.roles


_NO = Arg("no", ArgType.INT, high=MAX_NO)
_ANCHOR = frozenset({Role.ANCHOR})

COMMANDS: Mapping[str, CommandSpec] = {spec.name: spec for spec in (
    CommandSpec("load_catalog", lambda: tr("载入商品列表"), queue.load_catalog,
                (Arg("products", ArgType.LIST),), roles=_ANCHOR, plan=False, catalog=True),
    CommandSpec("explain", lambda: tr("讲解"), queue.explain, (_NO,), room=True, console=True),
    CommandSpec("stop_explain", lambda: tr("取消讲解"), queue.stop_explain, room=True, console=True,
                hotkey="Alt+0"),
    CommandSpec("list", lambda: tr("上架"), queue.list_product, (_NO,), catalog=True),
    CommandSpec("unlist", lambda: tr("下架"), queue.unlist_product, (_NO,), catalog=True),
    CommandSpec("move", lambda: tr("调整顺序"), queue.move, (_NO, Arg("to", ArgType.INT, low=0, high=MAX_NO)),
                catalog=True),
    CommandSpec("update_product", lambda: tr("修改商品"), queue.update_product,
                (_NO, Arg("fields", ArgType.OBJECT)), catalog=True),
    CommandSpec("pin_product", lambda: tr("置顶商品"), queue.pin_product, (_NO,), room=True, console=True,
                hotkey="Alt+T", hotkey_label=lambda: tr("置顶正在讲解的商品")),
    CommandSpec("unpin_product", lambda: tr("取消置顶商品"), queue.unpin_product, room=True, console=True),
    CommandSpec("start_flash_sale", lambda: tr("开始秒杀"), flash_sales.start_flash_sale, (
        _NO, Arg("price_fen", ArgType.INT, high=MAX_FEN), Arg("stock", ArgType.INT),
        Arg("limit_per_user", ArgType.INT, default=None),
        Arg("warmup_s", ArgType.SECONDS, low=0, default=0.0), Arg("duration_s", ArgType.SECONDS),
    ), room=True, hotkey="Alt+S", hotkey_label=lambda: tr("开始/结束当前商品的秒杀（没有准备时按默认值）")),
    CommandSpec("stop_flash_sale", lambda: tr("停止秒杀"), flash_sales.stop_flash_sale, (_NO,), room=True),
    CommandSpec("drop_coupon", lambda: tr("发券"), coupons.drop_coupon, (
        Arg("kind", ArgType.TEXT), Arg("coupon_id", ArgType.TEXT, default=""),
        Arg("threshold_fen", ArgType.INT, high=MAX_FEN, default=None),
        Arg("discount_fen", ArgType.INT, high=MAX_FEN, default=None),
        Arg("percent_off", ArgType.INT, high=99, default=None), Arg("quantity", ArgType.INT),
        Arg("per_user_limit", ArgType.INT, default=1), Arg("valid_s", ArgType.SECONDS, default=None),
    ), room=True, hotkey="Alt+C", hotkey_label=lambda: tr("发放准备好的优惠券")),
    CommandSpec("start_lucky_bag", lambda: tr("开始福袋"), lucky_bags.start_lucky_bag, (
        Arg("condition", ArgType.OBJECT), Arg("duration_s", ArgType.SECONDS), Arg("winners", ArgType.INT),
        Arg("seed", ArgType.INT, low=0, high=SQLITE_MAX, default=None),
    )),
    CommandSpec("cancel_lucky_bag", lambda: tr("取消福袋"), lucky_bags.cancel_lucky_bag),
    CommandSpec("note", lambda: tr("提词"), notes.note, (Arg("text", ArgType.TEXT),)),
    CommandSpec("send_comment", lambda: tr("发评论"), notes.send_comment,
                (Arg("text", ArgType.TEXT), Arg("pin", ArgType.BOOL, default=False)), console=True),
    CommandSpec("pin_comment", lambda: tr("置顶评论"), notes.pin_comment, (Arg("seq", ArgType.INT, high=SQLITE_MAX),),
                console=True, hotkey="Alt+P", hotkey_label=lambda: tr("置顶选中的评论")),
    CommandSpec("unpin_comment", lambda: tr("取消置顶评论"), notes.unpin_comment, hotkey="Alt+Shift+P"),
    CommandSpec("block_viewer", lambda: tr("屏蔽此人"), moderation.block_viewer,
                (Arg("uid", ArgType.TEXT), Arg("name", ArgType.TEXT, default="")), plan=False),
    CommandSpec("unblock_viewer", lambda: tr("取消屏蔽"), moderation.unblock_viewer,
                (Arg("uid", ArgType.TEXT),), plan=False),
)}


def label(name: str) -> str:
    """A command's label in the UI language; an unknown name is shown as it is."""
    spec = COMMANDS.get(name)
    return spec.label() if spec is not None else name


def role_label(role: str) -> str:
    """Who a seat is, in the UI language (主播, 助播, 只读); an unknown role is shown as it is."""
    labels: dict[str, str] = {Role.ANCHOR: tr("主播"), Role.ASSISTANT: tr("助播"), Role.VIEWER: tr("只读")}
    return labels.get(role, role)


def validate_args(spec: CommandSpec, args: Any) -> dict[str, Any]:
    """The args as the handler gets them (defaults filled in), or CommandError naming the bad one."""
    if not isinstance(args, dict):
        raise CommandError(tr("参数必须是对象"))
    known = {arg.name for arg in spec.args}
    unknown = sorted(str(name) for name in args if name not in known)
    if unknown:
        raise CommandError(tr("{command} 没有参数 {name}", command=spec.name, name="、".join(unknown)))
    checked: dict[str, Any] = {}
    for arg in spec.args:
        value = args.get(arg.name, _MISSING)
        if value is _MISSING and not arg.required:
            checked[arg.name] = arg.default
            continue
        checked[arg.name] = arg.check(None if value is _MISSING else value)
    return checked


@dataclass(frozen=True, slots=True)
class CommandResult:
    """The outcome of :meth:`SessionEngine.execute`.

    Attributes:
        command: the command as executed.
        result: ``applied`` | ``duplicate`` | ``rejected``, or ``pending`` while a seat waits for the host's
            answer (:meth:`SessionEngine.confirm` gives the outcome to the result listeners).
        reason: why it was rejected (or what the duplicate repeated), in the UI language; '' if applied.
        changes: what changed (empty unless applied).
        detail: a short note of the effect, also logged in ``actions.detail``.
    """

    command: Command
    result: str
    reason: str = ""
    changes: tuple[Change, ...] = ()
    detail: str = ""

    @property
    def applied(self) -> bool:
        return self.result == "applied"
