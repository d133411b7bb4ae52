"""A fake 小红书千帆 (ark.xiaohongshu.com) live console on 127.0.0.1, port 0, built from the facts in
docs/platform-console.md: the console at ``/live_center_control`` (which loads no elements after a direct
navigation, only when opened from a link) with its top bar
(``.app-root-topbar-wrapper``) and the store's name (``.user-info-wrapper .store-name``, “…的店”); the
goods in a table (``.goods-list .table-wrap > div > div > table tbody tr``), each row's 序号 the value of
the input in its first cell and its actions in ``.more-operation .operation-item`` (讲解 ↔ 结束讲解,
``disabled-btn`` on a product that cannot be explained); the comment box sends on Enter as well as with
its button (which a later page lost); viewers' comments come over a WebSocket (its own port) as frames
``{"t": 4, "b": {"d": {"b": [{"d": <base64 JSON>}]}}}`` whose JSON has ``command``, ``roomId``,
``msgId``, ``ts`` and ``customData`` (a JSON string: ``type`` ``text``, ``commentId``, ``desc``,
``current_time``, ``profile``); the account's own comments never come back on the socket, only in the
answer to ``…/send_comment`` (``success``, ``data.comment``, ``data.profile``,
``data.common_response.toast``).
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.server import ServerConnection

from tests.fakes.console_page.platform_base import Reply, SocketPlatformPage, json_reply

CONSOLE_PATH = "/live_center_control"
SEND_PATH = "/api/edith/live/send_comment"
ROOM_ID = "569000000001"
ANCHOR = {"nickname": "测试好物", "user_id": "5f00anchor", "avatar": "", "role": 1, "follow_status": 0}


class FakeQianfan(SocketPlatformPage):
    """The fake 千帆 console and its comment socket.

    Attributes:
        unexplainable: the 序号 whose 讲解 carries ``disabled-btn`` (sold out).
        no_send_button: the comment box has no button (the page sends on Enter only).
        sockets: the page's open comment sockets.
        opened: how each console page was reached, in order: ``goto`` (a direct navigation: the page
            loads no elements, as the real one) or ``link`` (a link click, with a referrer).
    """

    folder = Path(__file__).resolve().parent
    console_path = CONSOLE_PATH

    def __init__(self, *, products: int = 30) -> None:
        super().__init__(products=products)
        self.unexplainable = 7
        self.no_send_button = False
        self.opened: list[str] = []

    # -- what a test does ---------------------------------------------------------------------------
    def viewer_comments(self, *comments: tuple[str, str, str]) -> None:
        """Viewers write (comment id, nickname, text): each goes out once on the socket."""
        self.push(*(_text_message(cid, nick, text) for cid, nick, text in comments))

    def push(self, *messages: dict[str, Any], raw: list[Any] | None = None) -> None:
        """One data frame carrying ``messages`` (each base64 JSON, as the platform packs them), plus
        ``raw`` entries as they are."""
        entries = [{"d": base64.b64encode(json.dumps(m, ensure_ascii=False).encode()).decode()} for m in messages]
        self.send_frame({"t": 4, "b": {"d": {"b": entries + (raw or [])}}})

    def send_frame(self, frame: dict[str, Any]) -> None:
        self.live_link.broadcast(json.dumps(frame, ensure_ascii=False))

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.live_link.port}/live/ws?roomId={ROOM_ID}"

    # -- the HTTP side ------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {**super().state(), "unexplainable": self.unexplainable, "no_send_button": self.no_send_button,
                "socket": self.ws_url}

    def page_for(self, path: str, query: dict[str, str]) -> Reply | None:
        return self.file("console.html") if path == CONSOLE_PATH else None

    def act(self, path: str, body: dict[str, Any]) -> bool:
        if path == "/api/opened":
            self.opened.append(str(body["via"]))
            return True
        if path != "/api/explain":
            return False
        self.record_explain(int(body["no"]), bool(body["on"]))
        return True

    def post(self, path: str, body: dict[str, Any]) -> int | Reply:
        if path != SEND_PATH:
            return super().post(path, body)
        with self.lock:
            self.own_comment({"desc": str(body["content"]), "profile": ANCHOR})
        return json_reply({"success": True, "code": 0, "data": {
            "comment": str(body["content"]), "profile": ANCHOR, "common_response": {"toast": "发送成功"}}})

    # -- the socket ---------------------------------------------------------------------------------
    async def _session(self, socket: ServerConnection) -> None:
        await socket.send(json.dumps({"t": 1, "b": {"roomId": ROOM_ID}}))  # the platform's hello
        async for _ in socket:  # the page's heartbeats
            await socket.send(json.dumps({"t": 2}))


def _text_message(comment_id: str, nickname: str, text: str) -> dict[str, Any]:
    now = int(time.time() * 1000)
    custom = {"type": "text", "commentId": comment_id, "desc": text, "current_time": now,
              "profile": {"nickname": nickname, "user_id": f"5f00{comment_id}", "avatar": "", "role": 0,
                          "follow_status": 0}}
    return {"command": 1, "roomId": ROOM_ID, "msgId": f"m{comment_id}", "ts": now,
            "customData": json.dumps(custom, ensure_ascii=False)}


def refresh_message() -> dict[str, Any]:
    """A refresh-type event the console reacts to (no comment in it)."""
    return {"command": 1, "roomId": ROOM_ID, "msgId": "refresh", "ts": int(time.time() * 1000),
            "customData": json.dumps({"type": "goods_refresh"})}


def other_command() -> dict[str, Any]:
    return {"command": 7, "roomId": ROOM_ID, "msgId": "cmd7", "ts": 0, "customData": "{}"}
