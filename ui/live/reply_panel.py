"""The 快捷回复 dock: quick-reply templates (Ctrl+1…9), a free reply, keyword auto-reply and voice broadcast.

Each template row shows its hotkey and, under the list, the selected template as it reads right now
(filled from the live show) or why it cannot be filled. A reply goes through
:class:`~app.connectors.quick_reply.ReplySender`: refused when it holds a banned word (naming it), posted
through the platform console when one is connected, else copied with 已复制，请粘贴到直播间评论框.
:meth:`ReplyPanel.reply_to` is what the feed's right-click 回复 calls. Templates are edited in place and
saved to the ``reply_templates`` setting; the auto-reply switch is off at every launch and 规则… opens
its rule editor (ui/live/auto_reply_editor.py). The voice group
(:class:`VoiceControls`) edits the ``voice`` setting and configures the broadcaster live.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.comments.replies import (
    TemplateError,
    banned_word,
    clean_templates,
    fill,
    placeholder_names,
    unknown_placeholders,
)
from app.connectors.quick_reply import AutoReplyRunner, ReplySender, reply_values
from app.core.i18n import tr
from app.core.settings import Settings
from ui.live.auto_reply_editor import AutoReplyDialog
from ui.live.voice_controls import VoiceControls

HOTKEY_SLOTS = 9


class ReplyPanel(QWidget):
    """Quick replies for the operator.

    Signals:
        message(text, is_error): what happened to the last reply (for the status bar).
        replied(text): a reply that was sent or copied (the questions pane may mark its question answered).
    """

    message = Signal(str, bool)
    replied = Signal(str)

    def __init__(self, sender: ReplySender, settings: Settings, auto: AutoReplyRunner,
                 voice: VoiceControls | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reply_sender = sender
        self.settings = settings
        self.auto = auto
        self.templates = clean_templates(settings.get("reply_templates") or None)
        self.last_message = ""
        self._build(voice)
        self._reload()
        auto.listeners.append(lambda text: self._say(tr("已自动回复：{text}", text=text)))
        self._preview_timer = QTimer(self)  # prices and countdowns change while the row stays selected
        self._preview_timer.setInterval(1000)
        self._preview_timer.timeout.connect(self._update_preview)
        self._preview_timer.start()

    def _build(self, voice: VoiceControls | None) -> None:
        self.list = QListWidget(self)
        self.list.setObjectName("replyTemplates")
        self.list.currentRowChanged.connect(self._selected)
        self.list.itemDoubleClicked.connect(lambda _item: self.send_template(self.list.currentRow()))
        self.preview = QLabel(self)
        self.preview.setWordWrap(True)
        self.editor = QLineEdit(self)
        self.editor.setPlaceholderText(tr("模板，可用 {placeholders}", placeholders=" ".join(
            "{" + p + "}" for p in placeholder_names())))
        self.add_button = QPushButton(tr("添加"), self)
        self.save_button = QPushButton(tr("保存修改"), self)
        self.delete_button = QPushButton(tr("删除"), self)
        self.add_button.clicked.connect(self.add_template)
        self.save_button.clicked.connect(self.save_template)
        self.delete_button.clicked.connect(self.delete_template)
        self.pin_box = QCheckBox(tr("置顶"), self)
        self.send_button = QPushButton(tr("发送"), self)
        self.send_button.clicked.connect(lambda: self.send_template(self.list.currentRow()))
        self.reply_label = QLabel(self)
        self.reply_label.setWordWrap(True)
        self.free_text = QLineEdit(self)
        self.free_text.setPlaceholderText(tr("输入回复，回车发送"))
        self.free_text.returnPressed.connect(self.send_free_text)
        self.auto_box = QCheckBox(tr("自动回复（关键词）"), self)
        self.auto_box.setToolTip(tr("评论含关键词时自动回复，需连接平台中控台"))
        self.auto_box.toggled.connect(self._auto_toggled)
        self.rules_button = QPushButton(tr("规则…"), self)
        self.rules_button.setToolTip(tr("编辑自动回复的关键词、回复模板、冷却时间和每分钟上限"))
        self.rules_button.clicked.connect(self.open_rules)
        self.status = QLabel(self)
        self.status.setWordWrap(True)

        edit_row = QHBoxLayout()
        for button in (self.add_button, self.save_button, self.delete_button):
            edit_row.addWidget(button)
        send_row = QHBoxLayout()
        send_row.addWidget(self.pin_box)
        send_row.addStretch(1)
        send_row.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.preview)
        layout.addLayout(send_row)
        layout.addWidget(self.editor)
        layout.addLayout(edit_row)
        layout.addWidget(self.reply_label)
        layout.addWidget(self.free_text)
        auto_row = QHBoxLayout()
        auto_row.addWidget(self.auto_box, 1)
        auto_row.addWidget(self.rules_button)
        layout.addLayout(auto_row)
        if voice is not None:
            layout.addWidget(voice)
        layout.addWidget(self.status)

    # -- the list ---------------------------------------------------------------------------------
    def _reload(self, select: int = 0) -> None:
        self.list.clear()
        for index, template in enumerate(self.templates):
            key = f"Ctrl+{index + 1}  " if index < HOTKEY_SLOTS else ""
            self.list.addItem(key + template)
        if self.templates:
            self.list.setCurrentRow(min(select, len(self.templates) - 1))
        self._update_preview()

    def _selected(self, row: int) -> None:
        if 0 <= row < len(self.templates):
            self.editor.setText(self.templates[row])
        self._update_preview()

    def _update_preview(self) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self.templates):
            self.preview.setText("")
            return
        try:
            self.preview.setText(tr("将发送：{text}", text=self._filled(self.templates[row])))
        except TemplateError as exc:
            self.preview.setText(str(exc))

    def _filled(self, template: str) -> str:
        engine = self.reply_sender.engine
        return fill(template, reply_values(engine.state, engine.clock.monotonic()))

    # -- editing ----------------------------------------------------------------------------------
    def _checked_editor_text(self) -> str | None:
        text = self.editor.text().strip()
        if not text:
            self._say(tr("模板不能为空"), error=True)
            return None
        unknown = unknown_placeholders(text)
        if unknown:
            self._say(tr("未知的占位符 {{{name}}}", name=unknown[0]), error=True)
            return None
        word = banned_word(text, self.reply_sender.banned_words)
        if word is not None:
            self._say(tr("模板含违禁词「{word}」", word=word), error=True)
            return None
        return text

    def add_template(self) -> None:
        text = self._checked_editor_text()
        if text is not None:
            self.templates.append(text)
            self._store(len(self.templates) - 1)

    def save_template(self) -> None:
        row = self.list.currentRow()
        text = self._checked_editor_text()
        if text is not None and 0 <= row < len(self.templates):
            self.templates[row] = text
            self._store(row)

    def delete_template(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.templates):
            del self.templates[row]
            self._store(row)

    def _store(self, select: int) -> None:
        self.settings.set("reply_templates", self.templates)
        self._reload(select)

    # -- sending ----------------------------------------------------------------------------------
    def send_template(self, index: int) -> bool:
        """Fill template ``index`` (0-based; Ctrl+1 is 0) from the live show and send it."""
        if not 0 <= index < len(self.templates):
            self._say(tr("没有第 {no} 条快捷回复", no=index + 1), error=True)
            return False
        try:
            text = self._filled(self.templates[index])
        except TemplateError as exc:
            self._say(str(exc), error=True)
            return False
        return self.send_text(text)

    def send_free_text(self) -> bool:
        if self.send_text(self.free_text.text()):
            self.free_text.clear()
            self.reply_label.setText("")
            return True
        return False

    def send_text(self, text: str) -> bool:
        outcome = self.reply_sender.send(text, pin=self.pin_box.isChecked())
        self._say(outcome.message, error=not outcome.ok)
        if outcome.ok:
            self.replied.emit(outcome.text)
        return outcome.ok

    def reply_to(self, name: str, text: str) -> None:
        """Start a reply to viewer ``name``'s comment ``text`` (the feed's right-click 回复)."""
        self.reply_label.setText(tr("回复 {name}：{text}", name=name, text=text))
        self.free_text.setText(f"@{name} ")
        self.free_text.setFocus(Qt.FocusReason.OtherFocusReason)

    def hotkey_handlers(self) -> dict[str, Callable[[], object]]:
        """``reply_1`` … ``reply_9`` → send that template."""
        return {f"reply_{n}": self._slot(n - 1) for n in range(1, HOTKEY_SLOTS + 1)}

    def _slot(self, index: int) -> Callable[[], bool]:
        return lambda: self.send_template(index)

    def open_rules(self) -> AutoReplyDialog:
        """自动回复规则…: the rule editor, non-modal (保存 applies the rules to the running auto-reply)."""
        dialog = AutoReplyDialog(self.auto.replier, self.settings, self.reply_sender.banned_words,
                                 self.auto_box.isChecked(), self.auto_box.setChecked, self.window())
        dialog.open()  # not exec(): a nested event loop would stall the qasync loop
        return dialog

    def _auto_toggled(self, on: bool) -> None:
        self.auto.replier.enabled = on
        count = len(self.auto.replier.rules)
        self._say(tr("自动回复已开启（{count} 条规则）", count=count) if on else tr("自动回复已关闭"))

    def _say(self, text: str, *, error: bool = False) -> None:
        self.last_message = text
        self.status.setText(text)
        self.message.emit(text, error)
