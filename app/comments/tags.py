"""What the live views need to know about one comment, from one place: :func:`tags_of`.

The feed, the questions pane and the intent counters read a :class:`CommentTags`; only this module
knows which rules produce it. Today they are app/comments/rules.py's word lists (a question, buying
intent); the comment classifier (question kind, product number, spam) takes over here when it lands,
and nothing that reads the tags changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.comments.rules import is_buying_intent, is_question
from app.core.i18n import tr


@dataclass(frozen=True, slots=True)
class CommentTags:
    """What a comment is.

    Attributes:
        question: the question's kind (``price``, ``size``, ``stock``, ``shipping``, ``aftersales``,
            ``coupon``, ``usage``, ``other``), None when it asks nothing.
        intent: the viewer says they want to buy.
        product: the 序号 the comment names ("3号有XL吗" → 3), None when it names none.
        spam: an ad or spam (links, WeChat ids, 代理招募).
    """

    question: str | None = None
    intent: bool = False
    product: int | None = None
    spam: bool = False


NOTHING = CommentTags()


def tags_of(text: str) -> CommentTags:
    """The tags of a comment's text."""
    question = "other" if is_question(text) else None
    intent = is_buying_intent(text)
    if question is None and not intent:
        return NOTHING
    return CommentTags(question, intent)


def question_kind_label(kind: str | None) -> str:
    """A question kind in the UI language: 价格, 尺码, 库存, 发货, 售后, 优惠券, 用法, 提问."""
    labels = {
        "price": tr("价格"),
        "size": tr("尺码"),
        "stock": tr("库存"),
        "shipping": tr("发货"),
        "aftersales": tr("售后"),
        "coupon": tr("优惠券"),
        "usage": tr("用法"),
    }
    return labels.get(kind or "", tr("提问"))
