"""What the questions pane's memory costs per question (ui/live/question_store.py), measured on the demo
room's own questions, and that the compact columns give every question back as it came."""

from __future__ import annotations

import tracemalloc

import pytest

from app.comments.tags import tags_of
from app.rooms.demo_simulation import DemoRoom
from ui.live.question_store import QuestionStore

T0 = 1_714_565_730.0


def demo_questions(count: int) -> list[tuple[int, float, str, str, str, str | None, int | None]]:
    """``count`` questions as the demo room asks them (its viewers' ids, names and words), numbered in order."""
    room = DemoRoom(seed=2026, rate=2000)
    found: list[tuple[int, float, str, str, str, str | None, int | None]] = []
    t = 0.0
    while len(found) < count:
        for event in room.step(0.05, t):
            tags = tags_of(event.get("text", "")) if event["kind"] == "comment" else None
            if tags is not None and tags.question is not None:
                found.append((len(found) + 1, T0 + event["ts"], event["user_id"], event["user_name"],
                              event["text"], tags.question, tags.product))
        t += 0.05
    return found[:count]


def test_a_question_costs_about_a_hundred_bytes() -> None:
    questions = demo_questions(20_000)  # the demo room's 29 questions a second for 11 minutes
    tracemalloc.start()
    try:
        store = QuestionStore()
        for question in questions:
            store.add(*question)
        held, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(store) == 20_000
    # The old Question objects (their own strings, a formatted time, a dict entry) held ~490 bytes each.
    assert held / len(store) < 130, held / len(store)
    assert store.nbytes() / len(store) < 110


def test_every_question_comes_back_as_it_came() -> None:
    questions = demo_questions(2000)
    store = QuestionStore()
    for question in questions:
        store.add(*question)
    for i in (0, 1, 999, 1999):
        key, ts, uid, name, text, kind, product = questions[i]
        got = store.get(i)
        assert (got.key, got.ts, got.user_id, got.user_name, got.text, got.kind, got.product, got.answered) == (
            key, ts, uid, name, text, kind, product, False)
    assert store.find(questions[1234][0]) == 1234
    assert store.find(10**9) is None


def test_dropping_the_oldest_keeps_the_newest_and_their_answers() -> None:
    store = QuestionStore()
    for n in range(1, 11):
        store.add(n, T0 + n, f"u{n}", f"观众{n}", f"{n}号多少钱？", "price", n % 3)
    store.set_answered(2)
    store.set_answered(7)
    assert store.unanswered == 8
    store.drop_oldest(4)  # questions 1–4 go, 3 (answered) among them
    assert len(store) == 6
    assert store.unanswered == 5
    assert [store.get(i).text for i in range(6)] == [f"{n}号多少钱？" for n in range(5, 11)]
    assert store.find(8) == 3
    assert store.answered(3)
    assert store.find(2) is None
    assert store.answer_product(2) == [0]  # 5 and 8 name product 2; 8 is answered already
    assert store.unanswered == 4
    store.add(11, T0 + 11, "u11", "观众11", "发货快吗", "shipping", None)
    assert store.get(6).product is None
    assert store.get(6).kind == "shipping"
    store.clear()
    assert len(store) == 0
    assert store.unanswered == 0


@pytest.mark.parametrize("keys", [[5, 3, 9, 1], [1, 2, 3, 4]])
def test_a_question_is_found_by_its_key_in_any_order(keys: list[int]) -> None:
    store = QuestionStore()
    for key in keys:
        store.add(key, T0, "u", "观众", "有XL吗", "size", None)
    assert [store.find(key) for key in keys] == [0, 1, 2, 3]


def test_texts_no_codec_likes_are_kept() -> None:
    store = QuestionStore()
    store.add(1, T0, "u\x00", "半个\ud83d", "有货吗\U0001f600？", "stock", None)
    got = store.get(0)
    assert (got.user_id, got.user_name, got.text) == ("u\x00", "半个\ud83d", "有货吗\U0001f600？")
