"""The command table is the one list of commands: its doc, the hub, plans, the dock and hotkeys follow it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.commerce.effects import ChangeAction, ChangeKind
from app.core.clock import ManualClock
from app.core.events import Command, Kind, ProductNotice
from app.engine.commands import COMMANDS, CommandSpec, Role, validate_args
from app.engine.session import SessionEngine
from app.show.plan import PlanError, parse_plan

DOC = Path(__file__).resolve().parents[2] / "docs" / "commands.md"
ROOT = Path(__file__).resolve().parents[2]


def _doc_row(spec: CommandSpec) -> str:
    args = ", ".join(f"`{arg.describe()}`" for arg in spec.args) or "—"
    roles = ", ".join(role for role in Role if role in spec.roles)

    def yes(flag: bool) -> str:
        return "yes" if flag else "—"

    return (f"| `{spec.name}` | {spec.label()} | {args} | {roles} | {yes(spec.plan)} | {yes(spec.room)} | "
            f"{yes(spec.console)} | {spec.hotkey or '—'} |")


def test_docs_command_table_equals_the_code_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    block = text.split("<!-- command-table")[1].split("<!-- /command-table -->")[0]
    documented = [line for line in block.splitlines() if line.startswith("| `")]
    assert documented == [_doc_row(spec) for spec in COMMANDS.values()]


def test_no_second_list_of_command_names_in_the_code() -> None:
    """A literal set/tuple of several command names outside the table is a list that will drift."""
    names = "|".join(COMMANDS)
    pattern = re.compile(rf'["\'](?:{names})["\'],\s*["\'](?:{names})["\'],\s*["\'](?:{names})["\']')
    offenders = [
        str(path.relative_to(ROOT)) for folder in ("app", "ui") for path in (ROOT / folder).rglob("*.py")
        if path.name != "commands.py" and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_an_argument_is_checked_at_the_door_and_named() -> None:
    engine = SessionEngine()
    engine.load_catalog(load_products_csv(demo_catalog_path()))
    for args, named in (
        ({"no": "3"}, "no"),
        ({"no": 3, "colour": "red"}, "colour"),
        ({}, "no"),
        ({"no": 2**70}, "no"),
    ):
        result = engine.execute(Command("explain", args))
        assert result.result == "rejected"
        assert named in result.reason
    result = engine.execute(Command("start_flash_sale", {"no": 3, "price_fen": 990, "stock": 5, "duration_s": -1}))
    assert "duration_s" in result.reason
    assert validate_args(COMMANDS["start_flash_sale"], {"no": 3, "price_fen": 990, "stock": 5, "duration_s": 30}) == {
        "no": 3, "price_fen": 990, "stock": 5, "limit_per_user": None, "warmup_s": 0.0, "duration_s": 30.0}


def test_plans_may_use_exactly_the_commands_the_table_allows() -> None:
    for spec in COMMANDS.values():
        step = {"at": 1, "command": spec.name, "args": {}}
        if spec.plan:
            assert parse_plan({"steps": [step]}).steps[0].command == spec.name
        else:
            with pytest.raises(PlanError, match=spec.name):
                parse_plan({"steps": [step]})


def test_pin_product_pins_one_listed_product_tells_the_room_and_unlisting_unpins_it() -> None:
    clock = ManualClock()
    engine = SessionEngine(clock=clock)
    engine.load_catalog(load_products_csv(demo_catalog_path()))
    heard, room = [], []
    engine.subscribe_changes(heard.append)
    engine.subscribe_outbound(room.append)

    result = engine.execute(Command("pin_product", {"no": 3}, command_id="p-1"))
    assert result.applied
    assert engine.state.pinned_product == 3
    assert [(c.kind, c.key, c.action) for c in heard] == [(ChangeKind.PINNED_PRODUCT, 3, ChangeAction.ADDED)]
    product_id = engine.state.queue.get(3).product_id
    assert [(c.name, c.args, c.command_id) for c in room] == [("pin_product", {"product_id": product_id}, "p-1")]
    notice = [e for e in engine.drain() if e.kind == Kind.SYSTEM]
    assert notice[0].extra["product"] == ProductNotice.PINNED
    assert "3号" in notice[0].text

    assert engine.execute(Command("pin_product", {"no": 3}, command_id="p-1")).result == "duplicate"
    assert engine.execute(Command("pin_product", {"no": 999})).result == "rejected"
    engine.execute(Command("unlist", {"no": 3}))
    assert engine.state.pinned_product is None  # an unlisted product cannot stay on top of the cart
    refused = engine.execute(Command("pin_product", {"no": 3}))
    assert refused.result == "rejected"
    assert "下架" in refused.reason
    assert engine.execute(Command("unpin_product", {})).applied


def test_a_queue_move_says_from_where_to_where() -> None:
    engine = SessionEngine()
    engine.load_catalog(load_products_csv(demo_catalog_path()))
    result = engine.execute(Command("move", {"no": 3, "to": 0}))
    assert [(c.kind, c.key, c.action, c.moved) for c in result.changes] == [
        (ChangeKind.QUEUE, 3, ChangeAction.MOVED, (2, 0))]
    assert engine.state.queue.order[0] == 3
