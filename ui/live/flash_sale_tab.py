"""The 秒杀 tab: choose a product, fill in the sale, prepare it (one ``command_id``), start it.

A *prepared* sale is a ready :class:`Command` whose id was generated when it was prepared: the button,
the hotkey and a retry all send that same id, and the engine answers ``duplicate`` (nothing twice). The
id goes out scoped to the session (``SessionState.scoped_id``): the same sale started again in the next
show is a new command to the room, not a duplicate of the rehearsal's.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from app.commerce.promotions import FlashSale
from app.core.events import Command
from app.core.i18n import tr
from app.core.units import format_clock, format_fen, format_yuan
from app.engine.commands import CommandResult
from app.engine.session import SessionEngine
from ui.live.promotion_fields import (
    FieldRow,
    Send,
    add_prepared_controls,
    collect,
    parse_int,
    parse_price,
    parse_seconds,
    say,
    set_lines,
)


class FlashSaleTab(QWidget):
    """The flash-sale form over ``engine``; ``send`` executes its commands (see :data:`Send`)."""

    def __init__(self, engine: SessionEngine, send: Send, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self._send = send
        self._prepared: Command | None = None
        form = QFormLayout()
        self.product_combo = QComboBox(self)
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
        form.addRow(tr("商品"), self.product_combo)
        form.addRow("", self.product_error)
        form.addRow(tr("秒杀价（元）"), self.sale_price)
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

    def _product_chosen(self, _index: int = 0) -> None:
        product = self.engine.state.queue.get(self.product_combo.currentData() or 0)
        if product is not None and not self.sale_price.text().strip():
            self.sale_price.edit.setText(format_yuan(product.price_fen))

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
