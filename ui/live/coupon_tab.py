"""The 发券 tab: a 满减 / 直减 / 折扣 coupon, prepared with ONE ``command_id`` and dropped by the
button or the hotkey (a repeat is a ``duplicate``), and the coupons already dropped. Its ids go out
scoped to the session (``SessionState.scoped_id``): dropped again in the next show, it is a new coupon."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtWidgets import QComboBox, QFormLayout, QVBoxLayout, QWidget

from app.commerce.promotions import Coupon
from app.core.events import Command
from app.core.i18n import tr
from app.core.units import coupon_label, format_yuan
from app.engine.commands import CommandResult
from app.engine.session import SessionEngine
from ui.live.promotion_fields import (
    FieldRow,
    InputError,
    Send,
    add_prepared_controls,
    collect,
    countdown_text,
    parse_int,
    parse_price,
    parse_seconds,
    say,
    set_lines,
)


class CouponTab(QWidget):
    """The coupon form over ``engine``; ``send`` executes its commands (see :data:`Send`)."""

    def __init__(self, engine: SessionEngine, send: Send, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self._send = send
        self._prepared: Command | None = None
        self.coupon_form = form = QFormLayout()
        self.coupon_kind = QComboBox(self)
        for kind, label in (("满减", tr("满减")), ("直减", tr("直减")), ("折扣", tr("折扣"))):
            self.coupon_kind.addItem(label, kind)
        self.coupon_kind.currentIndexChanged.connect(self._kind_chosen)
        self.coupon_threshold = FieldRow(tr("满多少元可用"), self)
        self.coupon_discount = FieldRow(tr("减多少元"), self)
        self.coupon_percent = FieldRow(tr("例如 9 或 8.5（折）"), self)
        self.coupon_quantity = FieldRow(tr("发多少张"), self)
        self.coupon_per_user = FieldRow(tr("不填为 1"), self)
        self.coupon_valid = FieldRow(tr("分钟，不填则不限"), self)
        form.addRow(tr("类型"), self.coupon_kind)
        form.addRow(tr("门槛（元）"), self.coupon_threshold)
        form.addRow(tr("优惠（元）"), self.coupon_discount)
        form.addRow(tr("折扣"), self.coupon_percent)
        form.addRow(tr("数量"), self.coupon_quantity)
        form.addRow(tr("每人限领"), self.coupon_per_user)
        form.addRow(tr("有效期（分钟）"), self.coupon_valid)
        column = QVBoxLayout(self)
        column.addLayout(form)
        controls = add_prepared_controls(
            self, column, prepare=(tr("准备优惠券"), self.prepare), go=(tr("发券"), self.drop_prepared),
            record_name="couponList", caption=tr("已发的券（已领/总数）"))
        self.prepare_coupon_button = controls.prepare_button
        self.drop_coupon_button = controls.go_button
        self.coupon_summary = controls.summary
        self.coupon_message = controls.message
        self.coupon_list = controls.record
        self._kind_chosen()

    def _kind_chosen(self, _index: int = 0) -> None:
        kind = self.coupon_kind.currentData()
        self.coupon_form.setRowVisible(self.coupon_threshold, kind == "满减")
        self.coupon_form.setRowVisible(self.coupon_discount, kind in ("满减", "直减"))
        self.coupon_form.setRowVisible(self.coupon_percent, kind == "折扣")

    def prepare(self) -> Command | None:
        """Check the form; on success the coupon is prepared with ONE fresh ``command_id``."""
        kind = self.coupon_kind.currentData()
        fields: dict[str, tuple[FieldRow, Any]] = {}
        if kind == "满减":
            fields["threshold_fen"] = (self.coupon_threshold, parse_price)
        if kind in ("满减", "直减"):
            fields["discount_fen"] = (self.coupon_discount, parse_price)
        if kind == "折扣":
            fields["percent_off"] = (self.coupon_percent, _parse_zhe)
        fields["quantity"] = (self.coupon_quantity, lambda t: parse_int(t, what=tr("数量")))
        fields["per_user_limit"] = (self.coupon_per_user,
                                    lambda t: parse_int(t, what=tr("每人限领"), allow_empty=True))
        fields["valid_s"] = (self.coupon_valid, _parse_minutes)
        values = collect(fields)
        if values is None:
            return None
        if kind == "满减" and values["discount_fen"] >= values["threshold_fen"]:
            self.coupon_discount.set_error(tr("优惠金额必须小于门槛"))
            return None
        coupon_id = uuid.uuid4().hex
        args = {"kind": kind, **{k: v for k, v in values.items() if v is not None}, "coupon_id": coupon_id}
        # The hotkeys (ui/live/hotkeys.py) send the same args with the same id: a repeat is a duplicate.
        self._prepared = Command("drop_coupon", args, "local", f"coupon:{coupon_id}")
        say(self.coupon_message, "", "")
        self.draw_prepared()
        return self._prepared

    def prepared(self) -> Command | None:
        """The prepared ``drop_coupon`` command, or None. Its id is ``coupon:<coupon_id>``, chosen when
        it was prepared, so however often it is sent (button, hotkey, retry) it drops once."""
        return self._prepared

    def session_command(self) -> Command | None:
        """The prepared coupon as this session sends it (button and hotkey alike): its id and
        ``coupon_id`` scoped to the session, the same all session long, new in the next show."""
        cmd = self._prepared
        if cmd is None:
            return None
        scoped = self.engine.state.scoped_id
        args = {**cmd.args, "coupon_id": scoped(cmd.args["coupon_id"])} if cmd.args.get("coupon_id") else cmd.args
        return Command(cmd.name, args, cmd.actor, scoped(cmd.command_id))

    def restore(self, cmd: Command | None) -> None:
        """Show a saved prepared coupon (a 直播方案's) in the form, ready to drop with its own id; None
        clears what is prepared."""
        self._prepared = cmd
        if cmd is not None:
            args = cmd.args
            self.coupon_kind.setCurrentIndex(max(0, self.coupon_kind.findData(args["kind"])))
            for row, key in ((self.coupon_threshold, "threshold_fen"), (self.coupon_discount, "discount_fen")):
                row.edit.setText(format_yuan(args[key]) if args.get(key) else "")
            off = args.get("percent_off")
            self.coupon_percent.edit.setText(f"{(100 - off) / 10:g}" if off else "")
            self.coupon_quantity.edit.setText(str(args["quantity"]))
            self.coupon_per_user.edit.setText(str(args.get("per_user_limit") or ""))
            valid = args.get("valid_s")
            self.coupon_valid.edit.setText(f"{valid / 60:g}" if valid else "")
        self.coupon_summary.setText("")
        self.draw_prepared()

    def drop_prepared(self) -> CommandResult | None:
        cmd = self.session_command()
        if cmd is None:
            say(self.coupon_message, tr("先填写并点「准备优惠券」"), "rejected")
            return None
        self.drop_coupon_button.setEnabled(False)  # no second click while this one is applied
        try:
            return self._send(cmd, self.coupon_message)
        finally:
            self.drop_coupon_button.setEnabled(True)

    # -- engine → screen --------------------------------------------------------------------------------
    def draw_coupons(self, now: float) -> None:
        set_lines(self.coupon_list, [_coupon_line(c, now) for c in reversed(self.engine.state.coupons.values())])

    def draw_prepared(self) -> None:
        coupon = self.session_command()
        dropped = None if coupon is None else self.engine.state.coupons.get(coupon.args["coupon_id"])
        if coupon is not None:
            args = coupon.args
            label = coupon_label(args["kind"], args.get("threshold_fen", 0), args.get("discount_fen", 0),
                                 args.get("percent_off", 0))
            if dropped is None:
                self.coupon_summary.setText(tr("已准备：{label} × {n} 张", label=label, n=args["quantity"]))
            else:
                self.coupon_summary.setText(tr("已发出：{label}，已领 {claimed}/{quantity}", label=label,
                                               claimed=dropped.claimed, quantity=dropped.quantity))
        self.drop_coupon_button.setText(tr("发券 ✓ 已发") if dropped is not None else tr("发券"))
        self.drop_coupon_button.setEnabled(coupon is not None)


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


def _coupon_line(coupon: Coupon, now: float) -> str:
    if coupon.expires_at is None:
        validity = tr("不限时")
    elif coupon.valid(now):
        validity = tr("剩余 {t}", t=countdown_text(coupon.expires_at - now))
    else:
        validity = tr("已过期")
    return tr("{label} · 已领 {claimed}/{quantity} · {validity}", label=coupon.label(),
              claimed=coupon.claimed, quantity=coupon.quantity, validity=validity)
