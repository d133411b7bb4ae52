"""The Bilibili client: auth, heartbeats, and (bootstrap mode) finding the room's servers over HTTP."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection

from app.core.events import LiveEvent
from app.core.i18n import tr
from app.sources.base import EventSink, SourceRefusedError, WebSocketSource
from app.sources.bilibili.login import (
    API_BASE,
    NAV_BASE,
    USER_AGENT,
    BilibiliRoom,
    BootstrapOptions,
    HttpGet,
    bootstrap_with,
)
from app.sources.bilibili.messages import RoomState, decode_frame
from app.sources.bilibili.packets import OP_AUTH, OP_HEARTBEAT, PROTOVER, VER_CONTROL, encode_packet
from app.sources.info import AddressKind, SourceInfo, SourceOption

log = logging.getLogger("livedeck.sources.bilibili")

#: A room number, or the room's web address (live.bilibili.com/21452505, the h5 page, with a query).
_ROOM_ADDRESS = re.compile(r"^(?:(?:https?://)?live\.bilibili\.com/(?:h5/)?)?(\d+)/?(?:[?#].*)?$")


def resolve_room(text: str, options: Mapping[SourceOption, object]) -> tuple[str, dict[str, object]]:
    """``bilibili:<room>`` and the cookie file from what the user typed; ValueError with a message."""
    text = text.strip()
    if not text:
        raise ValueError(tr("请填写哔哩哔哩直播间号"))
    match = _ROOM_ADDRESS.match(text)
    if match is None or int(match.group(1)) <= 0:
        raise ValueError(tr("直播间号应为数字（网址 live.bilibili.com/ 后面的那串数字）"))
    resolved: dict[str, object] = {}
    cookie = str(options.get(SourceOption.COOKIE_FILE) or "").strip()
    if cookie:
        path = Path(cookie).expanduser()
        if not path.is_file():
            raise ValueError(tr("找不到 Cookie 文件：{path}", path=cookie))
        resolved["cookie_file"] = str(path)
    return f"bilibili:{match.group(1)}", resolved


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
        cookie_file / api_base / nav_base / http / secure: how bootstrap mode asks
            (:class:`~app.sources.bilibili.login.BootstrapOptions`).
        auth_timeout: seconds to wait for the auth reply.
        heartbeat_interval: seconds between heartbeats (30 on the real service).
        idle_timeout: seconds without any frame that count as a dead link (35: one missed heartbeat reply).
    """

    format_name = "bilibili"
    info = SourceInfo(
        label=lambda: tr("哔哩哔哩"),
        hint=lambda: tr("直播间网址 live.bilibili.com/ 后面的数字，也可以直接粘贴网址。"),
        resolve=resolve_room,
        address=AddressKind.ROOM,
        address_label=lambda: tr("直播间号"),
        placeholder=lambda: tr("如 21452505"),
        options=(SourceOption.COOKIE_FILE,),
    )
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
        self.bootstrap_options = BootstrapOptions(cookie_file, api_base, nav_base, http, secure)
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
            self._room = await bootstrap_with(self._bootstrap_room or "", self.bootstrap_options, room_id=known_id)
            self._token_stale = False
            log.info("bilibili: room %s has %d servers", self._room.room_id, len(self._room.urls))
        room = self._room
        self._host_index = (self._host_index + 1) % len(room.urls)
        self.url = room.urls[self._host_index]
        self.room_id, self._token, self.uid, self.buvid = room.room_id, room.token, room.uid, room.buvid
