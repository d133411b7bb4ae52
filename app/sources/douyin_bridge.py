"""Douyin (and Kuaishou) comments through a local bridge speaking BarrageGrab JSON.

See docs/sources.md and docs/protocols/douyin_bridge.md. One text frame per event::

    {"Type": 1, "ProcessName": "直播伴侣", "Data": "<a JSON document as a string>"}

``Data`` is decoded a second time. Every field is validated; a bad frame is counted and skipped.

Gift combos: one combo arrives as several Type 5 frames. Each gift is counted once: ``GiftCount`` (new
since the combo's last update) when the bridge sends it, else the increase of ``RepeatCount`` (the
combo's running total) since the last frame of the same (user, GiftId, GroupId). Frames whose
``RepeatCount`` does not move the combo forward are repeats and are dropped.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.core import fastjson
from app.core.bounds import MAX_EVENT_TEXT
from app.core.events import Kind, LiveEvent
from app.core.i18n import tr
from app.sources.base import EventSink, FrameError, WebSocketSource
from app.sources.info import SourceInfo, websocket_resolver

DEFAULT_URL = "ws://127.0.0.1:8888"
MAX_TEXT = MAX_EVENT_TEXT
#: 10 diamonds = ¥1 = 100 fen.
FEN_PER_DIAMOND = 10
#: Combos remembered for deduplication; old ones are forgotten first.
MAX_COMBOS = 20_000

TYPE_NAMES = {
    1: "comment",
    2: "like",
    3: "enter",
    4: "follow",
    5: "gift",
    6: "room stats",
    7: "fan club",
    8: "share",
    9: "live ended",
}


def _int_or_none(value: Any) -> int | None:
    """An integer field; digit strings count (forks send some numbers as text)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 30:
        return int(value)
    return None


def _get_int(data: dict[str, Any], key: str, *, required: bool = False, default: int = 0) -> int:
    if key not in data or data[key] is None:
        if required:
            raise FrameError(f"{key} is missing")
        return default
    value = _int_or_none(data[key])
    if value is None:
        raise FrameError(f"{key} is not an integer")
    return value


def _get_count(data: dict[str, Any], key: str, *, required: bool = False, default: int = 0) -> int:
    value = _get_int(data, key, required=required, default=default)
    if value < 0:
        raise FrameError(f"{key} is negative")
    if value >= 2**63 // FEN_PER_DIAMOND:  # stored in 64-bit SQLite integers, diamonds as fen
        raise FrameError(f"{key} is too large")
    return value


def _get_str(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FrameError(f"{key} is not a string")
    return value[:MAX_TEXT]


def _id_text(value: Any, name: str) -> str:
    """An id (int64, possibly beyond 2**53) as exact text. Floats have already lost digits: refuse."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise FrameError(f"{name} is not an id")
    return str(value)[:100]


@dataclass(slots=True)
class BridgeState:
    """What decoding one frame needs from earlier ones: the last RepeatCount of each gift combo."""

    combos: OrderedDict[tuple[str, str, str], int] = field(default_factory=OrderedDict)


def parse_frame(
    frame: str | bytes, state: BridgeState | None = None, now: float | None = None
) -> LiveEvent | None:
    """One bridge frame → its event (``None`` for a repeat of a counted gift).

    Raises:
        FrameError: the frame breaks the format; the message says how.
        UnknownTypeError: a ``Type`` this module does not map (the caller counts it).
    """
    if isinstance(frame, bytes | bytearray | memoryview):
        try:
            frame = bytes(frame).decode("utf-8")
        except UnicodeDecodeError:
            raise FrameError("binary frame is not UTF-8 text") from None
    if not isinstance(frame, str):
        raise FrameError(f"frame of type {type(frame).__name__}")
    outer = _json(frame, "frame")
    if not isinstance(outer, dict):
        raise FrameError("frame is not an object")
    kind = outer.get("Type")
    if isinstance(kind, bool) or not isinstance(kind, int):
        raise FrameError("Type is not an integer")
    raw = outer.get("Data")
    # Data is a JSON document inside a string; a few forks send the object itself. Accept both.
    data = _json(raw, "Data") if isinstance(raw, str) else raw
    if not isinstance(data, dict):
        raise FrameError("Data is not an object")
    if kind not in TYPE_NAMES:
        raise UnknownTypeError(kind)
    state = state if state is not None else BridgeState()
    return _event(kind, data, outer, state, time.time() if now is None else now)


class UnknownTypeError(Exception):
    """A well-formed frame of a ``Type`` we do not map."""

    def __init__(self, kind: int) -> None:
        super().__init__(kind)
        self.kind = kind


def _json(text: str, what: str) -> Any:
    try:
        return fastjson.loads(text)  # ints stay exact: MsgId and user ids exceed 2**53
    except (ValueError, RecursionError):
        raise FrameError(f"{what} is not JSON") from None


def _event(
    kind: int, data: dict[str, Any], outer: dict[str, Any], state: BridgeState, now: float
) -> LiveEvent | None:
    user = data.get("User")
    if user is None:
        user = {}
    if not isinstance(user, dict):
        raise FrameError("User is not an object")
    user_id = _id_text(user.get("Id"), "User.Id")
    user_name = _get_str(user, "Nickname")
    msg_id = _id_text(data.get("MsgId"), "MsgId")
    extra: dict[str, Any] = {}
    platform = data.get("Platform")
    if platform == 2:
        extra["platform"] = "kuaishou"
    owner = data.get("Owner", data.get("Onwer"))  # BarrageGrab spells it "Onwer"; forks fix it
    if isinstance(owner, dict) and isinstance(owner.get("Nickname"), str):
        extra["owner"] = owner["Nickname"][:100]
    club = user.get("FansClub")
    if isinstance(club, dict) and isinstance(club.get("ClubName"), str) and club["ClubName"]:
        level = _int_or_none(club.get("Level"))
        extra["fans_club"] = {"name": club["ClubName"][:50], "level": level or 0}

    def event(kind_name: str, **fields: Any) -> LiveEvent:
        return LiveEvent(
            kind=kind_name,
            ts=now,
            user_id=user_id,
            user_name=user_name,
            msg_id=msg_id,
            extra=extra or None,
            **fields,
        )

    if kind == 1:
        if not isinstance(data.get("Content"), str):
            raise FrameError("Content is missing")
        return event(Kind.COMMENT, text=_get_str(data, "Content"))
    if kind == 2:
        count = _get_count(data, "Count", required=True)
        if "Total" in data:
            extra["total_likes"] = _get_count(data, "Total")
        return event(Kind.LIKE, count=count)
    if kind == 3:
        if data.get("CurrentCount") is not None:
            extra["current_count"] = _get_count(data, "CurrentCount")
        return event(Kind.ENTER)
    if kind == 4:
        return event(Kind.FOLLOW)
    if kind == 5:
        return _gift(data, state, user_id, extra, event)
    if kind == 6:
        online = _get_count(data, "OnlineUserCount", required=True)
        if data.get("TotalUserCount") is not None:
            extra["total_viewers"] = _get_count(data, "TotalUserCount")
        return event(Kind.VIEWER_STATS, count=online)
    if kind == 7:
        action = _get_int(data, "Type")
        extra["action"] = {1: "level_up", 2: "joined"}.get(action, action)
        extra["level"] = _get_count(data, "Level")
        return event(Kind.FANSCLUB)
    if kind == 8:
        if data.get("ShareType") is not None:
            extra["share_type"] = _get_int(data, "ShareType")
        return event(Kind.SHARE)
    # kind == 9
    return event(Kind.LIVE_END, text=_get_str(data, "Content"))


def _gift(
    data: dict[str, Any],
    state: BridgeState,
    user: str,
    extra: dict[str, Any],
    event: Callable[..., LiveEvent],
) -> LiveEvent | None:
    gift_id = _id_text(data.get("GiftId"), "GiftId")
    name = _get_str(data, "GiftName")
    diamonds = _get_count(data, "DiamondCount")
    group = _id_text(data.get("GroupId"), "GroupId")
    repeat = _get_count(data, "RepeatCount") if data.get("RepeatCount") is not None else None
    new = _get_count(data, "GiftCount") if data.get("GiftCount") is not None else None
    if group and group != "0" and repeat is not None:
        key = (user, gift_id, group)
        last = state.combos.get(key, 0)
        if repeat <= last:
            return None  # a repeat of an update already counted
        state.combos[key] = repeat
        state.combos.move_to_end(key)
        if len(state.combos) > MAX_COMBOS:
            state.combos.popitem(last=False)
        count = new if new is not None else repeat - last
    else:
        # No combo to follow (GroupId 0/absent): every frame is its own gift.
        count = new if new is not None else (repeat if repeat is not None else 1)
    if count <= 0:
        return None
    extra["gift_id"] = gift_id
    extra["diamonds"] = diamonds
    if group:
        extra["group_id"] = group
    if repeat is not None:
        extra["repeat_count"] = repeat
    to_user = data.get("ToUser")
    if isinstance(to_user, dict) and isinstance(to_user.get("Nickname"), str):
        extra["to_user"] = to_user["Nickname"][:100]
    return event(Kind.GIFT, text=name, count=count, amount_fen=count * diamonds * FEN_PER_DIAMOND)


class DouyinBridgeSource(WebSocketSource):
    """Client of a local Douyin comment bridge (DouyinBarrageGrab and forks, default ``ws://127.0.0.1:8888``).

    Args:
        url: the bridge's websocket address (``""`` means the default).
        sink: receives each frame's events.
        idle_timeout: the bridge sends nothing while no live room is open, and it runs on this PC (a
            crash closes the socket), so silence is only treated as a dead link after two minutes.
    """

    format_name = "douyin-bridge"
    info = SourceInfo(
        label=lambda: tr("抖音（弹幕桥）"),
        hint=lambda: tr("先在本机运行弹幕桥（BarrageGrab）并打开直播间；留空使用默认地址 {url}。", url=DEFAULT_URL),
        resolve=websocket_resolver(DEFAULT_URL, DEFAULT_URL),
        placeholder=lambda: DEFAULT_URL,
        default_url=DEFAULT_URL,
    )

    def __init__(self, url: str, sink: EventSink, *, idle_timeout: float = 120.0, **kwargs: Any) -> None:
        kwargs.pop("room_id", None)  # the bridge follows whatever room the streamer has open
        kwargs.pop("room", None)
        super().__init__(url or DEFAULT_URL, sink, idle_timeout=idle_timeout, **kwargs)
        self.state = BridgeState()

    def decode(self, frame: str | bytes) -> list[LiveEvent]:
        try:
            event = parse_frame(frame, self.state)
        except UnknownTypeError as exc:
            self.count_unknown(f"Type {exc.kind}")
            return []
        return [event] if event is not None else []
