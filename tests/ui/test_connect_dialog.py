"""The connect dialog and the source health panel, as a streamer uses them."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.core.events import LiveEvent
from app.core.settings import Settings
from app.show.show import SourceSpec
from app.sources.base import SourceState, SourceStatus
from app.store.session_log import SessionLog
from ui.live.connect_dialog import ConnectDialog
from ui.live.source_health import SourceHealthPanel

DEMO = "ws://127.0.0.1:4567"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(tmp_path / "settings.json")


def dialog(qtbot: QtBot, settings: Settings, demo_url: str | None = DEMO) -> ConnectDialog:
    d = ConnectDialog(settings, demo_url)
    qtbot.addWidget(d)
    return d


def ok(d: ConnectDialog) -> SourceSpec | None:
    d.accept()
    return d.spec


@pytest.fixture
def log_file(tmp_path: Path) -> Path:
    path = tmp_path / "show.sqlite"
    with SessionLog(path) as log:
        for title in ("上午场", "晚场"):
            sid = log.start_session(title, "test")
            log.append(sid, [LiveEvent("comment", time.time(), text="hi", seq=1)])
        log.flush()
    return path


def test_each_platform_gives_the_right_spec(qtbot: QtBot, settings: Settings, tmp_path: Path,
                                            log_file: Path) -> None:
    d = dialog(qtbot, settings)
    d.set_platform("demo")
    assert ok(d) == SourceSpec("generic", DEMO)

    d = dialog(qtbot, settings)
    d.set_platform("generic")
    d.address.setText(" ws://10.0.0.5:9000/room ")
    assert ok(d) == SourceSpec("generic", "ws://10.0.0.5:9000/room")

    cookie = tmp_path / "cookies.txt"
    cookie.write_text("SESSDATA=abc", encoding="utf-8")
    d = dialog(qtbot, settings)
    d.set_platform("bilibili")
    d.address.setText("https://live.bilibili.com/21452505?spm=x")
    d.cookie_file.setText(str(cookie))
    assert ok(d) == SourceSpec("bilibili", "bilibili:21452505", {"cookie_file": str(cookie)})

    d = dialog(qtbot, settings)
    d.set_platform("douyin-bridge")
    d.address.setText("")
    assert ok(d) == SourceSpec("douyin-bridge", "ws://127.0.0.1:8888")

    d = dialog(qtbot, settings)
    d.set_platform("replay")
    d.address.setText(str(log_file))
    d.speed.setValue(20)
    assert ok(d) == SourceSpec("replay", str(log_file), {"session_id": 2, "speed": 20.0})  # the newest
    d = dialog(qtbot, settings)
    d.set_platform("replay")
    d.session.setText("1")
    assert ok(d) == SourceSpec("replay", str(log_file), {"session_id": 1, "speed": 20.0})


@pytest.mark.parametrize(
    ("platform", "text", "message"),
    [
        ("bilibili", "", "请填写哔哩哔哩直播间号"),
        ("bilibili", "abc", "直播间号应为数字"),
        ("generic", "", "请填写直播间的地址"),
        ("generic", "http://127.0.0.1:8765", "ws:// 或 wss://"),
        ("douyin-bridge", "127.0.0.1:8888", "ws:// 或 wss://"),
        ("replay", "", "请选择要回放的场次日志"),
        ("replay", "/nowhere/show.sqlite", "找不到场次日志"),
    ],
)
def test_bad_input_shows_a_clear_message_and_keeps_the_dialog_open(
    qtbot: QtBot, settings: Settings, platform: str, text: str, message: str
) -> None:
    d = dialog(qtbot, settings)
    d.show()
    d.set_platform(platform)
    d.address.setText(text)
    d.accept()
    assert d.spec is None
    assert d.isVisible()
    assert d.error.isVisible()
    assert message in d.error.text()


def test_the_last_choice_is_remembered(qtbot: QtBot, settings: Settings) -> None:
    d = dialog(qtbot, settings)
    d.set_platform("bilibili")
    d.address.setText("21452505")
    assert ok(d) is not None
    again = dialog(qtbot, Settings(settings.path))
    assert again.platform_key == "bilibili"
    assert again.address.text() == "21452505"
    assert again.cookie_file.isVisible() or not again.isVisible()


def test_switching_platforms_keeps_what_was_typed_for_each(qtbot: QtBot, settings: Settings) -> None:
    d = dialog(qtbot, settings)
    d.set_platform("generic")
    d.address.setText("ws://a:1")
    d.set_platform("bilibili")
    assert d.address.text() == ""
    assert d.address.placeholderText().endswith("21452505")
    d.set_platform("generic")
    assert d.address.text() == "ws://a:1"


def test_without_a_demo_room_the_demo_choice_is_disabled(qtbot: QtBot, settings: Settings) -> None:
    settings.set("last_format", "demo")
    d = dialog(qtbot, settings, demo_url=None)
    assert d.platform_key == "generic"
    assert not d.platform.model().item(0).isEnabled()  # type: ignore[attr-defined]


def test_the_health_panel_shows_a_status(qtbot: QtBot) -> None:
    status = SourceStatus(state=SourceState.LIVE, connected_since=time.time() - 65, reconnects=3, frames=12345,
                          events=67890, malformed=7, unknown={"ROOM_RANK": 40, "WIDGET_BANNER": 2, "A": 1,
                                                              "B": 1, "C": 1, "D": 1})
    panel = SourceHealthPanel(lambda: status)
    qtbot.addWidget(panel)
    panel.set_status(status)
    assert panel.text("state") == "已连接"
    assert "01:05" in panel.text("since")
    assert panel.text("reconnects") == "3"
    assert panel.text("frames") == "12,345"
    assert panel.text("events") == "67,890"
    assert panel.text("malformed") == "7"
    lines = panel.text("unknown").splitlines()
    assert lines[0] == "ROOM_RANK × 40"
    assert lines[1] == "WIDGET_BANNER × 2"
    assert lines[-1] == "另有 1 种"
    assert not panel.refreshing
    panel.show()
    assert panel.refreshing  # 1 Hz only while visible
    panel.hide()
    assert not panel.refreshing


def test_the_health_panel_counts_events_refused_for_their_time_by_the_source_and_the_engine(qtbot: QtBot) -> None:
    status = SourceStatus(state=SourceState.LIVE, events=10, malformed=2, bad_ts=2)  # a ms ts and a 1e300 one
    engine_refused = [0]
    panel = SourceHealthPanel(lambda: status, engine_bad_ts=lambda: engine_refused[0])
    qtbot.addWidget(panel)
    panel.refresh()
    assert panel.text("bad_ts") == "2"
    engine_refused[0] = 3  # three of another day, outside the session's window
    panel.refresh()
    assert panel.text("bad_ts") == "5"


def test_render_the_dialog_and_the_panel(qtbot: QtBot, settings: Settings, tmp_path: Path) -> None:
    d = dialog(qtbot, settings)
    d.set_platform("bilibili")
    d.show()
    d.accept()
    assert not d.grab().isNull()
    panel = SourceHealthPanel()
    qtbot.addWidget(panel)
    panel.set_status(SourceStatus(state=SourceState.RECONNECTING, reason="连接被拒绝",
                                  retry_at=time.monotonic() + 5, reconnects=2, malformed=1))
    panel.show()
    assert not panel.grab().isNull()
    assert panel.text("since") == "未连接"
