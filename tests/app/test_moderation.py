"""Moderation (who and what the feed hides), the block commands and the live intent counters."""

from __future__ import annotations

from app.comments.counters import IntentCounter
from app.comments.moderation import Moderation, clean_blocked, clean_keywords
from app.core.clock import ManualClock
from app.core.events import Command, Kind, LiveEvent
from app.core.i18n import set_language
from app.engine.session import SessionEngine


def comment(uid: str, text: str, ts: float = 1000.0) -> LiveEvent:
    return LiveEvent(Kind.COMMENT, ts, user_id=uid, user_name=f"观众{uid}", text=text)


def test_a_blocked_viewer_is_hidden_in_every_kind_and_counted() -> None:
    moderation = Moderation()
    moderation.block("u9", "刷屏哥")
    assert moderation.hides(comment("u9", "你好"))
    assert moderation.hides(LiveEvent(Kind.GIFT, 1.0, user_id="u9", text="小心心"))
    assert not moderation.hides(comment("u1", "你好"))
    assert moderation.hidden_count == 2
    moderation.unblock("u9")
    assert not moderation.hides(comment("u9", "你好"))


def test_keywords_hide_comments_whatever_their_case_and_nothing_else() -> None:
    moderation = Moderation()
    moderation.set_keywords(["  WeiXin ", "", "代理", 42, "x" * 51])
    assert moderation.keywords == ("weixin", "代理")
    assert moderation.hides(comment("u1", "加weixin领福利"))
    assert moderation.hides(comment("u2", "招代理"))
    assert not moderation.hides(comment("u3", "3号有货吗"))
    assert not moderation.hides(LiveEvent(Kind.GIFT, 1.0, user_id="u4", text="代理"))  # only comments


def test_spam_is_hidden_only_when_asked() -> None:
    moderation = Moderation(spam_check=lambda text: "wx_" in text)
    ad = comment("u1", "加我 wx_abc123")
    assert moderation.is_spam(ad)
    assert not moderation.hides(ad)
    moderation.hide_spam = True
    assert moderation.hides(ad)
    assert not moderation.hides(comment("u2", "好看"))


def test_settings_values_of_the_wrong_shape_are_dropped() -> None:
    assert clean_blocked({"u1": "小王", "": "x", 3: "y", "u2": None}) == {"u1": "小王"}
    assert clean_blocked(["u1"]) == {}
    assert clean_keywords(["代理", "代理", "代理 "]) == ("代理",)


def test_block_viewer_and_unblock_viewer_are_commands_with_a_refusal_in_words() -> None:
    set_language("zh")
    engine = SessionEngine(clock=ManualClock())
    result = engine.execute(Command("block_viewer", {"uid": "u9", "name": "刷屏哥"}))
    assert result.result == "applied"
    assert engine.state.blocked == {"u9": "刷屏哥"}
    assert [c.kind for c in result.changes] == ["blocked"]
    assert engine.execute(Command("block_viewer", {"uid": "  "})).reason == "缺少观众 id"
    assert engine.execute(Command("unblock_viewer", {"uid": "u9"})).result == "applied"
    assert engine.state.blocked == {}
    again = engine.execute(Command("unblock_viewer", {"uid": "u9"}))
    assert again.result == "rejected"
    assert again.reason == "这位观众没有被屏蔽"


def test_intent_is_counted_per_product_over_the_last_minute() -> None:
    set_language("zh")
    counter = IntentCounter(window_s=60)
    for i in range(27):
        counter.add(100.0 + i, 3)
    for i in range(9):
        counter.add(140.0 + i, 5)
    counter.add(149.0, None)
    assert counter.counts(150.0) == [(3, 27), (5, 9), (None, 1)]
    assert counter.summary(150.0) == "3号 扣1 ×27 · 5号 扣1 ×9 · 扣1 ×1"
    # A minute after the last of product 3's, only 5's later ones are left.
    assert counter.counts(100.0 + 26 + 60.5) == [(5, 9), (None, 1)]
    assert counter.summary(1000.0) == ""
