"""The console's main window: header (source health, session clock, KPIs), comment feed, dock panels."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

import shiboken6
from PySide6.QtCore import QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QMessageBox,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.comments.adlaw import AdLawChecker
from app.commerce.catalog import Product
from app.commerce.effects import Change
from app.core.events import Kind, LiveEvent
from app.core.i18n import LANGUAGES, language, tr
from app.core.settings import Settings, data_dir
from app.core.units import format_clock, format_count, format_fen
from app.engine.session import SessionEngine
from app.metrics.tracker import Snapshot
from app.show.show import Show, SourceSpec, SourceUnreachableError
from app.sources.base import SourceStatus
from ui.common.commands import CommandRunner
from ui.common.fit_scroll import FitScrollArea
from ui.live.anchor_strip import AnchorStrip
from ui.live.banned_words import BannedWordsDialog
from ui.live.catalog_dialog import open_catalog_import
from ui.live.comment_column import CommentColumn
from ui.live.confirm import END_SESSION, QUIT, SWITCH_SOURCE, Question, ask_to_end, is_live, notice
from ui.live.connect_dialog import ConnectDialog
from ui.live.console_dialog import ConsoleDialog
from ui.live.console_health import listen_on_qt_thread
from ui.live.dashboard import DashboardPanel
from ui.live.header_bar import HeaderBar
from ui.live.hotkeys import ConsoleHotkeys, HotkeyDialog
from ui.live.pinned_banner import PinnedBanner, pin_selected
from ui.live.product_queue import ProductQueueModel, ProductQueuePanel
from ui.live.promotions_panel import PromotionsPanel
from ui.live.reply_dock import install_replies
from ui.live.restore_banner import RestoreBanner
from ui.live.run_of_show import RunOfShowPanel
from ui.live.source_health import DiskFullNotice, SourceHealthPopup
from ui.live.teleprompter import TOGGLE_KEY, TeleprompterWindow
from ui.review.session_library import open_session_library

log = logging.getLogger("livedeck.ui")


def _session_title() -> str:
    return tr("直播 {date}", date=time.strftime("%Y-%m-%d %H:%M"))


#: Below this window width the first-run layout puts the dashboard in a tab beside 营销.
NARROW_WINDOW_PX = 1700


class MainWindow(QMainWindow):
    """The console. It shows the engine's state and sends it commands; it owns none of the show's data.

    Args:
        engine: the session engine (its state is read at ≤ 2 Hz; its batches feed the views).
        show: runs the source and the session; the window starts and stops it.
        spec: the source sessions record from.
        products: the product list shown in the queue panel.
        settings: user settings (feed capacity, language).
    """

    closed = Signal()

    def __init__(
        self,
        engine: SessionEngine,
        show: Show,
        spec: SourceSpec,
        products: Sequence[Product],
        settings: Settings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.show_runner = show
        self.spec = spec
        self.settings = settings
        self._tasks: set[asyncio.Task[None]] = set()
        self.question: QMessageBox | None = None  # the open "end the show?" question (ui/live/confirm.py)
        self._close_confirmed = False  # set by close_now(): closing no longer asks
        self.unreachable_notice: QMessageBox | None = None  # "没有连上新的直播源", after a failed switch
        self.setWindowTitle(tr("LiveDeck 直播中控台"))
        # First run: the screen's available area (up to full HD); a saved geometry replaces it below.
        screen = QGuiApplication.primaryScreen()
        available = screen.availableGeometry() if screen is not None else None
        self.resize(min(available.width(), 1920) if available else 1440,
                    min(available.height(), 1080) if available else 900)
        self.setDockNestingEnabled(True)

        self._build_central()
        self._build_anchor_strip()
        if products and not len(engine.state.queue):  # the engine owns the catalog from here on
            engine.load_catalog(list(products))
        self._build_docks()

        self.header.session_button.clicked.connect(self._toggle_session)
        # Source health: a popup under the header's status light (ui/live/source_health.py).
        self.demo_url: str | None = None  # the embedded demo room, offered by the connect dialog
        self.health = SourceHealthPopup(lambda: show.source.status if show.source else None, self,
                                        disk_full=self._disk_full, engine_bad_ts=lambda: show.engine.state.bad_ts)
        self.disk_notice = DiskFullNotice(self)  # the log's disk is full: on screen until space returns
        self.statusBar().addPermanentWidget(self.disk_notice)
        self.header.status.clicked.connect(lambda: self.health.show_below(self.header.status))
        self.header.console.clicked.connect(self.open_console_dialog)  # the platform console (console_health.py)
        self._unsubscribe_console = listen_on_qt_thread(self, show.add_console_listener, self.header.console.set_status)
        # The show outlives the window: closeEvent stops listening to it.
        self._unsubscribe_status = show.add_status_listener(self._show_status)
        self._unsubscribe = engine.subscribe(self._on_batch)
        self._unsubscribe_changes = engine.subscribe_changes(self._on_change)
        # Hotkeys (ui/live/hotkeys.py); the promotions panel sets ``self.hotkeys.prepared`` (PreparedPromotions).
        self.hotkeys = ConsoleHotkeys(self, self.runner, settings,
                                      pin_selected=lambda: pin_selected(self.feed, self.runner))
        self.hotkeys.prepared = self.promotions  # the 营销 dock's prepared commands
        self.replies = install_replies(self, engine, show, settings, self.hotkeys, self._add_dock,  # 快捷回复
                                       beside=self.dashboard_dock or self.promotions_dock)
        self.replies.voice.ignores = self.replies.auto.ignores = self.comments.block_list.moderation.is_blocked
        self._build_menus()

        # The header derives everything from the engine's state at 2 Hz: cheap, and never stale long.
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(500)
        self._refresh_timer.timeout.connect(self.refresh)
        self._refresh_timer.start()
        self._restore_layout()
        self.refresh()

    def _build_central(self) -> None:
        """The header, the pinned-comment banner and the comment feed, with the command runner they use."""
        self.header = HeaderBar(self)
        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.header)
        # Every operator action goes through the runner; a refusal shows its reason in the status bar.
        self.runner = CommandRunner(self.engine, parent=self)
        self.runner.message.connect(lambda text, _error: self.statusBar().showMessage(text, 10_000))
        self.restore_banner = RestoreBanner(central)  # what continuing an interrupted show brought back
        column.addWidget(self.restore_banner)
        self.pinned_banner = PinnedBanner(self.runner, central)
        column.addWidget(self.pinned_banner)
        # The feed with the questions pane beside it, their menu, block list and counters (comment_column.py).
        self.comments = CommentColumn(self.runner, self.settings, product_label=self._product_label,
                                      coupon_label=self._coupon_label, parent=central)
        self.feed = self.comments.feed
        column.addWidget(self.comments, 1)
        self.setCentralWidget(central)

    def _build_anchor_strip(self) -> None:
        """The anchor strip across the whole top, above the docks: a fixed toolbar nobody can hide."""
        self.anchor_strip = AnchorStrip(self.engine)
        bar = QToolBar(tr("主播条"), self)
        bar.setObjectName("anchorStripBar")  # saveState needs stable names
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.setContextMenuPolicy(Qt.ContextMenuPolicy.PreventContextMenu)
        bar.toggleViewAction().setVisible(False)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.anchor_strip)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.anchor_bar = bar

    def _build_docks(self) -> None:
        """商品队列, 数据看板, 营销 and 直播流程, in their first-run layout."""
        self.products = ProductQueueModel(self.engine, self)
        self.queue_panel = ProductQueuePanel(self.products, self.runner)
        self.product_dock = self._add_dock(
            "productDock", tr("商品队列"), self.queue_panel, Qt.DockWidgetArea.LeftDockWidgetArea
        )

        # The 数据看板 dock: KPI tiles and live charts over the show's metrics (when the show keeps them).
        self.dashboard: DashboardPanel | None = None
        self.dashboard_dock: QDockWidget | None = None
        self._unsubscribe_snapshots: Callable[[], None] | None = None
        if self.show_runner.metrics is not None:
            self._unsubscribe_snapshots = self.show_runner.metrics.add_snapshot_listener(self._show_snapshot)
            self.dashboard = DashboardPanel(self.show_runner.metrics)
            self.dashboard_dock = self._add_dock(
                "dashboardDock", tr("数据看板"), self.dashboard, Qt.DockWidgetArea.RightDockWidgetArea
            )

        # 营销 (flash sales, coupons, lucky bags, notes) and 直播流程 (run-of-show) docks.
        self.promotions = PromotionsPanel(self.engine)
        self.promotions_dock = self._add_dock(
            "promotionsDock", tr("营销"), FitScrollArea(self.promotions), Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self.queue_panel.flash_sale_requested.connect(self.open_flash_sale)  # a queue row's 秒杀
        # Under the queue: pick a product above, prepare its flash sale or coupon below.
        self.splitDockWidget(self.product_dock, self.promotions_dock, Qt.Orientation.Vertical)
        self.promotions.countdown.connect(self.anchor_strip.show_countdown)
        self.run_of_show = RunOfShowPanel(self.engine)
        self.run_of_show_dock = self._add_dock(
            "runOfShowDock", tr("直播流程"), self.run_of_show, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.teleprompter: TeleprompterWindow | None = None  # opened from 视图 → 提词器

        # The left and right columns run the full height; 直播流程 sits under the comment feed only.
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        # A first-run layout: whole product names on the left, the charts at full height on the right,
        # a short run-of-show strip below. The user's own layout replaces it.
        self.resizeDocks([self.product_dock], [460], Qt.Orientation.Horizontal)
        if self.dashboard_dock is not None:
            self.resizeDocks([self.dashboard_dock], [520], Qt.Orientation.Horizontal)
        self.resizeDocks([self.product_dock, self.promotions_dock], [560, 420], Qt.Orientation.Vertical)
        self.resizeDocks([self.run_of_show_dock], [200], Qt.Orientation.Vertical)

    def _show_status(self, status: SourceStatus) -> None:
        self.header.status.set_status(status)
        self.health.set_status(status)

    def open_flash_sale(self, no: int) -> None:
        """A queue row's 秒杀: the 营销 dock in front, its 秒杀 tab on product ``no``'s sale."""
        self.promotions_dock.show()
        self.promotions_dock.raise_()
        self.promotions.open_flash_sale(no)

    def _product_label(self, product_id: str) -> str:
        product = self.engine.state.queue.by_product_id(product_id)
        return product.label if product is not None else product_id

    def _coupon_label(self, coupon_id: str) -> str:
        coupon = self.engine.state.coupons.get(coupon_id)
        return coupon.label() if coupon is not None else ""

    # -- building -----------------------------------------------------------------------------------
    def _add_dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)  # saveState needs stable names
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(area, dock)
        return dock

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(tr("文件"))
        import_action = QAction(tr("导入商品…"), self)
        import_action.setShortcut(QKeySequence("Ctrl+O"))
        import_action.triggered.connect(lambda: open_catalog_import(self, self.runner))
        file_menu.addAction(import_action)
        settings_menu = self.menuBar().addMenu(tr("设置"))
        hotkeys_action = QAction(tr("快捷键…"), self)
        hotkeys_action.triggered.connect(lambda: HotkeyDialog(self.hotkeys, self).exec())
        settings_menu.addAction(hotkeys_action)
        help_action = QAction(tr("快捷键一览（{key}）", key=self.hotkeys.key("help").toString()), self)
        help_action.triggered.connect(self.hotkeys.toggle_help)
        settings_menu.addAction(help_action)
        banned_action = QAction(tr("违禁词…"), self)
        banned_action.triggered.connect(self.edit_banned_words)
        settings_menu.addAction(banned_action)
        session_menu = self.menuBar().addMenu(tr("场次"))
        self.toggle_action = QAction(tr("开始场次"), self)
        self.toggle_action.setShortcut(QKeySequence("Ctrl+R"))
        self.toggle_action.triggered.connect(self._toggle_session)
        session_menu.addAction(self.toggle_action)
        self.connect_action = QAction(tr("连接直播间…"), self)
        self.connect_action.setShortcut(QKeySequence("Ctrl+L"))
        self.connect_action.triggered.connect(self.open_connect_dialog)
        session_menu.addAction(self.connect_action)
        self.console_action = session_menu.addAction(tr("连接平台中控台…"), self.open_console_dialog)
        quit_action = QAction(tr("退出"), self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))  # StandardKey.Quit is unbound on Windows and offscreen
        quit_action.triggered.connect(self.close)
        session_menu.addAction(quit_action)
        review_menu = self.menuBar().addMenu(tr("复盘"))
        library_action = QAction(tr("场次库…"), self)
        library_action.triggered.connect(
            lambda: open_session_library(self, None if self.engine.log is None else self.engine.log.path))
        review_menu.addAction(library_action)

        view_menu = self.menuBar().addMenu(tr("视图"))
        view_menu.addAction(self.product_dock.toggleViewAction())
        if self.dashboard_dock is not None:
            view_menu.addAction(self.dashboard_dock.toggleViewAction())
        view_menu.addAction(self.promotions_dock.toggleViewAction())
        view_menu.addAction(self.run_of_show_dock.toggleViewAction())
        self.teleprompter_action = QAction(tr("提词器"), self)
        self.teleprompter_action.setShortcut(QKeySequence(TOGGLE_KEY))
        self.teleprompter_action.triggered.connect(self.toggle_teleprompter)
        view_menu.addAction(self.teleprompter_action)
        language_menu = view_menu.addMenu(tr("语言 / Language（重启后生效）"))  # ui/common/qt_translations.py
        for code, name in LANGUAGES.items():
            action = QAction(name, self, checkable=True, checked=code == language())
            action.triggered.connect(lambda _=False, c=code: self._choose_language(c))
            language_menu.addAction(action)

    def toggle_teleprompter(self) -> None:
        """视图 → 提词器 (Ctrl+T): open it, or close it when it is open (Esc and Ctrl+T close it there too)."""
        if self.teleprompter is not None and self.teleprompter.isVisible():
            self.teleprompter.close()
        else:
            self.open_teleprompter()

    def open_teleprompter(self) -> TeleprompterWindow:
        """Show the teleprompter window (drag it to the second screen, F11 for full screen); one per console."""
        if self.teleprompter is None:
            self.teleprompter = TeleprompterWindow(self.engine, AdLawChecker(self.settings.get("banned_words")))
            self.promotions.countdown.connect(self.teleprompter.show_countdown)
            self.promotions.refresh_countdowns()
        if self.teleprompter.isVisible():
            self.teleprompter.raise_()
        self.teleprompter.show()
        return self.teleprompter

    def edit_banned_words(self) -> BannedWordsDialog:
        """设置 → 违禁词…; on save, an open teleprompter checks against the new words at once."""
        dialog = BannedWordsDialog(self.settings, self)
        dialog.accepted.connect(lambda: self._checker_changed(dialog))
        dialog.open()  # not exec(): a nested event loop would stall the qasync loop
        return dialog

    def _checker_changed(self, dialog: BannedWordsDialog) -> None:
        if self.teleprompter is not None:
            self.teleprompter.set_checker(dialog.checker())

    def _choose_language(self, code: str) -> None:
        self.settings.set("language", code)
        QMessageBox.information(self, "LiveDeck", tr("语言将在重新启动后切换。"))

    # -- state → screen -------------------------------------------------------------------------------
    def _on_batch(self, batch: list[LiveEvent]) -> None:
        self.comments.add_events(batch)
        if any(e.kind == Kind.ORDER for e in batch):
            self.products.refresh_sales()

    def _on_change(self, change: Change) -> None:
        if not shiboken6.isValid(self):
            return
        if change.kind in ("explaining", "catalog", "queue", "product", "flash_sale"):
            self.anchor_strip.refresh()
        if change.kind == "explaining":
            self.queue_panel.scroll_to_explained()

    def refresh(self) -> None:
        state = self.engine.state
        self.anchor_strip.refresh()
        if self.teleprompter is not None and self.teleprompter.isVisible():
            self.teleprompter.refresh_facts()
        header = self.header
        header.clock.set_value(format_clock(state.elapsed(self.engine.clock.monotonic())) if state.running else "--:--")
        if self.show_runner.metrics is None:  # else the metrics snapshots fill the totals (_show_snapshot)
            self._show_totals(state.online, state.counts[Kind.ORDER], state.gmv_fen)
        label = tr("结束场次") if state.running else tr("开始场次")
        header.session_button.setText(label)
        header.session_button.setProperty("running", state.running)
        header.session_button.style().polish(header.session_button)
        self.toggle_action.setText(label)
        self.disk_notice.show_state(self._disk_full())

    def _disk_full(self) -> bool:
        return self.engine.log is not None and self.engine.log.disk_full

    def _show_snapshot(self, snap: Snapshot) -> None:
        # The header shows the very snapshot the dashboard and the log's metrics table get, so the
        # same number never reads two ways on one screen.
        self._show_totals(snap.online, snap.orders, snap.gmv_fen)

    def _show_totals(self, online: int, orders: int, gmv_fen: int) -> None:
        header = self.header
        header.online.set_value(format_count(online))
        header.orders.set_value(format_count(orders))
        header.gmv.set_value(format_fen(gmv_fen))

    # -- session control --------------------------------------------------------------------------------
    def _toggle_session(self) -> None:
        """开始/结束场次 (Ctrl+R): starts at once; ending a live show asks first."""
        if self.engine.state.running:
            self.ask(END_SESSION, lambda: self._run(self.stop_session()))
        else:
            self._run(self.start_session())

    def ask(self, question: Question, then: Callable[[], None]) -> QMessageBox | None:
        """Run ``then`` once the user confirms ``question`` (at once when nothing is live); one
        question at a time: asking again while one is open brings it to the front."""
        if self.question is not None:
            self.question.raise_()
            self.question.activateWindow()
            return self.question
        box = ask_to_end(self, self.engine, question, then)
        if box is not None:
            self.question = box
            box.finished.connect(self._question_closed)
        return box

    def _question_closed(self) -> None:
        self.question = None

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            log.error("session command failed", exc_info=exc)
            QMessageBox.warning(self, "LiveDeck", tr("操作失败：{reason}", reason=exc))

    async def start_session(self) -> None:
        await self.show_runner.start(self.spec, _session_title())
        self.refresh()

    async def stop_session(self) -> None:
        await self.show_runner.stop()
        self.refresh()

    def open_connect_dialog(self) -> ConnectDialog:
        """场次 → 连接直播间…; on 连接 (and 切换直播源 while live) :meth:`switch_source` moves the show."""
        options = self.show_runner.console_options
        dialog = ConnectDialog(self.settings, self.demo_url, self, console=options.platform if options else "")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._confirm_switch(dialog.spec))
        dialog.open()  # not exec(): a nested event loop would stall the qasync loop's tasks
        return dialog

    def open_console_dialog(self) -> ConsoleDialog:
        """场次 → 连接平台中控台… (or a click on the header's console light): non-modal."""
        dialog = ConsoleDialog(self.show_runner, self.settings, self, runner=self.runner)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _confirm_switch(self, spec: SourceSpec | None) -> None:
        if spec is not None:
            self.ask(SWITCH_SOURCE, lambda: self._run(self.switch_source(spec)))

    async def switch_source(self, spec: SourceSpec) -> None:
        """Connect ``spec`` first; once it is live the running session (if any) ends and one recording
        ``spec`` starts. A source that does not answer changes nothing: the show goes on, and the
        status bar and a notice say so."""
        self.statusBar().showMessage(tr("正在连接新的直播源…"))
        try:
            await self.show_runner.switch(spec, _session_title())
        except SourceUnreachableError as exc:
            self._source_unreachable(exc)
            return
        self.spec = spec
        self.statusBar().showMessage(tr("已切换到新的直播源"), 10_000)
        self.refresh()

    def _source_unreachable(self, exc: SourceUnreachableError) -> None:
        text = str(exc) + (tr("，本场直播继续。") if self.engine.state.running else tr("。"))
        self.statusBar().showMessage(text, 30_000)
        self.unreachable_notice = notice(self, tr("连接直播间"), text)

    def _run(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    # -- layout persistence -------------------------------------------------------------------------------
    def _layout_store(self) -> QSettings:
        return QSettings(str(data_dir() / "ui-state.ini"), QSettings.Format.IniFormat)

    def available_size(self) -> QSize:
        """The screen's available area (where a saved layout must fit); full HD when there is no screen."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        return screen.availableGeometry().size() if screen is not None else QSize(1920, 1080)

    def _restore_layout(self) -> None:
        store = self._layout_store()
        geometry, state = store.value("geometry"), store.value("windowState")
        saved = store.value("size")  # the window's size when the layout was saved
        available = self.available_size()
        if isinstance(saved, QSize) and (saved.width() > available.width() or saved.height() > available.height()):
            # Saved on a bigger screen: it would come back squeezed, the status bar off-screen.
            geometry = state = None
            self.resize(available)
            self.statusBar().showMessage(tr("保存的窗口布局不适合当前屏幕（{w}×{h}），已恢复默认布局",
                                            w=available.width(), h=available.height()), 30_000)
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
        self._first_run_layout_pending = state is None

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.header.set_compact(event.size().width() < NARROW_WINDOW_PX)

    def showEvent(self, event: QShowEvent) -> None:
        if self._first_run_layout_pending:
            self._first_run_layout_pending = False
            self.fit_narrow_screen()
        super().showEvent(event)

    def fit_narrow_screen(self) -> None:
        """On a laptop-sized window (under 1700 px) the queue has the whole left column (8 rows and
        more on 1366×768), 营销 shares the right column with 数据看板 and 直播流程 as tabs (its 准备秒杀
        and 开始秒杀 above the fold), and the comment feed the whole centre; on wider screens each has
        its own place."""
        if self.width() >= NARROW_WINDOW_PX:
            return
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.promotions_dock)
        for dock in (self.dashboard_dock, self.run_of_show_dock, self.replies.dock):
            if dock is not None:
                self.tabifyDockWidget(self.promotions_dock, dock)
        self.promotions_dock.raise_()
        widths = [max(360, self.width() * 27 // 80), max(340, self.width() * 7 // 25)]  # 460 and 382 on 1366
        self.resizeDocks([self.product_dock, self.promotions_dock], widths, Qt.Orientation.Horizontal)

    def close_now(self) -> None:
        """Close without asking (SIGTERM, a confirmed 退出): the show ends as the window goes."""
        self._close_confirmed = True
        self.close()

    def _may_close(self, event: QCloseEvent) -> bool:
        """退出 (Ctrl+Q) or the window's close button while live asks first."""
        if self._close_confirmed or not is_live(self.engine):
            return True
        event.ignore()
        self.ask(QUIT, self.close_now)
        return False

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._may_close(event):
            return
        store = self._layout_store()
        store.setValue("geometry", self.saveGeometry())
        store.setValue("windowState", self.saveState())
        store.setValue("size", self.size())
        self._unsubscribe_status()
        self._unsubscribe_console()
        self._refresh_timer.stop()
        if self.dashboard is not None:
            self.dashboard.stop()
        self.promotions.shutdown()
        self.run_of_show.shutdown()
        if self.teleprompter is not None:
            self.teleprompter.shutdown()
            self.teleprompter.close()
        self._unsubscribe()
        self._unsubscribe_changes()
        if self._unsubscribe_snapshots is not None:
            self._unsubscribe_snapshots()
        super().closeEvent(event)
        self.closed.emit()
