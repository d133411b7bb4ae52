"""``--source console``: a show whose only source is the platform console page itself.

The console connector (app/connectors/console/) already hands the page's comments, interactions and
orders to the engine on its own path. When no other source is configured, the show still needs
something in the source's place — a status for the header and the health panel, a reader task that
ends when the show stops — without reading anything twice. :class:`ConsoleFeed` is that: it reads no
socket and submits nothing; its :class:`~app.sources.base.SourceStatus` follows the connector's
:class:`~app.connectors.console.status.ConsoleStatus` (connected → 已连接, opening or waiting for the QR
login → 连接中…, failed → 失败 with the reason), counting the events and malformed rows the page gave.

Such a show often starts without a product list: :func:`import_goods_if_empty` then makes the page's goods
list the queue as soon as the page is connected, so the page's orders find their products (and their
prices) instead of all counting as 未匹配商品.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import replace

from app.connectors.console.connector import ConsoleConnector
from app.connectors.console.status import ConsoleState, ConsoleStatus
from app.core.i18n import tr
from app.core.listeners import Listeners
from app.engine.session import SessionEngine
from app.sources.base import SourceState, SourceStatus
from app.sources.info import AddressKind, SourceInfo

log = logging.getLogger("livedeck.show")

#: The ``--source`` (and the ``SourceSpec.format``) that means "the console page is the source".
CONSOLE_SOURCE = "console"

_STATES = {
    ConsoleState.STARTING: SourceState.CONNECTING,
    ConsoleState.LOGIN_NEEDED: SourceState.CONNECTING,
    ConsoleState.CONNECTED: SourceState.LIVE,
    ConsoleState.FAILED: SourceState.FAILED,
    ConsoleState.STOPPED: SourceState.STOPPED,
}


def _no_address(text: str, options: object) -> tuple[str, dict[str, object]]:
    return "", {}


#: How the connect dialog offers the console page as the comment source.
CONSOLE_SOURCE_INFO = SourceInfo(
    label=lambda: tr("平台中控台"),
    hint=lambda: tr("评论、互动和订单来自已连接的平台中控台页面（场次 → 连接平台中控台…），不再另接直播源"),
    resolve=_no_address,
    address=AddressKind.NONE,
)


def source_status(console: ConsoleStatus, before: SourceStatus) -> SourceStatus:
    """The source status a console status means (``before``: the feed's previous one, for the time it
    went live)."""
    state = _STATES[console.state]
    live_since = (before.connected_since or time.time()) if state is SourceState.LIVE else None
    return replace(before, state=state, reason="" if state is SourceState.LIVE else console.reason,
                   connected_since=live_since, events=console.events, malformed=console.malformed)


class ConsoleFeed:
    """Stands in for the show's websocket source while the console page is the only source.

    Args:
        platform: the console profile's name (``buyin``), shown in the session's source column.

    :meth:`follow` the show's connector (again for each new one); :meth:`run` is the reader task (it
    waits for :meth:`stop`). Status listeners are called on the loop that called :meth:`follow`.
    """

    format_name = CONSOLE_SOURCE

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self._status = SourceStatus(state=SourceState.CONNECTING, format_name=CONSOLE_SOURCE,
                                    reason=tr("没有连接平台中控台"))
        self._listeners: Listeners[[SourceStatus]] = Listeners(log, "console feed status listener")
        self._stopped = asyncio.Event()
        self._unfollow: Callable[[], None] | None = None

    @property
    def status(self) -> SourceStatus:
        return self._status

    def add_status_listener(self, listener: Callable[[SourceStatus], None]) -> Callable[[], None]:
        return self._listeners.add(listener)

    def follow(self, connector: ConsoleConnector) -> None:
        """Take the status of ``connector`` from now on (call it on the show's loop)."""
        if self._unfollow is not None:
            self._unfollow()
        loop = asyncio.get_running_loop()

        def hop(status: ConsoleStatus) -> None:  # the connector's thread → the show's loop
            if not loop.is_closed():
                loop.call_soon_threadsafe(self._show, status)

        self._unfollow = connector.add_status_listener(hop)
        self._show(connector.status)

    def _show(self, console: ConsoleStatus) -> None:
        if self._stopped.is_set():
            return
        self._status = source_status(console, self._status)
        self._listeners.notify(self._status)

    async def run(self) -> None:
        """Returns once stopped: the page's events reach the engine through the connector meanwhile."""
        await self._stopped.wait()

    def stop(self) -> None:
        if self._unfollow is not None:
            self._unfollow()
            self._unfollow = None
        self._stopped.set()
        self._status = replace(self._status, state=SourceState.STOPPED, reason="", connected_since=None)
        self._listeners.notify(self._status)


async def import_goods_if_empty(engine: SessionEngine, console: ConsoleConnector) -> int:
    """Once ``console``'s page is connected, load its goods list into ``engine``'s queue if the queue is
    still empty (one ``load_catalog``, actor ``console:<platform>``). Returns how many products it loaded:
    0 when the queue had products, the profile cannot read the goods list, or the page listed none."""
    loop = asyncio.get_running_loop()
    connected = asyncio.Event()

    def hop(status: ConsoleStatus) -> None:  # the connector's thread → this loop
        if status.state is ConsoleState.CONNECTED and not loop.is_closed():
            loop.call_soon_threadsafe(connected.set)

    unsubscribe = console.add_status_listener(hop)
    try:
        if console.status.state is ConsoleState.CONNECTED:
            connected.set()
        await connected.wait()
    finally:
        unsubscribe()
    if len(engine.state.queue) or not console.can("read_products"):
        return 0
    try:
        products = await asyncio.wrap_future(console.read_products())
    except Exception as exc:  # ConsoleActionError, or a Playwright error: the page went away
        log.warning("the console's goods list could not be imported: %s", str(exc).splitlines()[0][:200])
        return 0
    if not products or len(engine.state.queue):
        return 0
    result = engine.load_catalog(products, actor=console.actor)
    if result.result != "applied":
        log.warning("the console's goods list was not loaded: %s", result.reason)
        return 0
    log.info("the console's %d goods became the queue", len(products))
    return len(products)
