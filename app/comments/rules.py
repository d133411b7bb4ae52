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

_QUESTION_MARKS = ("?", "？")
# "不想要", "没拍了" say the opposite of what the word says.
_NEGATIONS = ("不", "没", "别")
# A bare "1" (or "111", "１") is how viewers answer "想要的扣1".
_BARE_ONES = re.compile(r"[1１]+")


def is_question(text: str) -> bool:
    """Whether a comment asks something: a question mark or a question word."""
    if any(mark in text for mark in _QUESTION_MARKS):
        return True
    return any(word in text for word in QUESTION_WORDS)


def is_buying_intent(text: str) -> bool:
    """Whether a comment says the viewer wants to buy: 扣1, 想要, 要了, 已拍, 拍了, 下单, a bare "1"."""
    stripped = text.strip()
    if _BARE_ONES.fullmatch(stripped):
        return True
    for word in INTENT_WORDS:
        start = stripped.find(word)
        while start != -1:
            if start == 0 or stripped[start - 1] not in _NEGATIONS:
                return True
            start = stripped.find(word, start + 1)
    return False
