"""The 直播流程 dock: current and next step with a countdown on the engine's clock, import errors,
editing and saving."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.commerce.catalog import Product
from app.core.clock import ManualClock
from app.engine.session import SessionEngine
from app.show.plan import load_plan
from tests.ui.conftest import wait_until
from ui.live.run_of_show import RunOfShowPanel

PRODUCTS = [Product(1, "p1", "保湿面霜", 9900), Product(2, "p2", "坚果礼盒", 5990)]
PLAN = {"steps": [
    {"at": 2, "command": "explain", "args": {"no": 1}},
    {"at": 8, "prompt": "介绍下一款"},
    {"at": 80, "command": "explain", "args": {"no": 2}},
]}


@pytest.fixture
def engine(qloop: asyncio.AbstractEventLoop) -> SessionEngine:
    engine = SessionEngine(clock=ManualClock())
    qloop.run_until_complete(engine.start_session("test", "test"))
    assert engine.load_catalog(PRODUCTS).applied
    return engine


@pytest.fixture
def panel(qtbot: QtBot, engine: SessionEngine, tmp_path: Path) -> RunOfShowPanel:
    panel = RunOfShowPanel(engine)
    qtbot.addWidget(panel)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(PLAN, ensure_ascii=False), encoding="utf-8")
    assert panel.import_plan(path)
    return panel


def test_following_shows_current_and_next_step_with_countdown(
    panel: RunOfShowPanel, engine: SessionEngine, qloop: asyncio.AbstractEventLoop
) -> None:
    clock = engine.clock
    assert isinstance(clock, ManualClock)
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
        panel.pause()
        await asyncio.sleep(0)
        assert not panel.following
        clock.advance(30)  # a 30 s pause moves the timeline: still 71 s to go after resuming
        panel.refresh_status()
        assert panel.next_label.text().endswith("（01:11 后）")
        assert panel.follow_button.text() == "继续跟随"
        assert panel.follow()
        panel.refresh_status()
        assert panel.next_label.text().endswith("（01:11 后）")
        panel.pause()
        await asyncio.sleep(0)

    qloop.run_until_complete(scenario())
    assert [a["command_id"] for a in engine.actions if a["actor"] == "plan"] == ["plan-1", "plan-2"]


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
