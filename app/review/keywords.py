"""Hot words (热词): the most frequent words of a session's comments, segmented with jieba."""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable

from app.core.paths import RESOURCES
from app.review.session import SessionReader

_NOT_A_WORD = re.compile(r"[\d\W_]+")
_STOPWORDS = RESOURCES / "stopwords_zh.txt"
_jieba_lock = threading.Lock()


def stopwords() -> frozenset[str]:
    """resources/stopwords_zh.txt: one word a line, ``#`` comments."""
    return _stopwords_cached()


def _stopwords_cached(cache: dict[str, frozenset[str]] = {}) -> frozenset[str]:  # noqa: B006 — a cache
    if "words" not in cache:
        lines = _STOPWORDS.read_text(encoding="utf-8").splitlines()
        cache["words"] = frozenset(w.strip().lower() for w in lines if w.strip() and not w.startswith("#"))
    return cache["words"]


def _jieba_cut() -> Callable[[str], Iterable[str]]:
    with _jieba_lock:
        import jieba  # imported late: its dictionary takes ~1 s to load, only keywords need it

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        return jieba.lcut  # type: ignore[no-any-return]


def read_keywords(reader: SessionReader, top: int) -> list[tuple[str, int]]:
    """The ``top`` words: without stop words, 1-character tokens, numbers and punctuation; each distinct
    comment text is segmented once and weighted by its count."""
    rows = reader.query(
        "SELECT text, count(*) FROM events INDEXED BY events_session_kind_seq "
        "WHERE session_id = ? AND kind = 'comment' GROUP BY text",
        (reader.session_id,),
    )
    cut = _jieba_cut()
    stop = stopwords()
    counts: Counter[str] = Counter()
    for text, n in rows:
        if not text:
            continue
        for token in cut(unicodedata.normalize("NFKC", text)):
            word = token.strip().lower()
            if len(word) < 2 or word in stop or _NOT_A_WORD.fullmatch(word):
                continue
            counts[word] += n
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
