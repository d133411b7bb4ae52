"""The engine's commerce desk: operator commands on the queue, flash sales, coupons, lucky bags,
teleprompter notes and the pinned comment.

:class:`Commerce` is owned by :class:`app.engine.session.SessionEngine` and runs on its loop; it is the engine's
code split out by topic, not a second owner of state. Callers use :meth:`SessionEngine.execute`.
The commands, their args and results are documented in docs/commands.md.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import secrets
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.commerce.catalog import Product, ProductQueue
from app.commerce.promotions import COUPON_KINDS, Coupon, FlashSale, LuckyBag, draw_winners
from app.core.events import Command, Kind, LiveEvent
from app.core.i18n import tr

if TYPE_CHECKING:
    from app.engine.session import SessionEngine
    from app.store.session_log import SessionLog

log = logging.getLogger("livedeck.commerce")

RESULTS = ("applied", "duplicate", "rejected")
#: Commands forwarded to the room (docs/protocol.md) once they apply here.
ROOM_COMMANDS = frozenset({"explain", "stop_explain", "start_flash_sale", "stop_flash_sale", "drop_coupon"})
MAX_NOTES = 200
#: Product fields ``update_product`` may change (the 序号 and the shop's product id never change).
EDITABLE_INT_FIELDS = frozenset({"price_fen", "original_price_fen", "stock"})
EDITABLE_TEXT_FIELDS = frozenset({"name", "link", "selling_points", "sku", "image"})
RECENT_COMMENTS = 5000  # comments kept for pin_comment {seq}


@dataclass(frozen=True, slots=True)
class Change:
    """What a command or a batch changed, so a view refreshes only that.

    Attributes:
        kind: ``catalog`` (the product list was replaced) | ``queue`` (order or 上架/下架) |
            ``product`` (a product's fields were edited, key = its 序号) |
            ``explaining`` | ``flash_sale`` | ``coupon`` | ``lucky_bag`` | ``notes`` | ``pinned``.
        key: which one: the product's 序号 (queue/explaining), the sale's or bag's id, the coupon id;
            None for the whole collection.
        action: ``added`` | ``changed`` | ``removed`` | ``reset``.
    """

    kind: str
    key: Any = None
    action: str = "changed"


@dataclass(frozen=True, slots=True)
class CommandResult:
    """The outcome of :meth:`SessionEngine.execute`.

    Attributes:
        command: the command as executed.
        result: ``applied`` | ``duplicate`` | ``rejected``.
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


@dataclass(frozen=True, slots=True)
class Note:
    """A short note for the anchor's teleprompter (主播看板)."""

    ts: float
    actor: str
    text: str
    command_id: str


@dataclass(frozen=True, slots=True)
class ExplainWindow:
    """A product's time on the explain card; ``end_ts`` None while it is still being explained."""

    no: int
    product_id: str
    start_ts: float
    end_ts: float | None = None


class CommandError(Exception):
    """A command the engine refuses; the message is the reason shown to the operator."""


@dataclass(slots=True)
class _Outcome:
    changes: list[Change] = field(default_factory=list)
    logged_args: dict[str, Any] = field(default_factory=dict)  # added to the args written to actions
    detail: str = ""
    outbound: list[Command] = field(default_factory=list)


# --- argument checks --------------------------------------------------------------------------------


def _int(args: dict[str, Any], name: str, *, low: int, high: int | None = None, default: Any = ...) -> Any:
    value = args.get(name)
    if value is None and default is not ...:
        return default
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < low
        or (high is not None and value > high)
    ):
        bound = f"{low}–{high}" if high is not None else f"≥ {low}"
        raise CommandError(tr("参数 {name} 必须是整数（{bound}）", name=name, bound=bound))
    return value


def _seconds(args: dict[str, Any], name: str, *, default: Any = ..., allow_zero: bool = False) -> Any:
    value = args.get(name)
    if value is None and default is not ...:
        return default
    ok = (
        not isinstance(value, bool)
        and isinstance(value, int | float)
        and math.isfinite(value)
        and (value >= 0 if allow_zero else value > 0)
        and value < 1e7
    )
    if not ok:
        raise CommandError(tr("参数 {name} 必须是秒数（大于 0）", name=name))
    return float(value)  # type: ignore[arg-type]


class Commerce:
    """Applies operator commands and the commerce side of live events. See docs/commands.md."""

    def __init__(self, engine: SessionEngine) -> None:
        self.engine = engine
        self._seen: dict[str, str] = {}  # command_id → first result, this session
        self._expired: set[str] = set()  # coupons whose expiry was announced
        # A bounded deque, not a dict: appending is the cheapest thing on the per-comment path, and
        # the lookup by seq only happens when someone pins.
        self._recent_comments: deque[LiveEvent] = deque(maxlen=RECENT_COMMENTS)
        #: The engine hands every comment here (cheap: no call into on_event unless a lucky bag runs).
        self.remember_comment = self._recent_comments.append
        self._handlers: dict[str, Callable[[Command], _Outcome]] = {
            "load_catalog": self._load_catalog,
            "explain": self._explain,
            "stop_explain": self._stop_explain,
            "list": self._list,
            "unlist": self._unlist,
            "move": self._move,
            "update_product": self._update_product,
            "start_flash_sale": self._start_flash_sale,
            "stop_flash_sale": self._stop_flash_sale,
            "drop_coupon": self._drop_coupon,
            "start_lucky_bag": self._start_lucky_bag,
            "cancel_lucky_bag": self._cancel_lucky_bag,
            "note": self._note,
            "pin_comment": self._pin_comment,
            "unpin_comment": self._unpin_comment,
        }

    @property
    def command_names(self) -> tuple[str, ...]:
        return tuple(self._handlers)

    def new_session(self) -> None:
        """A session starts: command ids are remembered per session."""
        self._seen.clear()
        self._recent_comments.clear()
        self._expired.clear()

    # -- helpers -----------------------------------------------------------------------------------
    @property
    def _state(self) -> Any:
        return self.engine.state

    def _now(self) -> float:
        return self.engine.clock.monotonic()

    def _wall(self) -> float:
        return self.engine.clock.time()

    def _product(self, args: dict[str, Any]) -> Product:
        no = _int(args, "no", low=1)
        product = self._state.queue.get(no)
        if product is None:
            raise CommandError(tr("没有 {no} 号商品", no=no))
        return product  # type: ignore[no-any-return]

    def _system(self, text: str, *, product_id: str = "", extra: dict[str, Any] | None = None) -> None:
        self.engine.submit(
            [
                LiveEvent(
                    Kind.SYSTEM,
                    self._wall(),
                    text=text,
                    product_id=product_id,
                    extra={"source": "livedeck", **(extra or {})},
                )
            ]
        )

    def running_sale(self, no: int) -> FlashSale | None:
        """The product's flash sale in warm-up or live, if any."""
        for sale in self._state.flash_sales.values():
            if sale.no == no and sale.running:
                return sale  # type: ignore[no-any-return]
        return None

    # -- executing ---------------------------------------------------------------------------------
    def execute(self, cmd: Command) -> CommandResult:
        engine = self.engine
        first = self._seen.get(cmd.command_id)
        if first is not None:
            reason = tr("重复的命令（第一次：{result}），未再执行", result=first)
            engine._record_action(cmd, cmd.args, "duplicate", reason)
            return CommandResult(cmd, "duplicate", reason)
        handler = self._handlers.get(cmd.name)
        try:
            if handler is None:
                raise CommandError(tr("未知命令：{name}", name=cmd.name))
            if not isinstance(cmd.args, dict):
                raise CommandError(tr("参数必须是对象"))
            outcome = handler(cmd)
        except CommandError as exc:
            self._seen[cmd.command_id] = "rejected"
            engine._record_action(cmd, cmd.args, "rejected", str(exc))
            return CommandResult(cmd, "rejected", str(exc))
        except Exception:  # a bug: a traceback in the log, a refusal on screen, and the show goes on
            log.exception("command %s %s failed", cmd.name, cmd.command_id)
            reason = tr("内部错误，命令未执行（详情见日志）")
            self._seen[cmd.command_id] = "rejected"
            engine._record_action(cmd, cmd.args, "rejected", reason)
            return CommandResult(cmd, "rejected", reason)
        self._seen[cmd.command_id] = "applied"
        engine._record_action(cmd, {**cmd.args, **outcome.logged_args}, "applied", outcome.detail)
        changes = tuple(dict.fromkeys(outcome.changes))
        result = CommandResult(cmd, "applied", "", changes, outcome.detail)
        engine._notify_changes(changes)
        for out in outcome.outbound:
            engine._send_outbound(out)
        return result

    def mark_seen(self, command_id: str, result: str) -> None:
        self._seen.setdefault(command_id, result)

    # -- catalog and queue -------------------------------------------------------------------------
    def _load_catalog(self, cmd: Command) -> _Outcome:
        raw = cmd.args.get("products")
        if not isinstance(raw, list) or not raw:
            raise CommandError(tr("参数 products 必须是非空的商品列表"))
        products = []
        for i, item in enumerate(raw, start=1):
            try:
                products.append(item if isinstance(item, Product) else Product.from_dict(item))
            except (TypeError, ValueError) as exc:
                raise CommandError(tr("第 {i} 个商品无效：{reason}", i=i, reason=exc)) from None
        if any(s.running for s in self._state.flash_sales.values()):
            raise CommandError(tr("秒杀进行中，不能替换商品列表"))
        try:
            self._state.queue.replace(products)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        out = _Outcome(changes=[Change("catalog", action="reset")], detail=f"{len(products)} products")
        if self._state.explaining is not None and self._state.explaining not in self._state.queue:
            out.changes += self._end_explaining()
        self.engine._save_products()
        return out

    def _end_explaining(self) -> list[Change]:
        state = self._state
        if state.explaining is None:
            return []
        no = state.explaining
        window = state.explain_windows[-1]
        state.explain_windows[-1] = ExplainWindow(window.no, window.product_id, window.start_ts, self._wall())
        state.explaining = None
        return [Change("explaining", no, "removed")]

    def _explain(self, cmd: Command) -> _Outcome:
        product = self._product(cmd.args)
        state = self._state
        if not state.queue.is_listed(product.no):
            raise CommandError(tr("{no} 号商品已下架，先上架再讲解", no=product.no))
        out = _Outcome(logged_args={"product_id": product.product_id})
        if state.explaining != product.no:
            previous = state.explaining
            out.changes += self._end_explaining()
            state.explaining = product.no
            state.explain_windows.append(ExplainWindow(product.no, product.product_id, self._wall()))
            out.changes.append(Change("explaining", product.no, "added"))
            out.detail = f"explaining {product.no}" + (f", ended {previous}" if previous is not None else "")
        else:
            out.detail = f"{product.no} was already being explained; card pushed again"
        out.outbound.append(Command("explain", {"product_id": product.product_id}, cmd.actor, cmd.command_id))
        return out

    def _stop_explain(self, cmd: Command) -> _Outcome:
        previous = self._state.explaining
        out = _Outcome(changes=self._end_explaining())
        out.detail = f"ended {previous}" if previous is not None else "nothing was being explained"
        out.outbound.append(Command("stop_explain", {}, cmd.actor, cmd.command_id))
        return out

    def _set_listed(self, cmd: Command, listed: bool) -> _Outcome:
        product = self._product(cmd.args)
        state = self._state
        out = _Outcome(logged_args={"product_id": product.product_id})
        if state.queue.is_listed(product.no) == listed:
            out.detail = "unchanged"
            return out
        state.queue.set_listed(product.no, listed)
        out.changes.append(Change("queue", product.no))
        if not listed and state.explaining == product.no:
            out.changes += self._end_explaining()
        out.detail = ("listed " if listed else "unlisted ") + str(product.no)
        self.engine._save_products()
        return out

    def _list(self, cmd: Command) -> _Outcome:
        return self._set_listed(cmd, True)

    def _unlist(self, cmd: Command) -> _Outcome:
        return self._set_listed(cmd, False)

    def _move(self, cmd: Command) -> _Outcome:
        product = self._product(cmd.args)
        to = _int(cmd.args, "to", low=0)
        queue: ProductQueue = self._state.queue
        before = queue.position(product.no)
        queue.move(product.no, to)
        after = queue.position(product.no)
        self.engine._save_products()
        return _Outcome(
            changes=[Change("queue", None, "changed")] if before != after else [],
            detail=f"{product.no}: position {before} → {after}",
        )

    def _update_product(self, cmd: Command) -> _Outcome:
        product = self._product(cmd.args)
        fields = cmd.args.get("fields")
        if not isinstance(fields, dict) or not fields:
            raise CommandError(tr("参数 fields 必须是非空对象"))
        values: dict[str, Any] = {}
        for name, value in fields.items():
            if name in EDITABLE_INT_FIELDS:
                values[name] = _int(fields, name, low=0)
            elif name in EDITABLE_TEXT_FIELDS:
                if not isinstance(value, str):
                    raise CommandError(tr("参数 {name} 必须是文本", name=name))
                values[name] = value.strip()
            else:
                raise CommandError(tr("不能修改字段 {name}", name=name))
        if "name" in values and not values["name"]:
            raise CommandError(tr("商品名称为空"))
        updated = dataclasses.replace(product, **values)
        if updated == product:
            return _Outcome(logged_args={"product_id": product.product_id}, detail="unchanged")
        self._state.queue.update(updated)
        self.engine._save_products()
        return _Outcome(
            changes=[Change("product", product.no)],
            logged_args={"product_id": product.product_id},
            detail=f"{product.no}: " + ", ".join(sorted(values)),
        )

    # -- flash sales -------------------------------------------------------------------------------
    def _start_flash_sale(self, cmd: Command) -> _Outcome:
        args = cmd.args
        product = self._product(args)
        price = _int(args, "price_fen", low=1)
        stock = _int(args, "stock", low=1)
        limit = _int(args, "limit_per_user", low=1, default=None)
        warmup = _seconds(args, "warmup_s", default=0.0, allow_zero=True)
        duration = _seconds(args, "duration_s")
        if self.running_sale(product.no) is not None:
            raise CommandError(tr("{no} 号商品的秒杀已在进行", no=product.no))
        if product.stock:
            left = product.stock - self._state.sold[product.product_id]
            if stock > left:
                raise CommandError(tr("秒杀库存 {stock} 超过剩余库存 {left}", stock=stock, left=left))
        now, wall = self._now(), self._wall()
        sale = FlashSale(
            sale_id=cmd.command_id,
            no=product.no,
            product_id=product.product_id,
            price_fen=price,
            stock=stock,
            limit_per_user=limit,
            starts_at=now + warmup,
            ends_at=now + warmup + duration,
            starts_at_wall=wall + warmup,
            ends_at_wall=wall + warmup + duration,
        )
        self._state.flash_sales[sale.sale_id] = sale
        out = _Outcome(
            changes=[Change("flash_sale", sale.sale_id, "added")],
            logged_args={
                "product_id": product.product_id,
                "starts_at_wall": sale.starts_at_wall,
                "ends_at_wall": sale.ends_at_wall,
            },
            detail=f"{product.no}: {stock} units at {price} fen, warm-up {warmup:g} s, {duration:g} s",
        )
        if warmup > 0:
            self._system(
                tr(
                    "秒杀预热：{no}号 {name}，{seconds} 秒后开抢",
                    no=product.no,
                    name=product.name,
                    seconds=f"{warmup:g}",
                ),
                product_id=product.product_id,
                extra={"flash_sale": "warmup", "sale_id": sale.sale_id},
            )
        else:
            out.outbound.append(self._go_live(sale, cmd.actor))
        return out

    def _go_live(self, sale: FlashSale, actor: str = "engine") -> Command:
        """Warm-up is over (or there was none): the sale is live; returns the room command."""
        sale.status = "live"
        product = self._state.queue.get(sale.no)
        self._system(
            tr(
                "秒杀开始：{no}号 {name} 限量 {stock} 件",
                no=sale.no,
                name=product.name if product else "",
                stock=sale.stock,
            ),
            product_id=sale.product_id,
            extra={
                "flash_sale": "started",
                "sale_id": sale.sale_id,
                "price_fen": sale.price_fen,
                "stock": sale.stock,
                "ends_at_wall": sale.ends_at_wall,
            },
        )
        args: dict[str, Any] = {
            "product_id": sale.product_id,
            "price_fen": sale.price_fen,
            "stock": sale.stock,
            "duration_s": round(max(0.001, sale.ends_at - self._now()), 3),
        }
        if sale.limit_per_user is not None:
            args["limit_per_user"] = sale.limit_per_user
        return Command("start_flash_sale", args, actor, sale.sale_id)

    def _end_sale(self, sale: FlashSale, reason: str, at: float) -> Change:
        was_live = sale.status == "live"
        sale.status, sale.end_reason, sale.ended_at = "ended", reason, at
        self._system(
            tr("秒杀结束：{no}号 已售 {sold}/{stock} 件", no=sale.no, sold=sale.sold, stock=sale.stock),
            product_id=sale.product_id,
            extra={
                "flash_sale": "ended",
                "sale_id": sale.sale_id,
                "reason": reason,
                "sold": sale.sold,
                "oversold": sale.oversold,
                "was_live": was_live,
            },
        )
        return Change("flash_sale", sale.sale_id, "changed")

    def _stop_flash_sale(self, cmd: Command) -> _Outcome:
        product = self._product(cmd.args)
        sale = self.running_sale(product.no)
        if sale is None:
            raise CommandError(tr("{no} 号商品没有进行中的秒杀", no=product.no))
        was_live = sale.status == "live"
        out = _Outcome(
            changes=[self._end_sale(sale, "stopped", self._now())],
            logged_args={"product_id": product.product_id, "sale_id": sale.sale_id},
            detail=f"sold {sale.sold}/{sale.stock}",
        )
        if was_live:  # the room never heard of a sale still warming up
            out.outbound.append(
                Command("stop_flash_sale", {"product_id": product.product_id}, cmd.actor, cmd.command_id)
            )
        return out

    # -- coupons -----------------------------------------------------------------------------------
    def _drop_coupon(self, cmd: Command) -> _Outcome:
        args = cmd.args
        kind = args.get("kind")
        if kind not in COUPON_KINDS:
            raise CommandError(tr("参数 kind 必须是 满减、直减 或 折扣"))
        coupon_id = args.get("coupon_id") or cmd.command_id
        if not isinstance(coupon_id, str):
            raise CommandError(tr("参数 coupon_id 必须是文本"))
        threshold = discount = percent = 0
        if kind == "满减":
            threshold = _int(args, "threshold_fen", low=1)
            discount = _int(args, "discount_fen", low=1)
            if discount >= threshold:
                raise CommandError(tr("满减的优惠金额必须小于门槛"))
        elif kind == "直减":
            discount = _int(args, "discount_fen", low=1)
        else:
            percent = _int(args, "percent_off", low=1, high=99)
        quantity = _int(args, "quantity", low=1)
        per_user = _int(args, "per_user_limit", low=1, default=1)
        valid = _seconds(args, "valid_s", default=None)
        if coupon_id in self._state.coupons:
            raise CommandError(tr("优惠券 {id} 已经发过", id=coupon_id))
        now, wall = self._now(), self._wall()
        coupon = Coupon(
            coupon_id,
            kind,
            quantity,
            per_user,
            threshold,
            discount,
            percent,
            dropped_at_wall=wall,
            expires_at=None if valid is None else now + valid,
            expires_at_wall=None if valid is None else wall + valid,
        )
        self._state.coupons[coupon_id] = coupon
        self._system(
            tr("发券：{label} 共 {quantity} 张", label=coupon.label(), quantity=quantity),
            extra={"coupon": "dropped", "coupon_id": coupon_id},
        )
        room_args: dict[str, Any] = {
            "coupon_id": coupon_id,
            "kind": kind,
            "quantity": quantity,
            "per_user_limit": per_user,
        }
        if kind == "满减":
            room_args.update(threshold_fen=threshold, discount_fen=discount)
        elif kind == "直减":
            room_args["discount_fen"] = discount
        else:
            room_args["percent_off"] = percent
        return _Outcome(
            changes=[Change("coupon", coupon_id, "added")],
            logged_args={"coupon_id": coupon_id, "expires_at_wall": coupon.expires_at_wall},
            detail=f"{coupon.label()} × {quantity}",
            outbound=[Command("drop_coupon", room_args, cmd.actor, cmd.command_id)],
        )

    # -- lucky bags --------------------------------------------------------------------------------
    def _start_lucky_bag(self, cmd: Command) -> _Outcome:
        args = cmd.args
        condition = args.get("condition")
        keyword = condition.get("keyword") if isinstance(condition, dict) else None
        follow = condition.get("follow") if isinstance(condition, dict) else None
        if isinstance(keyword, str) and keyword.strip():
            condition = {"keyword": keyword.strip()}
        elif follow is True:
            condition = {"follow": True}
        else:
            raise CommandError(tr("参数 condition 必须含 keyword（评论关键词）或 follow: true（关注）"))
        duration = _seconds(args, "duration_s")
        winners = _int(args, "winners", low=1)
        seed = _int(args, "seed", low=0, default=None)
        if seed is None:
            seed = secrets.randbits(63)
        bag = self._state.lucky_bag
        if bag is not None and bag.status == "running":
            raise CommandError(tr("已有福袋在进行，一次只能开一个"))
        now, wall = self._now(), self._wall()
        bag = LuckyBag(cmd.command_id, condition, winners, seed, now + duration, wall + duration)
        self._state.lucky_bag = bag
        self._state.lucky_bags.append(bag)
        self._system(
            tr("福袋开始：{seconds} 秒后开奖，抽 {winners} 人", seconds=f"{duration:g}", winners=winners),
            extra={"lucky_bag": "started", "bag_id": bag.bag_id, "condition": condition},
        )
        return _Outcome(
            changes=[Change("lucky_bag", bag.bag_id, "added")],
            logged_args={"seed": seed, "condition": condition, "ends_at_wall": bag.ends_at_wall},
            detail=f"seed {seed}",
        )

    def _cancel_lucky_bag(self, cmd: Command) -> _Outcome:
        bag = self._state.lucky_bag
        if bag is None or bag.status != "running":
            raise CommandError(tr("没有进行中的福袋"))
        bag.status = "cancelled"
        return _Outcome(
            changes=[Change("lucky_bag", bag.bag_id)],
            logged_args={"bag_id": bag.bag_id},
            detail="cancelled, no draw",
        )

    def _draw(self, bag: LuckyBag) -> Change:
        participants = list(bag.participants)
        bag.winners = draw_winners(participants, bag.seed, bag.winners_wanted)
        bag.status = "drawn"
        names = [bag.participants[u] for u in bag.winners]
        self.engine._record_action(
            Command("lucky_bag_draw", {}, "engine", f"{bag.bag_id}/draw"),
            {
                "bag_id": bag.bag_id,
                "seed": bag.seed,
                "winners_wanted": bag.winners_wanted,
                "participants": sorted(participants),
                "winners": bag.winners,
            },
            "applied",
            f"{len(bag.winners)} of {len(participants)}",
        )
        self._system(
            tr("福袋开奖：{n} 人中奖（{names}）", n=len(bag.winners), names="、".join(names)),
            extra={"lucky_bag": "drawn", "bag_id": bag.bag_id, "winners": bag.winners, "seed": bag.seed},
        )
        return Change("lucky_bag", bag.bag_id)

    # -- teleprompter and comments -----------------------------------------------------------------
    def _note(self, cmd: Command) -> _Outcome:
        text = cmd.args.get("text")
        if not isinstance(text, str) or not text.strip():
            raise CommandError(tr("提词内容不能为空"))
        notes = self._state.notes
        notes.append(Note(self._wall(), cmd.actor, text.strip()[:500], cmd.command_id))
        del notes[:-MAX_NOTES]
        return _Outcome(changes=[Change("notes", cmd.command_id, "added")])

    def _pin_comment(self, cmd: Command) -> _Outcome:
        seq = _int(cmd.args, "seq", low=1)
        event = next((e for e in reversed(self._recent_comments) if e.seq == seq), None)
        if event is None:
            raise CommandError(tr("找不到第 {seq} 条评论", seq=seq))
        self._state.pinned = event
        return _Outcome(
            changes=[Change("pinned", seq)],
            logged_args={"user_name": event.user_name, "text": event.text},
            detail=f"{event.user_name}: {event.text[:50]}",
        )

    def _unpin_comment(self, cmd: Command) -> _Outcome:
        had = self._state.pinned is not None
        self._state.pinned = None
        return _Outcome(changes=[Change("pinned", None, "removed")] if had else [])

    # -- live events and deadlines -----------------------------------------------------------------
    @property
    def lucky_bag_running(self) -> bool:
        """Whether comments can change anything here now (a lucky bag collects participants)."""
        bag = self._state.lucky_bag
        return bag is not None and bag.status == "running"

    def on_event(self, event: LiveEvent) -> Change | None:
        """Apply the commerce side of one event (called by the engine for follow, order and
        coupon_claim events, and for comments while a lucky bag runs; every comment is also handed to
        :attr:`remember_comment` for pinning). Returns what changed, if anything."""
        kind = event.kind
        state = self._state
        if kind in (Kind.COMMENT, Kind.FOLLOW):
            bag = state.lucky_bag
            if (
                bag is not None
                and bag.status == "running"
                and event.user_id
                and event.user_id not in bag.participants
                and self._now() < bag.ends_at
                and bag.qualifies(kind, event.text)
            ):
                bag.participants[event.user_id] = event.user_name
                return Change("lucky_bag", bag.bag_id)
            return None
        if kind == Kind.ORDER:
            return self._on_order(event)
        if kind == Kind.COUPON_CLAIM:
            coupon_id = (event.extra or {}).get("coupon_id")
            coupon = state.coupons.get(coupon_id) if isinstance(coupon_id, str) else None
            if coupon is None:
                return None
            if not coupon.valid(self._now()) or not coupon.claim(event.user_id):
                log.warning("coupon %s: a claim beyond quantity/limit/validity was not counted", coupon_id)
            return Change("coupon", coupon_id)
        return None

    def _on_order(self, event: LiveEvent) -> Change | None:
        product = self._state.queue.by_product_id(event.product_id)
        if product is None:
            return None
        sale = self.running_sale(product.no)
        if sale is None or sale.phase(self._now()) != "live":
            return None
        if event.amount_fen > sale.price_fen * max(1, event.count):
            # Bought at the regular price: the room had not opened (or had already closed) its flash
            # sale when this order was placed, so it takes nothing from the flash-sale stock.
            return None
        counted, excess = sale.count_order(event.user_id, event.count)
        if excess:
            self._system(
                tr(
                    "超卖：{no}号 秒杀剩余 {left} 件，订单 {units} 件未计入",
                    no=sale.no,
                    left=sale.stock - sale.sold + counted,
                    units=excess,
                ),
                product_id=sale.product_id,
                extra={
                    "flash_sale": "oversold",
                    "sale_id": sale.sale_id,
                    "units": excess,
                    "order_seq": event.seq,
                },
            )
        if sale.left == 0:
            return self._end_sale(sale, "sold_out", self._now())
        return Change("flash_sale", sale.sale_id)

    def check_deadlines(self) -> list[Change]:
        """Move every countdown whose deadline passed on: warm-up → live → ended, coupon expiry, lucky
        bag draw. A sale that ended on time records its deadline as its end, however late the check."""
        now = self._now()
        state = self._state
        changes: list[Change] = []
        for sale in list(state.flash_sales.values()):
            if sale.status == "warmup" and now >= sale.starts_at and now < sale.ends_at:
                self.engine._send_outbound(self._go_live(sale))
                changes.append(Change("flash_sale", sale.sale_id))
            if sale.running and now >= sale.ends_at:
                changes.append(self._end_sale(sale, "time", sale.ends_at))
        for coupon in state.coupons.values():
            if (
                coupon.expires_at is not None
                and now >= coupon.expires_at
                and coupon.coupon_id not in self._expired
            ):
                self._expired.add(coupon.coupon_id)
                changes.append(Change("coupon", coupon.coupon_id))
        bag = state.lucky_bag
        if bag is not None and bag.status == "running" and now >= bag.ends_at:
            changes.append(self._draw(bag))
        return changes

    def restore(self, actions: Iterable[dict[str, Any]]) -> list[Change]:
        """Rebuild running flash sales, the explaining product and the seen command ids from the
        ``actions`` rows of an interrupted session (as :meth:`SessionLog.actions` returns them).

        A sale resumes with its true remaining time (from the logged wall-clock deadline); its sold
        count restarts at 0 unless order events are applied again afterwards.
        """
        state = self._state
        now, wall = self._now(), self._wall()
        changes: list[Change] = []
        for row in actions:
            command_id, name, args, result = (
                row["command_id"],
                row["name"],
                row.get("args") or {},
                row["result"],
            )
            if result == "duplicate":
                continue
            self.mark_seen(command_id, result)
            if result != "applied":
                continue
            no = args.get("no")
            if name == "explain" and isinstance(no, int) and no in state.queue:
                product = state.queue.get(no)
                state.explaining = no
                state.explain_windows.append(ExplainWindow(no, product.product_id, row["ts"]))
                changes.append(Change("explaining", no, "added"))
            elif name == "stop_explain":
                changes += self._end_explaining()
            elif name == "start_flash_sale" and isinstance(no, int) and no in state.queue and "ends_at_wall" in args:
                if args["ends_at_wall"] <= wall:
                    continue
                starts_wall = args.get("starts_at_wall", wall)
                sale = FlashSale(
                    sale_id=command_id,
                    no=no,
                    product_id=args.get("product_id", ""),
                    price_fen=args["price_fen"],
                    stock=args["stock"],
                    limit_per_user=args.get("limit_per_user"),
                    starts_at=now + (starts_wall - wall),
                    ends_at=now + (args["ends_at_wall"] - wall),
                    starts_at_wall=starts_wall,
                    ends_at_wall=args["ends_at_wall"],
                    status="live" if starts_wall <= wall else "warmup",
                )
                state.flash_sales[command_id] = sale
                changes.append(Change("flash_sale", command_id, "added"))
            elif name == "stop_flash_sale":
                sale = state.flash_sales.get(args.get("sale_id", ""))
                if sale is not None and sale.running:
                    sale.status, sale.end_reason, sale.ended_at = "ended", "stopped", now
                    changes.append(Change("flash_sale", sale.sale_id))
        self.engine._notify_changes(tuple(changes))
        return changes


@dataclass(frozen=True, slots=True)
class Resumed:
    """What :func:`resume_interrupted` brought back: the interrupted session and the flash sales resumed."""

    session_id: int
    sales: tuple[FlashSale, ...]


def resume_interrupted(engine: SessionEngine, session_log: SessionLog | None = None) -> Resumed | None:
    """After an app restart, resume the flash sales the killed session left running, with their true
    remaining time.

    Call it once the new session has started. If the newest *other* session in the log is
    ``interrupted`` (its process died; ``SessionLog`` marks it on opening), each flash sale it started
    whose wall-clock deadline (``ends_at_wall`` in its ``actions`` args) is still ahead, and that was
    neither stopped nor sold out, is rebuilt by :meth:`SessionEngine.restore_promotions`: its deadline
    is now + (``ends_at_wall`` − wall-clock now), still warming up if ``starts_at_wall`` is ahead. Its
    units sold so far are recounted from the old session's orders (as the live rule counts them), so
    the stock left stays true. Each resumed sale is logged in this session as a ``start_flash_sale``
    row with actor ``restore`` (args as the original plus ``resumed_from`` and ``sold``), and a
    ``system`` event with ``extra.flash_sale = "resumed"`` marks it. The room is not told again (its
    sale kept running; command ids count as seen, so a retry is a duplicate).

    Returns:
        None when there is nothing to resume (no log, no earlier session, it ended normally, or none of
        its sales is still running).
    """
    log_ = session_log if session_log is not None else engine.log
    current = engine.state.session_id
    if log_ is None or current is None:
        return None
    previous = next((s for s in log_.sessions() if s["id"] != current), None)
    if previous is None or previous["status"] != "interrupted":
        return None
    old = int(previous["id"])
    ended = set()
    for event in log_.events(old, kinds=[Kind.SYSTEM]):
        extra = event.extra or {}
        if extra.get("flash_sale") == "ended" and isinstance(extra.get("sale_id"), str):
            ended.add(extra["sale_id"])
    rows = [
        row for row in log_.actions(old)
        if row["name"] in ("start_flash_sale", "stop_flash_sale") and row["command_id"] not in ended
    ]
    before = set(engine.state.flash_sales)
    engine.restore_promotions(rows)
    sales = [sale for sid, sale in engine.state.flash_sales.items() if sid not in before and sale.running]
    if not sales:
        return None
    orders = log_.events(old, kinds=[Kind.ORDER])
    commerce = engine.commerce
    wall = engine.clock.time()
    resumed = []
    for sale in sales:
        for order in orders:
            if (
                order.product_id == sale.product_id
                and sale.starts_at_wall <= order.ts < sale.ends_at_wall
                and order.amount_fen <= sale.price_fen * max(1, order.count)
            ):
                sale.count_order(order.user_id, order.count)
        sale.oversold = 0  # flagged in the old session already
        started = next(r for r in rows if r["command_id"] == sale.sale_id)
        left_s = sale.ends_at_wall - wall
        if sale.left == 0:  # sold out before the app died, its end event lost with it
            engine.state.flash_sales.pop(sale.sale_id)
            continue
        engine._record_action(
            Command("start_flash_sale", {}, "restore", sale.sale_id),
            {**started["args"], "resumed_from": old, "sold": sale.sold}, "applied",
            f"resumed from session {old}: {left_s:.1f} s left, sold {sale.sold}/{sale.stock}",
        )
        product = engine.state.queue.get(sale.no)
        commerce._system(
            tr("秒杀恢复：{no}号 {name} 剩余 {seconds} 秒，已售 {sold}/{stock} 件", no=sale.no,
               name=product.name if product else "", seconds=f"{left_s:.0f}", sold=sale.sold, stock=sale.stock),
            product_id=sale.product_id,
            extra={"flash_sale": "resumed", "sale_id": sale.sale_id, "resumed_from": old,
                   "sold": sale.sold, "ends_at_wall": sale.ends_at_wall},
        )
        resumed.append(sale)
    engine._notify_changes([Change("flash_sale", sale.sale_id) for sale in sales])
    log.info("resumed %d flash sale(s) of interrupted session %s", len(resumed), old)
    return Resumed(old, tuple(resumed)) if resumed else None
