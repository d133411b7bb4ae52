"""Douyin (and Kuaishou) comments through a local bridge speaking BarrageGrab JSON.

See docs/sources.md and docs/protocols/douyin_bridge.md. One text frame per event::

    {"Type": 1, "ProcessName": "直播伴侣", "Data": "<a JSON document as a string>"}

``Data`` is decoded a second time. Every field is validated; a bad frame is counted and skipped.

Comments, most of a room's frames, take a typed path: msgspec decodes the envelope and ``Data`` straight
into the small structs below (:class:`_Envelope`, :class:`_CommentData`), checking the types of the fields
we read in the same pass and skipping the rest. Whatever that path does not take as it is — any other
``Type``, ``Data`` sent as an object, a field of an unexpected type, JSON that msgspec refuses — goes
through the general path (dicts, every field checked in Python), which accepts, refuses and words the
refusal exactly as before; so the typed path changes speed, never an outcome (tests/app/test_douyin_decode.py
compares the two on random frames).

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

import msgspec

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
#: JSON texts of comments' ``extra`` remembered (one per room owner and fan club level seen); past this
#: many the memo starts afresh.
MAX_EXTRA_TEXTS = 4096

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
    return _text(data.get(key), key)


def _text(value: Any, name: str) -> str:
    """A text field (absent or null: empty), cut to :data:`MAX_TEXT`."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FrameError(f"{name} is not a string")
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
    """What decoding one frame needs from earlier ones: the last RepeatCount of each gift combo, and the
    ``extra`` JSON text of the comments' (platform, owner, fan club, level) already seen: a room's
    comments name the same owner and a few clubs, so the text is encoded once, not per comment."""

    combos: OrderedDict[tuple[str, str, str], int] = field(default_factory=OrderedDict)
    extra_texts: dict[tuple[Any, ...], str] = field(default_factory=dict)


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
    state = state if state is not None else BridgeState()
    now = time.time() if now is None else now
    try:
        envelope = _ENVELOPE.decode(frame)
    except (msgspec.DecodeError, ValueError):  # not the usual envelope: the general path decides
        return _parse_general(frame, state, now)
    if envelope.Type == 1:
        try:
            return _comment(_COMMENT_DATA.decode(envelope.Data), state, now)
        except (msgspec.DecodeError, ValueError):  # FrameError is a ValueError too
            pass
    return _parse_data(envelope.Type, envelope.Data, state, now)


def _parse_general(frame: str, state: BridgeState, now: float) -> LiveEvent | None:
    """:func:`parse_frame` on dicts, for every frame: each field checked in Python, each refusal worded."""
    outer = _json(frame, "frame")
    if not isinstance(outer, dict):
        raise FrameError("frame is not an object")
    kind = outer.get("Type")
    if isinstance(kind, bool) or not isinstance(kind, int):
        raise FrameError("Type is not an integer")
    return _parse_data(kind, outer.get("Data"), state, now)


def _parse_data(kind: int, raw: Any, state: BridgeState, now: float) -> LiveEvent | None:
    """The event of a frame whose envelope is good: ``Type`` ``kind`` and ``Data`` ``raw``."""
    # Data is a JSON document inside a string; a few forks send the object itself. Accept both.
    data = _json(raw, "Data") if isinstance(raw, str) else raw
    if not isinstance(data, dict):
        raise FrameError("Data is not an object")
    if kind not in TYPE_NAMES:
        raise UnknownTypeError(kind)
    return _event(kind, data, state, now)


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


def _common_extra(platform: Any, owner_name: Any, club_name: Any, club_level: Any) -> dict[str, Any]:
    """The ``extra`` every Type carries: Kuaishou, the room owner's name, the viewer's fan club."""
    extra: dict[str, Any] = {}
    if platform == 2:
        extra["platform"] = "kuaishou"
    if isinstance(owner_name, str):
        extra["owner"] = owner_name[:100]
    if isinstance(club_name, str) and club_name:
        extra["fans_club"] = {"name": club_name[:50], "level": _int_or_none(club_level) or 0}
    return extra


def _event(kind: int, data: dict[str, Any], state: BridgeState, now: float) -> LiveEvent | None:
    user = data.get("User")
    if user is None:
        user = {}
    if not isinstance(user, dict):
        raise FrameError("User is not an object")
    user_id = _id_text(user.get("Id"), "User.Id")
    user_name = _get_str(user, "Nickname")
    msg_id = _id_text(data.get("MsgId"), "MsgId")
    owner = data.get("Owner", data.get("Onwer"))  # BarrageGrab spells it "Onwer"; forks fix it
    club = user.get("FansClub")
    extra = _common_extra(
        data.get("Platform"),
        owner.get("Nickname") if isinstance(owner, dict) else None,
        *((club.get("ClubName"), club.get("Level")) if isinstance(club, dict) else (None, None)),
    )

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


# -- the typed path for comments (see the module docstring) ---------------------------------------------
class _Envelope(msgspec.Struct):
    Type: int
    Data: str


class _Named(msgspec.Struct):
    Nickname: str | None = None


class _FansClub(msgspec.Struct):
    ClubName: str | None = None
    Level: int | str | None = None


class _User(msgspec.Struct):
    Id: int | str | None = None
    Nickname: str | None = None
    FansClub: _FansClub | None = None


class _CommentData(msgspec.Struct):
    Content: str
    MsgId: int | str | None = None
    User: _User | None = None
    Platform: Any = None
    Owner: _Named | msgspec.UnsetType | None = msgspec.UNSET  # present (even null) wins over "Onwer"
    Onwer: _Named | None = None


_ENVELOPE = msgspec.json.Decoder(_Envelope)
_COMMENT_DATA = msgspec.json.Decoder(_CommentData)


def _comment(data: _CommentData, state: BridgeState, now: float) -> LiveEvent:
    """The comment of a ``Data`` the typed path decoded: what :func:`_event` makes of the same dict, with
    ``extra``'s JSON text (``extra_json``, for app.core.bounds.check_event) from the state's memo."""
    user = data.User if data.User is not None else _User()
    owner = data.Owner if data.Owner is not msgspec.UNSET else data.Onwer
    club = user.FansClub if user.FansClub is not None else _FansClub()
    owner_name = owner.Nickname if owner is not None else None
    extra = _common_extra(data.Platform, owner_name, club.ClubName, club.Level)
    # _id_text and _text of values msgspec already typed (no bools, no floats): only the cut is left.
    user_id, msg_id, name = user.Id, data.MsgId, user.Nickname
    event = LiveEvent(
        Kind.COMMENT, now,
        "" if user_id is None else str(user_id)[:100],
        "" if name is None else name[:MAX_TEXT],
        data.Content[:MAX_TEXT],
        msg_id="" if msg_id is None else str(msg_id)[:100],
        extra=extra or None,
    )
    if extra:
        # extra is a function of these four values (typed: hashable); its text is encoded once per key.
        key = (data.Platform == 2, owner_name, club.ClubName, club.Level)
        texts = state.extra_texts
        text = texts.get(key)
        if text is None:
            if len(texts) >= MAX_EXTRA_TEXTS:
                texts.clear()
            text = texts[key] = fastjson.dumps_strict(extra)
        event.extra_json = (extra, text)
    return event


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
