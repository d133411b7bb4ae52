"""The questions pane (观众提问) beside the comment feed: every question of the show, newest first.

The feed keeps only its last few thousand rows and scrolls them away in seconds at a busy room; this
pane keeps every question (up to :data:`MAX_QUESTIONS`) so none is lost. A question is ✓已回答 when the
operator clicks it, replies to it from the feed (回复), or explains the product it names (its 序号 is
the explained one). 未回答 narrows the list to the open ones. Blocked viewers, hidden keywords and hidden
spam stay out, as in the feed (the shared :class:`~app.comments.moderation.Moderation`).

Keeping every question makes the pane the one part of the console whose memory grows with the show, so a
question is kept in about 100 bytes (:class:`~ui.live.question_store.QuestionStore`: columns, its time a
float formatted when the row is painted) and rebuilt only when a row is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtGui import QFontMetrics, QPainter, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.comments.moderation import Moderation
from app.comments.tags import question_kind_label, tags_of
from app.core.events import Kind, LiveEvent
from app.core.i18n import tr
from app.core.units import format_time_of_day
from ui.common import theme
from ui.common.elided_label import ElidedLabel
from ui.common.rows_changed import emit_rows_changed
from ui.live.question_store import Question, QuestionStore

ModelIndex = QModelIndex | QPersistentModelIndex

#: Questions kept; beyond it the oldest go (at 200 questions a second that is 40 minutes of nothing else;
#: at ~100 bytes a question the pane then holds ~50 MB).
MAX_QUESTIONS = 500_000
FLUSH_INTERVAL_MS = 200
ROW_HEIGHT = 30
#: Below this width the pane gives each question's text a line of its own (two-line rows).
COMPACT_BELOW = 300
COMPACT_ROW_HEIGHT = 50
_ITEM = int(Qt.ItemDataRole.UserRole) + 1
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)


def question_key(event: LiveEvent) -> int:
    """How the pane finds the question a feed row's event asked (its seq, else the event itself)."""
    return event.seq or id(event)


class QuestionsModel(QAbstractListModel):
    """Every question of the show, newest first (row 0), fed in batches of at most 5 a second; kept in a
    :class:`~ui.live.question_store.QuestionStore` (about 100 bytes a question)."""

    def __init__(self, moderation: Moderation | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.moderation = moderation if moderation is not None else Moderation()
        self._store = QuestionStore()  # oldest first; row r is index len - 1 - r
        self._pending: list[tuple[int, float, str, str, str, str | None, int | None]] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FLUSH_INTERVAL_MS)
        self._timer.timeout.connect(self.flush_now)

    @property
    def unanswered(self) -> int:
        return self._store.unanswered

    @property
    def store(self) -> QuestionStore:
        return self._store

    def add_events(self, events: Sequence[LiveEvent]) -> None:
        """Keep the questions among ``events`` (they show at the next flush)."""
        for event in events:
            if event.kind != Kind.COMMENT:
                continue
            tags = tags_of(event.text)
            if tags.question is None or self.moderation.hides(event):
                continue
            self._pending.append((question_key(event), event.ts, event.user_id, event.user_name, event.text,
                                  tags.question, tags.product))
        if self._pending and not self._timer.isActive():
            self._timer.start()

    def flush_now(self) -> None:
        self._timer.stop()
        if not self._pending:
            return
        new, self._pending = self._pending, []
        store = self._store
        overflow = len(store) + len(new) - MAX_QUESTIONS
        if overflow > 0:
            rows = len(store)
            self.beginRemoveRows(QModelIndex(), rows - overflow, rows - 1)
            store.drop_oldest(overflow)
            self.endRemoveRows()
        self.beginInsertRows(QModelIndex(), 0, len(new) - 1)
        for question in new:
            store.add(*question)
        self.endInsertRows()

    def _index_of(self, row: int) -> int:
        return len(self._store) - 1 - row

    def question(self, row: int) -> Question:
        return self._store.get(self._index_of(row))

    def answered(self, row: int) -> bool:
        return self._store.answered(self._index_of(row))

    def user_id(self, row: int) -> str:
        return self._store.user_id(self._index_of(row))

    def set_answered(self, row: int, answered: bool = True) -> None:
        if self._store.set_answered(self._index_of(row), answered):
            index = self.index(row)
            self.dataChanged.emit(index, index)

    def answer_event(self, event: LiveEvent) -> bool:
        """Mark the question ``event`` asked as answered (a reply to it); False if it is no question here."""
        self.flush_now()
        found = self._store.find(question_key(event))
        if found is None:
            return False
        self.set_answered(self._index_of(found))
        return True

    def answer_product(self, no: int) -> int:
        """Mark every open question about product ``no`` answered (it is being explained); how many."""
        self.flush_now()
        marked = self._store.answer_product(no)
        emit_rows_changed(self, (self._index_of(i) for i in marked))  # those rows, not every question
        return len(marked)

    def clear(self) -> None:
        self.beginResetModel()
        self._store.clear()
        self._pending.clear()
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._store)

    def data(self, index: ModelIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._store):
            return None
        if role == _ITEM:
            return self.question(index.row())
        if role in (_DISPLAY, int(Qt.ItemDataRole.ToolTipRole)):
            item = self.question(index.row())
            return f"{format_time_of_day(item.ts)} {item.user_name}：{item.text}"
        return None


class OpenQuestionsProxy(QSortFilterProxyModel):
    """Only the unanswered questions (未回答) when ``only_open``; never a blocked viewer's."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.only_open = False

    def refilter(self) -> None:
        self.beginFilterChange()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        source = self.sourceModel()
        if not isinstance(source, QuestionsModel):
            return True
        if self.only_open and source.answered(source_row):
            return False
        blocked = source.moderation.blocked
        return not (blocked and source.user_id(source_row) in blocked)


class QuestionDelegate(QStyledItemDelegate):
    """One question per row: kind tag · user · text; answered ones dim with ✓已回答.

    A wide pane puts it all on one line. A narrow one (:attr:`compact`, under :data:`COMPACT_BELOW` px,
    as on a 1366×768 laptop) gives the text a line of its own under the tag and name, so a question reads
    as words, not a sliver; a question longer than its line ends in "…" and the tooltip has all of it.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.compact = False
        self._font = theme.ui_font(14)
        self._user_font = theme.ui_font(13, bold=True)
        self._tag_font = theme.ui_font(11, bold=True)

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        # Narrower than any pane: a row is as wide as the list, never cut by its edge.
        return QSize(100, COMPACT_ROW_HEIGHT if self.compact else ROW_HEIGHT)

    def text_shown(self, item: Question, rect: QRect) -> str:
        """The question's text as the row at ``rect`` draws it (elided to its room)."""
        return self._layout(item, rect)[1]

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        item = index.data(_ITEM)
        if not isinstance(item, Question):
            return
        rect: QRect = option.rect  # type: ignore[attr-defined]
        painter.save()
        try:
            if option.state & QStyle.StateFlag.State_MouseOver:  # type: ignore[attr-defined]
                painter.fillRect(rect, theme.color("surface"))
            head = QRect(rect.left(), rect.top(), rect.width(), ROW_HEIGHT) if self.compact else rect
            x = self._tag(painter, question_kind_label(item.kind), item.answered, rect.left() + 6, head)
            painter.setFont(self._user_font)
            done = tr("✓已回答")
            done_width = painter.fontMetrics().horizontalAdvance(done) + 4 if item.answered else 0
            if item.answered:
                painter.setPen(theme.color("green"))
                painter.drawText(QRect(rect.right() - 6 - done_width, head.top(), done_width, head.height()),
                                 _LEFT, done)
            painter.setPen(theme.color("text_dim" if item.answered else "user"))
            room = min(90, rect.right() - 12 - done_width - x)
            name = painter.fontMetrics().elidedText(item.user_name, Qt.TextElideMode.ElideRight, max(0, room))
            painter.drawText(QRect(x, head.top(), painter.fontMetrics().horizontalAdvance(name) + 2, head.height()),
                             _LEFT, name)
            text_rect, text = self._layout(item, rect)
            painter.setFont(self._font)
            painter.setPen(theme.color("text_dim" if item.answered else "text"))
            painter.drawText(text_rect, _LEFT, text)
        finally:
            painter.restore()

    def _layout(self, item: Question, rect: QRect) -> tuple[QRect, str]:
        """Where the question's text goes in the row at ``rect``, and the text elided to fit there."""
        right = rect.right() - 6
        if self.compact:
            box = QRect(rect.left() + 8, rect.top() + ROW_HEIGHT - 6, max(0, right - rect.left() - 8),
                        rect.height() - ROW_HEIGHT + 6)
        else:
            left = rect.left() + 6 + self._tag_width(question_kind_label(item.kind)) + 6
            name = QFontMetrics(self._user_font).elidedText(item.user_name, Qt.TextElideMode.ElideRight, 90)
            left += QFontMetrics(self._user_font).horizontalAdvance(name) + 8
            if item.answered:
                right -= QFontMetrics(self._user_font).horizontalAdvance(tr("✓已回答")) + 10
            box = QRect(left, rect.top(), max(0, right - left), rect.height())
        return box, QFontMetrics(self._font).elidedText(item.text, Qt.TextElideMode.ElideRight, box.width())

    def _tag_width(self, label: str) -> int:
        return QFontMetrics(self._tag_font).horizontalAdvance(label) + 10

    def _tag(self, painter: QPainter, label: str, answered: bool, x: int, rect: QRect) -> int:
        painter.setFont(self._tag_font)
        width = self._tag_width(label)
        height = painter.fontMetrics().height() + 2
        pill = QRect(x, rect.top() + (rect.height() - height) // 2, width, height)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme.color("text_dim" if answered else "question"))
        painter.drawRoundedRect(pill, 4, 4)
        painter.setPen(theme.color("text"))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, label)
        return x + width + 6


_LEFT = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft


class QuestionsPane(QWidget):
    """The pane: "观众提问 N · 未回答 M", the 未回答 toggle and the list (a click marks a question answered)."""

    def __init__(self, model: QuestionsModel | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("questionsPane")
        self.model = model if model is not None else QuestionsModel(parent=self)
        self.proxy = OpenQuestionsProxy(self)
        self.proxy.setSourceModel(self.model)
        # The title gives way rather than widen the window: the pane must fit beside the feed on a laptop.
        self.title = ElidedLabel(400, self, tooltip=True)
        self.title.setObjectName("questionsTitle")
        self.open_button = QToolButton(self)
        self.open_button.setCheckable(True)
        self.open_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.open_button.toggled.connect(self.set_only_open)
        self.list_view = QListView(self)
        self.list_view.setObjectName("questionsList")
        self.list_view.setModel(self.proxy)
        self.delegate = QuestionDelegate(self.list_view)
        self.list_view.setItemDelegate(self.delegate)
        self.list_view.setUniformItemSizes(True)
        self.list_view.setMouseTracking(True)
        self.list_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list_view.clicked.connect(self._on_clicked)
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 6, 2, 6)
        layout.setSpacing(6)
        layout.addLayout(header)
        layout.addWidget(self.list_view, 1)
        for signal in (self.model.rowsInserted, self.model.rowsRemoved, self.model.dataChanged,
                       self.model.modelReset):
            signal.connect(self._update_title)
        self.retranslate()

    def add_events(self, events: Sequence[LiveEvent]) -> None:
        self.model.add_events(events)

    def set_only_open(self, only_open: bool) -> None:
        """Show only the unanswered questions (未回答), or all of them."""
        if self.open_button.isChecked() != only_open:
            self.open_button.setChecked(only_open)
            return
        self.proxy.only_open = only_open
        self.proxy.refilter()

    def answer_row(self, proxy_row: int) -> None:
        """Mark the question shown at ``proxy_row`` answered (what a click does)."""
        source = self.proxy.mapToSource(self.proxy.index(proxy_row, 0))
        if source.isValid():
            self.model.set_answered(source.row())
            if self.proxy.only_open:
                self.proxy.refilter()

    def refresh_blocked(self) -> None:
        self.proxy.refilter()
        self._update_title()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        compact = self.width() < COMPACT_BELOW
        if compact != self.delegate.compact:
            self.delegate.compact = compact
            self.list_view.scheduleDelayedItemsLayout()
            self._name_open_button()

    def retranslate(self) -> None:
        self._name_open_button()
        self.open_button.setToolTip(tr("只看还没回答的提问；点一条提问标为已回答"))
        self._update_title()

    def _name_open_button(self) -> None:
        # A narrow pane leaves the title the room a full "Unanswered" would take.
        self.open_button.setText(tr("未答") if self.delegate.compact else tr("未回答"))

    def _on_clicked(self, index: QModelIndex) -> None:
        self.answer_row(index.row())

    def _update_title(self, *_args: object) -> None:
        counts = {"n": self.model.rowCount(), "open": self.model.unanswered}
        self.title.set_full_text(tr("观众提问 {n} · 未回答 {open}", **counts),
                                 shorter=(tr("提问 {n} · 未答 {open}", **counts), tr("{n} · 未答 {open}", **counts),
                                          f"{counts['open']}/{counts['n']}"))
