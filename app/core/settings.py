"""User settings, declared once (name, default, type, help), and where LiveDeck keeps its data.

Settings live in ``<data dir>/settings.json``. Window geometry and dock layout are UI state, kept apart
by Qt's QSettings. Every setting is documented in docs/settings.md (a test checks it).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("livedeck.settings")


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: Any
    type: type
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("language", "zh", str, "UI language: zh (中文, default) or en (English)."),
    Setting("feed_capacity", 5000, int, "How many recent events the live comment feed keeps on screen."),
    Setting("demo_rate", 8.0, float, "Events per second the embedded demo room sends."),
    Setting("demo_seed", 0, int, "Seed of the embedded demo room (0 = a new room each launch)."),
    Setting("last_source", "", str, "The last source the console connected to (address or room)."),
    Setting("last_format", "generic", str,
            "Platform of the last source: demo, generic, bilibili, douyin-bridge, replay."),
    Setting("last_show", "", str,
            "The saved show (直播方案, <data dir>/shows/<name>.json) the console opens on; empty = none yet."),
    Setting("last_cookie_file", "", str, "Bilibili: the cookie file last chosen in the connect dialog."),
    Setting("replay_speed", 1, int, "Replay speed last chosen in the connect dialog (1–50)."),
    Setting("last_console", {}, dict,
            "The platform console last connected in 场次 → 连接平台中控台…: platform, url, browser, profile_dir, "
            "headless; the dialog starts from it."),
    Setting("banned_words", [], list,
            "Your own Advertising Law terms, added to the built-in list (\"词\" or \"词=建议\")."),
    Setting("blocked_viewers", {}, dict,
            "Viewers blocked with 屏蔽此人: user id → name; their comments stay out of the feed (docs/comments.md)."),
    Setting("hidden_keywords", [], list, "Comments containing one of these words are hidden from the feed."),
    Setting("hide_spam", False, bool, "Hide comments the classifier calls ads or spam (else they are only flagged)."),
    Setting("feed_hidden_kinds", ["enter", "like"], list,
            "Event kinds the feed leaves out: any of enter, like, follow, share, gift."),
    Setting("hotkeys", {}, dict,
            "Rebound hotkeys: action id → key sequence (e.g. {\"explain_next\": \"PgDown\"}); the rest keep "
            "their defaults. Set in 设置 → 快捷键…"),
    Setting("reply_templates", [], list,
            "Quick replies (快捷回复), in the reply panel's order; {商品} {序号} {价格} {库存} {券} {倒计时} "
            "are filled from the live show. Empty = the built-in ones."),
    Setting("auto_replies", [], list,
            "Keyword auto-replies: [{\"keywords\": [\"发货\"], \"template\": \"…\", \"cooldown_s\": 60, "
            "\"enabled\": true}]; edited in 快捷回复 → 规则…"),
    Setting("auto_reply_per_minute", 6, int, "Auto-replies sent at most per minute, all rules together."),
    Setting("voice", {}, dict,
            "Voice broadcast (语音播报): enabled, kinds, min_gift_fen, rate, volume, voice, queue_size, muted."),
    Setting("room_webhook", "", str,
            "Also send every room command to this http(s):// (POST) or ws(s):// URL, as docs/protocol.md §7 "
            "says; empty = off."),
)
_BY_NAME = {s.name: s for s in SETTINGS}


def data_dir() -> Path:
    """LiveDeck's data directory: ``$LIVEDECK_HOME`` if set, else the platform's user data dir."""
    override = os.environ.get("LIVEDECK_HOME")
    if override:
        return Path(override).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", home / "AppData" / "Roaming")) / "LiveDeck"
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "LiveDeck"
    return Path(os.environ.get("XDG_DATA_HOME", home / ".local" / "share")) / "livedeck"


def default_log_path() -> Path:
    """The session log the console and ``livedeck record`` use unless told otherwise."""
    return data_dir() / "sessions.sqlite"


class Settings:
    """Typed access to the settings file; unknown or mistyped entries fall back to the default."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or data_dir() / "settings.json"
        self._values: dict[str, Any] = {}
        if self.path.exists():
            try:
                loaded = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                log.warning("settings file %s unreadable (%s); using defaults", self.path, exc)
                loaded = {}
            for name, value in (loaded if isinstance(loaded, dict) else {}).items():
                setting = _BY_NAME.get(name)
                if setting is None:
                    continue
                try:
                    self._values[name] = setting.type(value)
                except (TypeError, ValueError):
                    log.warning("setting %s=%r is not a %s; using the default", name, value,
                                setting.type.__name__)

    def get(self, name: str) -> Any:
        return self._values.get(name, _BY_NAME[name].default)

    def set(self, name: str, value: Any) -> None:
        self._values[name] = _BY_NAME[name].type(value)
        self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._values, ensure_ascii=False, indent=2), encoding="utf-8")
        tmp.replace(self.path)
