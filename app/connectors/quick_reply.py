"""Quick and automatic replies, wired to the show: live values for the templates, and where a reply goes.

:func:`reply_values` reads the placeholders' values (app/comments/replies.py) from the engine's state.
:class:`ReplySender` sends one reply: it refuses a reply with a banned word (naming it), posts it with
the ``send_comment`` command when a platform console is connected and can post comments, and otherwise
copies it for the operator to paste (已复制，请粘贴到直播间评论框). :class:`AutoReplyRunner` listens to
the engine's batches and answers matching comments through the same command, so every auto-reply is an
``actions`` row; with no console connected it sends nothing (there is nobody to paste) and counts it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from app.comments.replies import AutoReplier, ReplyValues, banned_word
from app.commerce.state import CommerceState
from app.connectors.console.status import ConsoleState
from app.core.events import Command, Kind, LiveEvent
from app.core.i18n import tr
from app.engine.session import SessionEngine

SEND_COMMENT = "send_comment"
AUTO_REPLY_ACTOR = "auto_reply"


def reply_values(state: CommerceState, now: float) -> ReplyValues:
    """The placeholders' values at monotonic time ``now``: the product on the explain card, its live
    flash-sale price and stock when a sale runs (else 到手价 and stock less units sold), the newest
    coupon still claimable, and the nearest countdown (flash sale, lucky bag, coupon expiry)."""
    product = state.queue.get(state.explaining) if state.explaining is not None else None
    coupon = next((c for c in reversed(state.coupons.values()) if c.left > 0 and c.valid(now)), None)
    countdowns = [s.remaining(now) for s in state.flash_sales.values() if s.running and s.phase(now) != "ended"]
    if state.lucky_bag_running and state.lucky_bag is not None:
        countdowns.append(state.lucky_bag.remaining(now))
    if coupon is not None and coupon.expires_at is not None:
        countdowns.append(coupon.expires_at - now)
    countdown = min(countdowns) if countdowns else None
    if product is None:
        return ReplyValues(coupon=coupon.label() if coupon else "", countdown_s=countdown)
    sale = state.running_sale(product.no)
    live_sale = sale is not None and sale.phase(now) == "live"
    price = sale.price_fen if sale is not None and live_sale else product.price_fen
    if sale is not None and live_sale:
        stock: int | None = sale.left
    else:
        stock = max(0, product.stock - state.sold[product.product_id]) if product.stock else None
    return ReplyValues(product.name, product.no, price, stock, coupon.label() if coupon else "", countdown)


def console_can_post(console: object | None) -> bool:
    """Whether a platform console is connected (its ``status.state``, when it has one) and its profile
    can post comments (``can(...)`` or ``capabilities``)."""
    if console is None:
        return False
    state = getattr(getattr(console, "status", None), "state", ConsoleState.CONNECTED)
    if state != ConsoleState.CONNECTED:
        return False
    can = getattr(console, "can", None)
    if callable(can):
        return bool(can(SEND_COMMENT))
    return SEND_COMMENT in getattr(console, "capabilities", ())


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """What became of a reply: ``sent`` (through the console), ``copied``, ``refused`` (banned word,
    nothing sent) or ``rejected`` (the engine refused the command); ``message`` says it to the operator."""

    outcome: str
    message: str
    text: str

    @property
    def ok(self) -> bool:
        return self.outcome in ("sent", "copied")


class ReplySender:
    """Sends the operator's replies.

    Args:
        engine: runs ``send_comment``.
        console: returns the connected platform console, or None.
        copy: puts text on the clipboard (the UI gives it; headless callers may collect it).
        banned_words: the user's own banned words (``banned_words`` setting); the built-in ones always apply.
    """

    def __init__(self, engine: SessionEngine, console: Callable[[], object | None], copy: Callable[[str], None],
                 banned_words: Iterable[str] = (), actor: str = "local") -> None:
        self.engine = engine
        self.console = console
        self.copy = copy
        self.banned_words = tuple(str(w) for w in banned_words)
        self.actor = actor

    def send(self, text: str, *, pin: bool = False, command_id: str | None = None) -> SendOutcome:
        """Check ``text`` and post it (console) or copy it (no console)."""
        text = text.strip()
        if not text:
            return SendOutcome("refused", tr("回复内容为空"), text)
        word = banned_word(text, self.banned_words)
        if word is not None:
            return SendOutcome("refused", tr("回复含违禁词「{word}」，未发送", word=word), text)
        if not console_can_post(self.console()):
            self.copy(text)
            return SendOutcome("copied", tr("已复制，请粘贴到直播间评论框"), text)
        args: dict[str, Any] = {"text": text, "pin": pin}
        command = Command(SEND_COMMENT, args, self.actor)
        if command_id is not None:
            command = Command(SEND_COMMENT, args, self.actor, command_id)
        result = self.engine.execute(command)
        if result.result in ("rejected", "duplicate"):
            return SendOutcome("rejected", tr("回复未发送：{reason}", reason=result.reason), text)
        return SendOutcome("sent", tr("已发送回复：{text}", text=text), text)


class AutoReplyRunner:
    """Answers matching comments as they arrive (an engine batch listener) through ``send_comment``.

    Attributes:
        replier: the rules and limits (off until ``replier.enabled``).
        sent: auto-replies sent this run; offline: replies decided while no console could post them.
    """

    def __init__(self, engine: SessionEngine, replier: AutoReplier, console: Callable[[], object | None]) -> None:
        self.engine = engine
        self.replier = replier
        self.console = console
        self.sent = 0
        self.offline = 0
        self.listeners: list[Callable[[str], None]] = []
        #: Comments never answered: the console sets it to its block list's test (a blocked viewer gets no reply).
        self.ignores: Callable[[LiveEvent], bool] = lambda event: False
        self._unsubscribe = engine.subscribe(self.on_batch)

    def close(self) -> None:
        self._unsubscribe()

    def on_batch(self, batch: list[LiveEvent]) -> None:
        if not self.replier.enabled:
            return
        for event in batch:
            if event.kind == Kind.COMMENT and event.user_id != AUTO_REPLY_ACTOR and not self.ignores(event):
                self._answer(event)

    def _answer(self, event: LiveEvent) -> None:
        if not any(rule.matches(event.text) for rule in self.replier.rules):
            return
        if not console_can_post(self.console()):
            self.offline += 1
            return
        now = self.engine.clock.monotonic()
        reply = self.replier.decide(event.text, reply_values(self.engine.state, now), now)
        if reply is None:
            return
        result = self.engine.execute(Command(SEND_COMMENT, {"text": reply, "pin": False}, AUTO_REPLY_ACTOR))
        if result.applied:
            self.sent += 1
            for listener in self.listeners:
                listener(reply)
