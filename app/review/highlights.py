"""Highlight moments (高光时刻): comment spikes by the live alert's rule (docs/metrics.md, comment_spike)."""

from __future__ import annotations

from dataclasses import dataclass

from app.review.session import SessionReader

#: Comment spikes (highlights) use the live alert's rule (docs/metrics.md, comment_spike).
SPIKE_WINDOW_S = 10
SPIKE_FACTOR = 3.0
SPIKE_MIN_COMMENTS = 10


@dataclass(frozen=True)
class Highlight:
    """A comment spike: ``comments`` in the 10 s from ``ts``, against the ``baseline`` per 10 s."""

    ts: float
    comments: int
    baseline: float
    samples: tuple[str, ...]


def read_highlights(reader: SessionReader, limit: int) -> list[Highlight]:
    """10 s with ≥ 3 × the previous minute's average per 10 s and ≥ 10 comments; adjacent spiking windows
    count once (the busiest); the biggest ``limit``, in time order."""
    w, t0 = SPIKE_WINDOW_S, reader.started_at
    rows = reader.query(
        "SELECT CAST((ts - ?) / ? AS INTEGER) AS b, count(*) FROM events INDEXED BY events_session_kind_seq "
        "WHERE session_id = ? "
        "AND kind = 'comment' AND ts >= ? GROUP BY b",
        (t0, w, reader.session_id, t0),
    )
    counts = dict(rows)
    per_minute = 60 // w
    spikes: list[tuple[int, int, float]] = []
    for b in sorted(counts):
        if b < per_minute:
            continue  # no previous minute yet
        n = counts[b]
        baseline = sum(counts.get(b - k, 0) for k in range(1, per_minute + 1)) / per_minute
        if n >= SPIKE_MIN_COMMENTS and n >= SPIKE_FACTOR * baseline:
            if spikes and b - spikes[-1][0] <= 1:
                if n > spikes[-1][1]:
                    spikes[-1] = (b, n, baseline)
                continue
            spikes.append((b, n, baseline))
    spikes = sorted(spikes, key=lambda s: -s[1])[:limit]
    out = []
    for b, n, baseline in sorted(spikes):
        start = t0 + b * w
        samples = tuple(r[0] for r in reader.query(
            "SELECT text FROM events WHERE session_id = ? AND ts >= ? AND ts < ? AND kind = 'comment' "
            "AND text != '' ORDER BY ts LIMIT 5",
            (reader.session_id, start, start + w),
        ))
        out.append(Highlight(start, n, baseline, samples))
    return out
