"""The 秒杀 tab: choose a product, fill in the sale, prepare it (one ``command_id``), start it.

A *prepared* sale is a ready :class:`Command` whose id was generated when it was prepared: the button,
the hotkey and a retry all send that same id, and the engine answers ``duplicate`` (nothing twice). The
id goes out scoped to the session (``SessionState.scoped_id``): the same sale started again in the next
show is a new command to the room, not a duplicate of the rehearsal's.

A sale not cheaper than the product's 到手价 (the price every viewer pays anyway) is no deal: the form
says so under the price (:func:`price_warning`), and so does Alt+S's question. :func:`sale_defaults`
is what a sale of a product starts from when nothing was typed (a row's 秒杀, Alt+S with nothing
prepared): the product's 到手价, the last sale's duration (60 s at first) and a share of the stock.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from app.commerce.catalog import Product
from app.commerce.promotions import FlashSale
from app.core.events import Command
from app.core.i18n import tr
from app.core.units import AmountError, format_clock, format_fen, format_yuan, parse_yuan
from app.engine.commands import CommandResult
from app.engine.session import SessionEngine
from ui.common.theme import color
from ui.live.promotion_fields import (
    FieldRow,
    Send,
    WrappedLabel,
    add_prepared_controls,
    collect,
    parse_int,
    parse_price,
    parse_seconds,
    say,
    set_lines,
)

#: The product box is at least this many characters wide (a longer name is cut in the closed box).
MIN_PRODUCT_CHARS = 12
#: A first sale's duration, before any sale ran this show.
DEFAULT_DURATION_S = 60.0
#: A first sale's share of the stock left.
STOCK_SHARE = 0.2
#: A first sale's units when the product's stock is unknown (its file had no 库存).
STOCK_WITHOUT_COUNT = 20


def price_warning(product: Product | None, price_fen: int | None) -> str:
    """Why a flash-sale price is no deal ('' when it is one): not below the product's 到手价."""
    if product is None or price_fen is None or price_fen < product.price_fen:
        return ""
    if price_fen == product.price_fen:
        return tr("秒杀价与到手价 {price} 相同，观众没有额外优惠", price=format_fen(product.price_fen))
    return tr("秒杀价高于到手价 {price}，观众没有优惠", price=format_fen(product.price_fen))


def sale_defaults(engine: SessionEngine, no: int) -> dict[str, Any] | str:
    """A ``start_flash_sale``'s args for product ``no`` from sensible defaults, or why there is none.

    The price is the product's 到手价; the duration the last sale's this show (else
    :data:`DEFAULT_DURATION_S`); the units the last sale's, at most the stock left (else
    :data:`STOCK_SHARE` of the stock left, at least 1; :data:`STOCK_WITHOUT_COUNT` when the stock is
    unknown)."""
    state = engine.state
    product = state.queue.get(no)
    if product is None:
        return tr("没有 {no} 号商品", no=no)
    if product.price_fen <= 0:
        return tr("{no} 号的到手价是 {price}，请在营销面板填写秒杀价", no=no, price=format_fen(product.price_fen))
    left = max(0, product.stock - state.sold[product.product_id]) if product.stock else None
    if left == 0:
        return tr("{no} 号已售罄，不能开秒杀", no=no)
    last = next(reversed(state.flash_sales.values()), None)
    duration = (last.ends_at - last.starts_at) if last is not None else DEFAULT_DURATION_S
    if last is not None:
        stock = last.stock if left is None else min(left, last.stock)
    else:
        stock = STOCK_WITHOUT_COUNT if left is None else max(1, round(left * STOCK_SHARE))
    return {"no": no, "price_fen": product.price_fen, "stock": stock, "limit_per_user": None,
            "warmup_s": 0.0, "duration_s": round(duration, 3)}


class FlashSaleTab(QWidget):
    """The flash-sale form over ``engine``; ``send`` executes its commands (see :data:`Send`)."""

    def __init__(self, engine: SessionEngine, send: Send, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self._send = send
        self._prepared: Command | None = None
        form = QFormLayout()
        self.product_combo = QComboBox(self)
        # As wide as the dock, not as the longest product name (which made the 营销 dock scroll sideways
        # on a laptop); the open list still shows whole names.
        self.product_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.product_combo.setMinimumContentsLength(MIN_PRODUCT_CHARS)
        self.product_combo.currentIndexChanged.connect(self._product_chosen)
        self.sale_price = FieldRow(tr("例如 99 或 99.90"), self)
        self.sale_stock = FieldRow(tr("秒杀件数"), self)
        self.sale_limit = FieldRow(tr("不填则不限"), self)
        self.sale_warmup = FieldRow(tr("秒，不填则立即开始"), self)
        self.sale_duration = FieldRow(tr("秒或 分:秒"), self)
        self.sale_duration.edit.setText("60")
        self.product_error = QLabel(self)
        self.product_error.setObjectName("fieldError")
        self.product_error.hide()
        self.price_warning = WrappedLabel(self)  # two lines in English on a laptop: never cut
        self.price_warning.setObjectName("priceWarning")
        self.price_warning.setStyleSheet(f"color: {color('amber').name()}; font-weight: bold;")
        self.price_warning.hide()
        self.sale_price.edit.textChanged.connect(lambda _text: self._check_price())
        form.addRow(tr("商品"), self.product_combo)
        form.addRow("", self.product_error)
        form.addRow(tr("秒杀价（元）"), self.sale_price)
        form.addRow(self.price_warning)  # across the form's width: fewer lines
        form.addRow(tr("库存"), self.sale_stock)
        form.addRow(tr("每人限购"), self.sale_limit)
        form.addRow(tr("预热（秒）"), self.sale_warmup)
        form.addRow(tr("时长"), self.sale_duration)
        column = QVBoxLayout(self)
        column.addLayout(form)
        controls = add_prepared_controls(
            self, column, prepare=(tr("准备秒杀"), self.prepare), go=(tr("开始秒杀"), self.start_prepared),
            record_name="endedSales", caption=tr("秒杀记录"))
        self.prepare_sale_button = controls.prepare_button
        self.start_sale_button = controls.go_button
        self.sale_summary = controls.summary
        self.sale_message = controls.message
        self.ended_sales = controls.record
        self.ended_sales_caption = controls.record_caption

    def _product_chosen(self, _index: int = 0) -> None:
        product = self.engine.state.queue.get(self.product_combo.currentData() or 0)
        if product is not None and not self.sale_price.text().strip():
            self.sale_price.edit.setText(format_yuan(product.price_fen))
        self._check_price()

    def _check_price(self) -> None:
        """Warn under the price when it is not below the chosen product's 到手价."""
        try:
            price: int | None = parse_yuan(self.sale_price.text())
        except AmountError:
            price = None  # the field's own error says what is wrong when it is prepared
        text = price_warning(self.engine.state.queue.get(self.product_combo.currentData() or 0), price)
        self.price_warning.setText(text)
        self.price_warning.setVisible(bool(text))

    def open_for(self, no: int) -> None:
        """Show product ``no``'s sale: the one prepared for it, else the form filled from
        :func:`sale_defaults`, with the price field focused (a row's 秒杀)."""
        index = self.product_combo.findData(no)
        if index < 0:
            return
        self.product_combo.setCurrentIndex(index)
        if self.prepared(no) is None:
            defaults = sale_defaults(self.engine, no)
            if isinstance(defaults, str):
                say(self.sale_message, defaults, "rejected")
            else:
                say(self.sale_message, "", "")
                self.sale_price.edit.setText(format_yuan(defaults["price_fen"]))
                self.sale_stock.edit.setText(str(defaults["stock"]))
                self.sale_duration.edit.setText(f"{defaults['duration_s']:g}")
        self._check_price()
        self.sale_price.edit.setFocus()
        self.sale_price.edit.selectAll()

    def prepare(self) -> Command | None:
        """Check the form; on success the sale is prepared with a fresh ``command_id``."""
        no = self.product_combo.currentData()
        self.product_error.setVisible(no is None)
        self.product_error.setText(tr("请先选择商品（先导入商品列表）") if no is None else "")
        values = collect({
            "price_fen": (self.sale_price, parse_price),
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
        self._prepared = Command("start_flash_sale", args, "local", uuid.uuid4().hex)
        say(self.sale_message, "", "")
        self.draw_prepared()
        return self._prepared

    def default_command(self, no: int) -> Command | str:
        """A new ``start_flash_sale`` of product ``no`` from :func:`sale_defaults` (not prepared yet:
        :meth:`restore` prepares it), or why there is none."""
        args = sale_defaults(self.engine, no)
        return args if isinstance(args, str) else Command("start_flash_sale", args, "local", uuid.uuid4().hex)

    def prepared(self, no: int | None = None) -> Command | None:
        """The prepared ``start_flash_sale`` command (for product ``no`` when given), or None."""
        cmd = self._prepared
        if cmd is None or (no is not None and cmd.args["no"] != no):
            return None
        return cmd

    def session_command(self, no: int | None = None) -> Command | None:
        """The prepared sale as this session sends it (button and hotkey alike): its id scoped to the
        session, the same all session long, another in the next show."""
        cmd = self.prepared(no)
        if cmd is None:
            return None
        return Command(cmd.name, cmd.args, cmd.actor, self.engine.state.scoped_id(cmd.command_id))

    def restore(self, cmd: Command | None) -> None:
        """Show a saved prepared sale (a 直播方案's) in the form, ready to start with its own id; None
        clears what is prepared."""
        self._prepared = cmd
        if cmd is not None:
            args = cmd.args
            index = self.product_combo.findData(args["no"])
            if index >= 0:
                self.product_combo.setCurrentIndex(index)
            self.sale_price.edit.setText(format_yuan(args["price_fen"]))
            self.sale_stock.edit.setText(str(args["stock"]))
            self.sale_limit.edit.setText(str(args.get("limit_per_user") or ""))
            self.sale_warmup.edit.setText(f"{args['warmup_s']:g}" if args.get("warmup_s") else "")
            self.sale_duration.edit.setText(f"{args['duration_s']:g}")
        self.sale_summary.setText("")
        self.draw_prepared()

    def start_prepared(self) -> CommandResult | None:
        cmd = self.session_command()
        if cmd is None:
            say(self.sale_message, tr("先填写并点「准备秒杀」"), "rejected")
            return None
        return self._send(cmd, self.sale_message)

    # -- engine → screen --------------------------------------------------------------------------------
    def draw_products(self) -> None:
        """Offer the queue's products, keeping the chosen one (untouched when nothing changed)."""
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

    def draw_ended_sales(self) -> None:
        lines = [_ended_sale_line(s, self.engine.state.queue.get(s.no))
                 for s in reversed(self.engine.state.flash_sales.values()) if not s.running]
        set_lines(self.ended_sales, lines)
        for widget in (self.ended_sales_caption, self.ended_sales):  # no empty box before the first sale ends
            widget.setVisible(bool(lines))

    def draw_prepared(self) -> None:
        sale = self.session_command()
        if sale is not None:
            args = sale.args
            started = sale.command_id in self.engine.state.flash_sales
            self.sale_summary.setText(
                (tr("已开始：") if started else tr("已准备："))
                + tr("{no}号 {price} × {stock} 件，时长 {duration}", no=args["no"],
                     price=format_fen(args["price_fen"]), stock=args["stock"],
                     duration=format_clock(args["duration_s"]))
                + (tr("，预热 {s} 秒", s=f"{args['warmup_s']:g}") if args.get("warmup_s") else "")
                + (tr("，每人限购 {n}", n=args["limit_per_user"]) if args.get("limit_per_user") else "")
            )
        self.start_sale_button.setEnabled(sale is not None)


def _ended_sale_line(sale: FlashSale, product: Any) -> str:
    name = product.name if product is not None else sale.product_id
    rate = f"{sale.sold / sale.stock:.0%}" if sale.stock else "—"
    reasons = {"time": tr("时间到"), "sold_out": tr("售罄"), "stopped": tr("手动停止")}
    reason = reasons.get(sale.end_reason, sale.end_reason)
    return tr("{no}号 {name} · {price} · 售出 {sold}/{stock}（{rate}）· {reason}", no=sale.no, name=name,
              price=format_fen(sale.price_fen), sold=sale.sold, stock=sale.stock, rate=rate, reason=reason)
