"""Comment rules: which comments are questions and which show buying intent.

Plain functions over the comment text, shared by the comment feed's filters, the engine and the
review. They are deliberately simple word lists: a live room's viewers write in a small, repetitive
vocabulary ("扣1", "3号有货吗", "多少钱"), and a false positive only highlights a row.
"""

from __future__ import annotations

import re

#: Words that make a comment a question even without a question mark.
QUESTION_WORDS: tuple[str, ...] = (
    "吗",
    "多少",
    "怎么",
    "什么",
    "有没有",
    "几号",
    "能不能",
    "可不可以",
    "是不是",
    "哪里",
    "哪个",
    "啥",
)

#: Words viewers use to say they want to buy (or just bought).
INTENT_WORDS: tuple[str, ...] = ("扣1", "扣一", "想要", "要了", "已拍", "拍了", "下单")
#: Talk of taking a purchase back: a comment with one of these is never buying intent ("下单了退款").
REFUND_WORDS: tuple[str, ...] = ("退款", "退了", "退货", "退单", "拍错", "取消订单")

_QUESTION_MARKS = ("?", "？")
# A negation before an intent word, with what may stand between them, says the opposite: "不想要",
# "不想要了", "不要了", "别要", "没拍了", "还没下单". The whole phrase goes, so its "要了" counts no more.
_NEGATABLE = sorted((*INTENT_WORDS, "要", "拍"), key=len, reverse=True)  # longest first
_NEGATED = re.compile("[不没别](?:想|再|用|太)?(?:" + "|".join(map(re.escape, _NEGATABLE)) + ")了?")
# A bare "1" (or "111", "１") is how viewers answer "想要的扣1".
_BARE_ONES = re.compile(r"[1１]+")


def is_question(text: str) -> bool:
    """Whether a comment asks something: a question mark or a question word."""
    if any(mark in text for mark in _QUESTION_MARKS):
        return True
    return any(word in text for word in QUESTION_WORDS)


def is_buying_intent(text: str) -> bool:
    """Whether a comment says the viewer wants to buy: 扣1, 想要, 要了, 已拍, 拍了, 下单, a bare "1".

    Not when the word is negated ("不想要了", "别要", "没拍了": only that phrase is dropped, so
    "不想要红色，黑色想要" still is) nor in a comment about a refund or a mistake ("退款", "拍错了")."""
    stripped = text.strip()
    if _BARE_ONES.fullmatch(stripped):
        return True
    if any(word in stripped for word in REFUND_WORDS):
        return False
    kept = _NEGATED.sub(" ", stripped)
    return any(word in kept for word in INTENT_WORDS)
