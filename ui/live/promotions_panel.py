"""The 营销 dock: flash sales (秒杀), coupon drops (发券), lucky bags (福袋) and notes to the anchor.

Every action is a :class:`~app.core.events.Command` sent through ``engine.execute``; everything on screen is
read back from ``engine.state`` (the panel keeps no copy of it). Countdowns are derived from the
engine's monotonic deadlines at each refresh, so a frozen UI shows the true remaining time the moment it
draws again. The running sale is shown big over the tabs (smaller on a laptop, where the anchor
strip carries the big countdown, so the 秒杀 form's buttons stay on screen). One QTimer (5 Hz) calls
``engine.tick()`` and redraws the countdowns; it runs only while a flash sale or a lucky bag is running.

Each tab is its own widget (:mod:`ui.live.flash_sale_tab`, :mod:`ui.live.coupon_tab`,
:mod:`ui.live.lucky_bag_tab`). A *prepared* flash sale or coupon is a ready :class:`Command` with ONE
``command_id`` generated when it was prepared: a double click, a hotkey pressed twice or a retry sends
that same id, and the engine answers ``duplicate`` (nothing happens twice).
"""

from __future__ import annotations

import logging

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.commerce.effects import Change
from app.commerce.promotions import FlashSale
from app.core.events import Command
from app.core.i18n import tr
from app.core.units import format_fen
from app.engine.commands import CommandResult
from app.engine.session import SessionEngine
from ui.live.coupon_tab import CouponTab
from ui.live.flash_sale_tab import FlashSaleTab
from ui.live.lucky_bag_tab import LuckyBagTab
from ui.live.promotion_fields import CountdownBadge, countdown_text, say

__all__ = ["TICK_MS", "CountdownBadge", "PromotionsPanel", "countdown_text"]

log = logging.getLogger("livedeck.ui.promotions")

#: 5 Hz: a seconds display is never more than 0.2 s late, and the loop barely notices.
TICK_MS = 200
#: A window shorter than this (a 1366×768 laptop) shows the running sale in one row, its countdown at
#: :data:`COMPACT_COUNTDOWN_PX` instead of the theme's 96 px.
COMPACT_HEIGHT_PX = 900
COMPACT_COUNTDOWN_PX = 44
#: The 秒杀记录 list's height then (about one line; it scrolls).
COMPACT_RECORD_PX = 40


class PromotionsPanel(QWidget):
    """Flash sales, coupons, lucky bags and a note box, over one engine.

    Attributes:
        sale_tab / coupon_tab / bag_tab: the three forms (:class:`FlashSaleTab`, :class:`CouponTab`,
            :class:`LuckyBagTab`).

    Signals:
        countdown(caption, text, tone): the headline countdown after each refresh (tone '' when
            nothing runs); the header shows it.
    """

    countdown = Signal(str, str, str)

    def __init__(self, engine: SessionEngine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("promotionsPanel")
        self.engine = engine
        self._dirty: set[str] = set()
        self._compact = False
        self.live_box = self._build_live_sale()
        self.tabs = QTabWidget(self)
        self.sale_tab = FlashSaleTab(engine, self._send, self)
        self.coupon_tab = CouponTab(engine, self._send, self)
        self.bag_tab = LuckyBagTab(engine, self._send, self)
        self.tabs.addTab(self.sale_tab, tr("秒杀"))
        self.tabs.addTab(self.coupon_tab, tr("发券"))
        self.tabs.addTab(self.bag_tab, tr("福袋"))
        self.tabs.currentChanged.connect(self._size_to_current_tab)
        self._size_to_current_tab(self.tabs.currentIndex())
        self._place_live_sale()

        # -- a note to the anchor's teleprompter ---------------------------------------------------------
        self.note_edit = QLineEdit(self)
        self.note_edit.setPlaceholderText(tr("给主播的提醒，回车发送"))
        self.note_button = QPushButton(tr("发给主播"), self)
        self.note_status = QLabel(self)
        self.note_status.setObjectName("fieldError")
        self.note_status.hide()
        self.note_edit.returnPressed.connect(self.send_note)
        self.note_button.clicked.connect(self.send_note)
        note_row = QHBoxLayout()
        note_row.addWidget(self.note_edit, 1)
        note_row.addWidget(self.note_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.live_box)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(note_row)
        layout.addWidget(self.note_status)

        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._on_tick)
        self._unsubscribe = engine.subscribe_changes(self._on_change)
        self._waiting: dict[str, QLabel] = {}  # on a seat: command id → the label its outcome goes to
        self._unsubscribe_results = engine.subscribe_results(self._on_result)
        self.redraw()

    def _build_live_sale(self) -> QWidget:
        """The running flash sale, big: product and price, countdown, stock bar, stop button."""
        self.sale_badge = CountdownBadge(self, big=True)
        self.sale_title = QLabel(self)
        self.sale_title.setObjectName("saleTitle")
        self.sale_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.sale_title.setWordWrap(True)  # a long name wraps instead of widening the dock on a laptop
        self.sale_progress = QProgressBar(self)
        self.sale_progress.setObjectName("saleProgress")
        self.sale_progress.setTextVisible(True)
        self.stop_sale_button = QPushButton(tr("停止秒杀"), self)
        self.stop_sale_button.clicked.connect(self.stop_running_sale)
        live = QWidget(self)
        live.setObjectName("liveSale")
        self._live_grid = QGridLayout(live)
        self._live_grid.setContentsMargins(8, 4, 8, 8)
        progress_row = QHBoxLayout()  # side by side: the form under it keeps its room on a laptop
        progress_row.addWidget(self.sale_progress, 1)
        progress_row.addWidget(self.stop_sale_button)
        self._live_grid.addLayout(progress_row, 2, 0, 1, 2)
        return live

    def _place_live_sale(self) -> None:
        """Title over the countdown; compact: the title beside a smaller countdown without its caption."""
        grid, compact = self._live_grid, self._compact
        grid.removeWidget(self.sale_title)
        grid.removeWidget(self.sale_badge)
        grid.addWidget(self.sale_title, 0, 0, 1, 1 if compact else 2)
        grid.addWidget(self.sale_badge, 0 if compact else 1, 1 if compact else 0, 1, 1 if compact else 2)
        self.sale_badge.caption.setVisible(not compact)
        self.sale_badge.value.setStyleSheet(f"font-size: {COMPACT_COUNTDOWN_PX}px;" if compact else "")
        grid.setContentsMargins(*((6, 2, 6, 4) if compact else (8, 4, 8, 8)))
        self.sale_tab.ended_sales.setMaximumHeight(COMPACT_RECORD_PX if compact else 16_777_215)

    def _size_to_current_tab(self, current: int) -> None:
        """The tabs take the room of the tab shown, not of the tallest (the 福袋 form is taller than the
        秒杀 one, and on a laptop that pushed 开始秒杀 below the fold)."""
        for index, tab in enumerate((self.sale_tab, self.coupon_tab, self.bag_tab)):
            policy = QSizePolicy.Policy.Preferred if index == current else QSizePolicy.Policy.Ignored
            tab.setSizePolicy(policy, policy)
        self.tabs.updateGeometry()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """On a short window (a laptop) the running sale is one row (the anchor strip shows its name and
        countdown big across the top) and the 秒杀记录 list is short, so 准备秒杀/开始秒杀 and the 发给主播
        box stay above the fold while a sale runs."""
        super().resizeEvent(event)
        compact = self.window().height() < COMPACT_HEIGHT_PX
        if compact != self._compact:
            self._compact = compact
            self._place_live_sale()
            self.refresh_countdowns()

    # -- what the hotkeys send (ui/live/hotkeys.py PreparedPromotions) ------------------------------------
    def prepared_flash_sale(self, no: int | None = None) -> Command | None:
        """The prepared ``start_flash_sale`` command (for product ``no`` when given), or None.

        The button and the hotkey send this same command, so they share its command id (scoped to the
        session: the next show sends the same sale as a new command)."""
        return self.sale_tab.session_command(no)

    def default_flash_sale(self, no: int) -> Command | str:
        """A sale of product ``no`` from the defaults (ui/live/flash_sale_tab.py sale_defaults), not yet
        prepared, or why there is none."""
        return self.sale_tab.default_command(no)

    def adopt_flash_sale(self, cmd: Command) -> Command | None:
        """Prepare ``cmd`` in the 秒杀 tab (the form shows it); the command as this session sends it."""
        self.sale_tab.restore(cmd)
        return self.sale_tab.session_command(cmd.args["no"])

    def open_flash_sale(self, no: int) -> None:
        """The 秒杀 tab on product ``no``'s sale (a queue row's 秒杀)."""
        self.tabs.setCurrentWidget(self.sale_tab)
        self.sale_tab.open_for(no)

    def prepared_coupon(self) -> Command | None:
        """The prepared ``drop_coupon`` command, or None (its id is fixed when it was prepared, and
        scoped to the session like the sale's)."""
        return self.coupon_tab.session_command()

    # -- the running flash sale -------------------------------------------------------------------------
    def running_sales(self) -> list[FlashSale]:
        return [s for s in self.engine.state.flash_sales.values() if s.running]

    def headline_sale(self) -> FlashSale | None:
        """The running sale shown big: the one whose countdown ends first."""
        now = self.engine.clock.monotonic()
        running = self.running_sales()
        return min(running, key=lambda s: s.remaining(now)) if running else None

    def stop_running_sale(self) -> CommandResult | None:
        sale = self.headline_sale()
        if sale is None:
            return None
        return self._send(Command("stop_flash_sale", {"no": sale.no}), self.sale_tab.sale_message)

    # -- notes --------------------------------------------------------------------------------------------
    def send_note(self) -> CommandResult | None:
        text = self.note_edit.text().strip()
        if not text:
            self.note_status.setText(tr("提醒内容不能为空"))
            self.note_status.show()
            return None
        result = self.engine.execute(Command("note", {"text": text}))
        self.note_status.setVisible(not result.applied)
        if result.applied:
            self.note_edit.clear()
        else:
            self.note_status.setText(result.reason)
        return result

    # -- sending ------------------------------------------------------------------------------------------
    def _send(self, cmd: Command, status: QLabel) -> CommandResult:
        result = self.engine.execute(cmd)
        if result.result == "duplicate":
            say(status, tr("已经执行过，这次没有重复执行"), "duplicate")
        elif result.result == "rejected":
            say(status, tr("未执行：{reason}", reason=result.reason), "rejected")
        elif result.result == "pending":  # a seat: the host decides (app/connectors/seat.py)
            self._waiting[cmd.command_id] = status
            say(status, result.reason, "")
        else:
            say(status, "", "")
        self.redraw()
        return result

    def _on_result(self, result: CommandResult) -> None:
        status = self._waiting.pop(result.command.command_id, None)
        if status is None or not shiboken6.isValid(self):
            return
        if result.applied:
            say(status, "", "")
        else:
            say(status, tr("未执行：{reason}", reason=result.reason), "rejected")

    # -- engine → screen --------------------------------------------------------------------------------
    def _on_change(self, change: Change) -> None:
        if not shiboken6.isValid(self):
            return
        self._dirty.add(change.kind)
        if not self._timer.isActive():  # idle: draw now (rare); running: the next tick draws
            self.redraw()

    def _on_tick(self) -> None:
        self.engine.tick()
        if self._dirty:
            self.redraw()
        else:
            self.refresh_countdowns()

    def something_running(self) -> bool:
        bag = self.engine.state.lucky_bag
        return bool(self.running_sales()) or (bag is not None and bag.status == "running")

    def _update_timer(self) -> None:
        running = self.something_running()
        if running and not self._timer.isActive():
            self._timer.start()
        elif not running and self._timer.isActive():
            self._timer.stop()

    def redraw(self) -> None:
        """Redraw everything from the engine's state (lists, prepared cards, countdowns)."""
        dirty, self._dirty = self._dirty, set()
        if not dirty or dirty & {"catalog", "queue"} or self.sale_tab.product_combo.count() == 0:
            self.sale_tab.draw_products()
        self.sale_tab.draw_ended_sales()
        self.coupon_tab.draw_coupons(self.engine.clock.monotonic())
        self.sale_tab.draw_prepared()
        self.coupon_tab.draw_prepared()
        self.refresh_countdowns()

    def refresh_countdowns(self) -> None:
        """Redraw every countdown from the engine's deadlines at the clock's *now* (cheap; 5 Hz)."""
        now = self.engine.clock.monotonic()
        sale = self.headline_sale()
        headline = ("", "--:--", "")
        self.live_box.setVisible(sale is not None)
        if sale is not None:
            phase = sale.phase(now)
            text = countdown_text(sale.remaining(now))
            product = self.engine.state.queue.get(sale.no)
            name = product.name if product is not None else ""
            caption = tr("预热中，距开抢") if phase == "warmup" else tr("秒杀剩余")
            self.sale_badge.show_countdown(caption, text, phase)
            price = format_fen(sale.price_fen)
            self.sale_title.setText(  # compact: one line, the name is on the anchor strip above
                tr("{no}号秒杀", no=sale.no) + " · " + price if self._compact
                else tr("{no}号 {name} · 秒杀价 {price}", no=sale.no, name=name, price=price))
            self.sale_progress.setMaximum(sale.stock)
            self.sale_progress.setValue(sale.sold)
            self.sale_progress.setFormat(tr("已抢 {sold} / {stock} 件", sold=sale.sold, stock=sale.stock))
            headline = (tr("{no}号秒杀", no=sale.no) + (tr(" · 预热") if phase == "warmup" else ""),
                        text, phase)
        self.bag_tab.draw(now)
        bag = self.engine.state.lucky_bag
        if sale is None and bag is not None and bag.status == "running":
            headline = (tr("福袋开奖"), countdown_text(bag.remaining(now)), "bag")
        self.countdown.emit(*headline)
        self._update_timer()

    def shutdown(self) -> None:
        """Stop the timer and stop listening to the engine (the window is closing)."""
        self._timer.stop()
        self._unsubscribe()
        self._unsubscribe = lambda: None
        self._unsubscribe_results()
        self._unsubscribe_results = lambda: None
