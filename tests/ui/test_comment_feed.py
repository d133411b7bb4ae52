from __future__ import annotations

import itertools
import time

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QEnterEvent
from PySide6.QtWidgets import QApplication

from app.core.events import Kind, LiveEvent
from ui.live import comment_model
from ui.live.comment_feed import ROW_HEIGHT, CommentFeedModel, CommentFeedView, FeedFilter, FeedRole

T0 = time.mktime((2024, 5, 1, 20, 15, 30, 0, 0, -1))
_ids = itertools.count()


def comment(user: str, text: str, ts: float = T0) -> LiveEvent:
    return LiveEvent(kind=Kind.COMMENT, ts=ts, user_id=str(next(_ids)), user_name=user, text=text)


def numbered(n: int, start: int = 0) -> list[LiveEvent]:
    return [comment(f"观众{i}", f"第{i}条弹幕") for i in range(start, start + n)]


def texts(model: object, role: int = FeedRole.TEXT) -> list[str]:
    return [model.index(r, 0).data(role) for r in range(model.rowCount())]  # type: ignore[attr-defined]


@pytest.fixture
def feed(qtbot) -> CommentFeedView:
    view = CommentFeedView()
    qtbot.addWidget(view)
    view.resize(480, 400)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_comment_appears_after_the_batch_timer(qtbot) -> None:
    model = CommentFeedModel()
    model.add_events([comment("小王", "3号有货吗")])
    assert model.rowCount() == 0  # batched, not inserted one by one
    with qtbot.waitSignal(model.flushed, timeout=1000) as blocker:
        pass
    assert blocker.args == [0, 0]
    index = model.index(0, 0)
    assert index.data(FeedRole.USER_NAME) == "小王"
    assert index.data(FeedRole.TEXT) == "3号有货吗"
    assert index.data(FeedRole.TIME) == "20:15:30"
    assert index.data(Qt.ItemDataRole.DisplayRole) == "20:15:30 小王：3号有货吗"
    assert index.data(FeedRole.KIND) == "comment"
    assert index.data(FeedRole.QUESTION) is True
    assert index.data(FeedRole.EVENT).user_id


def test_a_comment_after_a_quiet_spell_waits_for_no_timer_and_the_next_for_the_interval(
    qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(comment_model, "FLUSH_INTERVAL_MS", 60_000)  # only a woken flush can happen here
    model = CommentFeedModel()
    with qtbot.waitSignal(model.flushed, timeout=2000):  # far inside the minute: not the interval's timer
        model.add_events([comment("小王", "3号有货吗")])
    model.add_events([comment("小李", "扣1")])  # right after a flush: it waits for the interval
    for _ in range(20):
        QApplication.processEvents()
    assert (model.rowCount(), model.pending_count) == (1, 1)


def test_a_burst_is_one_insert(qtbot) -> None:
    model = CommentFeedModel()
    inserts: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserts.append((first, last)))
    with qtbot.waitSignal(model.flushed, timeout=1000):
        for batch in range(3):
            model.add_events(numbered(2, start=batch * 2))
    assert inserts == [(0, 5)]
    assert texts(model)[-1] == "第5条弹幕"
    assert model.total_received == 6


def test_inserting_100000_rows_one_at_a_time_survives() -> None:
    # Guards the PySide6 6.12.0 + CPython 3.11 crash: each begin/endInsertRows dropped a reference to
    # None until the interpreter died ("none_dealloc"). See docs/architecture.md, platform facts.
    from PySide6.QtCore import QCoreApplication

    assert QCoreApplication.instance() is not None or QApplication([]) is not None
    model = CommentFeedModel(capacity=1000)
    events = [comment("压测", f"扣1 第{i}条") for i in range(100_000)]  # distinct: the same text would merge
    for event in events:
        model.add_events((event,))
        model.flush_now()
    assert model.rowCount() == 1000
    assert model.total_received == 100_000
    assert model.index(999, 0).data(FeedRole.SEQ) == 99_999


def test_capacity_keeps_the_newest(qtbot) -> None:
    model = CommentFeedModel(capacity=10)
    removals: list[tuple[int, int]] = []
    model.rowsRemoved.connect(lambda _parent, first, last: removals.append((first, last)))
    model.add_events(numbered(25))  # more than capacity in one flush: the oldest never enter
    model.flush_now()
    assert texts(model) == [f"第{i}条弹幕" for i in range(15, 25)]
    assert removals == []
    model.add_events(numbered(5, start=25))
    model.flush_now()
    assert texts(model) == [f"第{i}条弹幕" for i in range(20, 30)]
    assert removals == [(0, 4)]
    assert [model.index(r, 0).data(FeedRole.SEQ) for r in (0, 9)] == [20, 29]


def test_likes_and_viewer_stats_are_not_rows_enters_are_optional(qtbot) -> None:
    model = CommentFeedModel()
    noise = [
        LiveEvent(kind=Kind.LIKE, ts=T0, user_name="点赞的", count=30),
        LiveEvent(kind=Kind.VIEWER_STATS, ts=T0, count=1234),
        LiveEvent(kind=Kind.ENTER, ts=T0, user_name="路人甲"),
        LiveEvent(kind=Kind.PRODUCT_CLICK, ts=T0, user_name="路人乙", product_id="p1"),
    ]
    model.add_events(noise)
    model.flush_now()
    assert model.rowCount() == 0
    model.show_enters = True
    model.add_events(noise)
    model.flush_now()
    assert model.rowCount() == 1
    assert model.index(0, 0).data() == "20:15:30 路人甲：进入了直播间"


def test_every_feed_kind_has_a_readable_line(qtbot) -> None:
    model = CommentFeedModel()
    model.add_events(
        [
            LiveEvent(kind=Kind.GIFT, ts=T0, user_name="大哥", text="嘉年华", count=2, amount_fen=600000),
            LiveEvent(kind=Kind.FOLLOW, ts=T0, user_name="小美"),
            LiveEvent(kind=Kind.ORDER, ts=T0, user_name="买家", text="羊毛大衣", count=1, amount_fen=39900),
            LiveEvent(kind=Kind.SHARE, ts=T0, user_name="热心观众"),
            LiveEvent(kind=Kind.FANSCLUB, ts=T0, user_name="铁粉", extra={"level": 5}),
            LiveEvent(kind=Kind.COUPON_CLAIM, ts=T0, user_name="省钱", text="满199减30"),
            LiveEvent(kind=Kind.SYSTEM, ts=T0, text="直播间已开启"),
            LiveEvent(kind=Kind.LIVE_END, ts=T0),
        ]
    )
    model.flush_now()
    assert texts(model, Qt.ItemDataRole.DisplayRole) == [
        "20:15:30 大哥：送出 嘉年华 ×2  ¥6000",
        "20:15:30 小美：关注了主播",
        "20:15:30 买家：下单 羊毛大衣 ×1  ¥399",
        "20:15:30 热心观众：分享了直播间",
        "20:15:30 铁粉：粉丝团升到 5 级",
        "20:15:30 省钱：领取了优惠券 满199减30",
        "20:15:30 直播间已开启",
        "20:15:30 直播已结束",
    ]


def test_model_passes_qtmodeltester(qtmodeltester) -> None:
    model = CommentFeedModel(capacity=20)
    model.add_events(numbered(15))
    model.flush_now()
    qtmodeltester.check(model, force_py=True)
    model.add_events(numbered(15, start=15))  # trims while the tester watches
    model.flush_now()
    model.clear()


def test_proxy_passes_qtmodeltester(qtmodeltester, feed: CommentFeedView) -> None:
    feed.add_events([comment("a", "多少钱"), comment("b", "扣1"), comment("c", "好看")])
    feed.model.flush_now()
    qtmodeltester.check(feed.proxy, force_py=True)
    feed.set_filter(FeedFilter.QUESTION)
    feed.set_search("A")


def test_search_box_narrows_to_matching_user_or_text(qtbot, feed: CommentFeedView) -> None:
    feed.add_events(
        [
            comment("Alice小店", "好看"),
            comment("路人", "alice 同款有吗"),
            comment("小王", "多少钱"),
        ]
    )
    feed.model.flush_now()
    assert feed.search_box.placeholderText() == "搜索用户或内容…"
    qtbot.keyClicks(feed.search_box, "ALICE")
    assert texts(feed.proxy, FeedRole.USER_NAME) == ["Alice小店", "路人"]
    feed.search_box.clear()
    feed.search_box.insert("多少")  # typed through an input method (QTest only types ASCII)
    assert texts(feed.proxy, FeedRole.USER_NAME) == ["小王"]
    feed.add_events([comment("新来的", "这个多少")])  # later rows are filtered too
    feed.model.flush_now()
    assert texts(feed.proxy, FeedRole.USER_NAME) == ["小王", "新来的"]
    feed.search_box.clear()
    assert feed.proxy.rowCount() == 4


def test_question_and_intent_filters(qtbot, feed: CommentFeedView) -> None:
    feed.add_events(
        [
            comment("a", "3号有货吗"),
            comment("b", "扣1"),
            comment("c", "主播好美"),
            comment("d", "已拍"),
            comment("e", "怎么洗？"),
            LiveEvent(kind=Kind.GIFT, ts=T0, user_name="f", text="小心心"),
        ]
    )
    feed.model.flush_now()
    buttons = feed.filter_buttons
    assert [buttons[m].text() for m in FeedFilter] == ["全部", "提问", "想要"]
    qtbot.mouseClick(buttons[FeedFilter.QUESTION], Qt.MouseButton.LeftButton)
    assert texts(feed.proxy) == ["3号有货吗", "怎么洗？"]
    qtbot.mouseClick(buttons[FeedFilter.INTENT], Qt.MouseButton.LeftButton)
    assert texts(feed.proxy) == ["扣1", "已拍"]
    assert buttons[FeedFilter.INTENT].isChecked()
    assert not buttons[FeedFilter.QUESTION].isChecked()
    qtbot.mouseClick(buttons[FeedFilter.ALL], Qt.MouseButton.LeftButton)
    assert feed.proxy.rowCount() == 6


def top_visible_seq(feed: CommentFeedView) -> int:
    QApplication.processEvents()
    return feed.list_view.indexAt(QPoint(4, ROW_HEIGHT // 2)).data(FeedRole.SEQ)


def at_bottom(feed: CommentFeedView) -> bool:
    QApplication.processEvents()  # let the view lay out the new rows, as it does before painting
    bar = feed.list_view.verticalScrollBar()
    return bar.value() == bar.maximum() > 0


def test_follows_new_rows_while_at_the_bottom(qtbot, feed: CommentFeedView) -> None:
    for start in range(0, 200, 50):
        feed.add_events(numbered(50, start=start))
        with qtbot.waitSignal(feed.model.flushed, timeout=1000):
            pass
        assert at_bottom(feed)
        last = feed.proxy.index(feed.proxy.rowCount() - 1, 0)
        assert feed.list_view.viewport().rect().contains(feed.list_view.visualRect(last))
    assert feed.new_messages_button.isHidden()


def test_scrolled_up_stays_put_counts_new_rows_and_jumps_back(qtbot, feed: CommentFeedView) -> None:
    feed.model.add_events(numbered(100))
    feed.model.flush_now()
    assert at_bottom(feed)
    bar = feed.list_view.verticalScrollBar()
    bar.setValue(bar.value() - 20 * ROW_HEIGHT)  # the user scrolls up to read
    reading = top_visible_seq(feed)
    assert not feed.is_following

    feed.add_events(numbered(7, start=100))
    with qtbot.waitSignal(feed.model.flushed, timeout=1000):
        pass
    assert top_visible_seq(feed) == reading
    button = feed.new_messages_button
    assert button.isVisible()
    assert button.text() == "7 条新消息 ↓"
    assert feed.list_view.rect().contains(button.geometry())

    feed.add_events(numbered(3, start=107))
    feed.model.flush_now()
    assert button.text() == "10 条新消息 ↓"
    assert top_visible_seq(feed) == reading

    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert at_bottom(feed)
    assert button.isHidden()
    assert feed.is_following
    feed.add_events(numbered(5, start=110))
    feed.model.flush_now()
    assert at_bottom(feed)
    assert button.isHidden()


def test_reading_position_survives_trimming_from_the_top(qtbot) -> None:
    feed = CommentFeedView(CommentFeedModel(capacity=120))
    qtbot.addWidget(feed)
    feed.resize(480, 400)
    feed.show()
    qtbot.waitExposed(feed)
    feed.model.add_events(numbered(120))
    feed.model.flush_now()
    bar = feed.list_view.verticalScrollBar()
    bar.setValue(bar.value() - 60 * ROW_HEIGHT)
    reading = top_visible_seq(feed)
    feed.model.add_events(numbered(30, start=120))  # 30 oldest rows leave the model
    feed.model.flush_now()
    assert feed.model.index(0, 0).data(FeedRole.SEQ) == 30
    assert top_visible_seq(feed) == reading
    assert feed.new_messages_button.text() == "30 条新消息 ↓"


def test_hovering_pauses_and_leaving_resumes(qtbot, feed: CommentFeedView) -> None:
    feed.model.add_events(numbered(50))
    feed.model.flush_now()
    viewport = feed.list_view.viewport()
    center = QPointF(viewport.rect().center())
    QApplication.sendEvent(viewport, QEnterEvent(center, center, QPointF(viewport.mapToGlobal(center))))
    assert not feed.is_following
    feed.add_events(numbered(4, start=50))
    feed.model.flush_now()
    assert not at_bottom(feed)
    assert feed.new_messages_button.text() == "4 条新消息 ↓"
    QApplication.sendEvent(viewport, QEvent(QEvent.Type.Leave))
    assert feed.is_following
    assert at_bottom(feed)
    assert feed.new_messages_button.isHidden()


def test_filter_change_shows_the_newest_matches(qtbot, feed: CommentFeedView) -> None:
    feed.model.add_events([*numbered(100), comment("x", "扣1"), *numbered(100, start=100)])
    feed.model.flush_now()
    bar = feed.list_view.verticalScrollBar()
    bar.setValue(0)
    feed.set_filter(FeedFilter.INTENT)
    assert texts(feed.proxy) == ["扣1"]
    feed.set_filter(FeedFilter.ALL)
    assert at_bottom(feed)
    assert feed.is_following
    assert feed.new_messages_button.isHidden()


def test_english_labels(qtbot) -> None:
    from app.core import i18n

    i18n.set_language("en")
    view = CommentFeedView()
    qtbot.addWidget(view)
    assert view.search_box.placeholderText() == "Search user or text…"
    assert [view.filter_buttons[m].text() for m in FeedFilter] == ["All", "Questions", "Buying"]
    view.add_events([LiveEvent(kind=Kind.FOLLOW, ts=T0, user_name="Amy")])
    view.model.flush_now()
    assert view.model.index(0, 0).data() == "20:15:30 Amy：followed the host"


def test_feed_renders_chinese_in_the_dark_theme(qtbot, qapp, tmp_path) -> None:
    from ui.common import theme

    assert theme.cjk_font_families(), "no CJK font installed: Chinese would render as boxes"
    font = qapp.font()
    theme.apply_theme(qapp)
    try:
        view = CommentFeedView()
        qtbot.addWidget(view)
        view.resize(480, 800)
        view.show()
        qtbot.waitExposed(view)
        view.add_events(
            [
                comment("小鹿乱撞", "3号有货吗"),
                comment("北京大妞", "扣1"),
                LiveEvent(kind=Kind.GIFT, ts=T0, user_name="大哥", text="嘉年华", count=1, amount_fen=300000),
                LiveEvent(
                    kind=Kind.ORDER, ts=T0, user_name="买家", text="羊毛大衣", count=1, amount_fen=39900
                ),
                LiveEvent(kind=Kind.SYSTEM, ts=T0, text="直播间已开启"),
            ]
        )
        view.model.flush_now()
        image = view.grab().toImage()
        assert image.save(str(tmp_path / "feed.png"))
        background = theme.color("background")
        first_row = view.list_view.visualRect(view.proxy.index(0, 0))
        origin = view.list_view.viewport().mapTo(view, first_row.topLeft())
        painted = {
            image.pixelColor(origin.x() + x, origin.y() + y).name()
            for x in range(0, min(first_row.width(), 300), 2)
            for y in range(0, first_row.height(), 2)
        }
        assert len(painted - {background.name()}) > 10  # the row has text on it, not an empty band
    finally:
        qapp.setStyleSheet("")
        qapp.setFont(font)


def test_an_order_names_its_product_as_the_show_does(qtbot) -> None:
    labels = {"100552": "3号 每日坚果混合果仁"}
    model = CommentFeedModel(10, product_label=lambda pid: labels.get(pid, pid))
    model.add_events([
        LiveEvent(kind="order", ts=1_700_000_000.0, user_name="买家小王", product_id="100552", count=2,
                  amount_fen=17980),
        LiveEvent(kind="order", ts=1_700_000_001.0, user_name="买家小李", product_id="999", count=1,
                  amount_fen=100),
    ])
    model.flush_now()
    assert model.row_at(0).body == "下单 3号 每日坚果混合果仁 ×2  ¥179.80"
    assert model.row_at(1).body == "下单 999 ×1  ¥1"  # unknown to the catalog: its id


def test_a_pointer_resting_over_the_feed_stops_pausing_it(qtbot, feed: CommentFeedView) -> None:
    feed._hover_timer.setInterval(50)  # HOVER_PAUSE_MS is 3 s in the console
    feed.model.add_events(numbered(50))
    feed.model.flush_now()
    viewport = feed.list_view.viewport()
    center = QPointF(viewport.rect().center())
    QApplication.sendEvent(viewport, QEnterEvent(center, center, QPointF(viewport.mapToGlobal(center))))
    assert not feed.is_following  # the streamer is pointing at something
    feed.add_events(numbered(4, start=50))
    feed.model.flush_now()
    assert not at_bottom(feed)
    qtbot.waitUntil(lambda: feed.is_following, timeout=2000)  # the mouse was left there
    assert at_bottom(feed)
    assert feed.new_messages_button.isHidden()


# -- tools for a busy room: merging, kinds, slow mode, pause, highlights ------------------------------------------


def test_the_same_text_within_seconds_is_one_row_counted(qtbot) -> None:
    model = CommentFeedModel()
    model.add_events([comment(f"观众{i}", "扣1", ts=T0 + i) for i in range(4)])
    model.flush_now()
    assert model.rowCount() == 1
    assert model.index(0, 0).data(FeedRole.REPEAT) == 4
    changed: list[int] = []
    model.dataChanged.connect(lambda first, _last, _roles: changed.append(first.row()))
    model.add_events([comment("又一位", " 扣1 ", ts=T0 + 4), comment("别人", "好看", ts=T0 + 4)])
    model.flush_now()
    assert changed == [0]  # the shown row repaints with its new count
    assert model.index(0, 0).data(FeedRole.REPEAT) == 5
    model.add_events([comment("晚来的", "扣1", ts=T0 + 4 + 6)])  # past the merge window: a row of its own
    model.flush_now()
    assert texts(model) == ["扣1", "好看", "扣1"]


def test_a_growing_count_repaints_only_its_rows_and_the_filters_still_hold(qtbot, feed: CommentFeedView) -> None:
    # "扣1" is row 0, "好看" row 31, thirty other comments between them; then each is said again.
    feed.add_events([comment("甲", "扣1"), *numbered(30), comment("乙", "好看")])
    feed.model.flush_now()
    feed.model.moderation.block("spammer")
    feed.add_events([LiveEvent(kind=Kind.COMMENT, ts=T0, user_id="spammer", user_name="广告", text="扣1")])
    feed.refresh_blocked()
    feed.set_search("1")
    shown = texts(feed.proxy)
    assert shown[0] == "扣1"
    assert "好看" not in shown
    changed: list[tuple[int, int]] = []
    feed.model.dataChanged.connect(lambda first, last, _roles: changed.append((first.row(), last.row())))
    shown_changed: list[int] = []
    feed.proxy.dataChanged.connect(lambda first, _last, _roles: shown_changed.append(first.row()))
    feed.add_events([comment("丙", "扣1", ts=T0 + 2), comment("丁", "好看", ts=T0 + 2)])
    feed.model.flush_now()
    # Each grown row repaints on its own, not the thirty rows between them.
    assert changed == [(0, 0), (31, 31)]
    assert shown_changed == [0]  # the shown "扣1" row repaints with its new count
    assert feed.proxy.index(0, 0).data(FeedRole.REPEAT) == 2
    assert texts(feed.proxy) == shown  # the search still narrows, and "好看" stays out
    feed.set_search("")
    assert "广告" not in texts(feed.proxy, FeedRole.USER_NAME)  # the blocked viewer's comment never showed
    assert feed.proxy.rowCount() == 32


def test_follows_can_be_hidden_and_likes_shown_from_the_show_menu(feed: CommentFeedView, qtbot) -> None:
    saved: list[list[str]] = []
    feed.hidden_kinds_changed.connect(saved.append)
    feed.kind_actions[Kind.FOLLOW].trigger()  # unchecks: follows hidden
    feed.kind_actions[Kind.LIKE].trigger()  # checks: likes shown
    assert saved[-1] == ["enter", "follow"]
    feed.add_events([
        LiveEvent(Kind.FOLLOW, T0, user_id="1", user_name="小关"),
        LiveEvent(Kind.LIKE, T0, user_id="2", user_name="小赞", count=12),
        comment("小王", "好看"),
    ])
    feed.model.flush_now()
    assert texts(feed.model, FeedRole.BODY) == ["点了 12 个赞", "好看"]


def test_slow_mode_shows_a_readable_pace_with_the_rest_counted(feed: CommentFeedView, qtbot) -> None:
    feed.slow_button.click()
    feed.add_events(numbered(40))
    feed.model.flush_now()
    assert feed.model.rowCount() == 1
    assert feed.backlog_label.isVisible()
    assert feed.backlog_label.text() == "还有 39 条"
    qtbot.waitUntil(lambda: feed.model.rowCount() >= 3, timeout=3000)  # keeps coming, one at a time
    feed.slow_button.click()  # off: the rest arrive at once
    qtbot.waitUntil(lambda: feed.model.rowCount() == 40, timeout=2000)
    assert not feed.backlog_label.isVisible()


def test_pause_holds_every_row_back_until_resumed(feed: CommentFeedView, qtbot) -> None:
    feed.pause_button.click()
    feed.add_events(numbered(25))
    feed.model.flush_now()
    assert feed.model.rowCount() == 0
    assert feed.backlog_label.text() == "还有 25 条"
    feed.pause_button.click()
    qtbot.waitUntil(lambda: feed.model.rowCount() == 25, timeout=2000)


def test_vips_and_fan_club_members_are_highlighted(qtbot) -> None:
    model = CommentFeedModel()
    model.add_events([
        LiveEvent(Kind.COMMENT, T0, user_id="1", user_name="舰长", text="来了", extra={"guard_level": 3}),
        LiveEvent(Kind.COMMENT, T0, user_id="2", user_name="粉丝", text="打卡", extra={"medal": {"level": 12}}),
        comment("路人", "看看"),
    ])
    model.flush_now()
    assert [model.index(r, 0).data(FeedRole.HIGHLIGHT) for r in range(3)] == ["vip", "fans", ""]
