"""A fake DouyinBarrageGrab bridge: a local websocket that sends BarrageGrab JSON frames.

Builders produce the frame format of docs/protocols/douyin_bridge.md (``Data`` is a JSON document inside a
string, ids are int64 that may exceed 2**53), with placeholder names.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

ROOM = {"RoomId": "7401234567890123456", "WebRoomId": "123456789012"}
OWNER = {"UserId": "98765432101", "SecUid": "MS4wLjABAAAA-owner", "Nickname": "某品牌官方旗舰店"}

_msg_ids = iter(range(7400000000000000001, 7500000000000000000))


def user(uid: int = 7000000000000001, nickname: str = "买家小王", club: bool = True) -> dict[str, Any]:
    return {
        "Id": uid,
        "ShortId": 1000001,
        "DisplayId": "dy000001",
        "Nickname": nickname,
        "Level": 0,
        "PayLevel": 12,
        "Gender": 2,
        "HeadImgUrl": "",
        "SecUid": "MS4wLjABAAAA-viewer",
        "FansClub": {"ClubName": "宠粉团", "Level": 5} if club else {"ClubName": "", "Level": 0},
        "FollowStatus": 1,
        "FollowerCount": 10,
        "FollowingCount": 20,
    }


def frame(
    kind: int,
    fields: dict[str, Any] | None = None,
    *,
    who: dict[str, Any] | None = None,
    msg_id: int | None = None,
    owner_key: str = "Onwer",
    platform: int | None = None,
    process: str = "直播伴侣",
) -> str:
    """One bridge text frame of ``Type`` = ``kind``."""
    data: dict[str, Any] = {
        "MsgId": next(_msg_ids) if msg_id is None else msg_id,
        **ROOM,
        owner_key: OWNER,
        "User": who if who is not None else user(),
        "Content": "",
    }
    if platform is not None:
        data["Platform"] = platform
    data.update(fields or {})
    return json.dumps({"Type": kind, "ProcessName": process, "Data": json.dumps(data, ensure_ascii=False)})


def comment(text: str, **kw: Any) -> str:
    return frame(1, {"Content": text}, **kw)


def like(count: int, total: int, **kw: Any) -> str:
    return frame(2, {"Count": count, "Total": total, "Content": f"为主播点赞了{count}次"}, **kw)


def enter(current: int, **kw: Any) -> str:
    return frame(3, {"CurrentCount": current, "Content": "来了"}, **kw)


def follow(**kw: Any) -> str:
    return frame(4, {"Content": "关注了主播"}, **kw)


def gift(
    name: str,
    gift_id: int,
    diamonds: int,
    *,
    group: int,
    repeat: int,
    new: int | None = None,
    combo: bool = True,
    **kw: Any,
) -> str:
    fields: dict[str, Any] = {
        "GiftId": gift_id,
        "GiftName": name,
        "GroupId": group,
        "RepeatCount": repeat,
        "DiamondCount": diamonds,
        "Combo": combo,
        "ToUser": {"Id": 98765432101, "Nickname": "某品牌官方旗舰店"},
        "Content": f"送出了 {name} x{repeat}",
    }
    if new is not None:
        fields["GiftCount"] = new
    return frame(5, fields, **kw)


def room_stats(online: int, total: int, **kw: Any) -> str:
    return frame(
        6,
        {
            "OnlineUserCount": online,
            "TotalUserCount": total,
            "OnlineUserCountStr": str(online),
            "TotalUserCountStr": f"{total / 10000:.1f}万" if total >= 10000 else str(total),
            "Content": f"当前直播间人数 {online}，累计直播间人数 {total}",
        },
        **kw,
    )


def fansclub(action: int, level: int, **kw: Any) -> str:
    return frame(7, {"Type": action, "Level": level, "Content": "加入了粉丝团"}, **kw)


def share(share_type: int = 1, **kw: Any) -> str:
    return frame(8, {"ShareType": share_type, "Content": "分享了直播间"}, **kw)


def live_end(**kw: Any) -> str:
    return frame(9, {"Content": "直播已结束"}, **kw)


class FakeDouyinBridge:
    """``async with FakeDouyinBridge(plans) as bridge: bridge.url``.

    ``plans[i]`` is what connection ``i`` sends (text or binary frames) before it either stays open
    (``close_after`` false) or closes. ``push`` sends to every open connection.
    """

    def __init__(self, plans: list[list[str | bytes]] | None = None, *, close_after: bool = False) -> None:
        self.plans = plans or []
        self.close_after = close_after
        self.connections = 0
        self._server: Server | None = None
        self._live: set[ServerConnection] = set()
        self.connected = asyncio.Event()

    @property
    def url(self) -> str:
        assert self._server is not None
        port = next(iter(self._server.sockets)).getsockname()[1]
        return f"ws://127.0.0.1:{port}"

    async def __aenter__(self) -> FakeDouyinBridge:
        self._server = await serve(self._handler, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def push(self, data: str | bytes) -> None:
        for ws in list(self._live):
            with contextlib.suppress(ConnectionClosed):
                await ws.send(data)

    async def _handler(self, ws: ServerConnection) -> None:
        index = self.connections
        self.connections += 1
        plan = self.plans[index] if index < len(self.plans) else []
        for data in plan:
            await ws.send(data)
        if self.close_after and index < len(self.plans):
            await ws.close()
            return
        self._live.add(ws)
        self.connected.set()
        try:
            await ws.wait_closed()
        finally:
            self._live.discard(ws)
