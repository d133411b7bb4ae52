"""Platform console profiles: what LiveDeck knows about one platform's live-control page, as data.

A profile is a JSON file named after the platform (``buyin.json`` for 巨量百应, ``douyin.json`` for
抖店, ``wechat-channels.json`` for 视频号, ``taobao.json`` for 淘宝直播). LiveDeck ships them in
``resources/consoles/``; a file of the same name in the data directory's ``consoles/`` folder replaces
the shipped one, so a team can follow a page change the same day without waiting for a release
(docs/platform-console.md says how). A profile holds the page's URLs, the pattern of its login URL, the
CSS selectors the connector uses, the labels of its buttons, which of the page's own responses carry
comments and orders and how their fields map onto LiveEvents, the gap kept between two actions, and the
capabilities the platform has — plus, where a platform needs them, its products tab, its "logged in but
not live" URL, its step from the live-plan page to the control page, the guide overlays Escape
closes, the pages it opens from a link, the entry page its console is opened from, the button its login
page needs clicked, the commands it spaces apart and the page script whose decoder is hooked
(``script_hook``, 快手).
Each is checked at load; a bad one is refused naming the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from app.core.i18n import tr
from app.core.paths import RESOURCES
from app.core.settings import data_dir
from app.engine.commands import COMMANDS

SHIPPED = RESOURCES / "consoles"
#: What a profile may say the platform can do (``ConsoleConnector.can``): carry out a console command
#: (named as the command: ``explain``, ``send_comment`` …), and the extras below.
CAPABILITIES = frozenset({name for name, spec in COMMANDS.items() if spec.console}) | frozenset({
    "pin_comment_on_send", "read_comments", "read_orders", "read_products"})
_REQUIRED_SELECTORS = ("console", "goods_row", "goods_no", "explain_button", "comment_input")
#: The pages a profile may open through a link (``open_via_link``).
LINKED_PAGES = ("console", "account")
#: How a ``responses`` entry is heard: a page response (XHR/fetch, JSON or JSONP), a WebSocket's frames, or
#: what the page's own script decoded, handed over by a hook patched into that script (``script_hook``).
LISTENER_KINDS = ("response", "websocket", "script_hook")
#: The units a map's ``ts`` field may be in.
TS_UNITS = ("s", "ms")


class ProfileError(ValueError):
    """A profile that is missing or malformed; the message says which and why, in the UI language."""


@dataclass(frozen=True, slots=True)
class ConsoleProfile:
    """One platform's console, read from its JSON file (see the module docstring and
    docs/platform-console.md for every field).

    Attributes:
        platform: its short name (``buyin``), also in the ``actions`` actor ``console:buyin``.
        name: its name for people (巨量百应).
        console_url: the live-control page (淘宝: the live-plan page the control page is found from).
        login_url: the page a user logs in on.
        login_pattern: a URL matching it is a login page (the session expired or never existed).
        login_click: a button on the login page clicked once it shows ('' for none): 蒲公英's login page
            shows its QR code only after ``button.login-btn`` is clicked.
        entry_url: the page opened first, from which the console is opened by a link ('' when the
            console URL itself is opened first): 蒲公英's console is reached from its buyer_home page.
        not_live_pattern: a URL matching it means logged in but not broadcasting (视频号 sends such an
            account to ``/platform``: its console exists only while live).
        products_url: the goods list's own tab ('' when it is on the console page).
        account_url: the page ``selectors.account_name`` is read on, in a temporary tab ('' when it is
            on the console page; 视频号's console header hides the name in narrow windows).
        live_id: the step from the live-plan page to the control page (淘宝): ``plan``, the plan page's
            marker, ``selector`` of the id of the session on air, ``url`` with ``{live_id}``; empty when
            the console URL is the control page.
        escape_overlays: guide overlays (driver.js) closed by pressing Escape until they are gone.
        open_via_link: the pages opened by clicking a link rather than by navigating to them
            (``console``: once logged in, the console is reopened in a new tab from a link and the old
            tab closed, as 百应's and 千帆's pages render broken or empty after a direct navigation;
            ``account``: the account page, as on 淘宝).
        command_gaps_s: commands spaced at least this far apart on the platform (视频号's 上墙, 10 s);
            a request sooner is refused.
        selectors: CSS selectors by role (``goods_row``, ``explain_button`` …).
        modals: selectors of the buttons that close the modals the page may raise, by modal.
        texts: button labels and limits (``explain``, ``explain_active``, ``comment_max_chars``).
        responses: the page's JSON responses (or socket frames, or what a hooked page script decodes)
            read for events, by what they carry.
        action_gap_s: at least this long between two actions on the page (no bursts).
        capabilities: what the platform can do.
        source: the file it came from.
    """

    platform: str
    name: str
    console_url: str
    login_url: str
    login_pattern: str
    login_click: str
    entry_url: str
    not_live_pattern: str
    products_url: str
    account_url: str
    live_id: dict[str, str]
    escape_overlays: tuple[str, ...]
    open_via_link: frozenset[str]
    command_gaps_s: dict[str, float]
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

    def is_not_live_url(self, url: str) -> bool:
        return bool(self.not_live_pattern) and bool(re.search(self.not_live_pattern, url))


def profile_path(platform: str, *, home: Path | None = None) -> Path:
    """The file ``platform``'s profile is read from: the data directory's copy if there is one."""
    if not re.fullmatch(r"[a-z][a-z0-9_-]{0,31}", platform):
        raise ProfileError(tr("平台名称无效：{name}", name=platform))
    override = (home or data_dir()) / "consoles" / f"{platform}.json"
    return override if override.is_file() else SHIPPED / f"{platform}.json"


def same_site(url: str, like: str) -> str:
    """``url``'s path and query on ``like``'s scheme and host ('' for ''): the profile's other pages (a
    products tab, a control page) follow a ``--console-url`` that points the console at another host."""
    if not url:
        return ""
    page, base = urlsplit(url), urlsplit(like)
    return urlunsplit((base.scheme or page.scheme, base.netloc or page.netloc, page.path, page.query, ""))


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
    if not isinstance(selectors, dict):
        raise fail("selectors")
    not_text = [str(name) for name, v in selectors.items() if not isinstance(v, str)]
    if not_text:
        raise fail("selectors." + ", selectors.".join(not_text))
    missing = [name for name in _REQUIRED_SELECTORS if not selectors.get(name)]
    if missing:
        raise fail("selectors." + ", selectors.".join(missing))
    if not isinstance(urls, dict) or not isinstance(urls.get("console"), str):
        raise fail("urls.console")
    for page in ("products", "account", "entry"):
        if not isinstance(urls.get(page, ""), str):
            raise fail(f"urls.{page}")
    if not isinstance(data.get("login_click", ""), str):
        raise fail("login_click (a CSS selector)")
    capabilities = frozenset(data.get("capabilities", ()))
    if not capabilities <= CAPABILITIES:
        raise fail("capabilities: " + ", ".join(sorted(capabilities - CAPABILITIES)))
    if "pin_comment" in capabilities and not (selectors.get("pin_message") and selectors.get("pin_menu_item")):
        raise fail("selectors.pin_message, selectors.pin_menu_item (pin_comment needs them)")
    texts = data.get("texts") or {}
    if "stop_explain" in capabilities and not (isinstance(texts, dict) and texts.get("explain_active", True)):
        raise fail("texts.explain_active (stop_explain needs the button's active label)")
    for field in ("login_pattern", "not_live_pattern"):
        try:
            re.compile(str(data.get(field, "")))
        except re.error as exc:
            raise fail(f"{field}: {exc}") from None
    try:
        gap = float(data.get("action_gap_s", 0.5))
    except (TypeError, ValueError) as exc:
        raise fail(f"action_gap_s: {exc}") from None
    linked = _strings(data, "open_via_link", fail)
    if not set(linked) <= set(LINKED_PAGES):
        raise fail(f"open_via_link ({' / '.join(LINKED_PAGES)})")
    if urls.get("entry") and "console" not in linked:
        raise fail("urls.entry (the console is opened from it by a link: open_via_link needs console)")
    return ConsoleProfile(
        platform=str(data.get("platform") or path.stem), name=str(data.get("name") or path.stem),
        console_url=urls["console"], login_url=str(urls.get("login", "")),
        login_pattern=str(data.get("login_pattern") or r"(?!)"), login_click=str(data.get("login_click", "")),
        entry_url=urls.get("entry", ""),
        not_live_pattern=str(data.get("not_live_pattern") or ""), products_url=urls.get("products", ""),
        account_url=urls.get("account", ""),
        live_id=_live_id(data.get("live_id"), fail), escape_overlays=_strings(data, "escape_overlays", fail),
        open_via_link=frozenset(linked), command_gaps_s=_gaps(data.get("command_gaps_s"), capabilities, fail),
        selectors=dict(selectors), modals=dict(data.get("modals") or {}), texts=dict(texts),
        responses=_responses(data.get("responses"), fail), action_gap_s=max(0.0, gap),
        capabilities=capabilities, source=path,
    )


def _strings(data: dict[str, Any], field: str, fail: Callable[[str], ProfileError]) -> tuple[str, ...]:
    value = data.get(field, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise fail(field)
    return tuple(value)


def _gaps(gaps: Any, capabilities: frozenset[str], fail: Callable[[str], ProfileError]) -> dict[str, float]:
    if gaps is None:
        return {}
    if not isinstance(gaps, dict) or not all(
            name in capabilities and isinstance(s, int | float) and not isinstance(s, bool) and 0 <= s <= 3600
            for name, s in gaps.items()):
        raise fail("command_gaps_s (seconds, 0 to 3600, for commands in capabilities)")
    return {name: float(s) for name, s in gaps.items()}


def _live_id(step: Any, fail: Callable[[str], ProfileError]) -> dict[str, str]:
    if step is None:
        return {}
    if not isinstance(step, dict) or not isinstance(step.get("selector"), str) or not step["selector"]:
        raise fail("live_id.selector")
    if not isinstance(step.get("url"), str) or "{live_id}" not in step["url"]:
        raise fail("live_id.url (a URL with {live_id})")
    if not isinstance(step.get("plan", ""), str):
        raise fail("live_id.plan")
    return {"plan": step.get("plan", ""), "selector": step["selector"], "url": step["url"]}


def _is_unwrap_step(step: Any) -> bool:
    """``{"keep": {field: value}}`` or ``{"decode": field, "as": "json" | "base64-json"}``."""
    if not isinstance(step, dict):
        return False
    if "keep" in step:
        return isinstance(step["keep"], dict)
    return isinstance(step.get("decode"), str) and step.get("as") in ("json", "base64-json")


def _responses(responses: Any, fail: Callable[[str], ProfileError]) -> dict[str, dict[str, Any]]:
    if responses is None:
        return {}
    if not isinstance(responses, dict) or not all(isinstance(spec, dict) for spec in responses.values()):
        raise fail("responses")
    for name, spec in responses.items():
        if spec.get("listen", "response") not in LISTENER_KINDS:
            raise fail(f"responses.{name}.listen ({' / '.join(LISTENER_KINDS)})")
        url = spec.get("url_contains", "")
        if spec.get("listen") == "script_hook":
            _script_hook(name, spec, fail)
        elif not isinstance(url, str) or not (url or spec.get("listen") == "websocket"):
            raise fail(f"responses.{name}.url_contains")
        if not isinstance(spec.get("id"), str) or not (spec["id"] or "one" in spec):
            raise fail(f"responses.{name}.id (only a one-row answer may go without)")
        unwrap = spec.get("unwrap", [])
        if not isinstance(unwrap, list) or not all(_is_unwrap_step(step) for step in unwrap):
            raise fail(f"responses.{name}.unwrap")
        if not isinstance(spec.get("jsonp", False), bool):
            raise fail(f"responses.{name}.jsonp (true or false)")
        if not isinstance(spec.get("require", {}), dict):
            raise fail(f"responses.{name}.require")
        if "type_field" in spec and not isinstance(spec.get("kinds"), dict):
            raise fail(f"responses.{name}.kinds (type_field needs them)")
        if not isinstance(spec.get("list_optional", False), bool):
            raise fail(f"responses.{name}.list_optional (true or false)")
        if not isinstance(spec.get("ts", ""), str) or spec.get("ts_unit", "s") not in TS_UNITS:
            raise fail(f"responses.{name}.ts / ts_unit ({' / '.join(TS_UNITS)})")
    return {name: dict(spec) for name, spec in responses.items()}


def _script_hook(name: str, spec: dict[str, Any], fail: Callable[[str], ProfileError]) -> None:
    """A ``script_hook`` map: ``script``, the glob of the page script to patch (``**/lib-es-link*.js``), and
    ``hook``, a regular expression whose group ``payload`` is the expression whose value is handed over."""
    script = spec.get("script")
    if not isinstance(script, str) or not script.strip():
        raise fail(f"responses.{name}.script (the glob of the page script to patch)")
    try:
        hook = re.compile(str(spec.get("hook", "")))
    except re.error as exc:
        raise fail(f"responses.{name}.hook: {exc}") from None
    if "payload" not in hook.groupindex:
        raise fail(f"responses.{name}.hook (a regular expression with a group named payload)")
