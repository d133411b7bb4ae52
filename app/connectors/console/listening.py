"""What the console page sends back: its responses and socket frames, read into LiveEvents.

:class:`PageListener` is the connector's ear on the browser. It hears every response of the browser
context (``context.on("response")``: a tab opened from a link may answer before its page object has
listeners) and keeps only the console tab's, as the connector's ``is_console_tab`` says; the frames of the
page's WebSockets (attached per tab, ``on_websocket``); and hands each body of a profile's ``responses``
map to :class:`~app.connectors.console.responses.ResponseReader`. The events go on through ``hand_on``
(the connector passes them to the engine's thread), the counts through ``counted``. A goods-list
response makes no events: its (platform id, title) rows are kept in :attr:`PageListener.goods`.

A page with no usable response (快手: its comments arrive inside a minified bundle's own decoder) has a
``script_hook`` map: before the first navigation, :meth:`PageListener.hook` routes the script named by
the map's ``script`` glob, fetches it again (``Cache-Control: no-cache``, no conditional headers: a 304
would hand the browser its cached, unpatched copy) and wraps the expression the map's ``hook`` regex
names (its group ``payload``) so that its value, as JSON, also goes to a function exposed on the browser
context (:data:`BINDING`). The decoded payload is then read by the same field maps as a response body,
validated at the edge (a string of at most :data:`MAX_HOOKED_CHARS`, JSON, rows of the map's shape). A
script that loads without the pattern is said in one line, in the log and the status's reason (which then
stays until a later load of the script is patched), and the connector goes on without those events.

All of it runs on the connector's own asyncio loop (Playwright's callbacks); nothing here touches Qt.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from app.connectors.console.profile import ConsoleProfile
from app.connectors.console.responses import ResponseReader
from app.core.events import LiveEvent
from app.core.i18n import tr
from app.core.log import RateLimitedLog

log = logging.getLogger("livedeck.console")
#: The function a patched page script calls with (map name, payload JSON).
BINDING = "livedeckScriptHook"
MAX_HOOKED_CHARS = 1_000_000  # a payload longer than this is counted as malformed, not parsed
#: What replaces a hooked expression: its value, unchanged, after a copy went to :data:`BINDING` as JSON
#: (BigInts as strings; a payload that cannot be written out is simply not handed over).
_WRAP = ("(function(v){{try{{window.{binding}({name},JSON.stringify(v,function(k,x){{"
         "return typeof x===\"bigint\"?String(x):x}}))}}catch(e){{}}return v}})({payload})")
_REFETCH_DROPPED = frozenset({"if-none-match", "if-modified-since", "cache-control", "pragma"})
_FULFIL_DROPPED = frozenset({"content-length", "content-encoding", "etag", "last-modified", "cache-control"})


def patch_script(source: str, hook: re.Pattern[str], name: str) -> tuple[str, int]:
    """``source`` with each match of ``hook`` wrapped so that the value of its ``payload`` group is also
    handed to :data:`BINDING` as map ``name``'s; how many places were patched."""
    def wrap(match: re.Match[str]) -> str:
        whole, at = match.group(0), match.start()
        start, end = match.start("payload") - at, match.end("payload") - at
        wrapped = _WRAP.format(binding=BINDING, name=json.dumps(name), payload=whole[start:end])
        return whole[:start] + wrapped + whole[end:]
    return hook.subn(wrap, source)


class PageListener:
    """Reads the console page's responses and socket frames for one profile.

    Args:
        profile: the platform's profile (its ``responses`` maps).
        is_console_tab: whether a Playwright page is the console tab (the one whose data counts).
        hand_on: called with each batch of new events (on the connector's loop).
        counted: called with (new events, malformed rows so far) after a body that had either.
        said: called with the one-line reason when a hooked script lost its pattern ('' once one is
            patched again).

    Attributes:
        reader: the field maps at work (its ``malformed`` counts the rows skipped).
        goods: the page's last goods-list response, (platform id, title) per row.
        goods_seen: set once a goods-list response was read.
        trouble: the reason a hooked script could not be patched ('' when none): the connector keeps it
            as the status's reason.
    """

    def __init__(self, profile: ConsoleProfile, *, is_console_tab: Callable[[Any], bool],
                 hand_on: Callable[[list[LiveEvent]], None], counted: Callable[[int, int], None],
                 said: Callable[[str], None] = lambda reason: None) -> None:
        self.profile = profile
        self.reader = ResponseReader(profile.responses)
        self.goods: list[tuple[str, str]] = []
        self.goods_seen = asyncio.Event()
        self._is_console_tab = is_console_tab
        self._hand_on = hand_on
        self._counted = counted
        self._said = said
        self._bad = RateLimitedLog(log)
        self.trouble = ""
        self._told: set[str] = set()  # the scripts whose missing pattern was logged

    @property
    def reads_goods(self) -> bool:
        """Whether the profile has a goods-list map (an import then waits for its response)."""
        return any(spec.get("goods") for spec in self.profile.responses.values())

    async def hook(self, context: Any) -> None:
        """Before the first navigation: patch the scripts of the profile's ``script_hook`` maps and expose
        the function they call, on the whole browser ``context`` (a tab opened from a link is patched too)."""
        hooked = {name: spec for name, spec in self.profile.responses.items() if spec.get("listen") == "script_hook"}
        if not hooked:
            return
        await context.expose_binding(BINDING, self._on_hooked)
        for name, spec in hooked.items():
            await context.route(str(spec["script"]), self._patcher(name, re.compile(str(spec["hook"]))))

    def _patcher(self, name: str, pattern: re.Pattern[str]) -> Callable[[Any], Awaitable[None]]:
        async def patch(route: Any) -> None:  # one parameter: Playwright then passes the route alone
            await self._patch(route, name, pattern)
        return patch

    async def _patch(self, route: Any, name: str, pattern: re.Pattern[str]) -> None:
        request = route.request
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _REFETCH_DROPPED}
        try:
            response = await route.fetch(headers={**headers, "cache-control": "no-cache", "pragma": "no-cache"})
            source = await response.text()
        except Exception as exc:  # the platform did not answer: the browser tries on its own
            log.warning("console %s: the page script %s could not be fetched for its hook (%s)",
                        self.profile.platform, request.url, str(exc).splitlines()[0][:120])
            with contextlib.suppress(Exception):
                await route.continue_()
            return
        if not 200 <= response.status < 300:
            await route.fulfill(response=response)
            return
        patched, places = patch_script(source, pattern, name)
        self._patched(request.url, places)
        kept = {k: v for k, v in response.headers.items() if k.lower() not in _FULFIL_DROPPED}
        await route.fulfill(status=response.status, headers={**kept, "cache-control": "no-store"}, body=patched)

    def _patched(self, url: str, places: int) -> None:
        if places:
            if self.trouble:
                self.trouble = ""
                self._said("")
            return
        script = urlsplit(url).path.rsplit("/", 1)[-1] or url
        self.trouble = tr("页面脚本 {script} 里找不到读消息的代码：评论读不到了，平台页面可能已改版", script=script)
        if url not in self._told:
            self._told.add(url)
            log.error("console %s: %s", self.profile.platform, self.trouble)
        self._said(self.trouble)

    def _on_hooked(self, source: Any, name: Any = None, payload: Any = None) -> None:
        """What a patched script handed over: map ``name``'s decoded payload, as JSON."""
        page = source.get("page") if isinstance(source, dict) else None
        if not self._is_console_tab(page):
            return
        spec = self.profile.responses.get(name) if isinstance(name, str) else None
        if spec is None or spec.get("listen") != "script_hook" or not isinstance(payload, str) \
                or len(payload) > MAX_HOOKED_CHARS:
            self.reader.malformed += 1
            self._bad("console %s: the page's script handed over something unexpected; skipped", self.profile.platform)
            self._counted(0, self.reader.malformed)
            return
        self.take(name, payload)

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
