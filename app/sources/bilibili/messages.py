"""Bilibili messages → events: one binary frame becomes a :class:`Decoded` (events, malformed items with
a reason, unknown command names, the auth reply). Pure apart from a small :class:`RoomState` that
carries what one message needs from earlier ones (the last online count, guard-purchase dedupe).

docs/sources.md lists every mapped ``cmd`` with its columns. Nothing but
:class:`~app.sources.base.FrameError` escapes :func:`decode_frame`.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.core import fastjson
from app.core.events import Kind, LiveEvent
from app.sources.base import FrameError
from app.sources.bilibili.packets import (
    MAX_TEXT,
    OP_AUTH_REPLY,
    OP_HEARTBEAT_REPLY,
    OP_MESSAGE,
    BadPacket,
    iter_packets,
    pb_int,
    pb_str,
    read_protobuf,
)


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
        return fastjson.loads(text)  # integers stay exact: uids beyond 2**53 survive
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
            mode_extra = fastjson.loads(mode_info["extra"])
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
    uid = pb_int(fields, 1)
    uname = pb_str(fields, 2)
    return _interact(uid, uname, pb_int(fields, 5), pb_int(fields, 7), now)


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
