"""A show's preparation (直播方案), saved: its products, prepared promotions, run-of-show plan and notes.

One JSON file per show in ``<data dir>/shows/<name>.json`` (docs/shows.md)::

    {"version": 1, "name": "周五晚场", "notes": "…",
     "products": [{"no": 1, "product_id": "…", "name": "…", "price_fen": 5990, …}, …],
     "prepared": {"flash_sale": {"command_id": "…", "args": {"no": 3, "price_fen": 3990, …}},
                  "coupon": {…}, "lucky_bag": {…}},
     "plan": {"steps": [{"at": 60, "command": "explain", "args": {"no": 1}}, …]}}

:func:`parse_preparation` checks every field and names the one that is wrong (:class:`PreparationError`);
:class:`ShowLibrary` lists, saves, loads, renames and deletes the files. A file is written to a temporary
name first and then moved over the old one, so a crash mid-write never costs the saved show.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.commerce.catalog import Product
from app.commerce.effects import CommandError
from app.core.events import Command
from app.core.i18n import tr
from app.core.settings import data_dir
from app.engine.commands import COMMANDS, validate_args
from app.show.plan import Plan, PlanError, parse_plan

log = logging.getLogger("livedeck.preparation")

VERSION = 1
#: What a show may have prepared, by slot: the command each slot's button sends.
PREPARED_COMMANDS = {"flash_sale": "start_flash_sale", "coupon": "drop_coupon", "lucky_bag": "start_lucky_bag"}
MAX_NAME = 60
MAX_NOTES = 2000
_BAD_NAME_CHARS = set('/\\:*?"<>|')


class PreparationError(ValueError):
    """A show file or name the user has to fix; the message names the field."""


@dataclass(slots=True)
class Preparation:
    """A show as prepared before it goes live.

    Attributes:
        name: the show's name (also its file name).
        products: the product list in queue order (imported or edited).
        prepared: the prepared promotions by slot (``flash_sale``, ``coupon``, ``lucky_bag``): each the
            ready command its button sends, with the ``command_id`` chosen when it was prepared.
        plan: the run-of-show plan as plan JSON (docs/plan.md) without a ``catalog`` (the show's products
            are its catalog); None when there is none.
        notes: free notes about the show.
    """

    name: str
    products: list[Product] = field(default_factory=list)
    prepared: dict[str, Command] = field(default_factory=dict)
    plan: dict[str, Any] | None = None
    notes: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "name": self.name,
            "notes": self.notes,
            "products": [p.to_dict() for p in self.products],
            "prepared": {slot: {"command_id": c.command_id, "args": c.args} for slot, c in self.prepared.items()},
            "plan": self.plan,
        }

    def same_content(self, other: Preparation) -> bool:
        """Whether ``other`` holds the same preparation (the name aside)."""
        mine, theirs = self.to_dict(), other.to_dict()
        mine.pop("name")
        theirs.pop("name")
        return mine == theirs

    def run_plan(self) -> Plan | None:
        """The plan, validated against the show's products (PlanError naming the step)."""
        if not self.plan or not self.plan.get("steps"):
            return None
        plan = parse_plan(self.plan)
        plan.check_products(self.products)
        return plan


def _field_error(name: str, reason: str) -> PreparationError:
    return PreparationError(tr("方案字段「{field}」：{reason}", field=name, reason=reason))


def check_name(name: Any) -> str:
    """A show name that can be a file name; PreparationError says why not."""
    if not isinstance(name, str) or not name.strip():
        raise _field_error("name", tr("方案名称不能为空"))
    name = name.strip()
    if len(name) > MAX_NAME:
        raise _field_error("name", tr("方案名称最多 {n} 个字", n=MAX_NAME))
    if name.startswith(".") or any(c in _BAD_NAME_CHARS or ord(c) < 32 for c in name):
        raise _field_error("name", tr("方案名称不能以点开头，也不能含有 / \\ : * ? \" < > |"))
    return name


def _parse_products(raw: Any) -> list[Product]:
    if not isinstance(raw, list):
        raise _field_error("products", tr("必须是商品列表"))
    products, seen = [], set()
    for i, item in enumerate(raw, start=1):
        where = f"products[{i}]"
        if not isinstance(item, dict):
            raise _field_error(where, tr("商品必须是对象"))
        try:
            product = Product.from_dict(item)
        except (TypeError, ValueError) as exc:
            raise _field_error(where, str(exc)) from None
        if product.no in seen:
            raise _field_error(where, tr("序号 {no} 重复", no=product.no))
        seen.add(product.no)
        products.append(product)
    return products


def _parse_prepared(raw: Any, products: list[Product]) -> dict[str, Command]:
    if not isinstance(raw, dict):
        raise _field_error("prepared", tr("必须是对象"))
    nos = {p.no for p in products}
    prepared = {}
    for slot, entry in raw.items():
        where = f"prepared.{slot}"
        name = PREPARED_COMMANDS.get(slot)
        if name is None:
            raise _field_error(where, tr("未知的营销类型"))
        if not isinstance(entry, dict) or not isinstance(entry.get("args"), dict):
            raise _field_error(where, tr("必须是带 args 的对象"))
        command_id = entry.get("command_id")
        if not isinstance(command_id, str) or not command_id:
            raise _field_error(f"{where}.command_id", tr("必须是文本"))
        try:
            validate_args(COMMANDS[name], entry["args"])
        except CommandError as exc:
            raise _field_error(f"{where}.args", str(exc)) from None
        no = entry["args"].get("no")
        if no is not None and no not in nos:
            raise _field_error(f"{where}.args", tr("商品列表里没有 {no} 号", no=no))
        prepared[slot] = Command(name, dict(entry["args"]), "local", command_id)
    return prepared


def parse_preparation(data: Any) -> Preparation:
    """A preparation from decoded JSON; PreparationError names the first field that is wrong."""
    if not isinstance(data, dict):
        raise PreparationError(tr("方案文件必须是 JSON 对象"))
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise _field_error("version", tr("必须是整数"))
    if version > VERSION:
        raise _field_error("version", tr("这个方案来自更新版本的 LiveDeck（版本 {v}）", v=version))
    name = check_name(data.get("name"))
    notes = data.get("notes", "")
    if not isinstance(notes, str):
        raise _field_error("notes", tr("必须是文本"))
    if len(notes) > MAX_NOTES:
        raise _field_error("notes", tr("最多 {n} 个字", n=MAX_NOTES))
    products = _parse_products(data.get("products", []))
    prepared = _parse_prepared(data.get("prepared", {}), products)
    plan = data.get("plan")
    if plan is not None:
        if not isinstance(plan, dict):
            raise _field_error("plan", tr("必须是对象"))
        plan = {k: v for k, v in plan.items() if k != "catalog"}
        try:
            parse_plan(plan)  # its products are checked when it runs (run_plan): a stale step costs nothing
        except PlanError as exc:
            raise _field_error("plan", str(exc)) from None
    return Preparation(name, products, prepared, plan, notes)


@dataclass(frozen=True, slots=True)
class ShowEntry:
    """One saved show as the open dialog lists it."""

    name: str
    modified: float  # unix time of the last save
    products: int


class ShowLibrary:
    """The saved shows, one JSON file each, in ``folder`` (default ``<data dir>/shows``)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder if folder is not None else data_dir() / "shows"

    def path(self, name: str) -> Path:
        return self.folder / f"{check_name(name)}.json"

    def exists(self, name: str) -> bool:
        return self.path(name).exists()

    def entries(self) -> list[ShowEntry]:
        """Every readable saved show, the most recently saved first (an unreadable file is skipped)."""
        entries = []
        for path in self.folder.glob("*.json") if self.folder.is_dir() else ():
            try:
                prep = self.load(path.stem)
            except (OSError, PreparationError) as exc:
                log.warning("saved show %s skipped: %s", path.name, exc)
                continue
            entries.append(ShowEntry(prep.name, path.stat().st_mtime, len(prep.products)))
        return sorted(entries, key=lambda e: (-e.modified, e.name))

    def load(self, name: str) -> Preparation:
        """The saved show ``name``; OSError if there is none, PreparationError if the file is bad."""
        path = self.path(name)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise PreparationError(tr("{name} 不是有效的 JSON：{reason}", name=path.name, reason=exc)) from None
        prep = parse_preparation(data)
        prep.name = path.stem  # the file's name is the show's name
        return prep

    def save(self, prep: Preparation) -> Path:
        """Write ``prep`` (replacing a saved show of that name) and return its file."""
        path = self.path(prep.name)
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(prep.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path)
        return path

    def rename(self, old: str, new: str) -> None:
        """Rename a saved show; PreparationError if ``new`` is taken or not a valid name."""
        new = check_name(new)
        if new == check_name(old):
            return
        if self.exists(new):
            raise PreparationError(tr("已有名为「{name}」的方案", name=new))
        prep = self.load(old)
        prep.name = new
        self.save(prep)
        self.path(old).unlink()

    def delete(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

    def unused_name(self, base: str) -> str:
        """``base``, or ``base (2)``, ``base (3)``… whichever is not saved yet."""
        name, n = check_name(base), 2
        while self.exists(name):
            name, n = f"{base} ({n})", n + 1
        return name
