"""The comment feed's right-click menu and the block list's link between engine, settings and views.

Right-click a comment: 回复 (hands it to the quick-reply panel when there is one, else copies
"@name text" with a notice), 复制, 置顶评论 / 取消置顶, 屏蔽此人 / 取消屏蔽 and 查看此人 (the viewer card).
:func:`build_feed_menu` makes the menu for one event, so a test triggers its QActions directly.

:class:`BlockList` keeps one :class:`~app.comments.moderation.Moderation` in step: the viewers blocked
in the user's settings (``blocked_viewers``, every show) and the engine's ``state.blocked`` (this show,
through ``block_viewer``/``unblock_viewer``, each an ``actions`` row). The feed and the questions pane
share that Moderation, so a blocked viewer's next comment never reaches either.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QMenu

from app.comments.moderation import Moderation, clean_blocked, clean_keywords
from app.commerce.effects import Change, ChangeAction, ChangeKind
from app.core.events import LiveEvent
from app.core.i18n import tr
from app.core.settings import Settings
from ui.common.commands import CommandRunner
from ui.live.comment_feed import CommentFeedView
from ui.live.pinned_banner import comment_at, pin_selected

ReplyHandler = Callable[[LiveEvent], bool]
ViewerHandler = Callable[[LiveEvent], None]


class BlockList:
    """The block list, the hidden keywords and the spam switch, shared by the feed and the questions pane.

    Args:
        runner: runs ``block_viewer``/``unblock_viewer`` and shows their outcome.
        settings: where the lists persist.
        on_change: called after the block list changed (the views refilter).
    """

    def __init__(self, runner: CommandRunner, settings: Settings,
                 on_change: Callable[[], None] = lambda: None) -> None:
        self.runner = runner
        self.settings = settings
        self.on_change = on_change
        self.moderation = Moderation(
            blocked=clean_blocked(settings.get("blocked_viewers")),
            keywords=clean_keywords(settings.get("hidden_keywords")),
            hide_spam=bool(settings.get("hide_spam")),
        )
        self._unsubscribe = runner.engine.subscribe_changes(self._on_change)

    def close(self) -> None:
        self._unsubscribe()

    def block(self, event: LiveEvent) -> None:
        """屏蔽此人: hide this viewer from now on (the engine logs it; the settings keep it)."""
        if not event.user_id:
            self.runner.say(tr("这条消息没有观众 id，无法屏蔽"), error=True)
            return
        self._remember(event.user_id, event.user_name)
        self.runner.run("block_viewer", {"uid": event.user_id, "name": event.user_name},
                        done=tr("已屏蔽 {user}", user=event.user_name or event.user_id))

    def unblock(self, user_id: str) -> None:
        """取消屏蔽: show this viewer again (in this show and later ones)."""
        self._forget(user_id)
        if user_id in self.runner.engine.state.blocked:
            self.runner.run("unblock_viewer", {"uid": user_id}, done=tr("已取消屏蔽"))

    def set_lists(self, blocked: dict[str, str], keywords: list[str], hide_spam: bool) -> None:
        """What the 评论过滤 dialog saved: the whole block list, the keywords and the spam switch."""
        for user_id in set(self.moderation.blocked) - set(blocked):
            self.unblock(user_id)
        self.moderation.blocked.update(clean_blocked(blocked))
        self.moderation.set_keywords(keywords)
        self.moderation.hide_spam = hide_spam
        self.settings.set("blocked_viewers", dict(self.moderation.blocked))
        self.settings.set("hidden_keywords", list(self.moderation.keywords))
        self.settings.set("hide_spam", hide_spam)
        self.on_change()

    def _remember(self, user_id: str, name: str) -> None:
        self.moderation.block(user_id, name)
        self.settings.set("blocked_viewers", dict(self.moderation.blocked))
        self.on_change()

    def _forget(self, user_id: str) -> None:
        self.moderation.unblock(user_id)
        self.settings.set("blocked_viewers", dict(self.moderation.blocked))
        self.on_change()

    def _on_change(self, change: Change) -> None:
        """A block from elsewhere (an assistant seat, a restored show) reaches the views too."""
        if change.kind != ChangeKind.BLOCKED or not isinstance(change.key, str):
            return
        if change.action == ChangeAction.REMOVED:
            if change.key in self.moderation.blocked:
                self._forget(change.key)
        elif change.key not in self.moderation.blocked:
            self._remember(change.key, self.runner.engine.state.blocked.get(change.key, ""))


def reply_text(event: LiveEvent) -> str:
    """What 回复 starts a reply with when there is no reply panel: "@name text"."""
    return f"@{event.user_name} {event.text}" if event.user_name else event.text


def copy_reply(event: LiveEvent, runner: CommandRunner) -> bool:
    """Copy "@name text" for a reply typed on the platform, with a status-bar notice."""
    QGuiApplication.clipboard().setText(reply_text(event))
    runner.say(tr("已复制，可到直播平台粘贴回复：{text}", text=reply_text(event)[:40]))
    return True


def build_feed_menu(feed: CommentFeedView, runner: CommandRunner, block_list: BlockList,
                    event: LiveEvent | None, *, reply: ReplyHandler | None = None,
                    view_viewer: ViewerHandler | None = None) -> QMenu:
    """The right-click menu for ``event`` (a comment, or None where the click hit no comment)."""
    menu = QMenu(feed.list_view)

    def add(label: str, handler: Callable[[], object], enabled: bool = True) -> QAction:
        action = QAction(label, menu)
        action.setEnabled(enabled)
        action.triggered.connect(lambda _checked=False: handler())
        menu.addAction(action)
        return action

    has = event is not None
    comment = event if event is not None else LiveEvent("comment", 0.0)
    answer = reply or (lambda e: copy_reply(e, runner))
    add(tr("回复…"), lambda: answer(comment), has)
    add(tr("复制"), lambda: QGuiApplication.clipboard().setText(comment.text), has)
    menu.addSeparator()
    add(tr("置顶评论"), lambda: pin_selected(feed, runner), has)
    add(tr("取消置顶"), lambda: runner.run("unpin_comment"), runner.engine.state.pinned is not None)
    menu.addSeparator()
    if has and comment.user_id in block_list.moderation.blocked:
        add(tr("取消屏蔽"), lambda: block_list.unblock(comment.user_id))
    else:
        add(tr("屏蔽此人"), lambda: block_list.block(comment), has and bool(comment.user_id))
    add(tr("查看此人"), lambda: view_viewer(comment) if view_viewer else None, has and view_viewer is not None)
    return menu


def install_feed_menu(feed: CommentFeedView, runner: CommandRunner, block_list: BlockList, *,
                      reply: ReplyHandler | None = None, view_viewer: ViewerHandler | None = None) -> None:
    """Give the feed its right-click menu for the comment under the mouse."""
    view = feed.list_view
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def show_menu(pos: QPoint) -> None:
        index = view.indexAt(pos)
        if index.isValid():
            view.setCurrentIndex(index)
        menu = build_feed_menu(feed, runner, block_list, comment_at(feed, pos), reply=reply,
                               view_viewer=view_viewer)
        menu.exec(view.viewport().mapToGlobal(pos))
        menu.deleteLater()

    view.customContextMenuRequested.connect(show_menu)

