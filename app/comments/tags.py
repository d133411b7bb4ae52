"""What the live views need to know about one comment, from one place: :func:`tags_of`.

The feed, the questions pane and the intent counters read a :class:`CommentTags`; only this module
knows which rules produce it: the comment classifier (app/comments/classifier.py). A busy room repeats
itself ("扣1", "多少钱"), and the feed, the questions pane and the counters each ask about the same
comment, so the answers for recent texts are cached.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from app.comments.classifier import classify
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


@lru_cache(maxsize=8192)
def tags_of(text: str) -> CommentTags:
    """The tags of a comment's text."""
    found = classify(text)
    if found.question is None and not found.intent and found.product is None and not found.spam:
        return NOTHING
    return CommentTags(found.question, found.intent, found.product, found.spam)


def is_spam(text: str) -> bool:
    """Whether a comment is an ad or spam (what :class:`~app.comments.moderation.Moderation` hides)."""
    return tags_of(text).spam


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
