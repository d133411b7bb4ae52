"""Every registered source presents itself (app/sources/info.py), and each resolver refuses what the user
typed wrong with a message naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.events import LiveEvent
from app.core.i18n import set_language
from app.review.log_access import platform_name
from app.sources import FORMATS, source_class, source_info
from app.sources.info import AddressKind, SourceOption
from app.store.session_log import SessionLog


@pytest.mark.parametrize("format_name", sorted(FORMATS))
def test_every_registered_source_declares_how_it_is_offered(format_name: str) -> None:
    cls = source_class(format_name)
    assert cls.format_name == format_name
    info = source_info(format_name)
    assert info.label().strip()
    assert info.hint().strip()
    assert info.address_label().strip()
    if info.address is AddressKind.WEBSOCKET and not info.default_url:
        with pytest.raises(ValueError, match="地址"):
            info.resolve("", {})


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_review_names_every_platform_as_its_source_does(lang: str) -> None:
    """The review (which may not import app.sources) and the report call a session's platform by the
    source's own label, never by its code ("generic")."""
    set_language(lang)
    assert {f: platform_name(f) for f in FORMATS} == {f: source_info(f).label() for f in FORMATS}
    assert platform_name("demo") == ("演示直播间" if lang == "zh" else "Demo room")


def test_labels_follow_the_ui_language() -> None:
    set_language("en")
    try:
        english = source_info("bilibili").label()
    finally:
        set_language("zh")
    assert source_info("bilibili").label() == "哔哩哔哩"
    assert english == "Bilibili"


def test_websocket_addresses_are_checked_and_the_bridge_defaults_to_its_port() -> None:
    generic = source_info("generic")
    assert generic.resolve("  ws://127.0.0.1:9000/room ", {}) == ("ws://127.0.0.1:9000/room", {})
    with pytest.raises(ValueError, match="ws://"):
        generic.resolve("http://127.0.0.1:9000", {})
    bridge = source_info("douyin-bridge")
    assert bridge.resolve("", {}) == (bridge.default_url, {})
    assert bridge.default_url.startswith("ws://127.0.0.1:")


def test_bilibili_takes_a_room_number_or_its_address_and_checks_the_cookie_file(tmp_path: Path) -> None:
    bilibili = source_info("bilibili")
    assert bilibili.resolve("https://live.bilibili.com/h5/21452505?spm=1", {}) == ("bilibili:21452505", {})
    with pytest.raises(ValueError, match="直播间号"):
        bilibili.resolve("abc", {})
    with pytest.raises(ValueError, match="Cookie"):
        bilibili.resolve("21452505", {SourceOption.COOKIE_FILE: str(tmp_path / "missing.txt")})
    cookie = tmp_path / "cookies.txt"
    cookie.write_text("", encoding="utf-8")
    assert bilibili.resolve("21452505", {SourceOption.COOKIE_FILE: str(cookie)}) == (
        "bilibili:21452505", {"cookie_file": str(cookie)})


def test_replay_names_the_newest_session_or_refuses_a_bad_number(tmp_path: Path) -> None:
    db = tmp_path / "show.sqlite"
    with SessionLog(db) as log:
        first = log.start_session("第一场", "ws://x", started_at=1.0)
        log.append(first, [LiveEvent("comment", 1.0, "u1", "小明", "你好", seq=1)])
        newest = log.start_session("第二场", "ws://x", started_at=2.0)
        log.append(newest, [LiveEvent("comment", 2.0, "u1", "小明", "再来", seq=1)])
    replay = source_info("replay")
    url, options = replay.resolve(str(db), {SourceOption.SPEED: 5.0})
    assert url == str(db)
    assert options == {"session_id": newest, "speed": 5.0}
    with pytest.raises(ValueError, match="场次编号"):
        replay.resolve(str(db), {SourceOption.SESSION: "第二"})
    with pytest.raises(ValueError, match="场次日志"):
        replay.resolve("", {})
