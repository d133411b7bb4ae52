"""How money, counts and durations read to a person. Money is integer fen everywhere else."""

from __future__ import annotations


def format_fen(fen: int) -> str:
    """``123456`` → ``¥1,234.56``."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def format_clock(seconds: float) -> str:
    """Elapsed or remaining time: ``00:09``, ``12:34``, ``1:02:03`` (never negative)."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def format_count(n: int) -> str:
    """Counts with thousands separators: ``12,345``."""
    return f"{n:,}"
