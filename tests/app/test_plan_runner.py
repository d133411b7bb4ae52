"""The run-of-show runner (app/show/plan.py): step ids scoped to the session, overdue steps skipped when
the operator says so, and a refused step recorded with its reason and never the current step."""

from __future__ import annotations

import asyncio

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.clock import ManualClock
from app.engine.session import SessionEngine
from app.show.plan import PlanRunner, parse_plan

PLAN = parse_plan({"steps": [
    {"at": 2, "command": "explain", "args": {"no": 1}},
    {"at": 8, "prompt": "介绍下一款"},
    {"at": 15, "command": "stop_flash_sale", "args": {"no": 1}},  # no sale runs: refused
    {"at": 80, "command": "explain", "args": {"no": 2}},
]})


def _engine() -> tuple[SessionEngine, ManualClock]:
    clock = ManualClock()
    engine = SessionEngine(clock=clock)
    asyncio.run(engine.start_session("彩排", "test"))
    assert engine.load_catalog(load_products_csv(demo_catalog_path())).applied
    return engine, clock


def _new_session(engine: SessionEngine, title: str) -> None:
    async def again() -> None:
        await engine.end_session()
        await engine.start_session(title, "test")
    asyncio.run(again())


def test_overdue_steps_are_named_and_skipped_without_sending_anything() -> None:
    engine, clock = _engine()
    runner = PlanRunner(engine, PLAN)
    runner.start()
    clock.advance(1)
    assert runner.overdue() == []  # following at the start: nothing to ask
    clock.advance(19)  # 20 s into the show
    assert [s.index for s in runner.overdue()] == [1, 2, 3]
    assert [s.index for s in runner.skip_overdue()] == [1, 2, 3]
    assert [(i, o.result) for i, o in runner.outcomes.items()] == [(1, "skipped"), (2, "skipped"), (3, "skipped")]
    assert runner.outcomes[1].reason == "开始跟随时已过时间，已跳过"
    assert runner.run_due() == []
    assert [a for a in engine.actions if a["actor"] == "plan"] == []
    status = runner.status()
    assert status.current is None
    assert status.next is not None
    assert status.next.index == 4
    assert status.next_in == 60
    clock.advance(60)
    assert [s.index for s in runner.run_due()] == [4]
    assert runner.status().current == PLAN.steps[3]
    assert engine.state.explaining == 2


def test_a_step_just_due_is_not_overdue() -> None:
    engine, clock = _engine()
    runner = PlanRunner(engine, PLAN)
    runner.start()
    clock.advance(4)  # step 1 is 2 s late: within the grace, it simply runs
    assert runner.overdue() == []
    assert [s.index for s in runner.run_due()] == [1]


def test_a_refused_step_keeps_its_reason_and_is_never_current() -> None:
    engine, clock = _engine()
    runner = PlanRunner(engine, PLAN)
    runner.start()
    clock.advance(16)
    assert [s.index for s in runner.run_due()] == [1, 2, 3]
    refused = runner.outcomes[3]
    assert refused.result == "rejected"
    assert refused.reason
    assert refused.reason == next(a["detail"] for a in engine.actions if a["name"] == "stop_flash_sale")
    status = runner.status()
    assert status.current == PLAN.steps[1]  # the prompt before it, not the refused step
    assert status.next == PLAN.steps[3]


def test_step_ids_are_scoped_to_the_session() -> None:
    engine, clock = _engine()
    runner = PlanRunner(engine, PLAN)
    runner.start()
    clock.advance(9)
    runner.run_due()
    rehearsal = [a["command_id"] for a in engine.actions if a["actor"] == "plan"]
    scope = engine.state.scoped_id("")
    assert rehearsal == [f"{scope}plan-1", f"{scope}plan-2"]
    # The same plan again in the same session: each step is a duplicate, and still counts as done.
    again = PlanRunner(engine, PLAN)
    again.start()
    again.run_due()
    assert [again.outcomes[i].result for i in (1, 2)] == ["duplicate", "duplicate"]
    assert again.status().current == PLAN.steps[1]
    # The real show: the same steps are new commands.
    _new_session(engine, "正式直播")
    show = PlanRunner(engine, PLAN)
    show.start()
    clock.advance(9)
    show.run_due()
    assert [show.outcomes[i].result for i in (1, 2)] == ["applied", "applied"]
    ids = [a["command_id"] for a in engine.actions if a["actor"] == "plan"]
    assert [i.split(":", 1)[1] for i in ids] == ["plan-1", "plan-2"]
    assert not set(ids) & set(rehearsal)
