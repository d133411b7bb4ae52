"""Run-of-show (直播流程): a timed plan of prompts and commands, documented in docs/plan.md.

A plan is JSON (or an XLSX sheet with columns 时间/at, 命令/command, 参数/args, 提示/prompt, and
optionally command_id)::

    {"catalog": "products.csv",
     "steps": [{"at": 2.0, "command": "explain", "args": {"no": 3}},
               {"at": 25.0, "prompt": "介绍下一款"}]}

:func:`load_plan` validates it and names the step of every problem. :class:`PlanRunner` executes each
step at its offset (seconds, monotonic) from the session start through ``engine.execute``: a command
step runs its command; a prompt goes to the teleprompter as a ``note`` (actor ``plan``). A step's id is
stable (``plan-<n>`` unless the step gives one) and runs scoped to the session
(:meth:`app.engine.state.SessionState.scoped_id`): re-running a plan in the same session never applies a
step twice, and the next show's steps are new commands to the room. Following a plan late,
:meth:`PlanRunner.overdue` names the steps whose time has passed and :meth:`PlanRunner.skip_overdue`
skips them; every step's outcome (applied, rejected with its reason, skipped) is in
:attr:`PlanRunner.outcomes`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.commerce.catalog import Product, read_table
from app.core.clock import Clock
from app.core.events import Command
from app.core.i18n import tr
from app.engine.commands import COMMANDS
from app.engine.session import SessionEngine

log = logging.getLogger("livedeck.plan")

_XLSX_COLUMNS = {
    "at": ("时间", "at", "time", "offset"),
    "command": ("命令", "command"),
    "args": ("参数", "args", "arguments"),
    "prompt": ("提示", "prompt", "提词"),
    "command_id": ("命令ID", "command_id", "id"),
}


class PlanError(ValueError):
    """A plan the user has to fix; the message names the step (1-based, in file order)."""


@dataclass(frozen=True, slots=True)
class Step:
    """One step: at ``at`` seconds after the start, show ``prompt`` and/or run ``command``.

    ``index`` is the step's 1-based place in the file (for messages); ``command_id`` is stable.
    """

    index: int
    at: float
    command: str = ""
    args: dict[str, Any] = field(default_factory=dict)
    prompt: str = ""
    command_id: str = ""

    def describe(self) -> str:
        if self.command and self.prompt:
            return f"{self.command} · {self.prompt}"
        return self.command or self.prompt


@dataclass(slots=True)
class Plan:
    """A validated plan: steps in time order; ``catalog`` resolved against the plan file's folder."""

    steps: list[Step]
    catalog: Path | None = None

    def check_products(self, products: list[Product]) -> None:
        """Raise PlanError for a step whose ``no`` is not in the catalog."""
        nos = {p.no for p in products}
        for step in self.steps:
            no = step.args.get("no")
            if step.command and no is not None and no not in nos:
                raise PlanError(tr("第 {n} 步：商品列表里没有 {no} 号", n=step.index, no=no))


def _plan_may_run(name: str) -> bool:
    spec = COMMANDS.get(name)
    return spec is not None and spec.plan


def _step_error(n: int, reason: str) -> PlanError:
    return PlanError(tr("第 {n} 步：{reason}", n=n, reason=reason))


def parse_plan(data: Any, base: Path | None = None) -> Plan:
    """Validate a plan given as decoded JSON. Raises PlanError naming the step."""
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        raise PlanError(tr('计划必须是带 "steps" 列表的 JSON 对象'))
    catalog = data.get("catalog")
    if catalog is not None and (not isinstance(catalog, str) or not catalog.strip()):
        raise PlanError(tr("catalog 必须是文件路径"))
    steps = []
    for n, raw in enumerate(data["steps"], start=1):
        if not isinstance(raw, dict):
            raise _step_error(n, tr("步骤必须是对象"))
        at = raw.get("at")
        if isinstance(at, bool) or not isinstance(at, int | float) or not math.isfinite(at) or at < 0:
            raise _step_error(n, tr("at 必须是开播后的秒数（≥ 0）"))
        command = raw.get("command") or ""
        prompt = raw.get("prompt") or ""
        args = raw.get("args", {})
        if not isinstance(command, str) or (command and not _plan_may_run(command)):
            raise _step_error(n, tr("未知命令：{name}", name=command))
        if not isinstance(prompt, str):
            raise _step_error(n, tr("prompt 必须是文本"))
        if not command and not prompt.strip():
            raise _step_error(n, tr("需要 command 或 prompt"))
        if not isinstance(args, dict):
            raise _step_error(n, tr("args 必须是对象"))
        command_id = raw.get("command_id") or f"plan-{n}"
        if not isinstance(command_id, str):
            raise _step_error(n, tr("command_id 必须是文本"))
        steps.append(Step(n, float(at), command, args, prompt.strip(), command_id))
    steps.sort(key=lambda s: s.at)  # stable: steps at the same time keep their file order
    path = None
    if catalog:
        path = Path(catalog)
        if base is not None and not path.is_absolute():
            path = base / path
    return Plan(steps, path)


def load_plan(path: str | Path) -> Plan:
    """Read a plan from JSON or XLSX. Raises PlanError (bad content) or OSError (unreadable file)."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return parse_plan(_xlsx_to_data(path), path.parent)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except ValueError as exc:
        raise PlanError(tr("{name} 不是有效的 JSON：{reason}", name=path.name, reason=exc)) from None
    return parse_plan(data, path.parent)


def _xlsx_to_data(path: Path) -> dict[str, Any]:
    rows, _ = read_table(path)
    if not rows:
        raise PlanError(tr("{name}：文件是空的", name=path.name))
    header = [h.strip().lower() for h in rows[0]]
    index = {}
    for key, names in _XLSX_COLUMNS.items():
        for name in names:
            if name.lower() in header:
                index[key] = header.index(name.lower())
                break
    if "at" not in index:
        raise PlanError(tr("{name}：缺少列 {columns}", name=path.name, columns="时间"))
    steps: list[dict[str, Any]] = []
    for row in rows[1:]:
        if not any(c.strip() for c in row):
            continue
        n = len(steps) + 1
        cell = {k: (row[i].strip() if i < len(row) else "") for k, i in index.items()}
        try:
            at: Any = float(cell["at"])
        except ValueError:
            at = cell["at"]
        step: dict[str, Any] = {
            "at": at,
            "command": cell.get("command", ""),
            "prompt": cell.get("prompt", ""),
        }
        if cell.get("args"):
            try:
                step["args"] = json.loads(cell["args"])
            except ValueError:
                raise _step_error(n, tr("参数不是有效的 JSON：{text}", text=cell["args"])) from None
        if cell.get("command_id"):
            step["command_id"] = cell["command_id"]
        steps.append(step)
    return {"steps": steps}


@dataclass(frozen=True, slots=True)
class PlanStatus:
    """Where the show stands in the plan: the last step that ran well, the next one and seconds until it.

    A step that was rejected or skipped is never ``current``: the plan moved on past it.
    """

    current: Step | None
    next: Step | None
    next_in: float | None
    done: bool


@dataclass(frozen=True, slots=True)
class StepOutcome:
    """What became of a step: ``applied`` | ``duplicate`` (ran earlier this session) | ``pending`` (a seat
    waits for the host) | ``rejected`` |
    ``skipped`` (the operator skipped it, its time having passed), with the reason in the UI language."""

    result: str
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.result in ("applied", "duplicate", "pending")


#: Seconds a step may be late and still run without asking (following right at the start).
OVERDUE_GRACE_S = 3.0


class PlanRunner:
    """Executes a plan's steps against the engine at their offsets from ``start``.

    Args:
        engine: the engine to run commands on (its clock is used).
        plan: the validated plan.
        on_step: called with each step after it ran (for a view); its outcome is in :attr:`outcomes`.
    """

    def __init__(
        self, engine: SessionEngine, plan: Plan, on_step: Callable[[Step], None] | None = None
    ) -> None:
        self.engine = engine
        self.plan = plan
        self.clock: Clock = engine.clock
        self.on_step = on_step
        self.started_at: float | None = None
        #: Each step's outcome by its ``index``, once it ran or was skipped.
        self.outcomes: dict[int, StepOutcome] = {}
        self._next = 0

    def start(self, at: float | None = None) -> None:
        """Start the plan's timeline at monotonic time ``at`` (default: the session's start, else now)."""
        started = self.engine.state.started_monotonic
        self.started_at = at if at is not None else started if started is not None else self.clock.monotonic()
        self._take_up_steps_run()

    def _take_up_steps_run(self) -> None:
        """The steps this session already ran (the plan followed again, or a show continued after a crash,
        app/engine/resume.py) are done (``duplicate``; a refused one stays refused) without being sent
        again: following goes on from the first step not run, and none of them is asked about as overdue."""
        state, steps = self.engine.state, self.plan.steps
        results = {row["command_id"]: (row["result"], row["detail"]) for row in self.engine.actions
                   if row["actor"] == "plan" and row["result"] != "duplicate"}
        while self._next < len(steps):
            step = steps[self._next]
            found = results.get(state.scoped_id(step.command_id))  # a prompt-only step's: its note's
            if found is None:
                return
            result, detail = found
            self.outcomes[step.index] = StepOutcome("duplicate") if result == "applied" else StepOutcome(result, detail)
            self._next += 1

    def status(self, now: float | None = None) -> PlanStatus:
        now = self.clock.monotonic() if now is None else now
        steps = self.plan.steps
        current = next((s for s in reversed(steps[: self._next]) if self.outcomes[s.index].ok), None)
        nxt = steps[self._next] if self._next < len(steps) else None
        next_in = None
        if nxt is not None and self.started_at is not None:
            next_in = max(0.0, self.started_at + nxt.at - now)
        return PlanStatus(current, nxt, next_in, nxt is None)

    def _due(self, now: float, grace: float = 0.0) -> list[Step]:
        assert self.started_at is not None
        due = []
        for step in self.plan.steps[self._next :]:
            if self.started_at + step.at + grace > now:
                break
            due.append(step)
        return due

    def overdue(self, now: float | None = None, grace: float = OVERDUE_GRACE_S) -> list[Step]:
        """The steps not run yet whose time passed more than ``grace`` seconds ago (following a plan
        mid-show: ask before they all fire at once)."""
        if self.started_at is None:
            self.start()
        return self._due(self.clock.monotonic() if now is None else now, grace)

    def skip_overdue(self, now: float | None = None, grace: float = OVERDUE_GRACE_S) -> list[Step]:
        """Skip the :meth:`overdue` steps (outcome ``skipped``, nothing sent); returns them."""
        skipped = self.overdue(now, grace)
        for step in skipped:
            self._next += 1
            self.outcomes[step.index] = StepOutcome("skipped", tr("开始跟随时已过时间，已跳过"))
            if self.on_step is not None:
                self.on_step(step)
        return skipped

    def run_due(self, now: float | None = None) -> list[Step]:
        """Run every step whose time has come; returns them (in order)."""
        if self.started_at is None:
            self.start()
        ran = self._due(self.clock.monotonic() if now is None else now)
        for step in ran:
            self._next += 1
            self._run_step(step)
        return ran

    def _run_step(self, step: Step) -> None:
        state = self.engine.state
        outcome = StepOutcome("applied")
        if step.prompt:
            prompt_id = f"{step.command_id}-prompt" if step.command else step.command_id
            result = self.engine.execute(Command("note", {"text": step.prompt}, "plan", state.scoped_id(prompt_id)))
            outcome = StepOutcome(result.result, result.reason)
        if step.command:
            result = self.engine.execute(
                Command(step.command, dict(step.args), "plan", state.scoped_id(step.command_id)))
            outcome = StepOutcome(result.result, result.reason)
            if not result.applied:
                log.warning(
                    "plan step %d (%s) %s: %s", step.index, step.command, result.result, result.reason
                )
        self.outcomes[step.index] = outcome
        if self.on_step is not None:
            self.on_step(step)

    async def run(self) -> None:
        """Run the steps on time until the plan is done (cancel to stop early)."""
        if self.started_at is None:
            self.start()
        while True:
            self.run_due()
            status = self.status()
            if status.done:
                return
            await asyncio.sleep(min(0.2, status.next_in or 0.0) or 0.01)
