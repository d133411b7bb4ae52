"""Pieces every dialog of the console shares."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QPushButton, QWidget

from app.core.i18n import tr


def save_cancel_buttons(dialog: QDialog, on_save: Callable[[], object] | None = None) -> QDialogButtonBox:
    """保存 / 取消 for ``dialog`` in our own words (whatever Qt's catalog says): 保存 runs ``on_save``
    (default: ``dialog.accept``), 取消 rejects."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel,
                               parent=dialog)
    buttons.button(QDialogButtonBox.StandardButton.Save).setText(tr("保存"))
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
    buttons.accepted.connect(on_save or dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


def with_button(field: QWidget, button: QPushButton) -> QWidget:
    """``field`` with ``button`` (选择… and the like) at its right, as one form row's field."""
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(field, 1)
    layout.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
    return box
