"""The console's centre: the comment feed with the questions pane beside it, and the tools they share.

:class:`CommentColumn` builds the feed (ui/live/comment_feed.py) and the questions pane
(ui/live/questions_pane.py) side by side in a splitter, one :class:`~ui.live.feed_menu.BlockList` for
both, the right-click menu, the viewer card, the 过滤 dialog and the intent counters
(app/comments/counters.py). It marks a question answered when its product is explained or the
question is replied to, and keeps the feed's kind toggles in the ``feed_hidden_kinds`` setting. At each
new session it reads, once and on a thread of its own, who of the log's earlier shows comes back
(:class:`ReturningLookup`): the feed tags them 回头客 and the viewer card says since when.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QSplitter, QToolButton, QWidget

from app.comments.counters import IntentCounter
from app.comments.tags import tags_of
from app.commerce.effects import Change, ChangeKind
from app.core.events import Kind, LiveEvent
from app.core.i18n import tr
from app.core.settings import Settings
from app.store.returning import ReturningViewers, read_returning
from ui.common.commands import CommandRunner
from ui.live.comment_feed import CommentFeedView
from ui.live.comment_model import CommentFeedModel, CouponLabel, ProductLabel
from ui.live.feed_filters import FeedFiltersDialog
from ui.live.feed_menu import BlockList, copy_reply, install_feed_menu
from ui.live.questions_pane import QuestionsModel, QuestionsPane
from ui.live.viewer_card import ViewerCard, open_viewer_card

COUNTER_REFRESH_MS = 500

log = logging.getLogger(__name__)


class ReturningLookup(QObject):
    """Reads the returning viewers of a session on a thread of its own; ``done(session_id, viewers)``
    arrives on the UI thread (a queued signal)."""

    done = Signal(int, object)

    def start(self, path: Path, session_id: int) -> None:
        threading.Thread(target=self._read, args=(path, session_id), name="returning-viewers", daemon=True).start()

    def _read(self, path: Path, session_id: int) -> None:
        try:
            found = read_returning(path, session_id)
        except sqlite3.Error as exc:
            log.warning("returning viewers: cannot read the session log: %s", exc)
            found = ReturningViewers()
        with contextlib.suppress(RuntimeError):  # the window closed meanwhile
            self.done.emit(session_id, found)


#: The questions pane is never narrower than this many Chinese characters of its font.
QUESTION_MIN_CHARS = 10


class CommentColumn(QSplitter):
    """Feed | questions, side by side (the questions pane may be dragged narrower or wider)."""

    def __init__(self, runner: CommandRunner, settings: Settings, *, product_label: ProductLabel,
                 coupon_label: CouponLabel, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setObjectName("commentColumn")
        self.runner = runner
        self.settings = settings
        self.block_list = BlockList(runner, settings, on_change=self._on_block_list_changed)
        moderation = self.block_list.moderation
        feed_model = CommentFeedModel(settings.get("feed_capacity"), product_label=product_label,
                                      coupon_label=coupon_label, moderation=moderation,
                                      hidden_kinds=[str(k) for k in settings.get("feed_hidden_kinds")],
                                      parent=self)
        self.feed = CommentFeedView(feed_model, parent=self)
        self.feed.hidden_kinds_changed.connect(lambda kinds: settings.set("feed_hidden_kinds", kinds))
        self.filters_button = QToolButton(self.feed)
        self.filters_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.filters_button.clicked.connect(self.open_filters)
        self.feed.add_tool(self.filters_button)
        self.questions = QuestionsPane(QuestionsModel(moderation, parent=self), parent=self)
        self.addWidget(self.feed)
        self.addWidget(self.questions)
        self.setStretchFactor(0, 3)
        self.setStretchFactor(1, 2)
        self.setChildrenCollapsible(False)
        # However full the docks beside it, a question keeps room for a few words (a tag, then its text).
        self.questions.setMinimumWidth(self.questions.fontMetrics().horizontalAdvance("中" * QUESTION_MIN_CHARS))
        install_feed_menu(self.feed, runner, self.block_list, reply=self.reply, view_viewer=self.view_viewer)
        self.intents = IntentCounter()
        self._latest_ts = 0.0
        self._counter_timer = QTimer(self)
        self._counter_timer.setInterval(COUNTER_REFRESH_MS)
        self._counter_timer.timeout.connect(self._show_intents)
        self._counter_timer.start()
        self.cards: list[ViewerCard] = []
        #: Viewers of earlier shows of the log (回头客), read once per session (app/store/returning.py).
        self.returning = ReturningViewers()
        self._returning_session: int | None = None
        self._lookup = ReturningLookup(self)
        self._lookup.done.connect(self._returning_read)
        self._unsubscribe = runner.engine.subscribe_changes(self._on_change)
        self.destroyed.connect(lambda *_: self._close())
        self.retranslate()

    def add_events(self, batch: Sequence[LiveEvent]) -> None:
        """One engine batch: to the feed, the questions pane and the intent counters."""
        self.look_up_returning()
        self.feed.add_events(batch)
        self.questions.add_events(batch)
        explaining = self.runner.engine.state.explaining
        moderation = self.block_list.moderation
        for event in batch:
            if event.kind != Kind.COMMENT:
                continue
            self._latest_ts = max(self._latest_ts, event.ts)
            tags = tags_of(event.text)
            if tags.intent and not moderation.is_blocked(event):
                self.intents.add(event.ts, tags.product if tags.product is not None else explaining)

    def reply(self, event: LiveEvent) -> bool:
        """回复: start it in the window's 快捷回复 panel (``window.replies.panel``) when there is one, else
        copy "@name text" with a notice; either way the question counts as answered."""
        self.questions.model.answer_event(event)
        panel = getattr(getattr(self.window(), "replies", None), "panel", None)
        if panel is None:
            return copy_reply(event, self.runner)
        panel.reply_to(event.user_name, event.text)
        return True

    def view_viewer(self, event: LiveEvent) -> None:
        """查看此人: the viewer's card, non-modal."""
        card = open_viewer_card(event, self.block_list, self.window(), self.returning)
        self.cards = [c for c in self.cards if shiboken6.isValid(c)] + [card]

    def open_filters(self) -> FeedFiltersDialog:
        dialog = FeedFiltersDialog(self.block_list, self.window())
        dialog.open()  # not exec(): a nested event loop would stall the qasync loop
        return dialog

    def clear(self) -> None:
        """A new session: no rows, no questions, no counts."""
        self.feed.model.clear()
        self.questions.model.clear()
        self.intents.clear()
        self._show_intents()

    def retranslate(self) -> None:
        self.filters_button.setText(tr("过滤…"))
        self.filters_button.setToolTip(tr("屏蔽名单、屏蔽关键词和广告评论"))
        self.feed.retranslate()
        self.questions.retranslate()
        self._show_intents()

    def _show_intents(self) -> None:
        self.feed.set_intent_summary(self.intents.summary(self._latest_ts))
        self.look_up_returning()  # a session that started since: its lookup starts within half a second

    def look_up_returning(self) -> None:
        """At a new session, read who of the log's earlier sessions comes back (off the UI thread)."""
        engine = self.runner.engine
        session_id = engine.state.session_id
        if session_id is None or session_id == self._returning_session or engine.log is None:
            return
        self._returning_session = session_id
        self._returning_read(session_id, ReturningViewers())  # nobody returns until the read says so
        self._lookup.start(engine.log.path, session_id)

    def _returning_read(self, session_id: int, found: ReturningViewers) -> None:
        if session_id == self._returning_session and shiboken6.isValid(self):
            self.returning = found
            self.feed.model.mark_returning(found)

    def _on_change(self, change: Change) -> None:
        if change.kind == ChangeKind.EXPLAINING and isinstance(change.key, int):
            self.questions.model.answer_product(change.key)

    def _on_block_list_changed(self) -> None:
        if shiboken6.isValid(self):
            self.feed.refresh_blocked()
            self.questions.refresh_blocked()

    def _close(self) -> None:
        self._unsubscribe()
        self.block_list.close()
