"""What the fake 视频号, 淘宝直播, 小红书千帆, 蒲公英, 抖音团购 and 快手 pages share: a plain ``http.server``
on 127.0.0.1, port 0, in a thread, serving each platform's own page files and answering its page's
requests from state a test sets and reads (the goods, the product on air, the comments the page shows);
and, for the pages whose comments come over a WebSocket (千帆, 快手), :class:`PageSocketServer`.

A platform fake subclasses :class:`FakePlatformPage` with its routes (``page_for``), its data endpoints
(``answer``) and its page's actions (``act``); what the page did is kept server-side, so a test checks
what the page showed without reaching into the browser.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Awaitable, Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol, Self
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from app.commerce.catalog import Product

Reply = tuple[int, str, bytes, dict[str, str]]
JSON = "application/json; charset=utf-8"


def json_reply(body: Any, status: int = 200) -> Reply:
    return status, JSON, json.dumps(body, ensure_ascii=False).encode(), {}


class PageSocketServer:
    """A fake page's live link: a WebSocket server on 127.0.0.1, port 0, on its own loop in a thread.
    ``session(socket)`` talks to each page that connects (a closed socket ends it quietly);
    :meth:`broadcast` sends a frame to every open one. ``start()`` / ``stop()`` with the page's server.

    Attributes:
        sockets: the pages' open sockets.
    """

    def __init__(self, session: Callable[[ServerConnection], Awaitable[None]]) -> None:
        self.sockets: set[ServerConnection] = set()
        self._session = session
        self._loop = asyncio.new_event_loop()
        self._server: Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(next(iter(self._server.sockets)).getsockname()[1])

    def start(self) -> None:
        async def listen() -> Server:
            return await serve(self._tracked, "127.0.0.1", 0)
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(listen(), self._loop).result(5)

    def stop(self) -> None:
        async def close() -> None:
            assert self._server is not None
            self._server.close()
            await self._server.wait_closed()
        asyncio.run_coroutine_threadsafe(close(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def broadcast(self, text: str) -> None:
        async def send() -> None:
            for socket in list(self.sockets):
                await socket.send(text)
        asyncio.run_coroutine_threadsafe(send(), self._loop).result(5)

    async def _tracked(self, socket: ServerConnection) -> None:
        self.sockets.add(socket)
        try:
            await self._session(socket)
        except ConnectionClosed:
            pass
        finally:
            self.sockets.discard(socket)


class FakePlatformPage:
    """A platform's fake console pages and state; ``with Fake() as fake: fake.url`` …

    Attributes:
        products: the goods on sale, each ``{"no", "id", "name", "price"}``.
        explaining: the 序号 the page shows as 讲解中 (None when none).
        explain_clicks: every (序号, on) the page's buttons recorded, in order.
        comments: the comment rows the page's own endpoint returns, in the platform's shape; the ones
            posted through the page's comment box carry ``posted`` and ``at`` (``time.monotonic()``).
        drift: the page "changed": its explain button has a new class name or attribute.
    """

    folder: Path  # the platform's page files
    console_path = "/"

    def __init__(self, *, products: int = 30) -> None:
        self.lock = threading.Lock()
        self.products = [{"no": n, "id": str(700000 + n), "name": f"测试商品{n}", "price": f"{9.9 + n:.2f}"}
                         for n in range(1, products + 1)]
        self.explaining: int | None = None
        self.explain_clicks: list[tuple[int, bool]] = []
        self.comments: list[dict[str, Any]] = []
        self.drift = False
        self.polls = 0  # the page's comment polls answered
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        """The page LiveDeck opens (``--console-url``)."""
        return self.origin + self.console_path

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def catalog(self) -> list[Product]:
        """The show's catalog of the same goods (序号, product id, name, price)."""
        return [Product(p["no"], p["id"], p["name"], round(float(p["price"]) * 100)) for p in self.products]

    def posted(self) -> list[dict[str, Any]]:
        with self.lock:
            return [c for c in self.comments if c.get("posted")]

    def state(self) -> dict[str, Any]:
        """What the page's own script renders from (its ``/api/page-state`` poll)."""
        return {"products": self.products, "explaining": self.explaining, "drift": self.drift}

    # -- the HTTP side, per platform ----------------------------------------------------------------
    def page_for(self, path: str, query: dict[str, str]) -> Reply | None:
        """A page of the platform (HTML, a redirect), or None."""
        return None

    def answer(self, path: str, query: dict[str, str]) -> Reply | None:
        """The platform's data endpoint for ``path`` (under the lock), or None."""
        return None

    def act(self, path: str, body: dict[str, Any]) -> bool:
        """Carry out what the page posted (under the lock); False when ``path`` is not the page's."""
        return False

    def file(self, name: str) -> Reply:
        kind = "application/javascript" if name.endswith(".js") else "text/html; charset=utf-8"
        return 200, kind, (self.folder / name).read_bytes(), {}

    def own_comment(self, row: dict[str, Any]) -> None:
        """The account's own comment, posted through the page's box, joins the list."""
        self.comments.append({**row, "posted": True, "at": time.monotonic()})

    def record_explain(self, no: int, on: bool) -> None:
        self.explain_clicks.append((no, on))
        self.explaining = no if on else (None if self.explaining == no else self.explaining)

    def get(self, path: str, query: dict[str, str], cookie: str = "") -> Reply:
        if path == "/api/page-state":
            with self.lock:
                return json_reply(self.state())
        if path.endswith(".js") and "/" not in path[1:]:
            return self.file(path[1:])
        page = self.page_for(path, query)
        if page is not None:
            return page
        with self.lock:
            reply = self.answer(path, query)
        return reply if reply is not None else (404, "text/plain", b"", {})

    def post(self, path: str, body: dict[str, Any]) -> int | Reply:
        with self.lock:
            return 204 if self.act(path, body) else 404


class Served(Protocol):
    """What :func:`handler` serves: a fake's ``get`` (path, query, Cookie header) and ``post``."""

    def get(self, path: str, query: dict[str, str], cookie: str) -> Reply: ...

    def post(self, path: str, body: dict[str, Any]) -> int | Reply: ...


def handler(fake: Served) -> type[BaseHTTPRequestHandler]:
    """The ``http.server`` request handler answering with ``fake`` (no request is logged)."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            status, kind, body, headers = fake.get(parts.path, query, self.headers.get("Cookie", ""))
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            answer = fake.post(urlsplit(self.path).path, json.loads(self.rfile.read(length) or b"{}"))
            status, kind, body, _ = (answer, "", b"", {}) if isinstance(answer, int) else answer
            self.send_response(status)
            if body:
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class SocketPlatformPage(FakePlatformPage):
    """A fake page whose comments come over its own WebSocket (千帆, 快手): :attr:`live_link` runs beside
    the page's server; a subclass talks to each connected page in ``_session``."""

    def __init__(self, *, products: int = 30) -> None:
        super().__init__(products=products)
        self.live_link = PageSocketServer(self._session)

    @property
    def sockets(self) -> set[ServerConnection]:
        """The pages' open comment sockets."""
        return self.live_link.sockets

    def __enter__(self) -> Self:
        super().__enter__()
        self.live_link.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live_link.stop()
        super().__exit__(*exc)

    async def _session(self, socket: ServerConnection) -> None:
        raise NotImplementedError
