"""A fake 巨量百应 / 抖店 live-control page on 127.0.0.1, port 0, built from the facts in
docs/platform-console.md: CSS-module class names with hashed suffixes, a virtualised goods list of 60
products that renders only the rows near the viewport (only when the console was opened from a link: a
direct navigation renders it empty, as the real page does), the 讲解/取消讲解 toggle behind a 更多 button, the
comment box with its 置顶 label, the page's own XHR polls whose JSON carries the goods list (``promotions_v2``:
each product's platform id and title), comments, interactions and live orders in the platform's shapes
(an order names the platform's product id and title), the AFK and 直播总结 modals (which block clicks until closed), and
a login page that polls until the "QR code" is scanned (:meth:`FakeConsole.scan_qr`).

The server is plain ``http.server`` in a thread; what the page did (explains, posted comments) is kept
server-side, so a test checks what the page showed without reaching into the browser.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.fakes.console_page.platform_base import handler

HERE = Path(__file__).resolve().parent
CONSOLE_PATH = "/dashboard/live/control"
LOGIN_PATH = "/mpa/account/login"


class FakeConsole:
    """The fake page's server and state. ``with FakeConsole() as fake: fake.url`` …

    Attributes:
        explaining: the 序号 the page shows as 讲解中 (None when none).
        explain_clicks: every (序号, on) the page's buttons recorded, in order.
        comments: the comment list the page shows (posted ones carry ``pinned`` and ``at``, the
            ``time.monotonic()`` the page sent them).
        orders: rows of the live order stream.
        messages: the 大屏's interaction groups (``room_enter`` …).
        modal: the modal the page shows now (``afk``, ``live_over``) or None.
        drift: the page "changed": the goods action area has a new class name.
        logged_in: the QR code was scanned; the session cookie is valid.
        opened: how each console page was reached, in order: ``goto`` (a direct navigation: the page
            renders without its goods panel and comments, as the real one does since 2025-11) or
            ``link`` (a link click, with a referrer: the whole console).
        links_blocked: the page swallows every click on a link (so the console cannot be reopened).
    """

    def __init__(self, *, logged_in: bool = True, products: int = 60) -> None:
        self.lock = threading.Lock()
        self.products = [{"no": n, "id": str(900000 + n), "name": f"测试商品{n}", "price": f"{9.9 + n:.2f}",
                          "stock": 100 + n} for n in range(1, products + 1)]
        self.explaining: int | None = None
        self.explain_clicks: list[tuple[int, bool]] = []
        self.comments: list[dict[str, Any]] = []
        self.orders: list[dict[str, Any]] = []
        self.messages: dict[str, list[dict[str, Any]] | None] = {"comment": None, "room_enter": [],
                                                                 "room_like": [], "room_follow": []}
        self.modal: str | None = None
        self.modal_shown: str | None = None  # the last modal the page put up
        self.drift = False
        self.session = secrets.token_hex(8)
        self.logged_in = logged_in
        self.polls = 0  # the page's comment polls answered
        self.opened: list[str] = []
        self.links_blocked = False
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{CONSOLE_PATH}"

    def __enter__(self) -> FakeConsole:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- what a test does to the page -----------------------------------------------------------------
    def viewer_comments(self, *comments: tuple[str, str, str]) -> None:
        """Viewers write (comment id, nick name, text)."""
        with self.lock:
            self.comments += [{"comment_id": cid, "nick_name": nick, "content": text} for cid, nick, text in comments]

    def order(self, order_id: str, product_id: str, units: int, status: int, *, title: str | None = None) -> None:
        """A buyer orders ``units`` of the page's product ``product_id`` (the platform's id, ``900003`` for
        3号): the stream's row names that id and the product's title as the page lists it, as the real
        ``live_order_stream`` does; ``title`` for a product the page does not list."""
        with self.lock:
            listed = next((p["name"] for p in self.products if p["id"] == product_id), None)
            self.orders.append({"order_id": order_id, "order_status": status, "order_ts": int(time.time()),
                                "nick_name": "买家", "product_id": product_id,
                                "product_title": title if title is not None else listed or "商品",
                                "item_num": units})

    def scan_qr(self) -> None:
        self.logged_in = True

    def expire_session(self) -> None:
        """The platform logs the account out: the cookie stops working until the QR code is scanned again."""
        self.session = secrets.token_hex(8)
        self.logged_in = False

    def posted(self) -> list[dict[str, Any]]:
        with self.lock:
            return [c for c in self.comments if c.get("posted")]

    # -- the HTTP side ---------------------------------------------------------------------------------
    def get(self, path: str, query: dict[str, str], cookie: str) -> tuple[int, str, bytes, dict[str, str]]:
        valid = self.logged_in and f"sid={self.session}" in cookie
        if path == CONSOLE_PATH:
            if not valid:
                return 302, "text/plain", b"", {"Location": f"{LOGIN_PATH}?log_out=1&type=24"}
            page = (HERE / "console.html").read_bytes()
            if self.links_blocked:
                page = page.replace(b"<body>", b"<body data-links-blocked>")
            return 200, "text/html; charset=utf-8", page, {}
        if path == LOGIN_PATH:
            return 200, "text/html; charset=utf-8", (HERE / "login.html").read_bytes(), {}
        if path == "/app.js":
            return 200, "application/javascript", (HERE / "app.js").read_bytes(), {}
        if path == "/api/login-state":
            headers = {"Set-Cookie": f"sid={self.session}; Max-Age=86400; Path=/"} if self.logged_in else {}
            return 200, "application/json", json.dumps({"scanned": self.logged_in}).encode(), headers
        if not valid:
            return 401, "application/json", b'{"status_code": 401}', {}
        with self.lock:
            body = self._api(path)
        if body is None:
            return 404, "text/plain", b"", {}
        return 200, "application/json", json.dumps(body, ensure_ascii=False).encode(), {}

    def _api(self, path: str) -> Any:
        if path == "/api/page-state":
            return {"modal": self.modal, "drift": self.drift, "explaining": self.explaining,
                    "goods": len(self.products)}
        if path == "/api/anchor/livepc/promotions_v2":  # the goods list, as the page loads it
            return {"data": {"room_id": "7", "promotions": [
                {"product_id": p["id"], "title": p["name"], "price": p["price"], "stock_num": p["stock"]}
                for p in self.products]}}
        if path == "/aweme/v1/live/comment/info":
            self.polls += 1
            return {"data": {"comment_infos": list(self.comments)}}
        if path == "/aweme/v1/screen/message":
            return {"data": {"messages": self.messages}}
        if path == "/aweme/v1/live/live_order_stream":
            return {"data": list(self.orders)}
        return None

    def post(self, path: str, body: dict[str, Any]) -> int:
        with self.lock:
            if path == "/api/explain":
                no, on = int(body["no"]), bool(body["on"])
                self.explain_clicks.append((no, on))
                self.explaining = no if on else (None if self.explaining == no else self.explaining)
            elif path == "/api/comment":
                self.comments.append({"comment_id": f"own-{len(self.comments) + 1}", "nick_name": "主播账号",
                                      "content": str(body["text"]), "pinned": bool(body["pin"]), "posted": True,
                                      "at": time.monotonic()})
            elif path == "/api/opened":
                self.opened.append(str(body["via"]))
            elif path == "/api/modal-shown":
                self.modal_shown = str(body["kind"])
            elif path == "/api/close-modal":
                self.modal = None
            else:
                return 404
        return 204
