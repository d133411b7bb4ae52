"""Viewers blocked in a show (屏蔽此人), flagged in its review and exports: a real log written by the engine
(comments, then block_viewer / unblock_viewer as the console runs them), read back by the review, the
HTML, XLSX and CSV reports."""

from __future__ import annotations

import asyncio
import csv
import time
from dataclasses import dataclass
from pathlib import Path

import openpyxl

from app.core.clock import ManualClock
from app.core.events import Command, Kind, LiveEvent
from app.engine.session import SessionEngine
from app.review.question_kinds import group_questions
from app.review.report import write_report
from app.review.results import Review
from app.store.session_log import SessionLog

SPAM_BEFORE = "3号多少钱？加微信 wx_abc123 领福利"
SPAM_AFTER = "有优惠吗？加V zz88990 代理招募"
HONEST = "什么时候发货？"
FORGIVEN = "2号有XL吗？"


@dataclass(frozen=True)
class BlockedShow:
    path: Path
    session_id: int


def record_blocked_show(tmp_path: Path) -> BlockedShow:
    """A show in which 广告号 (ad1) asks an ad-laden question, is blocked and asks another; 小王 asks
    honestly; 阿花 is blocked by mistake, let back in, and asks."""
    path = tmp_path / "blocked.sqlite"
    with SessionLog(path) as log:
        clock = ManualClock(wall=time.time())  # the log's session ends at the wall clock's now
        engine = SessionEngine(log, clock=clock)
        asyncio.run(engine.start_session("屏蔽测试", "test"))

        def say(uid: str, name: str, text: str) -> None:
            clock.advance(5)
            engine.submit([LiveEvent(Kind.COMMENT, clock.time(), user_id=uid, user_name=name, text=text)])
            engine.drain()

        say("ad1", "广告号", SPAM_BEFORE)
        say("u2", "小王", HONEST)
        assert engine.execute(Command("block_viewer", {"uid": "ad1", "name": "广告号"})).applied
        assert engine.execute(Command("block_viewer", {"uid": "u3", "name": "阿花"})).applied
        assert engine.execute(Command("unblock_viewer", {"uid": "u3"})).applied
        say("ad1", "广告号", SPAM_AFTER)
        say("u3", "阿花", FORGIVEN)
        session_id = engine.state.session_id
        assert session_id is not None
        asyncio.run(engine.end_session())
    return BlockedShow(path, session_id)


def _question_row(html: str, text: str) -> str:
    """The row of ``text`` in the report's list of every question (after the table of kinds)."""
    return html[html.rindex(text):].split("</tr>", 1)[0]


def test_a_blocked_viewers_questions_are_flagged_and_owed_no_answer(tmp_path: Path) -> None:
    show = record_blocked_show(tmp_path)
    with Review(show.path, show.session_id) as review:
        questions = review.questions()
        assert review.blocked_viewers() == {"ad1": "广告号"}  # 阿花 was let back in
    flags = {q.text: (q.blocked, q.unanswered) for q in questions}
    assert flags == {SPAM_BEFORE: (True, False), HONEST: (False, True), SPAM_AFTER: (True, False),
                     FORGIVEN: (False, True)}  # before the block too: the first ad was as much an ad
    assert sum(group.unanswered for group in group_questions(questions)) == 2  # 小王 and 阿花 only


def test_the_reports_mark_the_blocked_viewers_questions_and_events(tmp_path: Path) -> None:
    show = record_blocked_show(tmp_path)
    html = write_report(show.path, show.session_id, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "共 4 个问题，已回答 0 个，未回答 2 个，已屏蔽的观众 2 个" in html
    for text in (SPAM_BEFORE, SPAM_AFTER):
        assert "已屏蔽" in _question_row(html, text)
    assert "已屏蔽" not in _question_row(html, HONEST)

    book = openpyxl.load_workbook(write_report(show.path, show.session_id, tmp_path / "r.xlsx"), read_only=True)
    rows = list(book["问题"].iter_rows(values_only=True))
    header = list(rows[0])
    flagged = {row[header.index("问题")]: (row[header.index("回答")], row[header.index("已屏蔽")]) for row in rows[1:]}
    assert flagged[SPAM_AFTER] == ("已屏蔽", "是")
    assert flagged[HONEST] == ("未回答", None)
    book.close()

    out = write_report(show.path, show.session_id, tmp_path / "events.csv")
    with out.open(encoding="utf-8-sig", newline="") as f:
        events = [row for row in csv.DictReader(f) if row["kind"] == "comment"]
    assert {(row["user_id"], row["blocked"]) for row in events} == {("ad1", "1"), ("u2", ""), ("u3", "")}


def test_english_reports_say_blocked_too(tmp_path: Path) -> None:
    show = record_blocked_show(tmp_path)
    html = write_report(show.path, show.session_id, tmp_path / "r.html", lang="en").read_text(encoding="utf-8")
    assert "Blocked" in _question_row(html, SPAM_AFTER)
