"""Settings are declared once and each is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.settings import SETTINGS, Settings, data_dir

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_documented() -> None:
    doc = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert not [s.name for s in SETTINGS if f"`{s.name}`" not in doc]


def test_livedeck_home_overrides_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVEDECK_HOME", str(tmp_path / "home"))
    assert data_dir() == tmp_path / "home"


def test_settings_persist_and_bad_values_fall_back(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    Settings(path).set("language", "en")
    assert Settings(path).get("language") == "en"
    path.write_text('{"feed_capacity": "lots", "language": "en", "nonsense": 1}', encoding="utf-8")
    settings = Settings(path)
    assert settings.get("feed_capacity") == 5000
    assert settings.get("language") == "en"
    path.write_text("{broken", encoding="utf-8")
    assert Settings(path).get("language") == "zh"
