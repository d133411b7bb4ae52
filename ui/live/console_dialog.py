"""场次 → 连接平台中控台…: choose the platform's live console to drive, connect or disconnect it, and
watch it log in.

The dialog builds an :class:`~app.connectors.console.options.ConsoleOptions` — the platform profile (by
its Chinese name), the browser profile folder of the account (default ``<data dir>/consoles/<platform>``,
one folder per account), the browser (default: the system's Chromium, else Chrome), an optional page
address and 无界面 — and hands it to ``Show.connect_console``: during a session the browser opens at once,
otherwise when the next session starts, and every later session drives it too. It shows the connection
live (正在打开中控台… / 请在浏览器窗口中登录（扫码） / 中控台已连接, the account name) and what the
platform can do in words (讲解、取消讲解、发评论…); 导入中控台商品 loads the page's goods list into the queue
(``load_catalog``). Non-modal: the show goes on while it is open.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.connectors.console.connector import ConsoleConnector
from app.connectors.console.options import ConsoleOptions, default_browser, default_profile_dir
from app.connectors.console.page import ConsoleActionError
from app.connectors.console.profile import ConsoleProfile, ProfileError, available_profiles, load_profile
from app.connectors.console.status import ConsoleState, ConsoleStatus, capability_names
from app.core.i18n import tr
from app.core.settings import Settings
from app.show.show import Show
from ui.common import theme
from ui.common.commands import CommandRunner
from ui.common.dialogs import with_button
from ui.live.console_health import listen_on_qt_thread, status_colour

log = logging.getLogger("livedeck.ui")


def remembered(saved: Any, home: Path | None) -> ConsoleOptions | None:
    """The ``last_console`` setting as options (None when empty or not a known platform)."""
    if not isinstance(saved, dict) or str(saved.get("platform", "")) not in available_profiles():
        return None
    folder = str(saved.get("profile_dir") or "")
    return ConsoleOptions(str(saved["platform"]), url=str(saved.get("url") or ""),
                          browser=str(saved.get("browser") or ""), profile_dir=Path(folder) if folder else None,
                          headless=bool(saved.get("headless")), home=home)


def _profiles(home: Path | None) -> list[ConsoleProfile]:
    profiles = []
    for platform in available_profiles():
        try:
            profiles.append(load_profile(platform, home=home))
        except ProfileError as exc:  # a broken override in the data directory: say so, offer the rest
            log.warning("console profile %s not offered: %s", platform, exc)
    return profiles


class ConsoleDialog(QDialog):
    """Connect the show to a platform's live console; see the module docstring.

    Args:
        show: the show whose console it sets (``Show.connect_console``) and whose status it shows.
        settings: ``last_console``: the fields start from it (when the show has no console) and 连接
            saves them there.
        runner: runs ``load_catalog`` for 导入中控台商品 (None: no import button).
        home: the data directory (None: the usual one), for the default profile folders.
    """

    def __init__(self, show: Show, settings: Settings, parent: QWidget | None = None, *,
                 runner: CommandRunner | None = None, home: Path | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("consoleDialog")
        self.setWindowTitle(tr("连接平台中控台"))
        self.show_runner = show
        self.settings = settings
        self.runner = runner
        self.home = home
        self._tasks: set[asyncio.Future[None]] = set()
        self.profiles = {p.platform: p for p in _profiles(home)}
        self.platform = QComboBox(self)
        for profile in self.profiles.values():
            self.platform.addItem(profile.name, profile.platform)
        self.profile_dir = QLineEdit(self)
        self.profile_dir.setToolTip(tr("浏览器登录资料保存在这里，扫码登录一次后一直有效；每个账号用一个文件夹"))
        self.browser = QLineEdit(self)
        browser, _channel = default_browser()
        self.browser.setPlaceholderText(tr("自动：{browser}", browser=browser or "Chrome"))
        self.url = QLineEdit(self)
        self.headless = QCheckBox(tr("不显示浏览器窗口（需要已经登录过）"), self)
        self.state = QLabel(self)
        self.state.setObjectName("consoleState")
        self.state.setWordWrap(True)
        self.account = QLabel(self)
        self.capabilities = QLabel(self)
        self.capabilities.setWordWrap(True)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setStyleSheet(f"color: {theme.COLORS['text_dim']};")
        self.outcome = QLabel(self)  # what the last import did
        self.outcome.setWordWrap(True)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {theme.COLORS['red']};")
        self.error.hide()
        self._build_layout()
        self._fill_from(show.console_options or remembered(settings.get("last_console"), home))
        self.platform.currentIndexChanged.connect(self._platform_changed)
        self._unsubscribe = listen_on_qt_thread(self, show.add_console_listener, self.show_status)
        self.finished.connect(lambda _result: self._unsubscribe())
        self.show_status(show.console.status if show.console is not None else None)

    def _build_layout(self) -> None:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(tr("平台"), self.platform)
        form.addRow(tr("账号资料文件夹"), with_button(self.profile_dir, self._choose_button(self._browse_profile_dir)))
        form.addRow(tr("浏览器"), with_button(self.browser, self._choose_button(self._browse_browser)))
        form.addRow(tr("页面地址"), self.url)
        form.addRow("", self.headless)
        form.addRow(tr("状态"), self.state)
        form.addRow(tr("账号"), self.account)
        form.addRow(tr("能做的事"), self.capabilities)
        self.connect_button = QPushButton(tr("连接"), self)
        self.connect_button.setDefault(True)
        self.connect_button.clicked.connect(self.connect_console)
        self.disconnect_button = QPushButton(tr("断开"), self)
        self.disconnect_button.clicked.connect(self.disconnect_console)
        self.import_button = QPushButton(tr("导入中控台商品"), self)
        self.import_button.setToolTip(tr("把中控台商品列表（序号、名称、价格、库存）载入商品队列，替换现在的列表"))
        self.import_button.clicked.connect(self.import_products)
        self.import_button.setVisible(self.runner is not None)
        close_button = QPushButton(tr("关闭"), self)
        close_button.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.import_button, self.connect_button, self.disconnect_button, close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.outcome)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.setMinimumWidth(560)

    # -- the fields ----------------------------------------------------------------------------------
    @property
    def platform_key(self) -> str:
        key: str = self.platform.currentData() or ""
        return key

    def set_platform(self, platform: str) -> None:
        self.platform.setCurrentIndex(max(0, self.platform.findData(platform)))

    def _fill_from(self, options: ConsoleOptions | None) -> None:
        if options is not None:
            self.set_platform(options.platform)
            self.browser.setText(options.browser)
            self.url.setText(options.url)
            self.headless.setChecked(options.headless)
        self._platform_changed()
        if options is not None and options.profile_dir is not None:
            self.profile_dir.setText(str(options.profile_dir))

    def _platform_changed(self) -> None:
        profile = self.profiles.get(self.platform_key)
        self.profile_dir.setText(str(default_profile_dir(self.platform_key, self.home)) if profile else "")
        self.url.setPlaceholderText(tr("默认：{url}", url=profile.console_url) if profile else "")
        self.capabilities.setText("、".join(capability_names(profile.capabilities)) if profile else "-")
        self.error.hide()

    def _choose_button(self, on_click: Callable[[], None]) -> QPushButton:
        button = QPushButton(tr("选择…"), self)
        button.clicked.connect(on_click)
        return button

    def _browse_profile_dir(self) -> None:
        path = QFileDialog.getExistingDirectory(self, tr("选择账号资料文件夹"), self.profile_dir.text())
        if path:
            self.profile_dir.setText(path)

    def _browse_browser(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("选择浏览器程序"), self.browser.text())
        if path:
            self.browser.setText(path)

    def options(self) -> ConsoleOptions:
        """What the fields describe (the default folder of the platform is left to the connector)."""
        platform = self.platform_key
        folder = self.profile_dir.text().strip()
        chosen = Path(folder).expanduser() if folder else None
        default = default_profile_dir(platform, self.home)
        return ConsoleOptions(platform, url=self.url.text().strip(), browser=self.browser.text().strip(),
                              profile_dir=None if chosen in (None, default) else chosen,
                              headless=self.headless.isChecked(), home=self.home)

    # -- connect / disconnect ------------------------------------------------------------------------
    def connect_console(self) -> None:
        """连接: the show drives this console from now on (at once while a session runs)."""
        if not self.platform_key:
            self._show_error(tr("没有可用的平台配置"))
            return
        options = self.options()
        self._run(self.show_runner.connect_console(options))
        self.settings.set("last_console", {
            "platform": options.platform, "url": options.url, "browser": options.browser,
            "profile_dir": str(options.profile_dir or ""), "headless": options.headless})

    def disconnect_console(self) -> None:
        """断开: close the browser; later sessions drive no console."""
        self._run(self.show_runner.connect_console(None))

    def import_products(self) -> None:
        """导入中控台商品: the page's goods list becomes the queue (``load_catalog``, one actions row)."""
        console = self.show_runner.console
        if console is None or self.runner is None:
            return
        self._run(self._import_from(console))

    async def _import_from(self, console: ConsoleConnector) -> None:
        try:
            products = await asyncio.wrap_future(console.read_products())
        except ConsoleActionError as exc:
            self._show_error(str(exc))
            return
        assert self.runner is not None
        outcome = self.runner.run("load_catalog", {"products": [p.to_dict() for p in products]},
                                  done=tr("已从中控台导入 {n} 个商品", n=len(products)))
        if outcome.applied:
            self.outcome.setText(tr("已从中控台导入 {n} 个商品", n=len(products)))
        else:
            self._show_error(outcome.reason)

    def _run(self, work: Coroutine[Any, Any, None]) -> None:
        self.error.hide()
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Future[None]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if isinstance(exc, ProfileError):
            self._show_error(str(exc))
        elif exc is not None:
            log.error("console connect failed", exc_info=exc)
            self._show_error(tr("操作失败：{reason}", reason=exc))
        self.show_status(self.show_runner.console.status if self.show_runner.console is not None else None)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    # -- the status ----------------------------------------------------------------------------------
    def show_status(self, status: ConsoleStatus | None) -> None:
        """Show the console's ``status`` (None: no console yet); on the Qt thread."""
        configured = self.show_runner.console_options is not None
        live = status is not None and status.state is not ConsoleState.STOPPED
        if status is None or (not live and configured and not self.show_runner.running):
            self.state.setText(tr("场次开始时连接") if configured else tr("未连接"))
            self.state.setStyleSheet("")
            self.account.setText("-")
        else:
            self.state.setText(status.describe())
            self.state.setStyleSheet(f"color: {theme.COLORS[status_colour(status)]};")
            self.account.setText(status.account or "-")
        self.disconnect_button.setEnabled(configured)
        self.import_button.setEnabled(status is not None and status.state is ConsoleState.CONNECTED
                                      and "read_products" in status.capabilities)
        self.note.setText(tr("连接后，讲解、取消讲解和快捷回复会在平台中控台页面上执行；页面的评论和订单也会进入本场。")
                          if self.show_runner.running else
                          tr("现在没有进行中的场次：点“连接”后，下一场开始时打开浏览器。"))

