"""The one translation mechanism for every user-visible string, in app/ and ui/ alike.

Source strings are Chinese (the default UI language). Other languages are JSON catalogs in
``resources/translations/<lang>.json`` mapping the Chinese text to its translation. ``tr`` takes
``str.format`` fields so a translation may reorder them. A test checks that every ``tr("…")`` literal in
the code has an English entry.
"""

from __future__ import annotations

import json
from functools import cache

from app.core.paths import RESOURCES

DEFAULT_LANGUAGE = "zh"
LANGUAGES = {"zh": "中文", "en": "English"}

_TRANSLATIONS = RESOURCES / "translations"
_language = DEFAULT_LANGUAGE


@cache
def catalog(language: str) -> dict[str, str]:
    """The translation catalog of ``language`` (empty for the source language)."""
    if language == DEFAULT_LANGUAGE:
        return {}
    path = _TRANSLATIONS / f"{language}.json"
    data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return data


def set_language(language: str) -> None:
    """Switch the language of every string ``tr`` returns from now on."""
    global _language
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; choose one of {', '.join(LANGUAGES)}")
    catalog(language)  # fail now, not at the first string
    _language = language


def language() -> str:
    return _language


def tr(text: str, /, **fields: object) -> str:
    """Translate ``text`` (Chinese source) into the current language and fill in ``fields``."""
    translated = catalog(_language).get(text, text) if _language != DEFAULT_LANGUAGE else text
    return translated.format(**fields) if fields else translated
