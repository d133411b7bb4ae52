"""app.core.fastjson.loads gives what json.loads gives: the same value, or the same kind of refusal."""

from __future__ import annotations

import json

import pytest

from app.core import fastjson
from app.sources.base import FrameError
from app.sources.douyin_bridge import parse_frame
from tests.fakes import douyin_bridge_server as douyin

SAME_AS_JSON = [
    '{"MsgId": 7400000000000000001, "Id": 123456789012345678901234567890}',  # beyond 2**53 and 2**64
    '{"text": "半个表情\\ud83d"}',  # a lone surrogate: msgspec refuses it, json keeps it
    '{"ts": NaN, "n": Infinity}',  # not JSON, but Python's json has always read it
    '[1e400, -0, 0.1, 1.5e-7]',
    '{"a": 1, "a": 2}',
    '"3号还有货吗"',
    "[" * 5000 + "]" * 5000,  # deep nesting: RecursionError from json, as before
    '{"a": 1} trailing',
    '{"a": ',
    "",
    '{"\x01": "control character in a key"}',
]


@pytest.mark.parametrize("text", SAME_AS_JSON, ids=range(len(SAME_AS_JSON)))
def test_loads_returns_or_refuses_like_json(text: str) -> None:
    try:
        expected: object = json.loads(text)
    except (ValueError, RecursionError) as exc:
        with pytest.raises(type(exc)):
            fastjson.loads(text)
        return
    got = fastjson.loads(text)
    assert repr(got) == repr(expected)  # repr: NaN equals itself, ints are not floats


def test_a_douyin_id_beyond_2_to_the_64_stays_exact_through_the_decoder() -> None:
    big = 2**70 + 1
    event = parse_frame(douyin.comment("还有吗", who=douyin.user(uid=big)), now=1_800_000_000.0)
    assert event is not None
    assert event.user_id == str(big)


def test_a_douyin_frame_that_is_not_json_is_still_refused() -> None:
    with pytest.raises(FrameError, match="not JSON"):
        parse_frame('{"Type": 1, "Data": "{broken"}', now=1_800_000_000.0)


SAME_TEXT_AS_DUMPS = [
    {"owner": "某品牌官方旗舰店", "fans_club": {"name": "宠粉团", "level": 5}},
    {"n": 1.5, "big": 2**70 + 1, "neg": -0.0, "small": 1e-7, "huge": 1e300, "t": True, "f": False, "z": None},
    {"list": [1, "二", [3.25, {}]], "tuple": (1, 2), 5: "an int key", "quote": '"\\\n\t\x01', "emoji": "🌸"},
    {"lone": "半个\ud83d"},
    {},
]


@pytest.mark.parametrize("value", SAME_TEXT_AS_DUMPS, ids=range(len(SAME_TEXT_AS_DUMPS)))
def test_dumps_strict_writes_what_json_dumps_writes(value: object) -> None:
    assert fastjson.dumps_strict(value) == json.dumps(value, ensure_ascii=False, allow_nan=False)


def _nested(depth: int) -> list[object]:
    value: list[object] = []
    for _ in range(depth):
        value = [value]
    return value


def _circular() -> list[object]:
    value: list[object] = []
    value.append(value)
    return value


@pytest.mark.parametrize(("value", "error"), [
    ({"ts": float("nan")}, ValueError),
    ({"n": float("inf")}, ValueError),
    ({"when": object()}, TypeError),
    ({(1, 2): "a tuple key"}, TypeError),
    (_nested(100_000), RecursionError),
    (_circular(), RecursionError),
])  # fmt: skip
def test_dumps_strict_refuses_what_json_dumps_refuses(value: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        fastjson.dumps_strict(value)
