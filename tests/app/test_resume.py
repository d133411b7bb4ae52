"""After a crash the show goes on: the interrupted session is played back from its log and continued.

Session 1 explains 3号, pins 5号, runs a 60 s flash sale of 3号, drops a coupon, opens a lucky bag, pins a
comment and takes orders, claims and entries; then its process "dies" (its row stays ``live`` with a
dead pid, as after a SIGKILL). 20 s later the log is reopened (session 1 → ``interrupted``) and a new
engine continues it: the same session id, and everything exactly as the first engine had it.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.commerce.promotions import draw_winners
from app.core.clock import ManualClock
from app.core.events import Command, Kind, LiveEvent
from app.engine.resume import Restored, continue_interrupted, find_interrupted
from app.engine.session import SessionEngine
from app.show.plan import PlanRunner, parse_plan
from app.store.session_log import SessionLog

PRODUCTS = load_products_csv(demo_catalog_path())
P3 = next(p for p in PRODUCTS if p.no == 3)
P5 = next(p for p in PRODUCTS if p.no == 5)


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _engine(log: SessionLog, clock: ManualClock, *, start: bool = True) -> SessionEngine:
    engine = SessionEngine(log, clock=clock)
    engine.load_catalog(PRODUCTS)
    if start:
        asyncio.run(engine.start_session("直播", "test"))
    return engine


def _die(path: Path, session_id: int) -> None:
    """No end_session: the row stays 'live', owned by a process that is gone (SIGKILL, power cut)."""
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE sessions SET pid = ? WHERE id = ?", (_dead_pid(), session_id))
    conn.close()


def _order(clock: ManualClock, user: str, product: str, count: int, amount: int, msg: str) -> LiveEvent:
    return LiveEvent(Kind.ORDER, clock.time(), user_id=user, product_id=product, count=count, amount_fen=amount,
                     msg_id=msg)


def _killed_show(path: Path, clock: ManualClock) -> SessionEngine:
    """Session 1 with every kind of state, then the process 'dies'; returns its engine as it was."""
    with SessionLog(path) as log:
        engine = _engine(log, clock)
        run = engine.execute
        assert run(Command("explain", {"no": 3}, command_id="ex-3")).applied
        assert run(Command("pin_product", {"no": 5}, command_id="pin-5")).applied
        assert run(Command("start_flash_sale", {"no": 3, "price_fen": 6990, "stock": 20, "duration_s": 60},
                           command_id="fs-3")).applied
        assert run(Command("start_flash_sale", {"no": 5, "price_fen": 1990, "stock": 10, "duration_s": 10},
                           command_id="fs-5")).applied
        assert run(Command("drop_coupon", {"kind": "满减", "threshold_fen": 10000, "discount_fen": 1000,
                                           "quantity": 50}, command_id="cp")).applied
        assert run(Command("start_lucky_bag", {"condition": {"keyword": "扣1"}, "duration_s": 120, "winners": 2},
                           command_id="bag")).applied
        assert run(Command("note", {"text": "3号 库存不多了"}, command_id="n1")).applied
        engine.drain()
        clock.advance(2)
        engine.submit([
            _order(clock, "u1", P3.product_id, 1, 6990, "m1"),
            _order(clock, "u2", P3.product_id, 2, 13980, "m2"),
            _order(clock, "u3", P3.product_id, 1, P3.price_fen, "m3"),  # the regular price: not a sale unit
            _order(clock, "u4", P5.product_id, 3, 5970, "m4"),
            *[LiveEvent(Kind.COUPON_CLAIM, clock.time(), user_id=f"c{i}", extra={"coupon_id": "cp"},
                        msg_id=f"cl{i}") for i in range(7)],
            *[LiveEvent(Kind.COMMENT, clock.time(), user_id=f"v{i}", user_name=f"观众{i}", text="扣1扣1",
                        msg_id=f"k{i}") for i in range(5)],
            LiveEvent(Kind.COMMENT, clock.time(), user_id="q", user_name="小王", text="3号有大码吗", msg_id="q"),
            LiveEvent(Kind.VIEWER_STATS, clock.time(), count=420, msg_id="vs"),
        ])
        batch = engine.drain()
        question = next(e for e in batch if e.text == "3号有大码吗")
        assert run(Command("pin_comment", {"seq": question.seq}, command_id="pc")).applied
        engine.drain()
        assert engine.state.flash_sales["fs-3"].sold == 3
        sid = engine.state.session_id
        assert sid is not None
        log.flush()
    _die(path, sid)
    return engine


def _continue(path: Path, clock: ManualClock) -> tuple[SessionLog, SessionEngine, Restored]:
    log = SessionLog(path)
    session = find_interrupted(log.sessions())
    assert session is not None
    engine = _engine(log, clock, start=False)
    restored = asyncio.run(continue_interrupted(engine, session))
    return log, engine, restored


def test_continuing_brings_back_everything_the_show_had(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite"
    clock = ManualClock()
    before = _killed_show(path, clock).state
    clock.advance(18)  # the app was down: 20 s after the sales started

    log, engine, restored = _continue(path, clock)
    try:
        state = engine.state
        assert restored.session_id == state.session_id == before.session_id  # the same show goes on
        assert log.session(restored.session_id)["status"] == "live"  # type: ignore[index]
        assert state.explaining == 3
        assert restored.explaining == P3
        assert state.pinned_product == 5
        assert restored.pinned_product == P5
        assert state.sold == before.sold
        assert state.gmv_fen == before.gmv_fen
        assert (restored.events, state.online) == (before.events, 420)
        # One more event than the first run had: the 10 s sale of 5号 ran out while the app was down.
        assert state.counts == before.counts + Counter({Kind.SYSTEM: 1})
        assert state.flash_sales["fs-5"].end_reason == "time"
        sale = state.flash_sales["fs-3"]
        assert sale.status == "live"
        assert sale.remaining(clock.monotonic()) == pytest.approx(40)
        assert (sale.sold, sale.left, sale.bought) == (3, 17, {"u1": 1, "u2": 2})
        assert [s.sale_id for s in restored.sales] == ["fs-3"]  # the 10 s sale is over
        assert state.flash_sales["fs-5"].sold == 3  # counted while it ran, like the first time
        coupon = state.coupons["cp"]
        assert (coupon.claimed, coupon.left, coupon.label()) == (7, 43, "满100减10")
        bag = state.lucky_bag
        assert bag is not None
        assert bag.status == "running"
        assert bag.participants == before.lucky_bag.participants  # type: ignore[union-attr]
        assert bag.remaining(clock.monotonic()) == pytest.approx(100)
        assert [n.text for n in state.notes] == ["3号 库存不多了"]
        assert state.pinned is not None
        assert state.pinned.text == "3号有大码吗"
        assert [(w.no, w.end_ts) for w in state.explain_windows] == [(3, None)]
        assert (restored.orders, restored.gmv_fen) == (4, before.gmv_fen)

        # The same ids: a retried command is a duplicate, a re-delivered event is dropped.
        assert engine.execute(Command("start_flash_sale", {}, command_id="fs-3")).result == "duplicate"
        clock.advance(1)
        engine.submit([_order(clock, "u1", P3.product_id, 1, 6990, "m1"),
                       _order(clock, "u9", P3.product_id, 2, 13980, "new")])
        (new,) = [e for e in engine.drain() if e.kind == Kind.ORDER]
        assert new.seq == before.events + 2
        assert (sale.sold, state.duplicates) == (5, 1)
        asyncio.run(engine.end_session())
        log.flush()
        assert [s["id"] for s in log.sessions()] == [restored.session_id]
        seqs = [e.seq for e in log.events(restored.session_id)]
        assert seqs == list(range(1, len(seqs) + 1))
    finally:
        log.close()


def test_deadlines_that_passed_while_the_app_was_down_end_at_the_next_check(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite"
    clock = ManualClock()
    before = _killed_show(path, clock).state
    clock.advance(200)  # longer than the sales and the lucky bag
    log, engine, restored = _continue(path, clock)
    try:
        assert restored.sales == ()
        assert restored.lucky_bag is None
        assert engine.state.sold == before.sold  # what was sold stays sold
        engine.drain()
        assert {s.sale_id: (s.status, s.end_reason) for s in engine.state.flash_sales.values()} == {
            "fs-3": ("ended", "time"), "fs-5": ("ended", "time")}
        bag = engine.state.lucky_bag
        assert bag is not None
        assert bag.status == "drawn"
        assert bag.seed == before.lucky_bag.seed  # type: ignore[union-attr]
        assert bag.winners == draw_winners(bag.participants, bag.seed, 2)  # the logged seed, the same draw
        asyncio.run(engine.end_session())
    finally:
        log.close()


def test_a_product_unlisted_after_its_explain_is_not_explained(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite"
    clock = ManualClock()
    with SessionLog(path) as log:
        engine = _engine(log, clock)
        assert engine.execute(Command("explain", {"no": 3})).applied
        clock.advance(5)
        assert engine.execute(Command("unlist", {"no": 3})).applied
        sid = engine.state.session_id
        assert sid is not None
    _die(path, sid)
    log, engine, restored = _continue(path, clock)
    try:
        assert restored.explaining is None
        assert engine.state.explaining is None
        assert not engine.state.queue.is_listed(3)  # the saved product list
        assert [(w.no, w.end_ts) for w in engine.state.explain_windows] == [(3, clock.time())]
        asyncio.run(engine.end_session())
    finally:
        log.close()


def test_commands_and_events_replay_in_the_order_the_engine_applied_them(tmp_path: Path) -> None:
    """An order the room stamped a moment before the sale started (its clock, its tick) but that arrived after
    the engine started it counts in the sale, live and after the crash alike."""
    path = tmp_path / "sessions.sqlite"
    clock = ManualClock()
    with SessionLog(path) as log:
        engine = _engine(log, clock)
        assert engine.execute(Command("start_flash_sale", {"no": 3, "price_fen": 6990, "stock": 20,
                                                           "duration_s": 60}, command_id="fs")).applied
        early = _order(clock, "u1", P3.product_id, 1, 6990, "early")
        early.ts -= 0.03
        engine.submit([early])
        engine.drain()
        assert engine.state.flash_sales["fs"].sold == 1
        sid = engine.state.session_id
        assert sid is not None
    _die(path, sid)
    log, engine, _ = _continue(path, clock)
    try:
        assert engine.state.flash_sales["fs"].sold == 1
        asyncio.run(engine.end_session())
    finally:
        log.close()


def test_following_the_plan_again_goes_on_from_the_first_step_not_run(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite"
    clock = ManualClock()
    plan = parse_plan({"steps": [{"at": 0, "command": "explain", "args": {"no": 3}},
                                 {"at": 5, "prompt": "介绍 5号"},
                                 {"at": 600, "command": "explain", "args": {"no": 5}}]})
    with SessionLog(path) as log:
        engine = _engine(log, clock)
        runner = PlanRunner(engine, plan)
        clock.advance(6)
        assert [s.index for s in runner.run_due()] == [1, 2]
        sid = engine.state.session_id
        assert sid is not None
    _die(path, sid)
    clock.advance(60)
    log, engine, restored = _continue(path, clock)
    try:
        assert restored.plan_steps == 2
        again = PlanRunner(engine, plan)
        again.start()
        status = again.status()
        assert (status.current.index, status.next.index) == (2, 3)  # type: ignore[union-attr]
        assert status.next_in == pytest.approx(600 - 66)  # on the show's own timeline
        assert again.overdue() == []  # nothing to ask about: the steps whose time passed did run
        assert [again.outcomes[i].result for i in (1, 2)] == ["duplicate", "duplicate"]  # ran, not sent again
        assert not [a for a in engine.actions if a["result"] == "duplicate"]
        asyncio.run(engine.end_session())
    finally:
        log.close()


def test_nothing_to_continue_after_a_clean_end(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite"
    clock = ManualClock()
    with SessionLog(path) as log:
        assert find_interrupted(log.sessions()) is None  # an empty log
        engine = _engine(log, clock)
        asyncio.run(engine.end_session())
    with SessionLog(path) as log:
        assert find_interrupted(log.sessions()) is None
