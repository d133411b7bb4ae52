"""The review window on a show with a blocked viewer: their questions read 已屏蔽 (not ✗), 未回答 leaves
them out, and their comments beside the timeline carry the flag (a real log, tests/app/test_review_blocked.py)."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from tests.app.test_review_blocked import FORGIVEN, HONEST, SPAM_AFTER, SPAM_BEFORE, record_blocked_show
from tests.ui.test_review_ui import cell
from ui.review.review_window import ReviewWindow


def _rows(model: object, *headers: str) -> list[tuple[object, ...]]:
    while model.canFetchMore():  # type: ignore[attr-defined]
        model.fetchMore()  # type: ignore[attr-defined]
    return [tuple(cell(model, row, h) for h in headers) for row in range(model.rowCount())]  # type: ignore[attr-defined]


def test_the_review_flags_a_blocked_viewers_questions_and_comments(qtbot: QtBot, tmp_path: Path) -> None:
    show = record_blocked_show(tmp_path)
    window = ReviewWindow(show.path, show.session_id)
    qtbot.addWidget(window)
    window.show_tab(1)
    assert _rows(window.questions, "问题", "已回答") == [
        (SPAM_BEFORE, "已屏蔽"), (HONEST, "✗"), (SPAM_AFTER, "已屏蔽"), (FORGIVEN, "✗")]
    window.unanswered_only.setChecked(True)
    assert _rows(window.questions, "问题") == [(HONEST,), (FORGIVEN,)]  # nobody owes the spammer an answer
    first = window.review.questions()[0]
    window.show_moment(first.ts)
    qtbot.waitUntil(lambda: window.comments.rowCount() > 0)
    viewers = {text: name for name, text in _rows(window.comments, "观众", "评论")}
    assert viewers[SPAM_BEFORE] == "广告号（已屏蔽）"
    assert viewers[HONEST] == "小王"
