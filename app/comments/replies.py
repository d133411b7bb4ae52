"""Quick replies (快捷回复) and keyword auto-replies (自动回复): templates, placeholders, the banned-word check.

A template is text with placeholders the live state fills in: {商品} (the product being explained),
{序号}, {价格} (the flash-sale price while one is live, else the 到手价), {库存} (units left), {券} (the
newest coupon still claimable) and {倒计时} (the running countdown); an English UI writes them
{product} {no} {price} {stock} {coupon} {countdown}, and both spellings always work. :func:`fill`
takes the values as a
:class:`ReplyValues`; app/connectors/quick_reply.py reads them from the engine's state (this layer
sits below the commerce state and never imports it).

An auto-reply rule answers a comment containing one of its keywords with its template.
:class:`AutoReplier` decides, and is strict about it: off by default, each rule waits its cooldown
before it fires again, all rules together stay under a global rate per minute, the same text is never
sent twice in a row, and a reply with a banned word is never sent. :func:`parse_rule` checks one row of
the rule editor (ui/live/auto_reply_editor.py) and names the row and field it refuses. Everything here is
plain Python.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from app.comments.classifier import classifier_for
from app.core.i18n import language, tr
from app.core.units import format_clock, format_yuan

#: The placeholders a template may use, in the order the editor lists them.
PLACEHOLDERS: tuple[str, ...] = ("商品", "序号", "价格", "库存", "券", "倒计时")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")

#: The English names of the placeholders (an English UI shows and accepts these; both always work).
ENGLISH_NAMES: dict[str, str] = {"product": "商品", "no": "序号", "price": "价格", "stock": "库存", "coupon": "券",
                                 "countdown": "倒计时"}

#: Templates a new user starts with (the ``reply_templates`` setting replaces them).
DEFAULT_TEMPLATES: tuple[str, ...] = (
    "{序号}号{商品}，到手价{价格}元，库存还剩{库存}件，抓紧下单～",
    "{商品}现在拍下立享{券}，数量有限，先到先得！",
    "秒杀还剩{倒计时}，{序号}号链接赶紧冲！",
    "尺码问题请看商品详情页的尺码表，拿不准可以私信客服哦～",
    "下单后48小时内发货，偏远地区除外，放心拍～",
    "感谢大家的支持，点点关注不迷路！",
)
DEFAULT_TEMPLATES_EN: tuple[str, ...] = (
    "No. {no} {product}: {price} yuan, only {stock} left, order now!",
    "Order {product} now with {coupon}, while coupons last!",
    "{countdown} left in the flash sale: go for link No. {no}!",
    "For sizes see the size chart on the product page, or message our service team.",
    "Orders ship within 48 hours (remote areas excepted).",
    "Thank you all for your support, follow us so you don't miss a thing!",
)
MAX_TEMPLATES = 50
MAX_TEMPLATE_TEXT = 200
MAX_RULES = 50


class TemplateError(ValueError):
    """A template that cannot be filled now; the message (UI language) says which value is missing."""


@dataclass(frozen=True, slots=True)
class ReplyValues:
    """What the placeholders read from the live state; None or "" where the state has nothing."""

    product: str = ""
    no: int | None = None
    price_fen: int | None = None
    stock_left: int | None = None
    coupon: str = ""
    countdown_s: float | None = None

    def text_of(self, placeholder: str) -> str | None:
        """The text for ``placeholder`` (without braces), or None when the state has no value."""
        if placeholder == "商品":
            return self.product or None
        if placeholder == "序号":
            return None if self.no is None else str(self.no)
        if placeholder == "价格":
            return None if self.price_fen is None else format_yuan(self.price_fen)
        if placeholder == "库存":
            return None if self.stock_left is None else str(self.stock_left)
        if placeholder == "券":
            return self.coupon or None
        if placeholder == "倒计时":
            return None if self.countdown_s is None else format_clock(self.countdown_s)
        return None


_MISSING_REASON = {
    "商品": "没有正在讲解的商品",
    "序号": "没有正在讲解的商品",
    "价格": "没有正在讲解的商品",
    "库存": "正在讲解的商品没有库存数",
    "券": "没有可领的优惠券",
    "倒计时": "没有正在进行的倒计时",
}


def placeholder_names() -> tuple[str, ...]:
    """The placeholders as the UI language writes them (Chinese, or :data:`ENGLISH_NAMES`)."""
    return PLACEHOLDERS if language() == "zh" else tuple(ENGLISH_NAMES)


def default_templates() -> list[str]:
    """The templates a new user starts with, in the UI language."""
    return list(DEFAULT_TEMPLATES if language() == "zh" else DEFAULT_TEMPLATES_EN)


def _canonical(name: str) -> str | None:
    return name if name in PLACEHOLDERS else ENGLISH_NAMES.get(name)


def unknown_placeholders(template: str) -> list[str]:
    """Placeholders in ``template`` that are not placeholders at all (for the editor to refuse)."""
    return [name for name in _PLACEHOLDER.findall(template) if _canonical(name) is None]


def fill(template: str, values: ReplyValues) -> str:
    """``template`` with every placeholder replaced by the live value.

    Raises:
        TemplateError: a placeholder the state has no value for now (nothing explained, no coupon…)
            or one that is not a placeholder at all; the message names it.
    """
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        canonical = _canonical(name)
        if canonical is None:
            raise TemplateError(tr("未知的占位符 {{{name}}}", name=name))
        text = values.text_of(canonical)
        if text is None:
            raise TemplateError(tr("无法填写 {{{name}}}：{reason}", name=name,
                                   reason=tr(_MISSING_REASON[canonical])))
        return text

    return _PLACEHOLDER.sub(replace, template).strip()


def banned_word(text: str, extra_banned: tuple[str, ...] = ()) -> str | None:
    """The first banned word in ``text`` (the Advertising-Law terms plus the user's ``extra_banned``),
    found as the comment classifier finds them (full-width, 繁体 and spacing tricks too), or None."""
    found = classifier_for(extra_banned).banned(text)
    return found[0] if found else None


def clean_templates(raw: object) -> list[str]:
    """The ``reply_templates`` setting as usable templates: strings, stripped, capped; the rest dropped."""
    if not isinstance(raw, list):
        return default_templates()
    kept = [item.strip()[:MAX_TEMPLATE_TEXT] for item in raw if isinstance(item, str) and item.strip()]
    return kept[:MAX_TEMPLATES]


@dataclass(frozen=True, slots=True)
class AutoReplyRule:
    """Answer a comment containing any of ``keywords`` with ``template``, at most once per ``cooldown_s``;
    a rule switched off (``enabled`` False) answers nothing but keeps its place in the list."""

    keywords: tuple[str, ...]
    template: str
    cooldown_s: float = 60.0
    enabled: bool = True

    def matches(self, text: str) -> bool:
        if not self.enabled:
            return False
        folded = text.casefold()
        return any(word.casefold() in folded for word in self.keywords)

    def to_setting(self) -> dict[str, Any]:
        return {"keywords": list(self.keywords), "template": self.template, "cooldown_s": self.cooldown_s,
                "enabled": self.enabled}


MIN_COOLDOWN_S = 5
MAX_COOLDOWN_S = 3600
_KEYWORD_SEPARATORS = re.compile(r"[,，、;；\s]+")


def clean_rules(raw: object) -> list[AutoReplyRule]:
    """The ``auto_replies`` setting as rules; an entry without keywords or template, or with a cooldown
    that is not a number of 5–3600 s, is dropped (the settings file is edited by hand too)."""
    rules: list[AutoReplyRule] = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        keywords = tuple(w.strip() for w in item.get("keywords", []) if isinstance(w, str) and w.strip())
        template = item.get("template")
        cooldown = item.get("cooldown_s", 60.0)
        if not keywords or not isinstance(template, str) or not template.strip():
            continue
        if isinstance(cooldown, bool) or not isinstance(cooldown, int | float):
            continue
        if not MIN_COOLDOWN_S <= cooldown <= MAX_COOLDOWN_S:
            continue
        rules.append(AutoReplyRule(keywords, template.strip()[:MAX_TEMPLATE_TEXT], float(cooldown),
                                   item.get("enabled", True) is not False))
    return rules[:MAX_RULES]


class RuleError(ValueError):
    """A rule the editor refuses; the message (UI language) names its row (1-based) and field."""

    def __init__(self, row: int, field_name: str, problem: str) -> None:
        super().__init__(tr("第 {row} 条规则的「{field}」：{problem}", row=row, field=tr(field_name),
                            problem=problem))
        self.row = row
        self.field_name = field_name


#: The editor's fields, as its column headers name them (Chinese source text).
KEYWORDS_FIELD = "关键词"
TEMPLATE_FIELD = "回复模板"
COOLDOWN_FIELD = "冷却（秒）"


def split_keywords(text: str) -> tuple[str, ...]:
    """Keywords as typed in one cell: separated by commas (，,), 、, semicolons or spaces."""
    return tuple(word for word in _KEYWORD_SEPARATORS.split(text) if word)


def parse_rule(row: int, keywords: str, template: str, cooldown: str, *, enabled: bool = True,
               banned_words: tuple[str, ...] = ()) -> AutoReplyRule:
    """One row of the rule editor as a rule.

    Raises:
        RuleError: no keyword, an empty template, a placeholder that is none, a banned word in the
            template, a cooldown that is not a number or outside 5–3600 s; it names ``row`` and the field.
    """
    words = split_keywords(keywords)
    if not words:
        raise RuleError(row, KEYWORDS_FIELD, tr("不能为空"))
    text = template.strip()
    if not text:
        raise RuleError(row, TEMPLATE_FIELD, tr("不能为空"))
    if len(text) > MAX_TEMPLATE_TEXT:
        raise RuleError(row, TEMPLATE_FIELD, tr("最多 {n} 个字", n=MAX_TEMPLATE_TEXT))
    unknown = unknown_placeholders(text)
    if unknown:
        raise RuleError(row, TEMPLATE_FIELD, tr("未知的占位符 {{{name}}}", name=unknown[0]))
    word = banned_word(text, banned_words)
    if word is not None:
        raise RuleError(row, TEMPLATE_FIELD, tr("含违禁词「{word}」", word=word))
    try:
        seconds = float(cooldown.strip())
    except ValueError:
        raise RuleError(row, COOLDOWN_FIELD, tr("「{value}」不是数字", value=cooldown.strip())) from None
    if not MIN_COOLDOWN_S <= seconds <= MAX_COOLDOWN_S:
        raise RuleError(row, COOLDOWN_FIELD, tr("须在 {low}–{high} 秒之间", low=MIN_COOLDOWN_S,
                                                high=MAX_COOLDOWN_S))
    return AutoReplyRule(words, text, seconds, enabled)


@dataclass(slots=True)
class AutoReplier:
    """Decides whether a comment gets an automatic reply, and which.

    Args:
        rules: checked in order; the first that matches, is not cooling down and fills gets to answer.
        banned_words: the user's own banned words (the built-in ones always apply).
        per_minute: all rules together send at most this many replies in any 60 s.
        enabled: off by default; nothing is ever decided while off.
    """

    rules: list[AutoReplyRule]
    banned_words: tuple[str, ...] = ()
    per_minute: int = 6
    enabled: bool = False
    last_text: str = ""
    #: Replies not sent, by reason: cooldown, rate, repeat, banned, unfilled.
    skipped: dict[str, int] = field(default_factory=dict)
    _fired: dict[int, float] = field(default_factory=dict)  # rule index → when it last answered
    _sent: deque[float] = field(default_factory=deque)  # when each reply of the last minute went

    def replace_rules(self, rules: list[AutoReplyRule], per_minute: int) -> None:
        """Use ``rules`` and ``per_minute`` from now on (the editor saved them): cooldowns start afresh,
        the last minute's replies still count toward the rate, and the last text is still not repeated."""
        self.rules = list(rules)
        self.per_minute = per_minute
        self._fired.clear()

    def decide(self, text: str, values: ReplyValues, now: float) -> str | None:
        """The reply to the comment ``text`` at monotonic time ``now``, or None; a reply returned counts
        as sent (its rule's cooldown and the rate limit start now)."""
        if not self.enabled:
            return None
        for index, rule in enumerate(self.rules):
            if not rule.matches(text):
                continue
            reply = self._try(index, rule, values, now)
            if reply is not None:
                return reply
        return None

    def _try(self, index: int, rule: AutoReplyRule, values: ReplyValues, now: float) -> str | None:
        last = self._fired.get(index)
        if last is not None and now - last < rule.cooldown_s:
            return self._skip("cooldown")
        while self._sent and now - self._sent[0] >= 60.0:
            self._sent.popleft()
        if len(self._sent) >= self.per_minute:
            return self._skip("rate")
        try:
            reply = fill(rule.template, values)
        except TemplateError:
            return self._skip("unfilled")
        if reply == self.last_text:
            return self._skip("repeat")
        if banned_word(reply, self.banned_words) is not None:
            return self._skip("banned")
        self._fired[index] = now
        self._sent.append(now)
        self.last_text = reply
        return reply

    def _skip(self, reason: str) -> str | None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1
        return None


def rules_setting(rules: Iterable[AutoReplyRule]) -> list[dict[str, Any]]:
    """``rules`` as the ``auto_replies`` setting stores them."""
    return [rule.to_setting() for rule in rules]
