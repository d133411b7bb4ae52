"""``--source console``'s stand-in source and the console's words for the UI: the feed's status follows the
console's (connected → 已连接, waiting for the QR login → 连接中…, unusable → 失败 with its reason, never a
retry countdown it does not have), and every capability a profile may declare has its Chinese word."""

from __future__ import annotations

from app.connectors.console.profile import CAPABILITIES
from app.connectors.console.status import ConsoleState, ConsoleStatus, capability_names
from app.show.console_feed import CONSOLE_SOURCE, source_status
from app.sources.base import SourceState, SourceStatus

START = SourceStatus(state=SourceState.CONNECTING, format_name=CONSOLE_SOURCE)


def test_the_feed_is_live_while_the_console_is_connected_and_counts_its_events() -> None:
    live = source_status(ConsoleStatus(ConsoleState.CONNECTED, events=7, malformed=2), START)
    assert (live.state, live.events, live.malformed, live.format_name) == (SourceState.LIVE, 7, 2, CONSOLE_SOURCE)
    assert live.describe() == "已连接"
    assert live.connected_since is not None
    later = source_status(ConsoleStatus(ConsoleState.CONNECTED, events=9, reason="找不到评论输入框"), live)
    assert later.connected_since == live.connected_since  # a failed action does not reconnect anything
    assert later.reason == ""


def test_login_and_failure_read_as_connecting_and_failed_without_a_retry_countdown() -> None:
    waiting = source_status(ConsoleStatus(ConsoleState.LOGIN_NEEDED, reason="请在打开的浏览器窗口中扫码登录"), START)
    assert waiting.describe() == "连接中…"
    failed = source_status(ConsoleStatus(ConsoleState.FAILED, reason="浏览器无法打开中控台：找不到程序"), START)
    assert failed.describe() == "失败：浏览器无法打开中控台：找不到程序"
    assert source_status(ConsoleStatus(ConsoleState.STOPPED), failed).describe() == "已停止"


def test_every_capability_has_its_word_in_command_table_order() -> None:
    assert len(capability_names(CAPABILITIES)) == len(CAPABILITIES)
    assert capability_names(["read_orders", "explain", "send_comment", "pin_comment_on_send"]) == [
        "讲解", "发评论", "置顶", "读订单"]
    assert capability_names(["unknown"]) == []
