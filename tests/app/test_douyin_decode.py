"""Douyin bridge (BarrageGrab JSON) decoding: every Type, exact ids, gift combos counted once, bad frames."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.bounds import check_event
from app.core.events import Kind, LiveEvent
from app.sources import douyin_bridge
from app.sources.base import FrameError
from app.sources.douyin_bridge import BridgeState, DouyinBridgeSource, UnknownTypeError, _parse_general, parse_frame
from app.store.rows import event_rows
from tests.fakes import douyin_bridge_server as fake

# The sample from docs/protocols/douyin_bridge.md, byte for byte (tests/app/test_docs.py checks it is there).
SAMPLE = (
    '{"Type":1,"ProcessName":"直播伴侣","Data":"{\\"MsgId\\":7400000000000000001,\\"RoomId\\":\\"7401234567890123456\\",'
    '\\"WebRoomId\\":\\"123456789012\\",\\"Onwer\\":{\\"UserId\\":\\"98765432101\\",\\"Nickname\\":\\"某品牌官方旗舰店\\"},'
    '\\"User\\":{\\"Id\\":7000000000000001,\\"ShortId\\":1000001,\\"DisplayId\\":\\"dy000001\\",\\"Nickname\\":\\"买家小王\\",'
    '\\"Level\\":0,\\"PayLevel\\":12,\\"Gender\\":2,\\"FansClub\\":{\\"ClubName\\":\\"宠粉团\\",\\"Level\\":5}},'
    '\\"Content\\":\\"3号链接什么时候上\\"}"}'
)
BIG = 2**63 - 7  # an int64 beyond 2**53


def source() -> tuple[DouyinBridgeSource, list[LiveEvent]]:
    got: list[LiveEvent] = []
    return DouyinBridgeSource("", got.extend), got


def test_the_protocol_doc_sample() -> None:
    event = parse_frame(SAMPLE, now=1.0)
    assert event is not None
    assert event.kind == Kind.COMMENT
    assert event.text == "3号链接什么时候上"
    assert event.msg_id == "7400000000000000001"
    assert event.user_id == "7000000000000001"
    assert event.user_name == "买家小王"
    assert event.extra == {"owner": "某品牌官方旗舰店", "fans_club": {"name": "宠粉团", "level": 5}}


def test_default_url() -> None:
    assert DouyinBridgeSource("", lambda e: None).url == "ws://127.0.0.1:8888"


def test_ids_beyond_2_53_stay_exact() -> None:
    event = parse_frame(fake.comment("扣1", msg_id=BIG, who=fake.user(uid=BIG - 1)))
    assert event is not None
    assert event.msg_id == str(BIG)
    assert event.user_id == str(BIG - 1)


def test_every_type() -> None:
    src, got = source()
    frames = [
        fake.comment("3号有货吗"),
        fake.like(15, 2000),
        fake.enter(321),
        fake.follow(),
        fake.gift("小心心", 5655, 1, group=0, repeat=1, combo=False),
        fake.room_stats(1234, 56789),
        fake.fansclub(2, 1),
        fake.share(3),
        fake.live_end(),
    ]
    for frame in frames:
        src.handle_frame(frame)
    rows = [(e.kind, e.text, e.count, e.amount_fen) for e in got]
    assert rows == [
        ("comment", "3号有货吗", 0, 0),
        ("like", "", 15, 0),
        ("enter", "", 0, 0),
        ("follow", "", 0, 0),
        ("gift", "小心心", 1, 10),
        ("viewer_stats", "", 1234, 0),
        ("fansclub", "", 0, 0),
        ("share", "", 0, 0),
        ("live_end", "直播已结束", 0, 0),
    ]
    assert got[1].extra is not None
    assert got[1].extra["total_likes"] == 2000
    assert got[2].extra is not None
    assert got[2].extra["current_count"] == 321
    assert got[5].extra is not None
    assert got[5].extra["total_viewers"] == 56789
    assert got[6].extra is not None
    assert (got[6].extra["action"], got[6].extra["level"]) == ("joined", 1)
    assert got[7].extra is not None
    assert got[7].extra["share_type"] == 3
    assert all(e.user_name == "买家小王" for e in got)
    assert src.status.malformed == 0


def test_owner_spelling_and_kuaishou() -> None:
    event = parse_frame(fake.follow(owner_key="Owner", platform=2))
    assert event is not None
    assert event.extra is not None
    assert event.extra["owner"] == "某品牌官方旗舰店"
    assert event.extra["platform"] == "kuaishou"


def test_unknown_types_are_counted() -> None:
    src, got = source()
    src.handle_frame(fake.frame(10, {"Content": "new"}))
    src.handle_frame(fake.frame(10, {}))
    src.handle_frame(fake.frame(42, {}))
    assert not got
    assert src.status.malformed == 0
    src.handle_frame(fake.comment("hi"))  # counters are published with the next frame
    assert src.status.unknown == {"Type 10": 2, "Type 42": 1}
    with pytest.raises(UnknownTypeError):
        parse_frame(fake.frame(10, {}))


def gifts_total(frames: list[str]) -> tuple[int, int, list[LiveEvent]]:
    src, got = source()
    for frame in frames:
        src.handle_frame(frame)
    return sum(e.count for e in got), sum(e.amount_fen for e in got), got


A = fake.user(uid=7000000000000001, nickname="甲")
B = fake.user(uid=7000000000000002, nickname="乙")


def test_a_combo_with_running_repeat_counts_is_counted_once() -> None:
    # 甲 sends 1, 2, 3 … 5 of a combo (RepeatCount running), with a repeated frame and an out-of-order one
    frames = [fake.gift("玫瑰", 463, 1, group=1700, repeat=n, who=A) for n in (1, 2, 3, 3, 2, 5)]
    count, fen, got = gifts_total(frames)
    assert count == 5
    assert fen == 5 * 1 * 10
    assert [e.count for e in got] == [1, 1, 1, 2]


def test_giftcount_is_used_when_present() -> None:
    frames = [
        fake.gift("玫瑰", 463, 1, group=1700, repeat=3, new=3, who=A),
        fake.gift("玫瑰", 463, 1, group=1700, repeat=10, new=7, who=A),
        fake.gift("玫瑰", 463, 1, group=1700, repeat=10, new=7, who=A),  # the bridge resent the last update
        fake.gift("嘉年华", 3, 3000, group=1800, repeat=1, new=1, who=A),
    ]
    count, fen, _ = gifts_total(frames)
    assert count == 11
    assert fen == 10 * 1 * 10 + 1 * 3000 * 10  # ¥1 of roses + ¥300 嘉年华


def test_combos_are_kept_apart_by_user_gift_and_group() -> None:
    frames = [
        fake.gift("玫瑰", 463, 1, group=1700, repeat=2, who=A),
        fake.gift("玫瑰", 463, 1, group=1700, repeat=3, who=B),  # same group id, another user
        fake.gift("小心心", 5655, 1, group=1700, repeat=4, who=A),  # same group, another gift
        fake.gift("玫瑰", 463, 1, group=1701, repeat=1, who=A),  # a new combo
        fake.gift("玫瑰", 463, 1, group=1700, repeat=6, who=A),
    ]
    count, _, _ = gifts_total(frames)
    assert count == 6 + 3 + 4 + 1


def test_gifts_without_a_group_are_each_counted() -> None:
    frames = [fake.gift("墨镜", 8, 100, group=0, repeat=1, combo=False, who=A) for _ in range(3)]
    count, fen, _ = gifts_total(frames)
    assert count == 3
    assert fen == 3 * 100 * 10


BROKEN: dict[str, str | bytes] = {
    "not JSON": "{not json",
    "binary not UTF-8": b"\xff\xfe\x00",
    "not an object": "[1, 2]",
    "Type missing": json.dumps({"ProcessName": "x", "Data": "{}"}),
    "Type a string": json.dumps({"Type": "1", "Data": "{}"}),
    "Type a bool": json.dumps({"Type": True, "Data": "{}"}),
    "Data missing": json.dumps({"Type": 1}),
    "Data not JSON": json.dumps({"Type": 1, "Data": "{oops"}),
    "Data a list": json.dumps({"Type": 1, "Data": "[1]"}),
    "Data a number": json.dumps({"Type": 1, "Data": 5}),
    "User a list": json.dumps({"Type": 1, "Data": json.dumps({"User": [], "Content": "x"})}),
    "User.Id a float": json.dumps({"Type": 1, "Data": json.dumps({"User": {"Id": 1.5e17}, "Content": "x"})}),
    "MsgId an object": json.dumps({"Type": 1, "Data": json.dumps({"MsgId": {}, "Content": "x"})}),
    "Nickname a number": json.dumps(
        {"Type": 1, "Data": json.dumps({"User": {"Nickname": 5}, "Content": "x"})}
    ),
    "comment without Content": json.dumps({"Type": 1, "Data": json.dumps({"User": {}})}),
    "like Count missing": json.dumps({"Type": 2, "Data": json.dumps({"Total": 5})}),
    "like Count negative": json.dumps({"Type": 2, "Data": json.dumps({"Count": -5})}),
    "gift DiamondCount text": json.dumps({"Type": 5, "Data": json.dumps({"GiftId": 1, "DiamondCount": "x"})}),
    "gift RepeatCount float": json.dumps({"Type": 5, "Data": json.dumps({"GroupId": 1, "RepeatCount": 2.5})}),
    "stats OnlineUserCount missing": json.dumps({"Type": 6, "Data": json.dumps({"TotalUserCount": 5})}),
    "stats OnlineUserCount an object": json.dumps({"Type": 6, "Data": json.dumps({"OnlineUserCount": {}})}),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_each_broken_frame_is_counted_and_the_stream_goes_on(name: str) -> None:
    src, got = source()
    src.handle_frame(fake.comment("before"))
    src.handle_frame(BROKEN[name])
    src.handle_frame(fake.comment("after"))
    assert [e.text for e in got] == ["before", "after"], name
    assert src.status.malformed == 1, name
    with pytest.raises(FrameError):
        parse_frame(BROKEN[name])


def test_data_as_an_object_and_numbers_as_text_are_accepted() -> None:
    # some forks send Data unencoded, and counts as digit strings
    frame = json.dumps({"Type": 6, "Data": {"OnlineUserCount": "1234", "TotalUserCount": "99999"}})
    event = parse_frame(frame)
    assert event is not None
    assert event.count == 1234


# -- properties ------------------------------------------------------------------------------------
def _json_values() -> st.SearchStrategy[object]:
    scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=6),
        max_leaves=25,
    )


FIELDS = [
    "MsgId", "User", "Content", "Count", "Total", "CurrentCount", "GiftId", "GiftName", "GroupId",
    "GiftCount", "RepeatCount", "DiamondCount", "OnlineUserCount", "TotalUserCount", "Type", "Level",
    "ShareType", "Platform", "Onwer", "Owner",
]  # fmt: skip
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(frame: str | bytes) -> None:
    with contextlib.suppress(FrameError, UnknownTypeError):
        parse_frame(frame, BridgeState())
    src, _ = source()
    src.handle_frame(frame)  # never raises


@SETTINGS
@given(st.binary(max_size=200) | st.text(max_size=200))
def test_random_frames(frame: str | bytes) -> None:
    _check(frame)


@SETTINGS
@given(
    st.integers(0, 11),
    st.dictionaries(st.sampled_from(FIELDS), _json_values(), max_size=8),
    st.sampled_from(["string", "object", "raw"]),
)
def test_random_data_under_every_type(kind: int, data: dict, encoding: str) -> None:
    payload: object = json.dumps(data) if encoding == "string" else data if encoding == "object" else "x"
    _check(json.dumps({"Type": kind, "ProcessName": "p", "Data": payload}))


@SETTINGS
@given(st.integers(1, 9), st.sampled_from(FIELDS), _json_values())
def test_one_field_replaced_in_a_valid_frame(kind: int, field: str, value: object) -> None:
    outer = json.loads(fake.gift("玫瑰", 463, 1, group=1, repeat=2) if kind == 5 else fake.frame(kind, {}))
    data = json.loads(outer["Data"])
    data[field] = value
    outer["Data"] = json.dumps(data)
    _check(json.dumps(outer))


# -- the typed path for comments gives what the general path gives -----------------------------------
def _outcome(parse: Callable[[], LiveEvent | None]) -> object:
    try:
        return parse()
    except (FrameError, UnknownTypeError) as exc:
        return type(exc), str(exc)


def _same_as_general(frame: str) -> None:
    typed = _outcome(lambda: parse_frame(frame, BridgeState(), now=NOW))
    general = _outcome(lambda: _parse_general(frame, BridgeState(), NOW))
    assert typed == general
    if isinstance(typed, LiveEvent):  # extra's key order is part of the stored text
        assert isinstance(general, LiveEvent)
        assert list(typed.extra or ()) == list(general.extra or ())
        if typed.extra_json is not None:  # the text the typed path hands the bounds check is extra's own
            assert typed.extra_json == (typed.extra, json.dumps(typed.extra, ensure_ascii=False, allow_nan=False))


NOW = 1_700_000_000.0
USER_FIELDS = ["Id", "Nickname", "FansClub"]
CLUB_FIELDS = ["ClubName", "Level"]


@SETTINGS
@given(
    st.dictionaries(st.sampled_from([*FIELDS, "Content"]), _json_values(), max_size=4),
    st.dictionaries(st.sampled_from(USER_FIELDS), _json_values(), max_size=3),
    st.dictionaries(st.sampled_from(CLUB_FIELDS), _json_values() | st.text(max_size=8), max_size=2),
    st.sampled_from(["Onwer", "Owner", "both", "neither"]),
)
def test_the_typed_comment_path_gives_what_the_general_path_gives(
    data_fields: dict, user_fields: dict, club_fields: dict, owner: str
) -> None:
    outer = json.loads(fake.comment("3号有货吗", who=fake.user(uid=BIG)))
    data = json.loads(outer["Data"])
    data.pop("Onwer")
    if owner in ("Onwer", "both"):
        data["Onwer"] = {"Nickname": "店"}
    if owner in ("Owner", "both"):
        data["Owner"] = {"Nickname": "旗舰店"} if owner == "Owner" else None
    data["User"]["FansClub"].update(club_fields)
    data["User"].update(user_fields)
    data.update(data_fields)
    outer["Data"] = json.dumps(data, ensure_ascii=False)
    _same_as_general(json.dumps(outer, ensure_ascii=False))


@pytest.mark.parametrize("frame", [
    SAMPLE,
    fake.comment("扣1", msg_id=BIG, who=fake.user(uid=BIG - 1, club=False)),
    fake.comment("x", platform=2, owner_key="Owner"),
    fake.comment("长" * 3000, who=fake.user(nickname="名" * 3000)),  # texts are cut to MAX_TEXT
    # duplicate keys: the last one counts, as in json.loads
    '{"Type": 1, "Data": "{\\"Content\\": \\"a\\", \\"MsgId\\": {}, \\"MsgId\\": 5}"}',
    '{"Type": 1, "Data": "{\\"Content\\": \\"a\\", \\"MsgId\\": 5, \\"MsgId\\": 1.5}"}',
    # what msgspec refuses and json.loads accepts (a lone surrogate, NaN, a number past a float)
    '{"Type": 1, "Data": "{\\"Content\\": \\"\\\\ud83d\\"}"}',
    '{"Type": 1, "Data": "{\\"Content\\": \\"a\\", \\"Level\\": NaN}"}',
    '{"Type": 1, "ProcessName": 1e400, "Data": "{\\"Content\\": \\"a\\"}"}',
    '{"Type": 1, "Data": "{\\"Content\\": \\"a\\", \\"MsgId\\": ' + "9" * 5000 + '}"}',
    '{"Type": 1, "Data": {"Content": "sent as an object"}}',
    '{"Type": 2, "Data": "{\\"Count\\": 3}"}',
    '{"Type": 42, "Data": "{}"}',
])  # fmt: skip
def test_frames_the_typed_path_passes_on_get_the_general_paths_answer(frame: str) -> None:
    _same_as_general(frame)


def _comment_as(club: dict | None, owner: str | None, platform: int | None, text: str = "3号有货吗") -> str:
    outer = json.loads(fake.comment(text, platform=platform))
    data = json.loads(outer["Data"])
    data["User"]["FansClub"] = club
    data["Onwer"] = None if owner is None else {"Nickname": owner}
    outer["Data"] = json.dumps(data)  # ASCII: a lone surrogate travels as its \ud83d escape
    return json.dumps(outer)


def test_each_comment_stores_its_own_extra_though_the_text_is_encoded_once_per_room_owner_and_club(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The typed path encodes extra once per (platform, owner, club, level) and hands that text to the
    # bounds check; a memo that mixed two keys up would store one viewer's fan club on another's comment.
    monkeypatch.setattr(douyin_bridge, "MAX_EXTRA_TEXTS", 3)  # small enough to start afresh mid-stream
    shapes = [
        ({"ClubName": "宠粉团", "Level": 5}, "旗舰店", None),
        ({"ClubName": "宠粉团", "Level": 6}, "旗舰店", None),
        ({"ClubName": "宠粉团", "Level": "6"}, "旗舰店", None),
        ({"ClubName": "铁粉团", "Level": 5}, "旗舰店", None),
        ({"ClubName": "宠粉团", "Level": 5}, "旗舰店", 2),
        ({"ClubName": "宠粉团", "Level": 5}, "另一家店", None),
        (None, "旗舰店", None),
        (None, None, None),
        ({"ClubName": "半个\ud83d表情", "Level": 1}, "旗舰店", None),
    ]
    state = BridgeState()
    for club, owner, platform in [*shapes, *reversed(shapes), *shapes]:
        frame = _comment_as(club, owner, platform)
        event = parse_frame(frame, state, now=NOW)
        expected = _parse_general(frame, BridgeState(), NOW)
        assert isinstance(event, LiveEvent)
        assert isinstance(expected, LiveEvent)
        assert event.extra == expected.extra
        assert check_event(event, NOW) is None
        assert check_event(expected, NOW) is None
        assert event_rows(1, [event]) == event_rows(1, [expected])  # the stored row, extra's text included
    assert len(state.extra_texts) <= 3

