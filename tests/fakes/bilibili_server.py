"""A fake Bilibili live server: the ``/sub`` websocket and the HTTP API the web player calls first.

The websocket side checks that the first packet is an op-7 auth, answers op 8, replies to heartbeats
with op 3 (popularity + the echo the real server appends outside ``pack_len``), and plays a per-
connection plan: frames to send, then stay, close, or go silent. Message builders produce the JSON
shapes the real service sends (placeholder names and ids).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import struct
import threading
import urllib.parse
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import brotli
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

HEADER = struct.Struct(">IHHII")


# -- wire helpers (written from the protocol doc, independent of app.sources.bilibili) -----------------
def packet(op: int, body: bytes, ver: int = 0, seq: int = 0) -> bytes:
    return HEADER.pack(16 + len(body), 16, ver, op, seq) + body


def message(obj: dict[str, Any]) -> bytes:
    """One op-5 plain JSON packet."""
    return packet(5, json.dumps(obj, ensure_ascii=False).encode())


def batch(objs: list[dict[str, Any]] | list[bytes], ver: int = 2) -> bytes:
    """One op-5 packet whose zlib (ver 2) or brotli (ver 3) body holds several plain packets."""
    inner = b"".join(o if isinstance(o, bytes) else message(o) for o in objs)
    body = zlib.compress(inner) if ver == 2 else brotli.compress(inner)
    return packet(5, body, ver=ver)


def heartbeat_reply(popularity: int = 1, echo: bytes = b"[object Object]") -> bytes:
    """op 3: u32 popularity; the real server appends the client's heartbeat body outside pack_len."""
    return packet(3, popularity.to_bytes(4, "big"), ver=1) + echo


def auth_reply(code: int = 0) -> bytes:
    return packet(8, json.dumps({"code": code}).encode(), ver=1)


def parse_packets(frame: bytes) -> list[tuple[int, int, bytes]]:
    """(op, ver, body) of each top-level packet a client sent."""
    out, offset = [], 0
    while offset + 16 <= len(frame):
        pack_len, _, ver, op, _ = HEADER.unpack_from(frame, offset)
        out.append((op, ver, frame[offset + 16 : offset + pack_len]))
        offset += max(pack_len, 16)
    return out


def pb_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def pb_message(fields: list[tuple[int, int | str | bytes]]) -> bytes:
    """A protobuf message from (field number, value): ints as varints, str/bytes length-delimited."""
    out = bytearray()
    for number, value in fields:
        if isinstance(value, int):
            out += pb_varint(number << 3) + pb_varint(value)
        else:
            data = value.encode() if isinstance(value, str) else value
            out += pb_varint(number << 3 | 2) + pb_varint(len(data)) + data
    return bytes(out)


# -- message builders: the real shapes, trimmed --------------------------------------------------------
def danmu(
    text: str, uid: int, uname: str, ts_ms: int = 1723979200649, id_str: str = "", medal: bool = True
) -> dict:
    extra = json.dumps({"content": text, "id_str": id_str}, ensure_ascii=False) if id_str else "{}"
    meta: list[Any] = [0, 1, 25, 16777215, ts_ms, -1312973962, 0, "0bc8acd0", 0, 0, 0, "", 0, "{}", "{}"]
    meta.append({"extra": extra, "mode": 0, "show_player_type": 0})
    medal_info = [21, "宠粉团", "某主播", 21452505, 1725515, "", 0, 6809855, 1725515, 5414290, 0, 1, 98765432]
    return {
        "cmd": "DANMU_MSG:4:0:2:2:2:0",
        "info": [
            meta,
            text,
            [uid, uname, 0, 0, 0, 10000, 1, ""],
            medal_info if medal else [],
            [25, 0, 5805790, ">50000", 0],
            ["", ""],
            0,
            3,
            None,
            {"ts": ts_ms // 1000, "ct": "A1B2C3D4"},
            0,
            0,
            None,
            None,
            0,
            105,
            [0],
        ],
    }


def send_gift(uid: int, uname: str, name: str, num: int, price: int, coin_type: str = "gold") -> dict:
    return {
        "cmd": "SEND_GIFT",
        "data": {
            "action": "投喂",
            "coin_type": coin_type,
            "giftId": 31036,
            "giftName": name,
            "giftType": 0,
            "num": num,
            "price": price,
            "total_coin": price * num,
            "rnd": "1723979201123456789",
            "tid": f"1723979201120{uid % 1000:03d}{num}",
            "timestamp": 1723979201,
            "uid": uid,
            "uname": uname,
            "guard_level": 0,
            "medal_info": {
                "medal_level": 21,
                "medal_name": "宠粉团",
                "anchor_roomid": 21452505,
                "target_id": 1,
            },
        },
    }


def super_chat(uid: int, uname: str, message_text: str, price: int) -> dict:
    return {
        "cmd": "SUPER_CHAT_MESSAGE",
        "data": {
            "id": 10987654,
            "uid": uid,
            "price": price,
            "message": message_text,
            "message_trans": "",
            "start_time": 1723979300,
            "end_time": 1723979360,
            "time": 60,
            "gift": {"gift_id": 12000, "gift_name": "醒目留言", "num": 1},
            "user_info": {"uname": uname, "face": "", "guard_level": 0, "user_level": 20},
        },
    }


def guard_buy(uid: int, uname: str, level: int = 3, num: int = 1, price: int = 198000) -> dict:
    return {
        "cmd": "GUARD_BUY",
        "data": {
            "uid": uid,
            "username": uname,
            "guard_level": level,
            "num": num,
            "price": price,
            "gift_id": 10003,
            "gift_name": "舰长",
            "start_time": 1723979400,
            "end_time": 1723979400,
        },
    }


def user_toast_v2(
    uid: int, uname: str, level: int = 3, num: int = 1, price: int = 198000, source: int = 0
) -> dict:
    return {
        "cmd": "USER_TOAST_MSG_V2",
        "data": {
            "sender_uinfo": {"uid": uid, "base": {"name": uname, "face": ""}},
            "guard_info": {"guard_level": level, "start_time": 1723979400, "end_time": 1723979400},
            "pay_info": {"num": num, "price": price, "unit": "月"},
            "gift_info": {"gift_id": 10003},
            "option": {"source": source},
            "toast_msg": f"<%{uname}%> 开通了舰长",
        },
    }


def interact_word(uid: int, uname: str, msg_type: int) -> dict:
    return {
        "cmd": "INTERACT_WORD",
        "data": {
            "uid": uid,
            "uname": uname,
            "msg_type": msg_type,
            "roomid": 21452505,
            "timestamp": 1723979500,
        },
    }


def interact_word_v2(uid: int, uname: str, msg_type: int) -> dict:
    pb = pb_message([(1, uid), (2, uname), (3, "#00D1F1"), (5, msg_type), (6, 21452505), (7, 1723979500)])
    return {"cmd": "INTERACT_WORD_V2", "data": {"dmscore": 12, "pb": base64.b64encode(pb).decode()}}


def like_click(uid: int, uname: str) -> dict:
    return {"cmd": "LIKE_INFO_V3_CLICK", "data": {"uid": uid, "uname": uname, "like_text": "为主播点赞了"}}


def like_update(total: int) -> dict:
    return {"cmd": "LIKE_INFO_V3_UPDATE", "data": {"click_count": total}}


def online_rank_count(online: int, count: int | None = None) -> dict:
    return {
        "cmd": "ONLINE_RANK_COUNT",
        "data": {"count": count if count is not None else online, "online_count": online},
    }


def watched_change(num: int) -> dict:
    return {
        "cmd": "WATCHED_CHANGE",
        "data": {"num": num, "text_small": str(num), "text_large": f"{num}人看过"},
    }


def goto_buy_flow(text: str = "观***正在去买") -> dict:
    return {"cmd": "GOTO_BUY_FLOW", "data": {"text": text}}


def hot_buy_num(goods_id: int, num: int) -> dict:
    return {"cmd": "HOT_BUY_NUM", "data": {"goods_id": goods_id, "num": num}}


def live() -> dict:
    return {"cmd": "LIVE", "live_key": "500000000000000001", "live_time": 1723979000, "roomid": 21452505}


def preparing() -> dict:
    return {"cmd": "PREPARING", "roomid": "21452505"}


# -- the websocket server --------------------------------------------------------------------------
@dataclass
class Plan:
    """What one connection does after a successful auth: send ``frames``, then ``then``
    ("stay": keep answering heartbeats, "close": drop the connection, "silent": stop answering)."""

    frames: list[bytes] = field(default_factory=list)
    then: str = "stay"


class FakeBilibiliServer:
    """``async with FakeBilibiliServer(...) as server: server.url``.

    Attributes:
        auths: the auth body (decoded JSON) each connection sent first.
        first_ops: the op of each connection's first packet (must be 7).
        heartbeats: heartbeat packets received, over all connections.
        connections: connections accepted.
    """

    def __init__(
        self,
        plans: list[Plan] | None = None,
        *,
        accept_token: Callable[[str], bool] = lambda token: True,
        reject_code: int = -101,
        host: str = "127.0.0.1",
    ) -> None:
        self.plans = plans or []
        self.accept_token = accept_token
        self.reject_code = reject_code
        self.host = host
        self.auths: list[dict[str, Any]] = []
        self.first_ops: list[int] = []
        self.heartbeats = 0
        self.connections = 0
        self.hosts: list[str] = []  # the Host header of each connection (shows server rotation)
        self.heartbeat_seen = asyncio.Event()
        self._server: Server | None = None
        self._live: set[ServerConnection] = set()

    @property
    def port(self) -> int:
        assert self._server is not None
        port: int = next(iter(self._server.sockets)).getsockname()[1]
        return port

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}/sub"

    async def __aenter__(self) -> FakeBilibiliServer:
        self._server = await serve(self._handler, self.host, 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def push(self, frame: bytes) -> None:
        """Send a frame to every live connection."""
        for ws in list(self._live):
            with contextlib.suppress(ConnectionClosed):
                await ws.send(frame)

    async def _handler(self, ws: ServerConnection) -> None:
        index = self.connections
        self.connections += 1
        self.hosts.append(ws.request.headers.get("Host", "") if ws.request else "")
        try:
            first = await asyncio.wait_for(ws.recv(), 5)
        except (TimeoutError, ConnectionClosed):
            return
        packets = parse_packets(first) if isinstance(first, bytes) else []
        self.first_ops.append(packets[0][0] if packets else -1)
        if not packets or packets[0][0] != 7:
            await ws.close(1008, "auth first")
            return
        auth = json.loads(packets[0][2])
        self.auths.append(auth)
        if not self.accept_token(str(auth.get("key", ""))):
            await ws.send(auth_reply(self.reject_code))
            await ws.close()
            return
        await ws.send(auth_reply(0))
        plan = self.plans[index] if index < len(self.plans) else Plan()
        for frame in plan.frames:
            await ws.send(frame)
        if plan.then == "close":
            await ws.close()
            return
        self._live.add(ws)
        try:
            async for frame in ws:
                if isinstance(frame, bytes) and any(op == 2 for op, _, _ in parse_packets(frame)):
                    self.heartbeats += 1
                    self.heartbeat_seen.set()
                    if plan.then != "silent":
                        await ws.send(heartbeat_reply(1, b"{}"))
        except ConnectionClosed:
            pass
        finally:
            self._live.discard(ws)


# -- the HTTP API ------------------------------------------------------------------------------------
#: bilibili-API-collect's published example keys and the mixin key they give.
IMG_KEY = "7cd084941338484aae1ad9425b84077c"
SUB_KEY = "4932caff0ff746eab6f01bf08b70ac45"
MIXIN_KEY = "ea1db124af3c7062474693fa704f4ff8"


class FakeBilibiliApi:
    """The HTTP endpoints bootstrap calls, with the real JSON shapes, in a thread.

    getDanmuInfo checks the WBI signature with the published mixin key and answers −352 (risk
    control) when it is wrong, like the real service. Tokens are ``token-1``, ``token-2``, ... in
    the order they are handed out.
    """

    def __init__(
        self, ws_port: int, *, short_id: int = 6, room_id: int = 21452505, logged_in: bool = False
    ) -> None:
        self.ws_port = ws_port
        self.short_id = short_id
        self.room_id = room_id
        self.logged_in = logged_in
        self.requests: list[tuple[str, dict[str, str], dict[str, str]]] = []  # path, query, headers
        self.tokens_issued = 0
        self.bad_signatures = 0
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
                api.requests.append((url.path, query, dict(self.headers)))
                body = json.dumps(api.answer(url.path, query)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="fake-bilibili-api", daemon=True
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> FakeBilibiliApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def answer(self, path: str, query: dict[str, str]) -> dict[str, Any]:
        if path == "/room/v1/Room/get_info":
            if query.get("room_id") not in (str(self.short_id), str(self.room_id)):
                return {"code": 1, "msg": "未找到该房间", "message": "未找到该房间", "data": []}
            return {
                "code": 0,
                "msg": "ok",
                "message": "ok",
                "data": {
                    "uid": 98765432,
                    "room_id": self.room_id,
                    "short_id": self.short_id,
                    "live_status": 1,
                },
            }
        if path == "/x/frontend/finger/spi":
            return {"code": 0, "message": "ok", "data": {"b_3": "BUVID3-PLACEHOLDER-infoc", "b_4": "B4"}}
        if path == "/x/web-interface/nav":
            wbi = {
                "img_url": f"https://i0.hdslb.com/bfs/wbi/{IMG_KEY}.png",
                "sub_url": f"https://i0.hdslb.com/bfs/wbi/{SUB_KEY}.png",
            }
            if self.logged_in:
                return {
                    "code": 0,
                    "message": "0",
                    "data": {"isLogin": True, "mid": 3546569288714792, "wbi_img": wbi},
                }
            return {"code": -101, "message": "账号未登录", "data": {"isLogin": False, "wbi_img": wbi}}
        if path == "/xlive/web-room/v1/index/getDanmuInfo":
            if not self._signature_ok(query):
                self.bad_signatures += 1
                return {"code": -352, "message": "-352", "data": {}}
            self.tokens_issued += 1
            return {
                "code": 0,
                "message": "0",
                "data": {
                    "group": "live",
                    "business_id": 0,
                    "refresh_row_factor": 0.125,
                    "refresh_rate": 100,
                    "max_delay": 5000,
                    "token": f"token-{self.tokens_issued}",
                    "host_list": [
                        {"host": "127.0.0.1", "port": 2243, "wss_port": 443, "ws_port": self.ws_port},
                        {"host": "localhost", "port": 2243, "wss_port": 443, "ws_port": self.ws_port},
                    ],
                },
            }
        return {"code": -404, "message": "啥都木有", "data": None}

    @staticmethod
    def _signature_ok(query: dict[str, str]) -> bool:
        params = {k: v for k, v in query.items() if k != "w_rid"}
        if "wts" not in params or "w_rid" not in query:
            return False
        text = urllib.parse.urlencode(sorted(params.items()))
        return hashlib.md5((text + MIXIN_KEY).encode()).hexdigest() == query["w_rid"]
