"""The teleprompter (提词器 / 主播看板): its own window for a second screen, read from across the room.

It shows the product being explained (name, the price a viewer pays now, stock left, how long it has
been explained, the running countdown) in very large type, scrolling the selling points at the speed
the slider sets, and the assistants' notes (the ``note`` command), newest on top, each with the time it
was sent. Selling points and notes are checked against the Advertising Law and the user's banned words
(app/comments/adlaw.py): each finding is highlighted (red background, wavy underline) and hovering it
shows the suggested wording. F11 toggles full screen; Esc and Ctrl+T close the window.

Everything is read from ``engine.state`` when the engine reports a change (``explaining``, ``catalog``,
``queue``, ``notes``), the product's numbers by :func:`ui.live.anchor_strip.anchor_facts` as the anchor
strip reads them, and the countdown comes from the promotions panel (:meth:`TeleprompterWindow.show_countdown`);
the window keeps no copy. Its one timer only scrolls, and runs only while the window is visible, the
speed is above zero and there is something to scroll.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QHelpEvent,
    QKeySequence,
    QShortcut,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSlider,
    QTextEdit,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from app.comments.adlaw import AdLawChecker, Finding
from app.commerce.effects import Change
from app.core.i18n import tr
from app.core.units import format_clock, format_count, format_fen, format_time_of_day
from app.engine.session import SessionEngine
from ui.live.anchor_strip import anchor_facts

#: The scroll timer's period (20 Hz: smooth enough for reading, cheap).
SCROLL_MS = 50
MAX_NOTES_SHOWN = 6
#: Opens the teleprompter from the console (视图 → 提词器) and closes it from either window.
TOGGLE_KEY = "Ctrl+T"


def finding_format() -> QTextCharFormat:
    """How an Advertising Law finding looks: red background, wavy red underline."""
    fmt = QTextCharFormat()
    fmt.setBackground(QColor("#5c1518"))
    fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
    fmt.setUnderlineColor(QColor("#ff4d4f"))
    return fmt


class AdLawHighlighter(QSyntaxHighlighter):
    """Highlights Advertising Law findings in a QTextDocument, as the text is typed or replaced.

    Use it on any editor of scripts or selling points; :func:`install_adlaw_tooltips` adds the
    suggestion tooltip.
    """

    def __init__(self, document: QTextDocument, checker: AdLawChecker) -> None:
        super().__init__(document)
        self.checker = checker
        self._format = finding_format()

    def highlightBlock(self, text: str) -> None:
        for finding in self.checker.check(text):
            self.setFormat(finding.start, finding.end - finding.start, self._format)


def finding_at(edit: QTextEdit, checker: AdLawChecker, pos_in_viewport: object) -> Finding | None:
    """The finding under a viewport position of ``edit``, if any."""
    cursor = edit.cursorForPosition(pos_in_viewport)  # type: ignore[arg-type]
    block = cursor.block()
    offset = cursor.position() - block.position()
    for finding in checker.check(block.text()):
        if finding.start <= offset <= finding.end:
            return finding
    return None


def suggestion_text(finding: Finding) -> str:
    return tr("广告法极限词「{word}」，建议改为：{suggestion}", word=finding.word, suggestion=finding.suggestion)


class _TooltipFilter(QObject):
    def __init__(self, edit: QTextEdit, checker: Callable[[], AdLawChecker]) -> None:
        super().__init__(edit)
        self._edit = edit
        self._checker = checker

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            finding = finding_at(self._edit, self._checker(), event.pos())
            if finding is not None:
                QToolTip.showText(event.globalPos(), suggestion_text(finding), self._edit.viewport())
            else:
                QToolTip.hideText()
            return True
        return False


def install_adlaw_tooltips(edit: QTextEdit, checker: Callable[[], AdLawChecker]) -> None:
    """Show each finding's suggestion when the mouse rests on it."""
    edit.viewport().installEventFilter(_TooltipFilter(edit, checker))


class TeleprompterWindow(QWidget):
    """The 提词器 window: explaining product, selling points (scrolling), assistants' notes.

    Args:
        engine: the session engine (read only; the window sends nothing).
        checker: the Advertising Law checker (built-in terms plus the user's ``banned_words``).
    """

    def __init__(self, engine: SessionEngine, checker: AdLawChecker, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("teleprompter")
        self.setWindowTitle(tr("提词器 · LiveDeck"))
        self.engine = engine
        self.checker = checker
        self.resize(1280, 800)

        self._make_script(checker)
        self._make_notes(checker)
        self._make_speed()
        self._lay_out()

        self._scroll_pos = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(SCROLL_MS)
        self._timer.timeout.connect(self._scroll_step)
        self._shown_product: object = ()  # nothing drawn yet (None means "no product")
        self._unsubscribe = engine.subscribe_changes(self._on_change)
        for key, slot in ((QKeySequence(Qt.Key.Key_F11), self.toggle_full_screen),
                          (QKeySequence(Qt.Key.Key_Escape), self.close),
                          (QKeySequence(TOGGLE_KEY), self.close)):
            QShortcut(key, self, slot)
        self._speed_changed(self.speed.value())
        self.refresh()

    def _make_script(self, checker: AdLawChecker) -> None:
        """The product's name, price, stock/timer, countdown and selling points (checked against the words)."""
        self.name_label = QLabel(self)
        self.name_label.setObjectName("promptName")
        self.name_label.setWordWrap(True)
        self.price_label = QLabel(self)
        self.price_label.setObjectName("promptPrice")
        self.facts_label = QLabel(self)  # stock left and the explain timer
        self.facts_label.setObjectName("promptFacts")
        self.facts_label.setWordWrap(True)  # never widens the window past the screen (English is longer)
        self.countdown_caption = QLabel(self)
        self.countdown_caption.setObjectName("promptCountdownCaption")
        self.countdown_label = QLabel(self)
        self.countdown_label.setObjectName("promptCountdown")
        self.countdown_caption.hide()
        self.countdown_label.hide()
        self.points = QTextEdit(self)
        self.points.setObjectName("promptPoints")
        self.points.setReadOnly(True)
        self.points.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.highlighter = AdLawHighlighter(self.points.document(), checker)
        install_adlaw_tooltips(self.points, lambda: self.checker)
        self.findings_label = QLabel(self)
        self.findings_label.setObjectName("promptFindings")
        self.findings_label.setWordWrap(True)

    def _make_notes(self, checker: AdLawChecker) -> None:
        """The assistants' notes, newest on top, checked against the same words."""
        self.notes_title = QLabel(tr("助播提醒"), self)
        self.notes_title.setObjectName("promptNotesTitle")
        self.notes_view = QTextEdit(self)  # newest on top, each "20:15:30  text"; findings highlighted
        self.notes_view.setObjectName("promptNotes")
        self.notes_view.setReadOnly(True)
        self.notes_view.setFrameShape(QTextEdit.Shape.NoFrame)
        self.notes_highlighter = AdLawHighlighter(self.notes_view.document(), checker)
        install_adlaw_tooltips(self.notes_view, lambda: self.checker)

    def _make_speed(self) -> None:
        self.speed = QSlider(Qt.Orientation.Horizontal, self)
        self.speed.setRange(0, 10)
        self.speed.setValue(0)
        self.speed.setToolTip(tr("滚动速度（0 = 不滚动）"))
        self.speed_label = QLabel(self)
        self.speed.valueChanged.connect(self._speed_changed)

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.name_label, 1)
        top.addWidget(self.price_label, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        facts = QHBoxLayout()
        facts.addWidget(self.facts_label, 1, Qt.AlignmentFlag.AlignBottom)
        facts.addWidget(self.countdown_caption, 0, Qt.AlignmentFlag.AlignBottom)
        facts.addWidget(self.countdown_label, 0, Qt.AlignmentFlag.AlignBottom)
        left = QVBoxLayout()
        left.addLayout(top)
        left.addLayout(facts)
        left.addWidget(self.points, 1)
        left.addWidget(self.findings_label)
        speed_row = QHBoxLayout()
        speed_row.addWidget(QLabel(tr("滚动速度"), self))
        speed_row.addWidget(self.speed, 1)
        speed_row.addWidget(self.speed_label)
        left.addLayout(speed_row)
        right = QVBoxLayout()
        right.addWidget(self.notes_title)
        right.addWidget(self.notes_view, 1)
        notes_box = QWidget(self)
        notes_box.setObjectName("promptNotesBox")
        notes_box.setMinimumWidth(360)
        notes_box.setLayout(right)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(24)
        layout.addLayout(left, 3)
        layout.addWidget(notes_box, 2)

    # -- engine → screen -------------------------------------------------------------------------------
    def _on_change(self, change: Change) -> None:
        if not shiboken6.isValid(self):
            return
        if change.kind in ("explaining", "catalog", "queue", "notes", "product"):
            self.refresh()

    def set_checker(self, checker: AdLawChecker) -> None:
        """Use another checker (the user's ``banned_words`` changed)."""
        self.checker = self.highlighter.checker = self.notes_highlighter.checker = checker
        self.notes_highlighter.rehighlight()
        self._shown_product = ()
        self.refresh()

    def refresh(self) -> None:
        state = self.engine.state
        product = state.queue.get(state.explaining) if state.explaining is not None else None
        key = None if product is None else (product.no, product.name, product.price_fen, product.selling_points)
        if key != self._shown_product:
            self._shown_product = key
            if product is None:
                self.name_label.setText(tr("（未在讲解商品）"))
                self.points.setPlainText("")
            else:
                self.name_label.setText(product.label)
                self.points.setPlainText(product.selling_points)
            self.highlighter.rehighlight()
            findings = self.checker.check(self.points.toPlainText())
            self.findings_label.setVisible(bool(findings))
            self.findings_label.setText(
                tr("⚠ 广告法极限词：{words}", words="、".join(
                    f"{f.word} → {f.suggestion}" for f in findings)) if findings else "")
            self._scroll_pos = 0.0
            self.points.verticalScrollBar().setValue(0)
            self._update_timer()
        self.refresh_facts()
        notes = list(reversed(state.notes[-MAX_NOTES_SHOWN:]))
        text = "\n\n".join(f"{format_time_of_day(n.ts)}  {n.text}" for n in notes) if notes else tr("（暂无提醒）")
        if self.notes_view.toPlainText() != text:
            self.notes_view.setPlainText(text)

    def refresh_facts(self) -> None:
        """The price a viewer pays now, stock left and the explain timer (the console calls this at 2 Hz)."""
        facts = anchor_facts(self.engine)
        if facts is None:
            self.price_label.setText("")
            self.facts_label.setText("")
            return
        price = format_fen(facts.price_fen)
        self.price_label.setText(tr("秒杀价 {price}", price=price) if facts.on_sale else price)
        stock = tr("{n}件", n=format_count(facts.stock_left)) if facts.stock_left is not None else "—"
        self.facts_label.setText(tr("{what} {stock} · 已讲解 {time}", stock=stock,
                                    what=tr("秒杀剩余件数") if facts.on_sale else tr("库存剩余"),
                                    time=format_clock(facts.explained_for)))

    def show_countdown(self, caption: str, text: str, tone: str) -> None:
        """The running countdown (``PromotionsPanel.countdown``); ``tone`` '' hides it."""
        self.countdown_caption.setText(caption)
        self.countdown_label.setText(text)
        if self.countdown_label.property("tone") != tone:
            self.countdown_label.setProperty("tone", tone)
            self.countdown_label.style().polish(self.countdown_label)
        self.countdown_caption.setVisible(bool(tone))
        self.countdown_label.setVisible(bool(tone))

    def note_findings(self) -> list[Finding]:
        """The Advertising Law findings in the notes on screen."""
        return self.checker.check(self.notes_view.toPlainText())

    def toggle_full_screen(self) -> None:
        """F11: full screen on the screen the window is on, and back."""
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()

    def findings(self) -> list[Finding]:
        """The Advertising Law findings in the selling points on screen."""
        return self.checker.check(self.points.toPlainText())

    # -- scrolling ------------------------------------------------------------------------------------
    def _speed_changed(self, value: int) -> None:
        self.speed_label.setText(str(value))
        self._update_timer()

    def _update_timer(self) -> None:
        bar = self.points.verticalScrollBar()
        should_run = self.isVisible() and self.speed.value() > 0 and bar.maximum() > 0
        if should_run and not self._timer.isActive():
            self._timer.start()
        elif not should_run and self._timer.isActive():
            self._timer.stop()

    def _scroll_step(self) -> None:
        bar = self.points.verticalScrollBar()
        # speed 1 ≈ 10 px/s … speed 10 ≈ 100 px/s; back to the top after the end.
        self._scroll_pos += self.speed.value() * 10 * SCROLL_MS / 1000
        if self._scroll_pos > bar.maximum() + 40:
            self._scroll_pos = 0.0
        bar.setValue(int(self._scroll_pos))

    def showEvent(self, event: QEvent) -> None:  # type: ignore[override]
        super().showEvent(event)  # type: ignore[arg-type]
        self._update_timer()

    def hideEvent(self, event: QEvent) -> None:  # type: ignore[override]
        super().hideEvent(event)  # type: ignore[arg-type]
        self._timer.stop()

    def resizeEvent(self, event: QEvent) -> None:  # type: ignore[override]
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._update_timer()

    def shutdown(self) -> None:
        self._timer.stop()
        self._unsubscribe()
        self._unsubscribe = lambda: None
