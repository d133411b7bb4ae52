"""The metric fields, declared once: the counters of a metrics snapshot, one per ``metrics`` column.

:class:`MetricCounters` is the declaration (its :class:`SessionTotals` are also the review summary's
counts). Everything else is derived from it: the live snapshot
(``app.metrics.snapshot.Snapshot`` adds the rates to these fields), the snapshot's row and the column
order (:data:`METRIC_NAMES`, ``SNAPSHOT_FIELDS``), the session log's ``metrics`` columns and its insert
(``app.store.rows.METRICS_COLUMNS``), the review's read of the last snapshot, and each column's SQL type
(:data:`METRIC_FIELDS`). The table itself is made by the store's migrations, which never change once
shipped: a new field here needs a new migration adding its column (and a row in docs/schema.md) —
tests/app/test_store.py checks that the table's columns and their types equal :data:`METRIC_FIELDS`.

It lives in app/core because the metrics (which compute it), the store (which writes it) and the review
(which reads it back) all use it, and they must not import each other.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import get_type_hints


@dataclass(frozen=True, slots=True)
class SessionTotals:
    """What a show has counted so far, as the live snapshot and the review's summary both report it
    (docs/metrics.md): the review's ``Summary`` recomputes exactly these from the events.

    People (distinct user_id): viewers_uv, commenters, follows, interacting, clickers, clicked_buyers,
    buyers. Times (events): entries_pv, comments, clicks, orders. Sums: likes, units, gmv_fen.
    """

    viewers_uv: int
    entries_pv: int
    comments: int
    commenters: int
    likes: int
    follows: int
    interacting: int
    clicks: int
    clickers: int
    clicked_buyers: int
    orders: int
    units: int
    buyers: int
    gmv_fen: int


@dataclass(frozen=True, slots=True)
class MetricCounters(SessionTotals):
    """The cumulative counters at one moment (docs/metrics.md; the ``metrics`` table of docs/schema.md):
    the session totals and what only a live moment has (the time, who is online, the last minute)."""

    ts: float  # when the snapshot was taken (unix seconds)
    online: int
    peak_online: int
    online_seconds: float  # ∫ online dt over the viewer_stats samples (viewer-seconds)
    online_span_s: float  # seconds from the first to the last viewer_stats sample
    comments_1m: int  # comments with ts in (ts - 60, ts]


@dataclass(frozen=True, slots=True)
class MetricField:
    """One metric field: its name (also its ``metrics`` column) and its column's SQL type."""

    name: str
    sql_type: str  # "INTEGER" or "REAL"


_SQL_TYPES: dict[type, str] = {int: "INTEGER", float: "REAL"}

_HINTS = get_type_hints(MetricCounters)
#: The metric fields, from :class:`MetricCounters` (every read and write names its columns, so the
#: declaration's order need not be the table's).
METRIC_FIELDS: tuple[MetricField, ...] = tuple(
    MetricField(f.name, _SQL_TYPES[_HINTS[f.name]]) for f in fields(MetricCounters)
)
#: The metric fields' names: a snapshot's row, the ``metrics`` columns after ``session_id``.
METRIC_NAMES: tuple[str, ...] = tuple(f.name for f in METRIC_FIELDS)
