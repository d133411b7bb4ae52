"""The command line of the platform console: the flags ``record``/``host`` take to drive it, the end-of-run
summary of its actions, and ``livedeck console-check PROFILE`` (opens the page and prints which of the
profile's selectors resolve — the first thing to run when a platform changed its page)."""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

from app.connectors.console.connector import ConsoleConnector
from app.connectors.console.options import ConsoleOptions
from app.connectors.console.page import PageDriver
from app.connectors.console.profile import ProfileError, available_profiles
from app.connectors.console.status import ConsoleState
from app.core.i18n import tr
from app.core.units import format_fen
from app.engine.session import SessionEngine

CHECK_TIMEOUT_S = 120.0  # time for a first QR login in the window


def add_console_flags(parser: argparse.ArgumentParser) -> None:
    """``--console PROFILE [--console-url URL] [--browser PATH] [--console-dir DIR] [--headless]``."""
    parser.add_argument("--console", metavar="PROFILE", choices=available_profiles(),
                        help=tr("同时驱动这个平台的直播中控台（{names}）", names="、".join(available_profiles())))
    add_browser_flags(parser)


def add_browser_flags(parser: argparse.ArgumentParser) -> None:
    """``[--console-url URL] [--browser PATH] [--console-dir DIR] [--headless]``: which page, in which
    browser, with which login profile (``record``/``host`` beside ``--console``, and ``console-check``)."""
    parser.add_argument("--console-url", default="", metavar="URL", help=tr("中控台页面地址（默认：平台配置里的）"))
    parser.add_argument("--browser", default="", metavar="PATH",
                        help=tr("浏览器程序（默认：系统里的 Chromium，否则 Chrome）"))
    parser.add_argument("--console-dir", type=Path, metavar="DIR",
                        help=tr("浏览器登录资料文件夹（默认：<数据目录>/consoles/<平台>）"))
    parser.add_argument("--headless", action="store_true", help=tr("不显示浏览器窗口（需要已经登录过）"))


def console_options(args: argparse.Namespace) -> ConsoleOptions | None:
    """The console the flags ask for, or None without ``--console``."""
    platform = getattr(args, "console", None) or getattr(args, "profile", None)
    if not platform:
        return None
    return ConsoleOptions(platform, url=args.console_url, browser=args.browser, profile_dir=args.console_dir,
                          headless=args.headless)


def console_summary(console: ConsoleConnector | None) -> str:
    """The console's part of the end-of-run line ('' without a console): its actions done and failed, and
    the page's orders, their GMV and how many matched no product of the queue (未匹配商品)."""
    if console is None:
        return ""
    status, tally = console.status, console.orders.tally
    return tr("；中控台操作成功 {done} 次、失败 {failed} 次", done=status.done, failed=status.failed) + tr(
        "；中控台订单 {orders} 笔、GMV {gmv}、未匹配商品的订单 {unmatched} 笔",
        orders=tally.orders, gmv=format_fen(tally.gmv_fen), unmatched=tally.unmatched)


def add_check_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = sub.add_parser("console-check", help=tr("打开平台中控台，检查配置里的每个选择器能否找到元素"))
    check.add_argument("profile", choices=available_profiles(), help=tr("平台配置"))
    add_browser_flags(check)


def run_check(args: argparse.Namespace) -> int:
    """``livedeck console-check``: 0 when every selector resolves, 1 when some do not, 2 when the page
    could not be reached."""
    options = console_options(args)
    assert options is not None
    try:
        connector = options.connector(SessionEngine(None))
    except ProfileError as exc:
        print(exc)
        return 2
    return asyncio.run(_check(connector))


async def _check(connector: ConsoleConnector) -> int:
    connector.start()
    try:
        deadline = time.monotonic() + CHECK_TIMEOUT_S
        while connector.status.state not in (ConsoleState.CONNECTED, ConsoleState.FAILED):
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
        print(connector.status.describe())
        if connector.status.state is not ConsoleState.CONNECTED:
            return 2

        async def count(driver: PageDriver) -> dict[str, int]:
            return await driver.check()
        found = await asyncio.wrap_future(connector.submit_page_task(count))
    finally:
        await connector.aclose()
    for name, n in found.items():
        mark = "✓" if n or name.startswith("modal:") or name == "new_comments" else "✗"
        print(f"{mark} {name}: {n}")
    missing = [name for name, n in found.items() if not n and not name.startswith("modal:") and name != "new_comments"]
    return 1 if missing else 0
