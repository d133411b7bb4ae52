"""Quick replies and keyword auto-replies: templates filled from the live show, banned words refused,
auto-replies limited (off by default, cooldown, rate, no repeat) and each one an ``actions`` row."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from app.comments.replies import (
    AutoReplier,
    AutoReplyRule,
    ReplyValues,
    TemplateError,
    clean_rules,
    fill,
    unknown_placeholders,
)
from app.connectors.console.status import ConsoleState, ConsoleStatus
from app.connectors.quick_reply import AutoReplyRunner, ReplySender, reply_values
from app.core.events import Command, Kind, LiveEvent
from app.store.session_log import SessionLog
from tests.app.test_commerce import make_engine


class PlatformConsole:
    """What a connected platform console tells us: which commands it can carry out on the page."""

    def __init__(self, capabilities: set[str]) -> None:
        self.capabilities = capabilities
        self.status = ConsoleStatus(ConsoleState.CONNECTED)

    def can(self, capability: str) -> bool:
        return capability in self.capabilities


def actions_of(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def comment(text: str, user: str = "u1") -> LiveEvent:
    return LiveEvent(Kind.COMMENT, 0.0, user_id=user, user_name="小王", text=text)


def test_template_reads_the_explained_product_its_flash_sale_and_the_coupon() -> None:
    engine, clock = make_engine()
    engine.execute(Command("explain", {"no": 3}))
    values = reply_values(engine.state, clock.monotonic())
    text = fill("{序号}号{商品}，到手价{价格}元，还剩{库存}件", values)
    assert text == "3号每日坚果混合果仁 30袋装，到手价89.90元，还剩500件"
    assert engine.execute(Command("start_flash_sale", {"no": 3, "price_fen": 4990, "stock": 20,
                                                      "duration_s": 120, "warmup_s": 0})).applied
    engine.execute(Command("drop_coupon", {"kind": "满减", "quantity": 50, "threshold_fen": 10000,
                                           "discount_fen": 1000}))
    clock.advance(30)
    values = reply_values(engine.state, clock.monotonic())
    assert fill("{价格}元 {券} 还剩{倒计时} {库存}件", values) == "49.90元 满100减10 还剩01:30 20件"


def test_a_placeholder_the_show_cannot_fill_says_why_and_unknown_ones_are_named() -> None:
    with pytest.raises(TemplateError, match="没有正在讲解的商品"):
        fill("{商品}冲！", ReplyValues())
    with pytest.raises(TemplateError, match="没有可领的优惠券"):
        fill("领{券}", ReplyValues(product="坚果", no=3))
    assert unknown_placeholders("{商品}{颜色}") == ["颜色"]
    assert fill("点点关注", ReplyValues()) == "点点关注"


def test_a_reply_with_a_banned_word_is_refused_naming_it_and_nothing_is_sent() -> None:
    engine, _clock = make_engine()
    copied: list[str] = []
    sender = ReplySender(engine, lambda: PlatformConsole({"send_comment"}), copied.append, ["神器"])
    outcome = sender.send("这是全网最低价的神器")
    assert outcome.outcome == "refused"
    assert "全网最低价" in outcome.message
    assert sender.send("美白神器来了").message == "回复含违禁词「神器」，未发送"
    assert sender.send("全 网 最 低 价，冲").outcome == "refused"  # spacing does not hide it
    assert not [a for a in engine.actions if a["name"] == "send_comment"]
    assert copied == []


def test_without_a_console_the_reply_is_copied_with_a_notice_and_with_one_it_is_a_command(tmp_path: Path) -> None:
    log = SessionLog(tmp_path / "s.sqlite")
    engine, _clock = make_engine(log)
    copied: list[str] = []
    console: list[PlatformConsole | None] = [None]
    sender = ReplySender(engine, lambda: console[0], copied.append)
    outcome = sender.send("下单后48小时内发货")
    assert outcome.outcome == "copied"
    assert outcome.message == "已复制，请粘贴到直播间评论框"
    assert copied == ["下单后48小时内发货"]
    console[0] = PlatformConsole({"explain"})  # a console that cannot post comments: still copied
    assert sender.send("在的").outcome == "copied"
    waiting = PlatformConsole({"send_comment"})
    waiting.status = ConsoleStatus(ConsoleState.LOGIN_NEEDED)  # opened, not logged in yet: still copied
    console[0] = waiting
    assert sender.send("稍等").outcome == "copied"
    console[0] = PlatformConsole({"send_comment"})
    assert sender.send("3号有XL", pin=True).outcome == "sent"
    log.flush()
    rows = actions_of(tmp_path / "s.sqlite", "SELECT name, args, result FROM actions WHERE name='send_comment'")
    assert len(rows) == 1
    assert json.loads(str(rows[0][1])) == {"text": "3号有XL", "pin": True}
    assert rows[0][2] == "applied"
    log.close()


def test_auto_reply_is_off_by_default_and_never_repeats_itself() -> None:
    rules = [AutoReplyRule(("发货",), "48小时内发货哦", cooldown_s=5)]
    replier = AutoReplier(rules)
    assert replier.decide("什么时候发货", ReplyValues(), 0.0) is None
    replier.enabled = True
    assert replier.decide("什么时候发货", ReplyValues(), 0.0) == "48小时内发货哦"
    assert replier.decide("几天发货", ReplyValues(), 10.0) is None  # the same text again: not sent
    assert replier.skipped == {"repeat": 1}


def test_auto_reply_keeps_each_rules_cooldown_and_the_global_rate() -> None:
    rules = [AutoReplyRule(("发货",), "{商品}48小时内发货", 30), AutoReplyRule(("尺码",), "{商品}看尺码表", 30)]
    replier = AutoReplier(rules, per_minute=3, enabled=True)
    coat, nuts = ReplyValues(product="外套"), ReplyValues(product="坚果")
    assert replier.decide("发货吗", coat, 0.0) == "外套48小时内发货"
    assert replier.decide("发货吗", nuts, 10.0) is None  # cooling down
    assert replier.decide("尺码呢", coat, 11.0) == "外套看尺码表"
    assert replier.decide("发货吗", nuts, 31.0) == "坚果48小时内发货"
    assert replier.decide("尺码呢", nuts, 45.0) is None  # 3 in the last minute: the rate holds
    assert replier.decide("尺码呢", nuts, 61.0) == "坚果看尺码表"
    assert replier.skipped == {"cooldown": 1, "rate": 1}


def test_rules_from_the_settings_file_are_validated() -> None:
    raw = [{"keywords": ["发货"], "template": "48小时发货", "cooldown_s": 60},
           {"keywords": [], "template": "x"}, {"keywords": ["a"], "template": "b", "cooldown_s": 1},
           {"keywords": ["a"], "template": "b", "cooldown_s": True}, "junk"]
    assert clean_rules(raw) == [AutoReplyRule(("发货",), "48小时发货", 60.0)]


def test_every_auto_reply_is_an_actions_row_and_needs_a_console(tmp_path: Path) -> None:
    log = SessionLog(tmp_path / "s.sqlite")
    engine, clock = make_engine(log)
    engine.execute(Command("explain", {"no": 3}))
    console: list[PlatformConsole | None] = [None]
    replier = AutoReplier([AutoReplyRule(("发货",), "{序号}号今天发货", 30)], enabled=True)
    runner = AutoReplyRunner(engine, replier, lambda: console[0])
    engine.submit([comment("啥时候发货")])
    engine.drain()
    assert runner.offline == 1
    assert runner.sent == 0
    console[0] = PlatformConsole({"send_comment"})
    engine.submit([comment("发货快吗"), comment("发货发货")])
    engine.drain()
    clock.advance(31)
    engine.execute(Command("explain", {"no": 2}))
    engine.submit([comment("几号发货")])
    engine.drain()
    assert runner.sent == 2
    log.flush()
    rows = actions_of(tmp_path / "s.sqlite", "SELECT actor, args FROM actions WHERE name='send_comment' ORDER BY rowid")
    assert [r[0] for r in rows] == ["auto_reply", "auto_reply"]
    assert [json.loads(str(r[1]))["text"] for r in rows] == ["3号今天发货", "2号今天发货"]
    runner.close()
    log.close()


def test_english_placeholder_names_fill_the_same_values() -> None:
    values = ReplyValues(product="坚果", no=3, price_fen=8990, stock_left=12, coupon="满100减10", countdown_s=75)
    assert fill("No. {no} {product} {price} yuan, {stock} left, {coupon}, {countdown}", values) == \
        "No. 3 坚果 89.90 yuan, 12 left, 满100减10, 01:15"
    assert fill("{序号}号{商品}", values) == "3号坚果"
    assert unknown_placeholders("{colour}{price}") == ["colour"]
    with pytest.raises(TemplateError, match=r"\{coupon\}"):
        fill("{coupon}", ReplyValues())


def test_rules_saved_in_the_editor_take_over_at_once_while_the_rate_and_the_last_text_still_hold() -> None:
    values = ReplyValues()
    replier = AutoReplier([AutoReplyRule(("发货",), "48小时内发货", 60)], enabled=True, per_minute=2)
    assert replier.decide("什么时候发货", values, 0) == "48小时内发货"
    replier.replace_rules([AutoReplyRule(("发货",), "48小时内发货", 60), AutoReplyRule(("快递",), "发顺丰", 5)], 2)
    assert replier.decide("什么时候发货", values, 1) is None  # its cooldown starts afresh, but never twice in a row
    assert replier.skipped == {"repeat": 1}
    assert replier.decide("发什么快递", values, 2) == "发顺丰"
    assert replier.decide("快递呢", values, 10) is None  # two in the last minute, the old rules' reply included
    assert replier.skipped == {"repeat": 1, "rate": 1}


def test_a_rule_switched_off_is_kept_but_matches_nothing() -> None:
    on, off = clean_rules([{"keywords": ["发货"], "template": "48小时内发货"},
                           {"keywords": ["快递"], "template": "发顺丰", "enabled": False}])
    assert (on.enabled, off.enabled) == (True, False)
    assert on.matches("什么时候发货")
    assert not off.matches("发什么快递")
    assert off.to_setting()["enabled"] is False
