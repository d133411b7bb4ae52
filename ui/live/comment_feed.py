"""The comment feed panel (弹幕): search, kind filters, the list and its painter.

The view scrolls with new rows only while the user sits at the bottom and is not hovering over the
list; otherwise it keeps the rows the user is reading in place and offers a "N 条新消息 ↓" button.
The rows come from :class:`~ui.live.comment_model.CommentFeedModel`.

Under the filters a second row holds the tools for a busy room: 显示 (which of 进场, 点赞, 关注, 分享,
礼物 become rows), 慢速 (a readable pace), 暂停, the "还有 N 条" catch-up count, and the live intent
counters ("3号 扣1 ×27", set by the main window from :class:`app.comments.counters.IntentCounter`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.events import Kind, LiveEvent
from app.core.i18n import tr
from ui.common import theme
from ui.common.elided_label import ElidedLabel
from ui.live.comment_model import (
    TOGGLED_KINDS,
    CommentFeedModel,
    FeedFilter,
    FeedFilterProxy,
    FeedRole,
    FeedRow,
    ModelIndex,
)

ROW_HEIGHT = 32
TOOL_HEIGHT = 20  # the tools row's buttons: smaller than the filters, they are used less often
#: The tools row's buttons' object name: the theme gives them less padding (resources/theme/dark.qss), so
#: their fixed height holds and the row costs the list no more than it must on a 768-px laptop screen.
TOOL_NAME = "feedTool"
#: The intent counters ask for at most this much of the tools row; they elide to what is left.
INTENT_WIDEST_PX = 420
TIME_PX = 12
USER_PX = 14
TEXT_PX = 15
TAG_PX = 11


class CommentDelegate(QStyledItemDelegate):
    """Paints one feed row on one line: time (dim) · user (accent, bold) · what they said (large).

    Gifts are gold, follows green, orders carry a red "下单" tag, system notices are grey italic,
    questions get a blue bar on the left and buying intent a "想要" tag. A VIP carries a gold 贵宾 tag
    and a fan-club member a 粉丝 tag before the name, a viewer seen in an earlier show a green 回头客
    tag, an ad a grey 广告 tag, and a text that came several times within a few seconds its count "×N"
    at the right.
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
        self._highlight_tags = {"vip": (tr("贵宾"), "gold"), "fans": (tr("粉丝"), "accent_soft"),
                                "returning": (tr("回头客"), "green")}
        self._tag_spam = tr("广告")

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

        if row.repeat > 1:
            right = self._draw_repeat(painter, row.repeat, right, rect)
        if row.highlight:
            label, color = self._highlight_tags[row.highlight]
            x = self._draw_tag(painter, label, theme.color(color), x, rect)
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
            if row.spam:
                x = self._draw_tag(painter, self._tag_spam, theme.color("text_dim"), x, rect)
            elif row.intent:
                x = self._draw_tag(painter, self._tag_intent, theme.color("accent"), x, rect)
            painter.setPen(theme.color("text_dim" if row.spam else "text"))
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

    def _draw_repeat(self, painter: QPainter, repeat: int, right: int, rect: QRect) -> int:
        """"×N" flush right in the accent colour; returns the right edge left for the text."""
        font = painter.font()
        painter.setFont(self._user_font)
        label = f"×{repeat}"
        width = painter.fontMetrics().horizontalAdvance(label) + 4
        painter.setPen(theme.color("accent"))
        painter.drawText(QRect(right - width, rect.top(), width, rect.height()),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, label)
        painter.setFont(font)
        return right - width - 8

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

    #: The kinds shown changed (the 显示 menu): the kinds now hidden, for the settings.
    hidden_kinds_changed = Signal(list)

    def __init__(self, model: CommentFeedModel | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("commentFeed")
        self.model = model if model is not None else CommentFeedModel(parent=self)
        self.proxy = FeedFilterProxy(self)
        self.proxy.setSourceModel(self.model)

        self._build_filter_bar()
        self._build_list()
        filters = QHBoxLayout()
        filters.setSpacing(6)
        filters.addWidget(self.search_box, 1)
        for button in self.filter_buttons.values():
            filters.addWidget(button)
        self._build_tools_row()
        tools = self._tools = QHBoxLayout()
        tools.setSpacing(6)
        for widget in (self.kinds_button, self.slow_button, self.pause_button, self.backlog_label):
            tools.addWidget(widget)
        tools.addStretch(1)
        tools.addWidget(self.intent_label)
        layout = QVBoxLayout(self)
        # Tight margins: the tools row must not cost the list rows on a 768-px laptop screen.
        layout.setContentsMargins(6, 3, 6, 2)
        layout.setSpacing(2)
        layout.addLayout(filters)
        layout.addLayout(tools)
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
        self.model.backlog_changed.connect(self._on_backlog_changed)
        self.list_view.viewport().installEventFilter(self)
        self.list_view.viewport().setMouseTracking(True)  # movement without a button held
        self.list_view.installEventFilter(self)
        self.retranslate()

    def _build_filter_bar(self) -> None:
        """The search box, the all / question / intent toggles and the 进场 switch."""
        self.search_box = QLineEdit(self)
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setMinimumWidth(110)
        self.search_box.textChanged.connect(self._on_search_changed)

        self.filter_group = QButtonGroup(self)
        self.filter_group.setExclusive(True)
        # Tool buttons, not push buttons: a push button is at least 80 px wide, and the feed must leave
        # room for the questions pane beside it on a 1366-px laptop.
        self.filter_buttons: dict[FeedFilter, QToolButton] = {}
        for mode in FeedFilter:
            button = QToolButton(self)
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _checked=False, m=mode: self.set_filter(m))
            self.filter_group.addButton(button)
            self.filter_buttons[mode] = button
        self.filter_buttons[FeedFilter.ALL].setChecked(True)

    def _build_tools_row(self) -> None:
        """显示 (kinds menu), 慢速, 暂停, the backlog count and the intent counters."""
        self.kinds_button = QToolButton(self)
        self.kinds_button.setObjectName(TOOL_NAME)
        self.kinds_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.kinds_button.setAutoRaise(True)
        self.kinds_button.setFixedHeight(TOOL_HEIGHT)
        self.kinds_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.kinds_menu = QMenu(self.kinds_button)
        self.kind_actions: dict[str, QAction] = {}
        for kind in TOGGLED_KINDS:
            action = QAction(self.kinds_menu)
            action.setCheckable(True)
            action.setChecked(kind not in self.model.hidden_kinds)
            action.toggled.connect(lambda shown, k=kind: self.set_kind_shown(k, shown))
            self.kinds_menu.addAction(action)
            self.kind_actions[kind] = action
        self.kinds_button.setMenu(self.kinds_menu)
        self.slow_button = self._tool_toggle(self.model.set_slow)
        self.pause_button = self._tool_toggle(self.model.set_paused)
        self.backlog_label = QLabel(self)
        self.backlog_label.setObjectName("feedBacklog")
        self.backlog_label.hide()
        # Three products' counters want ~340 px in English: they give way to the window, not widen it.
        self.intent_label = ElidedLabel(INTENT_WIDEST_PX, self, tooltip=True)
        self.intent_label.setObjectName("feedIntent")

    def _tool_toggle(self, slot: Any) -> QToolButton:
        button = QToolButton(self)
        button.setObjectName(TOOL_NAME)
        button.setCheckable(True)
        button.setAutoRaise(True)
        button.setFixedHeight(TOOL_HEIGHT)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.toggled.connect(slot)
        return button

    def _build_list(self) -> None:
        """The list with its delegate, and the floating "N 条新消息 ↓" button over it."""
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

    # -- public -------------------------------------------------------------------------------
    def add_events(self, events: Sequence[LiveEvent]) -> None:
        """Feed events to the model (they show within 50 ms, at once after a quiet spell)."""
        self.model.add_events(events)

    def retranslate(self) -> None:
        """Re-read every label (after :func:`app.core.i18n.set_language`)."""
        self.search_box.setPlaceholderText(tr("搜索用户或内容…"))
        self.filter_buttons[FeedFilter.ALL].setText(tr("全部"))
        self.filter_buttons[FeedFilter.QUESTION].setText(tr("提问"))
        self.filter_buttons[FeedFilter.QUESTION].setToolTip(tr("只看提问（带问号或“吗、多少、怎么”等）"))
        self.filter_buttons[FeedFilter.INTENT].setText(tr("想要"))
        self.filter_buttons[FeedFilter.INTENT].setToolTip(tr("只看购买意向（扣1、想要、已拍、下单…）"))
        self.kinds_button.setText(tr("显示"))
        self.kinds_button.setToolTip(tr("选择评论区显示哪些消息"))
        labels = {"enter": tr("进场消息"), "like": tr("点赞消息"), "follow": tr("关注消息"),
                  "share": tr("分享消息"), "gift": tr("礼物消息")}
        for kind, action in self.kind_actions.items():
            action.setText(labels[kind])
        self.slow_button.setText(tr("慢速"))
        self.slow_button.setToolTip(tr("每秒只出几条，跟得上读；其余排队"))
        self.pause_button.setText(tr("暂停"))
        self.pause_button.setToolTip(tr("暂停滚动，新消息排队"))
        self._on_backlog_changed(self.model.backlog)
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

    def set_kind_shown(self, kind: str, shown: bool) -> None:
        """Show or hide one of 进场, 点赞, 关注, 分享, 礼物 from now on (and tell the settings)."""
        self.model.set_kind_shown(kind, shown)
        action = self.kind_actions[kind]
        if action.isChecked() != shown:
            action.setChecked(shown)  # toggled calls back here; the model already agrees
            return
        self.hidden_kinds_changed.emit(sorted(self.model.hidden_kinds))

    def add_tool(self, widget: QWidget) -> None:
        """Put ``widget`` in the tools row, after 暂停 and the backlog count."""
        widget.setFixedHeight(TOOL_HEIGHT)
        if isinstance(widget, QToolButton):
            widget.setObjectName(TOOL_NAME)
            widget.setAutoRaise(True)
        self._tools.insertWidget(self._tools.indexOf(self.backlog_label) + 1, widget)

    def set_intent_summary(self, text: str) -> None:
        """The intent counters' line ("3号 扣1 ×27 · 5号 扣1 ×9"), empty when nobody wants anything."""
        self.intent_label.set_full_text(text)

    def refresh_blocked(self) -> None:
        """The block list changed: a blocked viewer's rows leave the list at once."""
        self._refilter(self.proxy.refresh_blocked)

    def _on_backlog_changed(self, count: int) -> None:
        self.backlog_label.setVisible(count > 0)
        if count:
            self.backlog_label.setText(tr("还有 {n} 条", n=count))

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
