"""The comment feed's data (弹幕): a bounded live model fed in batches, and the filter over it.

The model follows MusicBrainz Picard's log view: a ring buffer with a running sequence number, new
events only land in a pending queue and arm one single-shot timer, and each flush is one
``beginInsertRows(first, last)`` (plus one ``beginRemoveRows`` for the oldest rows when over
capacity). The panel that shows it is :mod:`ui.live.comment_feed`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from enum import IntEnum, StrEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)

from app.comments.rules import is_buying_intent, is_question
from app.core.events import Kind, LiveEvent
from app.core.i18n import tr
from app.core.units import format_time_of_day, format_yuan

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


ProductLabel = Callable[[str], str]
CouponLabel = Callable[[str], str]


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


def describe_body(event: LiveEvent, product_label: ProductLabel | None = None,
                  coupon_label: CouponLabel | None = None) -> str:
    """What a feed row says after the user name, in the UI language.

    ``coupon_label`` names a claimed coupon by what it gives ("满100减10"); a coupon it does not know
    (or without it) is named by the event's own text, never by its id.
    """
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
        coupon_id = str((event.extra or {}).get("coupon_id", ""))
        coupon = event.text or (coupon_label(coupon_id) if coupon_label and coupon_id else "")
        return tr("领取了优惠券 {coupon}", coupon=coupon).rstrip()
    if kind == Kind.LIVE_END:
        return event.text or tr("直播已结束")
    return event.text


class FeedRow:
    """One row of the feed, computed once when it enters the model."""

    __slots__ = ("body", "display", "event", "intent", "order", "question", "search", "seq", "time")

    def __init__(self, event: LiveEvent, seq: int, product_label: ProductLabel | None = None,
                 coupon_label: CouponLabel | None = None) -> None:
        self.event = event
        self.seq = seq
        self.time = format_time_of_day(event.ts)
        self.body = describe_body(event, product_label, coupon_label)
        self.order = order_details(event, product_label) if event.kind == Kind.ORDER else ""
        is_comment = event.kind == Kind.COMMENT
        self.question = is_comment and is_question(event.text)
        self.intent = is_comment and is_buying_intent(event.text)
        if event.user_name and event.kind not in (Kind.SYSTEM, Kind.LIVE_END):
            self.display = f"{self.time} {event.user_name}：{self.body}"
        else:
            self.display = f"{self.time} {self.body}"
        self.search = f"{event.user_name}\n{event.text}".casefold()


#: What each data role reads from a row (the delegate asks for ROW and gets everything at once).
_ROLE_READERS: dict[int, Callable[[FeedRow], Any]] = {
    _DISPLAY: lambda row: row.display,
    _TOOLTIP: lambda row: row.display,
    _ACCESSIBLE: lambda row: row.display,
    FeedRole.ROW: lambda row: row,
    FeedRole.KIND: lambda row: str(row.event.kind),
    FeedRole.USER_NAME: lambda row: row.event.user_name,
    FeedRole.TEXT: lambda row: row.event.text,
    FeedRole.TIME: lambda row: row.time,
    FeedRole.EVENT: lambda row: row.event,
    FeedRole.BODY: lambda row: row.body,
    FeedRole.QUESTION: lambda row: row.question,
    FeedRole.INTENT: lambda row: row.intent,
    FeedRole.SEQ: lambda row: row.seq,
}


class CommentFeedModel(QAbstractListModel):
    """The last ``capacity`` feed rows, oldest first, fed in batches of at most 10 per second.

    Args:
        capacity: rows kept; the oldest are dropped beyond it.
        show_enters: whether "进入了直播间" events become rows (they can outnumber comments 10:1).
        product_label: names an order's product id as the show does ("3号 每日坚果").
        coupon_label: names a claimed coupon id by what it gives ("满100减10"), "" when unknown.
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
        coupon_label: CouponLabel | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._capacity = capacity
        self.show_enters = show_enters
        self.product_label = product_label
        self.coupon_label = coupon_label
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
            new_rows.append(FeedRow(event, self._next_seq, self.product_label, self.coupon_label))
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
        read = _ROLE_READERS.get(int(role))
        return None if read is None else read(self._rows[row_number])

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
