"""Every metric of docs/metrics.md on hand-made event sequences."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest

from app.core.events import Kind, LiveEvent
from app.metrics.tracker import (
    ALERT_COMMENT_SPIKE,
    ALERT_LOW_STOCK,
    ALERT_ONLINE_DROP,
    SNAPSHOT_FIELDS,
    MetricsTracker,
    Rate,
    snapshot_rows,
)
from app.store.session_log import METRICS_COLUMNS, SessionLog

T0 = 1_700_000_000.0
_seq = itertools.count(1)


def ev(kind: str, t: float, user: str = "", **fields: object) -> LiveEvent:
    return LiveEvent(kind=kind, ts=T0 + t, user_id=user, seq=next(_seq), **fields)  # type: ignore[arg-type]


def stats(t: float, online: int, total: int | None = None) -> LiveEvent:
    return ev(Kind.VIEWER_STATS, t, count=online, extra=None if total is None else {"total_viewers": total})


@dataclass
class Product:
    no: int
    product_id: str
    name: str


PRODUCTS = [Product(1, "p1", "山楂条"), Product(3, "p3", "保温杯")]


def test_zero_viewers_every_rate_is_undefined_not_zero() -> None:
    snap = MetricsTracker().snapshot(T0)
    assert (snap.online, snap.peak_online, snap.viewers_uv, snap.gmv_fen) == (0, 0, 0, 0)
    assert snap.average_online is None
    for rate in (snap.follow_rate, snap.interaction_rate, snap.watch_to_buy, snap.click_to_buy,
                 snap.uv_value_fen, snap.gpm_fen, snap.aov_fen):
        assert rate.value is None
        assert rate.percent() == "—"


def test_rate_keeps_numerator_and_denominator() -> None:
    assert Rate(1, 4).value == 0.25
    assert Rate(1, 4).percent() == "25.0%"
    assert Rate(3, 0).value is None
    assert Rate(500, 2, 1000.0).value == 250_000


def test_online_peak_and_time_weighted_average() -> None:
    m = MetricsTracker()
    # 100 for 10 s, then 200 for 30 s, then 50 (last sample, holds for 0 s)
    m.feed([stats(0, 100), stats(10, 200), stats(40, 50)])
    snap = m.snapshot(T0 + 40)
    assert snap.online == 50
    assert snap.peak_online == 200
    assert snap.online_seconds == 100 * 10 + 200 * 30
    assert snap.online_span_s == 40
    assert snap.average_online == pytest.approx(175.0)


def test_out_of_order_viewer_stats_land_in_their_place() -> None:
    m = MetricsTracker()
    m.feed([stats(0, 100), stats(40, 50)])
    m.feed([stats(10, 200)])  # arrives late
    snap = m.snapshot()
    assert snap.online == 50  # online now is the latest ts, not the latest arrival
    assert snap.average_online == pytest.approx(175.0)


def test_a_single_stats_sample_is_its_own_average() -> None:
    m = MetricsTracker()
    m.feed([stats(5, 42, total=900)])
    assert m.snapshot().average_online == 42.0
    assert m.platform_total_viewers == 900


def test_people_versus_times() -> None:
    m = MetricsTracker()
    m.feed([
        ev(Kind.ENTER, 0, "a"), ev(Kind.ENTER, 1, "b"), ev(Kind.ENTER, 2, "a"),  # a enters twice
        ev(Kind.COMMENT, 3, "a", text="你好"), ev(Kind.COMMENT, 4, "a", text="在吗"),
        ev(Kind.LIKE, 5, "b", count=15), ev(Kind.LIKE, 6, "c", count=3),  # c never "entered"
        ev(Kind.FOLLOW, 7, "b"), ev(Kind.FOLLOW, 8, "b"),
        ev(Kind.SHARE, 9, "d"), ev(Kind.ENTER, 10, "e"),
        ev(Kind.COMMENT, 11, "", text="anonymous"),  # no user id: counted as a comment, not a person
    ])
    s = m.snapshot()
    assert s.entries_pv == 4
    assert s.viewers_uv == 5  # a b c d e
    assert s.comments == 3
    assert s.commenters == 1
    assert s.likes == 18
    assert s.follows == 1  # people, not follow events
    assert s.interacting == 4  # a b c d; e only entered
    assert s.follow_rate == Rate(1, 5)
    assert s.interaction_rate.value == pytest.approx(0.8)


def test_commerce_rates_and_an_order_without_a_click() -> None:
    m = MetricsTracker()
    m.feed([
        ev(Kind.ENTER, 0, "a"), ev(Kind.ENTER, 0, "b"), ev(Kind.ENTER, 0, "c"), ev(Kind.ENTER, 0, "d"),
        ev(Kind.PRODUCT_CLICK, 1, "a", product_id="p1"), ev(Kind.PRODUCT_CLICK, 2, "a", product_id="p1"),
        ev(Kind.PRODUCT_CLICK, 3, "b", product_id="p3"),
        ev(Kind.ORDER, 4, "a", product_id="p1", count=2, amount_fen=3980),
        ev(Kind.ORDER, 5, "a", product_id="p3", count=1, amount_fen=5990),
        ev(Kind.ORDER, 6, "c", product_id="p1", count=1, amount_fen=1990),  # c never clicked
    ])
    s = m.snapshot()
    assert (s.clicks, s.clickers) == (3, 2)
    assert (s.orders, s.units, s.buyers, s.gmv_fen) == (3, 4, 2, 11960)
    assert s.clicked_buyers == 1  # a; c bought without a click
    assert s.watch_to_buy == Rate(2, 4)
    assert s.click_to_buy == Rate(1, 2)
    assert s.uv_value_fen.value == pytest.approx(11960 / 4)
    assert s.gpm_fen.value == pytest.approx(11960 / 4 * 1000)
    assert s.aov_fen.value == pytest.approx(11960 / 3)


#: What a viewer can do in the room: each alone makes them part of the audience (UV, UV value, GPM).
VIEWER_ACTIONS = [Kind.ENTER, Kind.COMMENT, Kind.LIKE, Kind.FOLLOW, Kind.SHARE, Kind.GIFT, Kind.FANSCLUB,
                  Kind.PRODUCT_CLICK, Kind.ORDER, Kind.COUPON_CLAIM]


@pytest.mark.parametrize("kind", VIEWER_ACTIONS)
def test_any_viewer_event_puts_its_viewer_in_the_audience(kind: str) -> None:
    m = MetricsTracker()
    m.feed([ev(kind, 1, "x", count=1), ev(Kind.SYSTEM, 2, "sys", text="通知"), stats(3, 50)])
    assert m.snapshot().viewers_uv == 1  # x; a notice or the online count is nobody


def test_gpm_and_uv_value_divide_by_the_same_audience() -> None:
    """A viewer entering 3 times is one view; viewers who never entered (in the room before the show)
    but commented, clicked or bought are views too: GPM = GMV ÷ viewers × 1000 = UV value × 1000."""
    m = MetricsTracker()
    m.feed([
        ev(Kind.ENTER, 0, "a"), ev(Kind.ENTER, 1, "a"), ev(Kind.ENTER, 2, "a"),
        ev(Kind.COMMENT, 3, "b", text="3号有货吗"),  # b never entered
        ev(Kind.PRODUCT_CLICK, 4, "c", product_id="p1"),
        ev(Kind.ORDER, 5, "d", product_id="p1", count=1, amount_fen=4000),  # d bought without entering
        ev(Kind.ORDER, 6, "a", product_id="p1", count=1, amount_fen=2000),
    ])
    s = m.snapshot()
    assert (s.entries_pv, s.viewers_uv, s.gmv_fen) == (3, 4, 6000)
    assert s.uv_value_fen == Rate(6000, 4)
    assert s.gpm_fen.value == pytest.approx(6000 / 4 * 1000)  # not 6000 / 3 entries × 1000
    assert s.gpm_fen.value == pytest.approx(s.uv_value_fen.value * 1000)


def test_comments_per_minute_is_a_sliding_window_and_tolerates_late_comments() -> None:
    m = MetricsTracker()
    m.feed([ev(Kind.COMMENT, t, "u", text="x") for t in (0, 30, 59, 61, 90)])
    m.feed([ev(Kind.COMMENT, 70, "u", text="late")])
    assert m.snapshot(T0 + 90).comments_1m == 4  # 59? no: (30, 90] → 59, 61, 70, 90
    assert m.snapshot(T0 + 200).comments_1m == 0
    assert m.snapshot(T0 + 200).comments == 6


def test_snapshot_columns_match_the_table() -> None:
    assert SNAPSHOT_FIELDS == METRICS_COLUMNS
    row = snapshot_rows(7, [MetricsTracker().snapshot(T0)])[0]
    assert row["session_id"] == 7
    assert row["ts"] == T0


def test_per_product_conversion_counts_only_buyers_who_clicked_inside_its_windows() -> None:
    """2 clickers, 3 buyers of whom 1 clicked → 50 %, not 150 %. Clicks outside the product's windows or
    on another product don't make a buyer "clicked"; the click may come before or after the order."""
    m = MetricsTracker(products=PRODUCTS)
    m.feed([
        ev(Kind.PRODUCT_CLICK, 1, "b2", product_id="p1"),  # before p1's window: not a window click
        ev(Kind.PRODUCT_CLICK, 2, "b3", product_id="p3"),  # another product
    ])
    m.mark_window("p1", T0 + 10)
    m.feed([
        ev(Kind.PRODUCT_CLICK, 11, "c1", product_id="p1"),
        ev(Kind.PRODUCT_CLICK, 12, "c1", product_id="p1"),  # twice: still one clicker
        ev(Kind.ORDER, 13, "b1", product_id="p1", count=1, amount_fen=1990),  # clicks after ordering
        ev(Kind.ORDER, 14, "b2", product_id="p1", count=1, amount_fen=1990),
        ev(Kind.ORDER, 15, "b3", product_id="p1", count=1, amount_fen=1990),
        ev(Kind.ORDER, 16, "", product_id="p1", count=1, amount_fen=1990),  # no user: times, never people
        ev(Kind.PRODUCT_CLICK, 17, "b1", product_id="p1"),
    ])
    m.end_window(T0 + 20)
    m.feed([ev(Kind.PRODUCT_CLICK, 21, "b3", product_id="p1")])  # after the window: not a window click
    p1 = next(s for s in m.product_stats(T0 + 30) if s.product_id == "p1")
    assert (p1.window_clicks, p1.window_clickers) == (3, 2)
    assert (p1.window_orders, p1.window_buyers, p1.window_clicked_buyers) == (4, 3, 1)
    assert p1.conversion == Rate(1, 2)
    assert p1.conversion.value == 0.5


def test_per_product_window_stats_intent_and_mentions() -> None:
    m = MetricsTracker(products=PRODUCTS)
    m.mark_window("p1", T0 + 0)
    m.feed([
        ev(Kind.PRODUCT_CLICK, 1, "a", product_id="p1"),
        ev(Kind.COMMENT, 2, "a", text="扣1"),
        ev(Kind.COMMENT, 3, "b", text="想要"),
        ev(Kind.COMMENT, 4, "b", text="３号有货吗"),  # full-width digit, mentions p3
        ev(Kind.ORDER, 5, "a", product_id="p1", count=1, amount_fen=1990),
    ])
    m.mark_window("p3", T0 + 10)  # closes p1's window at 10
    m.feed([
        ev(Kind.COMMENT, 11, "c", text="不想要"),  # negated: no intent
        ev(Kind.COMMENT, 12, "c", text="1"),
        ev(Kind.ORDER, 13, "d", product_id="p1", count=1, amount_fen=1990),  # p1 bought outside its window
        ev(Kind.ORDER, 8, "e", product_id="p1", count=2, amount_fen=3980),  # late, inside p1's window
    ])
    m.end_window(T0 + 20)
    by_id = {s.product_id: s for s in m.product_stats(T0 + 30)}
    p1, p3 = by_id["p1"], by_id["p3"]
    assert p1.explain_seconds == 10
    assert p3.explain_seconds == 10
    assert (p1.window_clicks, p1.window_clickers) == (1, 1)
    assert (p1.window_orders, p1.window_units, p1.window_buyers, p1.window_gmv_fen) == (2, 3, 2, 5970)
    assert (p1.orders, p1.gmv_fen) == (3, 7960)
    assert p1.window_clicked_buyers == 1  # a clicked and bought; e bought without clicking
    assert p1.conversion == Rate(1, 1)  # e is a buyer but not in the numerator: never over 100 %
    assert p1.intent_comments == 2
    assert p3.intent_comments == 1
    assert p3.mentions == 1
    assert p3.conversion.value is None
    assert m.product_label("p3") == "3号 保温杯"


def test_open_window_counts_until_now() -> None:
    m = MetricsTracker(products=PRODUCTS)
    m.mark_window("p1", T0)
    assert m.explaining == "p1"
    assert m.product_stats(T0 + 42)[0].explain_seconds == 42


def test_online_drop_alert_once_per_cooldown() -> None:
    got: list[tuple[str, str, float]] = []
    submitted: list[LiveEvent] = []
    m = MetricsTracker(submit=submitted.extend)
    m.add_alert_listener(lambda *a: got.append(a))
    m.feed([stats(0, 1000), stats(20, 900), stats(40, 850)])
    assert got == []  # -15 %
    m.feed([stats(50, 790)])  # -21 % against 1000 at t=0
    assert [a[0] for a in got] == [ALERT_ONLINE_DROP]
    m.feed([stats(55, 700)])
    assert len(got) == 1  # cooling down
    assert submitted[0].kind == Kind.SYSTEM
    assert submitted[0].extra == {"alert": ALERT_ONLINE_DROP}


def test_online_drop_needs_the_drop_within_a_minute() -> None:
    got: list[object] = []
    m = MetricsTracker()
    m.add_alert_listener(lambda *a: got.append(a))
    m.feed([stats(0, 1000), stats(50, 950), stats(100, 790)])  # 1000 is older than a minute
    assert got == []


def test_comment_spike_against_previous_minute() -> None:
    got: list[str] = []
    m = MetricsTracker()
    m.add_alert_listener(lambda alert, text, ts: got.append(alert))
    # a steady 1 comment / 2 s for 80 s: 5 per 10 s
    m.feed([ev(Kind.COMMENT, t, "u", text="x") for t in range(0, 80, 2)])
    assert got == []
    # 20 comments within 3 s: ≥ 3 × 5 and ≥ 10
    m.feed([ev(Kind.COMMENT, 80 + i * 0.15, "u", text="哇") for i in range(20)])
    assert got == [ALERT_COMMENT_SPIKE]


def test_no_spike_before_a_minute_of_history() -> None:
    got: list[str] = []
    m = MetricsTracker()
    m.add_alert_listener(lambda alert, text, ts: got.append(alert))
    m.feed([ev(Kind.COMMENT, i * 0.1, "u", text="x") for i in range(50)])
    assert got == []


def test_low_stock_alerts_once_per_product() -> None:
    got: list[str] = []
    m = MetricsTracker(products=PRODUCTS)
    m.add_alert_listener(lambda alert, text, ts: got.append(text))
    assert not m.check_stock(50, 100, "p1")
    assert m.check_stock(10, 100, "p1")
    assert not m.check_stock(5, 100, "p1")
    assert not m.check_stock(0, 0, "p3")
    assert len(got) == 1
    assert "1号" in got[0]
    assert m.alerts.last_fired  # recorded
    assert ALERT_LOW_STOCK == "low_stock"


def test_alert_events_and_promotions_become_marks() -> None:
    m = MetricsTracker(products=PRODUCTS)
    m.feed([
        ev(Kind.SYSTEM, 5, text="秒杀开始", product_id="p3", extra={"flash_sale": "started"}),
        ev(Kind.SYSTEM, 3, text="优惠券来了", extra={"coupon_id": "c1"}),
        ev(Kind.SYSTEM, 9, text="优惠券 c1 已抢光", extra={"coupon": "sold_out", "coupon_id": "c1"}),
        ev(Kind.SYSTEM, 7, text="在线下降", extra={"alert": "online_drop"}),
    ])
    assert [(mk.ts - T0, mk.kind) for mk in m.marks] == [(3, "coupon"), (5, "flash_sale"), (7, "alert")]
    assert "3号" in m.marks[1].label


def test_append_metrics_writes_rows(tmp_path) -> None:
    m = MetricsTracker()
    m.feed([stats(0, 10), ev(Kind.ENTER, 1, "a")])
    with SessionLog(tmp_path / "log.sqlite") as store:
        sid = store.start_session("t", "test")
        store.append_metrics(sid, snapshot_rows(sid, [m.snapshot(T0 + 1), m.snapshot(T0 + 2)]))
        store.flush()
        import sqlite3

        conn = sqlite3.connect(tmp_path / "log.sqlite")
        rows = conn.execute("SELECT ts, online, viewers_uv, entries_pv FROM metrics ORDER BY ts").fetchall()
        conn.close()
    assert rows == [(T0 + 1, 10, 1, 1), (T0 + 2, 10, 1, 1)]


def test_the_catalog_the_engine_loads_is_the_one_the_tracker_names_and_counts_mentions_by() -> None:
    # ``livedeck record --plan`` builds its tracker before the plan's catalog is loaded, and the console
    # can import another catalog later: "3号" must mean the engine's 3号, named as the engine names it.
    from app.commerce.catalog import Product as CatalogProduct
    from app.engine.session import SessionEngine
    from app.metrics.tracker import connect_commerce

    engine = SessionEngine()
    tracker = MetricsTracker(products=PRODUCTS)  # an older catalog: 3号 was p3 保温杯
    connect_commerce(tracker, engine)
    assert engine.load_catalog([CatalogProduct(1, "n1", "坚果", 5990), CatalogProduct(3, "n3", "山楂条", 1990)]).applied
    tracker.feed([ev(Kind.COMMENT, 1, "u1", text="3号还有吗")])
    stats_by_id = {s.product_id: s for s in tracker.product_stats(every_product=True)}
    assert stats_by_id["n3"].mentions == 1
    assert (stats_by_id["n3"].no, stats_by_id["n3"].name) == (3, "山楂条")
    assert "p3" not in stats_by_id  # the replaced catalog's products are gone
    assert tracker.product_label("n3") == "3号 山楂条"


def test_removing_a_listener_twice_is_harmless_and_a_failing_one_does_not_stop_the_others(caplog) -> None:
    m = MetricsTracker()
    snaps: list[float] = []
    alerts: list[str] = []

    def broken(*_: object) -> None:
        raise RuntimeError("a broken view")

    m.add_snapshot_listener(broken)
    m.add_alert_listener(broken)
    remove_snap = m.add_snapshot_listener(lambda s: snaps.append(s.ts))
    remove_alert = m.add_alert_listener(lambda alert, text, ts: alerts.append(alert))
    m.snapshot(T0)
    assert m.check_stock(1, 100, "p1", T0)
    assert snaps == [T0]
    assert alerts == [ALERT_LOW_STOCK]
    assert "snapshot listener" in caplog.text
    assert "alert listener" in caplog.text
    for remove in (remove_snap, remove_snap, remove_alert, remove_alert):
        remove()  # a closed window may unsubscribe on close and again on destruction
    m.snapshot(T0 + 1)
    assert m.check_stock(1, 100, "p2", T0 + 1)
    assert snaps == [T0]
    assert alerts == [ALERT_LOW_STOCK]
