"""The 福袋 tab: start a lucky bag (a comment keyword or a follow to take part), its countdown, its
draw (winners and the seed that makes the draw checkable), or cancel it."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.commerce.promotions import LuckyBag
from app.core.events import Command
from app.core.i18n import tr
from app.engine.commands import CommandResult
from app.engine.session import SessionEngine
from ui.live.promotion_fields import (
    CountdownBadge,
    FieldRow,
    InputError,
    Send,
    collect,
    countdown_text,
    message_label,
    parse_int,
    parse_seconds,
)


class LuckyBagTab(QWidget):
    """The lucky-bag form over ``engine``; ``send`` executes its commands (see :data:`Send`)."""

    def __init__(self, engine: SessionEngine, send: Send, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self._send = send
        self._command_id: str | None = None
        form = QFormLayout()
        self.bag_condition = QComboBox(self)
        self.bag_condition.addItem(tr("评论关键词"), "keyword")
        self.bag_condition.addItem(tr("关注主播"), "follow")
        self.bag_keyword = FieldRow(tr("例如 扣1"), self)
        self.bag_keyword.edit.setText("扣1")
        self.bag_duration = FieldRow(tr("秒或 分:秒"), self)
        self.bag_duration.edit.setText("60")
        self.bag_winners = FieldRow(tr("中奖人数"), self)
        self.bag_winners.edit.setText("1")
        self.bag_condition.currentIndexChanged.connect(
            lambda _: self.bag_keyword.setEnabled(self.bag_condition.currentData() == "keyword")
        )
        form.addRow(tr("参与条件"), self.bag_condition)
        form.addRow(tr("关键词"), self.bag_keyword)
        form.addRow(tr("时长"), self.bag_duration)
        form.addRow(tr("中奖人数"), self.bag_winners)
        self.start_bag_button = QPushButton(tr("开始福袋"), self)
        self.start_bag_button.setObjectName("primaryButton")
        self.start_bag_button.clicked.connect(self.start)
        self.cancel_bag_button = QPushButton(tr("取消福袋"), self)
        self.cancel_bag_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_bag_button)
        buttons.addWidget(self.cancel_bag_button)
        self.bag_badge = CountdownBadge(self)
        self.bag_status = QLabel(self)
        self.bag_status.setObjectName("bagStatus")
        self.bag_status.setWordWrap(True)
        self.bag_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.bag_message = message_label(self)
        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addLayout(buttons)
        column.addWidget(self.bag_badge)
        column.addWidget(self.bag_status)
        column.addWidget(self.bag_message)
        column.addStretch(1)

    def start(self) -> CommandResult | None:
        fields: dict[str, tuple[FieldRow, Any]] = {
            "duration_s": (self.bag_duration, parse_seconds),
            "winners": (self.bag_winners, lambda t: parse_int(t, what=tr("中奖人数"))),
        }
        follow = self.bag_condition.currentData() == "follow"
        if not follow:
            fields["keyword"] = (self.bag_keyword, _parse_keyword)
        values = collect(fields)
        if values is None:
            return None
        condition = {"follow": True} if follow else {"keyword": values.pop("keyword")}
        bag = self.engine.state.lucky_bag
        # A double click sends the running bag's id again (a duplicate); a new bag gets a new id.
        if not (bag is not None and bag.status == "running" and bag.bag_id == self._command_id):
            self._command_id = uuid.uuid4().hex
        assert self._command_id is not None
        cmd = Command("start_lucky_bag", {"condition": condition, **values}, "local", self._command_id)
        return self._send(cmd, self.bag_message)

    def form_args(self) -> dict[str, Any] | None:
        """The form as ``start_lucky_bag`` args (what a 直播方案 keeps), or None while a field is not
        valid (nothing is shown: the start button says why)."""
        try:
            follow = self.bag_condition.currentData() == "follow"
            condition = {"follow": True} if follow else {"keyword": _parse_keyword(self.bag_keyword.text())}
            return {"condition": condition, "duration_s": parse_seconds(self.bag_duration.text()),
                    "winners": parse_int(self.bag_winners.text(), what=tr("中奖人数"))}
        except InputError:
            return None

    def restore(self, args: dict[str, Any]) -> None:
        """Fill the form from saved ``start_lucky_bag`` args."""
        follow = bool(args["condition"].get("follow"))
        self.bag_condition.setCurrentIndex(self.bag_condition.findData("follow" if follow else "keyword"))
        if not follow:
            self.bag_keyword.edit.setText(str(args["condition"].get("keyword", "")))
        self.bag_duration.edit.setText(f"{args['duration_s']:g}")
        self.bag_winners.edit.setText(str(args.get("winners", 1)))

    def cancel(self) -> CommandResult | None:
        return self._send(Command("cancel_lucky_bag", {}), self.bag_message)

    def draw(self, now: float) -> None:
        """The bag's countdown, participants, or its draw, at monotonic ``now``."""
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


def _parse_keyword(text: str) -> str:
    if not text.strip():
        raise InputError(tr("请填写关键词，例如 扣1"))
    return text.strip()
