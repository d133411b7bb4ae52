"""What the console page sends back: its responses and socket frames, read into LiveEvents.

:class:`PageListener` is the connector's ear on the browser. It hears every response of the browser
context (``context.on("response")``: a tab opened from a link may answer before its page object has
listeners) and keeps only the console tab's, as the connector's ``is_console_tab`` says; the frames of the
page's WebSockets (attached per tab, ``on_websocket``); and hands each body of a profile's ``responses``
map to :class:`~app.connectors.console.responses.ResponseReader`. The events go on through ``hand_on``
(the connector passes them to the engine's thread), the counts through ``counted``. A goods-list
response makes no events: its (platform id, title) rows are kept in :attr:`PageListener.goods`.

All of it runs on the connector's own asyncio loop (Playwright's callbacks); nothing here touches Qt.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from app.connectors.console.profile import ConsoleProfile
from app.connectors.console.responses import ResponseReader
from app.core.events import LiveEvent
from app.core.log import RateLimitedLog

log = logging.getLogger("livedeck.console")


class PageListener:
    """Reads the console page's responses and socket frames for one profile.

    Args:
        profile: the platform's profile (its ``responses`` maps).
        is_console_tab: whether a Playwright page is the console tab (the one whose data counts).
        hand_on: called with each batch of new events (on the connector's loop).
        counted: called with (new events, malformed rows so far) after a body that had either.

    Attributes:
        reader: the field maps at work (its ``malformed`` counts the rows skipped).
        goods: the page's last goods-list response, (platform id, title) per row.
        goods_seen: set once a goods-list response was read.
    """

    def __init__(self, profile: ConsoleProfile, *, is_console_tab: Callable[[Any], bool],
                 hand_on: Callable[[list[LiveEvent]], None], counted: Callable[[int, int], None]) -> None:
        self.profile = profile
        self.reader = ResponseReader(profile.responses)
        self.goods: list[tuple[str, str]] = []
        self.goods_seen = asyncio.Event()
        self._is_console_tab = is_console_tab
        self._hand_on = hand_on
        self._counted = counted
        self._bad = RateLimitedLog(log)

    @property
    def reads_goods(self) -> bool:
        """Whether the profile has a goods-list map (an import then waits for its response)."""
        return any(spec.get("goods") for spec in self.profile.responses.values())

    def on_response(self, response: Any) -> None:
        """A response of any tab of the browser: read when it is the console tab's."""
        try:
            page = response.frame.page
        except Exception:  # a service worker's: no page
            return
        if not self._is_console_tab(page):
            return
        name = self.reader.wants(response.url)
        if name is not None:
            asyncio.get_running_loop().create_task(self._read(name, response))

    def on_websocket(self, socket: Any) -> None:
        """A WebSocket the page opened: its received frames are read when a map wants its URL."""
        name = self.reader.wants(socket.url, "websocket")
        if name is not None:
            socket.on("framereceived", lambda payload: self.take(name, payload if isinstance(payload, str)
                                                                 else payload.decode("utf-8", "replace")))

    async def _read(self, name: str, response: Any) -> None:
        try:
            text = await response.text()
        except Exception:  # the page navigated away before its body arrived
            text = ""
        self.take(name, text)

    def take(self, name: str, text: str) -> None:
        """The events of one response body or socket frame of map ``name``, handed on."""
        reader = self.reader
        try:
            body = reader.decode(name, text)
        except Exception:
            reader.malformed += 1
            self._bad("console %s: a %s response was not JSON; skipped", self.profile.platform, name)
            self._counted(0, reader.malformed)
            return
        before = reader.malformed
        if self.profile.responses[name].get("goods"):
            self.goods = reader.goods(name, body) or self.goods
            if self.goods:
                self.goods_seen.set()
            events = []
        else:
            events = reader.read(name, body)
        if reader.malformed > before:
            self._bad("console %s: %d malformed rows in a %s response skipped",
                      self.profile.platform, reader.malformed - before, name)
        if events:
            self._hand_on(events)
        if events or reader.malformed > before:
            self._counted(len(events), reader.malformed)
