"""How the session library, the review and the comparison write a session's date, status, platform and
file name."""

from __future__ import annotations

import time
from typing import Any

from app.core.i18n import tr
from app.core.units import format_datetime
from app.review.log_access import platform_name


def format_date(ts: float | None) -> str:
    """``2026-03-01 20:00`` in local time, or a dash."""
    return format_datetime(ts or None, seconds=False)  # 0 is "never started", not 1970


def status_text(status: str) -> str:
    return {"live": tr("直播中"), "ended": tr("已结束"), "interrupted": tr("已中断")}.get(status, status)


def status_color(status: str) -> str | None:
    return {"interrupted": "amber", "live": "green"}.get(status)


def platform_text(platform: str) -> str:
    """A session's platform (app.review.library.SessionRow.platform) as its source names itself."""
    return platform_name(platform)



def file_stem(row: Any) -> str:
    """A file name for a session's export or report: its start and title, without characters Windows refuses."""
    date = time.strftime("%Y%m%d-%H%M", time.localtime(row.started_at)) if row.started_at else "session"
    safe = "".join(c for c in (row.title or "") if c not in '\\/:*?"<>|').strip()[:40]
    return f"{date} {safe}".strip()
