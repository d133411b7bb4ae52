"""The comment feed (弹幕): a bounded live model fed in batches, and the panel that shows it.

The model follows MusicBrainz Picard's log view: a ring buffer with a running sequence number, new
events only land in a pending queue and arm one single-shot timer, and each flush is one
``beginInsertRows(first, last)`` (plus one ``beginRemoveRows`` for the oldest rows when over
capacity). The view scrolls with new rows only while the user sits at the bottom and is not hovering
over the list; otherwise it keeps the rows the user is reading in place and offers a "N 条新消息 ↓"
button.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from enum import IntEnum, StrEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from app.comments.rules import is_buying_intent, is_question
from app.core.events import Kind, LiveEvent
from app.core.i18n import tr
from ui.common import theme

ModelIndex = QModelIndex | QPersistentModelIndex

#: Kinds that become feed rows. Enters are optional (``show_enters``); likes and viewer_stats never:
#: they arrive by the thousand and belong to the KPI tiles, not the feed.
FEED_KINDS: frozenset[str] = frozenset(
    {
        Kind.COMMENT,
        Kind.GIFT,
        Kind.FOLLOW,
        Kind.ORDER,
        Kind.SHARE,
        Kind.FANSCLUB,
        Kind.COUPON_CLAIM,
        Kind.SYSTEM,
        Kind.LIVE_END,
    }
)

DEFAULT_CAPACITY = 5000
FLUSH_INTERVAL_MS = 100  # ≤ 10 Hz, the budget for every live view

_USER = int(Qt.ItemDataRole.UserRole)


class FeedRole(IntEnum):
    """Custom data roles of :class:`CommentFeedModel` (besides ``Qt.DisplayRole``)."""

    KIND = _USER + 1  # str: the event kind
    USER_NAME = _USER + 2  # str
    TEXT = _USER + 3  # str: the event's own text (comment, gift name, notice)
    TIME = _USER + 4  # str: "HH:MM:SS", local time
    EVENT = _USER + 5  # LiveEvent
    BODY = _USER + 6  # str: what the row says after the user name, in the UI language
    QUESTION = _USER + 7  # bool: a comment that asks something
    INTENT = _USER + 8  # bool: a comment that says "I want to buy"
    SEQ = _USER + 9  # int: the row's running number in the feed (never reused)
    ROW = _USER + 10  # FeedRow: everything above at once, for the delegate


_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)


def format_yuan(fen: int) -> str:
    """Money for people: 19900 → "199", 1990 → "19.90"."""
    return str(fen // 100) if fen % 100 == 0 else f"{fen / 100:.2f}"


ProductLabel = Callable[[str], str]


def order_details(event: LiveEvent, product_label: ProductLabel | None = None) -> str:
    """An order's product, units and amount: "3号 羊毛大衣 ×1  ¥399".

    ``product_label`` names a product id the way the show does (序号 and name); without it, or for a
    product the catalog does not know, the id is shown.
    """
    product = (
        event.text
        or str((event.extra or {}).get("product_name", ""))
        or (product_label(event.product_id) if product_label else event.product_id)
    )
    details = f"{product} ×{max(1, event.count)}"
    return f"{details}  ¥{format_yuan(event.amount_fen)}" if event.amount_fen else details


def describe_body(event: LiveEvent, product_label: ProductLabel | None = None) -> str:
    """What a feed row says after the user name, in the UI language."""
    kind = event.kind
    if kind == Kind.COMMENT or kind == Kind.SYSTEM:
        return event.text
    if kind == Kind.GIFT:
        body = tr("送出 {gift} ×{count}", gift=event.text or tr("礼物"), count=max(1, event.count))
        return f"{body}  ¥{format_yuan(event.amount_fen)}" if event.amount_fen else body
    if kind == Kind.ORDER:
        return tr("下单 {details}", details=order_details(event, product_label))
    if kind == Kind.FOLLOW:
        return tr("关注了主播")
    if kind == Kind.SHARE:
        return tr("分享了直播间")
    if kind == Kind.ENTER:
        return tr("进入了直播间")
    if kind == Kind.FANSCLUB:
        level = (event.extra or {}).get("level")
        return tr("粉丝团升到 {level} 级", level=level) if level else tr("加入了粉丝团")
    if kind == Kind.COUPON_CLAIM:
        coupon = event.text or str((event.extra or {}).get("coupon_id", ""))
        return tr("领取了优惠券 {coupon}", coupon=coupon).rstrip()
    if kind == Kind.LIVE_END:
        return event.text or tr("直播已结束")
    return event.text


class FeedRow:
    """One row of the feed, computed once when it enters the model."""

    __slots__ = ("body", "display", "event", "intent", "order", "question", "search", "seq", "time")

    def __init__(self, event: LiveEvent, seq: int, product_label: ProductLabel | None = None) -> None:
        self.event = event
        self.seq = seq
        self.time = time.strftime("%H:%M:%S", time.localtime(event.ts))
        self.body = describe_body(event, product_label)
        self.order = order_details(event, product_label) if event.kind == Kind.ORDER else ""
        is_comment = event.kind == Kind.COMMENT
        self.question = is_comment and is_question(event.text)
        self.intent = is_comment and is_buying_intent(event.text)
        if event.user_name and event.kind not in (Kind.SYSTEM, Kind.LIVE_END):
            self.display = f"{self.time} {event.user_name}：{self.body}"
        else:
            self.display = f"{self.time} {self.body}"
        self.search = f"{event.user_name}\n{event.text}".casefold()


class CommentFeedModel(QAbstractListModel):
    """The last ``capacity`` feed rows, oldest first, fed in batches of at most 10 per second.

    Args:
        capacity: rows kept; the oldest are dropped beyond it.
        show_enters: whether "进入了直播间" events become rows (they can outnumber comments 10:1).
        product_label: names an order's product id as the show does ("3号 每日坚果").
        parent: the QObject owner.

    Signals:
        flushed(first_row, last_row): rows ``first_row..last_row`` (inclusive) were just appended.
    """

    flushed = Signal(int, int)

    def __init__(
        self,
        capacity: int = DEFAULT_CAPACITY,
        *,
        show_enters: bool = False,
        product_label: ProductLabel | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._capacity = capacity
        self.show_enters = show_enters
        self.product_label = product_label
        self._rows: list[FeedRow] = []
        # Only the newest `capacity` can ever be shown, so the queue needs no more.
        self._pending: deque[LiveEvent] = deque(maxlen=capacity)
        self._next_seq = 0  # running number of the next row accepted into the feed
        self.total_received = 0  # feed rows accepted since creation (including ones trimmed since)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FLUSH_INTERVAL_MS)
        self._timer.timeout.connect(self.flush_now)

    # -- feeding ----------------------------------------------------------------------------
    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def pending_count(self) -> int:
        """Events waiting for the next flush."""
        return len(self._pending)

    def accepts(self, event: LiveEvent) -> bool:
        """Whether ``event`` becomes a feed row."""
        return event.kind in FEED_KINDS or (self.show_enters and event.kind == Kind.ENTER)

    def add_events(self, events: Sequence[LiveEvent]) -> None:
        """Queue the feed-worthy ``events``; they appear at the next flush (within 100 ms)."""
        accepted = [event for event in events if self.accepts(event)]
        if not accepted:
            return
        self.total_received += len(accepted)
        self._pending.extend(accepted)
        if not self._timer.isActive():
            self._timer.start()

    def flush_now(self) -> None:
        """Move every pending event into the model: one insert, and one removal when over capacity."""
        self._timer.stop()
        if not self._pending:
            return
        # The pending queue holds at most `capacity`; anything older never enters the model.
        dropped = self.total_received - self._next_seq - len(self._pending)
        self._next_seq += dropped
        new_rows = []
        for event in self._pending:
            new_rows.append(FeedRow(event, self._next_seq, self.product_label))
            self._next_seq += 1
        self._pending.clear()
        overflow = len(self._rows) + len(new_rows) - self._capacity
        if overflow > 0:
            self.beginRemoveRows(QModelIndex(), 0, overflow - 1)
            del self._rows[:overflow]
            self.endRemoveRows()
        first = len(self._rows)
        last = first + len(new_rows) - 1
        self.beginInsertRows(QModelIndex(), first, last)
        self._rows.extend(new_rows)
        self.endInsertRows()
        self.flushed.emit(first, last)

    def clear(self) -> None:
        """Forget every row and every pending event (a new session)."""
        self._timer.stop()
        self._pending.clear()
        self.beginResetModel()
        self._rows.clear()
        self.endResetModel()

    def row_at(self, row: int) -> FeedRow:
        """The feed row at ``row`` (for filters and delegates that want everything at once)."""
        return self._rows[row]

    # -- Qt model interface -----------------------------------------------------------------
    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: ModelIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid() or index.column() != 0:
            return None
        row_number = index.row()
        if not 0 <= row_number < len(self._rows):
            return None
        row = self._rows[row_number]
        role = int(role)
        if role in (_DISPLAY, _TOOLTIP, _ACCESSIBLE):
            return row.display
        if role == FeedRole.ROW:
            return row
        if role == FeedRole.KIND:
            return str(row.event.kind)
        if role == FeedRole.USER_NAME:
            return row.event.user_name
        if role == FeedRole.TEXT:
            return row.event.text
        if role == FeedRole.TIME:
            return row.time
        if role == FeedRole.EVENT:
            return row.event
        if role == FeedRole.BODY:
            return row.body
        if role == FeedRole.QUESTION:
            return row.question
        if role == FeedRole.INTENT:
            return row.intent
        if role == FeedRole.SEQ:
            return row.seq
        return None

    def roleNames(self) -> dict[int, QByteArray]:
        names = super().roleNames()
        for role in FeedRole:
            names[int(role)] = QByteArray(role.name.lower().encode())
        return names


class FeedFilter(StrEnum):
    """The kind filter toggles above the feed."""

    ALL = "all"
    QUESTION = "question"
    INTENT = "intent"


class FeedFilterProxy(QSortFilterProxyModel):
    """Narrows the feed to rows whose user name or text contains the search (case-insensitive, fixed
    string) and, optionally, to questions or buying intent. Keeps the source order."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._needle = ""
        self._mode = FeedFilter.ALL

    @property
    def mode(self) -> FeedFilter:
        return self._mode

    @property
    def search(self) -> str:
        return self._needle

    def set_search(self, text: str) -> None:
        needle = text.strip().casefold()
        if needle == self._needle:
            return
        self._needle = needle
        self.setFilterFixedString(text.strip())  # refilters

    def set_mode(self, mode: FeedFilter) -> None:
        if mode == self._mode:
            return
        self.beginFilterChange()
        self._mode = mode
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        if self._mode is FeedFilter.ALL and not self._needle:
            return True
        source = self.sourceModel()
        if not isinstance(source, CommentFeedModel):
            return super().filterAcceptsRow(source_row, source_parent)
        row = source.row_at(source_row)
        if self._mode is FeedFilter.QUESTION and not row.question:
            return False
        if self._mode is FeedFilter.INTENT and not row.intent:
            return False
        return not self._needle or self._needle in row.search


ROW_HEIGHT = 32
TIME_PX = 12
USER_PX = 14
TEXT_PX = 15
TAG_PX = 11


class CommentDelegate(QStyledItemDelegate):
    """Paints one feed row on one line: time (dim) · user (accent, bold) · what they said (large).

    Gifts are gold, follows green, orders carry a red "下单" tag, system notices are grey italic,
    questions get a blue bar on the left and buying intent a "想要" tag.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._time_font = theme.ui_font(TIME_PX)
        self._user_font = theme.ui_font(USER_PX, bold=True)
        self._text_font = theme.ui_font(TEXT_PX)
        self._notice_font = theme.ui_font(TEXT_PX - 1)
        self._notice_font.setItalic(True)
        self._tag_font = theme.ui_font(TAG_PX, bold=True)
        self._time_width = QFontMetrics(self._time_font).horizontalAdvance("00:00:00")
        self._emoji = theme.has_emoji_font()
        self.retranslate()

    def retranslate(self) -> None:
        self._tag_intent = tr("想买")
        self._tag_order = tr("下单")

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        return QSize(200, ROW_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        row = index.data(FeedRole.ROW)
        if not isinstance(row, FeedRow):
            super().paint(painter, option, index)
            return
        painter.save()
        try:
            self._paint_row(painter, option, row)
        finally:
            painter.restore()

    def _paint_row(self, painter: QPainter, option: QStyleOptionViewItem, row: FeedRow) -> None:
        rect: QRect = option.rect  # type: ignore[attr-defined]
        state = option.state  # type: ignore[attr-defined]
        event = row.event
        kind = event.kind
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)

        if state & QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, theme.color("surface_hover"))
        elif row.question:
            tint = theme.color("question")
            tint.setAlpha(28)
            painter.fillRect(rect, tint)
        elif state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(rect, theme.color("surface"))
        if row.question:
            painter.fillRect(
                QRect(rect.left(), rect.top() + 3, 4, rect.height() - 6), theme.color("question")
            )

        x = rect.left() + 10
        right = rect.right() - 8
        painter.setFont(self._time_font)
        painter.setPen(theme.color("text_dim"))
        painter.drawText(QRect(x, rect.top(), self._time_width, rect.height()), _VCENTER_LEFT, row.time)
        x += self._time_width + 10

        if kind in (Kind.SYSTEM, Kind.LIVE_END):
            painter.setFont(self._notice_font)
            painter.setPen(theme.color("red" if kind == Kind.LIVE_END else "text_dim"))
            self._draw_elided(painter, row.body, x, right, rect)
            return

        if event.user_name:
            painter.setFont(self._user_font)
            painter.setPen(theme.color("user"))
            metrics = painter.fontMetrics()
            cap = max(72, int((right - x) * 0.32))
            name = metrics.elidedText(event.user_name, Qt.TextElideMode.ElideRight, cap)
            width = metrics.horizontalAdvance(name)
            painter.drawText(QRect(x, rect.top(), width + 2, rect.height()), _VCENTER_LEFT, name)
            x += width + 10

        painter.setFont(self._text_font)
        if kind == Kind.COMMENT:
            if row.intent:
                x = self._draw_tag(painter, self._tag_intent, theme.color("accent"), x, rect)
            painter.setPen(theme.color("text"))
        elif kind == Kind.GIFT:
            x = self._draw_gift_icon(painter, x, rect)
            painter.setPen(theme.color("gold"))
        elif kind == Kind.ORDER:
            x = self._draw_tag(painter, self._tag_order, theme.color("red"), x, rect)
            painter.setPen(theme.color("accent_soft"))
            self._draw_elided(painter, row.order, x, right, rect)
            return
        elif kind == Kind.FOLLOW:
            painter.setPen(theme.color("green"))
        elif kind == Kind.FANSCLUB:
            painter.setPen(theme.color("accent_soft"))
        elif kind == Kind.COUPON_CLAIM:
            painter.setPen(theme.color("amber"))
        else:  # share, enter
            painter.setPen(theme.color("text_dim"))
        self._draw_elided(painter, row.body, x, right, rect)

    @staticmethod
    def _draw_elided(painter: QPainter, text: str, x: int, right: int, rect: QRect) -> None:
        if right <= x:
            return
        elided = painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, right - x)
        painter.drawText(QRect(x, rect.top(), right - x, rect.height()), _VCENTER_LEFT, elided)

    def _draw_tag(self, painter: QPainter, label: str, fill: QColor, x: int, rect: QRect) -> int:
        """A small filled pill with ``label``; returns the x after it."""
        font = painter.font()
        painter.setFont(self._tag_font)
        metrics = painter.fontMetrics()
        width = metrics.horizontalAdvance(label) + 10
        height = metrics.height() + 2
        pill = QRectF(x, rect.top() + (rect.height() - height) / 2, width, height)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(pill, 4, 4)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, label)
        painter.setFont(font)
        return x + width + 6

    def _draw_gift_icon(self, painter: QPainter, x: int, rect: QRect) -> int:
        """🎁 where a colour-emoji font exists; a painted gift box where it doesn't (it would be a box)."""
        if self._emoji:
            width = painter.fontMetrics().horizontalAdvance("🎁")
            painter.drawText(QRect(x, rect.top(), width + 2, rect.height()), _VCENTER_LEFT, "🎁")
            return x + width + 4
        size = 14
        top = rect.top() + (rect.height() - size) // 2
        gold = theme.color("gold")
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(gold)
        painter.drawRoundedRect(QRectF(x + 1, top + 5, size - 2, size - 5), 1.5, 1.5)  # box
        painter.drawRoundedRect(QRectF(x, top + 2, size, 4), 1.5, 1.5)  # lid
        painter.setPen(QPen(theme.color("red"), 2))
        painter.drawLine(x + size // 2, top + 2, x + size // 2, top + size)  # ribbon
        painter.drawLine(x + size // 2, top + 2, x + size // 2 - 3, top - 1)  # bow
        painter.drawLine(x + size // 2, top + 2, x + size // 2 + 3, top - 1)
        return x + size + 6


_VCENTER_LEFT = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft


class CommentFeedView(QWidget):
    """The comment feed panel: search box, kind filters, the list and the "N 条新消息 ↓" button.

    Args:
        model: the feed model to show; a new :class:`CommentFeedModel` when ``None``.
        parent: the parent widget.
    """

    #: A pointer resting this long over the list stops pausing it.
    HOVER_PAUSE_MS = 3000

    def __init__(self, model: CommentFeedModel | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("commentFeed")
        self.model = model if model is not None else CommentFeedModel(parent=self)
        self.proxy = FeedFilterProxy(self)
        self.proxy.setSourceModel(self.model)

        self.search_box = QLineEdit(self)
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setMinimumWidth(150)
        self.search_box.textChanged.connect(self._on_search_changed)

        self.filter_group = QButtonGroup(self)
        self.filter_group.setExclusive(True)
        self.filter_buttons: dict[FeedFilter, QPushButton] = {}
        for mode in FeedFilter:
            button = QPushButton(self)
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _checked=False, m=mode: self.set_filter(m))
            self.filter_group.addButton(button)
            self.filter_buttons[mode] = button
        self.filter_buttons[FeedFilter.ALL].setChecked(True)

        self.enters_button = QPushButton(self)
        self.enters_button.setCheckable(True)
        self.enters_button.setChecked(self.model.show_enters)
        self.enters_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.enters_button.toggled.connect(self._on_enters_toggled)

        self.list_view = QListView(self)
        self.list_view.setObjectName("commentFeedList")
        self.list_view.setModel(self.proxy)
        self.delegate = CommentDelegate(self.list_view)
        self.list_view.setItemDelegate(self.delegate)
        self.list_view.setUniformItemSizes(True)
        self.list_view.setWordWrap(False)
        self.list_view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list_view.setSpacing(0)
        self.list_view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list_view.verticalScrollBar().setSingleStep(ROW_HEIGHT)
        self.list_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list_view.setMouseTracking(True)

        self.new_messages_button = QPushButton(self.list_view)
        self.new_messages_button.setObjectName("newMessagesButton")
        self.new_messages_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.new_messages_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.new_messages_button.hide()
        self.new_messages_button.clicked.connect(self.jump_to_bottom)

        filters = QHBoxLayout()
        filters.setSpacing(6)
        filters.addWidget(self.search_box, 1)
        for button in self.filter_buttons.values():
            filters.addWidget(button)
        filters.addWidget(self.enters_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addLayout(filters)
        layout.addWidget(self.list_view, 1)

        # Auto-scroll state: the user pauses the feed by scrolling up or by hovering over the list.
        # Hovering counts only while the pointer moves: a mouse left resting over the feed for the
        # whole show must not freeze it, so the pause ends HOVER_PAUSE_MS after the last movement.
        self._scrolled_away = False
        self._hovering = False
        self._hover_timer = QTimer(self)
        self._hover_timer.setSingleShot(True)
        self._hover_timer.setInterval(self.HOVER_PAUSE_MS)
        self._hover_timer.timeout.connect(self._hover_expired)
        self._new_rows = 0  # rows that arrived since the feed paused
        self._programmatic = 0  # >0 while we move the scroll bar ourselves
        self._refiltering = False
        scroll_bar = self.list_view.verticalScrollBar()
        scroll_bar.valueChanged.connect(self._on_scrolled)
        self.proxy.rowsInserted.connect(self._on_rows_inserted)
        self.proxy.rowsRemoved.connect(self._on_rows_removed)
        self.model.flushed.connect(self._on_flushed)
        self.list_view.viewport().installEventFilter(self)
        self.list_view.viewport().setMouseTracking(True)  # movement without a button held
        self.list_view.installEventFilter(self)
        self.retranslate()

    # -- public -------------------------------------------------------------------------------
    def add_events(self, events: Sequence[LiveEvent]) -> None:
        """Feed events to the model (they show within 100 ms)."""
        self.model.add_events(events)

    def retranslate(self) -> None:
        """Re-read every label (after :func:`app.core.i18n.set_language`)."""
        self.search_box.setPlaceholderText(tr("搜索用户或内容…"))
        self.filter_buttons[FeedFilter.ALL].setText(tr("全部"))
        self.filter_buttons[FeedFilter.QUESTION].setText(tr("提问"))
        self.filter_buttons[FeedFilter.QUESTION].setToolTip(tr("只看提问（带问号或“吗、多少、怎么”等）"))
        self.filter_buttons[FeedFilter.INTENT].setText(tr("想要"))
        self.filter_buttons[FeedFilter.INTENT].setToolTip(tr("只看购买意向（扣1、想要、已拍、下单…）"))
        self.enters_button.setText(tr("进场"))
        self.enters_button.setToolTip(tr("显示观众进入直播间"))
        self.delegate.retranslate()
        self._update_new_messages_button()

    @property
    def is_following(self) -> bool:
        """Whether new rows scroll into view (the user is at the bottom and not hovering)."""
        return not self._scrolled_away and not self._hovering

    @property
    def new_message_count(self) -> int:
        """Rows that arrived since the feed paused (shown on the floating button)."""
        return self._new_rows

    def set_filter(self, mode: FeedFilter) -> None:
        """Show all rows, only questions, or only buying intent."""
        self.filter_buttons[mode].setChecked(True)
        self._refilter(lambda: self.proxy.set_mode(mode))

    def set_search(self, text: str) -> None:
        """Narrow the feed to rows whose user name or text contains ``text``."""
        self.search_box.setText(text)  # textChanged refilters

    def jump_to_bottom(self) -> None:
        """Scroll to the newest row and resume following."""
        self._scrolled_away = False
        self._new_rows = 0
        self._scroll_to_bottom()
        self._update_new_messages_button()

    # -- filtering ----------------------------------------------------------------------------
    def _on_search_changed(self, text: str) -> None:
        self._refilter(lambda: self.proxy.set_search(text))

    def _on_enters_toggled(self, checked: bool) -> None:
        self.model.show_enters = checked

    def _refilter(self, change: Any) -> None:
        # A new filter shows a different list: start at its newest rows.
        self._refiltering = True
        try:
            change()
        finally:
            self._refiltering = False
        self.jump_to_bottom()

    # -- auto-scroll --------------------------------------------------------------------------
    def _scroll_to_bottom(self) -> None:
        self._programmatic += 1
        try:
            self.list_view.scrollToBottom()
        finally:
            self._programmatic -= 1

    def _on_scrolled(self, value: int) -> None:
        if self._programmatic:
            return
        at_bottom = value >= self.list_view.verticalScrollBar().maximum()
        self._scrolled_away = not at_bottom
        if at_bottom:  # every row is in view: nothing is new any more
            self._new_rows = 0
        self._update_new_messages_button()

    def _on_rows_removed(self, parent: QModelIndex, first: int, last: int) -> None:
        if self._refiltering or parent.isValid() or first != 0:
            return
        # The oldest rows left the top: move up with the content so the rows being read stay put.
        scroll_bar = self.list_view.verticalScrollBar()
        self._programmatic += 1
        try:
            scroll_bar.setValue(max(0, scroll_bar.value() - (last - first + 1) * ROW_HEIGHT))
        finally:
            self._programmatic -= 1

    def _on_rows_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        if self._refiltering or parent.isValid():
            return
        if not self.is_following:
            self._new_rows += last - first + 1

    def _on_flushed(self, _first: int, _last: int) -> None:
        if self.is_following:
            self._scroll_to_bottom()
        self._update_new_messages_button()

    def _update_new_messages_button(self) -> None:
        button = self.new_messages_button
        if self.is_following or self._new_rows == 0:
            button.hide()
            return
        button.setText(tr("{n} 条新消息 ↓", n=self._new_rows))
        button.adjustSize()
        self._place_new_messages_button()
        button.show()
        button.raise_()

    def _hover_expired(self) -> None:
        """The pointer left, or rested long enough: follow again unless the user scrolled up."""
        self._hovering = False
        if not self._scrolled_away:
            self.jump_to_bottom()

    def _place_new_messages_button(self) -> None:
        button = self.new_messages_button
        area = self.list_view.viewport().geometry()
        button.move(area.center().x() - button.width() // 2, area.bottom() - button.height() - 10)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self.list_view.viewport():
            if kind in (QEvent.Type.Enter, QEvent.Type.MouseMove, QEvent.Type.Wheel):
                self._hovering = True
                self._hover_timer.start()
            elif kind == QEvent.Type.Leave:
                self._hover_timer.stop()
                self._hover_expired()
        elif watched is self.list_view and kind == QEvent.Type.Resize:
            self._place_new_messages_button()
        return super().eventFilter(watched, event)
