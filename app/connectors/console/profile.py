"""Platform console profiles: what LiveDeck knows about one platform's live-control page, as data.

A profile is a JSON file named after the platform (``buyin.json`` for 巨量百应, ``douyin.json`` for
抖店). LiveDeck ships them in ``resources/consoles/``; a file of the same name in the data directory's
``consoles/`` folder replaces the shipped one, so a team can follow a page change the same day without
waiting for a release (docs/platform-console.md says how). A profile holds the page's URLs, the pattern
of its login URL, the CSS selectors the connector uses, the labels of its buttons, which of the page's
own JSON responses carry comments and orders and how their fields map onto LiveEvents, the gap kept
between two actions, and the capabilities the platform has.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.i18n import tr
from app.core.paths import RESOURCES
from app.core.settings import data_dir
from app.engine.commands import COMMANDS

SHIPPED = RESOURCES / "consoles"
#: What a profile may say the platform can do (``ConsoleConnector.can``): carry out a console command
#: (named as the command: ``explain``, ``send_comment`` …), and the extras below.
CAPABILITIES = frozenset({name for name, spec in COMMANDS.items() if spec.console}) | frozenset({
    "pin_comment_on_send", "read_comments", "read_orders", "read_products"})
_REQUIRED_SELECTORS = ("console", "goods_row", "goods_container", "goods_no", "explain_button",
                       "comment_input")


class ProfileError(ValueError):
    """A profile that is missing or malformed; the message says which and why, in the UI language."""


@dataclass(frozen=True, slots=True)
class ConsoleProfile:
    """One platform's console, read from its JSON file (see the module docstring and
    docs/platform-console.md for every field).

    Attributes:
        platform: its short name (``buyin``), also in the ``actions`` actor ``console:buyin``.
        name: its name for people (巨量百应).
        console_url: the live-control page.
        login_url: the page a user logs in on.
        login_pattern: a URL matching it is a login page (the session expired or never existed).
        selectors: CSS selectors by role (``goods_row``, ``explain_button`` …).
        modals: selectors of the buttons that close the modals the page may raise, by modal.
        texts: button labels and limits (``explain``, ``explain_active``, ``comment_max_chars``).
        responses: the page's JSON responses read for events, by what they carry.
        action_gap_s: at least this long between two actions on the page (no bursts).
        capabilities: what the platform can do.
        source: the file it came from.
    """

    platform: str
    name: str
    console_url: str
    login_url: str
    login_pattern: str
    selectors: dict[str, str]
    modals: dict[str, str]
    texts: dict[str, Any]
    responses: dict[str, dict[str, Any]]
    action_gap_s: float
    capabilities: frozenset[str]
    source: Path

    @property
    def explain_label(self) -> str:
        return str(self.texts.get("explain", "讲解"))

    @property
    def active_labels(self) -> tuple[str, ...]:
        return tuple(str(t) for t in self.texts.get("explain_active", ("取消讲解",)))

    def is_login_url(self, url: str) -> bool:
        return bool(re.search(self.login_pattern, url))


def profile_path(platform: str, *, home: Path | None = None) -> Path:
    """The file ``platform``'s profile is read from: the data directory's copy if there is one."""
    if not re.fullmatch(r"[a-z][a-z0-9_-]{0,31}", platform):
        raise ProfileError(tr("平台名称无效：{name}", name=platform))
    override = (home or data_dir()) / "consoles" / f"{platform}.json"
    return override if override.is_file() else SHIPPED / f"{platform}.json"


def available_profiles() -> list[str]:
    """The platforms LiveDeck ships a profile for."""
    return sorted(p.stem for p in SHIPPED.glob("*.json"))


def load_profile(platform: str, *, home: Path | None = None) -> ConsoleProfile:
    """``platform``'s profile, checked; ProfileError names what is wrong."""
    path = profile_path(platform, home=home)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(tr("没有平台 {name} 的中控台配置（可用：{known}）", name=platform,
                              known="、".join(available_profiles()))) from None
    except (OSError, ValueError) as exc:
        raise ProfileError(tr("中控台配置 {path} 无法读取：{reason}", path=path, reason=exc)) from None
    return _parse(data, path)


def _parse(data: Any, path: Path) -> ConsoleProfile:
    def fail(what: str) -> ProfileError:
        return ProfileError(tr("中控台配置 {path} 有误：{what}", path=path, what=what))

    if not isinstance(data, dict):
        raise fail("not an object")
    selectors, urls = data.get("selectors"), data.get("urls")
    if not isinstance(selectors, dict) or not all(isinstance(v, str) for v in selectors.values()):
        raise fail("selectors")
    missing = [name for name in _REQUIRED_SELECTORS if not selectors.get(name)]
    if missing:
        raise fail("selectors." + ", selectors.".join(missing))
    if not isinstance(urls, dict) or not isinstance(urls.get("console"), str):
        raise fail("urls.console")
    capabilities = frozenset(data.get("capabilities", ()))
    if not capabilities <= CAPABILITIES:
        raise fail("capabilities: " + ", ".join(sorted(capabilities - CAPABILITIES)))
    try:
        re.compile(str(data.get("login_pattern", "")))
        gap = float(data.get("action_gap_s", 0.5))
    except (re.error, TypeError, ValueError) as exc:
        raise fail(str(exc)) from None
    return ConsoleProfile(
        platform=str(data.get("platform") or path.stem), name=str(data.get("name") or path.stem),
        console_url=urls["console"], login_url=str(urls.get("login", "")),
        login_pattern=str(data.get("login_pattern") or r"(?!)"), selectors=dict(selectors),
        modals=dict(data.get("modals") or {}), texts=dict(data.get("texts") or {}),
        responses=dict(data.get("responses") or {}), action_gap_s=max(0.0, gap),
        capabilities=capabilities, source=path,
    )
