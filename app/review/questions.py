"""Viewers' questions and whether they were answered (docs/review.md, "Questions and answered")."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from app.comments.classifier import is_question, product_number
from app.review.blocked import blocked_viewers
from app.review.comment_scan import catalog_no, comment_scan
from app.review.explain_windows import explained_at
from app.review.log_access import loads_object
from app.review.session import SessionReader

#: A question counts as answered by an explain window or a staff reply within this many seconds.
ANSWER_WINDOW_S = 300.0
#: extra keys an adapter (or a generic-protocol room) sets on comments written by the anchor or an admin.
STAFF_FLAGS = ("is_anchor", "is_admin")
STAFF_ROLES = ("anchor", "admin", "owner", "主播", "房管")

#: Question pages up to this many rows are read straight from SQL; further ones from the list of question seqs.
_DIRECT_PAGES = 1000


@dataclass(frozen=True)
class Question:
    seq: int
    ts: float
    user_id: str
    user_name: str
    text: str
    product_no: int | None
    answered: bool
    answered_how: str  # '' | 'pinned' | 'replied' | 'explained'
    blocked: bool = False  # asked by a viewer blocked in this show (app/review/blocked.py): 已屏蔽

    @property
    def unanswered(self) -> bool:
        """Still waiting for an answer: not answered, and not a blocked viewer's (their spam is no question
        anyone owes an answer)."""
        return not self.answered and not self.blocked



@dataclass(frozen=True)
class QuestionRow:
    seq: int
    ts: float
    user_id: str
    user_name: str
    text: str
    named_no: int | None  # "N号" in the text (its first number)


def read_questions(reader: SessionReader, limit: int | None = None, offset: int = 0) -> list[Question]:
    """Questions (app.comments.classifier.is_question) in order, ``limit`` from ``offset``; answered as
    docs/review.md defines: pinned, replied to by the anchor/an admin, or its product explained within 5 minutes;
    ``blocked`` when the viewer was blocked in the show."""
    if limit is not None and offset + limit <= _DIRECT_PAGES and not reader.is_cached("question_seqs"):
        page = _question_page(reader, offset, limit)  # the first pages need not wait for any scan
    else:
        seqs = _question_seqs(reader)
        page = _question_rows(reader, seqs[offset:] if limit is None else seqs[offset:offset + limit])
    if not page:
        return []
    windows = reader.explain_windows()
    starts = [w.start_ts for w in windows]
    pinned = _pinned(reader)
    blocked = blocked_viewers(reader)
    replies = _staff_replies(reader, page[0].ts, page[-1].ts + ANSWER_WINDOW_S)
    reply_ts = [r[0] for r in replies]
    out = []
    for q in page:
        no = q.named_no
        if no is None:
            pid = explained_at(q.ts, windows, starts)
            no = reader.catalog[pid][0] if pid in reader.catalog else next(
                (w.no for w in windows if w.product_id == pid), None) if pid else None
        how = ""
        if q.seq in pinned:
            how = "pinned"
        if not how:
            lo = bisect.bisect_right(reply_ts, q.ts)
            hi = bisect.bisect_right(reply_ts, q.ts + ANSWER_WINDOW_S)
            for _ts, text, reply_to in replies[lo:hi]:
                if reply_to == q.seq or (q.user_name and q.user_name in text) or (
                    q.named_no is not None and product_number(text) == q.named_no
                ):
                    how = "replied"
                    break
        if not how and q.named_no is not None:
            pid = reader.by_no.get(q.named_no)
            for w in windows:
                if (w.product_id == pid or (pid is None and w.no == q.named_no)) and (
                    q.ts < w.start_ts <= q.ts + ANSWER_WINDOW_S
                ):
                    how = "explained"
                    break
        out.append(Question(q.seq, q.ts, q.user_id, q.user_name, q.text, no, bool(how), how, q.user_id in blocked))
    return out


def _pinned(reader: SessionReader) -> set[int]:
    return reader.cached("pinned", lambda: {
        args["seq"] for name, args, *_ in reader.actions
        if name == "pin_comment" and isinstance(args.get("seq"), int)
    })


def _question_rows(reader: SessionReader, seqs: list[int]) -> list[QuestionRow]:
    """The questions with these seqs (in order), read by primary key."""
    found: dict[int, QuestionRow] = {}
    with reader.connection() as conn:
        for i in range(0, len(seqs), 500):
            chunk = seqs[i:i + 500]
            for seq, ts, uid, name, text in conn.execute(
                f"SELECT seq, ts, user_id, user_name, text FROM events WHERE session_id = ? AND seq IN "
                f"({','.join('?' * len(chunk))})", (reader.session_id, *chunk)):
                found[seq] = _question_row(reader, seq, ts, uid, name, text)
    return [found[seq] for seq in seqs if seq in found]


def _question_row(reader: SessionReader, seq: int, ts: float, uid: str | None, name: str | None,
                  text: str | None) -> QuestionRow:
    text = text or ""
    return QuestionRow(seq, ts, uid or "", name or "", text, catalog_no(text, reader.by_no))


def _question_page(reader: SessionReader, offset: int, limit: int) -> list[QuestionRow]:
    """One page of questions straight from SQL, the classifier deciding in SQLite which comment asks."""
    with reader.connection() as conn:
        conn.create_function("is_question", 1, lambda text: is_question(text or ""), deterministic=True)
        rows = conn.execute(
            "SELECT seq, ts, user_id, user_name, text FROM events INDEXED BY events_session_kind_seq "
            "WHERE session_id = ? AND kind = 'comment' AND is_question(text) ORDER BY seq LIMIT ? OFFSET ?",
            (reader.session_id, limit, offset),
        ).fetchall()
    return [_question_row(reader, *row) for row in rows]


def _staff_replies(reader: SessionReader, start: float, end: float) -> list[tuple[float, str, int | None]]:
    """Comments by the anchor or an admin from ``start`` to ``end``: (ts, text, seq replied to)."""

    def compute() -> list[tuple[float, str, int | None]]:
        cond = " OR ".join(f"instr(extra, '{k}') > 0" for k in (*STAFF_FLAGS, '"role"'))
        out = []
        for ts, text, extra_text in reader.query(
            f"SELECT ts, text, extra FROM events WHERE session_id = ? AND ts >= ? AND ts <= ? "
            f"AND kind = 'comment' AND extra IS NOT NULL AND ({cond}) ORDER BY ts, seq",
            (reader.session_id, start, end),
        ):
            extra = loads_object(extra_text)
            if any(extra.get(k) is True for k in STAFF_FLAGS) or extra.get("role") in STAFF_ROLES:
                reply_to = extra.get("reply_to_seq")
                out.append((ts, text or "", reply_to if isinstance(reply_to, int) else None))
        return out

    return reader.cached(("staff", start, end), compute)


def _question_seqs(reader: SessionReader) -> list[int]:
    """Every question's seq, in order (for pages past the first few; read once, on demand)."""

    def compute() -> list[int]:
        texts = comment_scan(reader).question_texts
        if not texts:
            return []
        with reader.connection() as conn:
            conn.execute("CREATE TEMP TABLE q (text TEXT PRIMARY KEY) WITHOUT ROWID")
            conn.executemany("INSERT INTO temp.q VALUES (?)", ((t,) for t in texts))
            return [seq for (seq,) in conn.execute(
                "SELECT e.seq FROM events e NOT INDEXED JOIN temp.q q ON q.text = e.text "
                "WHERE e.session_id = ? AND e.kind = 'comment' ORDER BY e.seq", (reader.session_id,))]

    return reader.cached("question_seqs", compute)
