"""Viewers' questions grouped by what they ask about (价格与优惠, 库存与链接, …), each kind with its count, how
many went unanswered and the questions asked most often — so a report reads at a glance instead of as a
list of hundreds."""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from app.core.i18n import tr
from app.review.questions import Question

#: (label, words): a question is of the first kind one of whose words it contains; else 其他.
KINDS: tuple[tuple[Callable[[], str], tuple[str, ...]], ...] = (
    (lambda: tr("价格与优惠"), ("多少钱", "价格", "价钱", "几块", "优惠", "便宜", "券", "打折", "折扣", "满减",
                                "到手", "贵")),
    (lambda: tr("库存与链接"), ("有货", "还有", "库存", "没了", "抢", "链接", "上架", "补货", "几号", "拍")),
    (lambda: tr("尺码与规格"), ("尺码", "码", "多大", "多高", "身高", "体重", "斤", "颜色", "色", "规格", "容量",
                                "大小", "适合", "几岁")),
    (lambda: tr("发货与售后"), ("发货", "快递", "包邮", "物流", "几天", "退", "换", "售后", "运费", "到货")),
    (lambda: tr("材质与用法"), ("材质", "面料", "纯棉", "质量", "成分", "怎么用", "怎么泡", "用法", "保质期",
                                "过敏", "味道", "好用")),
)


@dataclass(frozen=True)
class QuestionGroup:
    kind: str  # the kind's label, in the report language
    count: int
    unanswered: int
    top: tuple[tuple[str, int], ...]  # the most asked texts with how often, most first


def kind_of(text: str) -> int:
    """The index in :data:`KINDS` of the first kind ``text`` asks about; ``len(KINDS)`` for 其他."""
    return next((i for i, (_label, words) in enumerate(KINDS) if any(w in text for w in words)), len(KINDS))


def group_questions(questions: Iterable[Question], top: int = 3) -> list[QuestionGroup]:
    """The kinds asked about, most asked first (其他 last); within each, the ``top`` texts asked most often."""
    counts: Counter[int] = Counter()
    unanswered: Counter[int] = Counter()
    texts: dict[int, Counter[str]] = {}
    shown: dict[str, str] = {}  # a text as first asked, by its normalised form (？ and ? count as one)
    for q in questions:
        key = unicodedata.normalize("NFKC", q.text).strip()
        shown.setdefault(key, q.text.strip())
        kind = kind_of(key)
        counts[kind] += 1
        unanswered[kind] += q.unanswered  # a blocked viewer's question is owed no answer
        texts.setdefault(kind, Counter())[key] += 1
    groups = []
    for kind, n in sorted(counts.items(), key=lambda kv: (kv[0] == len(KINDS), -kv[1], kv[0])):  # 其他 last
        label = KINDS[kind][0]() if kind < len(KINDS) else tr("其他")
        asked = sorted(texts[kind].items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        groups.append(QuestionGroup(label, n, unanswered[kind], tuple((shown[t], c) for t, c in asked)))
    return groups
