"""The demo room's simulation: believable, deterministic, and never sells what it doesn't have."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.events import KINDS, CouponNotice, FlashSaleNotice, ProductNotice, SaleEndReason
from app.rooms.demo import DemoRoom

T0 = 1_718_000_000.0
CJK = re.compile(r"[\u4e00-\u9fff]")


class Clock:
    """Drives a room in 50 ms steps, like the server does, with a simulated wall clock."""

    def __init__(self, room: DemoRoom) -> None:
        self.room = room
        self.now = T0

    def run(self, seconds: float, dt: float = 0.05) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        for _ in range(round(seconds / dt)):
            self.now += dt
            events += self.room.step(dt, self.now)
        return events


def command(command_id: str, name: str, **args: Any) -> dict[str, Any]:
    return {"type": "command", "command_id": command_id, "name": name, "args": args}


def of_kind(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["kind"] == kind]


def test_demo_catalog_has_twelve_products_with_exact_fen_prices() -> None:
    products = load_products_csv(demo_catalog_path())
    assert len(products) == 12
    assert [p.no for p in products] == list(range(1, 13))
    assert products[0].price_fen == 5990  # "59.90" yuan, converted without float rounding
    assert all(p.price_fen < p.original_price_fen for p in products)
    assert all(50 <= p.stock <= 500 for p in products)
    assert all(p.link == f"https://shop.example.com/item/{p.product_id}" for p in products)


def scripted_run(seed: int, t0: float) -> list[dict[str, Any]]:
    room = DemoRoom(seed=seed, rate=50)
    clock = Clock(room)
    clock.now = t0
    events = clock.run(10)
    room.apply_command(command("a", "explain", product_id="100552"))
    events += clock.run(10)
    room.apply_command(command("b", "start_flash_sale", product_id="100552", price_fen=6990, stock=30,
                               duration_s=15, limit_per_user=2))
    room.apply_command(command("c", "drop_coupon", coupon_id="c1", kind="直减", discount_fen=500,
                               quantity=40))
    events += clock.run(20)
    return events


def test_same_seed_and_calls_give_the_same_room_apart_from_timestamps() -> None:
    first = scripted_run(seed=7, t0=T0)
    second = scripted_run(seed=7, t0=T0 + 3600)
    assert len(first) > 500

    def without_ts(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in e.items() if k != "ts"} for e in events]

    assert without_ts(first) == without_ts(second)
    assert without_ts(scripted_run(seed=8, t0=T0)) != without_ts(first)


def test_events_are_well_formed_protocol_objects() -> None:
    events = scripted_run(seed=1, t0=T0)
    msg_ids = [e["msg_id"] for e in events]
    assert len(set(msg_ids)) == len(msg_ids)
    for e in events:
        assert e["type"] == "event"
        assert e["kind"] in KINDS
        assert T0 <= e["ts"] <= T0 + 40 + 1e-6
        for name in ("count", "amount_fen"):
            assert isinstance(e.get(name, 0), int)
            assert e.get(name, 0) >= 0
        if "user_id" in e:
            assert re.fullmatch(r"\d{19}", e["user_id"])
            assert e["user_name"]
    timestamps = [e["ts"] for e in events]
    assert timestamps == sorted(timestamps)


def test_orders_only_for_the_explained_or_flash_sale_product() -> None:
    room = DemoRoom(seed=3, rate=100)
    clock = Clock(room)
    assert of_kind(clock.run(60), "order") == []

    room.apply_command(command("1", "explain", product_id="100231"))
    explained = clock.run(30)
    assert {e["product_id"] for e in of_kind(explained, "order")} == {"100231"}
    assert {e["product_id"] for e in of_kind(explained, "product_click")} == {"100231"}

    room.apply_command(command("2", "start_flash_sale", product_id="101370", price_fen=1990, stock=100,
                               duration_s=30))
    room.apply_command(command("3", "stop_explain"))
    flash = clock.run(20)
    assert {e["product_id"] for e in of_kind(flash, "order")} == {"101370"}

    room.apply_command(command("4", "stop_flash_sale", product_id="101370"))
    assert of_kind(clock.run(60), "order") == []


def test_most_buyers_opened_the_product_card_before_they_bought() -> None:
    room = DemoRoom(seed=8, rate=200)
    clock = Clock(room)
    room.apply_command(command("1", "explain", product_id="100231"))
    events = clock.run(120)
    clicked: set[str] = set()
    buyers_who_clicked = buyers = 0
    for e in events:  # in the order the room sent them
        if e.get("kind") == "product_click":
            clicked.add(e["user_id"])
        elif e.get("kind") == "order":
            buyers += 1
            buyers_who_clicked += e["user_id"] in clicked
    assert buyers >= 20
    # like a real room: most, not all (some buy from the cart or a shared link)
    assert 0.6 <= buyers_who_clicked / buyers < 1.0


def test_order_amount_is_unit_price_times_count() -> None:
    room = DemoRoom(seed=4, rate=100)
    clock = Clock(room)
    room.apply_command(command("1", "explain", product_id="100487"))
    orders = of_kind(clock.run(30), "order")
    assert orders
    assert all(o["amount_fen"] == 7900 * o["count"] for o in orders)
    assert any(o["count"] > 1 for o in orders)


def test_flash_sale_of_20_never_sells_21_and_respects_the_per_user_limit() -> None:
    room = DemoRoom(seed=5, rate=400)  # a rush: demand far above the 20 units
    clock = Clock(room)
    ack = room.apply_command(command("f", "start_flash_sale", product_id="101481", price_fen=990, stock=20,
                                     duration_s=60, limit_per_user=1))
    assert ack == {"type": "ack", "command_id": "f", "result": "applied"}
    events = clock.run(70)
    orders = of_kind(events, "order")
    assert sum(o["count"] for o in orders) == 20
    assert all(o["amount_fen"] == 990 * o["count"] for o in orders)
    assert max(Counter(o["user_id"] for o in orders).values()) == 1
    ended = [e for e in of_kind(events, "system") if (e.get("extra") or {}).get("flash_sale") == "ended"]
    assert len(ended) == 1
    assert ended[0]["ts"] < T0 + 60  # sold out before its time
    assert all(o["ts"] <= ended[0]["ts"] for o in orders)
    assert room.stock["101481"] == 50 - 20


def test_flash_sale_ends_at_its_duration() -> None:
    room = DemoRoom(seed=6, rate=8)  # a quiet room: 200 units won't sell out in 30 s
    clock = Clock(room)
    clock.run(5)
    room.apply_command(command("f", "start_flash_sale", product_id="100552", price_fen=6990, stock=200,
                               duration_s=30))
    started_at = clock.now
    events = clock.run(60, dt=0.3)  # coarse steps: the end still falls on the deadline
    ended = [e for e in of_kind(events, "system") if (e.get("extra") or {}).get("flash_sale") == "ended"]
    assert len(ended) == 1
    assert ended[0]["ts"] == pytest.approx(started_at + 30, abs=1e-3)
    orders = of_kind(events, "order")
    assert orders, "a flash sale draws orders even in a quiet room"
    assert all(o["ts"] <= ended[0]["ts"] for o in orders)
    assert all(o["product_id"] == "100552" and o["amount_fen"] == 6990 * o["count"] for o in orders)
    assert room.flash_sales == {}


def test_product_stock_is_never_oversold() -> None:
    room = DemoRoom(seed=9, rate=2000)
    clock = Clock(room)
    room.apply_command(command("e", "explain", product_id="101269"))  # 80 units
    events = clock.run(20)
    assert sum(o["count"] for o in of_kind(events, "order")) == 80
    assert room.stock["101269"] == 0
    assert any("已售罄" in e.get("text", "") for e in of_kind(events, "system"))


def test_coupon_drop_is_idempotent_and_claims_never_exceed_quantity() -> None:
    room = DemoRoom(seed=10, rate=200)
    clock = Clock(room)
    drop = command("d1", "drop_coupon", coupon_id="c-10", kind="满减", threshold_fen=9900, discount_fen=1000,
                   quantity=30)
    assert room.apply_command(drop)["result"] == "applied"
    again = room.apply_command(drop)
    assert again["result"] == "duplicate"
    assert again["command_id"] == "d1"
    # Same id, different coupon: still the double click of the first one, so nothing new drops.
    other = command("d1", "drop_coupon", coupon_id="c-20", kind="直减", discount_fen=2000, quantity=30)
    assert room.apply_command(other)["result"] == "duplicate"

    events = clock.run(60)
    claims = of_kind(events, "coupon_claim")
    assert {c["extra"]["coupon_id"] for c in claims} == {"c-10"}
    assert len(claims) == 30
    assert max(Counter(c["user_id"] for c in claims).values()) == 1
    drops = [e for e in of_kind(events, "system") if "优惠券来了" in e.get("text", "")]
    assert len(drops) == 1


def test_coupon_per_user_limit() -> None:
    room = DemoRoom(seed=11, rate=500)
    clock = Clock(room)
    room.apply_command(command("d", "drop_coupon", coupon_id="z", kind="折扣", percent_off=10, quantity=5000,
                               per_user_limit=2))
    claims = of_kind(clock.run(60), "coupon_claim")
    per_user = Counter(c["user_id"] for c in claims)
    assert max(per_user.values()) == 2
    assert len(claims) <= 5000


def test_orders_are_more_likely_in_a_flash_sale_and_after_a_coupon() -> None:
    def orders_in(setup: list[dict[str, Any]]) -> int:
        room = DemoRoom(seed=12, rate=200)
        room.apply_command(command("e", "explain", product_id="100552"))
        for cmd in setup:
            room.apply_command(cmd)
        return len(of_kind(Clock(room).run(30), "order"))

    plain = orders_in([])
    with_coupon = orders_in([command("c", "drop_coupon", coupon_id="c", kind="直减", discount_fen=500,
                                     quantity=10)])
    flash = orders_in([command("f", "start_flash_sale", product_id="100552", price_fen=6990, stock=400,
                               duration_s=60)])
    assert with_coupon > 1.5 * plain
    assert flash > 3 * plain


@pytest.mark.parametrize(
    ("cmd", "reason"),
    [
        (command("x", "dance"), "unknown command"),
        (command("x", "explain", product_id="nope"), "unknown product_id"),
        (command("x", "explain"), "product_id"),
        (command("x", "start_flash_sale", product_id="100231", price_fen=True, stock=5, duration_s=5),
         "price_fen"),
        (command("x", "start_flash_sale", product_id="100231", price_fen="990", stock=5, duration_s=5),
         "price_fen"),
        (command("x", "start_flash_sale", product_id="100231", price_fen=990, stock=5, duration_s=-1),
         "duration_s"),
        (command("x", "start_flash_sale", product_id="100231", price_fen=990, stock=301, duration_s=5),
         "exceeds"),
        (command("x", "stop_flash_sale", product_id="100231"), "no flash sale"),
        (command("x", "pin_product", product_id="nope"), "unknown product_id"),
        (command("x", "pin_product"), "product_id"),
        (command("x", "drop_coupon", coupon_id="c", kind="买一送一", quantity=5), "kind"),
        (command("x", "drop_coupon", coupon_id="c", kind="满减", threshold_fen=500, discount_fen=900,
                 quantity=5), "below"),
        (command("x", "drop_coupon", coupon_id="c", kind="折扣", percent_off=100, quantity=5), "percent_off"),
        (command("x", "drop_coupon", coupon_id="c", kind="直减", discount_fen=100, quantity=0), "quantity"),
        ({"type": "command", "command_id": "x", "name": "explain", "args": ["100231"]}, "args"),
        ({"type": "command", "name": "explain", "args": {"product_id": "100231"}}, "command_id"),
        ({"type": "command", "command_id": 42, "name": "stop_explain"}, "command_id"),
    ],
)
def test_bad_commands_are_rejected_with_a_reason_and_change_nothing(cmd: dict[str, Any], reason: str) -> None:
    room = DemoRoom(seed=0)
    ack = room.apply_command(cmd)
    assert ack["type"] == "ack"
    assert ack["result"] == "rejected"
    assert reason in ack["reason"]
    assert room.explaining is None
    assert room.flash_sales == {}
    assert room.coupons == {}
    assert room.pinned is None
    assert of_kind(room.step(0.0, T0), "system") == []  # no notice of anything happening


def test_a_second_flash_sale_of_the_same_product_is_rejected() -> None:
    room = DemoRoom(seed=0)
    args = {"product_id": "100231", "price_fen": 3990, "stock": 10, "duration_s": 60}
    assert room.apply_command(command("1", "start_flash_sale", **args))["result"] == "applied"
    assert room.apply_command(command("2", "start_flash_sale", **args))["result"] == "rejected"


def test_comments_are_chinese_and_sound_like_a_selling_room() -> None:
    room = DemoRoom(seed=13, rate=200)
    room.apply_command(command("e", "explain", product_id="100231"))
    texts = [e["text"] for e in of_kind(Clock(room).run(30), "comment")]
    assert len(texts) > 1000
    assert all(texts)
    chinese = [t for t in texts if CJK.search(t)]
    assert len(chinese) > 0.9 * len(texts)
    assert any(re.fullmatch(r"\d+号.*", t) for t in texts), "viewers name products by number"
    assert any("码" in t for t in texts), "size questions"
    assert any(t in ("扣1", "已拍", "想要", "1") for t in texts), "buying intent"
    assert any("多少钱" in t for t in texts), "price questions"
    numbers = {int(m) for t in texts for m in re.findall(r"(\d+)号", t)}
    assert numbers <= set(range(1, 13)), "product numbers come from the catalog"
    assert len(set(texts)) > 100


def test_gifts_likes_and_fansclub_look_real() -> None:
    events = Clock(DemoRoom(seed=14, rate=300)).run(30)
    gifts = of_kind(events, "gift")
    assert gifts
    assert all(g["text"] and g["count"] >= 1 and g["amount_fen"] > 0 for g in gifts)
    assert "小心心" in {g["text"] for g in gifts}
    assert all(g["amount_fen"] % g["count"] == 0 for g in gifts)
    likes = of_kind(events, "like")
    assert {lk["count"] for lk in likes} <= set(range(1, 21))
    assert all(f["extra"]["level"] >= 1 for f in of_kind(events, "fansclub"))
    assert of_kind(events, "follow")
    assert of_kind(events, "share")


def test_online_count_moves_and_some_viewers_come_back() -> None:
    room = DemoRoom(seed=15, rate=8)
    events = Clock(room).run(600, dt=0.1)
    stats = of_kind(events, "viewer_stats")
    assert 280 <= len(stats) <= 302  # every 2 s of room time
    online = [s["count"] for s in stats]
    assert max(online) - min(online) >= 20
    assert len(set(online)) > 10
    totals = [s["extra"]["total_viewers"] for s in stats]
    assert totals == sorted(totals)
    assert totals[-1] > max(online)
    assert all(s["count"] <= s["extra"]["total_viewers"] for s in stats)

    enters = [e["user_id"] for e in of_kind(events, "enter")]
    returning = [uid for uid, n in Counter(enters).items() if n > 1]
    assert returning, "some viewers leave and come back with the same id"
    names = {e["user_name"] for e in events if "user_name" in e}
    assert len(names) > 300


def test_viewer_names_come_from_thousands_of_choices() -> None:
    room = DemoRoom(seed=16, rate=5000)
    events = Clock(room).run(10)
    names = {e["user_name"] for e in of_kind(events, "enter")}
    assert len(names) > 2000
    assert all(CJK.search(n) for n in names)


@pytest.mark.parametrize("rate", [8.0, 1000.0, 20000.0])
def test_rate_is_events_per_second_of_room_time(rate: float) -> None:
    seconds = 200 if rate < 100 else 5
    events = Clock(DemoRoom(seed=17, rate=rate)).run(seconds)
    per_second = len(events) / seconds
    assert per_second == pytest.approx(rate, rel=0.15)


def test_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="rate"):
        DemoRoom(rate=0)


def test_system_notices_carry_their_tag() -> None:
    room = DemoRoom(seed=5, rate=200)
    clock = Clock(room)
    room.apply_command(command("d", "drop_coupon", coupon_id="c9", kind="直减", discount_fen=500, quantity=3))
    room.apply_command(command("f1", "start_flash_sale", product_id="100231", price_fen=3990, stock=2,
                               duration_s=600))
    room.apply_command(command("f2", "start_flash_sale", product_id="100552", price_fen=6990, stock=300,
                               duration_s=5))
    room.apply_command(command("f3", "start_flash_sale", product_id="101370", price_fen=1990, stock=100,
                               duration_s=600))
    events = clock.run(1.0)
    room.apply_command(command("s", "stop_flash_sale", product_id="101370"))
    events += clock.run(30)
    notices = of_kind(events, "system")

    def extras(key: str, value: str) -> list[dict[str, Any]]:
        return [n["extra"] for n in notices if (n.get("extra") or {}).get(key) == value]

    assert extras("coupon", CouponNotice.DROPPED) == [{"coupon": "dropped", "coupon_id": "c9"}]
    assert extras("coupon", CouponNotice.SOLD_OUT) == [{"coupon": "sold_out", "coupon_id": "c9"}]
    assert {e["sale_id"] for e in extras("flash_sale", FlashSaleNotice.STARTED)} == {"f1", "f2", "f3"}
    ended = {e["sale_id"]: e["reason"] for e in extras("flash_sale", FlashSaleNotice.ENDED)}
    assert ended == {"f1": SaleEndReason.SOLD_OUT, "f2": SaleEndReason.TIME, "f3": SaleEndReason.STOPPED}
    # The texts stay what a person reads.
    texts = {n["text"].split("：")[0] for n in notices}
    assert {"优惠券来了", "秒杀开始", "秒杀已抢光", "秒杀结束", "秒杀已结束"} <= texts
    assert any(n["text"] == "优惠券 立减5元 已抢光" for n in notices)  # by what it gives, not its id


def test_pin_product_is_acked_announced_and_unpinned() -> None:
    room = DemoRoom(seed=0)
    name = room._by_id["100231"].name
    assert room.apply_command(command("p1", "pin_product", product_id="100231")) == {
        "type": "ack", "command_id": "p1", "result": "applied"}
    assert room.apply_command(command("p1", "pin_product", product_id="100231"))["result"] == "duplicate"
    assert room.pinned is not None
    assert room.pinned.product_id == "100231"
    pinned = of_kind(room.step(0.05, T0), "system")
    assert [(n["text"], n["extra"], n["product_id"]) for n in pinned] == [
        (f"置顶商品：{name}", {"product": ProductNotice.PINNED, "product_id": "100231"}, "100231")]

    assert room.apply_command(command("u1", "unpin_product"))["result"] == "applied"
    assert room.pinned is None
    unpinned = of_kind(room.step(0.05, T0 + 0.05), "system")
    assert [n["extra"] for n in unpinned] == [{"product": ProductNotice.UNPINNED, "product_id": "100231"}]
    # Nothing pinned: unpinning again is applied and says nothing, like stop_explain.
    assert room.apply_command(command("u2", "unpin_product"))["result"] == "applied"
    assert of_kind(room.step(0.05, T0 + 0.1), "system") == []


def test_the_pinned_product_sells_a_little_more_than_without_the_pin() -> None:
    # Stock without limit here: the comparison is about demand, not about which run sells out first.
    catalog = [replace(p, stock=1_000_000) for p in load_products_csv(demo_catalog_path())]

    def orders(seed: int, pin: bool) -> int:
        room = DemoRoom(seed=seed, rate=50, catalog=catalog)
        room.apply_command(command("e", "explain", product_id="100552"))
        if pin:
            room.apply_command(command("p", "pin_product", product_id="100552"))
        events = Clock(room).run(300, dt=0.5)
        return sum(1 for e in of_kind(events, "order") if e["product_id"] == "100552")

    for seed in (1, 2, 5):
        plain, pinned = orders(seed, pin=False), orders(seed, pin=True)
        assert plain >= 100
        assert plain < pinned < 1.4 * plain  # a few more buyers, not a flood


def test_the_demo_room_knows_every_command_the_table_sends_to_a_room() -> None:
    from app.engine.commands import COMMANDS

    room = DemoRoom(seed=0)
    for i, (name, spec) in enumerate(COMMANDS.items()):
        ack = room.apply_command(command(f"c{i}", name))  # no args: a known command says which is missing
        if spec.room:
            assert "unknown command" not in ack.get("reason", ""), name
        else:
            assert ack["result"] == "rejected", name
            assert "unknown command" in ack["reason"], name


#: What a viewer says about a product running out, whatever the wording.
STOCK_TALK = re.compile(r"(\d+)号.*(没库存|没货|补货|抢不到|卖完|就剩|快没|售罄)")


@pytest.fixture(scope="module")
def five_minutes() -> tuple[DemoRoom, list[dict[str, Any]]]:
    """A seeded 5-minute show: 12号 (50 in stock) explained and sold down in a flash sale, then 4号
    (400 in stock) explained while a coupon drops."""
    room = DemoRoom(seed=21, rate=20)
    clock = Clock(room)
    events = clock.run(20)
    room.apply_command(command("x1", "explain", product_id="101481"))
    events += clock.run(40)
    room.apply_command(command("f1", "start_flash_sale", product_id="101481", price_fen=990, stock=40,
                               duration_s=90))
    events += clock.run(90)
    room.apply_command(command("x2", "explain", product_id="100613"))
    events += clock.run(30)
    room.apply_command(command("c1", "drop_coupon", coupon_id="q1", kind="直减", discount_fen=500, quantity=50))
    events += clock.run(120)
    return room, events


def test_about_one_comment_in_five_is_a_question(five_minutes: tuple[DemoRoom, list[dict[str, Any]]]) -> None:
    from app.comments.classifier import is_question

    texts = [e["text"] for e in of_kind(five_minutes[1], "comment")]
    assert len(texts) > 1000
    share = sum(1 for t in texts if is_question(t)) / len(texts)
    assert 0.15 <= share <= 0.25, share


def test_every_viewer_enters_before_doing_anything(five_minutes: tuple[DemoRoom, list[dict[str, Any]]]) -> None:
    first: dict[str, str] = {}
    seen: set[str] = set()
    for e in five_minutes[1]:
        if "user_id" in e:
            first.setdefault(e["user_id"], e["kind"])
            seen.add(e["user_id"])
        elif e["kind"] == "viewer_stats":
            # 观看人数 (everyone seen so far) is never below 在线人数, even in the first seconds.
            assert len(seen) >= e["count"], (e["ts"] - T0, len(seen), e["count"])
    assert len(first) > 500
    assert set(first.values()) == {"enter"}
    stats = of_kind(five_minutes[1], "viewer_stats")
    assert stats[0]["count"] <= 20  # the room opens nearly empty and fills up
    assert max(s["count"] for s in stats[:60]) > 200  # within two minutes


def test_stock_talk_follows_the_real_stock(five_minutes: tuple[DemoRoom, list[dict[str, Any]]]) -> None:
    room, events = five_minutes
    stock = {p.no: p.stock for p in room.catalog}
    no_of = {p.product_id: p.no for p in room.catalog}
    talk: list[tuple[int, int]] = []  # (product number, its stock then)
    for e in events:
        if e["kind"] == "order":
            stock[no_of[e["product_id"]]] -= e["count"]
        elif e["kind"] == "comment" and (m := STOCK_TALK.search(e["text"])):
            talk.append((int(m.group(1)), stock[int(m.group(1))]))
    assert stock[12] <= 20  # 12号 did run low
    assert talk, "viewers notice a product running out"
    assert all(left <= 20 for _, left in talk), [t for t in talk if t[1] > 20]
    assert {no for no, _ in talk} == {12}
