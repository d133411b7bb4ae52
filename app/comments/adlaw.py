"""Advertising Law check (广告法极限词): find absolute claims in a script and suggest wording.

China's Advertising Law (《广告法》第九条) forbids absolute terms such as 最佳, 第一, 国家级 in ads, and
live-commerce platforms enforce it on what the anchor says. :func:`check` finds the built-in terms plus
the user's own (the ``banned_words`` setting) and returns each with a suggested replacement, for the
teleprompter and the selling-points editor to highlight.

Words that merely *contain* an absolute term but state no claim are on an allow-list and never flagged:
最近 ("recently"), 最后 ("last"), 最终, 最初, 最少 (a quantity: "最少两件"), 第一次, 第一天, 第一步
(sequence, not rank). The allow-list wins over the single character 最 and over 第一, but a longer
banned term still wins over an allowed word that starts at the same place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: Built-in absolute terms → a suggested replacement (shown in the tooltip).
BUILTIN_TERMS: dict[str, str] = {
    "最": "很/非常",
    "最好": "很好/优秀",
    "最佳": "优秀/出色",
    "最优": "优质",
    "最低价": "优惠价/到手价",
    "最便宜": "很划算",
    "最强": "很强",
    "最高级": "高品质",
    "全网最低": "直播间专享价",
    "全网最低价": "直播间专享价",
    "第一": "热销/领先",
    "第一品牌": "热销品牌",
    "唯一": "专属",
    "国家级": "专业级",
    "世界级": "专业级",
    "顶级": "高端/品质",
    "极品": "精选",
    "极致": "精心",
    "100%": "高比例",
    "绝对": "非常",
    "万能": "多用途",
    "史上": "近期",
    "首个": "新推出",
    "首家": "新推出",
    "独家": "专享",
    "特效": "有效果",
    "根治": "改善",
    "永久": "长效",
    "无敌": "出色",
    "王牌": "主打",
    "秒杀全网": "很有竞争力",
}

#: Words that contain an absolute term but state no claim (see the module docstring).
ALLOWED: tuple[str, ...] = ("最近", "最后", "最终", "最初", "最少", "第一次", "第一天", "第一步")

#: Suggestion for a user-defined word without its own.
DEFAULT_SUGGESTION = "请改写"


@dataclass(frozen=True, slots=True)
class Finding:
    """A banned term in the text: ``text[start:end] == word``; ``suggestion`` is the replacement."""

    start: int
    end: int
    word: str
    suggestion: str


class AdLawChecker:
    """The built-in terms plus ``extra`` (the user's ``banned_words``), checked longest match first.

    Args:
        extra: the user's own terms; an entry ``"词=建议"`` carries its own suggestion.
        allowed: words never flagged (default :data:`ALLOWED`).
    """

    def __init__(self, extra: Iterable[str] = (), allowed: Iterable[str] = ALLOWED) -> None:
        terms = dict(BUILTIN_TERMS)
        for entry in extra:
            word, _, suggestion = str(entry).partition("=")
            word = word.strip()
            if word:
                terms[word] = suggestion.strip() or DEFAULT_SUGGESTION
        self.terms = terms
        self.allowed = tuple(a for a in allowed if a)
        # Longest first, so 全网最低价 beats 最低价 beats 最.
        self._terms_by_length = sorted(terms, key=len, reverse=True)

    def check(self, text: str) -> list[Finding]:
        """Every banned term in ``text``, left to right, non-overlapping."""
        findings: list[Finding] = []
        folded = text.casefold()
        i, n = 0, len(text)
        while i < n:
            term = next((t for t in self._terms_by_length if folded.startswith(t.casefold(), i)), None)
            allowed = next((a for a in self.allowed if folded.startswith(a.casefold(), i)), None)
            if allowed is not None and (term is None or len(term) <= len(allowed)):
                i += len(allowed)
                continue
            if term is None:
                i += 1
                continue
            findings.append(Finding(i, i + len(term), text[i : i + len(term)], self.terms[term]))
            i += len(term)
        return findings


def check(text: str, extra: Iterable[str] = ()) -> list[Finding]:
    """Check ``text`` against the built-in terms plus ``extra`` (see :class:`AdLawChecker`)."""
    return AdLawChecker(extra).check(text)
