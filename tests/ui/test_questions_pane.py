"""The questions pane and the feed tools around it, in the console's comment column (real engine, real widgets)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from app.comments.tags import question_kind_label
from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.events import Command, Kind, LiveEvent
from app.core.settings import Settings
from app.engine.session import SessionEngine
from app.store.session_log import SessionLog
from tests.ui.engines import live_engine
from ui.common.commands import CommandRunner
from ui.live.comment_column import CommentColumn
from ui.live.comment_feed import FeedRole
from ui.live.feed_menu import build_feed_menu
from ui.live.pinned_banner import comment_at
from ui.live.questions_pane import COMPACT_ROW_HEIGHT, ROW_HEIGHT
from ui.live.viewer_card import ViewerCard

T0 = 1_714_565_730.0
_ids = itertools.count(1)


class Column:
    """A window holding the comment column on an engine with a session started."""

    def __init__(self, qtbot: QtBot, tmp_path: Path, engine: SessionEngine | None = None,
                 capacity: int = 5000) -> None:
        self.engine = engine or live_engine(load_products_csv(demo_catalog_path()))
        self.settings_path = tmp_path / "settings.json"
        self.settings = Settings(self.settings_path)
        self.settings.set("feed_capacity", capacity)
        self.window = QMainWindow()
        qtbot.addWidget(self.window)
        self.runner = CommandRunner(self.engine, parent=self.window)
        self.column = CommentColumn(self.runner, self.settings, product_label=str, coupon_label=lambda _id: "")
        self.window.setCentralWidget(self.column)
        self.window.resize(1000, 600)
        self.window.show()
        qtbot.waitExposed(self.window)
        self.feed = self.column.feed
        self.questions = self.column.questions

    def send(self, *events: LiveEvent) -> list[LiveEvent]:
        """Events through the engine (which numbers them) into the column, shown at once."""
        self.engine.submit(list(events))
        batch = self.engine.drain()
        self.column.add_events(batch)
        self.feed.model.flush_now()
        self.questions.model.flush_now()
        return batch

    def feed_texts(self) -> list[str]:
        proxy = self.feed.proxy
        return [proxy.index(r, 0).data(FeedRole.TEXT) for r in range(proxy.rowCount())]

    def question_texts(self) -> list[str]:
        proxy = self.questions.proxy
        return [proxy.index(r, 0).data().split("：", 1)[1] for r in range(proxy.rowCount())]

    def menu_for(self, text: str):  # type: ignore[no-untyped-def]
        view = self.feed.list_view
        row = self.feed_texts().index(text)
        view.setCurrentIndex(self.feed.proxy.index(row, 0))
        event = comment_at(self.feed)
        return build_feed_menu(self.feed, self.runner, self.column.block_list, event,
                               reply=self.column.reply, view_viewer=self.column.view_viewer)


def say(uid: str, text: str, ts: float = T0, **extra: object) -> LiveEvent:
    return LiveEvent(Kind.COMMENT, ts, user_id=uid, user_name=f"观众{uid}", text=text,
                     msg_id=f"m{next(_ids)}", extra=dict(extra) or None)


def action(menu, label: str):  # type: ignore[no-untyped-def]
    return next(a for a in menu.actions() if a.text() == label)


@pytest.fixture
def column(qtbot: QtBot, tmp_path: Path) -> Column:
    return Column(qtbot, tmp_path)


def test_the_pane_keeps_every_question_after_the_feed_has_dropped_them(qtbot: QtBot, tmp_path: Path) -> None:
    column = Column(qtbot, tmp_path, capacity=100)
    for start in range(0, 600, 200):
        column.send(*[say(f"u{i}", f"{i}号有货吗？" if i % 2 else f"第{i}条好看") for i in range(start, start + 200)])
    assert column.feed.model.rowCount() == 100  # the feed shows its last 100 rows only
    assert column.questions.model.rowCount() == 300  # every question of the show
    assert column.question_texts()[0] == "599号有货吗？"  # newest first
    assert column.question_texts()[-1] == "1号有货吗？"
    assert column.questions.title.full_text == "观众提问 300 · 未回答 300"


def test_a_click_marks_a_question_answered_and_unanswered_hides_it(column: Column, qtbot: QtBot) -> None:
    column.send(say("u1", "3号多少钱"), say("u2", "发什么快递？"), say("u3", "好看"))
    assert column.question_texts() == ["发什么快递？", "3号多少钱"]
    view = column.questions.list_view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(view.model().index(1, 0)).center())
    assert column.questions.title.full_text == "观众提问 2 · 未回答 1"
    column.questions.open_button.click()
    assert column.question_texts() == ["发什么快递？"]
    column.questions.open_button.click()
    assert len(column.question_texts()) == 2


def test_reply_from_the_feed_copies_at_name_and_answers_the_question(column: Column) -> None:
    column.send(say("u7", "有XL吗？"))
    messages: list[str] = []
    column.runner.message.connect(lambda text, _error: messages.append(text))
    action(column.menu_for("有XL吗？"), "回复…").trigger()
    assert QGuiApplication.clipboard().text() == "@观众u7 有XL吗？"
    assert messages[-1].startswith("已复制")
    assert column.questions.title.full_text == "观众提问 1 · 未回答 0"


def test_a_blocked_viewers_next_comment_never_shows(column: Column) -> None:
    column.send(say("spam1", "加微信 wx_abc123 领福利？"), say("u2", "3号有货吗"))
    assert "加微信 wx_abc123 领福利？" in column.feed_texts()
    action(column.menu_for("加微信 wx_abc123 领福利？"), "屏蔽此人").trigger()
    assert column.engine.state.blocked == {"spam1": "观众spam1"}
    # Already-shown rows leave the feed and the pane at once; the next ones never arrive.
    assert column.feed_texts() == ["3号有货吗"]
    assert column.question_texts() == ["3号有货吗"]
    column.send(say("spam1", "V信 zz88990 代理招募吗", ts=T0 + 1), say("u3", "好看", ts=T0 + 1))
    assert column.feed_texts() == ["3号有货吗", "好看"]
    assert "V信 zz88990 代理招募吗" not in column.question_texts()
    # The block list persists, and a new console starts with it.
    assert Settings(column.settings_path).get("blocked_viewers") == {"spam1": "观众spam1"}
    # 取消屏蔽 from the menu of someone else's row is not offered; from the filter dialog it is.
    dialog = column.column.open_filters()
    dialog.blocked.selectAll()
    dialog.unblock_selected()
    dialog.accept()
    assert column.engine.state.blocked == {}
    column.send(say("spam1", "我改了", ts=T0 + 2))
    assert column.feed_texts()[-1] == "我改了"


def test_hidden_keywords_from_the_filter_dialog_hide_comments_and_persist(column: Column) -> None:
    dialog = column.column.open_filters()
    dialog.keywords.setPlainText("代理\n加微信")
    dialog.accept()
    column.send(say("u1", "招代理啦"), say("u2", "加微信有优惠"), say("u3", "想要"))
    assert column.feed_texts() == ["想要"]
    assert Settings(column.settings_path).get("hidden_keywords") == ["代理", "加微信"]


def test_copy_and_pin_from_the_menu(column: Column) -> None:
    column.send(say("u5", "主播好美"))
    menu = column.menu_for("主播好美")
    action(menu, "复制").trigger()
    assert QGuiApplication.clipboard().text() == "主播好美"
    action(menu, "置顶评论").trigger()
    pinned = column.engine.state.pinned
    assert pinned is not None
    assert pinned.text == "主播好美"


def test_the_viewer_card_counts_this_shows_comments_gifts_orders_and_claims(qtbot: QtBot, tmp_path: Path,
                                                                           qloop) -> None:  # type: ignore[no-untyped-def]
    with SessionLog(tmp_path / "log.sqlite") as log:
        engine = SessionEngine(log)
        qloop.run_until_complete(engine.start_session("test", "test"))
        column = Column(qtbot, tmp_path, engine=engine)
        column.send(
            LiveEvent(Kind.FANSCLUB, T0, user_id="v1", user_name="老粉", extra={"level": 7}, msg_id="f1"),
            say("v1", "来了来了", ts=T0 + 1),
            LiveEvent(Kind.GIFT, T0 + 2, user_id="v1", user_name="老粉", text="小心心", count=3, amount_fen=300,
                      msg_id="g1"),
            LiveEvent(Kind.ORDER, T0 + 3, user_id="v1", user_name="老粉", product_id="p1", count=1,
                      amount_fen=3990, msg_id="o1"),
            LiveEvent(Kind.COUPON_CLAIM, T0 + 4, user_id="v1", user_name="老粉", extra={"coupon_id": "c1"},
                      msg_id="c1"),
            say("v2", "别人的评论", ts=T0 + 5),
            say("v1", "还有吗", ts=T0 + 6),
        )
        log.flush()
        action(column.menu_for("还有吗"), "查看此人").trigger()
        card = column.column.cards[-1]
        assert isinstance(card, ViewerCard)
        assert not card.isModal()
        assert card.isVisible()
        assert card.loading is not None
        qloop.run_until_complete(card.loading)  # the log is read off the UI thread
        facts = card.facts.text()
        assert "粉丝团 7 级" in facts
        assert "评论 2 条 · 礼物 3 个（¥3）" in facts
        assert "下单 1 笔（¥39.90） · 领券 1 次" in facts
        assert card.history.count() == 5  # two comments, the gift, the order, the claim
        assert all("别人的评论" not in card.history.item(i).text() for i in range(card.history.count()))
        card.block_button.click()
        assert "v1" in engine.state.blocked
        card.close()
        qloop.run_until_complete(engine.end_session())


def test_explaining_a_product_answers_the_questions_that_name_it(column: Column) -> None:
    column.send(say("u1", "3号有XL吗"), say("u2", "5号多少钱"), say("u3", "3号还有货吗"))
    assert column.questions.title.full_text == "观众提问 3 · 未回答 3"
    assert column.engine.execute(Command("explain", {"no": 3})).result == "applied"
    assert column.questions.title.full_text == "观众提问 3 · 未回答 1"
    column.questions.open_button.click()
    assert column.question_texts() == ["5号多少钱"]


def test_explaining_a_product_repaints_its_questions_not_every_question(column: Column) -> None:
    column.send(say("u1", "3号有XL吗"), say("u2", "5号多少钱"), say("u3", "3号还有货吗"))
    model = column.questions.model
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda first, last, _roles: changed.append((first.row(), last.row())))
    assert model.answer_product(3) == 2
    assert changed == [(0, 0), (2, 2)]  # newest first: 3号还有货吗 and 3号有XL吗, not 5号多少钱 between them
    assert [model.answered(r) for r in range(3)] == [True, False, True]
    column.questions.open_button.click()
    assert column.question_texts() == ["5号多少钱"]


def test_each_question_shows_its_kind_in_chinese(column: Column) -> None:
    column.send(say("u1", "5号多少钱"), say("u2", "发什么快递"))
    model = column.questions.model
    assert [question_kind_label(model.question(r).kind) for r in range(2)] == ["发货", "价格"]


def test_intent_is_counted_per_product_in_the_tools_row(column: Column) -> None:
    column.send(*[say(f"u{i}", "3号扣1", ts=T0 + i) for i in range(4)], say("u9", "5号想要", ts=T0 + 5))
    column.column._show_intents()
    assert column.feed.intent_label.full_text == "3号 扣1 ×4 · 5号 扣1 ×1"  # what the row shows, room allowing


def test_ads_are_tagged_and_hidden_when_asked(column: Column) -> None:
    column.send(say("ad1", "加V信 zz88990 代理招募"))
    assert column.feed.proxy.index(0, 0).data(FeedRole.SPAM) is True
    dialog = column.column.open_filters()
    dialog.hide_spam.setChecked(True)
    dialog.accept()
    column.send(say("ad2", "加微信 wx_abc123 领福利", ts=T0 + 1), say("u1", "好看", ts=T0 + 1))
    assert column.feed_texts() == ["加V信 zz88990 代理招募", "好看"]


def test_at_1000_comments_a_second_the_questions_pane_keeps_every_question_of_the_show(
    qtbot: QtBot, qloop, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    """The demo room at ~1,000 comments a second (--rate 4000) into the real console window. How responsive
    the console stays at such rates is measured by ``make bench`` (the GUI rows' loop lag), not here."""

    from app.comments.tags import tags_of
    from tests.ui.conftest import wait_until
    from tests.ui.windows import console_on_demo_room

    db = tmp_path / "flood.sqlite"

    async def scenario() -> tuple[int, int]:
        # About a quarter of the demo room's events are comments: ~1,000 a second.
        async with console_on_demo_room(qtbot, tmp_path, db, seed=11, rate=4000) as (window, engine, _log):
            await wait_until(lambda: engine.state.events >= 9000, timeout=30)  # ~2,250 comments
            session_id = engine.state.session_id
            assert session_id is not None
            await window.stop_session()
            window.comments.questions.model.flush_now()
            shown = window.comments.questions.model.rowCount()
            window.close()
        return session_id, shown

    session_id, shown = qloop.run_until_complete(scenario())
    with SessionLog(db) as log:
        comments = log.events(session_id, kinds=["comment"])
    asked = sum(tags_of(e.text).question is not None for e in comments)
    assert len(comments) > 2000
    assert shown == asked  # every question of the show, not just the feed's tail


def test_a_narrow_pane_gives_each_question_a_line_of_its_own(column: Column, qtbot: QtBot) -> None:
    column.send(say("u1", "3号有XL吗？"))
    view, pane = column.questions.list_view, column.questions
    assert pane.width() >= 300
    assert not pane.delegate.compact
    row = pane.proxy.index(0, 0)
    assert view.visualRect(row).height() == ROW_HEIGHT
    column.window.resize(420, 600)
    qtbot.waitUntil(lambda: view.visualRect(row).height() == COMPACT_ROW_HEIGHT)
    assert pane.delegate.text_shown(row.data(Qt.ItemDataRole.UserRole + 1), view.visualRect(row)) == "3号有XL吗？"
    column.window.resize(1000, 600)
    qtbot.waitUntil(lambda: view.visualRect(row).height() == ROW_HEIGHT)
