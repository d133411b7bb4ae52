"""The platform live-console connector: LiveDeck's console commands act on the platform's own page.

:class:`ConsoleConnector` opens the platform's live-control page (巨量百应, 抖店 …, described by a
:class:`~app.connectors.console.profile.ConsoleProfile`) in a real browser through Playwright: the
user's Chrome or Edge (``channel``), a browser executable (``browser``), Debian's chromium in tests.
The browser keeps a persistent profile folder per platform account in the data directory, so a QR login
lasts across launches; no password is ever asked for, and cookies stay in that folder.

Threads: Playwright runs on the connector's own thread with its own asyncio loop, never on the UI's.
Commands come in through the engine's console listeners (an applied command whose CommandSpec says
``console=True``: 讲解, 取消讲解, 发评论, 置顶评论 as 视频号's 上墙) and are queued to that loop; events
read from the page's JSON responses go back with ``loop.call_soon_threadsafe(engine.submit_from_room, …)``,
and every attempt's outcome is an ``actions`` row by the engine's
:meth:`~app.engine.session.SessionEngine.record_ack` (actor ``console:<platform>``, ``command_id``
``<id>/console:<platform>``). Actions run one at a time, at least the profile's ``action_gap_s`` apart; a
command the profile spaces further (``command_gaps_s``) is refused when it comes sooner. A profile that
opens its console from a link (``open_via_link``) has it reopened in a new tab once logged in (from its
entry page, ``urls.entry``, when it names one: the browser goes there first), and everything moves to
that tab. Orders name the platform's product id and title: on the engine's thread,
just before they are submitted, :class:`~app.connectors.console.order_match.OrderMatcher` gives each the
queue's product and price (or marks it unmatched).

Failure is loud: an action the page did not carry out is one log line, the status's ``reason``, a
failed count, and a screenshot plus the page's HTML under ``<data dir>/consoles/diagnostics/``; the
recording goes on. A watchdog closes the modals the profile knows (AFK protection, 直播总结) and notices a
login redirect (the session expired). docs/platform-console.md is the user's guide.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path
from typing import Any

from app.commerce.catalog import Product
from app.connectors.console.listening import PageListener
from app.connectors.console.order_match import OrderMatcher, goods_product
from app.connectors.console.page import ConsoleActionError, PageDriver, open_via_link
from app.connectors.console.profile import ConsoleProfile, same_site
from app.connectors.console.status import ConsoleState, ConsoleStatus
from app.core.events import Command, LiveEvent
from app.core.i18n import tr
from app.core.listeners import Listeners
from app.core.log import RateLimitedLog
from app.core.settings import data_dir
from app.core.waits import wait_at_most
from app.engine.commands import COMMANDS
from app.engine.session import SessionEngine

log = logging.getLogger("livedeck.console")
CONNECT_TIMEOUT_S = 30.0
WATCH_INTERVAL_S = 0.5
LOGIN_GRACE_S = 2.0  # on the login page this long before the login counts as needed
STOP_TIMEOUT_S = 15.0
GOODS_WAIT_S = 5.0  # how long an import waits for the page's goods-list response (the platform's product ids)
OFF_AIR_RETRY_S = 15.0  # a page that said "not live" is opened again this often: the live may have started


def _log_crash(future: Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("a console action crashed", exc_info=future.exception())


class ConsoleConnector:
    """Drives one platform console page for a show; see the module docstring.

    Args:
        engine: the engine whose console commands to act on and whose events to feed.
        profile: the platform's page description.
        url: opens this instead of the profile's live-control URL (a local page in tests).
        browser: the browser executable to drive; ``channel`` (``chrome``, ``msedge``) otherwise.
        profile_dir: the persistent browser profile folder (default: ``<data dir>/consoles/<platform>``).
        headless: no window (a login then cannot be done: the status says so).
        home: the data directory (default :func:`app.core.settings.data_dir`).

    :meth:`start` from the engine's thread (it remembers that thread's running loop, if any);
    :meth:`stop` ends the browser and the thread.
    """

    def __init__(self, engine: SessionEngine, profile: ConsoleProfile, *, url: str = "", browser: str = "",
                 channel: str = "", profile_dir: Path | None = None, headless: bool = False,
                 home: Path | None = None) -> None:
        self.engine = engine
        self.profile = profile
        self.url = url or profile.console_url
        self.browser, self.channel, self.headless = browser, channel, headless
        self.home = home or data_dir()
        self.profile_dir = profile_dir or self.home / "consoles" / profile.platform
        self.diagnostics_dir = self.home / "consoles" / "diagnostics"
        self.actor = f"console:{profile.platform}"
        self.capabilities: frozenset[str] = profile.capabilities
        self._status = ConsoleStatus(capabilities=self.capabilities)
        self._status_listeners: Listeners[[ConsoleStatus]] = Listeners(log, "console status listener")
        #: Finds the product of each order the page reports; its ``tally`` counts them (on the engine's thread).
        self.orders = OrderMatcher(lambda: self.engine.state.queue.products)
        self._listener = PageListener(profile, is_console_tab=self._is_console_tab,
                                      hand_on=lambda events: self._engine_call(self._hand_on, events),
                                      counted=self._counted, said=lambda reason: self._set(reason=reason))
        self._loop: asyncio.AbstractEventLoop | None = None
        self._engine_loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopping: asyncio.Event | None = None
        self._settled: asyncio.Event | None = None  # set once the page is past STARTING
        self._ready = threading.Event()
        self._driver: PageDriver | None = None
        self._lock: asyncio.Lock | None = None
        self._last_action = float("-inf")
        self._last_of: dict[str, float] = {}  # time.monotonic() of each spaced command's last attempt
        self._linked_tab: Any = None  # the console tab opened from a link (profiles that open_via_link)
        self._reopening = False  # a new console tab is being opened from a link: its responses count
        self._explaining: int | None = None
        self._opener_account = ""  # the account name on the page the console was opened from by a link
        self._login_since = 0.0  # time.monotonic() the page went to the login page (0: it is not there)
        self._off_air_at = 0.0  # time.monotonic() the page last said the account is not live (0: it did not)
        self.off_air_retry_s = OFF_AIR_RETRY_S
        self._unsubscribe: Callable[[], None] | None = None

    # -- what others read ----------------------------------------------------------------------------
    @property
    def status(self) -> ConsoleStatus:
        return self._status

    @property
    def running(self) -> bool:
        """The browser's thread runs: started, not stopped, not failed."""
        return self._thread is not None and self._thread.is_alive()

    def can(self, name: str) -> bool:
        """Whether the platform's profile has capability ``name`` (``send_comment``, ``read_orders`` …)."""
        return name in self.capabilities

    def add_status_listener(self, listener: Callable[[ConsoleStatus], None]) -> Callable[[], None]:
        """Call ``listener(status)`` on each change (on the connector's thread); returns the unsubscriber."""
        return self._status_listeners.add(listener)

    # -- lifecycle -----------------------------------------------------------------------------------
    def start(self) -> None:
        """Open the browser on the console page (in the background) and start acting on commands."""
        try:
            self._engine_loop = asyncio.get_running_loop()
        except RuntimeError:
            self._engine_loop = None
        self._unsubscribe = self.engine.subscribe_console(self._on_command)
        self._thread = threading.Thread(target=self._run_thread, name=f"console-{self.profile.platform}",
                                        daemon=True)
        self._thread.start()
        self._ready.wait(5)

    def stop(self) -> None:
        """Stop acting on commands and close the browser (waits for it, at most ``STOP_TIMEOUT_S``)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._loop is not None and self._stopping is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT_S)
            self._thread = None

    async def aclose(self) -> None:
        """:meth:`stop` without blocking the caller's loop. It waits on a thread of its own, not the loop's
        executor: under qasync that executor's worker outlived the window and stalled the next asyncio loop
        of the process (a test run's later tests)."""
        loop = asyncio.get_running_loop()
        stopped = loop.create_future()

        def tell() -> None:
            if not stopped.done():
                stopped.set_result(None)

        def stop_and_tell() -> None:
            self.stop()
            if not loop.is_closed():
                loop.call_soon_threadsafe(tell)

        threading.Thread(target=stop_and_tell, name=f"console-{self.profile.platform}-stop", daemon=True).start()
        await stopped

    def submit_page_task(self, work: Callable[[PageDriver], Any]) -> Future[Any]:
        """Run ``await work(driver)`` on the connector's loop (products import, selector check)."""
        async def run() -> Any:
            if self._driver is None or self._lock is None:
                raise ConsoleActionError(tr("中控台页面还没有打开"))
            async with self._lock:
                return await work(self._driver)
        assert self._loop is not None, "start() first"
        return asyncio.run_coroutine_threadsafe(run(), self._loop)

    def read_products(self) -> Future[list[Product]]:
        """The console's goods list as products (序号, name, price and stock as the page shows them), for
        the queue, each with the platform's product id when the page's goods-list response named it (so
        the page's orders find them); the future fails with ConsoleActionError when the list cannot be read."""
        async def read(driver: PageDriver) -> list[Product]:
            rows = await driver.products()
            if self._listener.reads_goods:
                await wait_at_most(self._listener.goods_seen, GOODS_WAIT_S)  # a freshly opened page may still load it
            return [product for row in rows if (product := goods_product(row, self._listener.goods)) is not None]
        return self.submit_page_task(read)

    # -- the connector's thread ----------------------------------------------------------------------
    def _run_thread(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main())
        finally:
            loop.close()

    async def _main(self) -> None:
        from playwright.async_api import Error as PlaywrightError
        from playwright.async_api import async_playwright

        self._stopping, self._lock, self._settled = asyncio.Event(), asyncio.Lock(), asyncio.Event()
        self._ready.set()
        try:
            async with async_playwright() as playwright:
                context = await self._launch(playwright)
                try:
                    page = context.pages[0] if context.pages else await context.new_page()
                    context.on("response", self._listener.on_response)
                    await self._listener.hook(context)  # before the first navigation: its scripts get patched
                    self._listen(page)
                    self._driver = PageDriver(page, self.profile,
                                              products_url=same_site(self.profile.products_url, self.url),
                                              account_url=same_site(self.profile.account_url, self.url))
                    await self._open(page, same_site(self.profile.entry_url, self.url) or self.url)
                    await self._watch()
                finally:
                    self._driver = None
                    await context.close()
        except (PlaywrightError, OSError) as exc:
            reason = tr("浏览器无法打开中控台：{reason}", reason=str(exc).splitlines()[0][:200])
            log.error("%s", reason)
            self._set(state=ConsoleState.FAILED, reason=reason)
            return
        self._set(state=ConsoleState.STOPPED, reason="")

    async def _launch(self, playwright: Any) -> Any:
        self.profile_dir.mkdir(parents=True, exist_ok=True)
        options: dict[str, Any] = {"headless": self.headless}
        if self.browser:
            options["executable_path"] = self.browser
        elif self.channel:
            options["channel"] = self.channel
        if not self.headless:
            options["no_viewport"] = True  # a fixed viewport locks the window's shape (the page then hides parts)
        return await playwright.chromium.launch_persistent_context(str(self.profile_dir), **options)

    def _listen(self, page: Any) -> None:
        """Read events from ``page``'s sockets (its responses are heard on the context)."""
        page.on("websocket", self._listener.on_websocket)

    async def _open(self, page: Any, url: str) -> None:
        """Navigate the console tab to ``url`` (a direct navigation: a profile that opens its console
        via a link reopens it from there once logged in)."""
        self._linked_tab = None
        await page.goto(url, wait_until="domcontentloaded")

    async def _watch(self) -> None:
        """Until stopped: say where the console tab stands, close modals, click 新消息. A round the page
        navigated away under (a login redirect, a reload) is looked at again the next one; a closed page
        ends it. The tab is the driver's: a profile that opens its console via a link swaps it."""
        from playwright.async_api import Error as PlaywrightError

        assert self._stopping is not None
        assert self._driver is not None
        started, trouble = time.monotonic(), RateLimitedLog(log)
        while not self._stopping.is_set():
            page = self._driver.page
            try:
                await self._look(page, waited=time.monotonic() - started)
                if self._status.state is ConsoleState.CONNECTED:
                    async with self._lock or asyncio.Lock():
                        await self._tidy()
            except PlaywrightError as exc:
                if page.is_closed():
                    raise
                trouble("console %s: the watchdog's look at the page failed (%s); next round",
                        self.profile.platform, str(exc).splitlines()[0][:120])
            await wait_at_most(self._stopping, WATCH_INTERVAL_S)

    async def _look(self, page: Any, *, waited: float) -> None:
        sel = self.profile.selectors
        if self.profile.is_login_url(page.url):
            if self._driver is not None and await self._driver.press_login():
                log.info("console %s: clicked the login page's button for its QR code", self.profile.platform)
            now = time.monotonic()
            self._login_since = self._login_since or now
            if now - self._login_since < LOGIN_GRACE_S:
                return  # a single sign-on hop passes through the login page on its own
            was = self._status.state
            if was is not ConsoleState.LOGIN_NEEDED:
                reason = tr("登录已过期，请重新扫码登录") if was is ConsoleState.CONNECTED else (
                    tr("无界面模式无法扫码：先不加 --headless 运行一次并登录") if self.headless
                    else tr("请在打开的浏览器窗口中扫码登录"))
                log.warning("console %s: %s", self.profile.platform, reason)
                self._set(state=ConsoleState.LOGIN_NEEDED, reason=reason, logged_in=False)
            self._linked_tab = None  # where the login leads is no link click: reopened once logged in
            return
        self._login_since = 0.0
        if await self._off_air(page, waited=waited):
            return
        if "console" in self.profile.open_via_link and page is not self._linked_tab:
            # logged in: the page shows it (the platform's broken page may show nothing at all, hence the grace)
            shown = [await page.locator(sel[name]).count() for name in ("logged_in", "console") if sel.get(name)]
            if not (waited > LOGIN_GRACE_S or any(shown)):
                return
            self._opener_account = await self._account(page)  # the console tab may not show the name
            if not await self._reopen_via_link(page):
                return
            page = self._driver.page if self._driver is not None else page  # looked at now, not a round later
        if await page.locator(sel["console"]).count() > 0:
            if self._status.state is not ConsoleState.CONNECTED:
                account = await self._account(page) or self._opener_account
                log.info("console %s connected%s", self.profile.platform, " (account shown)" if account else "")
                self._set(state=ConsoleState.CONNECTED, reason="", logged_in=True, account=account)
                if self.profile.products_url and self._driver is not None and self._lock is not None:
                    async with self._lock:  # the goods tab opens now, not at the first 讲解
                        await self._driver.goods_page()
        elif waited > CONNECT_TIMEOUT_S and self._status.state is ConsoleState.STARTING:
            reason = tr("打开了中控台页面，但找不到商品面板：没有开播、没有直播商品，或平台页面已改版")
            log.error("%s", reason)
            self._set(state=ConsoleState.FAILED, reason=reason)

    async def _reopen_via_link(self, page: Any) -> bool:
        """Open the console again in a new tab, from a link on ``page``, and close ``page``: the pages,
        listeners and actions all move to the new tab. If no tab opens, the status says so in one line
        (and the old tab stays, in case the page works after all). Whether the new tab opened."""
        assert self._driver is not None
        self._reopening = True
        try:
            tab = await open_via_link(page, self.url, on_open=self._listen)
        except ConsoleActionError as exc:
            self._reopening = False
            reason = tr("中控台需要从链接重新打开，但{reason}", reason=str(exc))
            log.error("console %s: %s", self.profile.platform, reason)
            self._set(state=ConsoleState.FAILED, reason=reason, logged_in=True)
            self._linked_tab = page
            return False
        # not under the lock: a plan's first step may hold it, waiting for the connect this leads to
        self._driver.page, self._linked_tab, self._reopening = tab, tab, False
        await page.close()
        log.info("console %s: reopened the console from a link", self.profile.platform)
        return True

    async def _off_air(self, page: Any, *, waited: float) -> bool:
        """Whether the page says the account is logged in but not live (视频号 sends it to ``/platform``;
        淘宝's live plan lists no session on air): the status says so, and the console page is opened again
        every ``off_air_retry_s`` until the live has started. From a plan that lists a session on air,
        goes on to its control page."""
        step, driver = self.profile.live_id, self._driver
        if step and driver is not None and not await page.locator(self.profile.selectors["console"]).count():
            live_id = await driver.live_id()
            if live_id:
                await self._open(page, same_site(step["url"].format(live_id=live_id), page.url))
                return True
            plan = step.get("plan", "")
            off_air = waited > LOGIN_GRACE_S and bool(plan) and await page.locator(plan).count() > 0
        else:
            off_air = self.profile.is_not_live_url(page.url)
        if not off_air:
            self._off_air_at = 0.0
        elif not self._off_air_at:
            self._off_air_at = time.monotonic()
            reason = tr("{name}只有开播后才有中控台", name=self.profile.name)
            log.warning("console %s: %s", self.profile.platform, reason)
            self._set(state=ConsoleState.FAILED, reason=reason, logged_in=True)
        elif time.monotonic() - self._off_air_at > self.off_air_retry_s:
            self._off_air_at = time.monotonic()  # look again, keeping the reason until the live is there
            await self._open(page, self.url)
        return off_air

    async def _account(self, page: Any) -> str:
        if self._driver is None:
            return ""
        try:
            return await self._driver.account_name()
        except ConsoleActionError as exc:  # the account page would not open: connected all the same
            log.warning("console %s: account name not read: %s", self.profile.platform, exc)
            return ""

    async def _tidy(self) -> None:
        assert self._driver is not None
        for name in await self._driver.close_modals():
            log.info("console %s: closed the %s modal", self.profile.platform, name)
        await self._driver.escape_overlays()
        more = self.profile.selectors.get("new_comments", "")
        if more and await self._driver.page.locator(more).count() > 0:
            await self._driver.page.locator(more).first.dispatch_event("click")

    # -- commands ------------------------------------------------------------------------------------
    def _on_command(self, command: Command) -> None:
        """On the engine's thread: queue an applied console command to the page."""
        if command.name not in self._carriers() or not self.can(command.name) or self._loop is None:
            return
        if self._loop.is_closed():  # the browser is gone (it failed to start, or the window was closed)
            self.engine.record_ack(command, {"result": "failed", "reason": self._status.reason or tr("中控台未连接")},
                                   actor=self.actor)
            return
        session_id = self.engine.state.session_id
        future = asyncio.run_coroutine_threadsafe(self._act(command, session_id, self._page_args(command)),
                                                  self._loop)
        future.add_done_callback(_log_crash)

    def _page_args(self, command: Command) -> dict[str, Any]:
        """On the engine's thread: the command's arguments plus what the page needs that the command names
        only by reference (the text of the comment ``pin_comment {seq}`` just pinned)."""
        pinned = self.engine.state.pinned
        if command.name == "pin_comment" and pinned is not None and pinned.seq == command.args.get("seq"):
            return {**command.args, "text": pinned.text}
        return dict(command.args)

    async def _act(self, command: Command, session_id: int | None, args: dict[str, Any]) -> None:
        assert self._lock is not None
        async with self._lock:
            spacing = self.profile.command_gaps_s.get(command.name, 0.0)
            wait = self._last_of.get(command.name, float("-inf")) + spacing - time.monotonic()
            if wait > 0:  # the platform flags these when they come faster: refused, not queued
                await self._too_soon(command, session_id, spacing, wait)
                return
            await asyncio.sleep(max(0.0, self._last_action + self.profile.action_gap_s - time.monotonic()))
            try:
                detail = await self._carry_out(command, args)
            except ConsoleActionError as exc:
                await self._failed(command, session_id, str(exc))
            except Exception as exc:  # a Playwright error: the page went away, a timeout
                await self._failed(command, session_id, tr("中控台操作失败：{reason}",
                                                           reason=str(exc).splitlines()[0][:200]))
            else:
                self._engine_call(self.engine.record_ack, command, {"result": "applied", "reason": detail},
                                  actor=self.actor, session_id=session_id)
                self._set(done=self._status.done + 1)
            finally:
                self._last_action = time.monotonic()
                if spacing:
                    self._last_of[command.name] = self._last_action

    async def _too_soon(self, command: Command, session_id: int | None, spacing: float, wait: float) -> None:
        reason = tr("{platform}的{action}两次至少间隔 {gap} 秒：请 {left} 秒后再试", platform=self.profile.name,
                    action=COMMANDS[command.name].label(), gap=f"{spacing:g}", left=math.ceil(wait))
        log.warning("console %s: %s", self.profile.platform, reason)
        self._engine_call(self.engine.record_ack, command, {"result": "rejected", "reason": reason},
                          actor=self.actor, session_id=session_id)
        self._set(reason=reason)

    async def _carry_out(self, command: Command, args: dict[str, Any]) -> str:
        if self._settled is not None:  # a plan's first step may come while the page still opens
            await wait_at_most(self._settled, CONNECT_TIMEOUT_S)
        driver = self._driver
        if driver is None or self._status.state is not ConsoleState.CONNECTED:
            raise ConsoleActionError(self._status.reason or tr("中控台未连接"))
        await driver.close_modals()
        await driver.escape_overlays()
        return await self._carriers()[command.name](driver, args)

    def _carriers(self) -> dict[str, Callable[[PageDriver, dict[str, Any]], Awaitable[str]]]:
        """How each console command this connector carries out acts on the page (the capability of the
        same name must be in the profile)."""
        return {"explain": self._explain, "stop_explain": self._stop_explain, "send_comment": self._send_comment,
                "pin_comment": self._pin_comment}

    async def _explain(self, driver: PageDriver, args: dict[str, Any]) -> str:
        detail = await driver.explain(args["no"])
        self._explaining = args["no"]
        return detail

    async def _stop_explain(self, driver: PageDriver, args: dict[str, Any]) -> str:
        if self._explaining is None:
            raise ConsoleActionError(tr("中控台上没有 LiveDeck 发起的讲解可以取消"))
        detail = await driver.stop_explain(self._explaining)
        self._explaining = None
        return detail

    async def _send_comment(self, driver: PageDriver, args: dict[str, Any]) -> str:
        return await driver.send_comment(str(args["text"]).strip(), bool(args.get("pin")))

    async def _pin_comment(self, driver: PageDriver, args: dict[str, Any]) -> str:
        text = str(args.get("text", "")).strip()
        if not text:
            raise ConsoleActionError(tr("找不到要上墙的评论"))
        return await driver.pin_comment(text)

    async def _failed(self, command: Command, session_id: int | None, reason: str) -> None:
        log.error("console %s: %s", self.profile.platform, reason)
        await self._save_diagnostics(command.name)
        self._engine_call(self.engine.record_ack, command, {"result": "failed", "reason": reason},
                          actor=self.actor, session_id=session_id)
        self._set(failed=self._status.failed + 1, reason=reason)

    async def _save_diagnostics(self, what: str) -> None:
        """A screenshot and the page's HTML, for whoever updates the profile (never cookies)."""
        if self._driver is None:
            return
        self.diagnostics_dir.mkdir(parents=True, exist_ok=True)
        stem = self.diagnostics_dir / f"{self.profile.platform}-{time.strftime('%Y%m%d-%H%M%S')}-{what}"
        try:
            await self._driver.save_diagnostics(stem)
        except Exception as exc:  # the page is gone: the log line above still says what failed
            log.warning("console diagnostics not saved: %s", str(exc).splitlines()[0][:200])
            return
        log.info("console diagnostics saved: %s.png / .html", stem)

    # -- data back -----------------------------------------------------------------------------------
    def _is_console_tab(self, page: Any) -> bool:
        """Whether ``page``'s responses are read: the console tab's, or the new console tab's while one is
        opened from a link — never the products or account tab's."""
        driver = self._driver
        return driver is not None and (page is driver.page or (self._reopening and page is not driver.goods_tab))

    def _counted(self, events: int, malformed: int) -> None:
        self._set(events=self._status.events + events, malformed=malformed)

    def _hand_on(self, events: list[LiveEvent]) -> None:
        """On the engine's thread: orders get the queue's product and price, then all go to the engine."""
        self.orders.attribute(events)
        self.engine.submit_from_room(events)

    # -- helpers -------------------------------------------------------------------------------------
    def _engine_call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        loop = self._engine_loop
        if loop is None or loop.is_closed():
            fn(*args, **kwargs)
        else:
            loop.call_soon_threadsafe(lambda: fn(*args, **kwargs))

    def _set(self, **changes: Any) -> None:
        if changes.get("reason") == "" and self._listener.trouble:  # a page script lost its hook: still said
            changes["reason"] = self._listener.trouble
        self._status = replace(self._status, **changes)
        if self._settled is not None and self._status.state is not ConsoleState.STARTING:
            self._settled.set()
        self._status_listeners.notify(self._status)
