"""A fake 视频号助手 (channels.weixin.qq.com) live console on 127.0.0.1, port 0, built from the facts in
docs/platform-console.md: the console at ``/platform/live/liveBuild`` exists only while the account is
live (otherwise the page sends it to ``/platform``); both it and the products tab
(``/platform/live/commodity/onsale/index``) render inside a ``<wujie-app class="wujie_iframe">`` with an
open shadow root, as the 无界 micro-frontend does; the products tab lists every product (not
virtualised), newest first, its 序号 the text of the span after the row's checkbox, its button 讲解 ↔
结束讲解; the comment box has no 置顶; the page polls ``…/mmfinderassistant-bin/live/msg?`` whose JSON
(``errCode``, ``data.msgList[]`` with ``clientMsgId``, ``nickname``, ``username``, ``content``, ``type``
1 for a comment and 10017 for a 上墙 notice) feeds the comment list, where a click on a message opens its
popover (回复 / 上墙 / 删除) and new messages wait behind 新消息 (``.comment__load``) while the list is
scrolled up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.fakes.console_page.platform_base import FakePlatformPage, Reply, json_reply

CONSOLE_PATH = "/platform/live/liveBuild"
PRODUCTS_PATH = "/platform/live/commodity/onsale/index"
MSG_PATH = "/micro/live/cgi-bin/mmfinderassistant-bin/live/msg"


class FakeChannels(FakePlatformPage):
    """The fake 视频号 console; ``live`` False plays an account that is logged in but not broadcasting.

    Attributes:
        err_code: what the msg poll's ``errCode`` says (not 0: the platform refused the poll, and its
            body must not be read).
        extra_rows: raw rows added to every ``msgList`` (a malformed one, a 上墙 notice).
        products_tab_opened: how often the products tab was loaded.
        scrolled_up: the operator scrolled the comment list up: new messages wait behind 新消息.
        walled: the client msg ids put 上墙 from the page's message popover, in order (each also
            adds a ``type`` 10017 notice to ``msgList``, as the platform does).
    """

    folder = Path(__file__).resolve().parent
    console_path = CONSOLE_PATH

    def __init__(self, *, live: bool = True, products: int = 20) -> None:
        super().__init__(products=products)
        self.live = live
        self.err_code = 0
        self.products_tab_opened = 0  # times the products tab was loaded
        self.extra_rows: list[Any] = []
        self.scrolled_up = False
        self.walled: list[str] = []

    def viewer_comments(self, *comments: tuple[str, str, str]) -> None:
        """Viewers write (client msg id, nickname, text)."""
        with self.lock:
            self.comments += [_msg(cid, nick, f"o9viewer{len(self.comments)}", text) for cid, nick, text in comments]

    def page_for(self, path: str, query: dict[str, str]) -> Reply | None:
        if path == CONSOLE_PATH:
            if not self.live:
                return 302, "text/plain", b"", {"Location": "/platform"}
            return self.file("console.html")
        if path == PRODUCTS_PATH:
            self.products_tab_opened += 1
            return self.file("products.html")
        if path in ("/platform", "/platform/"):
            return self.file("platform.html")
        return None

    def answer(self, path: str, query: dict[str, str]) -> Reply | None:
        if path != MSG_PATH:
            return None
        self.polls += 1
        rows = [{k: v for k, v in c.items() if k not in ("posted", "at")} for c in self.comments]
        return json_reply({"errCode": self.err_code, "errMsg": "ok" if not self.err_code else "system busy",
                           "data": {"msgList": rows + self.extra_rows, "appMsgList": []},
                           "scrolledUp": self.scrolled_up})  # not the platform's: how the fake page scrolls

    def act(self, path: str, body: dict[str, Any]) -> bool:
        if path == "/api/explain":
            self.record_explain(int(body["no"]), bool(body["on"]))
        elif path == "/api/comment":
            self.own_comment(_msg(f"own-{len(self.comments) + 1}", "测试视频号", "o9anchor", str(body["text"])))
        elif path == "/api/wall":
            wall = next(c for c in self.comments if c["clientMsgId"] == body["id"])
            self.walled.append(wall["clientMsgId"])
            self.extra_rows.append({**wall, "clientMsgId": f"stick-{wall['clientMsgId']}", "type": 10017,
                                    "isStickMsg": 1})
        else:
            return False
        return True


def _msg(client_id: str, nickname: str, username: str, content: str) -> dict[str, Any]:
    return {"clientMsgId": client_id, "nickname": nickname, "username": username, "content": content,
            "headUrl": "", "seq": 0, "type": 1, "isStickMsg": 0, "isFloatmsg": 0, "floatType": 0,
            "finderLiveContact": {"contact": {"extInfo": {"province": "广东"}}, "badgeInfos": []}}
