"""Commerce rules headless, with a controllable clock: explain card, flash sales, coupons, lucky bags,
idempotent commands, the run-of-show plan."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.commerce.effects import Change, Context
from app.commerce.promotions import draw_winners
from app.core.clock import ManualClock
from app.core.events import Command, Kind, LiveEvent
from app.engine.commands import COMMANDS
from app.engine.session import SessionEngine
from app.show.plan import PlanError, PlanRunner, load_plan, parse_plan
from app.store.session_log import SessionLog
from tests.plans import coupon_step, flash_sale_step, write_plan

NUTS = "100552"  # product no. 3 of the demo catalog


def make_engine(log: SessionLog | None = None) -> tuple[SessionEngine, ManualClock]:
    clock = ManualClock()
    engine = SessionEngine(log, clock=clock)
    engine.load_catalog(load_products_csv(demo_catalog_path()))
    asyncio.run(engine.start_session("测试", "test"))
    return engine, clock


def order(user: str, units: int = 1, product_id: str = NUTS) -> LiveEvent:
    return LiveEvent(
        Kind.ORDER, 0.0, user_id=user, product_id=product_id, count=units, amount_fen=9900 * units
    )


def test_exactly_one_product_is_explained_at_a_time() -> None:
    engine, clock = make_engine()
    changes: list[Change] = []
    engine.subscribe_changes(changes.append)
    assert engine.execute(Command("explain", {"no": 3})).applied
    clock.advance(30)
    result = engine.execute(Command("explain", {"no": 5}))
    assert engine.state.explaining == 5
    assert result.changes == (Change("explaining", 3, "removed"), Change("explaining", 5, "added"))
    windows = engine.state.explain_windows
    assert [(w.no, w.end_ts is None) for w in windows] == [(3, False), (5, True)]
    assert windows[0].end_ts - windows[0].start_ts == pytest.approx(30)  # type: ignore[operator]
    engine.execute(Command("stop_explain"))
    assert engine.state.explaining is None
    assert engine.execute(Command("explain", {"no": 99})).result == "rejected"


def test_a_10_second_flash_sale_with_stock_20_never_sells_21_and_ends_on_time() -> None:
    engine, clock = make_engine()
    applied: list[LiveEvent] = []
    engine.subscribe(applied.extend)
    start = engine.execute(
        Command("start_flash_sale", {"no": 3, "price_fen": 9900, "stock": 20, "duration_s": 10})
    )
    sale = engine.state.flash_sales[start.command.command_id]
    for second in range(12):
        engine.submit([order(f"u{second}-{i}", units=3) for i in range(3)])
        engine.drain()
        assert sale.sold <= 20
        clock.advance(1)
    # 9 + 9, then an order of 3 with 2 left: 2 counted, 1 flagged oversold, and the sale is over.
    assert (sale.sold, sale.oversold, sale.end_reason) == (20, 1, "sold_out")
    flags = [e.extra for e in applied if e.kind == Kind.SYSTEM and e.extra]
    assert [f["flash_sale"] for f in flags if "flash_sale" in f] == ["started", "oversold", "ended"]

    # On time: a sale with plenty of stock ends exactly at its deadline, however late it is checked.
    engine.execute(
        Command(
            "start_flash_sale", {"no": 5, "price_fen": 100, "stock": 100, "duration_s": 10}, command_id="fs2"
        )
    )
    sale2 = engine.state.flash_sales["fs2"]
    t0 = clock.monotonic()
    clock.advance(9.9)
    engine.drain()
    assert sale2.status == "live"
    assert sale2.remaining(clock.monotonic()) == pytest.approx(0.1)
    clock.advance(0.3)
    engine.submit([order("late", product_id="100774")])  # after the deadline: not the sale's
    engine.drain()
    assert (sale2.status, sale2.end_reason, sale2.ended_at, sale2.sold) == ("ended", "time", t0 + 10, 0)


def test_countdown_is_right_after_a_2_second_stall_and_warmup_turns_live() -> None:
    engine, clock = make_engine()
    engine.execute(
        Command(
            "start_flash_sale",
            {"no": 3, "price_fen": 9900, "stock": 20, "warmup_s": 5, "duration_s": 60},
            command_id="fs",
        )
    )
    sale = engine.state.flash_sales["fs"]
    assert sale.phase(clock.monotonic()) == "warmup"
    assert sale.remaining(clock.monotonic()) == 5
    clock.advance(3)
    engine.tick()
    clock.advance(2)  # the UI froze for 2 s: no tick, no drain
    assert sale.remaining(clock.monotonic()) == pytest.approx(60)
    engine.tick()
    assert sale.status == "live"
    engine.submit([order("a")])
    engine.drain()
    assert sale.sold == 1
    clock.advance(600)
    engine.tick()
    assert sale.status == "ended"
    assert sale.remaining(clock.monotonic()) == 0


def test_a_coupon_dropped_again_is_refused_naming_what_it_gives(tmp_path: Path) -> None:
    with SessionLog(tmp_path / "s.sqlite") as log:
        engine, _ = make_engine(log)
        args = {"kind": "满减", "threshold_fen": 10000, "discount_fen": 1000, "quantity": 2, "coupon_id": "q-1"}
        assert engine.execute(Command("drop_coupon", args, command_id="c-1")).result == "applied"
        again = engine.execute(Command("drop_coupon", args, command_id="c-2"))
        assert (again.result, again.reason) == ("rejected", "这张优惠券（满100减10）已经发过")  # not "q-1"


def test_the_same_coupon_command_twice_drops_once(tmp_path: Path) -> None:
    with SessionLog(tmp_path / "s.sqlite") as log:
        engine, _ = make_engine(log)
        room: list[Command] = []
        engine.subscribe_outbound(room.append)
        args = {
            "kind": "满减",
            "threshold_fen": 10000,
            "discount_fen": 1000,
            "quantity": 2,
            "per_user_limit": 1,
        }
        first = engine.execute(Command("drop_coupon", args, command_id="c-1"))
        again = engine.execute(Command("drop_coupon", args, command_id="c-1"))
        assert (first.result, again.result) == ("applied", "duplicate")
        assert [c.name for c in room] == ["drop_coupon"]  # the room heard it once
        assert list(engine.state.coupons) == ["c-1"]
        claims = [LiveEvent(Kind.COUPON_CLAIM, 0, user_id=u, extra={"coupon_id": "c-1"}) for u in "aab"]
        claims.append(LiveEvent(Kind.COUPON_CLAIM, 0, user_id="c", extra={"coupon_id": "c-1"}))
        engine.submit(claims)
        engine.drain()
        coupon = engine.state.coupons["c-1"]
        assert (coupon.claimed, coupon.rejected_claims) == (2, 2)  # a's second (limit) and c's (quantity)
        log.flush()
        rows = [(r["command_id"], r["name"], r["result"]) for r in log.actions(engine.state.session_id or 0)]
    assert rows == [("c-1", "drop_coupon", "applied"), ("c-1", "drop_coupon", "duplicate")]


def test_lucky_bag_draw_is_reproducible_from_its_recorded_seed() -> None:
    engine, clock = make_engine()
    bag_cmd = engine.execute(
        Command("start_lucky_bag", {"condition": {"keyword": "扣1"}, "duration_s": 30, "winners": 3})
    )
    assert (
        engine.execute(
            Command("start_lucky_bag", {"condition": {"follow": True}, "duration_s": 5, "winners": 1})
        ).result
        == "rejected"
    )  # one at a time
    comments = [
        LiveEvent(Kind.COMMENT, 0, user_id=f"u{i}", user_name=f"观众{i}", text="扣1扣1" if i % 2 else "好")
        for i in range(20)
    ]
    engine.submit(comments)
    engine.drain()
    clock.advance(31)
    engine.submit([LiveEvent(Kind.COMMENT, 0, user_id="late", text="扣1")])
    engine.drain()
    bag = engine.state.lucky_bag
    assert bag is not None
    assert bag.status == "drawn"
    assert len(bag.winners) == 3
    assert "late" not in bag.participants
    assert len(bag.participants) == 10
    draw = next(a for a in engine.actions if a["name"] == "lucky_bag_draw")
    start = next(a for a in engine.actions if a["command_id"] == bag_cmd.command.command_id)
    assert start["args"]["seed"] == draw["args"]["seed"]
    assert (
        draw_winners(draw["args"]["participants"], draw["args"]["seed"], 3)
        == bag.winners
        == draw["args"]["winners"]
    )


def test_queue_list_unlist_move_notes_and_pin() -> None:
    engine, _ = make_engine()
    engine.execute(Command("move", {"no": 7, "to": 0}))
    assert engine.state.queue.order[:2] == (7, 1)
    engine.execute(Command("unlist", {"no": 3}))
    assert not engine.state.queue.is_listed(3)
    assert engine.execute(Command("explain", {"no": 3})).result == "rejected"
    engine.execute(Command("note", {"text": "下一款讲锅"}, actor="助播"))
    assert engine.state.notes[-1].text == "下一款讲锅"
    engine.submit([LiveEvent(Kind.COMMENT, 0, user_name="小鹿", text="3号有货吗")])
    (comment,) = engine.drain()
    assert engine.execute(Command("pin_comment", {"seq": comment.seq})).applied
    assert engine.state.pinned is comment


def test_plan_runs_steps_at_their_offsets(tmp_path: Path) -> None:
    engine, clock = make_engine()
    plan_file = write_plan(tmp_path / "plan.json", [
        {"at": 2.0, "command": "explain", "args": {"no": 3}},
        flash_sale_step(8.0, no=3, price_fen=9900, stock=20, duration_s=10),
        coupon_step(20.0),
        {"at": 25.0, "prompt": "介绍下一款"},
    ])
    runner = PlanRunner(engine, load_plan(plan_file))
    runner.start()
    assert runner.run_due() == []
    status = runner.status()
    assert status.next is not None
    assert status.next.command == "explain"
    assert status.next_in == 2
    clock.advance(8)
    assert [s.command for s in runner.run_due()] == ["explain", "start_flash_sale"]
    clock.advance(20)
    runner.run_due()
    assert runner.status().done
    assert [(a["name"], a["result"]) for a in engine.actions] == [
        ("explain", "applied"),
        ("start_flash_sale", "applied"),
        ("drop_coupon", "applied"),
        ("note", "applied"),
    ]


def test_plan_validation_names_the_step(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="第 2 步"):
        parse_plan({"steps": [{"at": 1, "prompt": "开场"}, {"at": -1, "command": "explain"}]})
    with pytest.raises(PlanError, match=r"第 1 步.*launch_rocket"):
        parse_plan({"steps": [{"at": 1, "command": "launch_rocket"}]})
    plan = parse_plan(
        {"catalog": "p.csv", "steps": [{"at": 1, "command": "explain", "args": {"no": 99}}]}, tmp_path
    )
    assert plan.catalog == tmp_path / "p.csv"
    with pytest.raises(PlanError, match="99"):
        plan.check_products(load_products_csv(demo_catalog_path()))


def test_an_order_at_the_regular_price_does_not_take_flash_sale_stock() -> None:
    engine, _ = make_engine()
    start = engine.execute(Command("start_flash_sale", {"no": 3, "price_fen": 6990, "stock": 2, "duration_s": 10}))
    sale = engine.state.flash_sales[start.command.command_id]
    regular = LiveEvent(Kind.ORDER, 0.0, user_id="early", product_id=NUTS, count=1, amount_fen=8990)
    engine.submit([regular, order("a"), order("b")])  # order() pays 9900: above the deal price too
    engine.drain()
    assert (sale.sold, sale.status) == (0, "live")
    engine.submit([LiveEvent(Kind.ORDER, 0.0, user_id="c", product_id=NUTS, count=2, amount_fen=13980)])
    engine.drain()
    assert (sale.sold, sale.oversold, sale.end_reason) == (2, 0, "sold_out")


def test_a_malformed_product_is_refused_at_the_door_and_a_handler_bug_never_escapes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine, _ = make_engine()
    bad = {"no": 1, "product_id": "x", "name": "坏商品", "price_fen": 100, "stock": "很多"}
    result = engine.execute(Command("load_catalog", {"products": [bad]}))
    assert result.result == "rejected"
    assert "stock must be an integer" in result.reason
    assert engine.state.queue.get(3) is not None  # the old catalog stays

    def broken(ctx: Context, args: dict[str, Any]) -> None:
        raise KeyError("a bug")

    engine.commands = {**COMMANDS, "note": dataclasses.replace(COMMANDS["note"], handler=broken)}
    result = engine.execute(Command("note", {"text": "hi"}, command_id="n-1"))
    assert (result.result, result.reason) == ("rejected", "内部错误，命令未执行（详情见日志）")
    assert "KeyError: 'a bug'" in caplog.text  # the traceback is in the log
    assert [(a["command_id"], a["result"]) for a in engine.actions][-1] == ("n-1", "rejected")


def test_send_comment_is_logged_with_its_pin_flag_and_an_empty_or_long_comment_is_refused() -> None:
    engine, _ = make_engine()
    assert engine.execute(Command("send_comment", {"text": " 3号今晚包邮 ", "pin": True})).applied
    row = engine.actions[-1]
    assert (row["name"], row["result"]) == ("send_comment", "applied")
    assert (row["args"], row["detail"]) == ({"text": "3号今晚包邮", "pin": True}, "3号今晚包邮")
    assert engine.execute(Command("send_comment", {"text": "   "})).result == "rejected"
    assert engine.execute(Command("send_comment", {"text": "长" * 51})).result == "rejected"
    assert engine.execute(Command("send_comment", {"text": "好", "pin": 1})).result == "rejected"
