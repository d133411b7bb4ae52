"""The 直播流程 dock: the run-of-show plan, the current step lit, the next one with its countdown.

The plan's steps sit in an editable table (时间 · 命令 · 参数 · 提示). 导入流程… reads JSON or XLSX through
:func:`app.show.plan.load_plan` (a bad plan shows its message, naming the step, and nothing changes);
保存… writes JSON. 开始跟随 runs the plan with :class:`app.show.plan.PlanRunner` (commands through
``engine.execute``, prompts to the teleprompter) on the session's timeline; 暂停 stops it and a resume
shifts the timeline by the pause, so steps never fire in a burst. Following a plan after some steps'
time has passed asks first (:func:`ask_overdue`: 跳过, the default, or 执行). While following, the table
is read only and its 状态 column says what became of each step (已执行, 已拒绝 with the reason as its
tooltip, 已跳过); a rejected or skipped step is never lit as 当前. The countdown is derived from the
runner's monotonic offsets at each refresh (5 Hz timer, running only while following).
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.i18n import tr
from app.core.units import format_clock
from app.engine.commands import label as command_label
from app.engine.session import SessionEngine
from app.show.plan import Plan, PlanError, PlanRunner, Step, StepOutcome, load_plan, parse_plan
from ui.live.promotions_panel import countdown_text

log = logging.getLogger("livedeck.ui.plan")

REFRESH_MS = 200
_COLUMNS = ("时间", "命令", "参数", "提示")  # the plan's own columns (to_data reads these)
_STATUS = len(_COLUMNS)  # then 状态: what became of the step, never part of the plan
_OUTCOME_TEXT = {"applied": lambda: tr("已执行"), "duplicate": lambda: tr("已执行"),
                 "pending": lambda: tr("等待主播端确认"), "rejected": lambda: tr("已拒绝"),
                 "skipped": lambda: tr("已跳过")}
#: Overdue steps listed in the question at most; more read "…".
_ASK_LIST = 8
_ID_ROLE = Qt.ItemDataRole.UserRole + 1


def parse_offset(text: str) -> float | str:
    """``"90"``, ``"1:30"`` or ``"0:01:30"`` → seconds; the text itself when it is not a time
    (so :func:`parse_plan` names the step in its message)."""
    text = text.strip()
    try:
        parts = [float(p) for p in text.split(":")]
    except ValueError:
        return text
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds


class RunOfShowPanel(QWidget):
    """Edits, imports, saves and follows a run-of-show plan over one engine."""

    def __init__(self, engine: SessionEngine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runOfShow")
        self.engine = engine
        self.runner: PlanRunner | None = None
        self.catalog: str | None = None
        self._task: asyncio.Task[None] | None = None  # strong reference while following
        self._paused_at: float | None = None

        self.current_label = QLabel(self)
        self.current_label.setObjectName("planCurrent")
        self.current_label.setWordWrap(True)
        self.next_label = QLabel(self)
        self.next_label.setObjectName("planNext")
        self.next_label.setWordWrap(True)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("fieldError")
        self.error_label.setWordWrap(True)
        self.error_label.hide()

        self.table = QTableWidget(0, len(_COLUMNS) + 1, self)
        self.table.setObjectName("planTable")
        self.table.setHorizontalHeaderLabels([tr(c) for c in (*_COLUMNS, "状态")])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(170)
        self.table.itemChanged.connect(lambda _item: self._edited())

        self.import_button = QPushButton(tr("导入流程…"), self)
        self.save_button = QPushButton(tr("保存…"), self)
        self.add_button = QPushButton(tr("添加步骤"), self)
        self.remove_button = QPushButton(tr("删除步骤"), self)
        self.follow_button = QPushButton(tr("开始跟随"), self)
        self.follow_button.setObjectName("primaryButton")
        self.import_button.clicked.connect(self._choose_import)
        self.save_button.clicked.connect(self._choose_save)
        self.add_button.clicked.connect(self.add_step)
        self.remove_button.clicked.connect(self.remove_selected)
        self.follow_button.clicked.connect(self.toggle_following)
        # Two rows, so the dock stays narrow enough for a 1366-px laptop in English too.
        buttons = QGridLayout()
        buttons.addWidget(self.import_button, 0, 0)
        buttons.addWidget(self.save_button, 0, 1)
        buttons.addWidget(self.add_button, 1, 0)
        buttons.addWidget(self.remove_button, 1, 1)
        buttons.setColumnStretch(2, 1)
        buttons.addWidget(self.follow_button, 0, 3, 2, 1)

        bar = QHBoxLayout()
        bar.addWidget(self.current_label, 1)
        bar.addWidget(self.next_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)

        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh_status)
        self.refresh_status()

    # -- the table ------------------------------------------------------------------------------------
    def set_plan(self, plan: Plan) -> None:
        """Show ``plan``'s steps (in time order) in the table; not following."""
        self.pause()
        self.runner = None
        self.catalog = str(plan.catalog) if plan.catalog is not None else None
        table = self.table
        table.blockSignals(True)
        table.setRowCount(0)
        for step in plan.steps:
            self._append_row(step.at, step.command, step.args, step.prompt, step.command_id)
        table.blockSignals(False)
        self._show_error("")
        self.refresh_status()

    def _append_row(self, at: float, command: str, args: dict[str, Any], prompt: str, command_id: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        cells = (format_clock(at) if at == int(at) else f"{at:g}", command,
                 json.dumps(args, ensure_ascii=False) if args else "", prompt)
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if column == 0:
                item.setData(_ID_ROLE, command_id)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            self.table.setItem(row, column, item)
        status = QTableWidgetItem("")
        status.setFlags(status.flags() & ~Qt.ItemFlag.ItemIsEditable)
        self.table.setItem(row, _STATUS, status)

    def add_step(self) -> None:
        """A new prompt step a minute after the last one, ready to edit."""
        last = self.table.item(self.table.rowCount() - 1, 0) if self.table.rowCount() else None
        at = parse_offset(last.text()) if last is not None else 0.0
        self.table.blockSignals(True)
        self._append_row((at if isinstance(at, float) else 0.0) + 60, "", {}, tr("新提示"), "")
        self.table.blockSignals(False)
        new_text = self.table.item(self.table.rowCount() - 1, 3)
        if new_text is not None:
            self.table.editItem(new_text)
        self._edited()

    def remove_selected(self) -> None:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()}, reverse=True)
        for row in rows:
            self.table.removeRow(row)
        self._edited()

    def _edited(self) -> None:
        self.runner = None  # the plan on screen changed; it is rebuilt when following starts
        self.plan_from_table()
        self.refresh_status()

    def _cell_text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text().strip() if item is not None else ""

    def to_data(self) -> dict[str, Any]:
        """The table as plan JSON (docs/plan.md); raises PlanError for an ``args`` cell that is no JSON."""
        steps = []
        for row in range(self.table.rowCount()):
            cell = [self._cell_text(row, c) for c in range(len(_COLUMNS))]
            step: dict[str, Any] = {"at": parse_offset(cell[0])}
            if cell[1]:
                step["command"] = cell[1]
            if cell[2]:
                try:
                    step["args"] = json.loads(cell[2])
                except ValueError:
                    raise PlanError(tr("第 {n} 步：{reason}", n=row + 1,
                                       reason=tr("参数不是有效的 JSON：{text}", text=cell[2]))) from None
            if cell[3]:
                step["prompt"] = cell[3]
            item = self.table.item(row, 0)
            command_id = item.data(_ID_ROLE) if item is not None else None
            if command_id:
                step["command_id"] = command_id
            steps.append(step)
        data: dict[str, Any] = {"steps": steps}
        if self.catalog:
            data["catalog"] = self.catalog
        return data

    def plan_from_table(self) -> Plan | None:
        """The validated plan on screen, or None (the reason is shown above the table)."""
        try:
            plan = parse_plan(self.to_data())
        except PlanError as exc:
            self._show_error(str(exc))
            return None
        self._show_error("")
        return plan

    # -- import / save --------------------------------------------------------------------------------
    def import_plan(self, path: str | Path) -> bool:
        """Load a plan file into the table; on a bad file show why and keep the current plan."""
        try:
            plan = load_plan(path)
            plan.check_products(self.engine.state.queue.products)
        except PlanError as exc:
            self._show_error(tr("导入失败：{reason}", reason=exc))
            return False
        except OSError as exc:
            self._show_error(tr("无法读取 {name}：{reason}", name=Path(path).name, reason=exc.strerror or exc))
            return False
        self.set_plan(plan)
        return True

    def save_plan(self, path: str | Path) -> bool:
        try:
            data = self.to_data()
            parse_plan(data)
            Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        except PlanError as exc:
            self._show_error(tr("未保存：{reason}", reason=exc))
            return False
        except OSError as exc:
            self._show_error(tr("无法写入 {name}：{reason}", name=Path(path).name, reason=exc.strerror or exc))
            return False
        return True

    def _choose_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("导入流程"), "", tr("流程文件 (*.json *.xlsx)"))
        if path:
            self.import_plan(path)

    def _choose_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, tr("保存流程"), "plan.json", tr("流程文件 (*.json)"))
        if path:
            self.save_plan(path)

    def _show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    # -- following -------------------------------------------------------------------------------------
    @property
    def following(self) -> bool:
        return self._task is not None and not self._task.done()

    def toggle_following(self) -> None:
        if self.following:
            self.pause()
        else:
            self.follow()

    def follow(self) -> bool:
        """Run the plan from the session's start (or resume after a pause). False if it cannot."""
        if self.following:
            return True
        if self.runner is None:
            plan = self.plan_from_table()
            if plan is None:
                return False
            if not plan.steps:
                self._show_error(tr("流程里还没有步骤"))
                return False
            self.runner = PlanRunner(self.engine, plan, on_step=self._show_outcome)
            self.runner.start()
            self._clear_outcomes()
            self._settle_overdue(self.runner)
        elif self._paused_at is not None and self.runner.started_at is not None:
            # Resume where we paused: the timeline moves by the pause, nothing fires in a burst.
            self.runner.started_at += self.engine.clock.monotonic() - self._paused_at
        self._paused_at = None
        self._task = asyncio.ensure_future(self.runner.run())
        self._task.add_done_callback(self._run_done)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self._timer.start()
        self.refresh_status()
        return True

    def pause(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            self._paused_at = self.engine.clock.monotonic()
        self._timer.stop()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.refresh_status()

    def _run_done(self, task: asyncio.Task[None]) -> None:
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("run-of-show stopped by an error", exc_info=exc)
            self._show_error(tr("流程出错已停止：{reason}", reason=exc))
        if task is self._task:
            self._task = None
            self._timer.stop()
            self.refresh_status()

    def _settle_overdue(self, runner: PlanRunner) -> None:
        """Following mid-show: ask whether the steps whose time has passed run now or are skipped."""
        overdue = runner.overdue()
        if not overdue:
            return
        assert runner.started_at is not None
        late = self.engine.clock.monotonic() - runner.started_at
        if not ask_overdue(self, overdue, late):
            runner.skip_overdue()

    def _show_outcome(self, step: Step) -> None:
        """Mark the step's row with what became of it (the reason as the row's tooltip)."""
        outcome = self.runner.outcomes.get(step.index) if self.runner is not None else None
        if outcome is not None:
            self._mark_row(step.index - 1, outcome)

    def _mark_row(self, row: int, outcome: StepOutcome | None) -> None:
        self.table.blockSignals(True)
        text = _OUTCOME_TEXT[outcome.result]() if outcome is not None and outcome.result in _OUTCOME_TEXT else ""
        tip = outcome.reason if outcome is not None and not outcome.ok else ""
        for column in range(self.table.columnCount()):
            item = self.table.item(row, column)
            if item is None:
                continue
            item.setToolTip(tip)
            if column == _STATUS:
                item.setText(text)
                bad = outcome is not None and outcome.result == "rejected"
                item.setForeground(QColor("#ff4d4f") if bad else QColor("#8a8a96"))
        self.table.blockSignals(False)

    def _clear_outcomes(self) -> None:
        for row in range(self.table.rowCount()):
            self._mark_row(row, None)

    def step_status(self, row: int) -> str:
        """The 状态 cell of ``row`` (what became of that step)."""
        item = self.table.item(row, _STATUS)
        return item.text() if item is not None else ""

    # -- status ---------------------------------------------------------------------------------------
    def refresh_status(self) -> None:
        """Current step lit, next step with its countdown, derived from the runner's offsets now."""
        self.follow_button.setText(tr("暂停") if self.following else
                                   tr("继续跟随") if self._paused_at is not None and self.runner else tr("开始跟随"))
        runner = self.runner
        status = runner.status() if runner is not None and runner.started_at is not None else None
        current = status.current if status is not None else None
        nxt = status.next if status is not None else None
        self.current_label.setText(tr("当前：{step}", step=_describe(current)) if current
                                   else tr("当前：（未开始）"))
        if status is None:
            self.next_label.setText(tr("下一步：点「开始跟随」"))
        elif nxt is None:
            self.next_label.setText(tr("下一步：（流程已完成）"))
        else:
            waiting = status.next_in or 0.0
            if self._paused_at is not None and runner is not None and runner.started_at is not None:
                waiting = max(0.0, runner.started_at + nxt.at - self._paused_at)
            self.next_label.setText(tr("下一步：{step}（{time} 后）", step=_describe(nxt),
                                       time=countdown_text(waiting)))
        self._light_rows(current, nxt)

    def _light_rows(self, current: Step | None, nxt: Step | None) -> None:
        lit = {current.index - 1: QColor("#5a2416")} if current else {}
        current_item = self.table.item(current.index - 1, 0) if current is not None else None
        if current_item is not None:
            self.table.scrollToItem(current_item)
        if nxt:
            lit[nxt.index - 1] = QColor("#25252c")
        self.table.blockSignals(True)
        for row in range(self.table.rowCount()):
            colour = lit.get(row)
            for column in range(self.table.columnCount()):
                item = self.table.item(row, column)
                if item is not None:
                    item.setBackground(colour if colour is not None else QColor(0, 0, 0, 0))
        self.table.blockSignals(False)

    def current_row(self) -> int | None:
        status = self.runner.status() if self.runner is not None else None
        return status.current.index - 1 if status is not None and status.current is not None else None

    def shutdown(self) -> None:
        """Stop following (the window is closing)."""
        self.pause()


def ask_overdue(parent: QWidget, steps: list[Step], late: float) -> bool:
    """Ask whether the plan's overdue ``steps`` run now (True) or are skipped (False: the default button,
    and what Esc or closing the box answers). ``late``: seconds since the plan's start."""
    lines = [_describe(step) for step in steps[:_ASK_LIST]]
    if len(steps) > _ASK_LIST:
        lines.append("…")
    box = QMessageBox(QMessageBox.Icon.Question, tr("跟随流程"),
                      tr("开播已 {time}，{n} 个步骤的时间已过：", time=format_clock(late), n=len(steps)), parent=parent)
    box.setInformativeText("\n".join(lines) + "\n\n" + tr("跳过它们，从下一步开始跟随；或现在依次执行。"))
    skip = box.addButton(tr("跳过"), QMessageBox.ButtonRole.RejectRole)
    run = box.addButton(tr("执行"), QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(skip)
    box.setEscapeButton(skip)
    box.exec()
    return box.clickedButton() is run


def _describe(step: Step | None) -> str:
    """``00:08 开始秒杀 3号 · 介绍下一款``: time, command (in words, with its product) and prompt."""
    if step is None:
        return ""
    parts = []
    if step.command:
        no = step.args.get("no")
        parts.append(command_label(step.command) + (tr(" {no}号", no=no) if no is not None else ""))
    if step.prompt:
        parts.append(step.prompt)
    return f"{format_clock(step.at)} " + " · ".join(parts)
