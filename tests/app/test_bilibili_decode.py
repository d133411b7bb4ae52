"""Bilibili packet framing and message mapping, from realistic frames (tests/fakes builds them)."""

from __future__ import annotations

import base64
import contextlib
import json
import zlib

import brotli
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.events import Kind
from app.sources.base import FrameError
from app.sources.bilibili import (
    BadPacket,
    BilibiliSource,
    Packet,
    RoomState,
    decode_frame,
    encode_packet,
    iter_packets,
    mixin_key,
    read_cookie_file,
    read_protobuf,
    wbi_sign,
)
from tests.fakes import bilibili_server as fake
from tests.fakes.bilibili_server import batch, heartbeat_reply, message, packet

BIG_UID = 3546569288714792  # > 2**51: a float would still hold it, the next ones would not
HUGE_UID = 2**63 - 25  # beyond 2**53: json→float would lose the last digits

# The sample from docs/protocols/bilibili.md, byte for byte (tests/app/test_docs.py checks it is there).
SAMPLE_DANMU = (
    '{"cmd":"DANMU_MSG:4:0:2:2:2:0","info":[[0,1,25,16777215,1723979200649,-1312973962,0,"0bc8acd0",0,0,0,"",0,'
    '"{}","{}",{"extra":"{\\"content\\":\\"3号链接还有货吗\\",\\"id_str\\":\\"364b06e3c561af3d5921f1253d66c1d575\\"}"}],'
    '"3号链接还有货吗",[3546569288714792,"观众甲",0,0,0,10000,1,""],[21,"宠粉团","某主播",21452505,1725515,"",0,'
    '6809855,1725515,5414290,0,1,98765432],[25,0,5805790,">50000",0],["",""],0,0,null,{"ts":1723979200,'
    '"ct":"A1B2C3D4"},0,0,null,null,0,105,[0]]}'
)
NOW = 1_723_979_999.0


def decode(frame: bytes, state: RoomState | None = None):
    return decode_frame(frame, state, now=NOW)


def test_the_protocol_doc_sample_decodes_to_a_comment() -> None:
    out = decode(packet(5, SAMPLE_DANMU.encode()))
    assert not out.malformed
    assert not out.unknown
    [event] = out.events
    assert event.kind == Kind.COMMENT
    assert event.text == "3号链接还有货吗"
    assert event.user_id == "3546569288714792"
    assert event.user_name == "观众甲"
    assert event.ts == pytest.approx(1723979200.649)
    assert event.msg_id == "364b06e3c561af3d5921f1253d66c1d575"
    assert event.extra == {"medal": {"level": 21, "name": "宠粉团"}}


def test_uids_beyond_2_53_stay_exact() -> None:
    out = decode(message(fake.danmu("扣1", HUGE_UID, "观众乙", id_str="abc")))
    assert out.events[0].user_id == str(HUGE_UID)
    out = decode(message(fake.send_gift(HUGE_UID, "观众乙", "小心心", 1, 100)))
    assert out.events[0].user_id == str(HUGE_UID)
    out = decode(message(fake.interact_word_v2(HUGE_UID, "观众乙", 1)))
    assert out.events[0].user_id == str(HUGE_UID)


def test_every_mapped_command() -> None:
    state = RoomState()
    msgs = [
        fake.danmu("3号有货吗", BIG_UID, "观众甲", id_str="id-1", medal=False),
        fake.send_gift(BIG_UID, "观众甲", "牛哇牛哇", 5, 100),  # 5 × 100 gold = ¥0.5
        fake.send_gift(BIG_UID, "观众甲", "辣条", 10, 100, coin_type="silver"),
        fake.super_chat(BIG_UID, "观众甲", "主播看看3号链接", 30),
        fake.guard_buy(BIG_UID, "观众甲", level=3, num=1, price=198000),
        fake.user_toast_v2(BIG_UID, "观众甲", level=3, num=1, price=198000, source=0),  # same purchase
        fake.user_toast_v2(BIG_UID, "观众甲", level=3, num=1, price=198000, source=2),  # its echo
        fake.user_toast_v2(42, "观众丙", level=2, num=1, price=1998000, source=0),  # a new purchase
        fake.interact_word(11, "进场的人", 1),
        fake.interact_word(12, "关注的人", 2),
        fake.interact_word(13, "分享的人", 3),
        fake.interact_word(14, "特别关注", 4),
        fake.interact_word_v2(15, "新进场", 1),
        fake.interact_word_v2(16, "新关注", 2),
        fake.interact_word_v2(17, "新分享", 3),
        fake.like_click(18, "点赞的人"),
        fake.like_update(1234),
        fake.watched_change(17000),  # before any online count
        fake.online_rank_count(321, 300),
        fake.watched_change(17001),
        fake.goto_buy_flow(),
        fake.hot_buy_num(100200300, 45),
        fake.live(),
        fake.preparing(),
    ]
    out = decode(b"".join(message(m) for m in msgs), state)
    assert not out.malformed
    assert not out.unknown
    rows = [(e.kind, e.user_name, e.text, e.count, e.amount_fen, e.product_id) for e in out.events]
    assert rows == [
        ("comment", "观众甲", "3号有货吗", 0, 0, ""),
        ("gift", "观众甲", "牛哇牛哇", 5, 50, ""),
        ("gift", "观众甲", "辣条", 10, 0, ""),
        ("gift", "观众甲", "主播看看3号链接", 1, 3000, ""),
        ("gift", "观众甲", "舰长", 1, 19800, ""),
        ("gift", "观众丙", "提督", 1, 199800, ""),
        ("enter", "进场的人", "", 0, 0, ""),
        ("follow", "关注的人", "", 0, 0, ""),
        ("share", "分享的人", "", 0, 0, ""),
        ("follow", "特别关注", "", 0, 0, ""),
        ("enter", "新进场", "", 0, 0, ""),
        ("follow", "新关注", "", 0, 0, ""),
        ("share", "新分享", "", 0, 0, ""),
        ("like", "点赞的人", "为主播点赞了", 1, 0, ""),
        ("like", "", "", 0, 0, ""),
        ("viewer_stats", "", "", 0, 0, ""),
        ("viewer_stats", "", "", 321, 0, ""),
        ("viewer_stats", "", "", 321, 0, ""),
        ("product_click", "", "观***正在去买", 1, 0, ""),
        ("product_click", "", "", 0, 0, "100200300"),
        ("system", "", "直播开始", 0, 0, ""),
        ("live_end", "", "", 0, 0, ""),
    ]
    by_kind = {e.kind: e for e in out.events}
    assert out.events[3].extra == {"gift": "醒目留言", "super_chat": True}
    assert out.events[14].extra == {"total_likes": 1234}
    assert out.events[15].extra == {"total_viewers": 17000, "online_unknown": True}
    assert out.events[17].extra == {"total_viewers": 17001}
    assert out.events[19].extra == {"signal": "hot_buy", "goods_id": "100200300", "num": 45}
    assert out.events[10].user_id == "15"
    assert out.events[10].ts == 1723979500.0
    assert by_kind["system"].ts == 1723979000.0
    assert state.online == 321


def test_zlib_and_brotli_batches_hold_several_packets() -> None:
    msgs = [fake.danmu(f"第{i}条", 100 + i, f"观众{i}") for i in range(5)]
    for ver in (2, 3):
        out = decode(batch(msgs, ver=ver))
        assert [e.text for e in out.events] == [f"第{i}条" for i in range(5)], ver
        assert not out.malformed
    # two batches and a plain packet in one frame
    frame = batch(msgs[:2], ver=2) + batch(msgs[2:4], ver=3) + message(msgs[4])
    assert [e.text for e in decode(frame).events] == [f"第{i}条" for i in range(5)]


def test_op3_quirk_stops_the_walk() -> None:
    # popularity, then the echoed heartbeat body outside pack_len: it must not be read as a header
    frame = heartbeat_reply(12345, echo=b"[object Object]" + b"\x00" * 40)
    out = decode(frame)
    assert out.popularity == 12345
    assert not out.malformed
    assert not out.events
    assert not out.unknown


def test_auth_reply() -> None:
    assert decode(fake.auth_reply(0)).auth_code == 0
    assert decode(fake.auth_reply(-101)).auth_code == -101
    out = decode(packet(8, b"not json", ver=1))
    assert out.auth_code == -1
    assert out.malformed


def test_cmd_suffix_is_stripped_and_unknown_commands_are_counted() -> None:
    out = decode(message({"cmd": "STOP_LIVE_ROOM_LIST:1:2", "data": {}}) + message({"cmd": "WIDGET_BANNER"}))
    assert out.unknown == ["STOP_LIVE_ROOM_LIST", "WIDGET_BANNER"]
    out = decode(message(fake.interact_word(1, "x", 6)))  # likes come as LIKE_INFO_V3_CLICK too
    assert out.unknown == ["INTERACT_WORD"]
    assert not out.events


GOOD = message(fake.danmu("好的", 1, "甲"))


def _zlib_packet(body: bytes) -> bytes:
    return packet(5, body, ver=2)


BROKEN_PACKETS: dict[str, bytes] = {
    "pack_len < 16": b"\x00\x00\x00\x08\x00\x10\x00\x00\x00\x00\x00\x05\x00\x00\x00\x00",
    "pack_len beyond the frame": b"\x00\x00\x10\x00\x00\x10\x00\x00\x00\x00\x00\x05\x00\x00\x00\x00{}",
    "header_len": (b"\x00\x00\x00\x12\x00\x0c\x00\x00\x00\x00\x00\x05\x00\x00\x00\x00{}"),
    "corrupt zlib": _zlib_packet(b"this is not zlib"),
    "truncated zlib": _zlib_packet(zlib.compress(GOOD * 3)[:-6]),
    "corrupt brotli": packet(5, b"\xff\xff not brotli", ver=3),
    "truncated brotli": packet(5, brotli.compress(GOOD * 50)[:-3], ver=3),
    "nested compression": _zlib_packet(zlib.compress(_zlib_packet(zlib.compress(GOOD)))),
    "invalid UTF-8": packet(5, b'{"cmd":"DANMU_MSG","info":"\xff\xfe"}'),
    "invalid JSON": packet(5, b'{"cmd":"DANMU_MSG",'),
    "deep JSON": packet(5, b"[" * 100_000 + b"]" * 100_000),
    "not an object": packet(5, b"[1,2,3]"),
    "no cmd": message({"data": {}}),
    "cmd not a string": message({"cmd": 5}),
    "info not a list": message({"cmd": "DANMU_MSG", "info": {"a": 1}}),
    "info too short": message({"cmd": "DANMU_MSG", "info": [[0, 1, 2, 3, 4], "x"]}),
    "uid mistyped": message({"cmd": "DANMU_MSG", "info": [[0, 1, 2, 3, 1723979200649], "x", ["12", "n"]]}),
    "uid a float": message({"cmd": "DANMU_MSG", "info": [[0, 1, 2, 3, 1723979200649], "x", [1.5e16, "n"]]}),
    "text missing": message({"cmd": "DANMU_MSG", "info": [[0, 1, 2, 3, 1723979200649], None, [1, "n"]]}),
    "gift no data": message({"cmd": "SEND_GIFT"}),
    "gift num string": message({**fake.send_gift(1, "n", "g", 1, 100), "data": {"num": "1"}}),
    "gift negative": message(
        {"cmd": "SEND_GIFT", "data": {**fake.send_gift(1, "n", "g", 1, 1)["data"], "num": -1}}
    ),
    "sc no user_info": message(
        {"cmd": "SUPER_CHAT_MESSAGE", "data": {"price": 30, "uid": 1, "message": "x"}}
    ),
    "guard bool price": message(
        {"cmd": "GUARD_BUY", "data": {**fake.guard_buy(1, "n")["data"], "price": True}}
    ),
    "toast no pay_info": message(
        {"cmd": "USER_TOAST_MSG_V2", "data": {"sender_uinfo": {}, "guard_info": {}}}
    ),
    "interact mistyped": message({"cmd": "INTERACT_WORD", "data": {"uid": 1, "uname": 2, "msg_type": 1}}),
    "pb not base64": message({"cmd": "INTERACT_WORD_V2", "data": {"pb": "!!!not base64"}}),
    "pb truncated": message(
        {"cmd": "INTERACT_WORD_V2", "data": {"pb": base64.b64encode(b"\x08\xff").decode()}}
    ),
    "pb bad uname": message(
        {"cmd": "INTERACT_WORD_V2", "data": {"pb": base64.b64encode(b"\x12\x02\xff\xfe").decode()}}
    ),
    "online missing": message({"cmd": "ONLINE_RANK_COUNT", "data": {}}),
    "watched string": message({"cmd": "WATCHED_CHANGE", "data": {"num": "1.7万"}}),
    "hot buy no goods": message({"cmd": "HOT_BUY_NUM", "data": {"num": 3}}),
    "like update no data": message({"cmd": "LIKE_INFO_V3_UPDATE", "data": []}),
    "heartbeat reply short": packet(3, b"\x00\x01", ver=1),
}


@pytest.mark.parametrize("name", list(BROKEN_PACKETS))
def test_each_broken_packet_is_counted_and_the_good_ones_around_it_kept(name: str) -> None:
    broken = BROKEN_PACKETS[name]
    got: list = []
    source = BilibiliSource("ws://127.0.0.1:9/sub", got.extend, room_id=1)
    source.handle_frame(GOOD + broken)  # good before bad in the same frame
    source.handle_frame(GOOD)  # and the next frame
    assert [e.text for e in got] == ["好的", "好的"], name
    assert source.status.malformed == 1, name
    assert source.status.frames == 2


def test_a_bad_packet_mid_frame_keeps_packets_after_it_when_the_walk_can_go_on() -> None:
    bad_json = packet(5, b"{oops")
    out = decode(GOOD + bad_json + GOOD + _zlib_packet(b"junk") + GOOD)
    assert [e.text for e in out.events] == ["好的", "好的", "好的"]
    assert [reason for reason, _ in out.malformed] == ["body is not JSON", "corrupt zlib body"]
    # a lying pack_len ends the walk: the rest of the frame cannot be found
    out = decode(GOOD + BROKEN_PACKETS["pack_len < 16"] + GOOD)
    assert len(out.events) == 1
    assert len(out.malformed) == 1


@pytest.mark.parametrize(
    ("frame", "reason"),
    [("a text frame", "text frame"), (b"", "empty"), (b"\x00\x00\x00", None)],
)
def test_whole_frame_problems(frame: str | bytes, reason: str | None) -> None:
    got: list = []
    source = BilibiliSource("ws://127.0.0.1:9/sub", got.extend, room_id=1)
    if reason:
        with pytest.raises(FrameError, match=reason):
            decode_frame(frame)
    source.handle_frame(frame)
    assert source.status.malformed == 1
    assert not got


def test_encode_packet_round_trips() -> None:
    frame = encode_packet(7, b'{"roomid":1}') + encode_packet(2, b"{}", seq=9)
    assert list(iter_packets(frame)) == [Packet(7, 1, 1, b'{"roomid":1}'), Packet(2, 1, 9, b"{}")]
    assert isinstance(next(iter_packets(b"\x00" * 5)), BadPacket)


def test_auth_packet_carries_room_and_protover_3() -> None:
    source = BilibiliSource("ws://127.0.0.1:9/sub", lambda e: None, room_id="21452505", token="t", buvid="b")
    [(op, ver, body)] = fake.parse_packets(source.auth_packet())
    assert (op, ver) == (7, 1)
    assert json.loads(body) == {
        "uid": 0, "roomid": 21452505, "protover": 3, "platform": "web", "type": 2, "key": "t", "buvid": "b"
    }  # fmt: skip
    assert fake.parse_packets(source.heartbeat())[0][0] == 2


def test_read_protobuf() -> None:
    data = fake.pb_message([(1, HUGE_UID), (2, "名字"), (5, 2)])
    assert read_protobuf(data) == {1: [HUGE_UID], 2: ["名字".encode()], 5: [2]}
    for bad in (b"\x08", b"\x12\x05ab", b"\x0f", b"\x00\x01", b"\x08" + b"\xff" * 11):
        with pytest.raises(FrameError):
            read_protobuf(bad)


def test_wbi_signature_matches_the_published_example() -> None:
    key = mixin_key("7cd084941338484aae1ad9425b84077c", "4932caff0ff746eab6f01bf08b70ac45")
    assert key == "ea1db124af3c7062474693fa704f4ff8"
    signed = wbi_sign({"foo": "114", "bar": "514", "zab": 1919810}, key, wts=1702204169)
    assert signed["w_rid"] == "8f6f2b5b3d485fe1886cec6a0be8c5d4"
    assert signed["wts"] == "1702204169"
    # characters the web player strips before signing
    assert wbi_sign({"q": "a!b'c(d)e*"}, key, wts=1)["q"] == "abcde"


def test_cookie_files(tmp_path) -> None:
    raw = tmp_path / "raw.txt"
    raw.write_text("SESSDATA=sess%2Cvalue; buvid3=B3-infoc; bili_jct=jct\n", encoding="utf-8")
    assert read_cookie_file(raw) == {"SESSDATA": "sess%2Cvalue", "buvid3": "B3-infoc", "bili_jct": "jct"}
    netscape = tmp_path / "cookies.txt"
    netscape.write_text(
        "# Netscape HTTP Cookie File\n"
        ".bilibili.com\tTRUE\t/\tFALSE\t1999999999\tbuvid3\tB3-infoc\n"
        "#HttpOnly_.bilibili.com\tTRUE\t/\tTRUE\t1999999999\tSESSDATA\tsecret\n"
        ".example.com\tTRUE\t/\tFALSE\t1999999999\tother\tx\n",
        encoding="utf-8",
    )
    assert read_cookie_file(netscape) == {"buvid3": "B3-infoc", "SESSDATA": "secret"}


# -- properties: nothing but FrameError escapes decode; handle_frame never raises -----------------------
VALID_FRAMES = [
    message(fake.danmu("扣1", BIG_UID, "甲", id_str="x")),
    batch([fake.send_gift(1, "乙", "小心心", 2, 100), fake.interact_word_v2(2, "丙", 2)], ver=2),
    batch([fake.super_chat(3, "丁", "看看", 30), fake.guard_buy(4, "戊"), fake.online_rank_count(5)], ver=3),
    heartbeat_reply(7),
    fake.auth_reply(0),
    message(fake.user_toast_v2(6, "己")) + message(fake.hot_buy_num(1, 2)) + message(fake.watched_change(3)),
]


def _json_values() -> st.SearchStrategy[object]:
    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=8), inner, max_size=6),
        max_leaves=30,
    )


def _check(frame: bytes) -> None:
    with contextlib.suppress(FrameError):
        decode_frame(frame)
    source = BilibiliSource("ws://127.0.0.1:9/sub", lambda e: None, room_id=1)
    source.handle_frame(frame)  # must not raise, whatever the frame


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.binary(max_size=200))
def test_random_bytes(frame: bytes) -> None:
    _check(frame)


@SETTINGS
@given(st.sampled_from(VALID_FRAMES), st.data())
def test_mutated_valid_frames(frame: bytes, data: st.DataObject) -> None:
    mutated = bytearray(frame)
    for _ in range(data.draw(st.integers(1, 6))):
        op = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        if op == "flip" and mutated:
            i = data.draw(st.integers(0, len(mutated) - 1))
            mutated[i] = data.draw(st.integers(0, 255))
        elif op == "cut" and mutated:
            del mutated[data.draw(st.integers(0, len(mutated) - 1)) :]
        else:
            i = data.draw(st.integers(0, len(mutated)))
            mutated[i:i] = data.draw(st.binary(min_size=1, max_size=8))
    _check(bytes(mutated))


COMMANDS = [
    "DANMU_MSG", "SEND_GIFT", "SUPER_CHAT_MESSAGE", "GUARD_BUY", "USER_TOAST_MSG_V2", "INTERACT_WORD",
    "INTERACT_WORD_V2", "LIKE_INFO_V3_CLICK", "LIKE_INFO_V3_UPDATE", "ONLINE_RANK_COUNT", "WATCHED_CHANGE",
    "GOTO_BUY_FLOW", "HOT_BUY_NUM", "LIVE", "PREPARING", "LOG_IN_NOTICE", "SOMETHING_NEW",
]  # fmt: skip


@SETTINGS
@given(st.sampled_from(COMMANDS), _json_values(), _json_values(), st.sampled_from([0, 2, 3]))
def test_random_json_under_every_command(cmd: str, data: object, info: object, ver: int) -> None:
    body = message({"cmd": cmd, "data": data, "info": info})
    frame = body if ver == 0 else batch([body], ver=ver)
    _check(frame)


TEMPLATES = [
    fake.danmu("x", 1, "y", id_str="i"), fake.send_gift(1, "a", "g", 1, 1), fake.user_toast_v2(1, "a"),
    fake.super_chat(1, "a", "m", 30), fake.interact_word(1, "a", 1), fake.hot_buy_num(1, 2),
]  # fmt: skip


@SETTINGS
@given(st.sampled_from(TEMPLATES), st.data())
def test_mutated_json_fields(template: dict, data: st.DataObject) -> None:
    """Replace one value anywhere in a valid message with random JSON."""
    for _ in range(2):
        obj = json.loads(json.dumps(template))
        node = obj
        while isinstance(node, dict | list) and node:
            keys = list(node.keys()) if isinstance(node, dict) else list(range(len(node)))
            key = data.draw(st.sampled_from(keys))
            if data.draw(st.booleans()) or not isinstance(node[key], dict | list):
                node[key] = data.draw(_json_values())
                break
            node = node[key]
        _check(message(obj))


def test_a_broken_timestamp_or_medal_never_costs_the_comment() -> None:
    msg = fake.danmu("还有吗", 7, "观众")
    msg["info"][0][4] = "yesterday"
    msg["info"][3] = "not a medal"
    msg["info"][0][15] = {"extra": "{not json"}
    [event] = decode(message(msg)).events
    assert event.text == "还有吗"
    assert event.ts == NOW
    assert event.msg_id == ""
    assert event.extra == {"guard_level": 3}  # the good optional field stays


def test_log_in_notice_tells_the_operator_why_names_are_masked() -> None:
    notice = {"cmd": "LOG_IN_NOTICE", "data": {"notice_msg": "为保护用户隐私，未登录无法查看他人昵称"}}
    [event] = decode(message(notice)).events
    assert event.kind == Kind.SYSTEM
    assert "未登录" in event.text
