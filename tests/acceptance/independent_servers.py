"""Independent fake live-comment servers for acceptance tests of ``livedeck record``.

Written only from the protocol documents (``docs/protocols/*.md``, ``docs/protocol.md``) and the
user docs (``README.md``, ``docs/sources.md``) — deliberately *not* from LiveDeck's code or its own
fakes, so that a misreading shared by the product and its own tests shows up here.

Each server runs ``websockets.asyncio.server.serve`` on 127.0.0.1 (port 0) in a background thread
with its own asyncio loop and plays a scripted show:

* connection 1: part A of the show, valid messages interleaved with broken frames, then the
  connection is **dropped** (TCP abort, no close handshake);
* connection 2: (generic/Douyin) the last 2 valid messages of part A again with the same message
  ids, then part B, then the live ends (generic ``live_end``, Douyin Type 9, Bilibili
  ``PREPARING``); the server then keeps the socket open until the client goes.

Every show carries its *expected* outcome (``expected_*`` attributes) for the test to compare with
the session log.
"""

from __future__ import annotations

import asyncio
import base64
import json
import struct
import threading
import zlib
from dataclasses import dataclass, field
from typing import Any

import brotli
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

BIG = 2**53  # ids above this lose digits as floats

# Steps of a script: ("text", str) · ("binary", bytes) · ("sleep", seconds) · ("drop",)
Step = tuple[Any, ...]


@dataclass
class Expected:
    """What the session log must contain after the show."""

    comments: list[dict[str, Any]] = field(default_factory=list)  # in order: user_id, user_name, text
    gifts: dict[str, int] = field(default_factory=dict)  # gift name -> total count
    gift_amount_fen: dict[str, int] = field(default_factory=dict)  # gift name -> total fen
    follows: list[str] = field(default_factory=list)  # user_ids
    enters: list[str] = field(default_factory=list)
    shares: list[str] = field(default_factory=list)
    viewer_counts: list[int] = field(default_factory=list)  # viewer_stats.count, in order
    total_viewers: list[int] = field(default_factory=list)  # extra.total_viewers seen
    likes: int | None = None  # SUM(count) over likes, when the show sends likes
    forbidden_texts: list[str] = field(default_factory=list)  # texts only broken frames carry
    broken_frames: int = 0  # how many broken frames/items the show sends (informative)


class ScriptedServer:
    """A websocket server in its own thread and loop; subclasses implement ``handle``."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name=type(self).__name__, daemon=True)
        self.ready = threading.Event()
        self.port = 0
        self.connections = 0
        self.errors: list[str] = []  # protocol violations the server saw from the client
        self.events_log: list[str] = []  # what happened, for failure messages
        self._stop: asyncio.Event | None = None

    # lifecycle ---------------------------------------------------------------------------------

    def start(self) -> str:
        self.thread.start()
        if not self.ready.wait(10):
            raise RuntimeError("server did not start")
        return self.url

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{self.path}"

    path = ""

    def stop(self) -> None:
        if self._stop is not None and self.thread.is_alive():
            self.loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(10)

    def __enter__(self) -> ScriptedServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._main())
        finally:
            self.loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        async with serve(self._handler, "127.0.0.1", 0, max_size=None, ping_interval=None, compression=None) as server:
            self.port = server.sockets[0].getsockname()[1]
            self.ready.set()
            await self._stop.wait()
            server.close()
            await server.wait_closed()

    async def _handler(self, ws: ServerConnection) -> None:
        self.connections += 1
        n = self.connections
        self.events_log.append(f"connection {n} from {ws.remote_address}")
        try:
            await self.handle(ws, n)
        except ConnectionClosed as exc:
            self.events_log.append(f"connection {n} closed: {exc!r}")
        except Exception as exc:  # never let the thread raise: record instead
            self.errors.append(f"connection {n}: server error {exc!r}")

    async def handle(self, ws: ServerConnection, n: int) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # helpers -----------------------------------------------------------------------------------

    async def play(self, ws: ServerConnection, steps: list[Step]) -> None:
        for step in steps:
            what = step[0]
            if what == "text":
                await ws.send(step[1])
            elif what == "binary":
                await ws.send(step[1])  # bytes -> binary frame
            elif what == "sleep":
                await asyncio.sleep(step[1])
            elif what == "drop":
                # let the client read what was sent, then cut the TCP link without a close frame
                await asyncio.sleep(0.6)
                self.events_log.append("drop")
                ws.transport.abort()
                return
            else:  # pragma: no cover
                raise ValueError(step)
            await asyncio.sleep(0.005)

    async def linger(self, ws: ServerConnection, seconds: float = 20.0) -> None:
        """After the show: keep the link open (reading client frames) until the client goes."""
        try:
            async with asyncio.timeout(seconds):
                async for _ in ws:
                    pass
        except TimeoutError:
            self.events_log.append("client did not leave after the live ended")


# =================================================================================================
# Generic JSON protocol (docs/protocol.md, version 1)
# =================================================================================================


def _j(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


class GenericShow(ScriptedServer):
    ROOM = "shop-7788"
    T0 = 1718000000.0

    def __init__(self) -> None:
        super().__init__()
        self.expected = Expected()
        self.part_a: list[Step] = []
        self.part_b: list[Step] = []
        self.replay: list[str] = []  # frames re-sent after the reconnect
        self._n = 0
        self._valid_a: list[str] = []
        self._build()

    def _ev(self, kind: str, **fields: Any) -> dict[str, Any]:
        self._n += 1
        obj: dict[str, Any] = {"type": "event", "kind": kind, "ts": self.T0 + self._n * 0.25}
        obj["msg_id"] = f"gen-{self._n}"
        obj.update(fields)
        return obj

    def _comment(self, uid: Any, name: str, text: str, **kw: Any) -> dict[str, Any]:
        self.expected.comments.append({"user_id": str(uid), "user_name": name, "text": text[:2000]})
        return self._ev("comment", user_id=uid, user_name=name, text=text, **kw)

    def _broken_text(self, part: list[Step], frame: str, items: int = 1) -> None:
        part.append(("text", frame))
        self.expected.broken_frames += items

    def _build(self) -> None:
        e = self.expected
        part_a, part_b = self.part_a, self.part_b
        hello = _j(
            {"type": "hello", "protocol": "livedeck-generic", "v": 1, "room_id": self.ROOM, "title": "春季上新专场"}
        )
        self.hello = hello

        def valid(part: list[Step], obj: Any) -> None:
            frame = _j(obj)
            part.append(("text", frame))
            if part is part_a:
                self._valid_a.append(frame)

        # ---- part A --------------------------------------------------------------------------
        valid(part_a, self._ev("viewer_stats", count=180, extra={"total_viewers": 180}))
        e.viewer_counts.append(180)
        e.total_viewers.append(180)
        valid(part_a, self._comment("4162378163223458889", "早起的星星", "3号还有吗"))
        self._broken_text(part_a, "not json {")
        self._broken_text(part_a, '{"type": "event", "kind": "comment", "text": "截断')
        valid(part_a, self._ev("enter", user_id="1064050576934570293", user_name="爱笑的月亮"))
        e.enters.append("1064050576934570293")
        # a user id sent as a JSON integer above 2^53: kept as its exact decimal string
        valid(part_a, self._comment(BIG + 1, "时光不老", "主播好！🎉 链接在哪"))
        # wrong shapes
        self._broken_text(part_a, "42")
        self._broken_text(part_a, '"just a string"')
        self._broken_text(part_a, "null")
        self._broken_text(part_a, "{}")  # no type
        self._broken_text(part_a, _j({"type": 5, "kind": "comment"}))  # type not a string
        # a batch: valid items around broken ones; valid items must survive
        batch = [
            self._comment("2377697133192039035", "小橘子🍊", "扣1扣1"),
            17,  # not an object
            {"kind": "comment", "text": "缺type的弹幕"},  # lacks type
            self._ev(
                "comment",
                user_id="1",
                user_name="x",
                text="未知kind",
            ),
            self._ev(
                "gift", user_id="3", user_name="坏礼物", text="小心心", count="3", amount_fen=30
            ),  # count not an integer
            self._ev("gift", user_id="3", user_name="坏礼物", text="小心心", count=2.5, amount_fen=30),  # count a float
            self._ev(
                "gift", user_id="3", user_name="坏礼物", text="小心心", count=3, amount_fen=-30
            ),  # negative amount
            self._ev("comment", user_id="4", user_name="坏extra", text="extra不是对象", extra="oops"),
            self._ev("comment", user_id="5", user_name="坏ts", text="ts是字符串", ts="1718000000"),
            self._ev("comment", user_id="6", user_name="布尔ts", text="ts是布尔", ts=True),
            self._ev("comment", user_id=True, user_name="布尔id", text="用户id是布尔"),
            self._comment("8546149023511239011", "追光的鱼", "这个颜色好看"),
        ]
        batch[3]["kind"] = "teleport"  # unknown kind
        e.forbidden_texts += ["缺type的弹幕", "未知kind", "extra不是对象", "ts是字符串", "ts是布尔", "用户id是布尔"]
        e.broken_frames += 10
        valid(part_a, batch)
        # unknown top-level type: skipped, not fatal
        part_a.append(("text", _j({"type": "weather", "sky": "晴"})))
        part_a.append(("text", _j({"type": "ping", "ts": self.T0 + 3})))
        # binary frames: not UTF-8 (broken) / UTF-8 JSON (tolerated, docs/protocol.md §1)
        part_a.append(("binary", b"\xff\xfe\x00\x80garbage\xc3("))
        e.broken_frames += 1
        bin_comment = self._comment("5500000000000000001", "二进制用户", "二进制帧里的弹幕")
        part_a.append(("binary", _j(bin_comment).encode("utf-8")))
        self._valid_a.append(_j(bin_comment))
        # optional fields missing: ts (arrival time is used), then a comment with no ts at all
        no_ts = self._comment("6600000000000000002", "没有时间戳", "没带ts也要记下")
        del no_ts["ts"]
        valid(part_a, no_ts)
        # an event without kind (required)
        bad = self._ev("comment", user_id="9", user_name="无kind", text="没有kind字段")
        del bad["kind"]
        self._broken_text(part_a, _j(bad))
        e.forbidden_texts.append("没有kind字段")
        # absurdly deep JSON (a recursion bomb for naive parsers)
        self._broken_text(
            part_a, '{"type": "event", "kind": "comment", "extra": ' + "[" * 100_000 + "]" * 100_000 + "}"
        )
        # a user id as a float: lossy, a mistyped id
        self._broken_text(
            part_a, _j(self._ev("comment", user_id=1.2345678901234567e18, user_name="浮点id", text="浮点用户id"))
        )
        e.forbidden_texts.append("浮点用户id")
        valid(part_a, self._ev("follow", user_id="7200000000000000003", user_name="新粉丝阿杰"))
        e.follows.append("7200000000000000003")
        valid(part_a, self._ev("like", user_id="7200000000000000003", user_name="新粉丝阿杰", count=15))
        valid(part_a, self._ev("viewer_stats", count=256, extra={"total_viewers": 410}))
        e.viewer_counts.append(256)
        e.total_viewers.append(410)
        # the last 2 valid messages before the drop: a gift and a comment (re-sent after reconnect)
        valid(
            part_a,
            self._ev("gift", user_id="9100000000000000007", user_name="土豪哥", text="玫瑰", count=10, amount_fen=100),
        )
        valid(part_a, self._comment("9100000000000000007", "土豪哥", "送你玫瑰🌹"))
        part_a.append(("drop",))
        self.replay = self._valid_a[-2:]

        # ---- part B --------------------------------------------------------------------------
        valid(part_b, self._comment("1234567890123456789", "爱吃橘子的猫", "重连后第一条"))
        long_text = "长" * 2500
        valid(part_b, self._comment("1234567890123456789", "爱吃橘子的猫", long_text))
        valid(part_b, self._ev("share", user_id="3300000000000000004", user_name="分享达人"))
        e.shares.append("3300000000000000004")
        # a big frame (> 1 MiB, < 16 MiB: LiveDeck accepts it) with a valid event in it
        valid(part_b, self._comment("3300000000000000004", "分享达人", "大帧里的弹幕", padding="x" * (1_300_000)))
        valid(
            part_b,
            self._ev("gift", user_id="9100000000000000007", user_name="土豪哥", text="玫瑰", count=5, amount_fen=50),
        )
        valid(
            part_b,
            self._ev(
                "gift",
                user_id="1234567890123456789",
                user_name="爱吃橘子的猫",
                text="嘉年华",
                count=1,
                amount_fen=300000,
            ),
        )
        self._broken_text(part_b, "[1, 2, 3]", items=3)  # a batch of non-objects
        valid(part_b, self._ev("viewer_stats", count=301, extra={"total_viewers": 520}))
        e.viewer_counts.append(301)
        e.total_viewers.append(520)
        valid(part_b, self._comment("4162378163223458889", "早起的星星", "拍了拍了，已下单"))
        part_b.append(("sleep", 0.3))
        part_b.append(("text", _j(self._ev("live_end", text="直播已结束"))))
        e.gifts = {"玫瑰": 15, "嘉年华": 1}
        e.gift_amount_fen = {"玫瑰": 150, "嘉年华": 300000}
        e.likes = 15

    async def handle(self, ws: ServerConnection, n: int) -> None:
        await ws.send(self.hello)
        if n == 1:
            await self.play(ws, self.part_a)
            return
        if n == 2:
            for frame in self.replay:  # same msg_ids: the client must drop them
                await ws.send(frame)
            await self.play(ws, self.part_b)
        await self.linger(ws)


class GenericFieldShow(ScriptedServer):
    """A short generic show: a good comment, the given event objects (one per frame), a good
    comment, ``live_end``. For single field-validation rules of docs/protocol.md §2.2 / §4."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        super().__init__()
        self.items = items

    async def handle(self, ws: ServerConnection, n: int) -> None:
        await ws.send(_j({"type": "hello", "protocol": "livedeck-generic", "v": 1, "room_id": "edge"}))
        base = {
            "type": "event",
            "kind": "comment",
            "ts": 1718000000.5,
            "user_id": "1234567890123456789",
            "user_name": "爱吃橘子的猫",
        }
        await ws.send(_j(base | {"msg_id": "edge-before", "text": "之前"}))
        for item in self.items:
            await ws.send(_j(item))
        await ws.send(_j(base | {"msg_id": "edge-after", "text": "之后"}))
        await asyncio.sleep(0.2)
        await ws.send(_j({"type": "event", "kind": "live_end", "ts": 1718000009.0, "msg_id": "edge-end"}))
        await self.linger(ws)


# =================================================================================================
# Douyin bridge (DouyinBarrageGrab JSON, docs/protocols/douyin_bridge.md)
# =================================================================================================


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
        return _j({"Type": typ, "ProcessName": process, "Data": data if not isinstance(data, dict) else _j(data)})

    def _build(self) -> None:
        e = self.expected
        part_a, part_b = self.part_a, self.part_b

        def valid(part: list[Step], typ: int, data: dict[str, Any], raw_obj: bool = False) -> None:
            # raw_obj: Data as an object (docs/sources.md: accepted too)
            frame = _j({"Type": typ, "ProcessName": "chrome", "Data": data}) if raw_obj else self._frame(typ, data)
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
        broken(part_a, _j({"ProcessName": "chrome", "Data": "{}"}))  # Type missing
        broken(part_a, self._frame("1", self._data(self._user(1, "字符串Type"), "Type是字符串")), "Type是字符串")
        broken(part_a, _j({"Type": 1, "ProcessName": "chrome"}))  # Data missing
        broken(part_a, self._frame(1, '{"MsgId": 1, "Content": "截断的Data'), "截断的Data")
        broken(part_a, self._frame(1, 12345))  # Data a number, not a JSON string
        broken(part_a, self._frame(1, _j("仅仅是字符串")))  # Data: a JSON string of a string
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
        kuaishou["Data"] = _j(data)
        self.part_b[-1] = ("text", _j(kuaishou))
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


# =================================================================================================
# Bilibili /sub binary protocol (docs/protocols/bilibili.md)
# =================================================================================================

HEADER = struct.Struct(">IHHII")
OP_HEARTBEAT, OP_HEARTBEAT_REPLY, OP_MESSAGE, OP_AUTH, OP_AUTH_REPLY = 2, 3, 5, 7, 8


def bili_packet(
    body: bytes, *, op: int = OP_MESSAGE, ver: int = 0, seq: int = 1, header_len: int = 16, pack_len: int | None = None
) -> bytes:
    if pack_len is None:
        pack_len = 16 + len(body)
    return HEADER.pack(pack_len, header_len, ver, op, seq) + body


def bili_msg(obj: Any) -> bytes:
    return bili_packet(_j(obj).encode("utf-8"))


def zlib_batch(*packets: bytes) -> bytes:
    return bili_packet(zlib.compress(b"".join(packets)), ver=2)


def brotli_batch(*packets: bytes) -> bytes:
    return bili_packet(brotli.compress(b"".join(packets)), ver=3)


def _pb_varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _pb_field(num: int, value: int | str) -> bytes:
    if isinstance(value, int):
        return _pb_varint(num << 3 | 0) + _pb_varint(value)
    raw = value.encode("utf-8")
    return _pb_varint(num << 3 | 2) + _pb_varint(len(raw)) + raw


class BilibiliShow(ScriptedServer):
    ROOM = 21452505
    path = "/sub"
    T0_MS = 1723979200000

    def __init__(self) -> None:
        super().__init__()
        self.expected = Expected()
        self.auths: list[dict[str, Any]] = []
        self.heartbeats = 0
        self.part_a: list[Step] = []
        self.part_b: list[Step] = []
        self._n = 0
        self._build()

    # message builders -----------------------------------------------------------------------

    def danmu(
        self,
        uid: Any,
        uname: str,
        text: str,
        *,
        medal: Any = None,
        extra: Any = None,
        expect: bool = True,
        suffix: str = ":4:0:2:2:2:0",
    ) -> dict[str, Any]:
        self._n += 1
        ts = self.T0_MS + self._n * 250
        if extra is None:
            extra = _j({"content": text, "id_str": f"364b06e3c561af3d5921f1253d66c1d5{self._n:04d}"})
        if medal is None:
            medal = [21, "宠粉团", "某主播", self.ROOM, 1725515, "", 0, 6809855, 1725515, 5414290, 0, 1, 98765432]
        info = [
            [0, 1, 25, 16777215, ts, -1312973962, 0, "0bc8acd0", 0, 0, 0, "", 0, "{}", "{}", {"extra": extra}],
            text,
            [uid, uname, 0, 0, 0, 10000, 1, ""],
            medal,
            [25, 0, 5805790, ">50000", 0],
            ["", ""],
            0,
            0,
            None,
            {"ts": ts // 1000, "ct": "A1B2C3D4"},
            0,
            0,
            None,
            None,
            0,
            105,
            [0],
        ]
        if expect:
            self.expected.comments.append(
                {"user_id": "" if uid == 0 else str(uid), "user_name": uname, "text": text, "ts": ts / 1000}
            )
        return {"cmd": "DANMU_MSG" + suffix, "info": info}

    def gift(
        self, uid: int, uname: str, name: str, gift_id: int, num: int, price: int, coin_type: str
    ) -> dict[str, Any]:
        self._n += 1
        return {
            "cmd": "SEND_GIFT",
            "data": {
                "giftName": name,
                "giftId": gift_id,
                "num": num,
                "uname": uname,
                "uid": uid,
                "price": price,
                "total_coin": price * num,
                "coin_type": coin_type,
                "timestamp": (self.T0_MS + self._n * 250) // 1000,
                "action": "投喂",
                "tid": f"17239792001122{self._n:04d}",
                "face": "https://i0.hdslb.com/bfs/face/x.jpg",
            },
        }

    def interact(self, uid: int, uname: str, msg_type: int) -> dict[str, Any]:
        self._n += 1
        return {
            "cmd": "INTERACT_WORD",
            "data": {
                "uid": uid,
                "uname": uname,
                "msg_type": msg_type,
                "roomid": self.ROOM,
                "timestamp": (self.T0_MS + self._n * 250) // 1000,
                "fans_medal": {},
            },
        }

    def interact_v2(self, uid: int, uname: str, msg_type: int) -> dict[str, Any]:
        self._n += 1
        pb = (
            _pb_field(1, uid)
            + _pb_field(2, uname)
            + _pb_field(5, msg_type)
            + _pb_field(7, (self.T0_MS + self._n * 250) // 1000)
        )
        return {"cmd": "INTERACT_WORD_V2", "data": {"dmscore": 12, "pb": base64.b64encode(pb).decode()}}

    # the show -----------------------------------------------------------------------------------

    def _build(self) -> None:
        e = self.expected
        part_a, part_b = self.part_a, self.part_b

        def broken(part: list[Step], frame: str | bytes, marker: str | None = None) -> None:
            part.append(("text", frame) if isinstance(frame, str) else ("binary", frame))
            e.broken_frames += 1
            if marker:
                e.forbidden_texts.append(marker)

        u1, u2, u3, u4 = BIG + 1, 3546569288714792, 12345678901234567, 4294967296 + 7
        # ---- part A --------------------------------------------------------------------------
        part_a.append(("binary", bili_msg({"cmd": "ONLINE_RANK_COUNT", "data": {"count": 1520, "online_count": 1888}})))
        e.viewer_counts.append(1888)
        part_a.append(("binary", bili_msg(self.danmu(u2, "观众甲", "3号链接还有货吗"))))
        broken(part_a, b"")  # empty frame
        broken(part_a, b"\x00\x00\x00\x20\x00\x10\x00")  # truncated header
        # a text frame where binary belongs (the JSON of a message, no header)
        broken(part_a, _j(self.danmu(1, "文本帧", "文本帧里的弹幕", expect=False)), "文本帧里的弹幕")
        # pack_len < 16
        broken(part_a, bili_packet(b"{}", pack_len=8))
        # plain batch: two packets in one frame (ver 0)
        part_a.append(
            (
                "binary",
                bili_msg(self.danmu(u1, "超大号UID", "uid超过2的53次方也要精确"))
                + bili_msg(self.interact(u3, "进场的观众", 1)),
            )
        )
        e.enters.append(str(u3))
        # a good packet, then one whose pack_len runs past the frame: the first is kept
        good = bili_msg(self.danmu(u4, "半截帧前面", "我在坏包前面"))
        beyond = bili_msg(self.danmu(2, "越界", "越界包里的弹幕", expect=False))
        beyond = HEADER.pack(len(beyond) + 500, 16, 0, OP_MESSAGE, 1) + beyond[16:]
        broken(part_a, good + beyond, "越界包里的弹幕")
        # header_len != 16: that packet only; the next one in the frame is kept
        odd_body = _j(self.danmu(3, "头长错误", "头长不是16", expect=False)).encode()
        odd = bili_packet(odd_body, header_len=20)
        broken(part_a, odd + bili_msg(self.danmu(u2, "观众甲", "头长错误之后的弹幕")), "头长不是16")
        # zlib batch (ver 2) with a gift, a follow, a comment
        part_a.append(
            (
                "binary",
                zlib_batch(
                    bili_msg(self.gift(u2, "观众甲", "小花花", 31036, 5, 100, "gold")),
                    bili_msg(self.interact(u2, "观众甲", 2)),
                    bili_msg(self.danmu(u3, "进场的观众", "zlib里的弹幕", suffix="")),
                ),
            )
        )
        e.follows.append(str(u2))
        # corrupt zlib / truncated brotli
        broken(part_a, bili_packet(b"x\x9c\x00\x01garbage-not-deflate", ver=2))
        full = brotli.compress(bili_msg(self.danmu(4, "截断", "截断brotli", expect=False)))
        broken(part_a, bili_packet(full[: len(full) // 2], ver=3), "截断brotli")
        # a compressed packet inside a compressed batch
        inner = zlib_batch(bili_msg(self.danmu(5, "套娃", "套娃压缩包", expect=False)))
        broken(part_a, brotli_batch(inner), "套娃压缩包")
        # a zlib batch inflating past 8 MiB (a valid-looking packet padded with JSON whitespace)
        bomb_body = (_j(self.danmu(6, "炸弹", "解压炸弹", expect=False))[:-1] + " " * (9 << 20) + "}").encode()
        broken(part_a, bili_packet(zlib.compress(bili_packet(bomb_body), 9), ver=2), "解压炸弹")
        # absurdly deep JSON
        broken(part_a, bili_packet(b'{"cmd": "DANMU_MSG", "info": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"))
        # bodies: not UTF-8, not JSON, not an object, no cmd
        broken(part_a, bili_packet(b'\xff\xfe{"cmd":"DANMU_MSG"}'))
        broken(part_a, bili_packet(b'{"cmd": "DANMU_MSG", "info": [[0'))
        broken(part_a, bili_packet(b"[1, 2, 3]"))
        broken(part_a, bili_msg({"info": [], "data": {"text": "没有cmd"}}), "没有cmd")
        # mapped commands with missing / mistyped required fields
        broken(part_a, bili_msg({"cmd": "DANMU_MSG", "info": [[0], "info太短"]}), "info太短")
        str_uid = self.danmu("3546569288714792", "字符串UID", "uid是字符串", expect=False)
        broken(part_a, bili_msg(str_uid), "uid是字符串")
        float_gift = self.gift(u2, "观众甲", "浮点礼物", 1, 1, 100, "gold")
        float_gift["data"]["num"] = 2.5
        broken(part_a, bili_msg(float_gift), "浮点礼物")
        neg_gift = self.gift(u2, "观众甲", "负价礼物", 1, 1, 100, "gold")
        neg_gift["data"]["price"] = -100
        neg_gift["data"]["total_coin"] = -100
        broken(part_a, bili_msg(neg_gift), "负价礼物")
        broken(part_a, bili_msg({"cmd": "INTERACT_WORD_V2", "data": {"pb": "!!!不是base64!!!"}}))
        # unknown commands and an unknown op: counted as unknown, not events
        part_a.append(("binary", bili_msg({"cmd": "NOTICE_MSG", "msg_common": "恭喜某某开通舰长"})))
        part_a.append(("binary", bili_msg({"cmd": "ONLINE_RANK_V2", "data": {"list": []}})))
        part_a.append(("binary", bili_packet(b"{}", op=6, ver=1)))
        # brotli batch (ver 3): comments, a share, a masked viewer (uid 0), a silver gift, stats
        part_a.append(
            (
                "binary",
                brotli_batch(
                    bili_msg(self.danmu(u4, "半截帧前面", "brotli里的弹幕🎁")),
                    bili_msg(self.interact(u1, "超大号UID", 3)),
                    bili_msg(self.danmu(0, "观***", "匿名观众的弹幕")),
                    bili_msg(self.gift(u4, "半截帧前面", "辣条", 1, 3, 100, "silver")),
                    bili_msg(
                        {
                            "cmd": "WATCHED_CHANGE",
                            "data": {"num": 17000, "text_small": "1.7万", "text_large": "1.7万人看过"},
                        }
                    ),
                ),
            )
        )
        e.shares.append(str(u1))
        e.total_viewers.append(17000)
        e.viewer_counts.append(1888)  # WATCHED_CHANGE carries the last online count seen
        # cosmetic fields broken: the event is kept without them
        part_a.append(
            ("binary", bili_msg(self.danmu(u3, "进场的观众", "勋章和extra都坏了", medal="broken", extra="{not json")))
        )
        part_a.append(("drop",))

        # ---- part B (after the reconnect) ------------------------------------------------------
        part_b.append(("binary", bili_msg(self.danmu(u2, "观众甲", "重连后的第一条弹幕"))))
        part_b.append(
            (
                "binary",
                zlib_batch(
                    bili_msg(self.interact_v2(u4, "半截帧前面", 2)),
                    bili_msg({"cmd": "ONLINE_RANK_COUNT", "data": {"count": 1600, "online_count": 2001}}),
                    bili_msg(self.gift(u1, "超大号UID", "小花花", 31036, 10, 100, "gold")),
                ),
            )
        )
        e.follows.append(str(u4))
        e.viewer_counts.append(2001)
        part_b.append(
            (
                "binary",
                bili_msg(
                    {
                        "cmd": "SUPER_CHAT_MESSAGE",
                        "data": {
                            "id": 9876543,
                            "uid": u3,
                            "price": 30,
                            "message": "主播看看我！能便宜点吗",
                            "user_info": {"uname": "进场的观众"},
                            "time": 60,
                            "start_time": 1723979300,
                        },
                    }
                ),
            )
        )
        broken(part_b, b"\x00\x00")  # shorter than a header
        part_b.append(
            (
                "binary",
                brotli_batch(
                    bili_msg(self.danmu(u1, "超大号UID", "最后一条弹幕，下播了吗")),
                ),
            )
        )
        part_b.append(("sleep", 0.3))
        part_b.append(("binary", bili_msg({"cmd": "PREPARING", "roomid": str(self.ROOM)})))
        e.gifts = {"小花花": 15, "辣条": 3, "主播看看我！能便宜点吗": 1}
        # gold: 1000 = ¥1 -> total_coin / 10 fen; silver: 0; super chat 30 yuan
        e.gift_amount_fen = {"小花花": 150, "辣条": 0, "主播看看我！能便宜点吗": 3000}

    # the session ------------------------------------------------------------------------------

    async def handle(self, ws: ServerConnection, n: int) -> None:
        try:
            async with asyncio.timeout(5):
                first = await ws.recv()
        except TimeoutError:
            self.errors.append(f"connection {n}: no auth packet within 5 s")
            return
        if not self._check_auth(first, n):
            await ws.close(1008, "auth expected")
            return
        await ws.send(bili_packet(b'{"code":0}', op=OP_AUTH_REPLY, ver=1))
        reader = asyncio.create_task(self._read_heartbeats(ws, n))
        try:
            if n == 1:
                await self.play(ws, self.part_a)
                return
            if n == 2:
                await self.play(ws, self.part_b)
            try:
                async with asyncio.timeout(20):
                    await ws.wait_closed()
            except TimeoutError:
                self.events_log.append("client did not leave after PREPARING")
        finally:
            reader.cancel()

    def _check_auth(self, frame: str | bytes, n: int) -> bool:
        if not isinstance(frame, bytes):
            self.errors.append(f"connection {n}: first frame is text, not a binary auth packet")
            return False
        if len(frame) < 16:
            self.errors.append(f"connection {n}: first frame too short: {frame!r}")
            return False
        pack_len, header_len, ver, op, seq = HEADER.unpack_from(frame)
        body = frame[header_len:pack_len]
        try:
            auth = json.loads(body)
        except ValueError:
            self.errors.append(f"connection {n}: auth body not JSON: {body!r}")
            return False
        self.auths.append(
            {
                "op": op,
                "ver": ver,
                "seq": seq,
                "header_len": header_len,
                "pack_len_ok": pack_len == len(frame),
                "body": auth,
            }
        )
        if op != OP_AUTH:
            self.errors.append(f"connection {n}: first packet op {op}, not 7")
            return False
        if ver != 1:
            self.errors.append(f"connection {n}: auth packet ver {ver}, not 1")
        if not isinstance(auth, dict) or auth.get("roomid") != self.ROOM:
            self.errors.append(f"connection {n}: auth roomid {auth!r} != {self.ROOM}")
            return False
        if auth.get("protover") != 3:
            self.errors.append(f"connection {n}: auth protover {auth.get('protover')!r}, not 3")
        return True

    async def _read_heartbeats(self, ws: ServerConnection, n: int) -> None:
        try:
            async for frame in ws:
                if not isinstance(frame, bytes) or len(frame) < 16:
                    self.errors.append(f"connection {n}: odd client frame {frame!r:.80}")
                    continue
                pack_len, header_len, _ver, op, _seq = HEADER.unpack_from(frame)
                body = frame[header_len:pack_len]
                if op == OP_HEARTBEAT:
                    self.heartbeats += 1
                    # op 3: u32 popularity, then the echo of the client's body *outside* pack_len
                    reply = bili_packet(struct.pack(">I", 123456), op=OP_HEARTBEAT_REPLY, ver=1)
                    await ws.send(reply + body)
                else:
                    self.errors.append(f"connection {n}: unexpected client op {op}")
        except ConnectionClosed:
            pass
