"""The comment classifier: comments per second on one core (budget ≥ 20,000) and its held-out scores.

Throughput: every comment of the labelled set, each also with a product number and an emoji appended
(so no two calls see the same text), classified in one thread for at least a second of its CPU time. Scores: precision
and recall per class on the held-out third of ``tests/app/data/comments_labelled.jsonl`` (the comments
the word lists were never tuned on), with the bars of the issue where it sets them.
"""

from __future__ import annotations

import time

from app.comments.classifier import Classifier
from tests.classifier_scores import CLASSES, labelled, score

#: The issue's bars on held-out comments: (precision, recall) per class, and product-number exactness.
BARS = {"question": ("≥ 0.9", "≥ 0.85"), "intent": ("≥ 0.9", "≥ 0.85")}
PRODUCT_BAR = "≥ 0.95"


def _throughput(classifier: Classifier) -> float:
    texts = [str(r["text"]) for r in labelled()]
    corpus = [*texts, *(f"{t} {i % 40 + 1}号😍" for i, t in enumerate(texts))]
    # CPU time of this thread: comments per second of one core, however busy the machine's other cores are.
    done, started = 0, time.thread_time()
    while (elapsed := time.thread_time() - started) < 1.0:
        for text in corpus:
            classifier.classify(text)
        done += len(corpus)
    return done / elapsed


def run() -> list[tuple[str, float, str, str]]:
    classifier = Classifier(["假一赔十"])
    rows = [("classifier: comments per second, one core", _throughput(classifier), "comments/s", "≥ 20000")]
    scores = score("heldout", classifier)
    for name in CLASSES:
        counts = scores.counts[name]
        precision_bar, recall_bar = BARS.get(name, ("", ""))
        rows.append((f"classifier held-out {name} precision", counts.precision, "share", precision_bar))
        rows.append((f"classifier held-out {name} recall", counts.recall, "share", recall_bar))
    rows.append(("classifier held-out question kind exact", scores.kind_share, "share", ""))
    rows.append(("classifier held-out product number exact", scores.product_share, "share", PRODUCT_BAR))
    return rows
