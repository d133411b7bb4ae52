"""After a crash: the offer to continue the interrupted show, and the banner saying what was restored.

The console asks before it starts (:func:`offer_to_continue`: 继续上一场 / 开始新的一场, continue by
default); continuing plays the show back from its log (app/engine/resume.py), and the banner above the
comment feed lists what came back, in the words of the screen, until the operator closes it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QWidget

from app.core.i18n import tr
from app.core.units import format_clock, format_count, format_datetime, format_fen
from app.engine.resume import Restored
from ui.common.theme import color


def offer_to_continue(parent: QWidget | None, session: dict[str, Any]) -> bool:
    """Ask whether to continue the interrupted ``session`` (a ``sessions`` row); True: 继续上一场."""
    box = QMessageBox(QMessageBox.Icon.Question, tr("继续上一场直播？"),
                      tr("上一场直播「{title}」（{time} 开始）意外中断了。", title=session.get("title") or "",
                         time=format_datetime(session.get("started_at"), seconds=False)), parent=parent)
    box.setInformativeText(tr("继续上一场：讲解、库存和已售、秒杀、优惠券、福袋、置顶和数据都接着算，"
                              "记在同一场次里。开始新的一场：上一场保存为「已中断」。"))
    keep = box.addButton(tr("继续上一场"), QMessageBox.ButtonRole.AcceptRole)
    fresh = box.addButton(tr("开始新的一场"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)  # closing the question keeps what the show had
    box.exec()
    return box.clickedButton() is not fresh


def restored_text(restored: Restored, now: float) -> str:
    """``已恢复上一场：讲解中 3号；秒杀 3号 剩 00:41（已抢 12/40）；…`` (``now``: the engine's monotonic time)."""
    parts: list[str] = []
    if restored.explaining is not None:
        parts.append(tr("讲解中 {no}号", no=restored.explaining.no))
    for sale in restored.sales:
        if sale.phase(now) == "warmup":
            parts.append(tr("秒杀 {no}号 预热中 {time} 后开抢", no=sale.no, time=format_clock(sale.remaining(now))))
        else:
            parts.append(tr("秒杀 {no}号 剩 {time}（已抢 {sold}/{stock}）", no=sale.no,
                            time=format_clock(sale.remaining(now)), sold=sale.sold, stock=sale.stock))
    for coupon in restored.coupons:
        parts.append(tr("优惠券 {label} 已领 {claimed}/{quantity}", label=coupon.label(), claimed=coupon.claimed,
                        quantity=coupon.quantity))
    bag = restored.lucky_bag
    if bag is not None:
        parts.append(tr("福袋 已有 {n} 人参与（剩 {time}）", n=len(bag.participants),
                        time=format_clock(bag.remaining(now))))
    if restored.pinned_product is not None:
        parts.append(tr("置顶商品 {no}号", no=restored.pinned_product.no))
    if restored.pinned_comment is not None:
        parts.append(tr("置顶评论 {user}：{text}", user=restored.pinned_comment.user_name,
                        text=restored.pinned_comment.text[:20]))
    if restored.notes:
        parts.append(tr("提词 {n} 条", n=restored.notes))
    if restored.plan_steps:
        parts.append(tr("直播流程 已执行 {n} 步", n=restored.plan_steps))
    parts.append(tr("订单 {orders} 单 · 成交 {gmv}", orders=format_count(restored.orders),
                    gmv=format_fen(restored.gmv_fen)))
    return tr("已恢复上一场：") + "；".join(parts)


class RestoreBanner(QWidget):
    """What continuing the interrupted show restored, above the feed, with a close button; hidden until then."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("restoreBanner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(
            f"QWidget#restoreBanner {{ background: #1d2a1f; border-bottom: 1px solid {color('green').name()}; }}"
            "QLabel { background: transparent; font-size: 14px; }"
        )
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = QPushButton(tr("关闭"), self)
        self.close_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.close_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.close_button)
        self.hide()

    def show_restored(self, restored: Restored, now: float) -> None:
        self.text.setText(restored_text(restored, now))
        self.show()
