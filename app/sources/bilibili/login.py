"""Bilibili's HTTP side, before the websocket: the room lookup, the WBI signature, the cookie file and
:func:`bootstrap`, which finds the real room id, a token and the server list as the web player does.
HTTP runs on the standard library (urllib in a worker thread).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.i18n import tr
from app.sources.base import SourceRefusedError

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
        raise _unreadable("nav")
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


class _Api:
    """Bilibili's JSON APIs as the web player calls them: browser headers, the cookies, the ``code`` check."""

    def __init__(self, get: HttpGet, cookies: dict[str, str]) -> None:
        self._get = get
        self.cookies = cookies  # bootstrap adds buvid3 when the cookie file has none

    async def call(self, base: str, path: str, params: dict[str, Any], what: str, *,
                   ok: tuple[int, ...] = (0,)) -> dict[str, Any]:
        """The ``data`` object of ``GET base+path?params``; ``what`` names the API in error messages."""
        url = f"{base.rstrip('/')}{path}?{urllib.parse.urlencode(params)}"
        headers = {"User-Agent": USER_AGENT, "Referer": "https://live.bilibili.com/"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            body = await asyncio.to_thread(self._get, url, headers)
        except urllib.error.HTTPError as exc:
            raise BootstrapError(tr("哔哩哔哩接口 {what} 返回 HTTP {status}", what=what, status=exc.code)) from None
        try:
            reply = json.loads(body)
        except (ValueError, RecursionError):
            raise _unreadable(what) from None
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
            raise _unreadable(what)
        return data


def _unreadable(what: str) -> BootstrapError:
    return BootstrapError(tr("哔哩哔哩接口 {what} 的回复无法识别", what=what))


def _positive_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


async def _real_room_id(api: _Api, api_base: str, room: str | int) -> int:
    """The long room id behind the number people share (short ids like 6 map to long ones)."""
    short = str(room).strip().rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
    if not short.isdigit():
        raise SourceRefusedError(tr("哔哩哔哩房间号无效：{room}", room=str(room)[:40]))
    info = await api.call(api_base, "/room/v1/Room/get_info", {"room_id": short}, "get_info")
    real_id = _positive_int(info.get("room_id"))
    if real_id is None:
        raise _unreadable("get_info")
    return real_id


async def _wbi_key_and_uid(api: _Api, nav_base: str) -> tuple[str, int]:
    """The WBI mixin key, and the logged-in user's mid (0 when anonymous)."""
    # nav answers -101 (not logged in) to anonymous callers but still hands out the WBI keys.
    nav = await api.call(nav_base, "/x/web-interface/nav", {}, "nav", ok=(0, -101))
    wbi = nav.get("wbi_img")
    if not isinstance(wbi, dict):
        raise _unreadable("nav")
    key = mixin_key(_key_from_url(wbi.get("img_url")), _key_from_url(wbi.get("sub_url")))
    uid = _positive_int(nav.get("mid")) if nav.get("isLogin") is True else None
    return key, uid or 0


def _server_urls(hosts: list[Any], secure: bool) -> tuple[str, ...]:
    """``host_list`` as websocket addresses; Bilibili's well-known server when the list holds none."""
    scheme, port_key = ("wss", "wss_port") if secure else ("ws", "ws_port")
    urls = []
    for entry in hosts:
        if not isinstance(entry, dict) or not isinstance(entry.get("host"), str):
            continue
        port = _positive_int(entry.get(port_key))
        if port is not None and port < 65536:
            urls.append(f"{scheme}://{entry['host']}:{port}/sub")
    if not urls:
        urls.append(f"{scheme}://broadcastlv.chat.bilibili.com:{443 if secure else 2244}/sub")
    return tuple(urls)


@dataclass(frozen=True, slots=True)
class BootstrapOptions:
    """Where and how :func:`bootstrap` asks (everything but the room).

    Attributes:
        cookie_file: optional browser cookies (``SESSDATA`` avoids masked names, ``buvid3`` avoids
            risk control). Values are sent to Bilibili only and never logged.
        api_base / nav_base: where the live API and the main-site API live (tests point them at a fake).
        http: a blocking ``(url, headers) -> bytes`` getter; default: urllib.
        secure: ``wss://host:wss_port`` (default) or ``ws://host:ws_port``.
    """

    cookie_file: str | Path | None = None
    api_base: str = API_BASE
    nav_base: str = NAV_BASE
    http: HttpGet | None = None
    secure: bool = True


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
        cookie_file / api_base / nav_base / http / secure: see :class:`BootstrapOptions`.
        room_id: skip the room lookup when the real id is already known.

    Raises:
        SourceRefusedError: Bilibili refused (no such room, risk control −352, ...): retrying soon won't help.
        BootstrapError / OSError: the network or an unexpected answer; worth retrying.
    """
    options = BootstrapOptions(cookie_file, api_base, nav_base, http, secure)
    return await bootstrap_with(room, options, room_id=room_id)


async def bootstrap_with(room: str | int, options: BootstrapOptions, *, room_id: int | None = None) -> BilibiliRoom:
    """:func:`bootstrap` with its options in one value (what :class:`BilibiliSource` keeps)."""
    cookies = await asyncio.to_thread(read_cookie_file, options.cookie_file) if options.cookie_file else {}
    api = _Api(options.http or _urllib_get, cookies)
    real_id = room_id if room_id is not None else await _real_room_id(api, options.api_base, room)
    if not cookies.get("buvid3"):
        spi = await api.call(options.nav_base, "/x/frontend/finger/spi", {}, "spi")
        if isinstance(spi.get("b_3"), str):
            cookies["buvid3"] = spi["b_3"]
    key, uid = await _wbi_key_and_uid(api, options.nav_base)
    danmu = await api.call(
        options.api_base,
        "/xlive/web-room/v1/index/getDanmuInfo",
        wbi_sign({"id": real_id, "type": 0, "web_location": "444.8"}, key),
        "getDanmuInfo",
    )
    token = danmu.get("token")
    hosts = danmu.get("host_list")
    if not isinstance(token, str) or not isinstance(hosts, list):
        raise _unreadable("getDanmuInfo")
    return BilibiliRoom(room_id=real_id, token=token, urls=_server_urls(hosts, options.secure), uid=uid,
                        buvid=cookies.get("buvid3", ""))
