"""A fake 小红书蒲公英 (pgy.xiaohongshu.com) on 127.0.0.1, port 0, built from the facts in
docs/platform-console.md: 蒲公英 is a second door to 千帆's live console (tests/fakes/console_page/xiaohongshu:
the same goods table, 讲解 ↔ 结束讲解, comment box, WebSocket frames and ``send_comment`` answer, the same
page script). What differs is around it: the bare host ``/`` is the login page, whose QR code shows only
after ``button.login-btn`` is clicked; logged in, ``/microapp/selection/buyer_home`` is the page reached
first, and the console at ``/commerce/redlive/live_center_control`` loads nothing after a direct navigation
(only from a link, with a referrer) and mounts its ``#redlive-pgy-app .control-container`` a few seconds
after it opens. Both pages have the top bar with the account's name
(``.top-bar-right-user-item .top-bar-right-user-item-info .top-bar-right-user-item-info-name``);
logged out, both redirect to ``/``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.fakes.console_page.platform_base import Reply
from tests.fakes.console_page.xiaohongshu.server import FakeQianfan

ENTRY_PATH = "/microapp/selection/buyer_home"
CONSOLE_PATH = "/commerce/redlive/live_center_control"
LOGIN_PATH = "/"


class FakePgy(FakeQianfan):
    """The fake 蒲公英 pages around 千帆's console.

    Attributes:
        logged_in: the browser's session is valid (the QR code was scanned).
        login_clicks: how often the login page's 登录 button was clicked.
        visits: each entry or console page loaded, in order: (path, ``goto`` or ``link``, the path of the
            page it was opened from, '' after a direct navigation).
        mount_s: how long the console takes to mount its control container.
        console_top_bar: the console shows the top bar (with the account's name).
    """

    folder = Path(__file__).resolve().parent
    console_path = CONSOLE_PATH

    def __init__(self, *, products: int = 30, logged_in: bool = True) -> None:
        super().__init__(products=products)
        self.logged_in = logged_in
        self.login_clicks = 0
        self.visits: list[tuple[str, str, str]] = []
        self.mount_s = 1.0
        self.console_top_bar = True

    def scan_qr(self) -> None:
        self.logged_in = True

    def state(self) -> dict[str, Any]:
        return {**super().state(), "mount_ms": round(self.mount_s * 1000)}

    def file(self, name: str) -> Reply:
        if name == "qianfan.js":  # 千帆's own console script
            return 200, "application/javascript", (FakeQianfan.folder / name).read_bytes(), {}
        return super().file(name)

    def get(self, path: str, query: dict[str, str], cookie: str = "") -> Reply:
        if path in (ENTRY_PATH, CONSOLE_PATH) and not self.logged_in:
            return 302, "text/plain", b"", {"Location": LOGIN_PATH}
        if path == "/api/login-state":
            return 200, "application/json", json.dumps({"scanned": self.logged_in}).encode(), {}
        return super().get(path, query, cookie)

    def page_for(self, path: str, query: dict[str, str]) -> Reply | None:
        if path == LOGIN_PATH:
            return self.file("login.html")
        if path not in (ENTRY_PATH, CONSOLE_PATH):
            return None
        status, kind, page, headers = self.file("buyer_home.html" if path == ENTRY_PATH else "console.html")
        if path == ENTRY_PATH or self.console_top_bar:
            page = page.replace(b"<!--top-bar-->", (self.folder / "top_bar.html").read_bytes())
        return status, kind, page, headers

    def act(self, path: str, body: dict[str, Any]) -> bool:
        if path == "/api/opened":
            self.visits.append((str(body["path"]), str(body["via"]), str(body["from"])))
            return True
        if path == "/api/login-clicked":
            self.login_clicks += 1
            return True
        return super().act(path, body)
