"""The generic JSON protocol (docs/protocol.md, version 1): a scripted show and a short show for one
field-validation rule."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from websockets.asyncio.server import ServerConnection

from tests.acceptance.servers.base import BIG, Expected, ScriptedServer, Step, to_json


class GenericShow(ScriptedServer):
    """The generic show; its events are timed from ``T0``, the time the show is built (a room sends
    current times: LiveDeck refuses one more than a day before its session started)."""

    ROOM = "shop-7788"

    def __init__(self) -> None:
        super().__init__()
        self.T0 = time.time()
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
        hello = to_json(
            {"type": "hello", "protocol": "livedeck-generic", "v": 1, "room_id": self.ROOM, "title": "春季上新专场"}
        )
        self.hello = hello

        def valid(part: list[Step], obj: Any) -> None:
            frame = to_json(obj)
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
        self._broken_text(part_a, to_json({"type": 5, "kind": "comment"}))  # type not a string
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
            self._ev("comment", user_id="5", user_name="坏ts", text="ts是字符串", ts=str(int(self.T0))),
            self._ev("comment", user_id="6", user_name="布尔ts", text="ts是布尔", ts=True),
            self._ev("comment", user_id=True, user_name="布尔id", text="用户id是布尔"),
            self._comment("8546149023511239011", "追光的鱼", "这个颜色好看"),
        ]
        batch[3]["kind"] = "teleport"  # unknown kind
        e.forbidden_texts += ["缺type的弹幕", "未知kind", "extra不是对象", "ts是字符串", "ts是布尔", "用户id是布尔"]
        e.broken_frames += 10
        valid(part_a, batch)
        # unknown top-level type: skipped, not fatal
        part_a.append(("text", to_json({"type": "weather", "sky": "晴"})))
        part_a.append(("text", to_json({"type": "ping", "ts": self.T0 + 3})))
        # binary frames: not UTF-8 (broken) / UTF-8 JSON (tolerated, docs/protocol.md §1)
        part_a.append(("binary", b"\xff\xfe\x00\x80garbage\xc3("))
        e.broken_frames += 1
        bin_comment = self._comment("5500000000000000001", "二进制用户", "二进制帧里的弹幕")
        part_a.append(("binary", to_json(bin_comment).encode("utf-8")))
        self._valid_a.append(to_json(bin_comment))
        # optional fields missing: ts (arrival time is used), then a comment with no ts at all
        no_ts = self._comment("6600000000000000002", "没有时间戳", "没带ts也要记下")
        del no_ts["ts"]
        valid(part_a, no_ts)
        # an event without kind (required)
        bad = self._ev("comment", user_id="9", user_name="无kind", text="没有kind字段")
        del bad["kind"]
        self._broken_text(part_a, to_json(bad))
        e.forbidden_texts.append("没有kind字段")
        # absurdly deep JSON (a recursion bomb for naive parsers)
        self._broken_text(
            part_a, '{"type": "event", "kind": "comment", "extra": ' + "[" * 100_000 + "]" * 100_000 + "}"
        )
        # a user id as a float: lossy, a mistyped id
        self._broken_text(
            part_a, to_json(self._ev("comment", user_id=1.2345678901234567e18, user_name="浮点id", text="浮点用户id"))
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
        part_b.append(("text", to_json(self._ev("live_end", text="直播已结束"))))
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
        self.T0 = time.time()

    async def handle(self, ws: ServerConnection, n: int) -> None:
        await ws.send(to_json({"type": "hello", "protocol": "livedeck-generic", "v": 1, "room_id": "edge"}))
        base = {
            "type": "event",
            "kind": "comment",
            "ts": self.T0 + 0.5,
            "user_id": "1234567890123456789",
            "user_name": "爱吃橘子的猫",
        }
        await ws.send(to_json(base | {"msg_id": "edge-before", "text": "之前"}))
        for item in self.items:
            await ws.send(to_json(item))
        await ws.send(to_json(base | {"msg_id": "edge-after", "text": "之后"}))
        await asyncio.sleep(0.2)
        await ws.send(to_json({"type": "event", "kind": "live_end", "ts": self.T0 + 9, "msg_id": "edge-end"}))
        await self.linger(ws)
