"""The keyword auto-reply rules (自动回复规则…), edited from the 快捷回复 dock.

One row per rule: 启用, 关键词 (several, separated by commas, 、 or spaces), 回复模板 (with the quick
replies' placeholders) and 冷却（秒）; above them the global switch and the rate limit (每分钟最多). 保存
checks every row with :func:`app.comments.replies.parse_rule` and refuses the first bad one with a
message naming its row and field (the cell is selected); otherwise it writes the ``auto_replies`` and
``auto_reply_per_minute`` settings and hands the rules to the running :class:`AutoReplier` at once. The
switch is the dock's own 自动回复 box, off again at every launch (docs/replies.md).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.comments.replies import (
    COOLDOWN_FIELD,
    KEYWORDS_FIELD,
    MAX_RULES,
    TEMPLATE_FIELD,
    AutoReplier,
    AutoReplyRule,
    RuleError,
    parse_rule,
    placeholder_names,
    rules_setting,
)
from app.core.i18n import tr
from app.core.settings import Settings
from ui.common import theme
from ui.common.dialogs import save_cancel_buttons

#: The table's columns, in order: 启用 first, then the fields a rule is made of.
COLUMNS = ("启用", KEYWORDS_FIELD, TEMPLATE_FIELD, COOLDOWN_FIELD)
ENABLED, KEYWORDS, TEMPLATE, COOLDOWN = range(len(COLUMNS))
NEW_RULE_COOLDOWN = "60"


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


class AutoReplyDialog(QDialog):
    """Edits the auto-reply rules and limits; 保存 applies them to ``replier`` and keeps them in ``settings``.

    Args:
        replier: the running auto-replier (its rules change at once on 保存).
        settings: holds ``auto_replies`` and ``auto_reply_per_minute``.
        banned_words: the user's own banned words; a template with one (or a built-in one) is refused.
        is_on / switch: read and set the dock's 自动回复 switch (the global on/off).
    """

    def __init__(self, replier: AutoReplier, settings: Settings, banned_words: tuple[str, ...],
                 is_on: bool, switch: Callable[[bool], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.replier = replier
        self.settings = settings
        self.banned_words = banned_words
        self.switch = switch
        self.setWindowTitle(tr("自动回复规则"))
        self.resize(720, 440)
        self.on_box = QCheckBox(tr("开启自动回复"), self)
        self.on_box.setChecked(is_on)
        self.on_box.setToolTip(tr("需连接平台中控台；每次启动后都是关闭的"))
        self.per_minute = QSpinBox(self)
        self.per_minute.setRange(1, 60)
        self.per_minute.setValue(replier.per_minute)
        self.per_minute.setSuffix(tr(" 条/分钟"))
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("autoReplyRules")
        self.table.setHorizontalHeaderLabels([tr(name) for name in COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(TEMPLATE, QHeaderView.ResizeMode.Stretch)
        for rule in replier.rules:
            self._append(rule)
        self.add_button = QPushButton(tr("添加规则"), self)
        self.delete_button = QPushButton(tr("删除规则"), self)
        self.add_button.clicked.connect(self.add_rule)
        self.delete_button.clicked.connect(self.delete_rule)
        self.error = QLabel(self)
        self.error.setObjectName("autoReplyError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {theme.COLORS['red']};")
        self._lay_out()

    def _lay_out(self) -> None:
        limits = QHBoxLayout()
        limits.addWidget(self.on_box)
        limits.addStretch(1)
        limits.addWidget(QLabel(tr("所有规则合计每分钟最多"), self))
        limits.addWidget(self.per_minute)
        hint = QLabel(tr("关键词用逗号或空格分开；模板可用 {placeholders}；同一句话不会连发两次。",
                         placeholders=" ".join("{" + p + "}" for p in placeholder_names())), self)
        hint.setWordWrap(True)
        rows = QHBoxLayout()
        rows.addWidget(self.add_button)
        rows.addWidget(self.delete_button)
        rows.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(limits)
        layout.addWidget(hint)
        layout.addWidget(self.table, 1)
        layout.addLayout(rows)
        layout.addWidget(self.error)
        layout.addWidget(save_cancel_buttons(self, self.save))

    def _append(self, rule: AutoReplyRule | None = None) -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        switch = QTableWidgetItem()
        switch.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        on = rule is None or rule.enabled
        switch.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        self.table.setItem(row, ENABLED, switch)
        texts = ("、".join(rule.keywords), rule.template, _number(rule.cooldown_s)) if rule else (
            "", "", NEW_RULE_COOLDOWN)
        for column, text in zip((KEYWORDS, TEMPLATE, COOLDOWN), texts, strict=True):
            self.table.setItem(row, column, QTableWidgetItem(text))
        return row

    def add_rule(self) -> int:
        """A new empty row (enabled, 60 s), ready to type its keywords; its row index."""
        if self.table.rowCount() >= MAX_RULES:
            self.error.setText(tr("最多 {n} 条规则", n=MAX_RULES))
            return -1
        row = self._append()
        self.table.setCurrentCell(row, KEYWORDS)
        self.table.editItem(self._item(row, KEYWORDS))
        return row

    def delete_rule(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < self.table.rowCount():
            self.table.removeRow(row)

    def set_cell(self, row: int, column: int, text: str) -> None:
        """Type ``text`` into a cell (as the operator would)."""
        self._item(row, column).setText(text)

    def rules(self) -> list[AutoReplyRule]:
        """Every row as a rule.

        Raises:
            RuleError: the first row that is not a valid rule.
        """
        return [parse_rule(row + 1, self._text(row, KEYWORDS), self._text(row, TEMPLATE),
                           self._text(row, COOLDOWN), banned_words=self.banned_words,
                           enabled=self._item(row, ENABLED).checkState() == Qt.CheckState.Checked)
                for row in range(self.table.rowCount())]

    def _item(self, row: int, column: int) -> QTableWidgetItem:
        item = self.table.item(row, column)
        if item is None:  # every row gets its cells in _append; never left without one
            item = QTableWidgetItem()
            self.table.setItem(row, column, item)
        return item

    def _text(self, row: int, column: int) -> str:
        return self._item(row, column).text()

    def save(self) -> bool:
        """Check every row; refuse the first bad one (its message shown, its cell selected), else keep the
        rules and limits, give them to the running auto-reply and close."""
        try:
            rules = self.rules()
        except RuleError as exc:
            self.error.setText(str(exc))
            self.table.setCurrentCell(exc.row - 1, COLUMNS.index(exc.field_name))
            return False
        self.settings.set("auto_replies", rules_setting(rules))
        self.settings.set("auto_reply_per_minute", self.per_minute.value())
        self.replier.replace_rules(rules, self.per_minute.value())
        self.switch(self.on_box.isChecked())
        self.accept()
        return True
