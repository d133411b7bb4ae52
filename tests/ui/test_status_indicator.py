from __future__ import annotations

import time

import pytest

from app.core import i18n
from app.sources.base import SourceState, SourceStatus
from ui.common import theme
from ui.common.status_indicator import SourceStatusIndicator


@pytest.fixture
def indicator(qtbot) -> SourceStatusIndicator:
    widget = SourceStatusIndicator()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def retrying(state: SourceState, seconds: float, reason: str) -> SourceStatus:
    return SourceStatus(state=state, reason=reason, retry_at=time.monotonic() + seconds, reconnects=3)


ZH = [
    (SourceStatus(state=SourceState.LIVE), "已连接", "green"),
    (SourceStatus(state=SourceState.CONNECTING), "连接中…", "amber"),
    (SourceStatus(state=SourceState.STOPPED), "已停止", "grey"),
]


@pytest.mark.parametrize(("status", "text", "color"), ZH)
def test_steady_states_in_chinese(indicator: SourceStatusIndicator, status, text, color) -> None:
    indicator.set_status(status)
    assert indicator.text == text
    assert indicator.dot.color == theme.color(color)
    assert not indicator.countdown_active


def test_reconnecting_counts_down_in_chinese(qtbot, indicator: SourceStatusIndicator) -> None:
    indicator.set_status(retrying(SourceState.RECONNECTING, 5.7, "连接被拒绝"))
    assert indicator.text == "6 秒后重连（连接被拒绝）"
    assert indicator.dot.color == theme.color("amber")
    assert indicator.countdown_active
    qtbot.waitUntil(lambda: indicator.text == "5 秒后重连（连接被拒绝）", timeout=2500)
    indicator.set_status(SourceStatus(state=SourceState.LIVE, frames=10))
    assert indicator.text == "已连接"
    assert not indicator.countdown_active


def test_failed_is_red_and_counts_down(indicator: SourceStatusIndicator) -> None:
    indicator.set_status(retrying(SourceState.FAILED, 29.6, "房间不存在"))
    assert indicator.text == "失败：房间不存在（30 秒后重试）"
    assert indicator.dot.color == theme.color("red")
    assert indicator.countdown_active
    indicator.set_status(SourceStatus(state=SourceState.STOPPED))
    assert not indicator.countdown_active


def test_hidden_indicator_does_not_tick(qtbot) -> None:
    widget = SourceStatusIndicator()
    qtbot.addWidget(widget)
    widget.set_status(retrying(SourceState.RECONNECTING, 10, "连接超时"))
    assert not widget.countdown_active
    widget.show()
    assert widget.countdown_active
    widget.hide()
    assert not widget.countdown_active


def test_tooltip_has_the_counters(indicator: SourceStatusIndicator) -> None:
    indicator.set_status(
        SourceStatus(state=SourceState.LIVE, frames=1200, events=3400, malformed=2, reconnects=1)
    )
    tooltip = indicator.toolTip()
    for line in ("已连接", "收到帧：1200", "事件：3400", "格式错误：2", "重连次数：1"):
        assert line in tooltip.splitlines()


def test_states_in_english(indicator: SourceStatusIndicator) -> None:
    i18n.set_language("en")
    expected = {
        SourceState.LIVE: "Connected",
        SourceState.CONNECTING: "Connecting…",
        SourceState.STOPPED: "Stopped",
    }
    for state, text in expected.items():
        indicator.set_status(SourceStatus(state=state))
        assert indicator.text == text
    indicator.set_status(retrying(SourceState.RECONNECTING, 4.6, "connection refused"))
    assert indicator.text == "Reconnecting in 5 s (connection refused)"
    indicator.set_status(retrying(SourceState.FAILED, 30.2, "room closed"))
    assert indicator.text == "Failed: room closed (retrying in 30 s)"
    indicator.set_status(SourceStatus(state=SourceState.LIVE, frames=5, events=7, malformed=1, reconnects=2))
    assert indicator.toolTip().splitlines()[1:5] == [
        "Frames: 5",
        "Events: 7",
        "Malformed: 1",
        "Reconnects: 2",
    ]
