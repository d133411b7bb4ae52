"""How money, counts, durations and times read to a person, and how typed money is read back.

Money is integer fen everywhere else; this module is the one place that turns fen into text and text
into fen, so a price reads (and is accepted) the same in the catalog, the promotions forms, the feed and
the reports.
"""

from __future__ import annotations

import re
import time
import unicodedata
from decimal import Decimal

from app.core.i18n import tr

#: No price, threshold or order in a live room comes near ¥10 billion; more is a typo or a unit mix-up.
MAX_FEN = 10**12

# Digits with optional thousands separators (only in groups of three, so "12,5" is not read as 125),
# then at most one decimal point.
_AMOUNT = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+")


class AmountError(ValueError):
    """Text that is not an amount of money. ``problem`` says which rule it broke (``empty``,
    ``not_a_number``, ``negative``, ``finer_than_a_fen``, ``too_large``), so that a caller with a stricter
    rule (a flash-sale price must be > 0) can word the message its own way."""

    def __init__(self, problem: str, message: str) -> None:
        super().__init__(message)
        self.problem = problem


def format_fen(fen: float) -> str:
    """``123456`` → ``¥1,234.56`` (a fractional fen, e.g. an average, is rounded)."""
    whole = round(fen)
    sign = "-" if whole < 0 else ""
    yuan, cents = divmod(abs(whole), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def format_fen_or_dash(fen: float | None) -> str:
    """A rate in fen (average order, UV value…), or ``—`` while it is undefined."""
    return "—" if fen is None else format_fen(fen)


def format_yuan(fen: int) -> str:
    """Yuan without the sign or separators, cents only when there are any: ``19900`` → ``199``,
    ``1990`` → ``19.90``. It reads back through :func:`parse_yuan` (form fields, coupon labels, the feed)."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan}" if cents == 0 else f"{sign}{yuan}.{cents:02d}"


def parse_yuan(text: str) -> int:
    """Typed or imported yuan → fen: ``"12"``, ``"12.5"``, ``"¥12.50"``, ``"１２.５"``, ``"1,299"``, ``"99元"``.

    Zero is accepted: whether ¥0 makes sense (a gift in the catalog: yes; a flash-sale price: no) is
    the caller's rule, as is naming the row or field in front of the message.

    Raises:
        AmountError: (a ValueError) empty text, not a number, negative, finer than a fen, or more than
            :data:`MAX_FEN`; the message (in the UI language) says which.
    """
    cleaned = unicodedata.normalize("NFKC", text).strip()  # full-width digits, ￥ and ， become ASCII
    cleaned = cleaned.removeprefix("¥").removesuffix("元").strip()
    if not cleaned:
        raise AmountError("empty", tr("请输入金额（元），例如 99 或 99.90"))
    negative = cleaned.startswith("-")
    if not _AMOUNT.fullmatch(cleaned.removeprefix("-")):
        raise AmountError("not_a_number", tr("不是金额：{text}", text=text.strip()))
    fen = Decimal(cleaned.replace(",", "")) * 100
    if negative and fen != 0:
        raise AmountError("negative", tr("金额不能为负数：{text}", text=text.strip()))
    if fen != fen.to_integral_value():
        raise AmountError("finer_than_a_fen", tr("金额最多两位小数：{text}", text=text.strip()))
    if abs(fen) > MAX_FEN:
        raise AmountError("too_large", tr("金额太大：{text}", text=text.strip()))
    return abs(int(fen))


def coupon_label(kind: str, threshold_fen: int = 0, discount_fen: int = 0, percent_off: int = 0) -> str:
    """How a coupon reads, as the platforms write it: ``满100减10`` (满减), ``立减5元`` (直减), ``8.5折`` (折扣).

    An unknown ``kind`` reads as itself.
    """
    if kind == "满减":
        return tr("满{threshold}减{discount}", threshold=format_yuan(threshold_fen), discount=format_yuan(discount_fen))
    if kind == "直减":
        return tr("立减{discount}元", discount=format_yuan(discount_fen))
    if kind == "折扣":
        return tr("{tenths}折", tenths=f"{(100 - percent_off) / 10:g}")
    return kind


def format_clock(seconds: float) -> str:
    """Elapsed or remaining time: ``00:09``, ``12:34``, ``1:02:03`` (never negative)."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def format_time_of_day(ts: float) -> str:
    """A unix time as the local wall clock reads it: ``20:15:30`` (``—`` for one no calendar holds)."""
    local = _local(ts)
    return "—" if local is None else time.strftime("%H:%M:%S", local)


def _local(ts: float) -> time.struct_time | None:
    """``time.localtime(ts)``; None for a time out of the platform's range (1e300, a NaN)."""
    try:
        return time.localtime(ts)
    except (OverflowError, OSError, ValueError):
        return None


def format_datetime(ts: float | None, *, seconds: bool = True) -> str:
    """A unix time as a local date and time, ``2024-05-01 20:15:30`` (``—`` when unknown)."""
    local = None if ts is None else _local(ts)
    if local is None:
        return "—"
    return time.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M", local)


def format_count(n: int) -> str:
    """Counts with thousands separators: ``12,345``."""
    return f"{n:,}"
