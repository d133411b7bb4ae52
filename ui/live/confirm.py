"""Asking before something ends the show: ending the session, quitting, switching the source.

One question for all three (:func:`ask_to_end`). While nothing is live — no session, no flash sale or
lucky bag counting down — nothing is asked and the action runs at once. Otherwise a window-modal
QMessageBox names what would end (the running flash sales and lucky bag with their time left); its
confirm button is the default (Enter confirms) and Esc cancels, so a stray hotkey alone never ends a
show. The box is opened with ``open()``, not ``exec()``: a nested event loop would stall the qasync
loop, and the show (its countdowns, its comments) goes on while the question waits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from app.core.i18n import tr
from app.core.units import format_clock
from app.engine.session import SessionEngine


@dataclass(frozen=True, slots=True)
class Question:
    """What one kind of ending asks: the box's title, its question and the confirm button's text."""

    title: Callable[[], str]
    text: Callable[[], str]
    confirm: Callable[[], str]


END_SESSION = Question(lambda: tr("结束场次"), lambda: tr("结束本场直播？"), lambda: tr("结束直播"))
QUIT = Question(lambda: tr("退出"), lambda: tr("退出 LiveDeck？本场直播会结束。"), lambda: tr("退出"))
SWITCH_SOURCE = Question(
    lambda: tr("切换直播源"),
    lambda: tr("切换直播源？连上新的直播源后，本场直播会结束，并在新的直播源上开始新的一场。"),
    lambda: tr("切换直播源"),
)


def running_promotions(engine: SessionEngine) -> list[str]:
    """The flash sales and the lucky bag counting down now, as the question names them:
    ``秒杀（3号，剩 00:42）``, ``秒杀（5号，预热中，00:10 后开抢）``, ``福袋（剩 01:10）``."""
    state = engine.state
    now = engine.clock.monotonic()
    items = []
    for sale in state.flash_sales.values():
        phase = sale.phase(now)
        left = format_clock(sale.remaining(now))
        if phase == "live":
            items.append(tr("秒杀（{no}号，剩 {left}）", no=sale.no, left=left))
        elif phase == "warmup":
            items.append(tr("秒杀（{no}号，预热中，{left} 后开抢）", no=sale.no, left=left))
    bag = state.lucky_bag
    if bag is not None and bag.status == "running" and bag.remaining(now) > 0:
        items.append(tr("福袋（剩 {left}）", left=format_clock(bag.remaining(now))))
    return items


def is_live(engine: SessionEngine) -> bool:
    """Whether ending now would end something: a session runs, or a promotion counts down."""
    return engine.state.running or bool(running_promotions(engine))


def question_text(engine: SessionEngine, question: Question) -> str:
    """The question, then what else would end with the show."""
    text = question.text()
    promotions = running_promotions(engine)
    if promotions:
        text += tr("正在进行的{promotions}也会结束。", promotions=tr("、").join(promotions))
    return text


def ask_to_end(
    parent: QWidget, engine: SessionEngine, question: Question, then: Callable[[], None],
) -> QMessageBox | None:
    """Run ``then`` once the user confirms ``question`` — at once, with no question, when nothing is live.

    Returns the open box (None when nothing was asked); ``then`` runs only if its confirm button is
    chosen (a click, or Enter: it is the default); 取消, Esc or closing the box does nothing.
    """
    if not is_live(engine):
        then()
        return None
    return confirm_box(parent, question.title(), question_text(engine, question), question.confirm(), then,
                       name="endShowQuestion")


def confirm_box(parent: QWidget, title: str, text: str, confirm_label: str, then: Callable[[], None], *,
                name: str) -> QMessageBox:
    """A window-modal question opened without blocking the loop: ``then`` runs only when its confirm
    button (``confirm_label``, the default: Enter) is chosen; 取消, Esc or closing it does nothing."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName(name)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    confirm = box.addButton(confirm_label, QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(tr("取消"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(confirm)
    box.setEscapeButton(cancel)
    box.finished.connect(lambda _result: then() if box.clickedButton() is confirm else None)
    box.open()
    return box


def notice(parent: QWidget, title: str, text: str) -> QMessageBox:
    """A warning with one 知道了 button, opened without blocking the loop (the show goes on behind it)."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("showNotice")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setEscapeButton(box.addButton(tr("知道了"), QMessageBox.ButtonRole.AcceptRole))
    box.open()
    return box
