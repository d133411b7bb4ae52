"""场次 → 连接直播间…: choose where the comments come from, and get a :class:`SourceSpec` back.

One dialog for every source LiveDeck reads: the embedded demo room, a generic JSON room or bridge,
Bilibili by room number (with an optional cookie file so names are not masked), the Douyin bridge
(BarrageGrab), a replay of a recorded session, and — when the show drives a platform console — that
console page itself (平台中控台: its comments and orders, no other source). It validates before it closes
(an empty room, an address that is not ``ws://``, a log without that session) and remembers the last
choice in settings.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core.i18n import tr
from app.core.settings import Settings
from app.rooms.replay import MAX_SPEED, MIN_SPEED
from app.show.console_feed import CONSOLE_SOURCE, CONSOLE_SOURCE_INFO
from app.show.show import SourceSpec
from app.sources import FORMATS, source_info
from app.sources.generic import DEMO_ROOM
from app.sources.info import AddressKind, SourceInfo, SourceOption
from ui.common import theme
from ui.common.dialogs import with_button

DEMO = "demo"

#: Platform keys in menu order: the embedded demo room, then every registered source. The key is what
#: ``last_format`` remembers.
PLATFORMS: tuple[str, ...] = (DEMO, *FORMATS)


def platform_info(key: str) -> SourceInfo:
    """How the platform ``key`` presents itself (the source's own :class:`SourceInfo`)."""
    if key == CONSOLE_SOURCE:
        return CONSOLE_SOURCE_INFO
    return DEMO_ROOM if key == DEMO else source_info(key)


class ConnectDialog(QDialog):
    """Pick a source. After ``accept()``, :attr:`spec` holds it and the choice is saved in settings.

    Args:
        settings: read for the last choice, written on OK (``last_format``, ``last_source``,
            ``last_cookie_file``, ``replay_speed``).
        demo_url: the embedded demo room's address; the demo choice is disabled without one.
        console: the platform of the show's console (``Show.console_options``); when given, 平台中控台 is
            offered too: the console page as the only source.
    """

    def __init__(self, settings: Settings, demo_url: str | None = None, parent: QWidget | None = None, *,
                 console: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("connectDialog")
        self.setWindowTitle(tr("连接直播间"))
        self.settings = settings
        self.demo_url = demo_url
        self.console = console
        self.keys: tuple[str, ...] = (*PLATFORMS, CONSOLE_SOURCE) if console else PLATFORMS
        self.spec: SourceSpec | None = None
        last = settings.get("last_format")
        # What the user typed per platform while the dialog is open: switching back keeps it.
        self._texts: dict[str, str] = {key: "" for key in self.keys}
        if last in self._texts:
            self._texts[last] = settings.get("last_source")

        self.platform = QComboBox(self)
        for key in self.keys:
            self.platform.addItem(platform_info(key).label(), key)
        if demo_url is None:
            item = self.platform.model().item(0)  # type: ignore[attr-defined]
            item.setEnabled(False)
            item.setToolTip(tr("演示直播间只在没有指定直播源启动时运行"))
        self.address = QLineEdit(self)
        self.address.setClearButtonEnabled(True)
        self.address_browse = QPushButton(tr("选择…"), self)
        self.address_browse.clicked.connect(self._browse_log)
        self.hint = QLabel(self)
        self.hint.setObjectName("dialogHint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(f"color: {theme.COLORS['text_dim']};")
        self.cookie_file = QLineEdit(settings.get("last_cookie_file"), self)
        self.cookie_file.setPlaceholderText(tr("可选：登录后的 Cookie，昵称不再打码"))
        self.cookie_file.setClearButtonEnabled(True)
        self.cookie_browse = QPushButton(tr("选择…"), self)
        self.cookie_browse.clicked.connect(self._browse_cookie)
        self.session = QLineEdit(self)
        self.session.setPlaceholderText(tr("留空：最新一场"))
        self.speed = QSpinBox(self)
        self.speed.setRange(int(MIN_SPEED), int(MAX_SPEED))
        self.speed.setSuffix("×")
        self.speed.setValue(max(int(MIN_SPEED), min(int(MAX_SPEED), settings.get("replay_speed"))))
        self.error = QLabel(self)
        self.error.setObjectName("dialogError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {theme.COLORS['red']};")
        self.error.hide()

        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.addRow(tr("平台"), self.platform)
        self._address_label = QLabel(self)
        self.form.addRow(self._address_label, with_button(self.address, self.address_browse))
        self.form.addRow("", self.hint)
        self.form.addRow(tr("Cookie 文件"), with_button(self.cookie_file, self.cookie_browse))
        self.form.addRow(tr("场次编号"), self.session)
        self.form.addRow(tr("速度"), self.speed)
        #: The form row of each source option (rows 0–2 are platform, address and hint).
        self._option_rows = {SourceOption.COOKIE_FILE: 3, SourceOption.SESSION: 4, SourceOption.SPEED: 5}

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("连接"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)

        self._current = ""
        self.platform.currentIndexChanged.connect(self._platform_changed)
        self.address.textEdited.connect(lambda _: self.error.hide())
        start = last if last in self.keys and not (last == DEMO and demo_url is None) else "generic"
        self.set_platform(start)
        self._platform_changed()

    # -- platform --------------------------------------------------------------------------------
    @property
    def platform_key(self) -> str:
        key: str = self.platform.currentData()
        return key

    def set_platform(self, key: str) -> None:
        self.platform.setCurrentIndex(self.keys.index(key))

    def _platform_changed(self) -> None:
        if self._current:
            self._texts[self._current] = self.address.text()
        key = self._current = self.platform_key
        info = platform_info(key)
        self.address.setText(self._texts[key])
        self.address.setPlaceholderText(info.placeholder())
        self._address_label.setText(info.address_label())
        self.hint.setText(info.hint())
        self.form.setRowVisible(1, info.address is not AddressKind.NONE)
        self.address_browse.setVisible(info.address is AddressKind.LOG_FILE)
        for option, row in self._option_rows.items():
            self.form.setRowVisible(row, option in info.options)
        self.error.hide()
        self.adjustSize()

    # -- files -----------------------------------------------------------------------------------
    def _browse_log(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, tr("选择场次日志"), self.address.text(), tr("场次日志 (*.sqlite *.db);;所有文件 (*)")
        )
        if path:
            self.address.setText(path)

    def _browse_cookie(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, tr("选择 Cookie 文件"), self.cookie_file.text(), tr("Cookie 文件 (*.txt);;所有文件 (*)")
        )
        if path:
            self.cookie_file.setText(path)

    # -- result ----------------------------------------------------------------------------------
    def build_spec(self) -> SourceSpec:
        """The spec the fields describe. Raises ValueError with a message for the user."""
        key = self.platform_key
        if key == DEMO:
            if self.demo_url is None:
                raise ValueError(tr("演示直播间没有运行"))
            return SourceSpec("generic", self.demo_url)
        if key == CONSOLE_SOURCE:
            return SourceSpec(CONSOLE_SOURCE, self.console)
        options = {
            SourceOption.COOKIE_FILE: self.cookie_file.text(),
            SourceOption.SESSION: self.session.text(),
            SourceOption.SPEED: float(self.speed.value()),
        }
        url, resolved = platform_info(key).resolve(self.address.text(), options)
        return SourceSpec(key, url, resolved)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def accept(self) -> None:
        try:
            spec = self.build_spec()
        except ValueError as exc:
            self.show_error(str(exc))
            return
        self.spec = spec
        key = self.platform_key
        self.settings.set("last_format", key)
        self.settings.set("last_source", "" if key == DEMO else self.address.text().strip())
        options = platform_info(key).options
        if SourceOption.COOKIE_FILE in options:
            self.settings.set("last_cookie_file", self.cookie_file.text().strip())
        if SourceOption.SPEED in options:
            self.settings.set("replay_speed", self.speed.value())
        super().accept()

