"""The 快捷回复 dock in the console window: Ctrl+1…9 send templates filled from the live show, copied
without a platform console and posted with one, banned words refused, templates edited and kept, the
feed's 回复, and the voice controls with their mute hotkey."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtGui import QGuiApplication, QKeySequence
from pytestqt.qtbot import QtBot

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.events import Command, Kind, LiveEvent
from app.core.settings import Settings
from app.show.show import Show, SourceSpec
from tests.ui.engines import live_engine
from ui.live.hotkeys import HOTKEYS
from ui.live.main_window import MainWindow


class PlatformConsole:
    """A connected platform console as the reply sender sees it: what it can do on the page."""

    capabilities = frozenset({"send_comment", "explain"})

    def can(self, name: str) -> bool:
        return name in self.capabilities


def make_window(qtbot: QtBot, tmp_path: Path) -> tuple[MainWindow, Show]:
    engine = live_engine(load_products_csv(demo_catalog_path()))
    show = Show(engine)
    window = MainWindow(engine, show, SourceSpec("generic", "ws://127.0.0.1:1"), [],
                        Settings(tmp_path / "settings.json"))
    qtbot.addWidget(window)
    return window, show


def test_ctrl_1_copies_the_first_template_filled_from_the_explained_product(qtbot: QtBot, tmp_path: Path) -> None:
    window, _show = make_window(qtbot, tmp_path)
    panel = window.replies.panel
    action = window.hotkeys.actions["reply_1"]
    assert action.shortcut() == QKeySequence("Ctrl+1")
    QGuiApplication.clipboard().setText("")
    action.trigger()
    assert panel.last_message == "无法填写 {序号}：没有正在讲解的商品"
    assert QGuiApplication.clipboard().text() == ""
    window.engine.execute(Command("explain", {"no": 3}))
    action.trigger()
    assert panel.last_message == "已复制，请粘贴到直播间评论框"
    assert QGuiApplication.clipboard().text() == "3号每日坚果混合果仁 30袋装，到手价89.90元，库存还剩500件，抓紧下单～"
    assert not [a for a in window.engine.actions if a["name"] == "send_comment"]


def test_with_a_platform_console_the_reply_is_a_send_comment_command(qtbot: QtBot, tmp_path: Path) -> None:
    window, show = make_window(qtbot, tmp_path)
    show.console = PlatformConsole()  # type: ignore[attr-defined]
    panel = window.replies.panel
    panel.pin_box.setChecked(True)
    window.hotkeys.actions["reply_6"].trigger()
    assert panel.last_message == "已发送回复：感谢大家的支持，点点关注不迷路！"
    sent = [a for a in window.engine.actions if a["name"] == "send_comment"]
    assert len(sent) == 1
    assert sent[0]["args"]["text"] == "感谢大家的支持，点点关注不迷路！"
    assert sent[0]["args"]["pin"] is True
    assert sent[0]["result"] == "applied"


def test_a_banned_word_is_refused_in_a_reply_and_in_a_template(qtbot: QtBot, tmp_path: Path) -> None:
    window, show = make_window(qtbot, tmp_path)
    show.console = PlatformConsole()  # type: ignore[attr-defined]
    panel = window.replies.panel
    panel.free_text.setText("这是全网最低价")
    assert not panel.send_free_text()
    assert panel.last_message == "回复含违禁词「全网最低价」，未发送"
    assert panel.status.text() == panel.last_message
    panel.editor.setText("{商品}是第一品牌")
    panel.add_template()
    assert panel.last_message == "模板含违禁词「第一品牌」"
    assert not [t for t in panel.templates if "第一品牌" in t]
    assert not [a for a in window.engine.actions if a["name"] == "send_comment"]


def test_templates_are_edited_in_place_and_kept_in_the_settings(qtbot: QtBot, tmp_path: Path) -> None:
    window, _show = make_window(qtbot, tmp_path)
    panel = window.replies.panel
    panel.editor.setText("{序号}号还有{颜色}")
    panel.add_template()
    assert panel.last_message == "未知的占位符 {颜色}"
    panel.list.setCurrentRow(0)
    panel.editor.setText("{商品}只要{价格}元")
    panel.save_template()
    assert panel.list.item(0).text() == "Ctrl+1  {商品}只要{价格}元"
    window.engine.execute(Command("explain", {"no": 4}))
    panel.list.setCurrentRow(1)
    panel.list.setCurrentRow(0)
    assert panel.preview.text() == "将发送：手撕风干牛肉干 250g只要39.90元"
    assert Settings(tmp_path / "settings.json").get("reply_templates")[0] == "{商品}只要{价格}元"


def test_reply_to_a_comment_starts_an_at_reply(qtbot: QtBot, tmp_path: Path) -> None:
    window, _show = make_window(qtbot, tmp_path)
    panel = window.replies.panel
    panel.reply_to("小王", "3号有XL吗")
    assert panel.free_text.text() == "@小王 "
    assert panel.reply_label.text() == "回复 小王：3号有XL吗"
    panel.free_text.setText(panel.free_text.text() + "有的，XL建议160斤")
    assert panel.send_free_text()
    assert QGuiApplication.clipboard().text() == "@小王 有的，XL建议160斤"
    assert panel.free_text.text() == ""


def test_voice_controls_apply_live_and_ctrl_shift_m_mutes(qtbot: QtBot, tmp_path: Path) -> None:
    window, _show = make_window(qtbot, tmp_path)
    voice = window.replies.voice
    group = window.replies.controls
    assert not voice.settings.enabled  # off until the anchor turns it on
    assert group.isVisibleTo(window.replies.panel)
    group.enabled_box.setChecked(True)
    group.kind_boxes["follow"].setChecked(True)
    group.volume.setValue(40)
    assert voice.settings.enabled
    assert "follow" in voice.settings.kinds
    assert voice.settings.volume == 0.4
    window.hotkeys.actions["voice_mute"].trigger()
    assert voice.settings.muted
    assert group.mute_box.isChecked()
    saved = Settings(tmp_path / "settings.json").get("voice")
    assert saved["muted"] is True
    assert saved["volume"] == 0.4


def test_reply_and_mute_keys_clash_with_no_other_hotkey() -> None:
    keys = [h.default for h in HOTKEYS]
    assert len(keys) == len(set(keys))
    assert {f"Ctrl+{n}" for n in range(1, 10)} <= set(keys)


def test_a_blocked_viewer_is_neither_read_aloud_nor_auto_answered(qtbot: QtBot, tmp_path: Path) -> None:
    Settings(tmp_path / "settings.json").set(
        "auto_replies", [{"keywords": ["发货"], "template": "今天下单48小时内发货", "cooldown_s": 60}])
    window, _show = make_window(qtbot, tmp_path)
    voice, auto = window.replies.voice, window.replies.auto
    voice.configure(replace(voice.settings, enabled=True, kinds=frozenset({"question"})))
    auto.replier.enabled = True
    assert window.runner.run("block_viewer", {"uid": "spam1", "name": "广告号"}).applied

    def comment(uid: str, text: str) -> LiveEvent:
        return LiveEvent(Kind.COMMENT, 1.7e9, user_id=uid, user_name=f"观众{uid}", text=text, msg_id=f"{uid}-1")

    voice.on_batch([comment("spam1", "什么时候发货？")])
    auto.on_batch([comment("spam1", "什么时候发货？")])
    assert voice.high_water == 0  # nothing of theirs was queued to be read
    assert auto.offline == 0  # nor would it have been answered (no console: it is only counted)
    voice.on_batch([comment("u2", "什么时候发货？")])
    auto.on_batch([comment("u2", "什么时候发货？")])
    assert voice.high_water == 1
    assert auto.offline == 1
