"""A fake 抖音团购 (eos.douyin.com) live console on 127.0.0.1, port 0, built from the facts in
docs/platform-console.md: the console at ``/livesite/live/current`` with CSS-module class names (hashed
suffixes): the header (``head-container-…``) with the shop's name in ``profile-container-…``, the
console's ``layout-container-…``; a virtualised goods list (only rows near the viewport exist) inside
``#live-card-list > div > div``, each row a ``render-item-…`` whose 序号 is its input's value and whose
讲解 ↔ 取消讲解 is a ``div`` (``talking-btn-…``, ``disabled-…`` added on a sold-out product). A click
re-renders the row, so the button is a new element after every click, and clicks are handled by one
listener on the list (as React does): a click on a detached button is lost. The comment box is a
``textarea`` (``input-…``) whose send element (``comment-wrap-… > button-…``) carries ``button-disable-…``
while the box is empty or the account may not speak. There is no 置顶 and the page's comment responses
are unknown, so the page makes none. Logged out, the console redirects to ``/livesite/login``, whose QR
code is "scanned" with :meth:`FakeEos.scan_qr`.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from tests.fakes.console_page.platform_base import FakePlatformPage, Reply

CONSOLE_PATH = "/livesite/live/current"
LOGIN_PATH = "/livesite/login"


class FakeEos(FakePlatformPage):
    """The fake 团购 console and its login page.

    Attributes:
        sold_out: the 序号 whose 讲解 is disabled.
        muted: the account may not speak: the send element stays ``button-disable-…``.
        logged_in: the QR code was scanned; the session cookie is valid.
        button_renders: how many 讲解 button elements the page has put in place of clicked ones.
    """

    folder = Path(__file__).resolve().parent
    console_path = CONSOLE_PATH

    def __init__(self, *, products: int = 45, logged_in: bool = True) -> None:
        super().__init__(products=products)
        self.sold_out = 9
        self.muted = False
        self.logged_in = logged_in
        self.session = secrets.token_hex(8)
        self.button_renders = 0

    def scan_qr(self) -> None:
        self.logged_in = True

    def state(self) -> dict[str, Any]:
        return {**super().state(), "sold_out": self.sold_out, "muted": self.muted}

    def get(self, path: str, query: dict[str, str], cookie: str = "") -> Reply:
        if path == CONSOLE_PATH and not (self.logged_in and f"eos_sid={self.session}" in cookie):
            return 302, "text/plain", b"", {"Location": LOGIN_PATH}
        if path == "/api/login-state":
            headers = {"Set-Cookie": f"eos_sid={self.session}; Max-Age=86400; Path=/"} if self.logged_in else {}
            return 200, "application/json", json.dumps({"scanned": self.logged_in}).encode(), headers
        return super().get(path, query, cookie)

    def page_for(self, path: str, query: dict[str, str]) -> Reply | None:
        if path == CONSOLE_PATH:
            return self.file("console.html")
        return self.file("login.html") if path == LOGIN_PATH else None

    def act(self, path: str, body: dict[str, Any]) -> bool:
        if path == "/api/explain":
            self.record_explain(int(body["no"]), bool(body["on"]))
        elif path == "/api/rerendered":
            self.button_renders += 1
        elif path == "/api/comment":
            self.own_comment({"text": str(body["text"])})
        else:
            return False
        return True
