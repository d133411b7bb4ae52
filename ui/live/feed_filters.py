"""评论过滤…: the block list, the hidden keywords and the 隐藏广告 switch, edited in one dialog.

Opened (non-modal, ``open()``) from the feed's 过滤 button; 保存 hands the three to
:meth:`ui.live.feed_menu.BlockList.set_lists`, which persists them and refilters the views.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.i18n import tr
from ui.common.dialogs import save_cancel_buttons
from ui.live.feed_menu import BlockList

_UID = int(Qt.ItemDataRole.UserRole)


class FeedFiltersDialog(QDialog):
    """Blocked viewers (select and 取消屏蔽), one hidden keyword per line, and 隐藏广告."""

    def __init__(self, block_list: BlockList, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.block_list = block_list
        moderation = block_list.moderation
        self.setWindowTitle(tr("评论过滤"))
        self.resize(440, 480)
        self.blocked = QListWidget(self)
        self.blocked.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        for uid, name in moderation.blocked.items():
            item = QListWidgetItem(name or tr("匿名观众"), self.blocked)
            item.setData(_UID, (uid, name))
        unblock = QPushButton(tr("取消屏蔽选中的观众"), self)
        unblock.clicked.connect(self.unblock_selected)
        self.keywords = QPlainTextEdit(self)
        self.keywords.setPlaceholderText(tr("每行一个词，含有它的评论不再显示"))
        self.keywords.setPlainText("\n".join(moderation.keywords))
        self.hide_spam = QCheckBox(tr("隐藏广告和刷屏评论（否则只标出“广告”）"), self)
        self.hide_spam.setChecked(moderation.hide_spam)
        buttons = save_cancel_buttons(self)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("已屏蔽的观众"), self))
        layout.addWidget(self.blocked, 1)
        layout.addWidget(unblock)
        layout.addWidget(QLabel(tr("屏蔽关键词"), self))
        layout.addWidget(self.keywords, 1)
        layout.addWidget(self.hide_spam)
        layout.addWidget(buttons)

    def unblock_selected(self) -> None:
        for item in self.blocked.selectedItems():
            self.blocked.takeItem(self.blocked.row(item))

    def accept(self) -> None:
        blocked = dict(self.blocked.item(i).data(_UID) for i in range(self.blocked.count()))
        words = [line.strip() for line in self.keywords.toPlainText().splitlines() if line.strip()]
        self.block_list.set_lists(blocked, words, self.hide_spam.isChecked())
        super().accept()
