"""A fake 快手小店 (zs.kwaixiaodian.com) live console on 127.0.0.1, port 0, built from the facts in
docs/platform-console.md: the 中控台 at ``/page/helper`` with the account's name in
``[class^=nickname] [class^=name]`` and the ``div[class^=live-panel]``; a driver.js guide
(``#driver-page-overlay``, two steps, each closed by Escape) and two ant-design modals at load, 团购模式全新上线
(暂不切换 / 立即切换) and 已开启直播 (我知道了), all of which block the page while up; the goods in a
react-virtuoso-like virtualised list (``[class^=list-container] [data-virtuoso-scroller]``, only the rows
near the viewport exist, re-rendered rows are new nodes), each row's 序号 the value of its ``input`` and its
last ``[class^=cardBtn]`` button 开始讲解 ↔ 结束讲解; above them, while a product is explained, a pinned copy
of it with no 序号 whose id ends in ``recording``; 开始讲解 while another product is explained raises a confirm
modal and nothing switches until 确定; the comment box (an ``input``, a ``disabled`` send button, 置顶 as a
checkbox label) in ``div[class^=reply-content]``; the comments, viewers' and the account's own (``commentSource``
0), arriving only over a WebSocket whose frames the page's bundle ``/static/lib-es-link.<hash>.js`` decodes in
``t=this.decodePayload(e,"receive")`` (``commentList[]``: ``commentId``, ``commentContent``, ``fromUserId``,
``fromUserName``, ``commentTime`` as a string of milliseconds, ``commentSource``); and a QR login page on the
``login.kwaixiaodian.com`` host (here ``login.kwaixiaodian.com.localhost``, which the browser resolves to
127.0.0.1), where a logged-out visit is sent.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from websockets.asyncio.server import ServerConnection

from tests.fakes.console_page.platform_base import Reply, SocketPlatformPage, json_reply

CONSOLE_PATH = "/page/helper"
BUNDLE_PATH = "/static/lib-es-link.7c3e91d2.js"
ANCHOR_ID = "1500000001"
ANCHOR_NAME = "快手测试小店"
HERE = Path(__file__).resolve().parent


class FakeKuaishou(SocketPlatformPage):
    """The fake 快手小店 console, its login page and its comment socket.

    Attributes:
        logged_in: the browser's session is valid (False: the console sends it to the login page).
        scanned: the login page's QR code was scanned (it then goes back to the console).
        bundle_changed: the bundle is served as a later build whose decoder is called ``decodeMessage``
            (the hook's pattern no longer matches it).
        bundle_loads: how many times the bundle was fetched.
        guide: the driver.js guide is still up.
        modal_answers: the buttons the load-time modals were closed with, by modal title.
        group_buy_mode: the account was switched to 团购模式 (立即切换 clicked).
        modal_on_switch: the 团购模式 modal pops up again over each switch confirm.
        confirms: the switch confirms the page raised, each ``[from 序号, to 序号, answer]``.
        recording_clicks: clicks on the pinned copy's button (never wanted).
        blocked_clicks: clicks the guide or a modal swallowed.
        sockets: the page's open comment sockets.
    """

    folder = HERE
    console_path = CONSOLE_PATH

    def __init__(self, *, products: int = 60, logged_in: bool = True) -> None:
        super().__init__(products=products)
        self.logged_in = logged_in
        self.scanned = False
        self.bundle_changed = False
        self.bundle_loads = 0
        self.guide = True
        self.modal_answers: dict[str, str] = {}
        self.group_buy_mode = False
        self.modal_on_switch = False
        self.confirms: list[list[Any]] = []
        self.recording_clicks = 0
        self.blocked_clicks = 0
        self._own = 0

    @property
    def login_url(self) -> str:
        """Where a logged-out visit goes: the login host, with the console as ``redirect_url``."""
        port = self.origin.rsplit(":", 1)[1]
        return (f"http://login.kwaixiaodian.com.localhost:{port}/?biz=merchantLivePc"
                f"&redirect_url={quote(self.url, safe='')}")

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.live_link.port}/websocket"

    # -- what a test does ---------------------------------------------------------------------------
    def viewer_comments(self, *comments: tuple[str, str, str]) -> None:
        """Viewers write (comment id, nickname, text): one payload, each of them once in its commentList."""
        self.push({"commentList": [comment(cid, nick, text) for cid, nick, text in comments]})

    def push(self, payload: dict[str, Any]) -> None:
        """One frame carrying ``payload`` the way the platform packs it (base64 JSON, direction receive)."""
        self.send_frame(_packed(payload))

    def send_frame(self, text: str) -> None:
        self.live_link.broadcast(text)

    # -- the HTTP side ------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {**super().state(), "socket": self.ws_url, "guide": self.guide, "answered": list(self.modal_answers),
                "modal_on_switch": self.modal_on_switch}

    def page_for(self, path: str, query: dict[str, str]) -> Reply | None:
        if path == CONSOLE_PATH:
            if not self.logged_in:
                return 302, "text/plain", b"", {"Location": self.login_url}
            return self.file("helper.html")
        if path == "/" and query.get("biz") == "merchantLivePc":
            return self.file("login.html")
        if path == BUNDLE_PATH:
            with self.lock:
                self.bundle_loads += 1
            source = (HERE / "lib-es-link.js").read_text(encoding="utf-8")
            if self.bundle_changed:  # a later build: the decoder has another name
                source = source.replace("decodePayload", "decodeMessage")
            return 200, "application/javascript", source.encode(), {"ETag": '"7c3e91d2"',
                                                                     "Cache-Control": "max-age=31536000"}
        return None

    def answer(self, path: str, query: dict[str, str]) -> Reply | None:
        if path == "/api/qr-state":
            return json_reply({"scanned": self.scanned})
        return None

    def act(self, path: str, body: dict[str, Any]) -> bool:
        if path == "/api/explain":
            self.record_explain(int(body["no"]), bool(body["on"]))
        elif path == "/api/recording-click":
            self.recording_clicks += 1
        elif path == "/api/blocked":
            self.blocked_clicks += 1
        elif path == "/api/confirm":
            self.confirms.append([body["from"], body["to"], str(body["answer"])])
        elif path == "/api/modal":
            self.modal_answers[str(body["title"])] = str(body["button"])
            self.group_buy_mode = self.group_buy_mode or body["button"] == "立即切换"
        elif path == "/api/guide-closed":
            self.guide = False
        elif path == "/api/login":
            self.logged_in = True
        elif path == "/api/comment":
            self._own += 1
            row = comment(f"own{self._own}", ANCHOR_NAME, str(body["text"]), user_id=ANCHOR_ID, source=0)
            self.own_comment({**row, "pinned": bool(body.get("pin"))})
            threading.Thread(target=self.push, args=({"commentList": [row]},), daemon=True).start()  # echoed
        else:
            return False
        return True

    # -- the socket ---------------------------------------------------------------------------------
    async def _session(self, socket: ServerConnection) -> None:
        async for _ in socket:  # the page's heartbeats: answered with a payload of another kind
            await socket.send(_packed({"onlineCount": 128, "likeCount": 3}))


def comment(comment_id: str, nickname: str, text: str, *, user_id: str = "", source: int = 1) -> dict[str, Any]:
    """A ``commentList`` entry as the decoded payload carries it."""
    return {"commentId": comment_id, "commentContent": text, "fromUserId": user_id or f"38{comment_id}",
            "fromUserName": nickname, "commentTime": str(int(time.time() * 1000)), "commentSource": source}


def _packed(payload: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps({"d": "receive", "p": payload}, ensure_ascii=False).encode()).decode()
