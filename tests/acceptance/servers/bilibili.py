"""The Bilibili /sub binary protocol (docs/protocols/bilibili.md): packets, compressed batches and a
scripted show that checks the client's auth packet and heartbeats."""

from __future__ import annotations

import asyncio
import base64
import json
import struct
import time
import zlib
from typing import Any

import brotli
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from tests.acceptance.servers.base import BIG, Expected, ScriptedServer, Step, to_json

HEADER = struct.Struct(">IHHII")
OP_HEARTBEAT, OP_HEARTBEAT_REPLY, OP_MESSAGE, OP_AUTH, OP_AUTH_REPLY = 2, 3, 5, 7, 8


def bili_packet(
    body: bytes, *, op: int = OP_MESSAGE, ver: int = 0, seq: int = 1, header_len: int = 16, pack_len: int | None = None
) -> bytes:
    if pack_len is None:
        pack_len = 16 + len(body)
    return HEADER.pack(pack_len, header_len, ver, op, seq) + body


def bili_msg(obj: Any) -> bytes:
    return bili_packet(to_json(obj).encode("utf-8"))


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

    def __init__(self) -> None:
        super().__init__()
        self.T0_MS = int(time.time() * 1000)  # a room sends current times
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
            extra = to_json({"content": text, "id_str": f"364b06e3c561af3d5921f1253d66c1d5{self._n:04d}"})
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
        broken(part_a, to_json(self.danmu(1, "文本帧", "文本帧里的弹幕", expect=False)), "文本帧里的弹幕")
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
        odd_body = to_json(self.danmu(3, "头长错误", "头长不是16", expect=False)).encode()
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
        bomb_body = (to_json(self.danmu(6, "炸弹", "解压炸弹", expect=False))[:-1] + " " * (9 << 20) + "}").encode()
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
                            "start_time": self.T0_MS // 1000 + 100,
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
