"""The review (app/review/) against independent SQL over a hand-made session log."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import pytest

from app.core.events import LiveEvent
from app.review.compare import compare
from app.review.keywords import stopwords
from app.review.library import delete_session, export_session, import_session, list_sessions, rename_session
from app.review.log_access import ReviewError
from app.review.results import Review
from app.review.shop_orders import import_shop_orders
from app.store.session_log import SessionLog
from tests.log_sql import sql

T0 = 1_718_000_000.0


def ev(seq: int, kind: str, dt: float, uid: str = "", text: str = "", count: int = 0, amount: int = 0,
       pid: str = "", extra: dict | None = None, name: str = "") -> LiveEvent:
    return LiveEvent(kind, T0 + dt, uid, name or (f"观众{uid}" if uid else ""), text, count, amount, pid, "",
                     extra, seq)


PRODUCTS = [
    {"no": 1, "product_id": "A", "name": "山楂条", "price_fen": 1990, "position": 0},
    {"no": 2, "product_id": "B", "name": "牛肉干", "price_fen": 3990, "position": 1},
    {"no": 3, "product_id": "C", "name": "坚果", "price_fen": 5990, "position": 2},
]


def build_log(path: Path) -> int:
    events = [
        ev(1, "viewer_stats", 0, count=10, extra={"total_viewers": 10}),
        ev(2, "enter", 1, "u1"), ev(3, "enter", 2, "u2"), ev(4, "enter", 3, "u1"),
        ev(5, "comment", 5, "u1", "3号有货吗"),  # explained at 100 → answered: explained
        ev(6, "comment", 6, "u2", "这个多少钱？"),  # no number, nothing explained yet → pinned below
        ev(7, "comment", 7, "u3", "2号怎么用"),  # never explained within 5 min → unanswered
        ev(8, "like", 8, "u1", count=5), ev(9, "like", 9, "u2", count=3),
        ev(10, "follow", 10, "u2"), ev(11, "follow", 11, "u2"),
        ev(12, "viewer_stats", 60, count=30),
        ev(13, "product_click", 101, "u1", pid="C"), ev(14, "product_click", 102, "u2", pid="C"),
        ev(15, "comment", 103, "u1", "扣1"), ev(16, "comment", 104, "u4", "想要"),
        ev(17, "order", 110, "u1", count=2, amount=11980, pid="C"),
        ev(18, "order", 111, "u4", count=1, amount=5990, pid="C"),  # bought without clicking
        ev(19, "viewer_stats", 120, count=25),
        ev(20, "comment", 130, "u5", "1号还有吗"),  # answered by the anchor's reply below
        ev(21, "comment", 140, "anchor", "@观众u5 1号还有货，马上上链接", extra={"is_anchor": True}),
        ev(22, "order", 200, "u2", count=1, amount=1990, pid="A"),  # outside any window of A
        ev(23, "gift", 210, "u3", "小心心", count=1, amount=10),
        ev(24, "coupon_claim", 220, "u1", extra={"coupon_id": "c1"}),
        ev(25, "coupon_claim", 221, "u1", extra={"coupon_id": "c1"}),  # per-user limit 1
        ev(26, "coupon_claim", 222, "u2", extra={"coupon_id": "c1"}),
        ev(27, "system", 150, text="秒杀开始", pid="C", extra={"source": "livedeck", "flash_sale": "started",
                                                          "sale_id": "fs1", "price_fen": 4990, "stock": 10}),
        ev(28, "system", 180, text="秒杀结束", pid="C", extra={"source": "livedeck", "flash_sale": "ended",
                                                          "sale_id": "fs1", "reason": "time", "sold": 3}),
        ev(29, "viewer_stats", 240, count=20),
        ev(30, "comment", 241, "u6", "主播 主播 漂亮 漂亮 衣服 衣服"),
    ]
    with SessionLog(path) as log:
        sid = log.start_session("春季上新专场", "demo", started_at=T0)
        log.save_products(sid, PRODUCTS)
        log.append(sid, events)

        def act(cid: str, name: str, args: dict, dt: float) -> None:
            log.record_action(sid, command_id=cid, actor="local", name=name, args=args, ts=T0 + dt,
                              result="applied")

        act("x1", "explain", {"no": 3, "product_id": "C"}, 100)
        act("p1", "pin_comment", {"seq": 6}, 20)
        act("fs1", "start_flash_sale", {"no": 3, "price_fen": 4990, "stock": 10, "duration_s": 30,
                                        "product_id": "C", "starts_at_wall": T0 + 150, "ends_at_wall": T0 + 180}, 150)
        act("x2", "explain", {"no": 1, "product_id": "A"}, 160)
        act("c1", "drop_coupon", {"kind": "直减", "discount_fen": 500, "quantity": 100, "coupon_id": "c1"}, 215)
        act("x3", "stop_explain", {}, 190)
        log.record_action(sid, command_id="x4", actor="local", name="explain", args={"no": 2}, ts=T0 + 195,
                          result="rejected")
        log.end_session(sid, ended_at=T0 + 300)
    return sid


@pytest.fixture
def session_log(tmp_path: Path) -> tuple[Path, int]:
    path = tmp_path / "sessions.sqlite"
    return path, build_log(path)


def test_summary_equals_independent_sql(session_log: tuple[Path, int]) -> None:
    path, sid = session_log
    with Review(path, sid) as r:
        s = r.summary()
    assert s.comments == sql(path, "SELECT count(*) FROM events WHERE session_id=? AND kind='comment'", sid) == 8
    assert s.peak_online == sql(path, "SELECT max(count) FROM events WHERE session_id=? AND kind='viewer_stats'", sid)
    assert s.orders == 3
    assert s.units == 4
    assert s.gmv_fen == sql(path, "SELECT sum(amount_fen) FROM events WHERE session_id=? AND kind='order'", sid)
    assert s.buyers == sql(path, "SELECT count(DISTINCT user_id) FROM events WHERE session_id=? AND kind='order'", sid)
    # The audience: anyone seen in any event but the room's own (u3 and u5 only commented, u4 never entered)
    uv = sql(path, "SELECT count(DISTINCT user_id) FROM events WHERE session_id=? AND user_id != '' "
                   "AND kind NOT IN ('viewer_stats','live_end','system')", sid)
    assert s.viewers_uv == uv == 7  # u1..u6 and the anchor
    assert s.uv_value_fen.value == pytest.approx(19960 / uv)
    assert s.gpm_fen.value == pytest.approx(19960 / uv * 1000)  # per 1000 viewers, not per 3 entries
    assert (s.entries_pv, s.likes, s.follows, s.clicks, s.clickers, s.clicked_buyers) == (3, 8, 1, 2, 2, 2)
    assert s.aov_fen.value == pytest.approx(19960 / 3)
    assert s.click_to_buy.num == 2
    assert s.click_to_buy.den == 2
    # time-weighted: 10 for 60 s, 30 for 60 s, 25 for 120 s over 240 s
    assert s.average_online == pytest.approx((10 * 60 + 30 * 60 + 25 * 120) / 240)
    assert s.duration_s == 300
    assert s.status == "ended"
    assert s.platform == "demo"


def test_timeline_explain_windows_and_markers(session_log: tuple[Path, int]) -> None:
    path, sid = session_log
    with Review(path, sid) as r:
        points = r.timeline(60)
        windows = r.explain_windows()
        markers = r.markers()
    assert len(points) == 6  # 0..300 s
    assert sum(p.comments for p in points) == 8
    assert points[-1].cumulative_gmv_fen == 19960
    assert [p.online for p in points[:5]] == [10, 30, 25, 25, 20]
    assert [(w.no, w.start_ts - T0, w.end_ts - T0) for w in windows] == [(3, 100, 160), (1, 160, 190)]
    assert windows[0].name == "坚果"
    assert [m.kind for m in markers] == ["flash_sale_start", "flash_sale_end", "coupon_drop"]


def test_products_per_product_gmv_and_window_numbers(session_log: tuple[Path, int]) -> None:
    path, sid = session_log
    with Review(path, sid) as r:
        products = {p.product_id: p for p in r.products()}
    c = products["C"]
    assert c.gmv_fen == sql(path, "SELECT sum(amount_fen) FROM events WHERE session_id=? AND product_id='C' "
                                  "AND kind='order'", sid) == 17970
    assert (c.explain_s, c.windows, c.clicks, c.orders, c.buyers, c.units) == (60, 1, 2, 2, 2, 3)
    assert (c.window_clickers, c.window_buyers, c.window_clicked_buyers) == (2, 2, 1)
    assert c.conversion.value == 0.5  # u1 clicked and bought; u4 bought without clicking: not 100 %
    assert c.intent_comments == 2  # 扣1 and 想要 while 3号 was explained
    assert c.questions == 1
    assert c.mentions == 1
    a = products["A"]
    assert (a.gmv_fen, a.window_orders) == (1990, 0)
    assert products["B"].questions == 1
    assert products["B"].windows == 0


def test_questions_answered(session_log: tuple[Path, int]) -> None:
    path, sid = session_log
    with Review(path, sid) as r:
        qs = {q.text: q for q in r.questions()}
        assert [q.seq for q in r.questions(limit=2)] == [5, 6]
        assert [q.seq for q in r.questions(limit=2, offset=2)] == [7, 20]
    assert qs["3号有货吗"].answered_how == "explained"
    assert qs["3号有货吗"].product_no == 3
    assert qs["这个多少钱？"].answered_how == "pinned"
    assert not qs["2号怎么用"].answered
    assert qs["2号怎么用"].product_no == 2
    assert qs["1号还有吗"].answered_how == "replied"


def test_keywords_drop_stop_words_and_short_tokens(session_log: tuple[Path, int]) -> None:
    path, sid = session_log
    with Review(path, sid) as r:
        words = dict(r.keywords())
    assert words.get("漂亮") == 2
    assert words.get("衣服") == 2
    assert "主播" not in words  # a stop word
    assert all(len(w) >= 2 and not w.isdigit() for w in words)
    assert "主播" in stopwords()


def test_promotions(session_log: tuple[Path, int]) -> None:
    path, sid = session_log
    with Review(path, sid) as r:
        promo = r.promotions()
    (sale,) = promo.flash_sales
    assert (sale.no, sale.stock, sale.sold, sale.sell_through.value) == (3, 10, 3, 0.3)
    (coupon,) = promo.coupons
    assert (coupon.label, coupon.quantity, coupon.claimed, coupon.claimers) == ("立减5元", 100, 2, 2)


def test_highlights_find_a_comment_spike(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    events = [ev(i + 1, "comment", i * 6.0, f"u{i}", "你好") for i in range(30)]  # 1 per 6 s for 3 minutes
    events += [ev(100 + i, "comment", 185 + i * 0.3, f"v{i}", "太好看了") for i in range(20)]  # 20 in 6 s
    with SessionLog(path) as log:
        sid = log.start_session("t", "demo", started_at=T0)
        log.append(sid, events)
        log.end_session(sid, ended_at=T0 + 300)
    with Review(path, sid) as r:
        (h,) = r.highlights()
        around = r.comments_around(h.ts, 5)
    assert h.comments >= 10
    assert h.ts - T0 == 180
    assert "太好看了" in h.samples
    assert around
    assert all(abs(e.ts - h.ts) <= 5 for e in around)


def test_library_rename_delete_export_import(session_log: tuple[Path, int], tmp_path: Path) -> None:
    path, sid = session_log
    (row,) = list_sessions(path)
    assert (row.id, row.comments, row.orders, row.buyers, row.gmv_fen, row.peak_online) == (sid, 8, 3, 3, 19960, 30)
    rename_session(path, sid, "新标题")
    assert list_sessions(path)[0].title == "新标题"
    exported = tmp_path / "one.livedeck.sqlite"
    export_session(path, sid, exported)
    new = import_session(path, exported)
    assert new != sid
    with Review(path, sid) as a, Review(path, new) as b:
        assert a.summary().gmv_fen == b.summary().gmv_fen
        assert a.summary().comments == b.summary().comments
        assert [p.gmv_fen for p in a.products()] == [p.gmv_fen for p in b.products()]
        assert a.explain_windows() == b.explain_windows()
    delete_session(path, sid)
    for table in ("events", "actions", "metrics", "products", "shop_orders"):
        assert sql(path, f"SELECT count(*) FROM {table} WHERE session_id = ?", sid) == 0
    assert sql(path, "SELECT count(*) FROM sessions WHERE id = ?", sid) == 0
    assert [s.id for s in list_sessions(path)] == [new]
    with pytest.raises(ReviewError):
        Review(path, sid)
    with pytest.raises(ReviewError):
        delete_session(path, 999)


def test_shop_order_import_with_bad_rows(session_log: tuple[Path, int], tmp_path: Path) -> None:
    path, sid = session_log
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "订单号,商品,金额,时间,买家\n"
        "O1,C,59.90,1718000120,张三\n"  # by product id, inside 3号's window (100–160)
        "O2,牛肉干,39.90,1718000200,李四\n"  # by name, no window
        "O3,1号,19.90,1718000170,\n"  # by 序号, inside 1号's window (160–190)
        "O4,不存在的商品,10,1718000100,\n"  # unknown product
        "O5,C,abc,1718000100,\n"  # bad amount
        ",C,10,1718000100,\n"  # no order id
        "O6,C,10,昨天,\n"  # bad time
        "O1,C,59.90,1718000120,张三\n",  # duplicate in the file
        encoding="utf-8",
    )
    result = import_shop_orders(path, sid, orders)
    assert result.imported == 3
    assert result.in_windows == 2
    assert sorted((e.row, e.column) for e in result.errors) == [(5, "商品"), (6, "金额"), (7, "订单号"), (8, "时间"),
                                                                (9, "订单号")]
    assert sql(path, "SELECT sum(amount_fen) FROM shop_orders WHERE session_id = ?", sid) == 5990 + 3990 + 1990
    with Review(path, sid) as r:
        products = {p.product_id: p for p in r.products()}
    assert (products["C"].shop_orders, products["C"].shop_gmv_fen) == (1, 5990)
    again = import_shop_orders(path, sid, orders)  # re-importing the same export adds nothing
    assert again.imported == 0
    assert again.duplicates == 3


def test_compare_sessions(session_log: tuple[Path, int], tmp_path: Path) -> None:
    path, sid = session_log
    exported = tmp_path / "one.sqlite"
    export_session(path, sid, exported)
    other = import_session(path, exported)
    cmp = compare(path, [sid, other])
    assert [s.session_id for s in cmp.sessions] == [sid, other]
    row = next(p for p in cmp.products if p.key == "C")
    assert [r.gmv_fen if r else None for r in row.results] == [17970, 17970]


def test_unknown_session_and_missing_log(tmp_path: Path, session_log: tuple[Path, int]) -> None:
    path, _ = session_log
    with pytest.raises(ReviewError, match="42"):
        Review(path, 42)
    with pytest.raises(ReviewError):
        Review(tmp_path / "nope.sqlite", 1)


def _independent_comments(path: Path, sid: int) -> list[tuple[int, float, str]]:
    conn = sqlite3.connect(path)
    try:
        return [(s, t, x or "") for s, t, x in conn.execute(
            "SELECT seq, ts, text FROM events WHERE session_id = ? AND kind = 'comment' ORDER BY seq", (sid,))]
    finally:
        conn.close()


def test_question_pages_past_the_direct_ones(session_log: tuple[Path, int], monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages beyond the first few come from the list of question seqs: the same questions, in order."""
    from app.comments.classifier import is_question

    path, sid = session_log
    expected = [seq for seq, _, text in _independent_comments(path, sid) if is_question(text)]
    with Review(path, sid) as r:
        direct = [[q.seq for q in r.questions(limit=2, offset=o)] for o in (0, 2, 4)]
    from app.review import questions

    monkeypatch.setattr(questions, "_DIRECT_PAGES", 0)
    with Review(path, sid) as r:
        listed = [[q.seq for q in r.questions(limit=2, offset=o)] for o in (0, 2, 4)]
        assert r.question_count() == len(expected) == r.summary().questions
    assert direct == listed == [expected[0:2], expected[2:4], expected[4:6]]


def test_intent_and_questions_per_product_with_overlapping_windows(tmp_path: Path) -> None:
    """Actions whose clocks went backwards make explain windows overlap; the counts still follow the
    definitions (docs/review.md), computed here independently from the raw rows."""
    from app.comments.classifier import intends_to_buy, is_question

    path = tmp_path / "overlap.sqlite"
    texts = ["扣1", "想要", "多少钱", "3号有货吗", "好看", "1", "不想要", "怎么用？"]
    events = [ev(i + 1, "comment", i * 2.0, f"u{i % 7}", texts[i % len(texts)]) for i in range(150)]
    with SessionLog(path) as log:
        sid = log.start_session("t", "demo", started_at=T0)
        log.save_products(sid, PRODUCTS)
        log.append(sid, events)
        for cid, no, dt in (("a", 1, 20), ("b", 2, 120), ("c", 3, 60), ("d", 1, 200)):  # "c" is back in time
            log.record_action(sid, command_id=cid, actor="local", name="explain",
                              args={"no": no, "product_id": PRODUCTS[no - 1]["product_id"]}, ts=T0 + dt,
                              result="applied")
        log.end_session(sid, ended_at=T0 + 300)
    rows = _independent_comments(path, sid)
    with Review(path, sid) as r:
        windows = r.explain_windows()
        products = {p.product_id: p for p in r.products()}
    assert any(a.end_ts > b.start_ts for a, b in itertools.pairwise(windows))  # they do overlap
    for pid in ("A", "B", "C"):
        ws = [w for w in windows if w.product_id == pid]
        intent = sum(1 for w in ws for _, ts, text in rows
                     if w.start_ts <= ts < w.end_ts and intends_to_buy(text))
        assert products[pid].intent_comments == intent
    assert products["C"].mentions == sum(1 for _, _, text in rows if "3号" in text)
    assert sum(p.questions for p in products.values()) <= sum(1 for _, _, text in rows if is_question(text))


def _conversion_log(path: Path, overlap: bool) -> int:
    """2 clickers of 坚果 (C) inside its window, 3 buyers of whom 1 clicked it there."""
    events = [
        ev(1, "product_click", 10, "b2", pid="C"),  # before C's window
        ev(2, "product_click", 11, "b3", pid="A"),  # another product
        ev(3, "product_click", 101, "c1", pid="C"), ev(4, "product_click", 102, "c1", pid="C"),
        ev(5, "order", 103, "b1", count=1, amount=5990, pid="C"),  # b1 clicks after ordering
        ev(6, "order", 104, "b2", count=1, amount=5990, pid="C"),
        ev(7, "order", 105, "b3", count=1, amount=5990, pid="C"),
        ev(8, "order", 106, "", count=1, amount=5990, pid="C"),  # no user: never a person
        ev(9, "product_click", 107, "b1", pid="C"),
        ev(10, "product_click", 250, "b3", pid="C"),  # after C's window
    ]
    with SessionLog(path) as log:
        sid = log.start_session("转化", "demo", started_at=T0)
        log.save_products(sid, PRODUCTS)
        log.append(sid, events)
        explains = [("x1", 3, 100), ("x2", 1, 150)]
        if overlap:  # an action whose clock went backwards: C explained again inside its own first window
            explains += [("x3", 3, 120)]
        for cid, no, dt in explains:
            log.record_action(sid, command_id=cid, actor="local", name="explain",
                              args={"no": no, "product_id": PRODUCTS[no - 1]["product_id"]}, ts=T0 + dt,
                              result="applied")
        log.record_action(sid, command_id="x9", actor="local", name="stop_explain", args={}, ts=T0 + 200,
                          result="applied")
        log.end_session(sid, ended_at=T0 + 300)
    return sid


@pytest.mark.parametrize("overlap", [False, True], ids=["disjoint-windows", "overlapping-windows"])
def test_window_conversion_counts_only_buyers_who_clicked_inside_its_windows(tmp_path: Path,
                                                                             overlap: bool) -> None:
    """2 clickers, 3 buyers of whom 1 clicked → 50 %, not 150 %; checked against independent SQL."""
    path = tmp_path / "conversion.sqlite"
    sid = _conversion_log(path, overlap)
    with Review(path, sid) as r:
        windows = [(w.start_ts, w.end_ts) for w in r.explain_windows() if w.product_id == "C"]
        c = next(p for p in r.products() if p.product_id == "C")
    assert len(windows) == (2 if overlap else 1)  # overlapping: the review's window-by-window path
    conn = sqlite3.connect(path)
    try:
        conn.execute("CREATE TEMP TABLE cw (a REAL, b REAL)")
        conn.executemany("INSERT INTO cw VALUES (?, ?)", windows)
        inside = "EXISTS (SELECT 1 FROM cw WHERE {0}.ts >= cw.a AND {0}.ts < cw.b)"
        clickers = conn.execute(
            f"SELECT count(DISTINCT k.user_id) FROM events k WHERE k.session_id = ? AND k.kind = 'product_click' "
            f"AND k.product_id = 'C' AND k.user_id != '' AND {inside.format('k')}", (sid,)).fetchone()[0]
        buyers, clicked = conn.execute(
            f"SELECT count(DISTINCT o.user_id), count(DISTINCT o.user_id) FILTER (WHERE o.user_id IN ("
            f"SELECT k.user_id FROM events k WHERE k.session_id = o.session_id AND k.kind = 'product_click' "
            f"AND k.product_id = 'C' AND {inside.format('k')})) FROM events o WHERE o.session_id = ? "
            f"AND o.kind = 'order' AND o.product_id = 'C' AND o.user_id != '' AND {inside.format('o')}",
            (sid,)).fetchone()
    finally:
        conn.close()
    assert (clickers, buyers, clicked) == (2, 3, 1)
    assert (c.window_clickers, c.window_buyers, c.window_clicked_buyers) == (clickers, buyers, clicked)
    assert (c.conversion.num, c.conversion.den) == (1, 2)
    assert c.conversion.value == 0.5


def test_close_interrupts_and_the_review_still_answers(session_log: tuple[Path, int]) -> None:
    path, sid = session_log
    r = Review(path, sid)
    r.close()  # the first screen's queries were running
    after = (r.summary(), r.products(), r.timeline(60), r.questions())
    with Review(path, sid) as fresh:
        assert after == (fresh.summary(), fresh.products(), fresh.timeline(60), fresh.questions())


def test_coupon_claimers_count_only_accepted_claims(tmp_path: Path) -> None:
    """A quantity-3 coupon claimed by 5 people: 3 claimed by 3 claimers (the first 3 accepted claims
    win; a viewer's second claim over a limit of 1 is refused); with a limit of 2, a third claim is not."""
    path = tmp_path / "coupons.sqlite"
    c3 = [("u1", 1), ("u1", 2), ("u2", 3), ("u3", 4), ("u4", 5), ("u5", 6)]  # u1 twice, u4 and u5 too late
    c5 = [("v1", 10), ("v1", 11), ("v1", 12), ("v2", 13), ("", 14)]  # v1's third over the limit of 2
    events = [ev(i + 1, "coupon_claim", 100 + dt, uid, extra={"coupon_id": cid})
              for i, (cid, uid, dt) in enumerate([("q3", u, t) for u, t in c3] + [("q5", u, t) for u, t in c5])]
    with SessionLog(path) as log:
        sid = log.start_session("发券", "demo", started_at=T0)
        log.append(sid, events)
        for cid, quantity, limit in (("q3", 3, 1), ("q5", 5, 2)):
            log.record_action(sid, command_id=cid, actor="local", name="drop_coupon",
                              args={"kind": "直减", "discount_fen": 500, "quantity": quantity,
                                    "per_user_limit": limit, "coupon_id": cid}, ts=T0 + 90, result="applied")
        log.end_session(sid, ended_at=T0 + 300)
    with Review(path, sid) as r:
        coupons = {c.coupon_id: c for c in r.promotions().coupons}
    assert sql(path, "SELECT count(DISTINCT user_id) FROM events WHERE session_id=? "
                     "AND extra ->> '$.coupon_id' = 'q3'", sid) == 5
    assert (coupons["q3"].claimed, coupons["q3"].claimers) == (3, 3)  # u1, u2, u3
    assert coupons["q3"].claim_rate.value == 1.0
    assert (coupons["q5"].claimed, coupons["q5"].claimers) == (4, 2)  # v1 ×2, v2, and one without a user


def _comments_log(path: Path, times: list[float]) -> int:
    with SessionLog(path) as log:
        sid = log.start_session("t", "demo", started_at=T0)
        log.append(sid, [ev(i + 1, "comment", t, f"u{i}", "好看") for i, t in enumerate(times)])
        log.end_session(sid, ended_at=T0 + max(times, default=0) + 10)
    return sid


def test_no_highlight_says_the_busiest_ten_seconds_fell_short_of_ten(tmp_path: Path) -> None:
    from app.review.highlights import no_highlight_reason

    # One comment every 1.25 s for three minutes: every 10 s holds 8.
    path = tmp_path / "s.sqlite"
    sid = _comments_log(path, [i * 1.25 for i in range(144)])
    with Review(path, sid) as r:
        assert r.highlights() == []
        assert no_highlight_reason(r) == "本场没有评论突增：最高 10 秒评论 8 条，低于 10 条"


def test_no_highlight_says_how_far_below_three_times_a_busy_show_stayed(tmp_path: Path) -> None:
    from app.review.highlights import no_highlight_reason, rule_text

    # 12 comments every 10 s for three minutes, then 24 in one 10 s: twice the average, not three times.
    path = tmp_path / "s.sqlite"
    times = [i * (10 / 12) for i in range(12 * 18)] + [180 + i * (10 / 24) for i in range(24)]
    sid = _comments_log(path, times)
    with Review(path, sid) as r:
        assert r.highlights() == []
        reason = no_highlight_reason(r)
    assert reason == ("本场没有评论突增：评论不少于 10 条的 10 秒里，最高只有前一分钟平均的 2.0 倍（24 条），"
                      "不到 3 倍")
    assert "10 秒" in rule_text()
    assert "10 条" in rule_text()
    assert "3 倍" in rule_text()
