"""Scores of the comment classifier on the labelled set (``tests/app/data/comments_labelled.jsonl``).

Every row is a comment written as viewers write them, with the labels a person gave it and a ``split``:
``tune`` rows may be looked at while changing the word lists, ``heldout`` rows only through these
scores — they are the comments the classifier has never seen. Used by ``tests/app/test_classifier.py``
(the bar the classifier must clear) and ``tests/bench/bench_classifier.py`` (the table ``make bench``
prints).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from app.comments.classifier import Classification, Classifier

LABELLED = Path(__file__).resolve().parent / "app" / "data" / "comments_labelled.jsonl"
#: The yes/no classes scored by precision and recall; "question" is "asks anything" (kind aside).
CLASSES = ("question", "intent", "spam", "complaint", "praise")


def labelled(split: str | None = None) -> list[dict[str, object]]:
    """The labelled rows, all or one split (``"tune"`` or ``"heldout"``)."""
    with LABELLED.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [r for r in rows if split is None or r["split"] == split]


@dataclass
class Counts:
    """True and false positives and false negatives of one class."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Scores:
    """Per-class counts, plus exact-match shares of the question kind and the product number."""

    counts: dict[str, Counts] = field(default_factory=lambda: {c: Counts() for c in CLASSES})
    rows: int = 0
    product_exact: int = 0
    kind_exact: int = 0  # among comments both the label and the classifier call a question
    both_questions: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, row: dict[str, object], got: Classification) -> None:
        self.rows += 1
        for name in CLASSES:
            want, have = bool(row[name]), bool(getattr(got, name))
            counts = self.counts[name]
            counts.tp += want and have
            counts.fp += have and not want
            counts.fn += want and not have
            if want != have:
                self.misses.append(f"{name}: {row['text']!r} labelled {row[name]!r}, got {getattr(got, name)!r}")
        self.product_exact += row["product"] == got.product
        if row["question"] and got.question:
            self.both_questions += 1
            self.kind_exact += row["question"] == got.question

    @property
    def product_share(self) -> float:
        return self.product_exact / self.rows

    @property
    def kind_share(self) -> float:
        return self.kind_exact / self.both_questions if self.both_questions else 1.0


def score(split: str, classifier: Classifier | None = None) -> Scores:
    """The classifier's scores on one split of the labelled set."""
    classifier = classifier or Classifier()
    scores = Scores()
    for row in labelled(split):
        scores.add(row, classifier.classify(str(row["text"])))
    return scores
