"""The viewer card reads the session log off the UI thread (real SQLite log, real engine, real widgets).

The card opens at once saying 正在加载…, fills with the viewer's show when the read returns, survives being
closed before that, and says so when the log cannot be read. What the card counts is tested through the
feed's menu in tests/ui/test_questions_pane.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6
from pytestqt.qtbot import QtBot

from app.core.events import Kind, LiveEvent
from app.core.settings import Settings
from app.engine.session import SessionEngine
from app.store.session_log import SessionLog
from ui.common.commands import CommandRunner
from ui.live.feed_menu import BlockList
from ui.live.viewer_card import open_viewer_card

T0 = 1_714_565_730.0


class Show:
    """A session on a real log with one viewer's comments and order committed, and a block list over it."""

    def __init__(self, log: SessionLog, tmp_path: Path, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.engine = SessionEngine(log)
        loop.run_until_complete(self.engine.start_session("test", "test"))
        self.runner = CommandRunner(self.engine)
        self.block_list = BlockList(self.runner, Settings(tmp_path / "settings.json"))
        self.engine.submit([
            LiveEvent(Kind.COMMENT, T0, user_id="v1", user_name="老粉", text="来了来了", msg_id="m1"),
            LiveEvent(Kind.COMMENT, T0 + 1, user_id="v2", user_name="路人", text="别人的评论", msg_id="m2"),
            LiveEvent(Kind.ORDER, T0 + 2, user_id="v1", user_name="老粉", product_id="p1", count=1,
                      amount_fen=3990, msg_id="o1"),
            LiveEvent(Kind.COMMENT, T0 + 3, user_id="v1", user_name="老粉", text="还有吗", msg_id="m3"),
        ])
        self.batch = self.engine.drain()
        log.flush()

    def clicked(self) -> LiveEvent:
        """The feed row the operator right-clicked: 老粉's last comment."""
        return self.batch[-1]

    def end(self) -> None:
        self.block_list.close()
        self.loop.run_until_complete(self.engine.end_session())


@pytest.fixture
def show(tmp_path: Path, qloop: asyncio.AbstractEventLoop) -> Iterator[Show]:
    with SessionLog(tmp_path / "log.sqlite") as log:
        show = Show(log, tmp_path, qloop)
        yield show
        show.end()


def history(card) -> list[str]:  # type: ignore[no-untyped-def]
    return [card.history.item(i).text() for i in range(card.history.count())]


def test_the_card_opens_at_once_saying_loading_and_fills_from_the_log(qtbot: QtBot, show: Show) -> None:
    card = open_viewer_card(show.clicked(), show.block_list)
    qtbot.addWidget(card)
    assert card.isVisible()
    assert card.facts.text() == "正在加载…"  # nothing was read on the UI thread
    assert history(card) == []
    assert card.loading is not None
    show.loop.run_until_complete(card.loading)
    assert "评论 2 条" in card.facts.text()
    assert "下单 1 笔（¥39.90）" in card.facts.text()
    rows = history(card)
    assert len(rows) == 3
    assert rows[0].endswith("来了来了")
    assert rows[-1].endswith("还有吗")
    assert not any("别人的评论" in row for row in rows)


def test_a_card_closed_before_the_log_answers_stops_its_load(qtbot: QtBot, show: Show) -> None:
    card = open_viewer_card(show.clicked(), show.block_list)
    task = card.loading
    assert task is not None
    card.close()
    show.loop.run_until_complete(asyncio.wait([task]))
    assert task.cancelled()
    qtbot.waitUntil(lambda: not shiboken6.isValid(card))  # deleted on close, never filled


def test_a_log_that_cannot_be_read_says_so_in_the_card(qtbot: QtBot, show: Show, tmp_path: Path) -> None:
    (tmp_path / "log.sqlite").unlink()  # the writer keeps its open file; a new reader finds none
    card = open_viewer_card(show.clicked(), show.block_list)
    qtbot.addWidget(card)
    assert card.loading is not None
    show.loop.run_until_complete(card.loading)
    assert card.facts.text() == "读不到此人的记录，请稍后再打开"
    assert history(card) == []
