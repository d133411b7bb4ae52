"""语音播报 settings: on/off, which kinds are read, the gift threshold, rate, volume and mute.

Every change is applied to the running :class:`~app.connectors.voice.VoiceBroadcaster` at once and saved
to the ``voice`` setting. Ctrl+Shift+M (the ``voice_mute`` hotkey) calls :meth:`VoiceControls.toggle_mute`.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QSlider,
    QWidget,
)

from app.connectors.voice import VOICE_KINDS, VoiceBroadcaster, VoiceSettings
from app.core.i18n import tr
from app.core.settings import Settings

_KIND_LABELS = {"question": "提问", "gift": "礼物", "order": "订单", "follow": "关注", "coupon_claim": "领券"}


class VoiceControls(QGroupBox):
    """The voice group of the reply dock."""

    def __init__(self, voice: VoiceBroadcaster, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(tr("语音播报"), parent)
        self.voice = voice
        self.settings = settings
        current = voice.settings
        self.enabled_box = QCheckBox(tr("开启"), self)
        self.enabled_box.setChecked(current.enabled)
        self.mute_box = QCheckBox(tr("静音 (Ctrl+Shift+M)"), self)
        self.mute_box.setChecked(current.muted)
        self.kind_boxes = {kind: QCheckBox(tr(_KIND_LABELS[kind]), self) for kind in VOICE_KINDS}
        for kind, box in self.kind_boxes.items():
            box.setChecked(kind in current.kinds)
        self.gift_yuan = QDoubleSpinBox(self)
        self.gift_yuan.setRange(0, 100000)
        self.gift_yuan.setDecimals(0)
        self.gift_yuan.setSuffix(tr(" 元起"))
        self.gift_yuan.setValue(current.min_gift_fen / 100)
        self.rate = QSlider(Qt.Orientation.Horizontal, self)
        self.rate.setRange(80, 400)
        self.rate.setValue(current.rate)
        self.volume = QSlider(Qt.Orientation.Horizontal, self)
        self.volume.setRange(0, 100)
        self.volume.setValue(round(current.volume * 100))

        switches = QHBoxLayout()
        switches.addWidget(self.enabled_box)
        switches.addWidget(self.mute_box)
        kinds = QGridLayout()  # three a row: the English labels must fit a laptop's right column
        for index, box in enumerate(self.kind_boxes.values()):
            kinds.addWidget(box, index // 3, index % 3)
        form = QFormLayout(self)
        form.addRow(switches)
        form.addRow(tr("播报"), kinds)
        form.addRow(tr("礼物"), self.gift_yuan)
        form.addRow(tr("语速"), self.rate)
        form.addRow(tr("音量"), self.volume)
        for box in (self.enabled_box, self.mute_box, *self.kind_boxes.values()):
            box.toggled.connect(self.apply)
        self.gift_yuan.valueChanged.connect(self.apply)
        self.rate.valueChanged.connect(self.apply)
        self.volume.valueChanged.connect(self.apply)

    def chosen(self) -> VoiceSettings:
        """The settings as the controls show them."""
        return replace(
            self.voice.settings,
            enabled=self.enabled_box.isChecked(),
            muted=self.mute_box.isChecked(),
            kinds=frozenset(k for k, box in self.kind_boxes.items() if box.isChecked()),
            min_gift_fen=round(self.gift_yuan.value() * 100),
            rate=self.rate.value(),
            volume=self.volume.value() / 100,
        )

    def apply(self) -> None:
        settings = self.chosen()
        self.voice.configure(settings)
        self.settings.set("voice", settings.to_setting())

    def toggle_mute(self) -> None:
        self.mute_box.setChecked(not self.mute_box.isChecked())
