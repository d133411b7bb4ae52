"""The pinned comment (置顶评论) above the feed, and 置顶 for the feed's selected comment.

Both only talk to the engine: 置顶 sends ``pin_comment {seq}`` (the comment's ``events.seq``), the
banner redraws from ``engine.state.pinned`` when a ``pinned`` change arrives.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from app.commerce.effects import Change
from app.core.events import Kind, LiveEvent
from app.core.i18n import tr
from ui.common.commands import CommandRunner
from ui.common.theme import color
from ui.live.comment_feed import CommentFeedView, FeedRole


class PinnedBanner(QWidget):
    """"置顶" + user + text of the pinned comment, with 取消置顶; hidden while nothing is pinned."""

    def __init__(self, runner: CommandRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pinnedBanner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(
            f"QWidget#pinnedBanner {{ background: #2a1d18; border-bottom: 1px solid {color('accent').name()}; }}"
            f"QLabel#pinnedTag {{ background: {color('accent').name()}; color: white; font-weight: bold;"
            " border-radius: 4px; padding: 1px 6px; }"
            f"QLabel#pinnedUser {{ color: {color('user').name()}; font-weight: bold; }}"
            "QLabel { background: transparent; } QLabel#pinnedText { font-size: 16px; }"
        )
        self.runner = runner
        self.tag = QLabel(tr("置顶"), self)
        self.tag.setObjectName("pinnedTag")
        self.user = QLabel(self)
        self.user.setObjectName("pinnedUser")
        self.text = QLabel(self)
        self.text.setObjectName("pinnedText")
        # Wrapped, not one line: a long question would otherwise widen the window past a laptop screen.
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.unpin_button = QPushButton(tr("取消置顶"), self)
        self.unpin_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.unpin_button.clicked.connect(lambda: runner.run("unpin_comment"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.tag)
        layout.addWidget(self.user)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.unpin_button)
        self._unsubscribe = runner.engine.subscribe_changes(self._on_change)
        self.destroyed.connect(lambda *_: self._unsubscribe())
        self.refresh()

    def _on_change(self, change: Change) -> None:
        if change.kind == "pinned":
            self.refresh()

    def refresh(self) -> None:
        pinned = self.runner.engine.state.pinned
        if pinned is None:
            self.hide()
            return
        self.user.setText(pinned.user_name + "：")
        self.text.setText(pinned.text)
        self.show()


def comment_at(feed: CommentFeedView, pos: QPoint | None = None) -> LiveEvent | None:
    """The comment under ``pos`` in the feed's list, or the selected one when ``pos`` is None."""
    view = feed.list_view
    index = view.indexAt(pos) if pos is not None else view.currentIndex()
    event = index.data(FeedRole.EVENT) if index.isValid() else None
    return event if isinstance(event, LiveEvent) and event.kind == Kind.COMMENT else None


def pin_selected(feed: CommentFeedView, runner: CommandRunner) -> None:
    """Pin the feed's selected comment (the 置顶 hotkey)."""
    event = comment_at(feed)
    if event is None:
        runner.say(tr("先在评论区选中一条评论"), error=True)
        return
    runner.run("pin_comment", {"seq": event.seq}, done=tr("已置顶 {user} 的评论", user=event.user_name))

