"""One translation mechanism: every tr("…") literal in the code has an English entry."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from app.core import i18n

ROOT = Path(__file__).resolve().parents[2]


def tr_literals() -> dict[str, str]:
    found: dict[str, str] = {}
    for folder in ("app", "ui"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "tr"
                        and node.args and isinstance(node.args[0], ast.Constant)
                        and isinstance(node.args[0].value, str)):
                    found[node.args[0].value] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return found


def test_every_user_visible_string_has_an_english_translation() -> None:
    english = json.loads((ROOT / "resources" / "translations" / "en.json").read_text(encoding="utf-8"))
    missing = [f"{where}: {text}" for text, where in tr_literals().items() if text not in english]
    assert not missing, "add these to resources/translations/en.json:\n" + "\n".join(missing)


def test_translations_keep_their_fields() -> None:
    english = json.loads((ROOT / "resources" / "translations" / "en.json").read_text(encoding="utf-8"))
    import string

    def fields(s: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(s) if name}

    broken = [zh for zh, en in english.items() if fields(zh) != fields(en)]
    assert not broken


def test_tr_switches_language_and_fills_fields() -> None:
    try:
        assert i18n.tr("{seconds} 秒后重连（{reason}）", seconds=3, reason="连接被拒绝") == "3 秒后重连（连接被拒绝）"
        i18n.set_language("en")
        assert i18n.tr("已连接") == "Connected"
        assert i18n.tr("{seconds} 秒后重连（{reason}）", seconds=3, reason="x").startswith("Reconnecting in 3 s")
    finally:
        i18n.set_language("zh")
    with pytest.raises(ValueError, match="unknown language"):
        i18n.set_language("fr")
