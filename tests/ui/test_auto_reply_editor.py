"""The auto-reply rule editor (快捷回复 → 规则…): a rule edited there answers the next matching comment
of a real demo room at once, bad rows are refused naming their row and field, and the rules, the
rate limit and each rule's switch are kept in the settings."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.events import Command
from app.core.settings import Settings
from app.show.show import Show, SourceSpec
from app.store.session_log import SessionLog
from tests.ui.conftest import wait_until
from tests.ui.engines import live_engine
from tests.ui.test_reply_panel import PlatformConsole
from tests.ui.windows import console_on_demo_room
from ui.live.auto_reply_editor import COOLDOWN, ENABLED, KEYWORDS, TEMPLATE, AutoReplyDialog
from ui.live.main_window import MainWindow

UNHEARD = "这个词没人说"


class PostingConsole(PlatformConsole):
    """A connected platform console that can post comments; the show closes it when the session stops."""

    async def aclose(self) -> None:
        """No page behind it: nothing to close."""


def _window(qtbot: QtBot, tmp_path: Path) -> MainWindow:
    engine = live_engine(load_products_csv(demo_catalog_path()))
    window = MainWindow(engine, Show(engine), SourceSpec("generic", "ws://127.0.0.1:1"), [],
                        Settings(tmp_path / "settings.json"))
    qtbot.addWidget(window)
    return window


def _rule_texts(dialog: AutoReplyDialog, row: int) -> list[str]:
    return [dialog.table.item(row, column).text() for column in (KEYWORDS, TEMPLATE, COOLDOWN)]


def test_a_rule_edited_in_the_editor_answers_the_demo_rooms_next_matching_comment(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    Settings(tmp_path / "s.json").set(
        "auto_replies", [{"keywords": [UNHEARD], "template": "不会发出去", "cooldown_s": 600}])
    db = tmp_path / "show.sqlite"

    async def scenario() -> tuple[int, str]:
        async with console_on_demo_room(qtbot, tmp_path, db, seed=5, rate=60) as (window, engine, _log):
            window.show_runner.console = PostingConsole()  # type: ignore[assignment]
            assert window.runner.run("explain", {"no": 3}).applied
            panel = window.replies.panel
            dialog = panel.open_rules()
            assert _rule_texts(dialog, 0) == [UNHEARD, "不会发出去", "600"]
            dialog.set_cell(0, KEYWORDS, "多少钱、还有吗")
            dialog.set_cell(0, TEMPLATE, "{序号}号到手价{价格}元，还剩{库存}件")
            dialog.set_cell(0, COOLDOWN, "30")
            dialog.on_box.setChecked(True)
            dialog.per_minute.setValue(3)
            assert dialog.save()
            assert panel.auto_box.isChecked()  # the editor's switch is the dock's
            await wait_until(lambda: window.replies.auto.sent >= 1, timeout=20, what="an auto-reply")
            session_id = engine.state.session_id
            assert session_id is not None
            await window.stop_session()
            message = panel.last_message
            window.close()
        return session_id, message

    session_id, message = qloop.run_until_complete(scenario())
    assert message == "已自动回复：3号到手价89.90元，还剩500件"
    with SessionLog(db) as log:
        replies = [a for a in log.actions(session_id) if a["name"] == "send_comment"]
        answered = [e for e in log.events(session_id, kinds=["comment"]) if "多少钱" in e.text or "还有吗" in e.text]
    assert [(a["actor"], a["args"]["text"]) for a in replies] == [("auto_reply", "3号到手价89.90元，还剩500件")]
    assert answered  # the room asked, and the edited rule answered
    saved = Settings(tmp_path / "s.json")
    assert saved.get("auto_replies") == [{"keywords": ["多少钱", "还有吗"], "cooldown_s": 30.0, "enabled": True,
                                          "template": "{序号}号到手价{价格}元，还剩{库存}件"}]
    assert saved.get("auto_reply_per_minute") == 3


@pytest.mark.parametrize(("column", "text", "message"), [
    (KEYWORDS, " ， ", "第 2 条规则的「关键词」：不能为空"),
    (TEMPLATE, "{序号}号有{颜色}", "第 2 条规则的「回复模板」：未知的占位符 {颜色}"),
    (TEMPLATE, "{商品}是全网最低价", "第 2 条规则的「回复模板」：含违禁词「全网最低价」"),
    (COOLDOWN, "一分钟", "第 2 条规则的「冷却（秒）」：「一分钟」不是数字"),
    (COOLDOWN, "1", "第 2 条规则的「冷却（秒）」：须在 5–3600 秒之间"),
])
def test_a_bad_row_is_refused_naming_its_row_and_field(
    qtbot: QtBot, tmp_path: Path, column: int, text: str, message: str
) -> None:
    window = _window(qtbot, tmp_path)
    dialog = window.replies.panel.open_rules()
    for row, (keywords, template) in enumerate((("发货", "48小时内发货"), ("尺码", "看详情页尺码表")), start=1):
        assert dialog.add_rule() == row - 1
        dialog.set_cell(row - 1, KEYWORDS, keywords)
        dialog.set_cell(row - 1, TEMPLATE, template)
    dialog.set_cell(1, column, text)
    assert not dialog.save()
    assert dialog.error.text() == message
    assert dialog.isVisible()  # still open, to put it right
    assert (dialog.table.currentRow(), dialog.table.currentColumn()) == (1, column)
    assert window.replies.auto.replier.rules == []  # nothing applied
    assert Settings(tmp_path / "settings.json").get("auto_replies") == []


def test_a_rule_switched_off_stays_in_the_list_but_answers_nothing(qtbot: QtBot, tmp_path: Path) -> None:
    window = _window(qtbot, tmp_path)
    window.show_runner.console = PostingConsole()  # type: ignore[assignment]
    engine, auto = window.engine, window.replies.auto
    dialog = window.replies.panel.open_rules()
    for keywords in ("发货", "快递"):
        row = dialog.add_rule()
        dialog.set_cell(row, KEYWORDS, keywords)
        dialog.set_cell(row, TEMPLATE, f"{keywords}的事请看详情页")
    dialog.table.item(0, ENABLED).setCheckState(dialog.table.item(0, ENABLED).checkState().Unchecked)
    dialog.on_box.setChecked(True)
    assert dialog.save()
    assert [rule.enabled for rule in auto.replier.rules] == [False, True]
    engine.execute(Command("explain", {"no": 1}))

    def comment(text: str) -> None:
        from app.core.events import Kind, LiveEvent

        engine.submit([LiveEvent(Kind.COMMENT, 1.7e9, user_id="u1", user_name="小王", text=text)])
        engine.drain()

    comment("什么时候发货")
    comment("发什么快递")
    sent = [a["args"]["text"] for a in engine.actions if a["name"] == "send_comment"]
    assert sent == ["快递的事请看详情页"]
    reopened = window.replies.panel.open_rules()
    assert reopened.table.rowCount() == 2
    assert reopened.table.item(0, ENABLED).checkState() == dialog.table.item(0, ENABLED).checkState().Unchecked
    saved = Settings(tmp_path / "settings.json").get("auto_replies")
    assert [rule["enabled"] for rule in saved] == [False, True]
