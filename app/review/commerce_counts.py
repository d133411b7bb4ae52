"""Clicks and orders per product (docs/review.md, "Per product"): over the whole session and inside the
product's own explain windows, with the session's clickers, buyers and clicked buyers."""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import Future
from dataclasses import dataclass

from app.core.events import Kind
from app.review.explain_windows import ExplainWindow, disjoint
from app.review.session import SessionReader

Sums = tuple[int, int, int, int]  # events (times), people, total(count), total(amount_fen)


@dataclass(frozen=True)
class CommerceCounts:
    """The product_click and order events per product (docs/review.md)."""

    whole: dict[tuple[str | None, str], Sums]  # (product_id, kind) → sums over the whole session
    inside: dict[tuple[str, str], Sums]  # (product_id, kind) → sums inside that product's explain windows
    inside_clicked_buyers: dict[str, int]  # product_id → people who clicked it and bought it inside its windows
    clickers: int
    buyers: int
    clicked_buyers: int  # buyers who also clicked a product


def commerce_future(reader: SessionReader) -> Future[CommerceCounts]:
    """The counts, read on a worker (started once)."""
    return reader.future("commerce", _read_commerce, reader)


def _read_commerce(reader: SessionReader) -> CommerceCounts:
    """Clicks and orders per product, over the whole session and inside its own explain windows, and the
    session's clickers, buyers and clicked buyers: the events are read once (each one's window found by
    an index seek in a small temp table of windows) into a temp table, then counted by upserts into
    small keyed tables — no GROUP BY sorter, which would serialize the review's threads."""
    sid = reader.session_id
    per_product: dict[str, list[ExplainWindow]] = defaultdict(list)
    for w in sorted(reader.explain_windows(), key=lambda w: (w.start_ts, w.end_ts)):
        per_product[w.product_id].append(w)
    fast = all(disjoint(ws) for ws in per_product.values())  # else the clocks went backwards
    inside_sql = ("(SELECT CASE WHEN w.b > e.ts THEN 1 END FROM temp.w WHERE w.pid = e.product_id "
                  "AND w.a <= e.ts ORDER BY w.a DESC, w.b DESC LIMIT 1)") if fast else "NULL"
    with reader.connection() as conn:
        conn.execute("CREATE TEMP TABLE w (pid TEXT, a REAL, b REAL)")
        conn.executemany("INSERT INTO temp.w VALUES (?, ?, ?)",
                         [(pid, w.start_ts, w.end_ts) for pid, ws in per_product.items() for w in ws])
        conn.execute("CREATE INDEX temp.w_pid_a ON w (pid, a, b)")
        # One row per (product, kind, person): how many events, units, fen, and how many inside a window
        # (product ids as keys: NULL stays apart from '' — char(0) stands for it; '' is "no one").
        conn.execute("CREATE TEMP TABLE u (pid TEXT NOT NULL, kind TEXT NOT NULL, uid TEXT NOT NULL, "
                     "n INTEGER, units, fen, w_n INTEGER, w_units, w_fen, PRIMARY KEY (pid, kind, uid)) "
                     "WITHOUT ROWID")
        conn.execute(
            f"INSERT INTO temp.u SELECT pid, kind, uid, 1, units, fen, inside, inside * units, inside * fen "
            f"FROM (SELECT ifnull(e.product_id, char(0)) AS pid, e.kind AS kind, ifnull(e.user_id, '') AS uid, "
            f"ifnull(e.count, 0) AS units, ifnull(e.amount_fen, 0) AS fen, {inside_sql} IS NOT NULL AS inside "
            f"FROM events e INDEXED BY events_session_kind_seq "
            f"WHERE e.session_id = ? AND e.kind IN ('order', 'product_click') LIMIT -1) "
            f"WHERE true ON CONFLICT (pid, kind, uid) DO UPDATE SET n = n + 1, units = units + excluded.units, "
            f"fen = fen + excluded.fen, w_n = w_n + excluded.w_n, w_units = w_units + excluded.w_units, "
            f"w_fen = w_fen + excluded.w_fen",
            (sid,),
        )
        sums = conn.execute(  # in key order: no sorter
            "SELECT pid, kind, sum(n), total(units), total(fen), sum(w_n), total(w_units), total(w_fen), "
            "count(*) FILTER (WHERE uid != ''), count(*) FILTER (WHERE uid != '' AND w_n > 0) "
            "FROM temp.u GROUP BY pid, kind"
        ).fetchall()
        conn.execute("CREATE TEMP TABLE p (uid TEXT PRIMARY KEY, c INTEGER, o INTEGER) WITHOUT ROWID")
        conn.execute(
            "INSERT INTO temp.p SELECT uid, kind = 'product_click', kind = 'order' FROM temp.u WHERE uid != '' "
            "ON CONFLICT (uid) DO UPDATE SET c = max(c, excluded.c), o = max(o, excluded.o)"
        )
        clickers, buyers, clicked_buyers = (int(n) for n in conn.execute(
            "SELECT total(c), total(o), total(c AND o) FROM temp.p").fetchone())
        # per product, the people with both a click and an order inside its windows (in key order: no sorter)
        w_clicked_buyers = {pid: n for pid, n in conn.execute(
            "SELECT o.pid, count(*) FROM temp.u o JOIN temp.u c ON c.pid = o.pid "
            "AND c.kind = 'product_click' AND c.uid = o.uid WHERE o.kind = 'order' AND o.uid != '' "
            "AND o.w_n > 0 AND c.w_n > 0 GROUP BY o.pid") if pid != "\0"}
    whole: dict[tuple[str | None, str], Sums] = {}
    inside: dict[tuple[str, str], Sums] = {}
    for pid, kind, n, units, fen, w_n, w_units, w_fen, people, w_people in sums:
        key = None if pid == "\0" else pid
        whole[(key, kind)] = (n, people, int(units), int(fen))
        if w_n and key is not None:
            inside[(key, kind)] = (w_n, int(w_people), int(w_units), int(w_fen))
    if not fast:
        inside, w_clicked_buyers = _window_stats(reader, reader.explain_windows())
    return CommerceCounts(whole, inside, w_clicked_buyers, clickers, buyers, clicked_buyers)


def _window_stats(reader: SessionReader,
                  windows: list[ExplainWindow]) -> tuple[dict[tuple[str, str], Sums], dict[str, int]]:
    """Clicks and orders of each product inside its own explain windows, and the people who both clicked
    and bought it inside them (SQL joins, window by window)."""
    if not windows:
        return {}, {}
    with reader.connection() as conn:
        conn.execute("CREATE TEMP TABLE w (pid TEXT, a REAL, b REAL)")
        conn.executemany("INSERT INTO w VALUES (?,?,?)", [(w.product_id, w.start_ts, w.end_ts) for w in windows])
        conn.execute("CREATE INDEX temp.w_pid_a ON w (pid, a)")
        rows = conn.execute(
            "SELECT w.pid, e.kind, count(*), count(DISTINCT nullif(e.user_id, '')), total(e.count), "
            "total(e.amount_fen) FROM events e INDEXED BY events_session_kind_seq "
            "JOIN w ON w.pid = e.product_id AND e.ts >= w.a AND e.ts < w.b "
            "WHERE e.session_id = ? AND e.kind IN ('order', 'product_click') GROUP BY w.pid, e.kind",
            (reader.session_id,),
        ).fetchall()
        uids_of: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
        for pid, kind, uid in conn.execute(
            "SELECT DISTINCT w.pid, e.kind, e.user_id FROM events e INDEXED BY events_session_kind_seq "
            "JOIN w ON w.pid = e.product_id AND e.ts >= w.a AND e.ts < w.b "
            "WHERE e.session_id = ? AND e.kind IN ('order', 'product_click') AND e.user_id != ''",
            (reader.session_id,),
        ):
            uids_of[(pid, kind)].add(uid)
    clicked_buyers = {pid: len(uids & uids_of.get((pid, Kind.PRODUCT_CLICK), set()))
                      for (pid, kind), uids in uids_of.items() if kind == Kind.ORDER}
    return ({(pid, kind): (n, people, int(units), int(fen)) for pid, kind, n, people, units, fen in rows},
            {pid: n for pid, n in clicked_buyers.items() if n})
