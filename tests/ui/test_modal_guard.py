"""The modal-dialog guard (tests/ui/conftest.py): a modal dialog fails the test at once, naming the dialog,
instead of blocking it offscreen until the timeout; a test's own replacement of a dialog wins; the
``allow_modal`` marker turns the guard off."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMenu, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.clock import ManualClock
from app.engine.session import SessionEngine
from tests.ui.conftest import ModalGuard
from ui.common.commands import CommandRunner
from ui.live.catalog_dialog import open_catalog_import
from ui.live.product_queue import ProductQueueModel, ProductQueuePanel

# Taken when this module is imported (collection), before any test's guard is in place.
REAL_WARNING = QMessageBox.__dict__["warning"]
REAL_EXEC = QDialog.__dict__["exec"]


def test_a_message_box_fails_at_once_naming_its_title_and_text(modal_guard: ModalGuard) -> None:
    started = time.monotonic()
    with pytest.raises(AssertionError, match=r"QMessageBox\.warning\('导入失败', '文件不存在'\) would open a modal"):
        QMessageBox.warning(None, "导入失败", "文件不存在")
    assert time.monotonic() - started < 1.0  # refused, not waited on
    assert len(modal_guard.take()) == 1


def test_a_real_file_dialog_and_then_a_real_dialog_exec_fail_naming_them(
        qtbot: QtBot, tmp_path: Path, modal_guard: ModalGuard, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = SessionEngine(clock=ManualClock())
    runner = CommandRunner(engine)
    parent = QPushButton()
    qtbot.addWidget(parent)
    # 文件 → 导入商品…: first the file dialog.
    with pytest.raises(AssertionError, match=r"QFileDialog\.getOpenFileName\('导入商品'"):
        open_catalog_import(parent, runner)
    # A test that expects the file dialog answers it itself; then the preview's exec() is refused.
    csv = tmp_path / "products.csv"
    csv.write_text("序号,商品名称,到手价\n1,纯棉卫衣,59.90\n", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(csv), ""))
    with pytest.raises(AssertionError, match=r"CatalogImportDialog\.exec\(\) of '导入商品 — products\.csv'"):
        open_catalog_import(parent, runner)
    assert len(modal_guard.take()) == 2
    assert engine.state.queue.order == ()  # nothing was imported behind the refused dialog


def test_a_dialog_opened_from_a_slot_fails_the_test(qtbot: QtBot, modal_guard: ModalGuard) -> None:
    button = QPushButton("删除场次")
    qtbot.addWidget(button)
    button.clicked.connect(lambda: QMessageBox.question(button, "删除场次", "确定删除？"))
    with qtbot.captureExceptions() as exceptions:
        button.click()
    assert [type(e[1]) for e in exceptions] == [AssertionError]
    assert "QMessageBox.question(" in str(exceptions[0][1])
    assert "确定删除？" in str(exceptions[0][1])
    assert len(modal_guard.take()) == 1


def test_a_context_menu_fails_naming_its_actions(qtbot: QtBot, modal_guard: ModalGuard) -> None:
    engine = SessionEngine(clock=ManualClock())
    engine.load_catalog(load_products_csv(demo_catalog_path()))
    panel = ProductQueuePanel(ProductQueueModel(engine), CommandRunner(engine))
    qtbot.addWidget(panel)
    with qtbot.captureExceptions() as exceptions:
        panel.table.customContextMenuRequested.emit(QPoint(5, 5))
    assert len(exceptions) == 1
    assert "QMenu.exec() with ['讲解（推送商品卡）'" in str(exceptions[0][1])
    assert len(modal_guard.take()) == 1


@pytest.mark.parametrize("make", [
    lambda: QMessageBox(QMessageBox.Icon.Warning, "导出场次", "导出失败"),
    lambda: QFileDialog(None, "保存流程"),
    lambda: QInputDialog(windowTitle="重命名"),
    lambda: QDialog(windowTitle="快捷键"),
], ids=["QMessageBox", "QFileDialog", "QInputDialog", "QDialog"])
def test_exec_of_every_kind_of_dialog_is_refused(qtbot: QtBot, modal_guard: ModalGuard, make) -> None:  # type: ignore[no-untyped-def]
    dialog = make()
    qtbot.addWidget(dialog)
    with pytest.raises(AssertionError, match=rf"{type(dialog).__name__}\.exec\(\) of '{dialog.windowTitle()}'"):
        dialog.exec()
    assert not dialog.isVisible()
    assert len(modal_guard.take()) == 1


def test_the_static_menu_exec_is_refused_too(qtbot: QtBot, modal_guard: ModalGuard) -> None:
    owner = QPushButton()
    qtbot.addWidget(owner)
    action = QAction("复制链接", owner)
    with pytest.raises(AssertionError, match=r"QMenu\.exec\(\) with \['复制链接'\]"):
        QMenu.exec([action], QPoint(0, 0))
    assert len(modal_guard.take()) == 1


def test_a_refusal_the_code_swallows_is_still_recorded(modal_guard: ModalGuard) -> None:
    with contextlib.suppress(Exception):  # what careless code under test might do
        QMessageBox.critical(None, "LiveDeck", "操作失败")
    # Left in modal_guard.blocked, this would fail the test at teardown; taken here, it was expected.
    assert modal_guard.take() == [
        "QMessageBox.critical('LiveDeck', '操作失败') would open a modal dialog and block the test; replace it "
        "with monkeypatch.setattr(...) or mark the test @pytest.mark.allow_modal"]


@pytest.mark.allow_modal
def test_allow_modal_leaves_the_real_dialogs_in_place() -> None:
    assert QMessageBox.__dict__["warning"] is REAL_WARNING
    assert QDialog.__dict__["exec"] is REAL_EXEC


def test_without_the_marker_the_guard_is_in_place() -> None:
    assert QMessageBox.__dict__["warning"] is not REAL_WARNING
    assert QDialog.__dict__["exec"] is not REAL_EXEC
