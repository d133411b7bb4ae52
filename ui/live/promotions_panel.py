"""The 营销 dock: flash sales (秒杀), coupon drops (发券), lucky bags (福袋) and notes to the anchor.

Every action is a :class:`~app.core.events.Command` sent through ``engine.execute``; everything on screen is
read back from ``engine.state`` (the panel keeps no copy of it). Countdowns are derived from the
engine's monotonic deadlines at each refresh, so a frozen UI shows the true remaining time the moment it
draws again. One QTimer (5 Hz) calls ``engine.tick()`` and redraws the countdowns; it runs only while a
flash sale or a lucky bag is running.

A *prepared* flash sale or coupon is a ready :class:`Command` with ONE ``command_id`` generated when it
was prepared: a double click, a hotkey pressed twice or a retry sends that same id, and the engine
answers ``duplicate`` (nothing happens twice).
"""

from __future__ import annotations

import logging
import math
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.commerce.desk import Change, CommandResult
from app.commerce.promotions import Coupon, FlashSale, LuckyBag
from app.core.events import Command
from app.core.i18n import tr
from app.core.units import format_clock, format_fen
from app.engine.session import SessionEngine

log = logging.getLogger("livedeck.ui.promotions")

#: 5 Hz: a seconds display is never more than 0.2 s late, and the loop barely notices.
TICK_MS = 200


class InputError(ValueError):
    """A value the user typed that cannot be sent; the message is shown next to the field."""


def countdown_text(seconds: float) -> str:
    """Remaining seconds as a countdown reads: rounded *up* (a sale with 9.2 s left shows 00:10 and
    never 00:00 while it still runs)."""
    return format_clock(math.ceil(max(0.0, seconds) - 1e-6))


def parse_yuan(text: str, *, allow_empty: bool = False) -> int | None:
    """``"99.9"`` → ``9990`` fen. Raises InputError for text that is not a positive amount."""
    text = text.strip().replace("¥", "").replace("元", "").replace(",", "")
    if not text:
        if allow_empty:
            return None
        raise InputError(tr("请输入金额（元），例如 99 或 99.90"))
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InputError(tr("请输入金额（元），例如 99 或 99.90")) from None
    if not value.is_finite() or value <= 0:
        raise InputError(tr("金额必须大于 0"))
    fen = value * 100
    if fen != fen.to_integral_value():
        raise InputError(tr("金额最多两位小数"))
    return int(fen)


def parse_int(text: str, *, low: int = 1, allow_empty: bool = False, what: str = "") -> int | None:
    """A whole number ≥ ``low``; InputError otherwise (empty is None when ``allow_empty``)."""
    text = text.strip()
    if not text:
        if allow_empty:
            return None
        raise InputError(tr("请填写{what}", what=what))
    try:
        value = int(text)
    except ValueError:
        raise InputError(tr("{what}必须是整数", what=what)) from None
    if value < low:
        raise InputError(tr("{what}不能小于 {low}", what=what, low=low))
    return value


def parse_seconds(text: str, *, allow_zero: bool = False, allow_empty: bool = False) -> float | None:
    """Seconds as ``90``, ``1.5`` or ``mm:ss``; InputError otherwise."""
    text = text.strip()
    if not text:
        if allow_empty:
            return None
        raise InputError(tr("请填写秒数"))
    try:
        if ":" in text:
            minutes, _, secs = text.partition(":")
            value = int(minutes) * 60 + float(secs)
        else:
            value = float(text)
    except ValueError:
        raise InputError(tr("请输入秒数，例如 60 或 01:30")) from None
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise InputError(tr("时长必须大于 0") if not allow_zero else tr("不能是负数"))
    return value


class FieldRow(QWidget):
    """A line edit with its error message right beside it."""

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText(placeholder)
        self.error = QLabel(self)
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.error)
        self.edit.textEdited.connect(lambda _: self.set_error(""))

    def text(self) -> str:
        return self.edit.text()

    def set_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))
        self.edit.setProperty("invalid", bool(message))
        self.edit.style().polish(self.edit)


def _collect(fields: dict[str, tuple[FieldRow, Any]]) -> dict[str, Any] | None:
    """Parse every field (``name → (row, parse)``); show each error beside its field. None if any."""
    values: dict[str, Any] = {}
    ok = True
    for name, (row, parse) in fields.items():
        try:
            values[name] = parse(row.text())
            row.set_error("")
        except InputError as exc:
            row.set_error(str(exc))
            ok = False
    return values if ok else None


class CountdownBadge(QWidget):
    """A caption over a big countdown (the header shows the running one from across the room)."""

    def __init__(self, parent: QWidget | None = None, *, big: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("countdownBadge")
        self.caption = QLabel(self)
        self.caption.setObjectName("countdownCaption")
        self.value = QLabel("--:--", self)
        self.value.setObjectName("bigCountdown" if big else "headerCountdown")
        self.value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 8, 0)
        layout.setSpacing(0)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)

    def show_countdown(self, caption: str, text: str, tone: str) -> None:
        """Show ``text`` under ``caption``; ``tone`` (live / warmup / bag / '') colours it."""
        self.caption.setText(caption)
        if self.value.text() != text:
            self.value.setText(text)
        if self.value.property("tone") != tone:
            self.value.setProperty("tone", tone)
            self.value.style().polish(self.value)
        self.setVisible(bool(tone))


class PromotionsPanel(QWidget):
    """Flash sales, coupons, lucky bags and a note box, over one engine.

    Signals:
        countdown(caption, text, tone): the headline countdown after each refresh (tone '' when
            nothing runs); the header shows it.
    """

    countdown = Signal(str, str, str)

    def __init__(self, engine: SessionEngine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("promotionsPanel")
        self.engine = engine
        self._prepared_sale: Command | None = None
        self._prepared_coupon: Command | None = None
        self._bag_command_id: str | None = None
        self._dirty: set[str] = set()

        # -- the running flash sale, big ------------------------------------------------------------
        self.sale_badge = CountdownBadge(self, big=True)
        self.sale_title = QLabel(self)
        self.sale_title.setObjectName("saleTitle")
        self.sale_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.sale_progress = QProgressBar(self)
        self.sale_progress.setObjectName("saleProgress")
        self.sale_progress.setTextVisible(True)
        self.stop_sale_button = QPushButton(tr("停止秒杀"), self)
        self.stop_sale_button.clicked.connect(self.stop_running_sale)
        live = QWidget(self)
        live.setObjectName("liveSale")
        live_layout = QVBoxLayout(live)
        live_layout.setContentsMargins(8, 4, 8, 8)
        live_layout.addWidget(self.sale_title)
        live_layout.addWidget(self.sale_badge)
        live_layout.addWidget(self.sale_progress)
        live_layout.addWidget(self.stop_sale_button)
        self.live_box = live

        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._build_flash_tab(), tr("秒杀"))
        self.tabs.addTab(self._build_coupon_tab(), tr("发券"))
        self.tabs.addTab(self._build_bag_tab(), tr("福袋"))

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
        layout.addWidget(live)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(note_row)
        layout.addWidget(self.note_status)

        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._on_tick)
        self._unsubscribe = engine.subscribe_changes(self._on_change)
        self.redraw()

    # -- building -------------------------------------------------------------------------------------
    def _build_flash_tab(self) -> QWidget:
        tab = QWidget(self)
        form = QFormLayout()
        self.product_combo = QComboBox(tab)
        self.product_combo.currentIndexChanged.connect(self._product_chosen)
        self.sale_price = FieldRow(tr("例如 99 或 99.90"), tab)
        self.sale_stock = FieldRow(tr("秒杀件数"), tab)
        self.sale_limit = FieldRow(tr("不填则不限"), tab)
        self.sale_warmup = FieldRow(tr("秒，不填则立即开始"), tab)
        self.sale_duration = FieldRow(tr("秒或 分:秒"), tab)
        self.sale_duration.edit.setText("60")
        self.product_error = QLabel(tab)
        self.product_error.setObjectName("fieldError")
        self.product_error.hide()
        form.addRow(tr("商品"), self.product_combo)
        form.addRow("", self.product_error)
        form.addRow(tr("秒杀价（元）"), self.sale_price)
        form.addRow(tr("库存"), self.sale_stock)
        form.addRow(tr("每人限购"), self.sale_limit)
        form.addRow(tr("预热（秒）"), self.sale_warmup)
        form.addRow(tr("时长"), self.sale_duration)
        self.prepare_sale_button = QPushButton(tr("准备秒杀"), tab)
        self.prepare_sale_button.clicked.connect(self.prepare_flash_sale)
        self.start_sale_button = QPushButton(tr("开始秒杀"), tab)
        self.start_sale_button.setObjectName("primaryButton")
        self.start_sale_button.clicked.connect(self.start_prepared_sale)
        buttons = QHBoxLayout()
        buttons.addWidget(self.prepare_sale_button)
        buttons.addWidget(self.start_sale_button)
        self.sale_summary = QLabel(tab)
        self.sale_summary.setWordWrap(True)
        self.sale_summary.setObjectName("preparedSummary")
        self.ended_sales = QListWidget(tab)
        self.ended_sales.setObjectName("endedSales")
        column = QVBoxLayout(tab)
        column.addLayout(form)
        column.addLayout(buttons)
        self.sale_message = _message_label(tab)
        column.addWidget(self.sale_summary)
        column.addWidget(self.sale_message)
        column.addWidget(QLabel(tr("秒杀记录"), tab))
        column.addWidget(self.ended_sales, 1)
        return tab

    def _build_coupon_tab(self) -> QWidget:
        tab = QWidget(self)
        self.coupon_form = form = QFormLayout()
        self.coupon_kind = QComboBox(tab)
        for kind, label in (("满减", tr("满减")), ("直减", tr("直减")), ("折扣", tr("折扣"))):
            self.coupon_kind.addItem(label, kind)
        self.coupon_kind.currentIndexChanged.connect(self._coupon_kind_chosen)
        self.coupon_threshold = FieldRow(tr("满多少元可用"), tab)
        self.coupon_discount = FieldRow(tr("减多少元"), tab)
        self.coupon_percent = FieldRow(tr("例如 9 或 8.5（折）"), tab)
        self.coupon_quantity = FieldRow(tr("发多少张"), tab)
        self.coupon_per_user = FieldRow(tr("不填为 1"), tab)
        self.coupon_valid = FieldRow(tr("分钟，不填则不限"), tab)
        form.addRow(tr("类型"), self.coupon_kind)
        form.addRow(tr("门槛（元）"), self.coupon_threshold)
        form.addRow(tr("优惠（元）"), self.coupon_discount)
        form.addRow(tr("折扣"), self.coupon_percent)
        form.addRow(tr("数量"), self.coupon_quantity)
        form.addRow(tr("每人限领"), self.coupon_per_user)
        form.addRow(tr("有效期（分钟）"), self.coupon_valid)
        self.prepare_coupon_button = QPushButton(tr("准备优惠券"), tab)
        self.prepare_coupon_button.clicked.connect(self.prepare_coupon)
        self.drop_coupon_button = QPushButton(tr("发券"), tab)
        self.drop_coupon_button.setObjectName("primaryButton")
        self.drop_coupon_button.clicked.connect(self.drop_prepared_coupon)
        buttons = QHBoxLayout()
        buttons.addWidget(self.prepare_coupon_button)
        buttons.addWidget(self.drop_coupon_button)
        self.coupon_summary = QLabel(tab)
        self.coupon_summary.setWordWrap(True)
        self.coupon_summary.setObjectName("preparedSummary")
        self.coupon_list = QListWidget(tab)
        self.coupon_list.setObjectName("couponList")
        column = QVBoxLayout(tab)
        column.addLayout(form)
        column.addLayout(buttons)
        self.coupon_message = _message_label(tab)
        column.addWidget(self.coupon_summary)
        column.addWidget(self.coupon_message)
        column.addWidget(QLabel(tr("已发的券（已领/总数）"), tab))
        column.addWidget(self.coupon_list, 1)
        self._coupon_kind_chosen()
        return tab

    def _build_bag_tab(self) -> QWidget:
        tab = QWidget(self)
        form = QFormLayout()
        self.bag_condition = QComboBox(tab)
        self.bag_condition.addItem(tr("评论关键词"), "keyword")
        self.bag_condition.addItem(tr("关注主播"), "follow")
        self.bag_keyword = FieldRow(tr("例如 扣1"), tab)
        self.bag_keyword.edit.setText("扣1")
        self.bag_duration = FieldRow(tr("秒或 分:秒"), tab)
        self.bag_duration.edit.setText("60")
        self.bag_winners = FieldRow(tr("中奖人数"), tab)
        self.bag_winners.edit.setText("1")
        self.bag_condition.currentIndexChanged.connect(
            lambda _: self.bag_keyword.setEnabled(self.bag_condition.currentData() == "keyword")
        )
        form.addRow(tr("参与条件"), self.bag_condition)
        form.addRow(tr("关键词"), self.bag_keyword)
        form.addRow(tr("时长"), self.bag_duration)
        form.addRow(tr("中奖人数"), self.bag_winners)
        self.start_bag_button = QPushButton(tr("开始福袋"), tab)
        self.start_bag_button.setObjectName("primaryButton")
        self.start_bag_button.clicked.connect(self.start_lucky_bag)
        self.cancel_bag_button = QPushButton(tr("取消福袋"), tab)
        self.cancel_bag_button.clicked.connect(self.cancel_lucky_bag)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_bag_button)
        buttons.addWidget(self.cancel_bag_button)
        self.bag_badge = CountdownBadge(tab)
        self.bag_status = QLabel(tab)
        self.bag_status.setObjectName("bagStatus")
        self.bag_status.setWordWrap(True)
        self.bag_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column = QVBoxLayout(tab)
        column.addLayout(form)
        column.addLayout(buttons)
        column.addWidget(self.bag_badge)
        self.bag_message = _message_label(tab)
        column.addWidget(self.bag_status)
        column.addWidget(self.bag_message)
        column.addStretch(1)
        return tab

    # -- flash sales ------------------------------------------------------------------------------------
    def _product_chosen(self, _index: int = 0) -> None:
        product = self.engine.state.queue.get(self.product_combo.currentData() or 0)
        if product is not None and not self.sale_price.text().strip():
            self.sale_price.edit.setText(f"{product.price_fen / 100:g}")

    def prepare_flash_sale(self) -> Command | None:
        """Check the form; on success the sale is prepared with a fresh ``command_id``."""
        no = self.product_combo.currentData()
        self.product_error.setVisible(no is None)
        self.product_error.setText(tr("请先选择商品（先导入商品列表）") if no is None else "")
        values = _collect({
            "price_fen": (self.sale_price, parse_yuan),
            "stock": (self.sale_stock, lambda t: parse_int(t, what=tr("库存"))),
            "limit_per_user": (self.sale_limit,
                               lambda t: parse_int(t, what=tr("每人限购"), allow_empty=True)),
            "warmup_s": (self.sale_warmup,
                         lambda t: parse_seconds(t, allow_zero=True, allow_empty=True)),
            "duration_s": (self.sale_duration, parse_seconds),
        })
        if values is None or no is None:
            return None
        args = {"no": no, **{k: v for k, v in values.items() if v is not None}}
        self._prepared_sale = Command("start_flash_sale", args, "local", uuid.uuid4().hex)
        _say(self.sale_message, "", "")
        self._draw_prepared()
        return self._prepared_sale

    def prepared_flash_sale(self, no: int | None = None) -> Command | None:
        """The prepared ``start_flash_sale`` command (for product ``no`` when given), or None.

        The button and the hotkey send this same command, so they share its command id."""
        cmd = self._prepared_sale
        if cmd is None or (no is not None and cmd.args["no"] != no):
            return None
        return cmd

    def start_prepared_sale(self) -> CommandResult | None:
        cmd = self._prepared_sale
        if cmd is None:
            _say(self.sale_message, tr("先填写并点「准备秒杀」"), "rejected")
            return None
        return self._send(cmd, self.sale_message)

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
        return self._send(Command("stop_flash_sale", {"no": sale.no}), self.sale_message)

    # -- coupons ------------------------------------------------------------------------------------------
    def _coupon_kind_chosen(self, _index: int = 0) -> None:
        kind = self.coupon_kind.currentData()
        self.coupon_form.setRowVisible(self.coupon_threshold, kind == "满减")
        self.coupon_form.setRowVisible(self.coupon_discount, kind in ("满减", "直减"))
        self.coupon_form.setRowVisible(self.coupon_percent, kind == "折扣")

    def prepare_coupon(self) -> Command | None:
        """Check the form; on success the coupon is prepared with ONE fresh ``command_id``."""
        kind = self.coupon_kind.currentData()
        fields: dict[str, tuple[FieldRow, Any]] = {}
        if kind == "满减":
            fields["threshold_fen"] = (self.coupon_threshold, parse_yuan)
        if kind in ("满减", "直减"):
            fields["discount_fen"] = (self.coupon_discount, parse_yuan)
        if kind == "折扣":
            fields["percent_off"] = (self.coupon_percent, _parse_zhe)
        fields["quantity"] = (self.coupon_quantity, lambda t: parse_int(t, what=tr("数量")))
        fields["per_user_limit"] = (self.coupon_per_user,
                                    lambda t: parse_int(t, what=tr("每人限领"), allow_empty=True))
        fields["valid_s"] = (self.coupon_valid, _parse_minutes)
        values = _collect(fields)
        if values is None:
            return None
        if kind == "满减" and values["discount_fen"] >= values["threshold_fen"]:
            self.coupon_discount.set_error(tr("优惠金额必须小于门槛"))
            return None
        coupon_id = uuid.uuid4().hex
        args = {"kind": kind, **{k: v for k, v in values.items() if v is not None}, "coupon_id": coupon_id}
        # The hotkeys (ui/live/hotkeys.py) send the same args with the same id: a repeat is a duplicate.
        self._prepared_coupon = Command("drop_coupon", args, "local", f"coupon:{coupon_id}")
        _say(self.coupon_message, "", "")
        self._draw_prepared()
        return self._prepared_coupon

    def prepared_coupon(self) -> Command | None:
        """The prepared ``drop_coupon`` command, or None. Its id is ``coupon:<coupon_id>``, chosen when
        it was prepared, so however often it is sent (button, hotkey, retry) it drops once."""
        return self._prepared_coupon

    def drop_prepared_coupon(self) -> CommandResult | None:
        cmd = self._prepared_coupon
        if cmd is None:
            _say(self.coupon_message, tr("先填写并点「准备优惠券」"), "rejected")
            return None
        self.drop_coupon_button.setEnabled(False)  # no second click while this one is applied
        try:
            return self._send(cmd, self.coupon_message)
        finally:
            self.drop_coupon_button.setEnabled(True)

    # -- lucky bags -------------------------------------------------------------------------------------------
    def start_lucky_bag(self) -> CommandResult | None:
        fields: dict[str, tuple[FieldRow, Any]] = {
            "duration_s": (self.bag_duration, parse_seconds),
            "winners": (self.bag_winners, lambda t: parse_int(t, what=tr("中奖人数"))),
        }
        follow = self.bag_condition.currentData() == "follow"
        if not follow:
            fields["keyword"] = (self.bag_keyword, _parse_keyword)
        values = _collect(fields)
        if values is None:
            return None
        condition = {"follow": True} if follow else {"keyword": values.pop("keyword")}
        bag = self.engine.state.lucky_bag
        # A double click sends the running bag's id again (a duplicate); a new bag gets a new id.
        if not (bag is not None and bag.status == "running" and bag.bag_id == self._bag_command_id):
            self._bag_command_id = uuid.uuid4().hex
        assert self._bag_command_id is not None
        cmd = Command("start_lucky_bag", {"condition": condition, **values}, "local", self._bag_command_id)
        return self._send(cmd, self.bag_message)

    def cancel_lucky_bag(self) -> CommandResult | None:
        return self._send(Command("cancel_lucky_bag", {}), self.bag_message)

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
            _say(status, tr("已经执行过，这次没有重复执行"), "duplicate")
        elif result.result == "rejected":
            _say(status, tr("未执行：{reason}", reason=result.reason), "rejected")
        else:
            _say(status, "", "")
        self.redraw()
        return result

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
        if not dirty or dirty & {"catalog", "queue"} or self.product_combo.count() == 0:
            self._draw_products()
        self._draw_ended_sales()
        self._draw_coupons()
        self._draw_prepared()
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
            self.sale_title.setText(
                tr("{no}号 {name} · 秒杀价 {price}", no=sale.no, name=name, price=format_fen(sale.price_fen))
            )
            self.sale_progress.setMaximum(sale.stock)
            self.sale_progress.setValue(sale.sold)
            self.sale_progress.setFormat(tr("已抢 {sold} / {stock} 件", sold=sale.sold, stock=sale.stock))
            headline = (tr("{no}号秒杀", no=sale.no) + (tr(" · 预热") if phase == "warmup" else ""),
                        text, phase)
        self._draw_bag(now)
        bag = self.engine.state.lucky_bag
        if sale is None and bag is not None and bag.status == "running":
            headline = (tr("福袋开奖"), countdown_text(bag.remaining(now)), "bag")
        self.countdown.emit(*headline)
        self._update_timer()

    def _draw_products(self) -> None:
        combo = self.product_combo
        current = combo.currentData()
        items = [(p.no, p.label) for p in self.engine.state.queue.products]
        if [(combo.itemData(i), combo.itemText(i)) for i in range(combo.count())] == items:
            return
        combo.blockSignals(True)
        combo.clear()
        for no, text in items:
            combo.addItem(text, no)
        index = combo.findData(current)
        combo.setCurrentIndex(index if index >= 0 else (0 if items else -1))
        combo.blockSignals(False)
        self._product_chosen()

    def _draw_ended_sales(self) -> None:
        lines = [_ended_sale_line(s, self.engine.state.queue.get(s.no))
                 for s in reversed(self.engine.state.flash_sales.values()) if not s.running]
        _set_lines(self.ended_sales, lines)

    def _draw_coupons(self) -> None:
        now = self.engine.clock.monotonic()
        lines = [_coupon_line(c, now) for c in reversed(self.engine.state.coupons.values())]
        _set_lines(self.coupon_list, lines)

    def _draw_prepared(self) -> None:
        state = self.engine.state
        sale = self._prepared_sale
        if sale is not None:
            args = sale.args
            started = sale.command_id in state.flash_sales
            self.sale_summary.setText(
                (tr("已开始：") if started else tr("已准备："))
                + tr("{no}号 {price} × {stock} 件，时长 {duration}", no=args["no"],
                     price=format_fen(args["price_fen"]), stock=args["stock"],
                     duration=format_clock(args["duration_s"]))
                + (tr("，预热 {s} 秒", s=f"{args['warmup_s']:g}") if args.get("warmup_s") else "")
                + (tr("，每人限购 {n}", n=args["limit_per_user"]) if args.get("limit_per_user") else "")
            )
        self.start_sale_button.setEnabled(sale is not None)
        coupon = self._prepared_coupon
        if coupon is not None:
            dropped = state.coupons.get(coupon.args["coupon_id"])
            label = _coupon_label(coupon.args)
            if dropped is None:
                self.coupon_summary.setText(
                    tr("已准备：{label} × {n} 张", label=label, n=coupon.args["quantity"]))
            else:
                self.coupon_summary.setText(tr("已发出：{label}，已领 {claimed}/{quantity}", label=label,
                                               claimed=dropped.claimed, quantity=dropped.quantity))
        self.drop_coupon_button.setText(
            tr("发券 ✓ 已发") if coupon is not None and coupon.args["coupon_id"] in state.coupons else tr("发券"))
        self.drop_coupon_button.setEnabled(coupon is not None)

    def _draw_bag(self, now: float) -> None:
        bag: LuckyBag | None = self.engine.state.lucky_bag
        running = bag is not None and bag.status == "running"
        self.cancel_bag_button.setEnabled(running)
        self.start_bag_button.setEnabled(not running)
        if bag is None:
            self.bag_badge.show_countdown("", "--:--", "")
            return
        condition = (tr("评论「{kw}」", kw=bag.condition["keyword"]) if "keyword" in bag.condition
                     else tr("关注主播"))
        if running:
            self.bag_badge.show_countdown(tr("距开奖"), countdown_text(bag.remaining(now)), "bag")
            text = tr("进行中：{condition} 即可参与 · 已参与 {n} 人 · 抽 {k} 人",
                      condition=condition, n=len(bag.participants), k=bag.winners_wanted)
        elif bag.status == "drawn":
            self.bag_badge.show_countdown("", "--:--", "")
            names = "、".join(bag.participants.get(u, u) for u in bag.winners) or tr("无人参与")
            text = tr("已开奖：{names}\n参与 {n} 人 · 抽 {k} 人 · 种子 {seed}", names=names,
                      n=len(bag.participants), k=bag.winners_wanted, seed=bag.seed)
        else:
            self.bag_badge.show_countdown("", "--:--", "")
            text = tr("福袋已取消（未开奖）· 参与 {n} 人", n=len(bag.participants))
        self.bag_status.setText(text)

    def shutdown(self) -> None:
        """Stop the timer and stop listening to the engine (the window is closing)."""
        self._timer.stop()
        self._unsubscribe()
        self._unsubscribe = lambda: None


def _message_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setObjectName("actionMessage")
    label.setWordWrap(True)
    label.hide()
    return label


def _say(label: QLabel, text: str, tone: str) -> None:
    """Show the outcome of an action (``tone``: duplicate / rejected / '') under its buttons."""
    label.setText(text)
    label.setVisible(bool(text))
    label.setProperty("tone", tone)
    label.style().polish(label)


def _parse_keyword(text: str) -> str:
    if not text.strip():
        raise InputError(tr("请填写关键词，例如 扣1"))
    return text.strip()


def _parse_minutes(text: str) -> float | None:
    minutes = parse_seconds(text, allow_empty=True)
    return None if minutes is None else minutes * 60


def _parse_zhe(text: str) -> int:
    """``"8.5"`` (八五折) → 15 percent off; InputError for anything outside (0, 10) or finer than 0.1."""
    try:
        zhe = Decimal(text.strip().replace("折", ""))
    except InvalidOperation:
        raise InputError(tr("请输入折扣，例如 9 或 8.5（折）")) from None
    off = 100 - zhe * 10
    if not zhe.is_finite() or zhe <= 0 or zhe >= 10 or off != off.to_integral_value():
        raise InputError(tr("折扣必须在 0.1 到 9.9 折之间"))
    return int(off)


def _coupon_label(args: dict[str, Any]) -> str:
    return Coupon("", args["kind"], args.get("quantity", 0), 1, args.get("threshold_fen", 0),
                  args.get("discount_fen", 0), args.get("percent_off", 0)).label()


def _coupon_line(coupon: Coupon, now: float) -> str:
    if coupon.expires_at is None:
        validity = tr("不限时")
    elif coupon.valid(now):
        validity = tr("剩余 {t}", t=countdown_text(coupon.expires_at - now))
    else:
        validity = tr("已过期")
    return tr("{label} · 已领 {claimed}/{quantity} · {validity}", label=coupon.label(),
              claimed=coupon.claimed, quantity=coupon.quantity, validity=validity)


def _ended_sale_line(sale: FlashSale, product: Any) -> str:
    name = product.name if product is not None else sale.product_id
    rate = f"{sale.sold / sale.stock:.0%}" if sale.stock else "—"
    reasons = {"time": tr("时间到"), "sold_out": tr("售罄"), "stopped": tr("手动停止")}
    reason = reasons.get(sale.end_reason, sale.end_reason)
    return tr("{no}号 {name} · {price} · 售出 {sold}/{stock}（{rate}）· {reason}", no=sale.no, name=name,
              price=format_fen(sale.price_fen), sold=sale.sold, stock=sale.stock, rate=rate, reason=reason)


def _set_lines(widget: QListWidget, lines: list[str]) -> None:
    """Make the list show ``lines``, touching only the rows that changed."""
    while widget.count() > len(lines):
        widget.takeItem(widget.count() - 1)
    for i, line in enumerate(lines):
        item = widget.item(i)
        if item is None:
            widget.addItem(line)
        elif item.text() != line:
            item.setText(line)
