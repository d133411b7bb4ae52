"""The demo room keeps its state across a restart: the room the console opens again after a crash goes on
selling the flash sale it was running, with the stock, claims and message ids where they were."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.rooms.demo_simulation import DemoRoom
from app.rooms.demo_state import load_state, save_state, saved_seed

T0 = 1_718_000_000.0
P3, P5 = (next(p for p in load_products_csv(demo_catalog_path()) if p.no == n) for n in (3, 5))


def run(room: DemoRoom, start: float, seconds: float, dt: float = 0.05) -> tuple[list[dict[str, Any]], float]:
    events: list[dict[str, Any]] = []
    now = start
    for _ in range(round(seconds / dt)):
        now += dt
        events += room.step(dt, now)
    return events, now


def command(command_id: str, name: str, **args: Any) -> dict[str, Any]:
    return {"type": "command", "command_id": command_id, "name": name, "args": args}


def sale_orders(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["kind"] == "order" and e["product_id"] == P3.product_id
            and e["amount_fen"] == 6990 * e["count"]]


def a_room_mid_show(path: Path) -> tuple[DemoRoom, list[dict[str, Any]], float]:
    room = DemoRoom(seed=5, rate=200)
    for cmd in (command("ex", "explain", product_id=P3.product_id),
                command("pin", "pin_product", product_id=P5.product_id),
                command("fs", "start_flash_sale", product_id=P3.product_id, price_fen=6990, stock=400,
                        duration_s=60),
                command("cp", "drop_coupon", coupon_id="cp", kind="满减", threshold_fen=10000, discount_fen=1000,
                        quantity=500)):
        assert room.apply_command(cmd)["result"] == "applied"
    events, now = run(room, T0, 10)
    assert sale_orders(events)
    save_state(room, path, now)
    return room, events, now


def test_a_restarted_room_goes_on_selling_where_it_left_off(tmp_path: Path) -> None:
    path = tmp_path / "demo-room-state.json"
    old, old_events, saved_at = a_room_mid_show(path)
    old_sale, old_coupon = old.flash_sales[P3.product_id], old.coupons["cp"]
    assert saved_seed(path) == 5

    new = DemoRoom(seed=5, rate=200)
    back_at = saved_at + 3  # down for 3 s
    assert load_state(new, path, back_at)
    assert (new.explaining, new.pinned) == (P3, P5)
    assert new.stock == old.stock
    sale = new.flash_sales[P3.product_id]
    assert (sale.sale_id, sale.stock, sale.bought) == ("fs", old_sale.stock, old_sale.bought)
    assert sale.ends_at - new.t == pytest.approx(old_sale.ends_at - old.t - 3)  # the same wall-clock deadline
    coupon = new.coupons["cp"]
    assert (coupon.remaining, coupon.claims, coupon.label) == (old_coupon.remaining, old_coupon.claims, "满100减10")
    # A command the old room acknowledged is a duplicate for the new one.
    assert new.apply_command(command("fs", "start_flash_sale"))["result"] == "duplicate"

    events, _ = run(new, back_at, 5)
    assert sale_orders(events), "the resumed sale keeps selling"
    old_ids = {e["msg_id"] for e in old_events}
    assert not old_ids & {e["msg_id"] for e in events}, "no message id of the old room comes again"
    assert sale.stock == old_sale.stock - sum(e["count"] for e in sale_orders(events))


def test_a_state_of_another_room_or_a_broken_file_is_not_loaded(tmp_path: Path) -> None:
    path = tmp_path / "demo-room-state.json"
    a_room_mid_show(path)
    other = DemoRoom(seed=6, rate=200)
    assert not load_state(other, path, T0)
    assert other.flash_sales == {}
    assert other.explaining is None
    data = json.loads(path.read_text(encoding="utf-8"))
    data["flash_sales"][0]["product_id"] = "no-such-product"
    path.write_text(json.dumps(data), encoding="utf-8")
    same_seed = DemoRoom(seed=5, rate=200)
    assert not load_state(same_seed, path, T0)
    assert same_seed.flash_sales == {}
    path.write_text("{not json", encoding="utf-8")
    assert not load_state(same_seed, path, T0)
    assert saved_seed(path) is None
    assert not load_state(same_seed, tmp_path / "missing.json", T0)
