"""Money, durations and times: one way to write them and one way to read typed money back."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core import i18n
from app.core.units import (
    MAX_FEN,
    AmountError,
    coupon_label,
    format_clock,
    format_datetime,
    format_fen,
    format_fen_or_dash,
    format_time_of_day,
    format_yuan,
    parse_yuan,
)

fen_values = st.integers(min_value=0, max_value=MAX_FEN)


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("12", 1200),
        ("12.5", 1250),
        ("12.50", 1250),
        ("¥12.50", 1250),
        ("￥12.50", 1250),
        ("¥ 12.50 ", 1250),
        ("99元", 9900),
        ("１２.５", 1250),  # full-width digits, as a Chinese IME types them
        ("１２．５", 1250),
        ("1,299", 129900),
        ("1，299.90", 129990),  # full-width comma
        ("1,234,567.89", 123456789),
        ("0", 0),
        ("0.01", 1),
        (".5", 50),
        ("59.900", 5990),  # trailing zeros from a spreadsheet are still whole fen
        ("10000000000", MAX_FEN),
    ],
)
def test_parse_yuan_reads_what_people_type(text: str, fen: int) -> None:
    assert parse_yuan(text) == fen


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "请输入金额"),
        ("  ¥ ", "请输入金额"),
        ("abc", "不是金额"),
        ("12,5", "不是金额"),  # a decimal comma would otherwise read as ¥125
        ("1,29", "不是金额"),
        ("1.2.3", "不是金额"),
        ("NaN", "不是金额"),
        ("inf", "不是金额"),
        ("-inf", "不是金额"),
        ("1e3", "不是金额"),
        ("-5", "不能为负数"),
        ("-0.01", "不能为负数"),
        ("12.345", "最多两位小数"),
        ("0.001", "最多两位小数"),
        ("10000000000.01", "太大"),
        ("99999999999999999999", "太大"),
    ],
)
def test_parse_yuan_says_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_yuan(text)


@pytest.mark.parametrize(
    ("text", "problem"),
    [("", "empty"), ("x", "not_a_number"), ("-1", "negative"), ("0.001", "finer_than_a_fen"),
     ("1" * 20, "too_large")],
)
def test_parse_yuan_names_the_rule_a_text_broke(text: str, problem: str) -> None:
    with pytest.raises(AmountError) as caught:
        parse_yuan(text)
    assert caught.value.problem == problem


def test_parse_yuan_errors_are_in_the_ui_language() -> None:
    i18n.set_language("en")
    with pytest.raises(ValueError, match=r"at most 2 decimals: 1\.234"):
        parse_yuan("1.234")
    with pytest.raises(ValueError, match="negative"):
        parse_yuan("-1")


@given(fen_values)
def test_format_yuan_reads_back_as_the_same_fen(fen: int) -> None:
    assert parse_yuan(format_yuan(fen)) == fen


@given(fen_values)
def test_format_fen_reads_back_as_the_same_fen(fen: int) -> None:
    assert parse_yuan(format_fen(fen)) == fen


def test_money_formats() -> None:
    assert format_fen(123456) == "¥1,234.56"
    assert format_fen(-5) == "-¥0.05"
    assert format_fen(1234.6) == "¥12.35"  # an average in fen is rounded to a whole fen
    assert format_fen_or_dash(None) == "—"
    assert format_fen_or_dash(9950.0) == "¥99.50"
    assert format_yuan(19900) == "199"
    assert format_yuan(1990) == "19.90"
    assert format_yuan(1234567) == "12345.67"  # never "12345.7" or "1.23457e+04"
    assert format_yuan(-150) == "-1.50"


def test_coupon_labels_read_as_the_platforms_write_them() -> None:
    assert coupon_label("满减", threshold_fen=10000, discount_fen=1000) == "满100减10"
    assert coupon_label("满减", threshold_fen=9950, discount_fen=550) == "满99.50减5.50"
    assert coupon_label("直减", discount_fen=500) == "立减5元"
    assert coupon_label("折扣", percent_off=15) == "8.5折"
    assert coupon_label("折扣", percent_off=10) == "9折"
    assert coupon_label("神秘券") == "神秘券"


def test_clock_and_wall_times() -> None:
    assert format_clock(9.9) == "00:09"
    assert format_clock(754) == "12:34"
    assert format_clock(3723) == "1:02:03"
    assert format_clock(-3) == "00:00"
    ts = time.mktime((2024, 5, 1, 20, 15, 30, 0, 0, -1))
    assert format_time_of_day(ts) == "20:15:30"
    assert format_datetime(ts) == "2024-05-01 20:15:30"
    assert format_datetime(ts, seconds=False) == "2024-05-01 20:15"
    assert format_datetime(None) == "—"
