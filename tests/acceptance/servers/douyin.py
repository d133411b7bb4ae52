"""The Douyin bridge (DouyinBarrageGrab JSON, docs/protocols/douyin_bridge.md): a scripted show."""

from __future__ import annotations

import json
from typing import Any

from websockets.asyncio.server import ServerConnection

from tests.acceptance.servers.base import Expected, ScriptedServer, Step, to_json


class DouyinShow(ScriptedServer):
    ROOM = "7401234567890123456"

    def __init__(self) -> None:
        super().__init__()
        self.expected = Expected()
        self.part_a: list[Step] = []
        self.part_b: list[Step] = []
        self.replay: list[str] = []
        self._msg = 7400000000000000000
        self._valid_a: list[str] = []
        self._build()

    def _data(self, user: dict[str, Any] | None, content: str, **fields: Any) -> dict[str, Any]:
        self._msg += 1
        d: dict[str, Any] = {
            "MsgId": self._msg,
            "Content": content,
            "RoomId": self.ROOM,
            "WebRoomId": "123456789012",
            "Onwer": {"UserId": "98765432101", "SecUid": "MS4wLjABAAAA-owner", "Nickname": "某品牌官方旗舰店"},
        }
        if user is not None:
            d["User"] = user
        d.update(fields)
        return d

    @staticmethod
    def _user(uid: Any, nick: str, club: tuple[str, int] | None = None) -> dict[str, Any]:
        u: dict[str, Any] = {
            "Id": uid,
            "ShortId": 1000001,
            "DisplayId": "dy" + str(uid)[-6:],
            "Nickname": nick,
            "Level": 0,
            "PayLevel": 12,
            "Gender": 2,
            "HeadImgUrl": "https://p3.douyinpic.com/a.jpeg",
            "SecUid": "MS4wLjABAAAA" + str(uid)[-8:],
            "FollowStatus": 0,
            "FollowerCount": 12,
            "FollowingCount": 80,
        }
        if club:
            u["FansClub"] = {"ClubName": club[0], "Level": club[1]}
        return u

    @staticmethod
    def _frame(typ: Any, data: Any, process: str = "直播伴侣") -> str:
        body = to_json(data) if isinstance(data, dict) else data
        return to_json({"Type": typ, "ProcessName": process, "Data": body})

    def _build(self) -> None:
        e = self.expected
        part_a, part_b = self.part_a, self.part_b

        def valid(part: list[Step], typ: int, data: dict[str, Any], raw_obj: bool = False) -> None:
            # raw_obj: Data as an object (docs/sources.md: accepted too)
            frame = to_json({"Type": typ, "ProcessName": "chrome", "Data": data}) if raw_obj else self._frame(typ, data)
            part.append(("text", frame))
            if part is part_a:
                self._valid_a.append(frame)

        def broken(part: list[Step], frame: str | bytes, marker: str | None = None) -> None:
            part.append(("binary", frame) if isinstance(frame, bytes) else ("text", frame))
            e.broken_frames += 1
            if marker:
                e.forbidden_texts.append(marker)

        def comment(part: list[Step], uid: Any, nick: str, text: str, **kw: Any) -> None:
            e.comments.append({"user_id": str(uid), "user_name": nick, "text": text})
            valid(part, 1, self._data(self._user(uid, nick, ("宠粉团", 5)), text), **kw)

        wang = 7000000000000000001  # > 2^53
        li = 3100000000000000123
        zhao = "88000000000000000017"  # a string id (> int64 even): kept exactly
        rich = 9199999999999999991

        # ---- part A --------------------------------------------------------------------------
        valid(
            part_a,
            6,
            self._data(
                None,
                "当前直播间人数 1200",
                OnlineUserCount=1200,
                TotalUserCount=35000,
                OnlineUserCountStr="1200",
                TotalUserCountStr="3.5万",
            ),
        )
        e.viewer_counts.append(1200)
        e.total_viewers.append(35000)
        comment(part_a, wang, "买家小王", "3号链接什么时候上")
        broken(part_a, "{not json at all")
        broken(part_a, b"\xff\xfe\xfd binary garbage \x80")
        valid(part_a, 3, self._data(self._user(li, "路过的小李"), "路过的小李 来了", CurrentCount=1201))
        e.enters.append(str(li))
        broken(part_a, "[1, 2, 3]")  # JSON, not an object
        broken(part_a, to_json({"ProcessName": "chrome", "Data": "{}"}))  # Type missing
        broken(part_a, self._frame("1", self._data(self._user(1, "字符串Type"), "Type是字符串")), "Type是字符串")
        broken(part_a, to_json({"Type": 1, "ProcessName": "chrome"}))  # Data missing
        broken(part_a, self._frame(1, '{"MsgId": 1, "Content": "截断的Data'), "截断的Data")
        broken(part_a, self._frame(1, 12345))  # Data a number, not a JSON string
        broken(part_a, self._frame(1, to_json("仅仅是字符串")))  # Data: a JSON string of a string
        broken(part_a, self._frame(1, "[]"))  # Data: JSON, not an object
        broken(part_a, self._frame(1, self._data("不是对象", "User不是对象")), "User不是对象")
        broken(
            part_a, self._frame(1, self._data(self._user(2, "浮点MsgId"), "MsgId是浮点", MsgId=7.4e18)), "MsgId是浮点"
        )
        broken(part_a, self._frame(1, self._data(self._user(7.1e15, "浮点用户"), "用户Id是浮点")), "用户Id是浮点")
        broken(part_a, self._frame(1, self._data(self._user(3, 12345), "昵称是数字")), "昵称是数字")
        bad = self._data(self._user(4, "没内容"), "x")
        del bad["Content"]
        broken(part_a, self._frame(1, bad))
        broken(
            part_a, self._frame(2, self._data(self._user(5, "缺Count"), "缺Count的点赞", Total=100)), "缺Count的点赞"
        )
        broken(
            part_a, self._frame(2, self._data(self._user(5, "负Count"), "负数点赞", Count=-3, Total=100)), "负数点赞"
        )
        broken(part_a, self._frame(6, self._data(None, "缺在线人数", TotalUserCount=1)), "缺在线人数")
        broken(
            part_a,
            self._frame(
                5,
                self._data(
                    self._user(6, "坏礼物"),
                    "坏礼物 送出 小心心",
                    GiftId=1,
                    GiftName="坏小心心",
                    GroupId=0,
                    GiftCount="abc",
                    RepeatCount=1,
                    DiamondCount=1,
                    Combo=False,
                ),
            ),
        )
        broken(
            part_a,
            self._frame(
                5,
                self._data(
                    self._user(6, "坏礼物"),
                    "坏礼物 送出 小心心",
                    GiftId=1,
                    GiftName="坏小心心",
                    GroupId=0,
                    GiftCount=1,
                    RepeatCount=1.5,
                    DiamondCount=1,
                    Combo=False,
                ),
            ),
        )
        e.forbidden_texts.append("坏小心心")
        # unknown Type: counted as unknown, no event
        part_a.append(("text", self._frame(99, self._data(self._user(7, "未知"), "未知类型99"))))
        e.forbidden_texts.append("未知类型99")
        # a like whose Count is a digit string (accepted), Data sent as an object
        valid(
            part_a,
            2,
            self._data(self._user(li, "路过的小李"), "路过的小李 点赞了", Count="5", Total=3005),
            raw_obj=True,
        )
        # a string user id beyond int64
        comment(part_a, zhao, "赵姐🌸", "有没有大码的？")
        valid(part_a, 4, self._data(self._user(zhao, "赵姐🌸"), "赵姐🌸 关注了主播"))
        e.follows.append(zhao)
        # combo 2 (no GiftCount: counted by the increase of RepeatCount), spans the drop
        valid(
            part_a,
            5,
            self._data(
                self._user(li, "路过的小李"),
                "路过的小李 送出 小心心 x3",
                GiftId=4001,
                GiftName="小心心",
                GroupId=1723000000000222,
                RepeatCount=3,
                DiamondCount=1,
                Combo=True,
                ToUser={},
            ),
        )
        # a single gift, GroupId 0, GiftCount 2
        valid(
            part_a,
            5,
            self._data(
                self._user(wang, "买家小王"),
                "买家小王 送出 玫瑰 x2",
                GiftId=4002,
                GiftName="玫瑰",
                GroupId=0,
                GiftCount=2,
                RepeatCount=2,
                DiamondCount=1,
                Combo=False,
                ToUser={},
            ),
        )
        # combo 1 (GiftCount present): 1, +4 (RepeatCount 5), the same update again, ... +5 later
        combo1 = {
            "GiftId": 4003,
            "GiftName": "人气票",
            "GroupId": 1723000000000111,
            "DiamondCount": 1,
            "Combo": True,
            "ToUser": {},
        }
        valid(
            part_a,
            5,
            self._data(self._user(rich, "榜一大哥"), "榜一大哥 送出 人气票 x1", GiftCount=1, RepeatCount=1, **combo1),
        )
        valid(
            part_a,
            5,
            self._data(self._user(rich, "榜一大哥"), "榜一大哥 送出 人气票 x5", GiftCount=4, RepeatCount=5, **combo1),
        )
        # the bridge repeats the same update under a new MsgId: no new gifts
        valid(
            part_a,
            5,
            self._data(self._user(rich, "榜一大哥"), "榜一大哥 送出 人气票 x5", GiftCount=4, RepeatCount=5, **combo1),
        )
        valid(part_a, 8, self._data(self._user(wang, "买家小王"), "买家小王 分享了直播间", ShareType=1))
        e.shares.append(str(wang))
        valid(
            part_a, 7, self._data(self._user(wang, "买家小王", ("宠粉团", 1)), "买家小王 加入了粉丝团", Type=2, Level=1)
        )
        # the last 2 valid frames before the drop (re-sent after reconnect)
        comment(part_a, rich, "榜一大哥", "主播这件外套多少钱")
        valid(
            part_a,
            6,
            self._data(
                None,
                "当前直播间人数 1350",
                OnlineUserCount=1350,
                TotalUserCount=36000,
                OnlineUserCountStr="1350",
                TotalUserCountStr="3.6万",
            ),
        )
        e.viewer_counts.append(1350)
        e.total_viewers.append(36000)
        part_a.append(("drop",))
        self.replay = self._valid_a[-2:]

        # ---- part B --------------------------------------------------------------------------
        comment(part_b, wang, "买家小王", "重连之后还能看到吗")
        valid(
            part_b,
            5,
            self._data(self._user(rich, "榜一大哥"), "榜一大哥 送出 人气票 x10", GiftCount=5, RepeatCount=10, **combo1),
        )
        valid(
            part_b,
            5,
            self._data(
                self._user(li, "路过的小李"),
                "路过的小李 送出 小心心 x7",
                GiftId=4001,
                GiftName="小心心",
                GroupId=1723000000000222,
                RepeatCount=7,
                DiamondCount=1,
                Combo=True,
                ToUser={},
            ),
        )
        # Kuaishou fork frame (Platform 2)
        comment(
            part_b,
            1500000000000000009,
            "快手老铁",
            "老铁666",
        )
        kuaishou = json.loads(self.part_b[-1][1])
        data = json.loads(kuaishou["Data"])
        data["Platform"] = 2
        kuaishou["Data"] = to_json(data)
        self.part_b[-1] = ("text", to_json(kuaishou))
        broken(part_b, self._frame(1, "not json"))
        broken(part_b, '{"Type": 1, "Data": ' + "[" * 100_000 + "]" * 100_000 + "}")
        broken(part_b, self._frame(1, '{"MsgId": 1, "User": ' + "[" * 100_000 + "]" * 100_000 + "}"))
        # MsgId and User.Id as digit strings (accepted)
        e.comments.append({"user_id": "6100000000000000077", "user_name": "字符串MsgId", "text": "MsgId是数字字符串"})
        valid(
            part_b,
            1,
            self._data(
                self._user("6100000000000000077", "字符串MsgId"), "MsgId是数字字符串", MsgId="7499999999999999999"
            ),
        )
        valid(
            part_b,
            6,
            self._data(
                None,
                "当前直播间人数 1500",
                OnlineUserCount=1500,
                TotalUserCount=38000,
                OnlineUserCountStr="1500",
                TotalUserCountStr="3.8万",
            ),
        )
        e.viewer_counts.append(1500)
        e.total_viewers.append(38000)
        comment(part_b, li, "路过的小李", "已拍，期待收货")
        part_b.append(("sleep", 0.3))
        part_b.append(("text", self._frame(9, self._data(None, "直播已结束"))))
        e.gifts = {"人气票": 10, "小心心": 7, "玫瑰": 2}
        # 10 diamonds = ¥1: one diamond = 10 fen
        e.gift_amount_fen = {"人气票": 100, "小心心": 70, "玫瑰": 20}
        e.likes = 5

    async def handle(self, ws: ServerConnection, n: int) -> None:
        if n == 1:
            await self.play(ws, self.part_a)
            return
        if n == 2:
            for frame in self.replay:
                await ws.send(frame)
            await self.play(ws, self.part_b)
        await self.linger(ws)
