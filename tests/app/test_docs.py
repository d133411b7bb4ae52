"""The docs are true to the repository.

Every command and flag a user can type is documented (README or docs/); the docs' links resolve; every
module, file and name the design docs (docs/architecture.md, docs/contributing.md, docs/protocols/)
point at exists, so moving code without updating them fails here; nothing in the repository points at
reference material outside it; and the protocol samples are the ones the decoders are tested on.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
from pathlib import Path

import pytest

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


def pages() -> list[Path]:
    """README.md and every page under docs/ (docs/protocols/ included)."""
    docs = ROOT / "docs"
    return [ROOT / "README.md", *sorted(docs.glob("*.md")), *sorted((docs / "protocols").glob("*.md"))]


def test_links_between_docs_resolve() -> None:
    broken = []
    for page in pages():
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if "://" not in target and not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)} → {target}")
    assert not broken


# -- the design docs name real code -------------------------------------------------------------------

#: The pages that describe the code itself; a path or module they name must exist.
DESIGN_DOCS = ("docs/architecture.md", "docs/contributing.md", "docs/protocols/*.md")
#: A repository path such as ``app/sources/base.py``, ``app/sources/bilibili/`` or, in a recipe,
#: ``tests/app/test_<name>_decode.py`` (a ``<placeholder>`` or ``*`` matches like a glob).
_PATH = re.compile(r"(?<![\w./<>-])((?:app|ui|tests|docs|resources|packaging)/[\w./<>*-]*)")
#: A dotted name such as ``app.engine.session.SessionEngine.drain``: a module, then names in it.
_DOTTED = re.compile(r"(?<![\w./-])((?:app|ui|tests)(?:\.[A-Za-z_]\w*)+)")


def design_docs() -> list[Path]:
    return [page for pattern in DESIGN_DOCS for page in sorted(ROOT.glob(pattern))]


def path_exists(text: str) -> bool:
    pattern = re.sub(r"<[^>]*>", "*", text.rstrip("."))
    if "*" in pattern:
        return next(ROOT.glob(pattern.rstrip("/")), None) is not None
    return (ROOT / pattern).exists()


def module_source(parts: list[str]) -> str | None:
    """The source of module ``parts`` (a package's ``__init__.py``), or None if there is no such module."""
    base = ROOT.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    return "" if base.is_dir() else None


def dotted_name_problem(dotted: str) -> str | None:
    """Why ``dotted`` names nothing real (None when it does): the longest prefix that is a module, then
    each remaining name must still appear in that module's source."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        source = module_source(parts[:cut])
        if source is not None:
            missing = [name for name in parts[cut:] if not re.search(rf"\b{re.escape(name)}\b", source)]
            if missing:
                return f"{'.'.join(parts[:cut])} has no {', '.join(missing)}"
            return None
    return "no such module"


def test_the_design_docs_exist() -> None:
    for pattern in DESIGN_DOCS:
        assert list(ROOT.glob(pattern)), pattern


def test_every_path_and_module_the_design_docs_name_exists() -> None:
    problems = []
    for page in design_docs():
        text = page.read_text(encoding="utf-8")
        where = page.relative_to(ROOT)
        problems += [f"{where}: {path} does not exist" for path in sorted(set(_PATH.findall(text)))
                     if not path_exists(path)]
        for dotted in sorted(set(_DOTTED.findall(text))):
            problem = dotted_name_problem(dotted)
            if problem is not None:
                problems.append(f"{where}: {dotted}: {problem}")
    assert not problems, "update the docs (or the code):\n" + "\n".join(problems)


def test_the_name_check_catches_a_moved_module_and_a_renamed_name() -> None:
    assert dotted_name_problem("app.engine.session.SessionEngine.drain") is None
    assert dotted_name_problem("app.engine.sessions.SessionEngine") is not None
    assert dotted_name_problem("app.engine.session.SessionMachine") is not None
    assert path_exists("app/sources/bilibili/")
    assert path_exists("tests/app/test_<name>_decode.py")
    assert not path_exists("app/sources/bilibili.py")


# -- the repository documents itself --------------------------------------------------------------------

#: Pointers to reference material that lives outside the repository (spelt in pieces so that this file
#: does not match itself).
OUTSIDE = ("ARCHITECTURE" + ".md", "STYLE" + ".md", ".." + "/shared", "/work" + "/shared", "shared" + "/protocols")


def repository_files() -> list[Path]:
    """Tracked files plus new ones not yet added (ignored files excluded)."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode("utf-8", "surrogateescape")
    return [ROOT / name for name in sorted(set(listed.split("\0"))) if name]


def test_nothing_points_at_reference_material_outside_the_repository() -> None:
    offenders = []
    for path in repository_files():
        if not path.is_file():  # deleted in the working tree
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:  # binary
            continue
        text = data.decode("utf-8", "replace")
        offenders += [f"{path.relative_to(ROOT)}: {word}" for word in OUTSIDE if word in text]
    assert not offenders, "point at docs/architecture.md, docs/protocols/ or docs/contributing.md instead:\n" + (
        "\n".join(offenders))


def test_the_protocol_samples_are_the_ones_the_decoders_are_tested_on() -> None:
    from tests.app.test_bilibili_decode import SAMPLE_DANMU
    from tests.app.test_douyin_decode import SAMPLE

    assert SAMPLE_DANMU in (ROOT / "docs" / "protocols" / "bilibili.md").read_text(encoding="utf-8")
    assert SAMPLE in (ROOT / "docs" / "protocols" / "douyin_bridge.md").read_text(encoding="utf-8")
