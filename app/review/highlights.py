"""Highlight moments (高光时刻): comment spikes by the live alert's rule (docs/metrics.md, comment_spike)."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.i18n import tr
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


def _bucket_counts(reader: SessionReader) -> dict[int, int]:
    """Comments per 10 s bucket since the start (cached: the highlights and their explanation share it)."""
    w, t0 = SPIKE_WINDOW_S, reader.started_at

    def compute() -> dict[int, int]:
        return dict(reader.query(
            "SELECT CAST((ts - ?) / ? AS INTEGER) AS b, count(*) FROM events INDEXED BY events_session_kind_seq "
            "WHERE session_id = ? "
            "AND kind = 'comment' AND ts >= ? GROUP BY b",
            (t0, w, reader.session_id, t0),
        ))

    return reader.cached("spike_buckets", compute)


def _with_baselines(counts: dict[int, int]) -> list[tuple[int, int, float]]:
    """(bucket, comments, the previous minute's average per 10 s) for each bucket past the first minute."""
    per_minute = 60 // SPIKE_WINDOW_S
    return [(b, counts[b], sum(counts.get(b - k, 0) for k in range(1, per_minute + 1)) / per_minute)
            for b in sorted(counts) if b >= per_minute]  # the first minute has no previous minute


def rule_text() -> str:
    """What counts as a highlight, for the reader of the review and the report."""
    return tr("高光时刻：某 {window} 秒内的评论数不少于 {min} 条，且达到前一分钟平均每 {window} 秒的 "
              "{factor:g} 倍以上（与直播中“评论突增”提醒同一规则）。",
              window=SPIKE_WINDOW_S, min=SPIKE_MIN_COMMENTS, factor=SPIKE_FACTOR)


def no_highlight_reason(reader: SessionReader) -> str:
    """Why the rule found no highlight in this session, with the numbers that fell short."""
    buckets = _with_baselines(_bucket_counts(reader))
    if not buckets:
        return tr("本场没有评论突增：开播一分钟后没有评论")
    peak = max(n for _b, n, _base in buckets)
    if peak < SPIKE_MIN_COMMENTS:
        return tr("本场没有评论突增：最高 {window} 秒评论 {n} 条，低于 {min} 条",
                  window=SPIKE_WINDOW_S, n=peak, min=SPIKE_MIN_COMMENTS)
    best = max(((n / base, n) for _b, n, base in buckets if n >= SPIKE_MIN_COMMENTS and base > 0),
               default=(0.0, peak))
    return tr("本场没有评论突增：评论不少于 {min} 条的 {window} 秒里，最高只有前一分钟平均的 {ratio:.1f} 倍"
              "（{n} 条），不到 {factor:g} 倍", min=SPIKE_MIN_COMMENTS, window=SPIKE_WINDOW_S,
              ratio=best[0], n=best[1], factor=SPIKE_FACTOR)


def read_highlights(reader: SessionReader, limit: int) -> list[Highlight]:
    """10 s with ≥ 3 × the previous minute's average per 10 s and ≥ 10 comments; adjacent spiking windows
    count once (the busiest); the biggest ``limit``, in time order."""
    w, t0 = SPIKE_WINDOW_S, reader.started_at
    spikes: list[tuple[int, int, float]] = []
    for b, n, baseline in _with_baselines(_bucket_counts(reader)):
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
