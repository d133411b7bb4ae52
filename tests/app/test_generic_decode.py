"""The generic protocol's typed path (``typed_events``, one msgspec pass) gives exactly what the general
path (``parse_event`` object by object) gives, or steps aside; and the frames rooms really send take it."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.bounds import MAX_EVENT_TEXT
from app.core.events import LiveEvent
from app.sources.generic import GenericSource, typed_events

NOW = 1_700_000_000.0
FIELDS = ["type", "kind", "ts", "user_id", "user_name", "text", "count", "amount_fen", "product_id", "msg_id", "extra"]
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _general(frame: str | bytes) -> tuple[list[LiveEvent], int]:
    """The general path's events, and how many objects it counted as malformed."""
    source = GenericSource("", lambda events: None)
    events = source.read_general(frame, now=NOW)
    return events, source.status.malformed


def _same_as_general(frame: str | bytes) -> None:
    typed = typed_events(frame, now=NOW)
    if typed is None:
        return  # the general path reads it, and words any refusal
    events, malformed = _general(frame)
    assert malformed == 0  # the typed path takes only frames the general path takes whole
    assert typed == events
    assert [list(e.extra or ()) for e in typed] == [list(e.extra or ()) for e in events]  # key order is stored


def _values() -> st.SearchStrategy[object]:
    scalars = (st.none() | st.booleans() | st.integers() | st.integers(min_value=-5, max_value=2**64)
               | st.floats() | st.text(max_size=8) | st.sampled_from(["comment", "order", "like", "event", "x" * 2001]))
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=10)


def _event(n: int) -> dict[str, object]:
    return {"type": "event", "kind": "comment", "ts": NOW - 5 + n, "msg_id": f"m{n}", "user_id": str(7 * 10**18 + n),
            "user_name": f"观众{n}", "text": f"3号还有货吗 第{n}条"}


@SETTINGS
@given(st.lists(st.dictionaries(st.sampled_from(FIELDS), _values(), max_size=5), min_size=1, max_size=3),
       st.booleans(), st.booleans())
def test_random_objects_over_a_real_event_give_what_the_general_path_gives(
        changes: list[dict[str, object]], as_list: bool, as_bytes: bool) -> None:
    items = [{**_event(n), **change} for n, change in enumerate(changes)]
    text = json.dumps(items if as_list else items[0], ensure_ascii=False, allow_nan=True)
    _same_as_general(text.encode() if as_bytes else text)


@pytest.mark.parametrize("frame", [
    json.dumps([_event(1), _event(2)], ensure_ascii=False),
    json.dumps(_event(3)),
    json.dumps({**_event(4), "extra": {"gift_id": 7, "combo": [1, 2.5, None], "big": 2**70}}),
    json.dumps({**_event(5), "ts": int(NOW)}),  # an integer time
    json.dumps({"type": "event", "kind": "viewer_stats", "count": 120}),  # no ts: arrival time
    json.dumps({**_event(6), "extra": {}}),  # an empty extra is none
    json.dumps({**_event(7), "count": 2**63 - 1, "amount_fen": 0}),  # the largest count SQLite stores
    json.dumps({**_event(8), "unknown_field": [1, 2]}),  # a newer room's field
])
def test_the_frames_rooms_send_take_the_typed_path_and_match(frame: str) -> None:
    assert typed_events(frame, now=NOW) is not None
    _same_as_general(frame)


@pytest.mark.parametrize("frame", [
    json.dumps({"type": "ping"}),
    json.dumps({"type": "hello", "protocol": "livedeck", "v": 1}),
    json.dumps([_event(1), {**_event(2), "kind": "nonsense"}]),  # one bad object: the rest are kept below
    json.dumps({**_event(3), "text": "长" * (MAX_EVENT_TEXT + 1)}),  # cut, not refused
    json.dumps({**_event(4), "user_id": 7 * 10**18}),  # an integer id, kept exact as text
    json.dumps({**_event(5), "user_name": None}),  # null means absent
    json.dumps({**_event(6), "count": True}),
    json.dumps({**_event(7), "count": 2**63}),
    json.dumps({**_event(8), "ts": float("nan")}),
    json.dumps({**_event(9), "ts": -1}),
    '{"type": "event", "kind": "comment", "text": "\\ud83d"}',  # half an emoji
    '{"type": "event", "kind": "comment", "ts": 1e400}',
    '{"type": "event", "kind": "comment", "text": "a", "text": "b"}',  # duplicate keys: the last counts
    b"\xff\xfe not utf-8",
    "not json",
])
def test_everything_else_is_left_to_the_general_path(frame: str | bytes) -> None:
    typed = typed_events(frame, now=NOW)
    if isinstance(frame, str) and '"text": "a", "text": "b"' in frame and typed is not None:
        _same_as_general(frame)  # msgspec may take a duplicate key itself: then it must agree
        return
    assert typed is None


def test_one_bad_object_costs_only_itself() -> None:
    source = GenericSource("", lambda events: None)
    frame = json.dumps([_event(1), {**_event(2), "kind": "nonsense"}, _event(3)], ensure_ascii=False)
    events = source.decode(frame)
    assert [e.msg_id for e in events] == ["m1", "m3"]
    assert source.status.malformed == 1


def test_an_event_without_a_time_gets_its_arrival_time() -> None:
    source = GenericSource("", lambda events: None)
    before = time.time()
    (event,) = source.decode(json.dumps({"type": "event", "kind": "like", "count": 3}))
    assert before <= event.ts <= time.time()
