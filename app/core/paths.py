"""Where the files shipped with LiveDeck live (the ``resources`` package: demo data, theme, translations)."""

from __future__ import annotations

from pathlib import Path

import resources

RESOURCES = Path(resources.__file__).resolve().parent
