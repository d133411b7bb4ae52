"""The session over time: the timeline's buckets (online, comments, orders, GMV) and the markers on it
(docs/review.md, "Timeline" and "Explain windows and markers")."""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from app.core.events import is_coupon_drop
from app.core.i18n import tr
from app.review.comment_scan import SCAN_BUCKET_S, comment_scan
from app.review.log_access import loads_object
from app.review.promotions import coupon_label
from app.review.session import SessionReader


@dataclass(frozen=True)
class TimelinePoint:
    """One bucket of the timeline, starting at ``ts`` (bucket_s long)."""

    ts: float
    online: int  # the last viewer_stats sample in the bucket (carried over from earlier if none)
    online_avg: float  # mean of the bucket's samples (the carried value if none)
    comments: int
    orders: int
    gmv_fen: int
    cumulative_gmv_fen: int



@dataclass(frozen=True)
class Marker:
    """A moment on the timeline."""

    ts: float
    kind: str  # flash_sale_start | flash_sale_end | coupon_drop | lucky_bag | alert
    label: str


def marker_kind_name(kind: str) -> str:
    """A marker kind as the charts' legends name it."""
    return {"flash_sale_start": tr("秒杀开始"), "flash_sale_end": tr("秒杀结束"), "coupon_drop": tr("发券"),
            "lucky_bag": tr("福袋"), "alert": tr("系统提醒"), "highlight": tr("高光时刻")}.get(kind, tr("事件"))


_Rows = Future[list[tuple[Any, ...]]]


def timeline_queries(reader: SessionReader, bucket_s: int) -> tuple[_Rows, _Rows]:
    """(comments, orders, GMV per bucket; viewer_stats samples). Per minute, the comments come from the
    comment scan (which reads them anyway) and only the orders are read here."""
    t0, sid = reader.started_at, reader.session_id
    if bucket_s == SCAN_BUCKET_S:
        counts_f = reader.future(
            ("timeline", bucket_s), reader.query,
            "SELECT max(0, CAST((ts - ?) / ? AS INTEGER)) AS b, 0, count(*), total(amount_fen) "
            "FROM events INDEXED BY events_session_kind_seq WHERE session_id = ? AND kind = 'order' GROUP BY b",
            (t0, bucket_s, sid),
        )
    else:
        counts_f = reader.future(
            ("timeline", bucket_s), reader.query,
            # the session's primary-key range: comments are too big a share of the events to read them
            # through the kind index (a b-tree search per row)
            "SELECT max(0, CAST((ts - ?) / ? AS INTEGER)) AS b, sum(kind = 'comment'), sum(kind = 'order'), "
            "total(CASE WHEN kind = 'order' THEN amount_fen END) FROM events NOT INDEXED "
            "WHERE session_id = ? AND kind IN ('comment', 'order') GROUP BY b",
            (t0, bucket_s, sid),
        )
    stats_f = reader.future(
        "viewer_stats", reader.query,
        "SELECT ts, count FROM events INDEXED BY events_session_kind_seq "
        "WHERE session_id = ? AND kind = 'viewer_stats' ORDER BY ts, seq", (sid,)
    )
    return counts_f, stats_f


def read_timeline(reader: SessionReader, bucket_s: int) -> list[TimelinePoint]:
    t0 = reader.started_at
    counts_f, stats_f = timeline_queries(reader, bucket_s)
    stats = stats_f.result()
    horizon = int((reader.horizon_ts - t0) // bucket_s)  # later buckets are off the session's clock
    counts = {b: (c, o, int(g)) for b, c, o, g in counts_f.result() if b is not None and b <= horizon}
    if bucket_s == SCAN_BUCKET_S:
        for b, n in comment_scan(reader).comments_per_minute.items():
            if b is not None and b <= horizon:
                _, o, g = counts.get(b, (0, 0, 0))
                counts[b] = (n, o, g)
    last_bucket = max([int((reader.end_ts - t0) // bucket_s), *counts]) if counts or reader.end_ts > t0 else 0
    online_by: dict[int, list[int]] = defaultdict(list)
    for ts, n in stats:
        online_by[max(0, int((ts - t0) // bucket_s))].append(n)
    out = []
    carried = 0
    cumulative = 0
    for b in range(last_bucket + 1):
        comments, orders, gmv = counts.get(b, (0, 0, 0))
        cumulative += gmv
        samples = online_by.get(b)
        if samples:
            online, avg = samples[-1], sum(samples) / len(samples)
            carried = online
        else:
            online, avg = carried, float(carried)
        out.append(TimelinePoint(t0 + b * bucket_s, online, avg, comments, orders, gmv, cumulative))
    return out


def read_markers(reader: SessionReader) -> list[Marker]:
    out: list[Marker] = []
    for ts, text, pid, extra_text in reader.query(
        "SELECT ts, text, product_id, extra FROM events INDEXED BY events_session_kind_seq "
        "WHERE session_id = ? AND kind = 'system' "
        "AND extra IS NOT NULL ORDER BY seq",
        (reader.session_id,),
    ):
        extra = loads_object(extra_text)  # not JSON, or not an object: matches no marker below
        label = reader.product_label(pid) if pid else ""
        if extra.get("alert"):
            out.append(Marker(ts, "alert", text))
        elif extra.get("flash_sale") == "started":
            out.append(Marker(ts, "flash_sale_start", tr("秒杀开始 {product}", product=label).strip()))
        elif extra.get("flash_sale") == "ended":
            out.append(Marker(ts, "flash_sale_end", tr("秒杀结束 {product}", product=label).strip()))
        elif is_coupon_drop(extra):
            out.append(Marker(ts, "coupon_drop", text or tr("优惠券")))
        elif extra.get("lucky_bag") in ("started", "drawn"):
            out.append(Marker(ts, "lucky_bag", text or tr("福袋")))
    kinds = {m.kind for m in out}
    # A log without LiveDeck's own system events (another recorder, a synthetic log): from the actions.
    for name, args, ts, _cid, _actor in reader.actions:
        if name == "start_flash_sale" and "flash_sale_start" not in kinds:
            label = reader.product_label(str(args.get("product_id", "")))
            start = args.get("starts_at_wall", ts)
            out.append(Marker(start, "flash_sale_start", tr("秒杀开始 {product}", product=label).strip()))
            if "ends_at_wall" in args:
                out.append(Marker(args["ends_at_wall"], "flash_sale_end",
                                  tr("秒杀结束 {product}", product=label).strip()))
        elif name == "drop_coupon" and "coupon_drop" not in kinds:
            out.append(Marker(ts, "coupon_drop", coupon_label(args)))
        elif name == "start_lucky_bag" and "lucky_bag" not in kinds:
            out.append(Marker(ts, "lucky_bag", tr("福袋")))
    out = [m for m in out if m.ts <= reader.horizon_ts]
    out.sort(key=lambda m: m.ts)
    return out
