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
