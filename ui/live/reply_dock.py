"""Puts quick replies, auto-reply and voice broadcast into the console window (the 快捷回复 dock).

:func:`install_replies` builds the parts on the window's engine and settings: the reply sender (the
platform console of the window's show when one is connected, the clipboard otherwise), the auto-reply
runner, the voice broadcaster (the system's speech, off until turned on) and the panel; binds Ctrl+1…9
and Ctrl+Shift+M; and stops the voice thread and the engine listeners when the window goes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

from app.comments.replies import AutoReplier, clean_rules
from app.connectors.quick_reply import AutoReplyRunner, ReplySender
from app.connectors.voice import Speaker, VoiceBroadcaster, VoiceSettings, system_speaker
from app.core.i18n import tr
from app.core.settings import Settings
from app.engine.session import SessionEngine
from ui.common.fit_scroll import FitScrollArea
from ui.live.hotkeys import HotkeyManager
from ui.live.reply_panel import ReplyPanel
from ui.live.voice_controls import VoiceControls

AddDock = Callable[[str, str, QWidget, Qt.DockWidgetArea], QDockWidget]


@dataclass(slots=True)
class Replies:
    """The installed parts, for the window and tests to reach."""

    panel: ReplyPanel
    voice: VoiceBroadcaster
    controls: VoiceControls
    auto: AutoReplyRunner
    dock: QDockWidget


def _copy(text: str) -> None:
    clipboard = QGuiApplication.clipboard()
    if clipboard is not None:
        clipboard.setText(text)


def install_replies(window: QMainWindow, engine: SessionEngine, show: Any, settings: Settings,
                    hotkeys: HotkeyManager, add_dock: AddDock, beside: QDockWidget | None = None,
                    speaker: Speaker | None = None) -> Replies:
    """Build the 快捷回复 dock on ``window``, as a tab behind ``beside`` (it takes no room of its own);
    ``show.console`` (if the show has one) posts replies."""
    def console() -> object | None:
        return getattr(show, "console", None)

    banned = tuple(str(word) for word in settings.get("banned_words"))
    sender = ReplySender(engine, console, _copy, banned)
    replier = AutoReplier(clean_rules(settings.get("auto_replies")), banned,
                          per_minute=max(1, min(60, settings.get("auto_reply_per_minute"))))
    auto = AutoReplyRunner(engine, replier, console)
    voice = VoiceBroadcaster(speaker or system_speaker(), VoiceSettings.from_setting(settings.get("voice")))
    unsubscribe_voice = engine.subscribe(voice.on_batch)
    controls = VoiceControls(voice, settings)
    panel = ReplyPanel(sender, settings, auto, controls)
    for hotkey_id, handler in panel.hotkey_handlers().items():
        hotkeys.bind(hotkey_id, handler)
    hotkeys.bind("voice_mute", controls.toggle_mute)
    dock = add_dock("replyDock", tr("快捷回复"), FitScrollArea(panel), Qt.DockWidgetArea.RightDockWidgetArea)
    if beside is not None:
        window.tabifyDockWidget(beside, dock)
        beside.raise_()

    def stop(*_: object) -> None:
        unsubscribe_voice()
        auto.close()
        voice.close(timeout=1.0)

    window.destroyed.connect(stop)
    return Replies(panel, voice, controls, auto, dock)
