"""The comment feed's data (弹幕): a bounded live model fed in batches, and the filter over it.

The model follows MusicBrainz Picard's log view: a ring buffer with a running sequence number, new
events only land in a pending queue and arm one single-shot timer, and each flush is one
``beginInsertRows(first, last)`` (plus one ``beginRemoveRows`` for the oldest rows when over
capacity). The panel that shows it is :mod:`ui.live.comment_feed`.

On top of that, for a busy room (docs/comments.md): a :class:`~app.comments.moderation.Moderation`
keeps blocked viewers, hidden keywords and (optionally) spam out before anything is queued; the kinds
the user switched off (进场, 点赞, 关注, 分享, 礼物) never become rows; the same comment text within
:data:`MERGE_WINDOW_S` seconds is one row "×N"; and slow mode or pause holds rows back in the pending
queue (``backlog``) instead of dropping them.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Container, Sequence
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

from app.comments.moderation import Moderation
from app.comments.tags import CommentTags, tags_of
from app.core.events import Kind, LiveEvent
from app.core.i18n import tr
from app.core.units import format_time_of_day, format_yuan
from ui.common.rows_changed import emit_rows_changed

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
#: Kinds the user may show or hide (the feed's 显示 menu); enters and likes start hidden.
TOGGLED_KINDS: tuple[str, ...] = (Kind.ENTER, Kind.LIKE, Kind.FOLLOW, Kind.SHARE, Kind.GIFT)
DEFAULT_HIDDEN_KINDS: frozenset[str] = frozenset({Kind.ENTER, Kind.LIKE})
#: The same comment text within this many seconds of a row is counted on that row ("×N").
MERGE_WINDOW_S = 5.0
#: Slow mode shows one row per SLOW_INTERVAL_MS: about four a second, a pace the anchor can read.
SLOW_INTERVAL_MS = 250

DEFAULT_CAPACITY = 5000
FLUSH_INTERVAL_MS = 50  # at most as often as the engine batches (20 Hz): a batch is shown as it comes

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
    REPEAT = _USER + 11  # int: how many times this text came within MERGE_WINDOW_S (1 = once)
    HIGHLIGHT = _USER + 12  # str: "vip", "fans", "returning" (回头客, seen in an earlier show) or ""
    SPAM = _USER + 13  # bool: an ad or spam comment (flagged when it is shown)
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
    if kind == Kind.LIKE:
        return tr("点了 {count} 个赞", count=max(1, event.count))
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


def viewer_highlight(event: LiveEvent) -> str:
    """"vip" for a guard/VIP (``extra.guard_level``), "fans" for a fan-club medal (``extra.medal``), else ""."""
    extra = event.extra
    if not extra:
        return ""
    guard = extra.get("guard_level")
    if isinstance(guard, int) and not isinstance(guard, bool) and guard > 0:
        return "vip"
    medal = extra.get("medal")
    return "fans" if isinstance(medal, dict) and medal.get("level") else ""


def merge_key(event: LiveEvent) -> str:
    """What makes two comments "the same text": stripped and case-folded."""
    return event.text.strip().casefold()


class FeedRow:
    """One row of the feed, computed once when it enters the model (``repeat`` grows as copies merge)."""

    __slots__ = ("body", "display", "event", "highlight", "intent", "order", "question", "repeat", "search",
                 "seq", "slot", "spam", "tags", "time")

    def __init__(self, event: LiveEvent, seq: int, product_label: ProductLabel | None = None,
                 coupon_label: CouponLabel | None = None, tags: CommentTags | None = None) -> None:
        self.event = event
        self.seq = seq
        self.slot = 0  # the row's place among every row ever appended (set by the model)
        self.repeat = 1
        self.time = format_time_of_day(event.ts)
        self.body = describe_body(event, product_label, coupon_label)
        self.order = order_details(event, product_label) if event.kind == Kind.ORDER else ""
        is_comment = event.kind == Kind.COMMENT
        self.tags = tags if tags is not None else (tags_of(event.text) if is_comment else CommentTags())
        self.question = self.tags.question is not None
        self.intent = self.tags.intent
        self.spam = self.tags.spam
        self.highlight = viewer_highlight(event)
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
    FeedRole.REPEAT: lambda row: row.repeat,
    FeedRole.HIGHLIGHT: lambda row: row.highlight,
    FeedRole.SPAM: lambda row: row.spam,
}


class CommentFeedModel(QAbstractListModel):
    """The last ``capacity`` feed rows, oldest first, fed in batches of at most 10 per second.

    Args:
        capacity: rows kept; the oldest are dropped beyond it.
        show_enters: whether "进入了直播间" events become rows (they can outnumber comments 10:1).
        hidden_kinds: the toggled kinds (:data:`TOGGLED_KINDS`) that do not become rows; overrides
            ``show_enters`` when given.
        moderation: who and what to leave out (blocked viewers, keywords, spam); none by default.
        product_label: names an order's product id as the show does ("3号 每日坚果").
        coupon_label: names a claimed coupon id by what it gives ("满100减10"), "" when unknown.
        parent: the QObject owner.

    Signals:
        flushed(first_row, last_row): rows ``first_row..last_row`` (inclusive) were just appended.
        backlog_changed(count): events held back by slow mode or pause, after each flush.
    """

    flushed = Signal(int, int)
    backlog_changed = Signal(int)

    def __init__(
        self,
        capacity: int = DEFAULT_CAPACITY,
        *,
        show_enters: bool = False,
        product_label: ProductLabel | None = None,
        coupon_label: CouponLabel | None = None,
        hidden_kinds: Sequence[str] | None = None,
        moderation: Moderation | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._capacity = capacity
        if hidden_kinds is None:
            hidden_kinds = [k for k in DEFAULT_HIDDEN_KINDS if not (show_enters and k == Kind.ENTER)]
        self.hidden_kinds: set[str] = {k for k in hidden_kinds if k in TOGGLED_KINDS}
        self.moderation = moderation if moderation is not None else Moderation()
        self.merged_count = 0  # comments counted on an earlier row instead of becoming one
        self._slow = False
        self._paused = False
        self._appended = 0  # rows ever appended (a row's slot is its place in that count)
        self._merge_rows: dict[str, FeedRow] = {}  # merge key → the latest row with that text
        self.product_label = product_label
        self.coupon_label = coupon_label
        #: Viewers seen in an earlier show of the log (app/store/returning.py), marked 回头客 from now on.
        self.returning: Container[str] = frozenset()
        self._rows: list[FeedRow] = []
        # Only the newest `capacity` can ever be shown, so the queue needs no more.
        self._pending: deque[LiveEvent] = deque(maxlen=capacity)
        self._next_seq = 0  # running number of the next row accepted into the feed
        self.total_received = 0  # feed rows accepted since creation (including ones trimmed since)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush_now)
        self._interval_ms = FLUSH_INTERVAL_MS
        self._flushed_at = -1.0  # time.monotonic() of the last flush

    # -- feeding ----------------------------------------------------------------------------
    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def pending_count(self) -> int:
        """Events waiting for the next flush."""
        return len(self._pending)

    @property
    def show_enters(self) -> bool:
        return Kind.ENTER not in self.hidden_kinds

    @show_enters.setter
    def show_enters(self, shown: bool) -> None:
        self.set_kind_shown(Kind.ENTER, shown)

    def set_kind_shown(self, kind: str, shown: bool) -> None:
        """Show or hide one of :data:`TOGGLED_KINDS` from now on (rows already in the feed stay)."""
        if shown:
            self.hidden_kinds.discard(kind)
        elif kind in TOGGLED_KINDS:
            self.hidden_kinds.add(kind)

    @property
    def backlog(self) -> int:
        """Events held back by slow mode or pause (the "还有 N 条" count)."""
        return len(self._pending) if (self._slow or self._paused) else 0

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def slow(self) -> bool:
        return self._slow

    def set_paused(self, paused: bool) -> None:
        """Hold every new row back (pause) or let them in again, slowly in slow mode."""
        self._paused = paused
        self._arm()
        if paused:
            self.backlog_changed.emit(self.backlog)

    def set_slow(self, slow: bool) -> None:
        """Slow mode: one row every SLOW_INTERVAL_MS, the rest wait in the backlog."""
        self._slow = slow
        self._interval_ms = SLOW_INTERVAL_MS if slow else FLUSH_INTERVAL_MS
        self._arm()

    def _arm(self) -> None:
        """Time the next flush: at the next turn of the loop when the last one is an interval ago (the
        first comment after a pause waits for nothing), else when that interval is over; never sooner."""
        if self._pending and not self._paused and not self._timer.isActive():
            since_ms = (time.monotonic() - self._flushed_at) * 1000
            self._timer.start(max(0, round(self._interval_ms - since_ms)))

    def accepts(self, event: LiveEvent) -> bool:
        """Whether ``event`` becomes a feed row (its kind is shown and moderation lets it through)."""
        kind = event.kind
        if kind in self.hidden_kinds:
            return False
        if kind not in FEED_KINDS and kind not in TOGGLED_KINDS:
            return False
        return not self.moderation.hides(event)

    def add_events(self, events: Sequence[LiveEvent]) -> None:
        """Queue the feed-worthy ``events``; they appear at the next flush (within 50 ms)."""
        accepted = [event for event in events if self.accepts(event)]
        if not accepted:
            return
        self.total_received += len(accepted)
        self._pending.extend(accepted)
        self._arm()

    def flush_now(self) -> None:
        """Move pending events into the model: one insert, and one removal when over capacity.

        Every pending event normally; one in slow mode, none while paused (they wait as ``backlog``)."""
        self._timer.stop()
        self._flushed_at = time.monotonic()
        if not self._pending or self._paused:
            self.backlog_changed.emit(self.backlog)
            return
        # The pending queue holds at most `capacity`; anything older never enters the model.
        dropped = self.total_received - self._next_seq - len(self._pending)
        self._next_seq += dropped
        take = 1 if self._slow else len(self._pending)
        first_slot = self._appended - len(self._rows)
        new_rows, merged_into = self._rows_for([self._pending.popleft() for _ in range(take)])
        self._emit_repeats(merged_into, first_slot)
        if self._pending:
            self._timer.start(self._interval_ms)
        if not new_rows:
            self.backlog_changed.emit(self.backlog)
            return
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
        self.backlog_changed.emit(self.backlog)

    def _rows_for(self, events: list[LiveEvent]) -> tuple[list[FeedRow], list[FeedRow]]:
        """The new rows for ``events``, and the rows already shown that a repeated comment counted on."""
        new_rows: list[FeedRow] = []
        merged_into: list[FeedRow] = []
        if len(self._merge_rows) > 4 * self._capacity:
            self._merge_rows.clear()
        for event in events:
            seq = self._next_seq
            self._next_seq += 1
            key = merge_key(event) if event.kind == Kind.COMMENT else ""
            earlier = self._merge_rows.get(key) if key else None
            if earlier is not None and 0 <= event.ts - earlier.event.ts <= MERGE_WINDOW_S:
                earlier.repeat += 1
                self.merged_count += 1
                if earlier.slot < self._appended:  # already in the model: repaint it
                    merged_into.append(earlier)
                continue
            row = FeedRow(event, seq, self.product_label, self.coupon_label)
            if not row.highlight and event.user_id and event.user_id in self.returning:
                row.highlight = "returning"
            row.slot = self._appended + len(new_rows)
            new_rows.append(row)
            if key:
                self._merge_rows[key] = row
        self._appended += len(new_rows)
        return new_rows, merged_into

    def _emit_repeats(self, rows: list[FeedRow], first_slot: int) -> None:
        """Repaint rows whose ×N grew (those still in the model; ``first_slot`` is row 0's slot)."""
        emit_rows_changed(self, (row.slot - first_slot for row in rows if row.slot >= first_slot), [FeedRole.REPEAT])

    def clear(self) -> None:
        """Forget every row and every pending event (a new session)."""
        self._timer.stop()
        self._pending.clear()
        self._merge_rows.clear()
        self.beginResetModel()
        self._appended = 0
        self._rows.clear()
        self.endResetModel()

    def mark_returning(self, returning: Container[str]) -> None:
        """Mark the viewers in ``returning`` 回头客 (unless VIP or fan), the rows on screen too."""
        self.returning = returning
        marked = [i for i, row in enumerate(self._rows)
                  if not row.highlight and row.event.user_id and row.event.user_id in returning]
        for i in marked:
            self._rows[i].highlight = "returning"
        emit_rows_changed(self, marked)

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

    def refresh_blocked(self) -> None:
        """Refilter after the block list changed: a blocked viewer's earlier rows leave the feed too."""
        self.beginFilterChange()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        source = self.sourceModel()
        blocked = source.moderation.blocked if isinstance(source, CommentFeedModel) else None
        if self._mode is FeedFilter.ALL and not self._needle and not blocked:
            return True
        if not isinstance(source, CommentFeedModel):
            return super().filterAcceptsRow(source_row, source_parent)
        row = source.row_at(source_row)
        if blocked and row.event.user_id in blocked:
            return False
        if self._mode is FeedFilter.QUESTION and not row.question:
            return False
        if self._mode is FeedFilter.INTENT and not row.intent:
            return False
        return not self._needle or self._needle in row.search
