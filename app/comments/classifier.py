"""The comment classifier: what a viewer's comment asks, wants, names, and whether it is an ad.

One pass over the text, no network: the question kind (price, size, stock, shipping, after-sales,
coupon, usage, other), buying intent (with negation, hesitation and refund talk), the product number it
names ("3号", "#3", "三号", "３号", "3号链接"), spam and ads (links, WeChat/QQ ids, phone numbers, "加V",
"代理"), complaint, praise, and the banned words (the Advertising-Law list plus the user's). The
comment is folded first — NFKC (full-width digits and letters), lower case, traditional → simplified,
spaces and decoration dropped — so "加 V：ｚｚ８８９９０" and "加v:zz88990" are the same comment. The
vocabulary is in :mod:`app.comments.lexicon`; how it was measured is in ``docs/comments.md``.

Used by the comment feed, the metrics tracker and the review; ``livedeck classify`` runs it over a file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from app.comments import lexicon as lx
from app.comments.adlaw import AdLawChecker

#: The question kinds, in the order docs and reports list them.
QUESTION_KINDS: tuple[str, ...] = ("price", "size", "stock", "shipping", "aftersales", "coupon", "usage",
                                   "other")


@dataclass(frozen=True, slots=True)
class Classification:
    """What one comment is. ``question`` is a kind from :data:`QUESTION_KINDS` or None; ``product`` the
    序号 the comment names; ``banned`` the banned words found, each once, left to right."""

    question: str | None
    intent: bool
    product: int | None
    spam: bool
    complaint: bool
    praise: bool
    banned: tuple[str, ...]


def _any(words: Iterable[str], escape: bool = False) -> re.Pattern[str]:
    """One compiled alternation of ``words`` (patterns, or plain words when ``escape``), longest first."""
    parts = sorted((re.escape(w) if escape else w for w in words), key=len, reverse=True)
    return re.compile("|".join(f"(?:{p})" for p in parts))


_TO_SIMPLIFIED = str.maketrans(dict(zip(lx.TRADITIONAL[::2], lx.TRADITIONAL[1::2], strict=True)))
# str.translate looks every character up in a dict: only comments with a traditional character pay for it.
_ANY_TRADITIONAL = re.compile("[" + re.escape(lx.TRADITIONAL[::2]) + "]")
_DECORATION = re.compile("[" + re.escape(lx.DECORATION.replace(" ", "").replace("\t", "")) + "]+")
_SPACES = re.compile(r"\s+")
# Emoji, symbols and the platforms' "[捂脸]" stickers: dropped where they would hide a whole-comment match.
_STICKERS = re.compile(r"\[[^\]]{1,4}\]|[\u2600-\u27bf\U0001f000-\U0001faff\ufe0f\u200d✓√✔]")

_QUESTION = _any(lx.QUESTION_PATTERNS)
_RHETORICAL = _any(lx.RHETORICAL_PATTERNS, escape=True)
_KINDS = tuple((kind, _any(words)) for kind, words in lx.QUESTION_KINDS)
_BARE_QUESTIONS = tuple((re.compile(pattern), kind) for pattern, kind in lx.BARE_QUESTIONS)

_INTENT = _any(lx.INTENT_PATTERNS)
_INTENT_WHOLE = re.compile("(?:" + "|".join(lx.INTENT_WHOLE) + r")\+?")
_NEGATED = re.compile(lx.NEGATIONS + "(?:" + "|".join(map(re.escape, lx.NEGATABLE)) + ")了?")
_HESITATION = re.compile(lx.HESITATION)
_REFUND = _any(lx.REFUND_PATTERNS, escape=True)
_CALL_TO_BUY = _any(lx.CALLS_TO_BUY, escape=True)

_CN_NUMBER = "[一二两三四五六七八九十]{1,3}"
_PRODUCT = re.compile(
    rf"#(\d{{1,3}})|no(\d{{1,3}})|第(\d{{1,3}}|{_CN_NUMBER})个|链接(\d{{1,3}})(?!\d)"
    rf"|(?<![\d月])(\d{{1,3}}|(?<![第一二两三四五六七八九十几]){_CN_NUMBER}) ?号")

_LINK = re.compile(lx.LINK_PATTERN)
_CONTACT_ID = re.compile("(?:" + "|".join(map(re.escape, lx.CONTACT_WORDS)) + r")[:]?(?=[a-z_]*\d)[a-z0-9_]{5,}")
_ADD_CONTACT = re.compile(lx.ADD_PREFIX + "(?:" + "|".join(map(re.escape, lx.ADD_TARGETS)) + ")")
# Eight digits or more in a row, spelled out too ("一五九一二三四五六七八"): a phone or QQ number.
_LONG_NUMBER = re.compile("[\\d" + "".join(lx.CHINESE_DIGITS) + "]{8,}")
_SPAM_WORDS = _any(lx.SPAM_WORDS, escape=True)

_COMPLAINT = _any(lx.COMPLAINT_PATTERNS)
_PRAISE = _any(lx.PRAISE_PATTERNS)
_NOT_PRAISE = re.compile(lx.NOT_PRAISE)


def normalize(text: str) -> str:
    """NFKC (full-width digits and letters become plain), lower case, traditional → simplified."""
    normal = unicodedata.normalize("NFKC", text).lower()
    return normal.translate(_TO_SIMPLIFIED) if _ANY_TRADITIONAL.search(normal) else normal


def _spaced(normal: str) -> str:
    """A normalized comment without decoration, one space where it had spaces (so numbers stay apart:
    "扣1 3号" names 3, not 13)."""
    return _SPACES.sub(" ", _DECORATION.sub("", normal)).strip()


def fold(text: str) -> str:
    """The comment as the classifier reads it: normalized, without spaces or decoration."""
    return _spaced(normalize(text)).replace(" ", "")


def _number(token: str) -> int | None:
    """``"3"``, ``"三"``, ``"十五"``, ``"二十"`` → the number; None for a numeral that is none."""
    if token.isdigit():
        return int(token)
    if "十" not in token:
        return lx.CHINESE_DIGITS.get(token) if len(token) == 1 else None
    tens, _, ones = token.partition("十")
    high = lx.CHINESE_DIGITS.get(tens, -1) if tens else 1
    low = lx.CHINESE_DIGITS.get(ones, -1) if ones else 0
    return high * 10 + low if high > 0 and low >= 0 else None


def _numbers(spaced: str) -> Iterator[int]:
    """The 序号 a comment names, in order; the comment normalized, decoration dropped, spaces kept."""
    for match in _PRODUCT.finditer(spaced):
        number = _number(next(g for g in match.groups() if g))
        if number:
            yield number


def product_numbers(text: str) -> Iterator[int]:
    """Every 序号 a comment names, in order ("3号", "#3", "三号", "３号", "第5个", "链接3")."""
    return _numbers(_spaced(normalize(text)))


def product_number(text: str) -> int | None:
    """The first 序号 a comment names, or None."""
    return next(product_numbers(text), None)


def question_kind(folded: str) -> str | None:
    """The kind of question a folded comment asks, or None when it asks nothing."""
    if _QUESTION.search(folded) is None or _RHETORICAL.search(folded):
        return next((kind for word, kind in _BARE_QUESTIONS if word.search(folded)), None)
    return next((kind for kind, words in _KINDS if words.search(folded)), "other")


def is_buying_intent(folded: str) -> bool:
    """Whether a folded comment says the viewer wants to buy, or bought: "扣1", "想要", "已拍", "冲", "1".

    Not when the word is negated ("不想要了", "还没下单": only that phrase goes, so "不想要红色，黑色
    想要" still is), hedged ("想要但是没钱"), a call to others ("想要的扣1"), or refund talk ("拍错了")."""
    bare = _STICKERS.sub("", folded)
    if _INTENT_WHOLE.fullmatch(bare):
        return True
    if _REFUND.search(folded) or _CALL_TO_BUY.search(folded):
        return False
    kept = _HESITATION.sub(" ", _NEGATED.sub(" ", bare))
    return _INTENT.search(kept) is not None and "同问" not in kept


def is_spam(normal: str, folded: str) -> bool:
    """Whether a comment (normalized, and folded) is an ad: a link, a contact id or phone number, "加V",
    or an ad word."""
    if _LINK.search(normal) or _SPAM_WORDS.search(folded) or _ADD_CONTACT.search(folded):
        return True
    bare = _STICKERS.sub("", folded)
    return bool(_CONTACT_ID.search(bare) or _LONG_NUMBER.search(bare))


def is_praise(folded: str) -> bool:
    """Whether a folded comment praises the product, the price or the anchor ("好看", "回购了", "👍")."""
    return _PRAISE.search(_NOT_PRAISE.sub(" ", folded)) is not None


class Classifier:
    """Classifies comments; built once with the user's banned words (the ``banned_words`` setting).

    Args:
        extra_banned: the user's own banned words, added to the Advertising-Law list (an entry
            ``"词=建议"`` is the word ``词``, as in :class:`app.comments.adlaw.AdLawChecker`).
    """

    def __init__(self, extra_banned: Iterable[str] = ()) -> None:
        self._adlaw = AdLawChecker(extra_banned)
        # Most comments contain no term: one regex search says so before the checker walks the text.
        self._maybe_banned = _any((t.casefold() for t in self._adlaw.terms if t), escape=True)

    def banned(self, text: str) -> tuple[str, ...]:
        """The banned words in ``text`` (NFKC), each once, left to right; allowed words ("最近") excepted."""
        normal = unicodedata.normalize("NFKC", text)
        if self._maybe_banned.search(normal.casefold()) is None:
            return ()
        return tuple(dict.fromkeys(f.word for f in self._adlaw.check(normal)))

    def classify(self, text: str) -> Classification:
        """What ``text`` is (see :class:`Classification`)."""
        folded, question, intent, product, spam = _read(text)
        return Classification(question=question, intent=intent, product=product, spam=spam,
                              complaint=_COMPLAINT.search(folded) is not None, praise=is_praise(folded),
                              banned=self.banned(text))


def _read(text: str) -> tuple[str, str | None, bool, int | None, bool]:
    """(folded text, question kind, intent, product number, spam): what every caller needs."""
    normal = normalize(text)
    spaced = _spaced(normal)
    folded = spaced.replace(" ", "")
    question = question_kind(folded)  # an ad may ask too: it is flagged spam, and the feed may hide it
    return folded, question, is_buying_intent(folded), next(_numbers(spaced), None), is_spam(normal, folded)


def essentials(text: str) -> tuple[str | None, bool, int | None]:
    """(question kind, intent, product number) of a comment: what the counts per product need, at half
    the cost of :meth:`Classifier.classify` (no complaint, praise or banned words)."""
    return _read(text)[1:4]


@lru_cache(maxsize=16)
def classifier_for(extra_banned: tuple[str, ...] = ()) -> Classifier:
    """The :class:`Classifier` for these banned words, built once per distinct list."""
    return Classifier(extra_banned)


def classify(text: str, extra_banned: Iterable[str] = ()) -> Classification:
    """Classify one comment with the built-in banned words plus ``extra_banned``."""
    return classifier_for(tuple(extra_banned)).classify(text)


def is_question(text: str) -> bool:
    """Whether a comment asks something (any question kind)."""
    return _read(text)[1] is not None


def intends_to_buy(text: str) -> bool:
    """Whether a comment shows buying intent (see :func:`is_buying_intent`)."""
    return is_buying_intent(fold(text))


__all__ = [
    "QUESTION_KINDS",
    "Classification",
    "Classifier",
    "classifier_for",
    "classify",
    "fold",
    "intends_to_buy",
    "is_question",
    "normalize",
    "product_number",
    "question_kind",
]
