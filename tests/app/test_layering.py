"""app/ is headless: the same engine runs in `livedeck record` with no display and no Qt."""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
FORBIDDEN = ("PySide6", "shiboken6", "qasync", "ui", "matplotlib.backends", "matplotlib.pyplot")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_app_never_imports_qt_ui_or_plot_backends() -> None:
    offenders = {
        f"{path.relative_to(APP.parent)}: {name}"
        for path in APP.rglob("*.py")
        for name in imported_modules(path)
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    }
    assert not offenders, "app/ must stay headless:\n" + "\n".join(sorted(offenders))


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from PySide6.QtCore import QObject\nimport matplotlib.pyplot as plt\n", encoding="utf-8")
    assert {"PySide6.QtCore", "matplotlib.pyplot"} <= imported_modules(bad)
