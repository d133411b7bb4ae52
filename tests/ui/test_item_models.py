"""Qt's model rules (pytest-qt's qtmodeltester, Python and C++ testers) on the catalog import preview and
the product queue, plus what the user sees in those tables: the preview's cells, and the queue's order
after a ``move`` command sent to a real engine.

Neither tester checks what a row move does to the rows (the C++ tester ignores moves, the Python one only
checks that the two move signals pair up), so the queue test checks the move itself: one rowsMoved with
the right rows, no reset, the rows on screen in the engine's new order, the selection following the
product.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, Qt
from pytestqt.qtbot import QtBot

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.clock import ManualClock
from app.engine.session import SessionEngine
from ui.common.commands import CommandRunner
from ui.live.catalog_dialog import CatalogImportDialog
from ui.live.product_queue import Col, ProductQueueModel, ProductQueuePanel

CATALOG = (
    "序号,商品名称,到手价,原价,库存,卖点\n"
    "1,纯棉卫衣,59.90,129,300,不起球\n"
    "2,直筒牛仔裤,79,,200,\n"
    "3,每日坚果 30袋装,89.90,159,500,独立小包装\n"
    "4,牛肉干,39.90,68,400,香辣原味两种\n"
    "5,保温杯,129,199,0,316不锈钢\n"
)


@pytest.fixture
def preview(qapp: object, tmp_path: Path) -> Iterator[CatalogImportDialog]:
    """The import preview of CATALOG. A fixture, not qtbot.addWidget: the dialog (and the model it owns)
    must outlive the Python model tester, which disconnects from the model when the test ends."""
    csv = tmp_path / "products.csv"
    csv.write_text(CATALOG, encoding="utf-8")
    dialog = CatalogImportDialog(csv, CommandRunner(SessionEngine(clock=ManualClock())))
    yield dialog
    dialog.close()


def test_catalog_preview_model_passes_the_model_testers_and_shows_each_product(
        preview: CatalogImportDialog, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    dialog = preview
    model = dialog.preview_model
    qtmodeltester.check(model, force_py=True)
    qtmodeltester.check(model)  # Qt's own QAbstractItemModelTester too (its complaints are Qt warnings)

    assert dialog.errors.count() == 0
    assert (model.rowCount(), model.columnCount()) == (5, 6)
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == ["序号", "商品名称", "到手价", "原价", "库存", "卖点"]
    rows = [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]
    assert rows == [
        ["1", "纯棉卫衣", "¥59.90", "¥129.00", "300", "不起球"],
        ["2", "直筒牛仔裤", "¥79.00", "", "200", ""],  # no 原价: an empty cell, not ¥0.00
        ["3", "每日坚果 30袋装", "¥89.90", "¥159.00", "500", "独立小包装"],
        ["4", "牛肉干", "¥39.90", "¥68.00", "400", "香辣原味两种"],
        ["5", "保温杯", "¥129.00", "¥199.00", "0", "316不锈钢"],
    ]
    assert dialog.import_button.text() == "导入 5 个商品"
    assert dialog.import_button.isEnabled()


def test_queue_model_passes_the_model_testers_while_a_move_command_moves_a_row(
        qtbot: QtBot, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    engine = SessionEngine(clock=ManualClock())
    engine.load_catalog(load_products_csv(demo_catalog_path()))
    runner = CommandRunner(engine)
    model = ProductQueueModel(engine)
    panel = ProductQueuePanel(model, runner)
    qtbot.addWidget(panel)
    panel.resize(600, 900)
    panel.show()
    qtbot.waitExposed(panel)
    qtmodeltester.check(model, force_py=True)  # stays connected: checks again on every later signal

    def on_screen() -> list[str]:
        """序号 of the rows the table shows, top to bottom (by position in the viewport, not by model row)."""
        table = panel.table
        found = []
        for visual in range(model.rowCount()):
            y = table.rowViewportPosition(table.verticalHeader().logicalIndex(visual))
            found.append(table.indexAt(QPoint(4, y + 4)).data())
        return found

    order = [str(no) for no in engine.state.queue.order]
    assert len(order) >= 6
    assert on_screen() == order
    panel.select_no(5)
    five = QPersistentModelIndex(model.index(model.row_of(5), Col.NAME))
    moves: list[tuple[int, int, int]] = []
    resets: list[bool] = []
    model.rowsMoved.connect(lambda _p, start, end, _d, dest: moves.append((start, end, dest)))
    model.modelReset.connect(lambda: resets.append(True))

    result = runner.run("move", {"no": 5, "to": 1})

    assert result.applied
    assert moves == [(4, 4, 1)]  # one row moved, from row 4 to before row 1
    assert resets == []
    expected = [order[0], "5", *[no for no in order[1:] if no != "5"]]
    assert [str(no) for no in engine.state.queue.order] == expected
    assert [model.index(r, Col.NO).data() for r in range(model.rowCount())] == expected
    assert on_screen() == expected
    assert five.row() == 1  # what pointed at 5号 (a selection, an editor) still does
    assert panel.selected_no() == 5
    qtmodeltester.check(model)  # the C++ tester over the moved rows
    runner.run("explain", {"no": 5})  # a dataChanged on the moved row: the Python tester runs again
    assert model.index(1, Col.NAME).data() == engine.state.queue.get(5).name  # type: ignore[union-attr]


@pytest.mark.parametrize(("no", "to"), [(1, 5), (6, 0), (3, 4)])
def test_queue_rows_follow_the_engine_for_moves_down_up_and_by_one(
        qtbot: QtBot, qtmodeltester, no: int, to: int) -> None:  # type: ignore[no-untyped-def]
    engine = SessionEngine(clock=ManualClock())
    engine.load_catalog(load_products_csv(demo_catalog_path()))
    model = ProductQueueModel(engine)
    qtmodeltester.check(model, force_py=True)
    before = list(engine.state.queue.order)
    moved = QPersistentModelIndex(model.index(before.index(no), Col.NO))
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    assert CommandRunner(engine).run("move", {"no": no, "to": to}).applied
    after = list(engine.state.queue.order)
    assert after.index(no) == to
    assert after != before
    assert [int(model.index(r, Col.NO).data()) for r in range(model.rowCount())] == after
    assert model.index(to, Col.NO, QModelIndex()).data() == str(no)
    assert moved.row() == to  # Qt was told the right destination (a view's selection follows it)
    assert resets == []
    qtmodeltester.check(model)
