"""The 直播流程 dock: current and next step with a countdown on the engine's clock, import errors,
editing and saving."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.commerce.catalog import Product
from app.core.clock import ManualClock
from app.engine.session import SessionEngine
from app.show.plan import load_plan
from tests.plans import write_plan
from tests.ui.conftest import wait_until
from ui.live.run_of_show import RunOfShowPanel

PRODUCTS = [Product(1, "p1", "保湿面霜", 9900), Product(2, "p2", "坚果礼盒", 5990)]
PLAN = [
    {"at": 2, "command": "explain", "args": {"no": 1}},
    {"at": 8, "prompt": "介绍下一款"},
    {"at": 80, "command": "explain", "args": {"no": 2}},
]


@pytest.fixture
def engine(qloop: asyncio.AbstractEventLoop) -> SessionEngine:
    engine = SessionEngine(clock=ManualClock())
    qloop.run_until_complete(engine.start_session("test", "test"))
    assert engine.load_catalog(PRODUCTS).applied
    return engine


@pytest.fixture
def clock(engine: SessionEngine) -> ManualClock:
    """The engine's clock, moved by hand."""
    assert isinstance(engine.clock, ManualClock)
    return engine.clock


def plan_panel(qtbot: QtBot, engine: SessionEngine, tmp_path: Path, steps: list[dict[str, Any]]) -> RunOfShowPanel:
    """The dock over ``engine`` with a plan of ``steps`` imported from its file, as 导入流程 does."""
    panel = RunOfShowPanel(engine)
    qtbot.addWidget(panel)
    assert panel.import_plan(write_plan(tmp_path / "plan.json", steps))
    return panel


@pytest.fixture
def panel(qtbot: QtBot, engine: SessionEngine, tmp_path: Path) -> RunOfShowPanel:
    return plan_panel(qtbot, engine, tmp_path, PLAN)


async def pause_following(panel: RunOfShowPanel) -> None:
    """暂停, and let the cancelled plan task finish (before a scenario ends or resumes)."""
    panel.pause()
    await asyncio.sleep(0)


def test_following_shows_current_and_next_step_with_countdown(
    panel: RunOfShowPanel, engine: SessionEngine, clock: ManualClock, qloop: asyncio.AbstractEventLoop
) -> None:
    assert panel.table.rowCount() == 3
    assert panel.next_label.text() == "下一步：点「开始跟随」"

    async def scenario() -> None:
        assert panel.follow()
        await asyncio.sleep(0.05)
        panel.refresh_status()
        assert panel.current_label.text() == "当前：（未开始）"
        assert panel.next_label.text() == "下一步：00:02 讲解 1号（00:02 后）"
        clock.advance(3)
        await wait_until(lambda: engine.state.explaining == 1)
        panel.refresh_status()
        assert panel.current_label.text() == "当前：00:02 讲解 1号"
        assert panel.next_label.text() == "下一步：00:08 介绍下一款（00:05 后）"
        assert panel.current_row() == 0
        clock.advance(1)  # no refresh meanwhile; the countdown is derived, not counted
        panel.refresh_status()
        assert panel.next_label.text().endswith("（00:04 后）")
        clock.advance(5)
        await wait_until(lambda: [n.text for n in engine.state.notes] == ["介绍下一款"])
        panel.refresh_status()
        assert panel.next_label.text() == "下一步：01:20 讲解 2号（01:11 后）"
        await pause_following(panel)
        assert not panel.following
        clock.advance(30)  # a 30 s pause moves the timeline: still 71 s to go after resuming
        panel.refresh_status()
        assert panel.next_label.text().endswith("（01:11 后）")
        assert panel.follow_button.text() == "继续跟随"
        assert panel.follow()
        panel.refresh_status()
        assert panel.next_label.text().endswith("（01:11 后）")
        await pause_following(panel)

    qloop.run_until_complete(scenario())
    scope = engine.state.scoped_id("")
    assert [a["command_id"] for a in engine.actions if a["actor"] == "plan"] == [f"{scope}plan-1", f"{scope}plan-2"]


def test_bad_plan_file_shows_why_and_keeps_the_plan(panel: RunOfShowPanel, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"steps": [{"at": -1, "prompt": "x"}]}', encoding="utf-8")
    assert not panel.import_plan(bad)
    assert not panel.error_label.isHidden()
    assert panel.error_label.text() == "导入失败：第 1 步：at 必须是开播后的秒数（≥ 0）"
    assert panel.table.rowCount() == 3
    assert not panel.import_plan(tmp_path / "missing.json")
    assert panel.error_label.text().startswith("无法读取 missing.json")


def test_edit_add_remove_and_save(panel: RunOfShowPanel, tmp_path: Path) -> None:
    panel.table.item(1, 3).setText("讲一下包邮")
    panel.add_step()
    assert panel.table.rowCount() == 4
    assert panel.table.item(3, 0).text() == "02:20"
    panel.table.selectRow(0)
    panel.remove_selected()
    panel.table.item(0, 2).setText("{not json")
    assert panel.error_label.text() == "第 1 步：参数不是有效的 JSON：{not json"
    assert not panel.save_plan(tmp_path / "x.json")
    panel.table.item(0, 2).setText("")
    panel.table.item(0, 1).setText("")
    path = tmp_path / "saved.json"
    assert panel.save_plan(path)
    plan = load_plan(path)
    assert [(s.at, s.prompt) for s in plan.steps] == [(8.0, "讲一下包邮"), (80.0, ""), (140.0, "新提示")]
    assert [s.command_id for s in plan.steps][:2] == ["plan-2", "plan-3"]  # ids survive editing


LATE_PLAN = [
    {"at": 2, "command": "explain", "args": {"no": 1}},
    {"at": 8, "prompt": "介绍下一款"},
    {"at": 15, "command": "explain", "args": {"no": 2}},
    {"at": 80, "prompt": "收尾"},
]


class _Answer:
    """Stands in for the operator at the overdue question: records the box and clicks ``button``."""

    def __init__(self, button: str) -> None:
        self.button = button
        self.boxes: list[dict[str, object]] = []

    def __call__(self, box: QMessageBox) -> int:
        self.boxes.append({"title": box.windowTitle(), "text": box.text(), "info": box.informativeText(),
                           "buttons": [b.text() for b in box.buttons()],
                           "default": box.defaultButton().text(), "escape": box.escapeButton().text()})
        next(b for b in box.buttons() if b.text() == self.button).click()
        return 0


def late_panel(qtbot: QtBot, engine: SessionEngine, clock: ManualClock, tmp_path: Path,
               monkeypatch: pytest.MonkeyPatch, button: str) -> tuple[RunOfShowPanel, _Answer]:
    """The dock with :data:`LATE_PLAN`, 20 s into the show, and the overdue question answered with ``button``."""
    panel = plan_panel(qtbot, engine, tmp_path, LATE_PLAN)
    answer = _Answer(button)
    monkeypatch.setattr(QMessageBox, "exec", lambda box: answer(box))
    clock.advance(20)
    return panel, answer


def test_following_20_s_into_the_show_asks_and_skips_the_overdue_steps(
    qtbot: QtBot, engine: SessionEngine, clock: ManualClock, tmp_path: Path, qloop: asyncio.AbstractEventLoop,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    panel, answer = late_panel(qtbot, engine, clock, tmp_path, monkeypatch, "跳过")

    async def scenario() -> None:
        assert panel.follow()
        await asyncio.sleep(0.05)
        panel.refresh_status()
        await pause_following(panel)

    qloop.run_until_complete(scenario())
    [box] = answer.boxes
    assert box["title"] == "跟随流程"
    assert box["text"] == "开播已 00:20，3 个步骤的时间已过："
    assert "00:02 讲解 1号\n00:08 介绍下一款\n00:15 讲解 2号" in str(box["info"])
    assert sorted(box["buttons"]) == sorted(["跳过", "执行"])  # type: ignore[call-overload]
    assert box["default"] == box["escape"] == "跳过"  # Enter and Esc both skip
    # Nothing fired: no explain, no note; the three rows say 已跳过 and the plan waits for its 4th step.
    assert engine.state.explaining is None
    assert [a for a in engine.actions if a["actor"] == "plan"] == []
    assert [panel.step_status(r) for r in range(4)] == ["已跳过", "已跳过", "已跳过", ""]
    assert panel.current_label.text() == "当前：（未开始）"
    assert panel.next_label.text() == "下一步：01:20 收尾（01:00 后）"


def test_following_late_and_choosing_run_runs_the_overdue_steps_in_order(
    qtbot: QtBot, engine: SessionEngine, clock: ManualClock, tmp_path: Path, qloop: asyncio.AbstractEventLoop,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    panel, _ = late_panel(qtbot, engine, clock, tmp_path, monkeypatch, "执行")

    async def scenario() -> None:
        assert panel.follow()
        await wait_until(lambda: engine.state.explaining == 2)
        panel.refresh_status()
        await pause_following(panel)

    qloop.run_until_complete(scenario())
    assert [a["name"] for a in engine.actions if a["actor"] == "plan"] == ["explain", "note", "explain"]
    assert [panel.step_status(r) for r in range(4)] == ["已执行", "已执行", "已执行", ""]
    assert panel.current_label.text() == "当前：00:15 讲解 2号"


def test_following_at_the_start_asks_nothing(
    qtbot: QtBot, engine: SessionEngine, clock: ManualClock, tmp_path: Path, qloop: asyncio.AbstractEventLoop,
) -> None:
    # The modal guard fails the test if a question opens: 1 s in, nothing is overdue yet.
    panel = plan_panel(qtbot, engine, tmp_path, LATE_PLAN)
    clock.advance(1)

    async def scenario() -> None:
        assert panel.follow()
        clock.advance(2)
        await wait_until(lambda: engine.state.explaining == 1)
        await pause_following(panel)

    qloop.run_until_complete(scenario())
    assert panel.step_status(0) == "已执行"


def test_a_rejected_step_is_marked_with_its_reason_and_the_plan_moves_on(
    qtbot: QtBot, engine: SessionEngine, clock: ManualClock, tmp_path: Path, qloop: asyncio.AbstractEventLoop,
) -> None:
    plan = [
        {"at": 1, "command": "explain", "args": {"no": 1}},
        {"at": 2, "command": "stop_flash_sale", "args": {"no": 1}},  # no sale runs: refused
        {"at": 30, "prompt": "介绍下一款"},
    ]
    panel = plan_panel(qtbot, engine, tmp_path, plan)

    async def scenario() -> None:
        assert panel.follow()
        clock.advance(3)
        await wait_until(lambda: panel.step_status(1) != "")
        panel.refresh_status()
        assert panel.step_status(0) == "已执行"
        assert panel.step_status(1) == "已拒绝"
        reason = next(a["detail"] for a in engine.actions if a["name"] == "stop_flash_sale")
        assert reason
        assert panel.table.item(1, 4).toolTip() == reason
        assert panel.table.item(1, 1).toolTip() == reason  # the whole row says why
        # The refused step is not 当前: the last step that ran is, and the plan goes on to the next.
        assert panel.current_label.text() == "当前：00:01 讲解 1号"
        assert panel.current_row() == 0
        assert panel.next_label.text() == "下一步：00:30 介绍下一款（00:27 后）"
        clock.advance(27)
        await wait_until(lambda: panel.step_status(2) == "已执行")
        panel.refresh_status()
        assert panel.current_label.text() == "当前：00:30 介绍下一款"
        await pause_following(panel)

    qloop.run_until_complete(scenario())
