"""No import cycles in app/ or ui/: the layers of docs/architecture.md hold module by module too.

import-linter's graph library (grimp) reads the imports (including those inside functions); a cycle
is a strongly connected group of two or more modules, reported with the imports that close it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]


def import_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm, iterative), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return sorted(groups)


def project_graph() -> dict[str, set[str]]:
    graph = grimp.build_graph("app", "ui")
    return {
        module: {m for m in graph.find_modules_directly_imported_by(module) if m.split(".")[0] in ("app", "ui")}
        for module in graph.modules
        if module.split(".")[0] in ("app", "ui")
    }


def test_app_and_ui_have_no_import_cycles() -> None:
    graph = project_graph()
    cycles = import_cycles(graph)
    described = ["  " + " ↔ ".join(group) for group in cycles]
    assert not cycles, "import cycles:\n" + "\n".join(described)


def test_the_cycle_finder_sees_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert import_cycles(graph) == [["a", "b", "c"]]


def test_app_imports_no_module_by_a_string_the_contracts_cannot_see() -> None:
    """``importlib.import_module("ui.console")`` hid app → ui from the import contracts once: app/ may
    import by name only its own sources' registry (app.sources.FORMATS, strings under app.sources)."""
    offenders = []
    for path in (ROOT / "app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__"
            ):
                argument = node.args[0] if node.args else None
                if not (isinstance(argument, ast.Name) and argument.id == "module_name"):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, "imports by string: " + ", ".join(offenders)
    from app.sources import FORMATS

    assert all(target.startswith("app.sources.") for target in FORMATS.values())
