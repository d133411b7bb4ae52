"""The session's summary: its KPIs, every count as docs/metrics.md defines it, recomputed from the events
(docs/review.md, "Summary")."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from app.core.events import Kind
from app.core.metric_fields import SessionTotals
from app.metrics.tracker import INTERACTION_KINDS, VIEWER_KINDS, SessionRates
from app.review.comment_scan import comment_scan
from app.review.commerce_counts import commerce_future
from app.review.log_access import platform_name
from app.review.session import SessionReader
from app.store.session_log import METRICS_COLUMNS


@dataclass(frozen=True)
class Summary(SessionTotals, SessionRates):
    """The session's KPIs: the session totals (app.core.metric_fields.SessionTotals, recomputed from the
    events) and what only a whole session has; the rates come from SessionRates (docs/metrics.md)."""

    session_id: int
    title: str
    platform: str
    status: str
    started_at: float
    ended_at: float | None
    duration_s: float
    peak_online: int
    average_online: float | None
    platform_total_viewers: int
    gifts_fen: int
    questions: int

    @property
    def platform_name(self) -> str:
        """The platform by its name in the UI language (哔哩哔哩, 演示直播间), not its code."""
        return platform_name(self.platform)


def _in(values: Iterable[str]) -> str:
    return "(" + ",".join(f"'{v}'" for v in sorted(values)) + ")"


_SQL_VIEWER_KINDS = _in(VIEWER_KINDS)
# Without ANALYZE statistics SQLite often scans the whole session by primary key for "session_id = ? AND
# kind = ?"; the (session_id, kind, seq) index reads only that kind's rows (10-50x faster on big logs).
_SQL_INTERACTION_KINDS = _in(INTERACTION_KINDS)


def summary_queries(reader: SessionReader) -> dict[str, Future[list[tuple[Any, ...]]]]:
    sid = reader.session_id
    q = reader.query
    return {
        "kinds": reader.future("kinds", q, "SELECT kind, count(*) FROM events WHERE session_id = ? GROUP BY kind",
                              (sid,)),
        "sums": reader.future(
            "sums", q,
            "SELECT kind, total(count), total(amount_fen), max(count) FROM events "
            "INDEXED BY events_session_kind_seq WHERE session_id = ? "
            "AND kind IN ('order', 'gift', 'viewer_stats') GROUP BY kind",
            (sid,),
        ),
        "snap": reader.future("snap", q, f"SELECT {', '.join(METRICS_COLUMNS)} FROM metrics WHERE session_id = ? "
                             "ORDER BY ts DESC LIMIT 1", (sid,)),
        "small_people": reader.future(
            "small_people", q,
            """SELECT
                (SELECT count(DISTINCT user_id) FROM events INDEXED BY events_session_kind_seq
                    WHERE session_id = :s AND kind = 'follow' AND user_id != ''),
                (SELECT max(CAST(iif(json_valid(extra), extra ->> '$.total_viewers', NULL) AS INTEGER)) FROM events
                   INDEXED BY events_session_kind_seq WHERE session_id = :s AND kind = 'viewer_stats'),
                (SELECT sum(count * (next_ts - ts)) / nullif(max(next_ts) - min(ts), 0) FROM (
                   SELECT count, ts, lead(ts) OVER (ORDER BY ts, seq) AS next_ts
                   FROM events INDEXED BY events_session_kind_seq WHERE session_id = :s AND kind = 'viewer_stats')
                 WHERE next_ts IS NOT NULL)
            """.replace(":s", "?"),
            (sid,) * 3,
        ),
    }


def read_summary(reader: SessionReader) -> Summary:
    sid = reader.session_id
    q = reader.query
    queries = summary_queries(reader)
    kinds_f, sums_f, snap_f = queries["kinds"], queries["sums"], queries["snap"]
    small_people_f = queries["small_people"]
    scan = comment_scan(reader)  # added up here while the other queries run
    kinds = dict(kinds_f.result())
    sums = {k: (int(c), int(a), m) for k, c, a, m in sums_f.result()}
    snap_rows = snap_f.result()
    follows, total_viewers, avg_online = small_people_f.result()[0]
    commerce = commerce_future(reader).result()
    clickers, buyers, clicked_buyers = commerce.clickers, commerce.buyers, commerce.clicked_buyers
    orders = kinds.get(Kind.ORDER, 0)
    units, gmv, _ = sums.get(Kind.ORDER, (0, 0, None))
    # The big distinct counts (UV, commenters, interacting) and the likes sum: from the final metrics
    # snapshot when it provably saw every event (its counts equal the events'), else recounted.
    snap = None
    if snap_rows:
        snap = dict(zip(METRICS_COLUMNS, snap_rows[0], strict=True))
        same = (
            snap["comments"] == kinds.get(Kind.COMMENT, 0) and snap["orders"] == orders
            and snap["entries_pv"] == kinds.get(Kind.ENTER, 0)
            and snap["clicks"] == kinds.get(Kind.PRODUCT_CLICK, 0)
            and snap["gmv_fen"] == gmv and snap["follows"] == follows and snap["buyers"] == buyers
            and snap["clickers"] == clickers
        )
        if not same:
            snap = None
    if snap is not None:
        uv, commenters, interacting, likes = (snap["viewers_uv"], snap["commenters"], snap["interacting"],
                                              snap["likes"])
    else:
        uv_f = reader.submit(q, "SELECT count(DISTINCT user_id) FROM events WHERE session_id = ? AND user_id != '' "
                            f"AND kind IN {_SQL_VIEWER_KINDS}", (sid,))
        inter_f = reader.submit(
            q,
            "SELECT (SELECT count(DISTINCT user_id) FROM events WHERE session_id = ? AND user_id != '' "
            f"AND kind IN {_SQL_INTERACTION_KINDS}), (SELECT count(DISTINCT user_id) FROM events "
            "WHERE session_id = ? AND kind = 'comment' AND user_id != ''), "
            "(SELECT total(count) FROM events INDEXED BY events_session_kind_seq "
            "WHERE session_id = ? AND kind = 'like')",
            (sid, sid, sid),
        )
        uv = uv_f.result()[0][0]
        interacting, commenters, likes = inter_f.result()[0]
    peak = sums.get(Kind.VIEWER_STATS, (0, 0, 0))[2] or 0
    average: float | None = avg_online
    if average is None and kinds.get(Kind.VIEWER_STATS, 0):
        average = float(reader.query(
            "SELECT count FROM events INDEXED BY events_session_kind_seq "
            "WHERE session_id = ? AND kind = 'viewer_stats' ORDER BY ts DESC, seq DESC "
            "LIMIT 1", (sid,))[0][0])
    return Summary(
        session_id=sid, title=reader.title, platform=reader.platform, status=reader.status,
        started_at=reader.started_at, ended_at=reader.ended_at, duration_s=reader.end_ts - reader.started_at,
        peak_online=int(peak), average_online=average, viewers_uv=int(uv),
        entries_pv=kinds.get(Kind.ENTER, 0), platform_total_viewers=int(total_viewers or 0),
        comments=kinds.get(Kind.COMMENT, 0), commenters=int(commenters), likes=int(likes),
        follows=int(follows), interacting=int(interacting), clicks=kinds.get(Kind.PRODUCT_CLICK, 0),
        clickers=int(clickers), clicked_buyers=int(clicked_buyers), orders=orders, buyers=int(buyers),
        units=units, gmv_fen=gmv, gifts_fen=sums.get(Kind.GIFT, (0, 0, 0))[1],
        questions=scan.question_count,
    )
