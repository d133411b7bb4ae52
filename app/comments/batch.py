"""``livedeck classify``: comments one per line on stdin, one JSON object per line on stdout.

For batch work on exported comments and for measuring the classifier (docs/classifier.md). Each output
line is ``{"text", "question", "intent", "product", "spam", "complaint", "praise", "banned"}`` for the
input line of the same position; an empty line gives an object for the empty text, so the order and
count always match. Banned words are the Advertising-Law list, the ``banned_words`` setting and every
``--banned`` word.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from app.comments.classifier import Classifier
from app.core.i18n import tr
from app.core.settings import Settings


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """The ``classify`` subcommand, added to ``livedeck``'s subparsers."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "classify", help=tr("给评论分类：标准输入每行一条评论，标准输出每行一个 JSON"))
    parser.add_argument("--banned", action="append", default=[], metavar="WORD",
                        help=tr("再加一个违禁词（可重复；设置里的违禁词总会用上）"))
    return parser


def classify_lines(lines: Iterable[str], out: TextIO, classifier: Classifier) -> int:
    """Write one JSON object per line of ``lines`` to ``out``; returns how many were written."""
    count = 0
    for line in lines:
        text = line.rstrip("\r\n")
        result = classifier.classify(text)
        record = {"text": text, "question": result.question, "intent": result.intent,
                  "product": result.product, "spam": result.spam, "complaint": result.complaint,
                  "praise": result.praise, "banned": list(result.banned)}
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def run(args: argparse.Namespace, settings: Settings | None = None) -> int:
    """``livedeck classify``: stdin → stdout as UTF-8, whatever the console's code page."""
    settings = settings or Settings()
    words = [*settings.get("banned_words"), *args.banned]
    for stream in (sys.stdin, sys.stdout):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")
    classify_lines(sys.stdin, sys.stdout, Classifier(words))
    return 0
