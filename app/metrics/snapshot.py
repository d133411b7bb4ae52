"""The tracker's counters at one moment, and their rows in the ``metrics`` table (docs/schema.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.core.bounds import saturate
from app.core.metric_fields import METRIC_NAMES, MetricCounters
from app.metrics.rates import SessionRates

#: Column order of a snapshot row in the ``metrics`` table (after ``session_id``): the metric fields.
SNAPSHOT_FIELDS: tuple[str, ...] = METRIC_NAMES


@dataclass(frozen=True, slots=True)
class Snapshot(MetricCounters, SessionRates):
    """The cumulative counters at one moment (the fields of app.core.metric_fields.MetricCounters);
    every rate is one field ÷ another."""

    def row(self) -> tuple[Any, ...]:
        """The values in :data:`SNAPSHOT_FIELDS` order; a sum past SQLite's 2**63 − 1 saturates there
        (docs/metrics.md), so a valid event never breaks the snapshot's insert."""
        return tuple(saturate(v) if type(v) is int else v for v in map(self.__getattribute__, SNAPSHOT_FIELDS))

    # -- derived ---------------------------------------------------------------------------------
    @property
    def average_online(self) -> float | None:
        """Time-weighted average online; the only sample's value if there is one; None if none."""
        if self.online_span_s > 0:
            return self.online_seconds / self.online_span_s
        return float(self.online) if self.peak_online or self.online else None


def snapshot_rows(session_id: int, snapshots: Iterable[Snapshot]) -> list[Mapping[str, Any]]:
    """Snapshots as ``metrics`` rows (dicts with ``session_id`` and :data:`SNAPSHOT_FIELDS`)."""
    return [{"session_id": session_id, **dict(zip(SNAPSHOT_FIELDS, s.row(), strict=True))} for s in snapshots]
