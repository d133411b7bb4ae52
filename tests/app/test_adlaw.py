"""Advertising Law check: absolute terms found with suggestions; ordinary words left alone."""

from __future__ import annotations

from app.comments.adlaw import AdLawChecker, Finding, check


def words(text: str, extra: tuple[str, ...] = ()) -> list[str]:
    return [f.word for f in check(text, extra)]


def test_finds_absolute_terms_with_positions_and_suggestions() -> None:
    text = "这是最好的面霜，全网最低价，100%有效"
    findings = check(text)
    assert [f.word for f in findings] == ["最好", "全网最低价", "100%"]
    first = findings[0]
    assert first == Finding(2, 4, "最好", "很好/优秀")
    assert text[first.start : first.end] == "最好"
    assert findings[2].suggestion == "高比例"


def test_longest_term_wins() -> None:
    assert words("最低价") == ["最低价"]
    assert words("行业第一品牌") == ["第一品牌"]
    assert words("最划算") == ["最"]  # the bare 最 is an absolute claim too


def test_no_false_positives_on_time_and_sequence_words() -> None:
    assert words("最近很多人问，最后三单，最少两件起，第一次来的宝宝") == []
    assert words("最后一款是最好的") == ["最好"]
    assert words("这款卖了第一名") == ["第一"]


def test_users_own_words_with_and_without_suggestion() -> None:
    checker = AdLawChecker(["秒杀价=直播价", "神器"])
    findings = checker.check("神器，秒杀价只要99")
    assert [(f.word, f.suggestion) for f in findings] == [("神器", "请改写"), ("秒杀价", "直播价")]


def test_clean_text_and_empty_text() -> None:
    assert check("") == []
    assert check("这款面霜很好用，适合干皮") == []
