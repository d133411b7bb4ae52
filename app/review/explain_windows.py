"""Explain windows (讲解时段): when each product was on the explain card, rebuilt from the logged commands
(docs/review.md, "Explain windows and markers")."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.commerce.queue import explain_windows_from_actions

#: A logged, applied command: (name, args, ts, command_id, actor).
Action = tuple[str, dict[str, Any], float, str, str]
#: The session's catalog: product id → (no, name, price_fen).
Catalog = dict[str, tuple[int, str, int]]


@dataclass(frozen=True)
class ExplainWindow:
    """A product on the explain card (讲解) from ``start_ts`` to ``end_ts``."""

    no: int | None
    product_id: str
    name: str
    start_ts: float
    end_ts: float  # an unfinished window ends when the session (or its last event) ended


def rebuild_explain_windows(actions: Sequence[Action], catalog: Catalog, by_no: dict[Any, str],
                            end_ts: float) -> list[ExplainWindow]:
    """The explain windows as the commerce handlers made them (app.commerce.queue.explain_windows_from_actions,
    the one rule), with each product's name; one still open ends at ``end_ts``."""
    rows = [(name, args, ts) for name, args, ts, _cid, _actor in actions]
    return [ExplainWindow(w.no, w.product_id, catalog.get(w.product_id, (w.no, "", 0))[1], w.start_ts,
                          w.start_ts if w.end_ts is None else w.end_ts)
            for w in explain_windows_from_actions(rows, by_no, end_ts)]


def disjoint(windows: Sequence[ExplainWindow]) -> bool:
    """Whether each window ends before the next one starts (so they are in time order and a moment is in
    at most one) — always, unless the logged actions' clocks went backwards."""
    return all(windows[i].end_ts <= windows[i + 1].start_ts for i in range(len(windows) - 1))


def window_at(ts: float, windows: list[ExplainWindow], starts: list[float]) -> ExplainWindow | None:
    """The disjoint window holding ``ts`` (``starts``: the windows' start times, in order), if any."""
    i = bisect.bisect_right(starts, ts) - 1
    return windows[i] if i >= 0 and windows[i].start_ts <= ts < windows[i].end_ts else None


def explained_at(ts: float, windows: list[ExplainWindow], starts: list[float]) -> str | None:
    """The product explained at ``ts``, if any (as :func:`window_at`)."""
    window = window_at(ts, windows, starts)
    return window.product_id if window is not None else None
