"""Hotkeys for every primary action: declared once, shown in a help overlay (F1), rebindable.

Every hotkey is a :class:`Hotkey` in :data:`HOTKEYS` (id, default key sequence, label); a command's
default key is declared in the command table (app/engine/commands.py) and its id is the command's name. The bound key
of each is ``settings["hotkeys"][id]`` when the user rebound it (设置 → 快捷键…), else the default.
Shortcuts are application-wide, so they also work from a floating dock or the teleprompter window.
Each hotkey sends a command through :class:`~ui.common.commands.CommandRunner`; a refusal shows its reason.

Defaults (chosen for one hand on the keyboard, hard to hit by accident while typing):

* Alt+1 … Alt+9 — 讲解 product 序号 1–9 (the number viewers say); Ctrl+G — 讲解 any 序号 (type it);
* Alt+↓ / Alt+↑ — explain the next / previous *listed* product in queue order (rebind to
  PgDown/PgUp for a presenter clicker); Alt+0 — 取消讲解;
* Alt+S — start the prepared flash sale of the product being explained, or stop its running sale; with
  none prepared, one from the defaults (its 到手价, the last sale's duration and stock) after one
  question naming product, price, units and duration (Enter starts, Esc cancels);
* Alt+C — drop the prepared coupon; Alt+T — pin the product being explained at the top of the cart;
* Alt+P — pin the comment selected in the feed; Alt+Shift+P — unpin;
* Ctrl+1 … Ctrl+9 — send quick reply 1–9 of the reply panel; Ctrl+Shift+M — mute voice broadcast;
* F1 — this list.

Flash sales and coupons are prepared in the promotions panel. It fulfils :class:`PreparedPromotions`
and is attached with ``hotkeys.prepared = panel``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QEvent, QObject, QRect, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QMouseEvent, QPainter
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QInputDialog,
    QKeySequenceEdit,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.events import Command
from app.core.i18n import tr
from app.core.settings import Settings
from app.core.units import format_clock, format_fen
from app.engine.commands import COMMANDS
from app.engine.session import SessionEngine
from ui.common.commands import CommandRunner
from ui.common.theme import color
from ui.live.confirm import confirm_box
from ui.live.flash_sale_tab import price_warning

_PORTABLE = QKeySequence.SequenceFormat.PortableText
_NATIVE = QKeySequence.SequenceFormat.NativeText


@dataclass(frozen=True, slots=True)
class Hotkey:
    """One rebindable action: ``default`` is a portable key sequence ("Alt+3"); ``label()`` its name."""

    id: str
    default: str
    label: Callable[[], str]


def _explain_label(no: int) -> Callable[[], str]:
    return lambda: tr("讲解 {no} 号商品", no=no)


def _reply_label(no: int) -> Callable[[], str]:
    return lambda: tr("发送第 {no} 条快捷回复", no=no)


def _declare() -> tuple[Hotkey, ...]:
    """The UI's own keys (explain by number, next/previous, help) and every command the command table
    gives a default key (app/engine/commands.py), in the order the F1 sheet lists them."""
    explain = tuple(
        Hotkey(f"explain_{n}", f"Alt+{n}", _explain_label(n)) for n in range(1, 10)
    )
    commands = tuple(
        Hotkey(spec.name, spec.hotkey, spec.hotkey_label or spec.label) for spec in COMMANDS.values() if spec.hotkey
    )
    return (
        *explain,
        Hotkey("explain_number", "Ctrl+G", lambda: tr("讲解指定序号的商品（输入序号）")),
        Hotkey("explain_next", "Alt+Down", lambda: tr("讲解下一个上架商品")),
        Hotkey("explain_previous", "Alt+Up", lambda: tr("讲解上一个上架商品")),
        *commands,
        *(Hotkey(f"reply_{n}", f"Ctrl+{n}", _reply_label(n)) for n in range(1, 10)),
        Hotkey("voice_mute", "Ctrl+Shift+M", lambda: tr("语音播报静音 / 取消静音")),
        Hotkey("help", "F1", lambda: tr("显示快捷键")),
    )


#: Hotkey ids of earlier versions, so a key the user rebound keeps working.
_RENAMED = {"flash_sale": "start_flash_sale"}
HOTKEYS: tuple[Hotkey, ...] = _declare()
_BY_ID = {h.id: h for h in HOTKEYS}


class PreparedPromotions(Protocol):
    """What the promotions panel offers the hotkeys: the very commands its buttons send (same
    command ids, so a key press and a click can only apply once), or None if nothing is prepared."""

    def prepared_flash_sale(self, no: int) -> Command | None:
        """The ``start_flash_sale`` command prepared for product ``no``."""

    def default_flash_sale(self, no: int) -> Command | str:
        """A new ``start_flash_sale`` of product ``no`` from the defaults, not prepared; or why none."""

    def adopt_flash_sale(self, cmd: Command) -> Command | None:
        """Prepare ``cmd``; the command as this session sends it."""

    def prepared_coupon(self) -> Command | None:
        """The prepared ``drop_coupon`` command."""


class HotkeyManager(QObject):
    """One QAction per :class:`Hotkey` on ``host``, bound to the user's keys.

    Args:
        host: the window the actions live on (they fire application-wide).
        settings: where rebindings are kept (the ``hotkeys`` setting: id → portable key sequence).
        handlers: what each hotkey id does.
    """

    def __init__(self, host: QWidget, settings: Settings, handlers: dict[str, Callable[[], object]]) -> None:
        super().__init__(host)
        self.settings = settings
        self.actions: dict[str, QAction] = {}
        for hotkey in HOTKEYS:
            action = QAction(hotkey.label(), host)
            action.setObjectName(f"hotkey_{hotkey.id}")
            action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            action.setShortcut(self.key(hotkey.id))
            handler = handlers.get(hotkey.id)
            if handler is not None:
                action.triggered.connect(lambda _=False, h=handler: h())
            else:
                action.setEnabled(False)
            host.addAction(action)
            self.actions[hotkey.id] = action

    def bind(self, hotkey_id: str, handler: Callable[[], object]) -> None:
        """Give a hotkey declared without a handler (a panel built later: quick replies) its action."""
        action = self.actions[hotkey_id]
        action.setEnabled(True)
        action.triggered.connect(lambda _=False: handler())

    def overrides(self) -> dict[str, str]:
        value = self.settings.get("hotkeys")
        if not isinstance(value, dict):
            return {}
        renamed = {_RENAMED.get(k, k): v for k, v in value.items()}
        return {k: v for k, v in renamed.items() if k in _BY_ID and isinstance(v, str)}

    def key(self, hotkey_id: str) -> QKeySequence:
        text = self.overrides().get(hotkey_id, _BY_ID[hotkey_id].default)
        return QKeySequence.fromString(text, _PORTABLE)

    def rebind(self, keys: dict[str, QKeySequence]) -> str:
        """Bind the given hotkeys to new keys and save the settings; returns '' or why not (a clash)."""
        merged = {h.id: keys.get(h.id, self.key(h.id)) for h in HOTKEYS}
        seen: dict[str, str] = {}
        for hotkey_id, sequence in merged.items():
            text = sequence.toString(_PORTABLE)
            if not text:
                continue
            if text in seen:
                return tr("{key} 同时绑定了「{a}」和「{b}」", key=sequence.toString(_NATIVE),
                          a=_BY_ID[seen[text]].label(), b=_BY_ID[hotkey_id].label())
            seen[text] = hotkey_id
        overrides = {}
        for hotkey_id, sequence in merged.items():
            text = sequence.toString(_PORTABLE)
            if text != _BY_ID[hotkey_id].default:
                overrides[hotkey_id] = text
            self.actions[hotkey_id].setShortcut(sequence)
        self.settings.set("hotkeys", overrides)
        return ""

    def bindings(self) -> list[tuple[Hotkey, QKeySequence]]:
        return [(h, self.actions[h.id].shortcut()) for h in HOTKEYS]


def next_listed(engine: SessionEngine, step: int) -> int | None:
    """The 序号 of the next (``step`` 1) or previous (-1) listed product after the one being
    explained, in queue order; the first (last) listed one when nothing is explained."""
    queue = engine.state.queue
    listed = [item.no for item in queue if item.listed]
    if not listed:
        return None
    current = engine.state.explaining
    if current is None or current not in queue:
        return listed[0] if step > 0 else listed[-1]
    order = queue.order
    position = order.index(current)
    candidates = order[position + 1:] if step > 0 else tuple(reversed(order[:position]))
    return next((no for no in candidates if queue.is_listed(no)), None)


class ConsoleHotkeys(HotkeyManager):
    """The console's hotkeys and what they do.

    Args:
        host: the main window.
        runner: sends the commands.
        settings: user settings.
        pin_selected: pins the comment selected in the feed.
        prepared: the promotions panel (see :class:`PreparedPromotions`); may be set later.
    """

    def __init__(self, host: QWidget, runner: CommandRunner, settings: Settings,
                 pin_selected: Callable[[], None] | None = None,
                 prepared: PreparedPromotions | None = None) -> None:
        self.runner = runner
        self.host = host
        self.prepared = prepared
        self.overlay: HotkeyOverlay | None = None
        self.sale_question: QMessageBox | None = None  # Alt+S's question (a sale from the defaults)
        handlers: dict[str, Callable[[], object]] = {f"explain_{n}": self._explain_key(n) for n in range(1, 10)}
        handlers.update({
            "explain_number": self.ask_number,
            "explain_next": lambda: self.step(1),
            "explain_previous": lambda: self.step(-1),
            "stop_explain": lambda: runner.run("stop_explain", done=tr("已取消讲解")),
            "pin_product": self.pin_explained,
            "start_flash_sale": self.toggle_flash_sale,
            "drop_coupon": self.drop_coupon,
            "unpin_comment": lambda: runner.run("unpin_comment", done=tr("已取消置顶")),
            "help": self.toggle_help,
        })
        if pin_selected is not None:
            handlers["pin_comment"] = pin_selected
        super().__init__(host, settings, handlers)

    def _explain_key(self, no: int) -> Callable[[], None]:
        return lambda: self.explain(no)

    def explain(self, no: int) -> None:
        self.runner.run("explain", {"no": no}, done=tr("正在讲解 {no} 号，商品卡已推送", no=no))

    def ask_number(self) -> None:
        no, ok = QInputDialog.getInt(self.host, tr("讲解商品"), tr("序号："), 1, 1, 9999)
        if ok:
            self.explain(no)

    def step(self, step: int) -> None:
        no = next_listed(self.runner.engine, step)
        if no is None:
            self.runner.say(tr("后面没有上架的商品了") if step > 0 else tr("前面没有上架的商品了"), error=True)
            return
        self.explain(no)

    def pin_explained(self) -> None:
        no = self.runner.engine.state.explaining
        if no is None:
            self.runner.say(tr("先讲解一个商品，再置顶"), error=True)
            return
        self.runner.run("pin_product", {"no": no}, done=tr("已置顶 {no} 号商品", no=no))

    def toggle_flash_sale(self) -> None:
        engine = self.runner.engine
        no = engine.state.explaining
        if no is None:
            self.runner.say(tr("先讲解一个商品，再开秒杀"), error=True)
            return
        if engine.state.running_sale(no) is not None:
            self.runner.run("stop_flash_sale", {"no": no}, done=tr("{no} 号秒杀已结束", no=no))
            return
        if self.prepared is None:
            self.runner.say(tr("{no} 号没有准备好的秒杀（在促销面板准备）", no=no), error=True)
            return
        sale = self.prepared.prepared_flash_sale(no)
        if sale is None:
            self.ask_default_sale(no)
            return
        self._start_sale(sale)

    def _start_sale(self, sale: Command) -> None:
        self.runner.run(sale.name, sale.args, command_id=sale.command_id,
                        done=tr("{no} 号秒杀已开始", no=sale.args["no"]))

    def ask_default_sale(self, no: int) -> QMessageBox | None:
        """Nothing prepared for product ``no``: ask once whether to start a sale from the defaults, naming
        product, price, units and duration (and warning when the price is no deal); on 开始秒杀 it is
        prepared in the 营销 panel and started. One question at a time."""
        if self.sale_question is not None:
            self.sale_question.raise_()
            return self.sale_question
        assert self.prepared is not None
        cmd = self.prepared.default_flash_sale(no)
        if isinstance(cmd, str):
            self.runner.say(cmd, error=True)
            return None
        args = cmd.args
        product = self.runner.engine.state.queue.get(no)
        text = tr("{product} 还没有准备秒杀，按默认值开始？", product=product.label if product else no) + "\n"
        text += tr("秒杀价 {price} · {stock} 件 · 时长 {duration}", price=format_fen(args["price_fen"]),
                   stock=args["stock"], duration=format_clock(args["duration_s"]))
        warning = price_warning(product, args["price_fen"])
        if warning:
            text += "\n" + tr("注意：{warning}", warning=warning)
        prepared = self.prepared

        def start() -> None:
            sale = prepared.adopt_flash_sale(cmd)
            if sale is not None:
                self._start_sale(sale)

        box = confirm_box(self.host, tr("开始秒杀"), text, tr("开始秒杀"), start, name="defaultSaleQuestion")
        self.sale_question = box
        box.finished.connect(self._sale_question_closed)
        return box

    def _sale_question_closed(self) -> None:
        self.sale_question = None

    def drop_coupon(self) -> None:
        coupon = self.prepared.prepared_coupon() if self.prepared is not None else None
        if coupon is None:
            self.runner.say(tr("没有准备好的优惠券（在促销面板准备）"), error=True)
            return
        self.runner.run(coupon.name, coupon.args, command_id=coupon.command_id, done=tr("优惠券已发放"))

    def toggle_help(self) -> None:
        if self.overlay is not None and self.overlay.isVisible():
            self.overlay.hide()
            return
        if self.overlay is None:
            self.overlay = HotkeyOverlay(self, self.host)
        self.overlay.open()


class HotkeyOverlay(QWidget):
    """A translucent sheet over the window listing every hotkey; any key or click closes it."""

    def __init__(self, manager: HotkeyManager, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("hotkeyOverlay")
        self.manager = manager
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.card = QWidget(self)
        self.card.setObjectName("hotkeyCard")
        self.card.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.card.setStyleSheet(
            f"QWidget#hotkeyCard {{ background: {color('surface').name()}; border: 1px solid "
            f"{color('border').name()}; border-radius: 10px; }}"
            f"QLabel#hotkeyKey {{ color: {color('accent_soft').name()}; font-weight: bold; }}"
            "QLabel { background: transparent; } QLabel#hotkeyTitle { font-size: 18px; font-weight: bold; }"
        )
        self.grid = QGridLayout(self.card)
        self.grid.setContentsMargins(24, 18, 24, 18)
        self.grid.setHorizontalSpacing(28)
        self.grid.setVerticalSpacing(6)
        parent.installEventFilter(self)
        self.hide()

    def open(self) -> None:
        self._fill()
        self.setGeometry(self._parent_rect())
        self._place_card()
        self.raise_()
        self.show()
        self.setFocus()

    def _fill(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        title = QLabel(tr("快捷键（按任意键关闭）"), self.card)
        title.setObjectName("hotkeyTitle")
        self.grid.addWidget(title, 0, 0, 1, 2)
        rows = [(h.label(), key.toString(_NATIVE) or tr("未绑定")) for h, key in self.manager.bindings()]
        rows.append((tr("商品上移 / 下移（商品队列中）"), "Ctrl+↑ / Ctrl+↓"))
        rows.append((tr("修改快捷键"), tr("设置 → 快捷键…")))
        for i, (label, key) in enumerate(rows, start=1):
            key_label = QLabel(key, self.card)
            key_label.setObjectName("hotkeyKey")
            self.grid.addWidget(key_label, i, 0, Qt.AlignmentFlag.AlignRight)
            self.grid.addWidget(QLabel(label, self.card), i, 1)
        self.card.adjustSize()

    def _place_card(self) -> None:
        size = self.card.sizeHint()
        self.card.setGeometry((self.width() - size.width()) // 2, max(0, (self.height() - size.height()) // 2),
                              size.width(), size.height())

    def rows(self) -> list[tuple[str, str]]:
        """(key, label) pairs as shown."""
        out = []
        for i in range(1, self.grid.rowCount()):
            key, label = self.grid.itemAtPosition(i, 0), self.grid.itemAtPosition(i, 1)
            key_label = key.widget() if key is not None else None
            text_label = label.widget() if label is not None else None
            if isinstance(key_label, QLabel) and isinstance(text_label, QLabel):
                out.append((key_label.text(), text_label.text()))
        return out

    def paintEvent(self, event: QEvent) -> None:
        painter = QPainter(self)
        shade = color("background")
        shade.setAlpha(200)
        painter.fillRect(self.rect(), shade)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        self.hide()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize and self.isVisible():
            self.setGeometry(self._parent_rect())
            self._place_card()
        return False

    def _parent_rect(self) -> QRect:
        parent = self.parentWidget()
        return parent.rect() if parent is not None else self.rect()


class HotkeyDialog(QDialog):
    """设置 → 快捷键…: one QKeySequenceEdit per action, 恢复默认, and a check for clashes."""

    def __init__(self, manager: HotkeyManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("快捷键"))
        self.manager = manager
        self.edits: dict[str, QKeySequenceEdit] = {}
        grid = QGridLayout()
        for row, (hotkey, key) in enumerate(manager.bindings()):
            edit = QKeySequenceEdit(key, self)
            edit.setMaximumSequenceLength(1)
            reset = QPushButton(tr("恢复默认"), self)
            reset.clicked.connect(lambda _=False, e=edit, h=hotkey: e.setKeySequence(
                QKeySequence.fromString(h.default, _PORTABLE)))
            grid.addWidget(QLabel(hotkey.label(), self), row, 0)
            grid.addWidget(edit, row, 1)
            grid.addWidget(reset, row, 2)
            self.edits[hotkey.id] = edit
        self.error = QLabel(self)
        self.error.setStyleSheet(f"color: {color('red').name()}")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.apply)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def apply(self) -> bool:
        problem = self.manager.rebind({i: e.keySequence() for i, e in self.edits.items()})
        if problem:
            self.error.setText(problem)
            return False
        self.accept()
        return True
