"""The comment scan: one pass over a session's comments for questions, buying intent, "N号" mentions and
comments per minute (docs/review.md). The comments are read in parallel parts, grouped by text in SQL;
each distinct text is classified once in Python."""

from __future__ import annotations

import bisect
from collections import Counter
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from app.comments.classifier import essentials, product_number
from app.review.explain_windows import disjoint, explained_at
from app.review.session import SessionReader

#: The comment scan also counts the timeline's comments per bucket of this many seconds.
SCAN_BUCKET_S = 60

@dataclass(frozen=True)
class CommentScan:
    comments_per_minute: dict[int | None, int]  # timeline bucket (SCAN_BUCKET_S) → comments
    question_count: int
    question_texts: list[str]  # the distinct comment texts that are questions (to find their rows again)
    mentions: Counter[int]  # product no → comments naming it (first number of the comment)
    named_questions: Counter[int]  # product no → questions naming it
    intent_by_window: list[int]  # per explain window (explain_windows() order): intent comments in it
    unnamed_questions: Counter[str]  # product id → questions naming no number, asked while it was explained


# The window (its index ``i``) holding ``e.ts``, from a temp table ``w (i, a, b)`` of disjoint windows: the
# last one starting at or before it, if it has not ended (one index seek per row).
SQL_WINDOW_AT = ("(SELECT CASE WHEN w.b > e.ts THEN w.i END FROM temp.w WHERE w.a <= e.ts "
                 "ORDER BY w.a DESC, w.b DESC LIMIT 1)")


def catalog_no(text: str, by_no: dict[Any, str]) -> int | None:
    """The catalog number ``text`` names ("3号…", "#3", "三号": app.comments.classifier); None if it names
    none, or one that is no product of the catalog ("100号")."""
    return _in_catalog(product_number(text), by_no)


def _in_catalog(no: int | None, by_no: dict[Any, str]) -> int | None:
    """``no`` if the catalog (``by_no``; empty: any number) has it, else None."""
    return None if no is None or (by_no and no not in by_no) else no


def comment_scan(reader: SessionReader) -> CommentScan:
    """Questions, intent, "N号" mentions and comments per minute (docs/review.md), computed once."""
    return reader.cached("scan", lambda: _scan_comments(reader))


def scan_parts(reader: SessionReader) -> list[Future[list[tuple[Any, ...]]]]:
    """The comment scan's SQL, one part per worker, over equal seq ranges of the session (started once)."""
    if reader.seq_range is None:
        return []
    lo, hi = reader.seq_range
    parts = reader.workers if hi - lo > 100_000 else 1
    step = (hi - lo) // parts + 1
    return [reader.future(("scan", i), _scan_part, reader, lo + i * step, lo + (i + 1) * step)
            for i in range(parts)]


def _classify(text: str, by_no: dict[Any, str]) -> tuple[bool, bool, int | None]:
    """(is a question, shows buying intent, the catalog number it names) — docs/review.md, by the comment
    classifier (app/comments/classifier.py)."""
    question, intent, no = essentials(text)
    return question is not None, intent, _in_catalog(no, by_no)


def _scan_part(reader: SessionReader, lo: int, hi: int) -> list[tuple[Any, ...]]:
    """The comments with ``lo <= seq < hi`` grouped by (minute, explain window, text): live chat repeats
    itself ("扣1", "3号多少钱"), so the groups are few. SQLite does the per-row work without the GIL."""
    windows = reader.explain_windows()
    with reader.connection() as conn:
        window_at = "NULL"
        if windows and disjoint(windows):
            conn.execute("CREATE TEMP TABLE w (i INTEGER PRIMARY KEY, a REAL, b REAL)")
            conn.executemany("INSERT INTO temp.w VALUES (?, ?, ?)",
                             [(i, w.start_ts, w.end_ts) for i, w in enumerate(windows)])
            conn.execute("CREATE INDEX temp.w_a ON w (a, b)")
            window_at = SQL_WINDOW_AT
        # Counted into a temp table keyed (minute, window, text) rather than by GROUP BY: SQLite's sorter
        # serializes threads (the parts would not run in parallel), an upsert into a small b-tree does not.
        # The primary-key range, not the kind index: comments are a big share of the events, and
        # reading them through the index costs a b-tree search per row (2x slower).
        conn.execute("CREATE TEMP TABLE g (b INTEGER, wi INTEGER, text TEXT, n INTEGER, "
                     "PRIMARY KEY (b, wi, text)) WITHOUT ROWID")
        conn.execute(
            f"INSERT INTO temp.g (b, wi, text, n) SELECT coalesce(max(0, CAST((e.ts - ?) / ? AS INTEGER)), -1), "
            f"coalesce({window_at}, -1), coalesce(e.text, ''), 1 "
            f"FROM events e NOT INDEXED WHERE e.session_id = ? AND e.seq >= ? AND e.seq < ? "
            f"AND e.kind = 'comment' AND true ON CONFLICT (b, wi, text) DO UPDATE SET n = n + 1",
            (reader.started_at, SCAN_BUCKET_S, reader.session_id, lo, hi),
        )
        return [(None if b < 0 else b, None if wi < 0 else wi, text, n)
                for b, wi, text, n in conn.execute("SELECT b, wi, text, n FROM temp.g")]


def _scan_comments(reader: SessionReader) -> CommentScan:
    """The comment scan's parts added up; each DISTINCT text is classified once in Python (question,
    intent, "N号")."""
    sid = reader.session_id
    windows = reader.explain_windows()
    fast = disjoint(windows)
    with reader.connection() as conn:
        classes: dict[str, tuple[bool, bool, int | None]] = {}
        per_minute: Counter[int | None] = Counter()
        question_count = 0
        mentions: Counter[int] = Counter()
        named: Counter[int] = Counter()
        intent_by_window = [0] * len(windows)
        unnamed: Counter[str] = Counter()
        for b, wi, text, n in (row for part in scan_parts(reader) for row in part.result()):
            per_minute[b] += n
            if not text:
                continue
            cls = classes.get(text)
            if cls is None:
                cls = classes[text] = _classify(text, reader.by_no)
            is_q, wants, no = cls
            if no is not None:
                mentions[no] += n
            if is_q:
                question_count += n
                if no is not None:
                    named[no] += n
                elif wi is not None and windows[wi].product_id:
                    unnamed[windows[wi].product_id] += n
            if wants and wi is not None:
                intent_by_window[wi] += n
        if not fast:  # overlapping windows (clocks went backwards): each comment's time, as laid out
            conn.execute("CREATE TEMP TABLE c (text TEXT PRIMARY KEY, intent INTEGER, unnamed INTEGER) "
                         "WITHOUT ROWID")
            conn.executemany("INSERT INTO temp.c VALUES (?, ?, ?)", [
                (text, int(wants), int(is_q and no is None)) for text, (is_q, wants, no) in classes.items()
                if wants or (is_q and no is None)])
            slow = conn.execute(
                "SELECT c.intent, c.unnamed, e.ts FROM events e NOT INDEXED JOIN temp.c c ON c.text = e.text "
                "WHERE e.session_id = ? AND e.kind = 'comment' AND e.ts IS NOT NULL", (sid,)
            ).fetchall()
            intent_ts = sorted(ts for wants, _, ts in slow if wants)
            for i, w in enumerate(windows):
                intent_by_window[i] = (bisect.bisect_left(intent_ts, w.end_ts)
                                       - bisect.bisect_left(intent_ts, w.start_ts))
            starts = [w.start_ts for w in windows]
            for _, is_unnamed, ts in slow:
                pid = explained_at(ts, windows, starts) if is_unnamed else None
                if pid:
                    unnamed[pid] += 1
    question_texts = [text for text, (is_q, _, _) in classes.items() if is_q]
    return CommentScan(dict(per_minute), question_count, question_texts, mentions, named, intent_by_window,
                        unnamed)
