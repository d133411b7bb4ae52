"""Every window speaks one language: no English word in the Chinese UI (user data, units and keys aside),
no Chinese in the English one, Qt's own buttons translated, and no header text cut by its column.

The console runs on a real demo room with a coupon dropped, a flash sale and a lucky bag, so the feed, the
promotions dock and the review show the words those produce; the review, library and comparison read the
hand-made logs of tests/ui/review_data.py plus the show just recorded.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QStyle,
    QTabBar,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.events import Kind
from app.core.i18n import set_language, tr
from app.core.settings import Settings
from app.core.units import coupon_label
from app.engine.session import SessionEngine
from app.show.preparation import ShowLibrary
from app.show.show import Show, SourceSpec
from app.store.session_log import SessionLog
from tests.ui.conftest import wait_until
from tests.ui.review_data import PRODUCTS, build_log
from ui.common.qt_translations import install_qt_translations
from ui.common.theme import apply_theme
from ui.live.banned_words import BannedWordsDialog
from ui.live.catalog_dialog import CatalogImportDialog
from ui.live.comment_feed import FeedRole
from ui.live.hotkeys import HotkeyDialog
from ui.live.main_window import MainWindow
from ui.live.show_dialog import OpenShowDialog, SaveShowDialog, ShowKeeper
from ui.review.compare_window import CompareWindow
from ui.review.review_window import ReviewWindow
from ui.review.session_library import SessionLibrary

#: ASCII words the Chinese UI may show: brands, units, formats, metric names the platforms use too.
ALLOWED = {
    "LiveDeck", "GMV", "GPM", "UV", "PV", "ms", "px", "s", "min", "h", "ID", "WebSocket", "JSON", "CSV",
    "XLSX", "HTML", "PDF", "csv", "xlsx", "json", "html", "pdf", "ws", "wss", "http", "https", "Ctrl", "Alt",
    "Shift", "Esc", "Enter", "Del", "Tab", "Space", "Up", "Down", "Left", "Right", "PgUp", "PgDown", "F1",
    "F11", "Return", "Backspace", "Home", "End", "SPF50", "T", "TOP", "Top", "AOV", "CTR", "CVR", "UTC",
    "x", "vs", "k", "w", "AI", "API", "URL", "Token", "token", "IP", "No", "OK", "Cookie", "PCU",
}
_WORD = re.compile(r"[A-Za-z][A-Za-z]+")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_URL = re.compile(r"\b(?:wss?|https?|file)://\S+|\S+\.(?:csv|xlsx|json|html|pdf|sqlite|db)\b|[\w./-]*/[\w./-]+")
_KEY = re.compile(r"\b(?:Ctrl|Alt|Shift|Meta)\+\S+|\bF\d{1,2}\b")


def widget_texts(root: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) of everything a user reads in ``root``: labels, buttons, choices, placeholders, actions and menus,
    tabs, headers, window titles and tooltips."""
    widgets = [root, *root.findChildren(QWidget)]
    for w in widgets:
        where = f"{type(w).__name__} {w.objectName() or ''}".strip()
        if w.isWindow():
            yield where + " title", w.windowTitle()
        yield where + " tooltip", w.toolTip()
        if isinstance(w, (QLabel, QAbstractButton)):
            yield where, w.text()
        elif isinstance(w, (QLineEdit, QPlainTextEdit, QTextEdit)):
            yield where + " placeholder", w.placeholderText()
        elif isinstance(w, QComboBox):
            for i in range(w.count()):
                yield where + f" item {i}", w.itemText(i)
        elif isinstance(w, QTabBar):
            for i in range(w.count()):
                yield where + f" tab {i}", w.tabText(i)
                yield where + f" tab {i} tooltip", w.tabToolTip(i)
        for action in w.actions():
            yield where + " action", action.text()
            yield where + " action tooltip", action.toolTip() if action.toolTip() != action.text() else ""
            if action.menu() is not None:
                menu = action.menu()
                assert isinstance(menu, QMenu)
                yield "QMenu title", menu.title()
        if isinstance(w, QHeaderView) and w.model() is not None:
            for section in range(w.count()):
                yield where + " header", str(w.model().headerData(section, w.orientation()) or "")


def clipped_headers(root: QWidget) -> list[str]:
    """Header texts wider than their section (cut to "Explain windo…")."""
    out = []
    for header in root.findChildren(QHeaderView):
        if header.orientation() != Qt.Orientation.Horizontal or not header.isVisible() or header.model() is None:
            continue
        metrics = header.fontMetrics()
        margins = 2 * header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
        for section in range(header.count()):
            if header.isSectionHidden(section) or header.sectionSize(section) == 0:
                continue
            text = str(header.model().headerData(section, Qt.Orientation.Horizontal) or "")
            if metrics.horizontalAdvance(text) + margins > header.sectionSize(section):
                out.append(f"{text!r} in {header.sectionSize(section)} px")
    return out


def stray_mnemonics(root: QWidget) -> list[str]:
    """Tab, button and action texts whose lone "&" underlines the next letter ("Flash sales _coupons")."""
    texts = [b.text() for b in root.findChildren(QAbstractButton)]
    texts += [bar.tabText(i) for bar in root.findChildren(QTabBar) for i in range(bar.count())]
    texts += [a.text() for w in [root, *root.findChildren(QWidget)] for a in w.actions()]
    return sorted({t for t in texts if re.search(r"(?<!&)&(?!&)\W", t.replace("&&", ""))})


def plain(text: str) -> str:
    """``text`` without what is neither Chinese nor English: markup, URLs, paths, keys, mnemonics."""
    text = re.sub(r"<[^>]+>|&[a-z]+;", " ", text)
    text = text.replace("&", "")
    return _KEY.sub(" ", _URL.sub(" ", text))


def wrong_language(texts: Iterator[tuple[str, str]], lang: str, user_data: set[str]) -> list[str]:
    problems = []
    for where, text in texts:
        if not text:
            continue
        body = plain(text)
        for datum in user_data:
            body = body.replace(datum, " ")
        if lang == "zh":
            english = [w for w in _WORD.findall(body) if w not in ALLOWED]
            if english:
                problems.append(f"{where}: {text!r} ({' '.join(english)})")
        elif _HAN.search(body):
            problems.append(f"{where}: {text!r}")
    return sorted(set(problems))


def user_data() -> set[str]:
    """Product names and other user data, which stay in the language they were written in."""
    names = {p.name for p in load_products_csv(demo_catalog_path())} | {str(p["name"]) for p in PRODUCTS}
    extra = {"春季上新专场", "周末清仓", "断网的一场", "中文", "English", "语言 / Language"}
    # what viewers write, quoted in the English tooltips that explain which comments match
    # (and the Chinese Advertising Law terms the banned-word list is about)
    viewers = {"扣1", "想要", "已拍", "下单", "吗", "多少", "怎么", "最", "第一", "秒杀全网", "优惠力度大"}
    return names | extra | viewers


@pytest.fixture(params=["zh", "en"])
def lang(request: pytest.FixtureRequest) -> Iterator[str]:
    app = QApplication.instance()
    assert app is not None
    set_language(request.param)
    install_qt_translations(app, request.param)
    apply_theme(app)  # the console's fonts, so widths are the ones a user sees
    yield request.param
    install_qt_translations(app, "zh")  # the default, as the console starts


def check(root: QWidget, lang: str, problems: list[str], name: str, viewers: frozenset[str] = frozenset()) -> None:
    """Add what is wrong in ``root`` to ``problems``; ``viewers``: the names of the show's viewers (user data)."""
    problems += [f"{name}: {p}" for p in wrong_language(widget_texts(root), lang, user_data() | viewers)]
    problems += [f"{name}: clipped header {h}" for h in clipped_headers(root)]
    problems += [f"{name}: stray mnemonic in {t!r}" for t in stray_mnemonics(root)]


def test_qt_buttons_and_file_dialogs_speak_the_ui_language(qtbot: QtBot, lang: str) -> None:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    assert sorted(b.text() for b in box.buttons()) == (["取消", "确定"] if lang == "zh" else ["Cancel", "OK"])
    dialog = QFileDialog(None, "x")
    qtbot.addWidget(dialog)
    # Qt's own dialog, never the desktop's (which speaks the system's language)
    assert QApplication.testAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs)
    problems: list[str] = []
    check(dialog, lang, problems, "file dialog")
    assert not problems, "\n".join(problems)


def test_every_console_window_speaks_one_language(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path, demo_room, lang: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = tmp_path / "show.sqlite"
    problems: list[str] = []
    settings = Settings(tmp_path / "s.json")

    async def scenario() -> tuple[int, list[str]]:
        url = demo_room(seed=11, rate=80.0)
        with SessionLog(db) as log:
            engine = SessionEngine(log)
            async with Show(engine) as show:
                window = MainWindow(engine, show, SourceSpec("generic", url),
                                    load_products_csv(demo_catalog_path()), settings)
                qtbot.addWidget(window)
                keeper = ShowKeeper(window, ShowLibrary(tmp_path / "shows"), settings, None)
                window.resize(1920, 1080)
                window.show()
                await window.start_session()
                runner = window.runner
                await wait_until(lambda: engine.state.events > 5, timeout=10, what="the room live")
                runner.run("explain", {"no": 1})
                runner.run("drop_coupon", {"kind": "满减", "threshold_fen": 10000, "discount_fen": 1000,
                                           "quantity": 50})
                runner.run("start_flash_sale", {"no": 2, "price_fen": 5900, "stock": 30, "duration_s": 60})
                model = window.feed.model

                def keyed() -> int:  # the room's 扣1 chatter about the explained product
                    return sum("扣1" in str(model.index(r, 0).data(FeedRole.TEXT)) for r in range(model.rowCount()))

                await wait_until(lambda: keyed() >= 3, timeout=20, what="viewers writing 扣1")
                # Long enough that the demo room's viewers surely join (only 扣1 written after the start counts).
                runner.run("start_lucky_bag", {"condition": {"keyword": "扣1"}, "duration_s": 15, "winners": 1})
                await wait_until(lambda: bool(engine.state.lucky_bags[0].participants), timeout=14,
                                 what="a viewer joining the lucky bag")
                await wait_until(lambda: any(model.index(r, 0).data(FeedRole.KIND) == Kind.COUPON_CLAIM
                                             for r in range(model.rowCount())), timeout=30)
                await wait_until(lambda: [b.status for b in engine.state.lucky_bags] == ["drawn"],
                                 timeout=30)
                claim = next(model.index(r, 0).data(FeedRole.BODY) for r in range(model.rowCount())
                             if model.index(r, 0).data(FeedRole.KIND) == Kind.COUPON_CLAIM)
                assert claim == tr("领取了优惠券 {coupon}", coupon=coupon_label("满减", 10000, 1000))
                window.refresh()
                viewers = frozenset(str(model.index(r, 0).data(FeedRole.USER_NAME) or "")
                                    for r in range(model.rowCount()))
                viewers |= {name for bag in engine.state.lucky_bags for name in bag.participants.values()}
                check(window, lang, problems, "main window", viewers - {""})
                for dialog_name, dialog in [
                    ("connect dialog", window.open_connect_dialog()),
                    ("hotkey sheet", HotkeyDialog(window.hotkeys, window)),
                    ("teleprompter", window.open_teleprompter()),
                    ("save show", SaveShowDialog(keeper, window)),
                    ("open show", OpenShowDialog(keeper, window)),
                    ("banned words", BannedWordsDialog(settings, window)),
                    ("auto-reply rules", window.replies.panel.open_rules()),
                    ("catalog import", CatalogImportDialog(demo_catalog_path(), runner, window)),
                ]:
                    dialog.show()
                    check(dialog, lang, problems, dialog_name)
                    dialog.close()
                console_dialog = window.open_console_dialog()  # platform names are names in any language
                check(console_dialog, lang, problems, "console dialog",
                      frozenset(p.name for p in console_dialog.profiles.values()))
                console_dialog.close()
                sid = engine.state.session_id
                assert sid is not None
                bag = engine.state.lucky_bags[0]
                winners = [bag.participants[uid] for uid in bag.winners]
                await window.stop_session()
                keeper.flush()
                window.close_now()
        return sid, winners

    sid, winners = qloop.run_until_complete(scenario())
    assert winners, "nobody took part in the lucky bag"
    review = ReviewWindow(db, sid)  # the show just recorded: its coupon, sale and lucky bag
    qtbot.addWidget(review)
    review.resize(1400, 900)
    review.show()
    for tab in range(review.tabs.count()):
        review.show_tab(tab)
        check(review, lang, problems, f"review tab {review.tabs.tabText(tab)}", frozenset(winners))
    bags = review.lucky_bags
    assert [bags.data(bags.index(0, c)) for c in range(bags.columnCount())][2:] == [
        "、".join(winners), tr("已开奖")]  # winners by name, not "44615469…"
    assert not problems, "\n".join(problems)


def test_every_review_window_speaks_one_language(qtbot: QtBot, tmp_path: Path, lang: str) -> None:
    built = build_log(tmp_path / "sessions.sqlite")
    problems: list[str] = []
    review = ReviewWindow(built.path, built.ids["spring"])
    qtbot.addWidget(review)
    review.resize(1400, 900)
    review.show()
    qtbot.waitExposed(review)
    for tab in range(review.tabs.count()):
        review.show_tab(tab)
        check(review, lang, problems, f"review tab {review.tabs.tabText(tab)}")
    library = SessionLibrary(built.path)
    qtbot.addWidget(library)
    with qtbot.waitSignal(library.loaded, timeout=10000):
        pass
    library.show()
    check(library, lang, problems, "session library")
    library.select_ids([built.ids["spring"], built.ids["weekend"]])
    compare = library.compare_selected()
    assert isinstance(compare, CompareWindow)
    qtbot.addWidget(compare)
    compare.show()
    check(compare, lang, problems, "compare window")
    assert not problems, "\n".join(problems)
