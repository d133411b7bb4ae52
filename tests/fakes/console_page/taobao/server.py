"""A fake 淘宝直播 (liveplatform.taobao.com) console on 127.0.0.1, port 0, built from the facts in
docs/platform-console.md: there is no fixed console URL — the 直播计划 page (``/restful/index/live/list``)
lists the account's sessions, the one on air marked ``.online`` with its id in a ``.tui-number-figure``,
and the control page is ``/restful/index/live/control?liveId=<id>``; a driver.js guide overlay covers the
control page (and blocks it) until Escape is pressed; the goods list is virtualised (only rows near the
viewport exist), each row's 序号 the digits of ``div.list-item-img-index`` (达人 accounts) or the value of
the ``sort_input`` (企业 accounts), its 弹品 button one click with no toggle; the comment box has no 置顶
and its publish button is ``disabled`` while empty; comments come by JSONP from
``/h5/mtop.taobao.iliad.comment.query.anchorlatest/3.0/?…&callback=mtopjsonpN`` (``ret``, ``data.comments[]``
with ``commentId``, ``content``, ``publisherId``, ``publisherNick``, ``tbNick``, ``timestamp``, ``renders``);
the account's name is in ``div[class^=username]`` of ``/restful/index/home/dashboard-new``, shown only
when that page is opened from a link.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from tests.fakes.console_page.platform_base import FakePlatformPage, Reply

PLAN_PATH = "/restful/index/live/list"
CONTROL_PATH = "/restful/index/live/control"
COMMENTS_PATH = "/h5/mtop.taobao.iliad.comment.query.anchorlatest/3.0/"
DASHBOARD_PATH = "/restful/index/home/dashboard-new"
PAST_LIVE_ID = "518800000001"


class FakeTaobao(FakePlatformPage):
    """The fake 淘宝直播 pages; ``on_air`` False plays a plan with no session live.

    Attributes:
        live_id: the id of the session on air.
        enterprise: an 企业 account (序号 in the sort input) rather than a 达人 one (序号 badge).
        guide: the driver.js guide still covers the control page.
        garbage: the comment endpoint answers something that is not JSONP.
        opened: how each dashboard (the account's page) was reached: ``goto`` (it then shows no name)
            or ``link`` (from a link on another page: its ``div[class^=username]`` holds the name).
    """

    folder = Path(__file__).resolve().parent
    console_path = PLAN_PATH

    def __init__(self, *, on_air: bool = True, enterprise: bool = False, products: int = 60) -> None:
        super().__init__(products=products)
        self.on_air = on_air
        self.live_id = "520012345678"
        self.enterprise = enterprise
        self.guide = True
        self.garbage = False
        self.opened: list[str] = []

    def viewer_comments(self, *comments: tuple[str, str, str]) -> None:
        """Viewers write (comment id, 淘宝 nick, text)."""
        with self.lock:
            self.comments += [self._comment(cid, nick, f"{2200000000 + len(self.comments)}", text)
                              for cid, nick, text in comments]

    def state(self) -> dict[str, Any]:
        return {**super().state(), "guide": self.guide, "enterprise": self.enterprise,
                "sessions": [{"id": self.live_id, "title": "今晚上新", "online": True}] * self.on_air
                + [{"id": PAST_LIVE_ID, "title": "上周专场", "online": False}]}

    def page_for(self, path: str, query: dict[str, str]) -> Reply | None:
        if path == PLAN_PATH:
            return self.file("plan.html")
        if path == DASHBOARD_PATH:
            return self.file("dashboard.html")
        if path == CONTROL_PATH:
            if not self.on_air or query.get("liveId") != self.live_id:
                return 200, "text/html; charset=utf-8", "<p class='live-error'>直播不存在或已结束</p>".encode(), {}
            return self.file("control.html")
        return None

    def answer(self, path: str, query: dict[str, str]) -> Reply | None:
        if path != COMMENTS_PATH:
            return None
        self.polls += 1
        callback = query.get("callback", "mtopjsonp1")
        if self.garbage:
            return 200, "application/javascript", b"<html>busy</html>", {}
        rows = [{k: v for k, v in c.items() if k not in ("posted", "at")} for c in self.comments]
        body = {"api": "mtop.taobao.iliad.comment.query.anchorlatest", "v": "3.0", "ret": ["SUCCESS::调用成功"],
                "data": {"comments": rows, "delay": "3000",
                         "paginationContext": json.dumps({"timestamp": int(time.time() * 1000)})}}
        return 200, "application/javascript", f"{callback}({json.dumps(body, ensure_ascii=False)})".encode(), {}

    def act(self, path: str, body: dict[str, Any]) -> bool:
        if path == "/api/pop":
            self.record_explain(int(body["no"]), True)
        elif path == "/api/comment":
            self.own_comment(self._comment(f"{9000 + len(self.comments)}", "测试主播", "2200999999", str(body["text"]),
                                           anchor=True))
        elif path == "/api/opened":
            self.opened.append(str(body["via"]))
        elif path == "/api/guide-closed":
            self.guide = False
        else:
            return False
        return True

    def _comment(self, comment_id: str, nick: str, publisher: str, content: str, *,
                 anchor: bool = False) -> dict[str, Any]:
        renders = {"isAddCart": "0", "isOrder": "0", "fanLevel": "0" if anchor else "3", "liveId": self.live_id,
                   "showMod": "1"}
        return {"commentId": comment_id, "content": content, "publisherId": publisher, "publisherNick": nick,
                "tbNick": nick, "timestamp": str(int(time.time() * 1000)), "replyToCommentId": "0",
                "replyToUserId": "0", "renders": renders}
