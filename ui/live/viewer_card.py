"""The viewer card (查看此人): what one viewer did in this show, read from the session log.

Opened from the feed's right-click menu, non-modal: the anchor keeps working while it is open. It shows
the viewer's comments, gifts, orders and coupon claims of this show (the log's committed events), their
fan-club level (the latest ``fansclub`` event or comment medal), when they were first seen, whether they
came to earlier shows of the log (回头客: first seen, how many shows; app/store/returning.py), and
屏蔽此人 / 取消屏蔽. :func:`summarize` does the counting without Qt, so it is tested on its own.

The log is read off the UI thread (:func:`read_viewer_events` on the asyncio loop's executor): the card
opens at once saying 正在加载… and fills when the read returns. A card closed before that stops its load,
and a read that fails says so in the card.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QListWidget, QPushButton, QVBoxLayout, QWidget

from app.core.events import Kind, LiveEvent
from app.core.i18n import tr
from app.core.units import format_datetime, format_time_of_day, format_yuan
from app.engine.session import SessionEngine
from app.store.returning import ReturningViewers
from ui.live.comment_model import describe_body
from ui.live.feed_menu import BlockList

#: Events read for one card; a viewer with more shows their newest ones.
MAX_CARD_EVENTS = 5000
#: Rows the card's list shows (the newest).
MAX_CARD_ROWS = 200

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ViewerSummary:
    """One viewer's show, counted."""

    comments: int = 0
    gifts: int = 0
    gift_fen: int = 0
    orders: int = 0
    order_fen: int = 0
    coupon_claims: int = 0
    fan_level: int | None = None
    first_seen: float | None = None
    timeline: list[LiveEvent] = field(default_factory=list)  # what shows in the card's list


def _fan_level(event: LiveEvent) -> int | None:
    extra = event.extra or {}
    level = extra.get("level") if event.kind == Kind.FANSCLUB else (extra.get("medal") or {}).get("level")
    return level if isinstance(level, int) and not isinstance(level, bool) and level > 0 else None


def summarize(events: Sequence[LiveEvent]) -> ViewerSummary:
    """Count a viewer's events (in ``seq`` order)."""
    summary = ViewerSummary()
    for event in events:
        if summary.first_seen is None:
            summary.first_seen = event.ts
        level = _fan_level(event)
        if level is not None:
            summary.fan_level = level
        kind = event.kind
        if kind == Kind.COMMENT:
            summary.comments += 1
        elif kind == Kind.GIFT:
            summary.gifts += max(1, event.count)
            summary.gift_fen += event.amount_fen
        elif kind == Kind.ORDER:
            summary.orders += 1
            summary.order_fen += event.amount_fen
        elif kind == Kind.COUPON_CLAIM:
            summary.coupon_claims += 1
        else:
            continue
        summary.timeline.append(event)
    return summary


class ViewerCard(QDialog):
    """A non-modal card about one viewer of this show; it says 正在加载… until :meth:`show_events`.

    Args:
        event: the feed event the card was opened from (names the viewer).
        block_list: for 屏蔽此人 / 取消屏蔽.
        returning: the viewers of the log's earlier shows (the card says when this one first came).
    """

    def __init__(self, event: LiveEvent, block_list: BlockList, parent: QWidget | None = None,
                 returning: ReturningViewers | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("viewerCard")
        self.returning = returning if returning is not None else ReturningViewers()
        self.setModal(False)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.viewer = event
        self.block_list = block_list
        self.summary: ViewerSummary | None = None
        self.loading: asyncio.Task[None] | None = None
        self.setWindowTitle(tr("观众：{user}", user=event.user_name or tr("匿名观众")))
        self.facts = QLabel(tr("正在加载…"), self)
        self.facts.setObjectName("viewerFacts")
        self.facts.setWordWrap(True)
        self.history = QListWidget(self)
        self.block_button = QPushButton(self)
        self.block_button.clicked.connect(self._toggle_block)
        close = QPushButton(tr("关闭"), self)
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.block_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.facts)
        layout.addWidget(self.history, 1)
        layout.addLayout(buttons)
        self._update_block_button()
        self.resize(460, 420)
        self.finished.connect(self._stop_loading)

    def load(self, engine: SessionEngine) -> asyncio.Task[None]:
        """Read the viewer's events of this show off the UI thread and fill the card when they arrive."""
        self.loading = asyncio.ensure_future(self._load(engine))
        return self.loading

    async def _load(self, engine: SessionEngine) -> None:
        try:
            events = await read_viewer_events(engine, self.viewer)
        except sqlite3.Error as exc:
            log.warning("viewer card: cannot read the session log: %s", exc)
            if shiboken6.isValid(self):
                self.facts.setText(tr("读不到此人的记录，请稍后再打开"))
            return
        if shiboken6.isValid(self):  # closed while the read ran: nothing to fill
            self.show_events(events)

    def show_events(self, events: Sequence[LiveEvent]) -> None:
        """Fill the card with the viewer's events of this show (in ``seq`` order)."""
        self.summary = summarize(events)
        self.facts.setText(self._facts_text(self.summary))
        self.history.clear()
        for item in self.summary.timeline[-MAX_CARD_ROWS:]:
            self.history.addItem(f"{format_time_of_day(item.ts)}  {describe_body(item)}")
        self.history.scrollToBottom()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._stop_loading()
        super().closeEvent(event)

    def _stop_loading(self) -> None:
        if self.loading is not None and not self.loading.done():
            self.loading.cancel()

    @property
    def blocked(self) -> bool:
        return self.viewer.user_id in self.block_list.moderation.blocked

    def _facts_text(self, s: ViewerSummary) -> str:
        level = tr("粉丝团 {level} 级", level=s.fan_level) if s.fan_level else tr("未加入粉丝团")
        first = format_time_of_day(s.first_seen) if s.first_seen is not None else "—"
        lines = [
            f"{self.viewer.user_name}  ·  {level}  ·  {tr('首次出现 {time}', time=first)}",
            tr("评论 {n} 条 · 礼物 {gifts} 个（¥{gift_yuan}）", n=s.comments, gifts=s.gifts,
               gift_yuan=format_yuan(s.gift_fen)),
            tr("下单 {n} 笔（¥{yuan}） · 领券 {claims} 次", n=s.orders, yuan=format_yuan(s.order_fen),
               claims=s.coupon_claims),
        ]
        return "\n".join([*lines, *self._past_visits()])

    def _past_visits(self) -> list[str]:
        """回头客 since when and how many earlier shows, or that the earlier shows looked at never saw them."""
        if not self.returning.sessions:
            return []  # no earlier show in this log
        past = self.returning.get(self.viewer.user_id)
        if past is None:
            return [tr("之前 {n} 场没来过", n=self.returning.sessions)]
        return [tr("回头客 · 首次来 {date} · 之前来过 {shows} 场", date=format_datetime(past.first_seen, seconds=False),
                   shows=past.shows)]

    def _toggle_block(self) -> None:
        if self.blocked:
            self.block_list.unblock(self.viewer.user_id)
        else:
            self.block_list.block(self.viewer)
        self._update_block_button()

    def _update_block_button(self) -> None:
        self.block_button.setText(tr("取消屏蔽") if self.blocked else tr("屏蔽此人"))
        self.block_button.setEnabled(bool(self.viewer.user_id))


async def read_viewer_events(engine: SessionEngine, event: LiveEvent) -> list[LiveEvent]:
    """The viewer's committed events of this show, read from the engine's log on a worker thread, plus
    ``event`` itself when it is not committed yet (the comment clicked may still be on its way)."""
    session_id = engine.state.session_id
    events: list[LiveEvent] = []
    if engine.log is not None and session_id is not None and event.user_id:
        events = await asyncio.to_thread(engine.log.viewer_events, session_id, event.user_id, MAX_CARD_EVENTS)
    if not any(e.seq == event.seq for e in events):
        events.append(event)
    return events


def open_viewer_card(event: LiveEvent, block_list: BlockList, parent: QWidget | None = None,
                     returning: ReturningViewers | None = None) -> ViewerCard:
    """Show the viewer's card (non-modal) at once; it fills when the log has been read (``card.loading``)."""
    card = ViewerCard(event, block_list, parent, returning)
    card.show()
    card.load(block_list.runner.engine)
    return card
