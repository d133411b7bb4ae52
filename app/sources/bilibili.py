"""Bilibili live comments: the web ``/sub`` websocket (see docs/sources.md and protocols/bilibili.md).

Layers, each usable alone:

* packets — :func:`encode_packet`, :func:`iter_packets`: the 16-byte ``>IHHII`` framing, zlib (ver 2)
  and brotli (ver 3) batches, the op-3 quirk;
* messages — :func:`decode_frame`: one binary frame → :class:`Decoded` (events, malformed items with a
  reason, unknown command names, the auth reply). Pure apart from a small :class:`RoomState` that
  carries what one message needs from earlier ones (the last online count, guard-purchase dedupe);
* the client — :class:`BilibiliSource`: auth, heartbeats, and (bootstrap mode) the HTTP calls that
  find the real room id, a WBI-signed token and the server list.

A malformed packet or message is reported and skipped; the packets around it are kept. Nothing but
:class:`~app.sources.base.FrameError` escapes :func:`decode_frame`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
import logging
import struct
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from websockets.asyncio.client import ClientConnection

from app.core.events import Kind, LiveEvent
from app.core.i18n import tr
from app.sources.base import EventSink, FrameError, SourceRefusedError, WebSocketSource

try:  # brotli is a declared dependency; without it we ask the server for zlib batches instead.
    import brotli  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - exercised only on incomplete installs
    brotli = None

log = logging.getLogger("livedeck.sources.bilibili")

# -- packets ----------------------------------------------------------------------------------------
HEADER = struct.Struct(">IHHII")
HEADER_LEN = 16
OP_HEARTBEAT = 2
OP_HEARTBEAT_REPLY = 3
OP_MESSAGE = 5
OP_AUTH = 7
OP_AUTH_REPLY = 8
VER_PLAIN = 0
VER_CONTROL = 1
VER_ZLIB = 2
VER_BROTLI = 3
PROTOVER = 3 if brotli is not None else 2
#: A compressed batch never legitimately inflates past this; a bigger one is a bomb or garbage.
MAX_INFLATED = 8 * 1024 * 1024
MAX_TEXT = 2000


class Packet(NamedTuple):
    op: int
    ver: int
    seq: int
    body: bytes


class BadPacket(NamedTuple):
    """A packet (or the rest of a frame) that broke the framing; ``raw`` is for a log excerpt."""

    reason: str
    raw: bytes


def encode_packet(op: int, body: bytes, ver: int = VER_CONTROL, seq: int = 1) -> bytes:
    """One packet: the 16-byte big-endian header followed by ``body``."""
    return HEADER.pack(HEADER_LEN + len(body), HEADER_LEN, ver, op, seq) + body


def iter_packets(frame: bytes, *, _nested: bool = False) -> Iterator[Packet | BadPacket]:
    """Walk one websocket frame by ``pack_len``, inflating ver 2/3 batches into their packets.

    Yields a :class:`BadPacket` for each part that breaks the framing and goes on where it can: a bad
    ``header_len`` or an undecompressable body costs that packet only; a ``pack_len`` that cannot be
    trusted costs the rest of the frame (there is no other way to find the next header).
    """
    offset, size = 0, len(frame)
    while offset < size:
        if size - offset < HEADER_LEN:
            yield BadPacket("truncated header", frame[offset:])
            return
        pack_len, header_len, ver, op, seq = HEADER.unpack_from(frame, offset)
        if pack_len < HEADER_LEN:
            yield BadPacket(f"pack_len {pack_len} < {HEADER_LEN}", frame[offset:])
            return
        end = offset + pack_len
        if end > size:
            yield BadPacket(f"pack_len {pack_len} beyond the frame", frame[offset:])
            return
        if header_len != HEADER_LEN:
            yield BadPacket(f"header_len {header_len}", frame[offset:end])
            offset = end
            continue
        body = frame[offset + HEADER_LEN : end]
        if op == OP_MESSAGE and ver in (VER_ZLIB, VER_BROTLI):
            if _nested:
                yield BadPacket("compressed packet inside a compressed batch", frame[offset:end])
            else:
                inflated = _inflate(ver, body)
                if isinstance(inflated, str):
                    yield BadPacket(inflated, frame[offset:end])
                else:
                    yield from iter_packets(inflated, _nested=True)
        else:
            yield Packet(op, ver, seq, body)
        offset = end
        if op == OP_HEARTBEAT_REPLY:
            # The server echoes our heartbeat body after the popularity, outside pack_len.
            return


def _inflate(ver: int, body: bytes) -> bytes | str:
    """The decompressed batch, or the reason it could not be decompressed."""
    if ver == VER_ZLIB:
        inflater = zlib.decompressobj()
        try:
            data = inflater.decompress(body, MAX_INFLATED)
        except zlib.error:
            return "corrupt zlib body"
        if inflater.unconsumed_tail:
            return "zlib body inflates too far"
        if not inflater.eof:
            return "truncated zlib body"
        return data
    if brotli is None:  # pragma: no cover
        return "brotli body but the brotli module is not installed"
    decompressor = brotli.Decompressor()
    try:
        data = decompressor.process(body, output_buffer_limit=MAX_INFLATED)
    except TypeError:  # pragma: no cover - brotli < 1.2 has no output limit
        data = decompressor.process(body)
    except brotli.error:
        return "corrupt brotli body"
    if not decompressor.is_finished():
        return "truncated brotli body" if len(data) < MAX_INFLATED else "brotli body inflates too far"
    return data


# -- messages ---------------------------------------------------------------------------------------
@dataclass(slots=True)
class RoomState:
    """What decoding one message needs from earlier ones."""

    #: The last online count ONLINE_RANK_COUNT reported (WATCHED_CHANGE carries only the cumulative).
    online: int | None = None
    #: Recent guard purchases: GUARD_BUY and USER_TOAST_MSG_V2 announce the same purchase.
    guards: OrderedDict[tuple[str, int, int], float] = field(default_factory=OrderedDict)


#: GUARD_BUY and USER_TOAST_MSG_V2 for one purchase arrive within a second or two of each other.
GUARD_DEDUPE_WINDOW = 30.0


@dataclass(slots=True)
class Decoded:
    """Everything one frame held."""

    events: list[LiveEvent] = field(default_factory=list)
    malformed: list[tuple[str, object]] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    #: ``code`` of an op-8 auth reply in this frame (``None``: none; a non-int code is reported as -1).
    auth_code: int | None = None
    #: The (deprecated) popularity number of an op-3 heartbeat reply.
    popularity: int | None = None


def decode_frame(frame: bytes | str, state: RoomState | None = None, now: float | None = None) -> Decoded:
    """Decode one websocket frame. Raises :class:`FrameError` only when the frame as a whole is unusable."""
    if isinstance(frame, str):
        raise FrameError("text frame where binary packets belong")
    if not isinstance(frame, bytes | bytearray | memoryview):
        raise FrameError(f"frame of type {type(frame).__name__}")
    frame = bytes(frame)
    if not frame:
        raise FrameError("empty frame")
    state = state if state is not None else RoomState()
    now = time.time() if now is None else now
    out = Decoded()
    for packet in iter_packets(frame):
        if isinstance(packet, BadPacket):
            out.malformed.append((packet.reason, packet.raw))
        elif packet.op == OP_MESSAGE:
            _decode_message(packet.body, state, now, out)
        elif packet.op == OP_HEARTBEAT_REPLY:
            if len(packet.body) < 4:
                out.malformed.append(("heartbeat reply shorter than 4 bytes", packet.body))
            else:
                out.popularity = int.from_bytes(packet.body[:4], "big")
        elif packet.op == OP_AUTH_REPLY:
            try:
                reply = _loads(packet.body)
            except FrameError as exc:
                out.malformed.append((f"auth reply: {exc}", packet.body))
                out.auth_code = -1
                continue
            code = reply.get("code") if isinstance(reply, dict) else None
            out.auth_code = code if isinstance(code, int) and not isinstance(code, bool) else -1
        else:
            out.unknown.append(f"op {packet.op}")
    return out


def _loads(body: bytes) -> Any:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise FrameError("body is not UTF-8") from None
    try:
        return json.loads(text)  # Python's json keeps integers exact: uids beyond 2**53 survive
    except (ValueError, RecursionError):
        raise FrameError("body is not JSON") from None


def _decode_message(body: bytes, state: RoomState, now: float, out: Decoded) -> None:
    try:
        obj = _loads(body)
        if not isinstance(obj, dict):
            raise FrameError("message is not an object")
        cmd = obj.get("cmd")
        if not isinstance(cmd, str) or not cmd:
            raise FrameError("message has no cmd")
        cmd = cmd.split(":", 1)[0]
        handler = _HANDLERS.get(cmd)
        if handler is None:
            out.unknown.append(cmd)
            return
        events = handler(obj, state, now)
    except FrameError as exc:
        out.malformed.append((str(exc), body))
        return
    if events is None:
        out.unknown.append(cmd)
    else:
        out.events.extend(events)


# Field access that says what was wrong instead of raising KeyError/TypeError.
def _obj(parent: Any, key: str) -> dict[str, Any]:
    value = parent.get(key) if isinstance(parent, dict) else None
    if not isinstance(value, dict):
        raise FrameError(f"{key} is not an object")
    return value


def _field(parent: Any, key: str | int, default: Any) -> Any:
    """``parent[key]`` of a JSON object (by name) or array (by index), else ``default``."""
    if isinstance(parent, dict):
        return parent.get(key, default)
    if isinstance(parent, list) and isinstance(key, int):
        return parent[key] if -len(parent) <= key < len(parent) else default
    return default


def _int(parent: Any, key: str | int, default: int | None = None) -> int:
    value = _field(parent, key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise FrameError(f"{key} is not an integer")
    return value


def _str(parent: Any, key: str | int, default: str | None = None) -> str:
    value = _field(parent, key, default)
    if not isinstance(value, str):
        raise FrameError(f"{key} is not a string")
    return value[:MAX_TEXT]


def _count(value: int, name: str) -> int:
    if value < 0:
        raise FrameError(f"{name} is negative")
    return value


def _uid(value: int) -> str:
    """A uid as text: exact for any size; 0 (masked/anonymous viewers) is no id at all."""
    if value < 0:
        raise FrameError("negative uid")
    return str(value) if value else ""


def _ts(seconds: object, now: float, *, scale: int = 1) -> float:
    """A platform timestamp (``scale`` units per second). 0, absurd values and non-numbers mean
    "not given": the event happened when it arrived, not in 1970."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        return now
    if not 1e9 * scale < seconds < 1e10 * scale:  # also keeps huge ints away from float division
        return now
    return seconds / scale


Handler = Callable[[dict[str, Any], RoomState, float], "list[LiveEvent] | None"]


def _danmu(obj: dict[str, Any], state: RoomState, now: float) -> list[LiveEvent]:
    info = obj.get("info")
    if not isinstance(info, list) or len(info) < 3:
        raise FrameError("info is not a list of 3+")
    meta, user = info[0], info[2]
    if not isinstance(meta, list) or len(meta) < 5:
        raise FrameError("info[0] is not a list of 5+")
    if not isinstance(user, list) or len(user) < 2:
        raise FrameError("info[2] is not a list of 2+")
    sent_ms = meta[4]  # a timestamp is cosmetic: a broken one means "now", not a lost comment
    text = _str(info, 1)
    uid = _uid(_int(user, 0))
    uname = _str(user, 1)
    extra: dict[str, Any] = {}
    msg_id = ""
    mode_info = meta[15] if len(meta) > 15 else None
    if isinstance(mode_info, dict) and isinstance(mode_info.get("extra"), str):
        try:
            mode_extra = json.loads(mode_info["extra"])
        except (ValueError, RecursionError):
            mode_extra = None  # a cosmetic field: the comment itself is still good
        if isinstance(mode_extra, dict) and isinstance(mode_extra.get("id_str"), str):
            msg_id = mode_extra["id_str"][:200]
    medal = info[3] if len(info) > 3 else None
    if isinstance(medal, list) and len(medal) >= 2 and isinstance(medal[1], str) and medal[1]:
        level = medal[0] if isinstance(medal[0], int) and not isinstance(medal[0], bool) else 0
        extra["medal"] = {"level": level, "name": medal[1][:50]}
    guard = info[7] if len(info) > 7 else None
    if isinstance(guard, int) and not isinstance(guard, bool) and guard > 0:
        extra["guard_level"] = guard
    return [
        LiveEvent(
            kind=Kind.COMMENT,
            ts=_ts(sent_ms, now, scale=1000),
            user_id=uid,
            user_name=uname,
            text=text,
            msg_id=msg_id,
            extra=extra or None,
        )
    ]


def _send_gift(obj: dict[str, Any], state: RoomState, now: float) -> list[LiveEvent]:
    data = _obj(obj, "data")
    num = _count(_int(data, "num"), "num")
    coin_type = _str(data, "coin_type")
    total_coin = _count(_int(data, "total_coin"), "total_coin")
    tid = data.get("tid")
    extra: dict[str, Any] = {"gift_id": _int(data, "giftId", 0), "coin_type": coin_type}
    blind = data.get("blind_gift")
    if isinstance(blind, dict) and isinstance(blind.get("original_gift_name"), str):
        extra["blind_gift"] = blind["original_gift_name"][:50]
    return [
        LiveEvent(
            kind=Kind.GIFT,
            ts=_ts(data.get("timestamp"), now),
            user_id=_uid(_int(data, "uid")),
            user_name=_str(data, "uname"),
            text=_str(data, "giftName"),
            count=num,
            # 1000 gold = ¥1 = 100 fen; silver is free.
            amount_fen=total_coin // 10 if coin_type == "gold" else 0,
            msg_id=tid[:200] if isinstance(tid, str) else "",
            extra=extra,
        )
    ]


def _super_chat(obj: dict[str, Any], state: RoomState, now: float) -> list[LiveEvent]:
    data = _obj(obj, "data")
    price = _count(_int(data, "price"), "price")
    sc_id = data.get("id")
    return [
        LiveEvent(
            kind=Kind.GIFT,
            ts=_ts(data.get("start_time"), now),
            user_id=_uid(_int(data, "uid")),
            user_name=_str(_obj(data, "user_info"), "uname"),
            text=_str(data, "message"),
            count=1,
            amount_fen=price * 100,  # yuan
            msg_id=f"sc-{sc_id}" if isinstance(sc_id, int | str) and not isinstance(sc_id, bool) else "",
            extra={"gift": "醒目留言", "super_chat": True},
        )
    ]


def _guard_event(
    state: RoomState, now: float, *, uid: int, uname: str, level: int, num: int, price: int, name: str
) -> list[LiveEvent]:
    key = (_uid(uid), level, num)
    # Forget purchases older than the window, then drop this one if it was already announced.
    while state.guards and next(iter(state.guards.values())) < now - GUARD_DEDUPE_WINDOW:
        state.guards.popitem(last=False)
    if key in state.guards:
        return []
    state.guards[key] = now
    return [
        LiveEvent(
            kind=Kind.GIFT,
            ts=now,
            user_id=key[0],
            user_name=uname,
            text=name,
            count=num,
            amount_fen=price * num // 10,  # price: gold per unit, 1000 gold = ¥1
            extra={"guard_level": level},
        )
    ]


_GUARD_NAMES = {1: "总督", 2: "提督", 3: "舰长"}


def _guard_buy(obj: dict[str, Any], state: RoomState, now: float) -> list[LiveEvent]:
    data = _obj(obj, "data")
    level = _int(data, "guard_level")
    return _guard_event(
        state,
        now,
        uid=_int(data, "uid"),
        uname=_str(data, "username"),
        level=level,
        num=_count(_int(data, "num"), "num"),
        price=_count(_int(data, "price"), "price"),
        name=_str(data, "gift_name", _GUARD_NAMES.get(level, "大航海")),
    )


def _user_toast_v2(obj: dict[str, Any], state: RoomState, now: float) -> list[LiveEvent]:
    data = _obj(obj, "data")
    sender = _obj(data, "sender_uinfo")
    guard = _obj(data, "guard_info")
    pay = _obj(data, "pay_info")
    option = data.get("option")
    # source 0 is the purchase; the platform follows it with a source 2 copy of the same purchase.
    if isinstance(option, dict) and option.get("source", 0) != 0:
        return []
    level = _int(guard, "guard_level")
    return _guard_event(
        state,
        now,
        uid=_int(sender, "uid"),
        uname=_str(_obj(sender, "base"), "name"),
        level=level,
        num=_count(_int(pay, "num"), "num"),
        price=_count(_int(pay, "price"), "price"),
        name=_GUARD_NAMES.get(level, "大航海"),
    )


_INTERACT_KINDS = {1: Kind.ENTER, 2: Kind.FOLLOW, 3: Kind.SHARE, 4: Kind.FOLLOW, 5: Kind.FOLLOW}


def _interact(uid: int, uname: str, msg_type: int, ts: object, now: float) -> list[LiveEvent] | None:
    kind = _INTERACT_KINDS.get(msg_type)
    if kind is None:  # 6 = like, already counted by LIKE_INFO_V3_CLICK; others are new to us
        return None
    extra = {"msg_type": msg_type} if msg_type in (4, 5) else None
    return [LiveEvent(kind=kind, ts=_ts(ts, now), user_id=_uid(uid), user_name=uname, extra=extra)]


def _interact_word(obj: dict[str, Any], state: RoomState, now: float) -> list[LiveEvent] | None:
    data = _obj(obj, "data")
    return _interact(
        _int(data, "uid"), _str(data, "uname"), _int(data, "msg_type"), data.get("timestamp"), now
    )


def _interact_word_v2(obj: dict[str, Any], state: RoomState, now: float) -> list[LiveEvent] | None:
    data = _obj(obj, "data")
    pb = data.get("pb")
    if not isinstance(pb, str):
        raise FrameError("data.pb is not a string")
    try:
        raw = base64.b64decode(pb, validate=True)
    except (binascii.Error, ValueError):
        raise FrameError("data.pb is not base64") from None
    fields = read_protobuf(raw)
    # InteractWordV2: uid = 1, uname = 2, msg_type = 5, timestamp = 7 (blivedm / bilibili-API-collect).
    uid = _pb_int(fields, 1)
    uname = _pb_str(fields, 2)
    return _interact(uid, uname, _pb_int(fields, 5), _pb_int(fields, 7), now)


def _like_click(obj: dict[str, Any], state: RoomState, now: float) -> list[LiveEvent]:
    data = _obj(obj, "data")
    return [
        LiveEvent(
            kind=Kind.LIKE,
            ts=now,
            user_id=_uid(_int(data, "uid")),
            user_name=_str(data, "uname"),
            text=_str(data, "like_text", ""),
            count=1,
        )
    ]


def _like_update(obj: dict[str, Any], state: RoomState, now: float) -> list[LiveEvent]:
    # The room's running total: a like event that adds nothing (count 0) and carries the total.
    total = _count(_int(_obj(obj, "data"), "click_count"), "click_count")
    return [LiveEvent(kind=Kind.LIKE, ts=now, count=0, extra={"total_likes": total})]


def _online_rank_count(obj: dict[str, Any], state: RoomState, now: float) -> list[LiveEvent]:
    data = _obj(obj, "data")
    online = data.get("online_count")
    if online is None:
        online = data.get("count")
    if isinstance(online, bool) or not isinstance(online, int) or online < 0:
        raise FrameError("online_count is not a count")
    state.online = online
    return [LiveEvent(kind=Kind.VIEWER_STATS, ts=now, count=online)]


def _watched_change(obj: dict[str, Any], state: RoomState, now: float) -> list[LiveEvent]:
    data = _obj(obj, "data")
    total = _count(_int(data, "num"), "num")
    extra: dict[str, Any] = {"total_viewers": total}
    if state.online is None:
        extra["online_unknown"] = True
    return [LiveEvent(kind=Kind.VIEWER_STATS, ts=now, count=state.online or 0, extra=extra)]


def _goto_buy(obj: dict[str, Any], state: RoomState, now: float) -> list[LiveEvent]:
    data = _obj(obj, "data")
    goods = data.get("goods_id")
    return [
        LiveEvent(
            kind=Kind.PRODUCT_CLICK,
            ts=now,
            text=_str(data, "text", ""),
            count=1,
            product_id=str(goods) if isinstance(goods, int | str) and not isinstance(goods, bool) else "",
            extra={"signal": "goto_buy"},
        )
    ]


def _hot_buy(obj: dict[str, Any], state: RoomState, now: float) -> list[LiveEvent]:
    data = _obj(obj, "data")
    goods = data.get("goods_id")
    if isinstance(goods, bool) or not isinstance(goods, int | str):
        raise FrameError("goods_id is missing")
    num = _count(_int(data, "num"), "num")
    # A running counter, not one click: count 0 so summing clicks stays right; the counter rides along.
    return [
        LiveEvent(
            kind=Kind.PRODUCT_CLICK,
            ts=now,
            count=0,
            product_id=str(goods)[:200],
            extra={"signal": "hot_buy", "goods_id": str(goods)[:200], "num": num},
        )
    ]


def _live(obj: dict[str, Any], state: RoomState, now: float) -> list[LiveEvent]:
    return [
        LiveEvent(kind=Kind.SYSTEM, ts=_ts(obj.get("live_time"), now), text="直播开始", extra={"cmd": "LIVE"})
    ]


def _preparing(obj: dict[str, Any], state: RoomState, now: float) -> list[LiveEvent]:
    return [LiveEvent(kind=Kind.LIVE_END, ts=now, extra={"cmd": "PREPARING"})]


def _login_notice(obj: dict[str, Any], state: RoomState, now: float) -> list[LiveEvent]:
    # Anonymous connections get masked names after a few minutes; the operator should know why.
    notice = _str(_obj(obj, "data"), "notice_msg", "")
    return [LiveEvent(kind=Kind.SYSTEM, ts=now, text=notice, extra={"cmd": "LOG_IN_NOTICE"})]


_HANDLERS: dict[str, Handler] = {
    "DANMU_MSG": _danmu,
    "SEND_GIFT": _send_gift,
    "SUPER_CHAT_MESSAGE": _super_chat,
    "GUARD_BUY": _guard_buy,
    "USER_TOAST_MSG_V2": _user_toast_v2,
    "INTERACT_WORD": _interact_word,
    "INTERACT_WORD_V2": _interact_word_v2,
    "LIKE_INFO_V3_CLICK": _like_click,
    "LIKE_INFO_V3_UPDATE": _like_update,
    "ONLINE_RANK_COUNT": _online_rank_count,
    "WATCHED_CHANGE": _watched_change,
    "GOTO_BUY_FLOW": _goto_buy,
    "HOT_BUY_NUM": _hot_buy,
    "LIVE": _live,
    "PREPARING": _preparing,
    "LOG_IN_NOTICE": _login_notice,
}
#: Commands the decoder maps to events (docs/sources.md lists them with their columns).
MAPPED_COMMANDS = frozenset(_HANDLERS)


# -- a tiny protobuf wire-format reader ---------------------------------------------------------------
def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise FrameError("protobuf: truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift >= 64:
            raise FrameError("protobuf: varint too long")


def read_protobuf(data: bytes) -> dict[int, list[int | bytes]]:
    """Field number → values of one protobuf message (varints as int, length-delimited as bytes)."""
    fields: dict[int, list[int | bytes]] = {}
    pos, size = 0, len(data)
    while pos < size:
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise FrameError("protobuf: field number 0")
        value: int | bytes
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 1 or wire == 5:
            width = 8 if wire == 1 else 4
            if pos + width > size:
                raise FrameError("protobuf: truncated fixed field")
            value = int.from_bytes(data[pos : pos + width], "little")
            pos += width
        elif wire == 2:
            length, pos = _varint(data, pos)
            if pos + length > size:
                raise FrameError("protobuf: length beyond the message")
            value = data[pos : pos + length]
            pos += length
        else:
            raise FrameError(f"protobuf: wire type {wire}")
        fields.setdefault(number, []).append(value)
    return fields


def _pb_int(fields: dict[int, list[int | bytes]], number: int) -> int:
    values = fields.get(number)
    if not values:
        return 0  # proto3 leaves zero values out
    value = values[-1]
    if not isinstance(value, int):
        raise FrameError(f"protobuf field {number} is not a varint")
    return value


def _pb_str(fields: dict[int, list[int | bytes]], number: int) -> str:
    values = fields.get(number)
    if not values:
        return ""
    value = values[-1]
    if not isinstance(value, bytes):
        raise FrameError(f"protobuf field {number} is not a string")
    try:
        return value.decode("utf-8")[:MAX_TEXT]
    except UnicodeDecodeError:
        raise FrameError(f"protobuf field {number} is not UTF-8") from None


# -- bootstrap over HTTP ------------------------------------------------------------------------------
API_BASE = "https://api.live.bilibili.com"
NAV_BASE = "https://api.bilibili.com"
USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
MIXIN_KEY_ENC_TAB = (
    46, 47, 18, 2, 53, 8, 23, 32, 15, 50, 10, 31, 58, 3, 45, 35, 27, 43, 5, 49,
    33, 9, 42, 19, 29, 28, 14, 39, 12, 38, 41, 13, 37, 48, 7, 16, 24, 55, 40, 61,
    26, 17, 0, 1, 60, 51, 30, 4, 22, 25, 54, 21, 56, 59, 6, 63, 57, 62, 11, 36,
    20, 34, 44, 52,
)  # fmt: skip

#: ``http(url, headers) -> body``: blocking, run in a thread. Tests may pass their own.
HttpGet = Callable[[str, dict[str, str]], bytes]


def mixin_key(img_key: str, sub_key: str) -> str:
    """The WBI mixin key: the standard permutation of ``img_key + sub_key``, first 32 characters."""
    raw = img_key + sub_key
    return "".join(raw[i] for i in MIXIN_KEY_ENC_TAB if i < len(raw))[:32]


def wbi_sign(params: dict[str, Any], key: str, wts: int | None = None) -> dict[str, str]:
    """``params`` plus ``wts`` and ``w_rid = md5(sorted urlencoded query + mixin key)``."""
    signed = {k: "".join(c for c in str(v) if c not in "!'()*") for k, v in params.items()}
    signed["wts"] = str(int(time.time()) if wts is None else wts)
    query = urllib.parse.urlencode(sorted(signed.items()))
    signed["w_rid"] = hashlib.md5((query + key).encode()).hexdigest()  # the protocol's hash, not security
    return signed


def _key_from_url(url: Any) -> str:
    if not isinstance(url, str) or "/" not in url:
        raise BootstrapError(tr("哔哩哔哩接口 {what} 的回复无法识别", what="nav"))
    return url.rsplit("/", 1)[1].split(".", 1)[0]


class BootstrapError(ConnectionError):
    """The HTTP bootstrap failed in a way worth retrying (network, an odd answer)."""


@dataclass(frozen=True, slots=True)
class BilibiliRoom:
    """What the websocket needs, as the HTTP API answered it. Holds a token: never log it."""

    room_id: int
    token: str
    urls: tuple[str, ...]
    uid: int = 0
    buvid: str = ""

    def __repr__(self) -> str:
        return f"BilibiliRoom(room_id={self.room_id}, urls={self.urls!r}, uid={self.uid}, token=…)"


def read_cookie_file(path: str | Path) -> dict[str, str]:
    """Cookies from a Netscape ``cookies.txt`` (browser export) or a raw ``"SESSDATA=…; buvid3=…"`` line."""
    text = Path(path).read_text(encoding="utf-8-sig")
    cookies: dict[str, str] = {}
    if "\t" in text:
        for line in text.splitlines():
            if line.startswith("#HttpOnly_"):
                line = line[len("#HttpOnly_") :]
            parts = line.split("\t")
            if line.startswith("#") or len(parts) != 7:
                continue
            domain, _, _, _, _, name, value = parts
            if "bilibili" in domain and name:
                cookies[name] = value.strip()
        return cookies
    for part in text.replace("\n", ";").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name:
            cookies[name.strip()] = value.strip()
    return cookies


def _urllib_get(url: str, headers: dict[str, str]) -> bytes:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        body: bytes = response.read(4 * 1024 * 1024)
        return body


async def bootstrap(
    room: str | int,
    *,
    cookie_file: str | Path | None = None,
    api_base: str = API_BASE,
    nav_base: str = NAV_BASE,
    http: HttpGet | None = None,
    secure: bool = True,
    room_id: int | None = None,
) -> BilibiliRoom:
    """Find the real room id, a fresh token and the server list, as the web player does.

    Args:
        room: the room number as people share it (short or long id, or a live.bilibili.com URL).
        cookie_file: optional browser cookies (``SESSDATA`` avoids masked names, ``buvid3`` avoids
            risk control). Values are sent to Bilibili only and never logged.
        api_base / nav_base: where the live API and the main-site API live (tests point them at a fake).
        http: a blocking ``(url, headers) -> bytes`` getter; default: urllib.
        secure: ``wss://host:wss_port`` (default) or ``ws://host:ws_port``.
        room_id: skip the room lookup when the real id is already known.

    Raises:
        SourceRefusedError: Bilibili refused (no such room, risk control −352, ...): retrying soon won't help.
        BootstrapError / OSError: the network or an unexpected answer; worth retrying.
    """
    get = http or _urllib_get
    cookies = await asyncio.to_thread(read_cookie_file, cookie_file) if cookie_file else {}
    headers = {"User-Agent": USER_AGENT, "Referer": "https://live.bilibili.com/"}

    async def call(
        base: str, path: str, params: dict[str, Any], what: str, *, ok: tuple[int, ...] = (0,)
    ) -> Any:
        url = f"{base.rstrip('/')}{path}?{urllib.parse.urlencode(params)}"
        sent = dict(headers)
        if cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        try:
            body = await asyncio.to_thread(get, url, sent)
        except urllib.error.HTTPError as exc:
            raise BootstrapError(
                tr("哔哩哔哩接口 {what} 返回 HTTP {status}", what=what, status=exc.code)
            ) from None
        try:
            reply = json.loads(body)
        except (ValueError, RecursionError):
            raise BootstrapError(tr("哔哩哔哩接口 {what} 的回复无法识别", what=what)) from None
        code = reply.get("code") if isinstance(reply, dict) else None
        if code not in ok:
            message = str(reply.get("message", ""))[:100] if isinstance(reply, dict) else ""
            if code == -352:
                raise SourceRefusedError(tr("哔哩哔哩风控拦截（-352）：请提供登录 Cookie 文件后重试"))
            raise SourceRefusedError(
                tr("哔哩哔哩接口 {what} 拒绝：{code} {message}", what=what, code=code, message=message)
            )
        data = reply.get("data")
        if not isinstance(data, dict):
            raise BootstrapError(tr("哔哩哔哩接口 {what} 的回复无法识别", what=what))
        return data

    real_id = room_id
    if real_id is None:
        short = str(room).strip().rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
        if not short.isdigit():
            raise SourceRefusedError(tr("哔哩哔哩房间号无效：{room}", room=str(room)[:40]))
        info = await call(api_base, "/room/v1/Room/get_info", {"room_id": short}, "get_info")
        real_id = info.get("room_id")
        if isinstance(real_id, bool) or not isinstance(real_id, int) or real_id <= 0:
            raise BootstrapError(tr("哔哩哔哩接口 {what} 的回复无法识别", what="get_info"))
    if not cookies.get("buvid3"):
        spi = await call(nav_base, "/x/frontend/finger/spi", {}, "spi")
        if isinstance(spi.get("b_3"), str):
            cookies["buvid3"] = spi["b_3"]
    # nav answers -101 (not logged in) to anonymous callers but still hands out the WBI keys.
    nav = await call(nav_base, "/x/web-interface/nav", {}, "nav", ok=(0, -101))
    wbi = nav.get("wbi_img")
    if not isinstance(wbi, dict):
        raise BootstrapError(tr("哔哩哔哩接口 {what} 的回复无法识别", what="nav"))
    key = mixin_key(_key_from_url(wbi.get("img_url")), _key_from_url(wbi.get("sub_url")))
    mid = nav.get("mid") if nav.get("isLogin") is True else 0
    uid = mid if isinstance(mid, int) and not isinstance(mid, bool) and mid > 0 else 0
    danmu = await call(
        api_base,
        "/xlive/web-room/v1/index/getDanmuInfo",
        wbi_sign({"id": real_id, "type": 0, "web_location": "444.8"}, key),
        "getDanmuInfo",
    )
    token = danmu.get("token")
    hosts = danmu.get("host_list")
    if not isinstance(token, str) or not isinstance(hosts, list):
        raise BootstrapError(tr("哔哩哔哩接口 {what} 的回复无法识别", what="getDanmuInfo"))
    urls = []
    for entry in hosts:
        if not isinstance(entry, dict) or not isinstance(entry.get("host"), str):
            continue
        port = entry.get("wss_port" if secure else "ws_port")
        if isinstance(port, int) and not isinstance(port, bool) and 0 < port < 65536:
            urls.append(f"{'wss' if secure else 'ws'}://{entry['host']}:{port}/sub")
    if not urls:
        urls.append(
            "wss://broadcastlv.chat.bilibili.com:443/sub"
            if secure
            else "ws://broadcastlv.chat.bilibili.com:2244/sub"
        )
    return BilibiliRoom(
        room_id=real_id, token=token, urls=tuple(urls), uid=uid, buvid=cookies.get("buvid3", "")
    )


# -- the client -------------------------------------------------------------------------------------
class BilibiliSource(WebSocketSource):
    """Client of Bilibili's live comment websocket.

    Two modes:

    * direct — ``BilibiliSource("wss://host:443/sub", sink, room_id=…, token=…, uid=…, buvid=…)``:
      connect to that server with credentials the caller already has;
    * bootstrap — ``BilibiliSource("", sink, room="21452505")`` (or a ``https://live.bilibili.com/…``
      URL, or ``"auto"``): :func:`bootstrap` finds the real room id, token and servers over HTTP before
      the first connection, rotates through the servers on each reconnect, and fetches a fresh token
      after the server rejected one.

    Args:
        url: server address (direct), or ``""``/``"auto"``/a live.bilibili.com room URL (bootstrap).
        sink: receives each frame's events.
        room_id: the real room id (direct), or the room number people share (bootstrap).
        room: alias of ``room_id`` for bootstrap mode.
        token / uid / buvid: direct-mode credentials (the token is never logged).
        cookie_file / api_base / nav_base / http / secure: passed to :func:`bootstrap`.
        auth_timeout: seconds to wait for the auth reply.
        heartbeat_interval: seconds between heartbeats (30 on the real service).
        idle_timeout: seconds without any frame that count as a dead link (35: one missed heartbeat reply).
    """

    format_name = "bilibili"
    heartbeat_interval: float | None = 30.0

    def __init__(
        self,
        url: str,
        sink: EventSink,
        *,
        room_id: int | str = 0,
        room: int | str | None = None,
        token: str = "",
        uid: int = 0,
        buvid: str = "",
        cookie_file: str | Path | None = None,
        api_base: str = API_BASE,
        nav_base: str = NAV_BASE,
        http: HttpGet | None = None,
        secure: bool = True,
        auth_timeout: float = 5.0,
        heartbeat_interval: float | None = None,
        idle_timeout: float = 35.0,
        **kwargs: Any,
    ) -> None:
        url = url or ""
        if url.startswith("bilibili:") and not url.startswith("bilibili://"):  # `--source bilibili:ROOM`
            url, room = "auto", url.removeprefix("bilibili:")
        self._bootstrap_room: str | None = None
        if not url or url == "auto" or url.startswith(("http://", "https://")):
            wanted = room if room is not None else room_id
            if wanted in (None, "", 0) and url.startswith(("http://", "https://")):
                wanted = url
            if wanted in (None, "", 0):
                raise ValueError("bilibili: give a room (--room) or a websocket address")
            self._bootstrap_room = str(wanted)
            # A label for the status line until bootstrap finds a server.
            url = f"bilibili://room/{str(wanted).rstrip('/').rsplit('/', 1)[-1]}"
        else:
            wanted = room_id if room_id not in (None, "", 0) or room is None else room
            try:
                room_id = int(str(wanted))
            except ValueError:
                raise ValueError(f"bilibili: room id must be a number, not {wanted!r}") from None
            if room_id <= 0:
                raise ValueError("bilibili: direct mode needs room_id")
        super().__init__(url, sink, idle_timeout=idle_timeout, **kwargs)
        self.room_id = int(room_id) if self._bootstrap_room is None else 0
        self._token = token
        self.uid = int(uid)
        self.buvid = buvid
        self.cookie_file = cookie_file
        self.api_base = api_base
        self.nav_base = nav_base
        self.secure = secure
        self._http = http
        self.auth_timeout = auth_timeout
        if heartbeat_interval is not None:
            self.heartbeat_interval = heartbeat_interval
        self.state = RoomState()
        self._room: BilibiliRoom | None = None
        self._token_stale = False
        self._host_index = -1
        self._auth_code: int | None = None
        self.popularity: int | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url={self.url!r}, room_id={self.room_id})"

    # -- protocol hooks -------------------------------------------------------------------------
    def decode(self, frame: str | bytes) -> list[LiveEvent]:
        result = decode_frame(frame, self.state)
        for reason, raw in result.malformed:
            self.reject(reason, raw)
        for name in result.unknown:
            self.count_unknown(name)
        if result.auth_code is not None:
            self._auth_code = result.auth_code
        if result.popularity is not None:
            self.popularity = result.popularity
        return result.events

    def auth_packet(self) -> bytes:
        body = {
            "uid": self.uid,
            "roomid": self.room_id,
            "protover": PROTOVER,
            "platform": "web",
            "type": 2,
            "key": self._token,
        }
        if self.buvid:
            body["buvid"] = self.buvid
        return encode_packet(OP_AUTH, json.dumps(body, separators=(",", ":")).encode(), ver=VER_CONTROL)

    async def on_open(self, ws: ClientConnection) -> None:
        """Authenticate first (the server drops clients that don't within 5 s), then wait for op 8."""
        self._auth_code = None
        await ws.send(self.auth_packet())
        deadline = time.monotonic() + self.auth_timeout
        while self._auth_code is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(
                    tr("哔哩哔哩未在 {seconds} 秒内回复鉴权", seconds=round(self.auth_timeout))
                )
            try:
                frame = await asyncio.wait_for(ws.recv(), remaining)
            except TimeoutError:
                continue
            self.handle_frame(frame)
        if self._auth_code != 0:
            self._token_stale = True  # bootstrap mode fetches a new token before the next attempt
            raise SourceRefusedError(
                tr("哔哩哔哩拒绝了鉴权（code {code}）：令牌无效或已过期", code=self._auth_code)
            )

    def heartbeat(self) -> bytes:
        return encode_packet(OP_HEARTBEAT, b"{}", ver=VER_CONTROL)

    def connect_kwargs(self) -> dict[str, object]:
        return {"user_agent_header": USER_AGENT, "origin": "https://live.bilibili.com"}

    # -- bootstrap mode -------------------------------------------------------------------------
    async def before_connect(self) -> None:
        """Bootstrap mode: fetch the room's token and servers (again after a refusal), next host."""
        if self._bootstrap_room is not None:
            await self._prepare()

    async def _prepare(self) -> None:
        if self._room is None or self._token_stale:
            known_id = self._room.room_id if self._room is not None else None
            self._room = await bootstrap(
                self._bootstrap_room or "",
                cookie_file=self.cookie_file,
                api_base=self.api_base,
                nav_base=self.nav_base,
                http=self._http,
                secure=self.secure,
                room_id=known_id,
            )
            self._token_stale = False
            log.info("bilibili: room %s has %d servers", self._room.room_id, len(self._room.urls))
        room = self._room
        self._host_index = (self._host_index + 1) % len(room.urls)
        self.url = room.urls[self._host_index]
        self.room_id, self._token, self.uid, self.buvid = room.room_id, room.token, room.uid, room.buvid
