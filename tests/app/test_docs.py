"""Every command and flag a user can type is documented (README or docs/), and the docs' links resolve."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from app.cli import build_parser
from app.rooms.demo import _parser as demo_room_parser

ROOT = Path(__file__).resolve().parents[2]


def documentation() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])


def long_flags(parser: argparse.ArgumentParser) -> set[str]:
    return {opt for action in parser._actions for opt in action.option_strings
            if opt.startswith("--") and opt not in ("--help", "--version")}


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def test_every_command_and_flag_is_documented() -> None:
    docs = documentation()
    parser = build_parser()
    commands = subcommands(parser)
    commands["demo-room"] = demo_room_parser()
    missing = [f"livedeck {name}" for name in commands if f"livedeck {name}" not in docs]
    for name, sub in [("livedeck", parser), *commands.items()]:
        missing += [f"{name} {flag}" for flag in sorted(long_flags(sub)) if flag not in docs]
    assert not missing, "document these in README.md or docs/:\n" + "\n".join(missing)


def test_links_between_docs_resolve() -> None:
    broken = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if "://" not in target and not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)} → {target}")
    assert not broken
