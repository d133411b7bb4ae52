"""场次 → 连接直播间…: choose where the comments come from, and get a :class:`SourceSpec` back.

One dialog for every source LiveDeck reads: the embedded demo room, a generic JSON room or bridge,
Bilibili by room number (with an optional cookie file so names are not masked), the Douyin bridge
(BarrageGrab), and a replay of a recorded session. It validates before it closes (an empty room, an
address that is not ``ws://``, a log without that session) and remembers the last choice in settings.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core.i18n import tr
from app.core.settings import Settings
from app.rooms.replay import MAX_SPEED, MIN_SPEED, ReplayError, resolve_session
from app.show.show import SourceSpec
from ui.common import theme

DOUYIN_BRIDGE_DEFAULT = "ws://127.0.0.1:8888"

#: Platform keys in menu order. The key is what ``last_format`` remembers.
PLATFORMS: tuple[str, ...] = ("demo", "generic", "bilibili", "douyin-bridge", "replay")

_BILIBILI_ROOM = re.compile(r"^(?:(?:https?://)?live\.bilibili\.com/(?:h5/)?)?(\d+)/?(?:[?#].*)?$")
_WS_URL = re.compile(r"^wss?://[^\s/:?#]+(?::\d{1,5})?(?:[/?#]\S*)?$", re.IGNORECASE)


def _platform_name(key: str) -> str:
    return {
        "demo": tr("演示直播间"),
        "generic": tr("通用 JSON"),
        "bilibili": tr("哔哩哔哩"),
        "douyin-bridge": tr("抖音（弹幕桥）"),
        "replay": tr("回放"),
    }[key]


def _address_label(key: str) -> str:
    return {"bilibili": tr("直播间号"), "replay": tr("场次日志")}.get(key, tr("地址"))


def _placeholder(key: str) -> str:
    return {
        "generic": "ws://127.0.0.1:8765",
        "bilibili": tr("如 21452505"),
        "douyin-bridge": DOUYIN_BRIDGE_DEFAULT,
        "replay": tr("选择一个 .sqlite 场次日志"),
    }.get(key, "")


def _hint(key: str) -> str:
    return {
        "demo": tr("内置的模拟直播间，用来练习和演示，不需要地址。"),
        "generic": tr("直播间或桥接程序的 WebSocket 地址（ws:// 或 wss://），协议见 docs/protocol.md。"),
        "bilibili": tr("直播间网址 live.bilibili.com/ 后面的数字，也可以直接粘贴网址。"),
        "douyin-bridge": tr("先在本机运行弹幕桥（BarrageGrab）并打开直播间；留空使用默认地址 {url}。",
                            url=DOUYIN_BRIDGE_DEFAULT),
        "replay": tr("按原来的节奏重播一场已录制的直播，可加速；长时间的空白最多等 10 秒。"),
    }[key]


class ConnectDialog(QDialog):
    """Pick a source. After ``accept()``, :attr:`spec` holds it and the choice is saved in settings.

    Args:
        settings: read for the last choice, written on OK (``last_format``, ``last_source``,
            ``last_cookie_file``, ``replay_speed``).
        demo_url: the embedded demo room's address; the demo choice is disabled without one.
    """

    def __init__(self, settings: Settings, demo_url: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectDialog")
        self.setWindowTitle(tr("连接直播间"))
        self.settings = settings
        self.demo_url = demo_url
        self.spec: SourceSpec | None = None
        last = settings.get("last_format")
        # What the user typed per platform while the dialog is open: switching back keeps it.
        self._texts: dict[str, str] = {key: "" for key in PLATFORMS}
        if last in self._texts:
            self._texts[last] = settings.get("last_source")

        self.platform = QComboBox(self)
        for key in PLATFORMS:
            self.platform.addItem(_platform_name(key), key)
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
        self.form.addRow(self._address_label, _row(self.address, self.address_browse))
        self.form.addRow("", self.hint)
        self.form.addRow(tr("Cookie 文件"), _row(self.cookie_file, self.cookie_browse))
        self.form.addRow(tr("场次编号"), self.session)
        self.form.addRow(tr("速度"), self.speed)

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
        start = last if last in PLATFORMS and not (last == "demo" and demo_url is None) else "generic"
        self.set_platform(start)
        self._platform_changed()

    # -- platform --------------------------------------------------------------------------------
    @property
    def platform_key(self) -> str:
        key: str = self.platform.currentData()
        return key

    def set_platform(self, key: str) -> None:
        self.platform.setCurrentIndex(PLATFORMS.index(key))

    def _platform_changed(self) -> None:
        if self._current:
            self._texts[self._current] = self.address.text()
        key = self._current = self.platform_key
        self.address.setText(self._texts[key])
        self.address.setPlaceholderText(_placeholder(key))
        self._address_label.setText(_address_label(key))
        self.hint.setText(_hint(key))
        self.form.setRowVisible(1, key != "demo")
        self.address_browse.setVisible(key == "replay")
        self.form.setRowVisible(3, key == "bilibili")
        self.form.setRowVisible(4, key == "replay")
        self.form.setRowVisible(5, key == "replay")
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
        text = self.address.text().strip()
        if key == "demo":
            if self.demo_url is None:
                raise ValueError(tr("演示直播间没有运行"))
            return SourceSpec("generic", self.demo_url)
        if key in ("generic", "douyin-bridge"):
            if not text and key == "douyin-bridge":
                text = DOUYIN_BRIDGE_DEFAULT
            if not text:
                raise ValueError(tr("请填写直播间的地址，如 {example}", example=_placeholder(key)))
            if not _WS_URL.match(text):
                raise ValueError(tr("地址要以 ws:// 或 wss:// 开头，如 {example}", example=_placeholder(key)))
            return SourceSpec(key, text)
        if key == "bilibili":
            if not text:
                raise ValueError(tr("请填写哔哩哔哩直播间号"))
            match = _BILIBILI_ROOM.match(text)
            if match is None or int(match.group(1)) <= 0:
                raise ValueError(tr("直播间号应为数字（网址 live.bilibili.com/ 后面的那串数字）"))
            options: dict[str, object] = {}
            cookie = self.cookie_file.text().strip()
            if cookie:
                if not Path(cookie).expanduser().is_file():
                    raise ValueError(tr("找不到 Cookie 文件：{path}", path=cookie))
                options["cookie_file"] = str(Path(cookie).expanduser())
            return SourceSpec("bilibili", f"bilibili:{match.group(1)}", options)
        # replay
        if not text:
            raise ValueError(tr("请选择要回放的场次日志"))
        session_text = self.session.text().strip().lstrip("#")
        if session_text and not session_text.isdigit():
            raise ValueError(tr("场次编号应为数字，留空表示最新一场"))
        try:
            session_id, _ = resolve_session(Path(text).expanduser(), int(session_text) if session_text else None)
        except ReplayError as exc:
            raise ValueError(str(exc)) from None
        return SourceSpec("replay", str(Path(text).expanduser()),
                          {"session_id": session_id, "speed": float(self.speed.value())})

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
        self.settings.set("last_source", "" if key == "demo" else self.address.text().strip())
        if key == "bilibili":
            self.settings.set("last_cookie_file", self.cookie_file.text().strip())
        if key == "replay":
            self.settings.set("replay_speed", self.speed.value())
        super().accept()


def _row(field: QWidget, button: QPushButton) -> QWidget:
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(field, 1)
    layout.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
    return box
