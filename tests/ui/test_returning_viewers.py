"""Returning viewers in the console (回头客): two shows of the demo room recorded into one log; in the
second, the feed tags the viewers the first one saw, and only them, and the viewer card says since when."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pytestqt.qtbot import QtBot

from app.core.events import Kind
from app.store.returning import SEEN_KINDS
from app.store.session_log import SessionLog
from tests.ui.conftest import wait_until
from tests.ui.windows import console_on_demo_room
from ui.live.comment_feed import FeedRole
from ui.live.main_window import MainWindow


def _tagged(window: MainWindow) -> dict[str, str]:
    """user id → the feed's highlight of every comment on screen."""
    model = window.feed.model
    rows = (model.index(r, 0) for r in range(model.rowCount()))
    return {index.data(FeedRole.EVENT).user_id: index.data(FeedRole.HIGHLIGHT) for index in rows
            if index.data(FeedRole.KIND) == Kind.COMMENT and index.data(FeedRole.EVENT).user_id}


def test_the_feed_tags_viewers_of_an_earlier_show_and_the_card_says_since_when(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    db = tmp_path / "shows.sqlite"

    async def first_show() -> int:
        async with console_on_demo_room(qtbot, tmp_path, db, seed=3, rate=200) as (window, engine, _log):
            await wait_until(lambda: engine.state.events >= 400, timeout=20, what="the first show's viewers")
            session_id = engine.state.session_id
            await window.stop_session()
            window.close()
        assert session_id is not None
        return session_id

    first = qloop.run_until_complete(first_show())
    with SessionLog(db) as log:
        seen = {e.user_id for e in log.events(first, kinds=[str(k) for k in SEEN_KINDS]) if e.user_id}
    assert seen

    async def second_show() -> tuple[dict[str, str], str]:
        async with console_on_demo_room(qtbot, tmp_path, db, seed=3, rate=200) as (window, _engine, _log):
            await wait_until(lambda: "returning" in _tagged(window).values(), timeout=20, what="a 回头客 tag")
            await wait_until(lambda: len(_tagged(window)) >= 30, timeout=20, what="comments of the second show")
            tagged = _tagged(window)
            regular = next(uid for uid, tag in tagged.items() if tag == "returning")
            model = window.feed.model
            event = next(model.index(r, 0).data(FeedRole.EVENT) for r in range(model.rowCount())
                         if model.index(r, 0).data(FeedRole.EVENT).user_id == regular)
            window.comments.view_viewer(event)
            card = window.comments.cards[-1]
            assert card.loading is not None
            await card.loading
            facts = card.facts.text()
            await window.stop_session()
            window.close()
        return tagged, facts

    tagged, facts = qloop.run_until_complete(second_show())
    assert {uid for uid, tag in tagged.items() if tag == "returning"} == {
        uid for uid, tag in tagged.items() if uid in seen and tag in ("", "returning")}
    assert "回头客 · 首次来 " in facts
    assert facts.endswith("之前来过 1 场")
