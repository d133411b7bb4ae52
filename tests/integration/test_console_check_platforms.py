"""``livedeck console-check PROFILE --console-url …`` on each platform's fake page, as a user runs it (a
real subprocess, headless chromium): every selector of the profile resolves (视频号's goods selectors on
its products tab, inside 无界's shadow root; 淘宝's on the control page its live-plan page leads to; 蒲公英's
on the console opened from its buyer home page; 快手's switch confirm, shown only while acting, left out), and
a page that changed exits 1 naming the selector."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fakes.console_page.douyin_eos.server import FakeEos
from tests.fakes.console_page.kuaishou.server import FakeKuaishou
from tests.fakes.console_page.platform_base import FakePlatformPage
from tests.fakes.console_page.taobao.server import FakeTaobao
from tests.fakes.console_page.wechat_channels.server import FakeChannels
from tests.fakes.console_page.xiaohongshu.server import FakeQianfan
from tests.fakes.console_page.xiaohongshu_pgy.server import FakePgy
from tests.integration.console_shows import CHROMIUM, livedeck

FAKES: dict[str, Callable[[], FakePlatformPage]] = {"wechat-channels": FakeChannels, "taobao": FakeTaobao,
                                                    "xiaohongshu": FakeQianfan, "douyin-eos": FakeEos,
                                                    "xiaohongshu-pgy": FakePgy, "kuaishou": FakeKuaishou}


@pytest.mark.parametrize("platform", sorted(FAKES))
def test_console_check_resolves_every_selector_and_names_the_one_that_changed(platform: str, tmp_path: Path) -> None:
    with FAKES[platform]() as fake:
        flags = ("--console-url", fake.url, "--browser", CHROMIUM, "--headless")
        done = livedeck(tmp_path, "console-check", platform, *flags)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "中控台已连接" in done.stdout
        assert "✗" not in done.stdout
        fake.drift = True
        changed = livedeck(tmp_path, "console-check", platform, *flags)
    assert changed.returncode == 1, changed.stdout + changed.stderr
    assert "✗ explain_button: 0" in changed.stdout


def test_console_check_says_when_the_account_is_not_live(tmp_path: Path) -> None:
    with FakeChannels(live=False) as fake:
        done = livedeck(tmp_path, "console-check", "wechat-channels", "--console-url", fake.url,
                        "--browser", CHROMIUM, "--headless")
    assert done.returncode == 2
    assert "视频号只有开播后才有中控台" in done.stdout
