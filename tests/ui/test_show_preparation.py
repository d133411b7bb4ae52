"""直播方案 in the console: what was prepared (products, promotions, plan) comes back after a relaunch,
and the 保存方案… / 打开方案… dialogs save, open, rename and delete shows. Real windows, real files."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.settings import Settings
from app.show.preparation import ShowLibrary
from app.show.show import SourceSpec
from tests.plans import write_plan
from ui.console import open_console
from ui.live.catalog_dialog import CatalogImportDialog
from ui.live.main_window import MainWindow
from ui.live.show_dialog import OpenShowDialog, SaveShowDialog, ShowKeeper

SPEC = SourceSpec("generic", "ws://127.0.0.1:9")  # no session is started: nothing connects

CSV = """序号,商品ID,商品名称,到手价,原价,库存
7,A-7,山核桃仁 200g,39.90,59.00,80
8,A-8,手工红糖 500g,25.00,,40
9,A-9,古法米花糖,19.90,29.00,120
"""


def _console(tmp_path: Path, qtbot: QtBot, qloop: asyncio.AbstractEventLoop,
             work: Callable[[MainWindow], Any]) -> Any:
    """Open the console as a launch does (same settings file, same show folder), run ``work``, close it."""
    async def scenario() -> Any:
        async with open_console(SPEC, load_products_csv(demo_catalog_path()), tmp_path / "c.sqlite",
                                Settings(tmp_path / "settings.json"), ShowLibrary(tmp_path / "shows")) as window:
            qtbot.addWidget(window)
            try:
                return work(window)
            finally:
                window.close()
    return qloop.run_until_complete(scenario())


def _products_csv(tmp_path: Path) -> Path:
    """:data:`CSV` as the operator's 货盘.csv."""
    path = tmp_path / "货盘.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def _keeper(window: MainWindow) -> ShowKeeper:
    keeper = window.findChild(ShowKeeper)
    assert keeper is not None
    return keeper


def _listed(dialog: OpenShowDialog) -> list[str]:
    """The show names 打开方案… lists, in its order."""
    return [dialog.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(dialog.list.count())]


def _import(window: MainWindow, path: Path) -> None:
    dialog = CatalogImportDialog(path, window.runner, window)
    assert dialog.do_import()


def _prepare(qtbot: QtBot, window: MainWindow) -> None:
    sale = window.promotions.sale_tab
    sale.product_combo.setCurrentIndex(sale.product_combo.findData(8))
    sale.sale_price.edit.setText("19.90")
    sale.sale_stock.edit.setText("30")
    sale.sale_duration.edit.setText("90")
    sale.prepare_sale_button.click()
    coupon = window.promotions.coupon_tab
    coupon.coupon_kind.setCurrentIndex(coupon.coupon_kind.findData("满减"))
    coupon.coupon_threshold.edit.setText("99")
    coupon.coupon_discount.edit.setText("10")
    coupon.coupon_quantity.edit.setText("200")
    coupon.prepare_coupon_button.click()
    window.promotions.bag_tab.bag_keyword.edit.setText("想要")


def _on_screen(window: MainWindow) -> dict[str, Any]:
    promotions = window.promotions
    sale, coupon = promotions.sale_tab.prepared(), promotions.coupon_tab.prepared()
    return {
        "products": [(p.no, p.name) for p in window.engine.state.queue.products],
        "sale": None if sale is None else (sale.command_id, sale.args),
        "sale_summary": promotions.sale_tab.sale_summary.text(),
        "coupon": None if coupon is None else (coupon.command_id, coupon.args),
        "coupon_summary": promotions.coupon_tab.coupon_summary.text(),
        "keyword": promotions.bag_tab.bag_keyword.text(),
        "plan": [window.run_of_show.table.item(r, 3).text() for r in range(window.run_of_show.table.rowCount())],
        "title": window.windowTitle(),
    }


def test_an_imported_list_prepared_promotions_and_a_plan_survive_a_relaunch(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    products = _products_csv(tmp_path)
    plan = write_plan(tmp_path / "plan.json", [
        {"at": 30, "command": "explain", "args": {"no": 7}, "prompt": "先讲核桃"},
        {"at": 600, "prompt": "发满减券"},
    ])

    def prepare(window: MainWindow) -> dict[str, Any]:
        _import(window, products)
        _prepare(qtbot, window)
        assert window.run_of_show.import_plan(plan)
        return _on_screen(window)

    before = _console(tmp_path, qtbot, qloop, prepare)
    assert before["products"] == [(7, "山核桃仁 200g"), (8, "手工红糖 500g"), (9, "古法米花糖")]
    assert before["sale"] is not None
    assert before["coupon"] is not None
    after = _console(tmp_path, qtbot, qloop, _on_screen)
    # Saved as a new show a moment after the first change (no show was open), and so named in the title.
    assert before.pop("title") == "LiveDeck 直播中控台"
    title = after.pop("title")
    assert after == before  # same products, the same prepared commands (same ids), the same plan
    assert after["sale_summary"].startswith("已准备：8号 ¥19.90 × 30 件")
    assert after["coupon_summary"] == "已准备：满99减10 × 200 张"
    assert after["plan"] == ["先讲核桃", "发满减券"]
    name = Settings(tmp_path / "settings.json").get("last_show")
    assert name.startswith("直播方案 ")
    assert title == f"LiveDeck 直播中控台 — {name}"
    assert (tmp_path / "shows" / f"{name}.json").exists()


def test_the_demo_room_without_a_saved_show_opens_on_the_demo_catalog_and_saves_nothing(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    demo = [(p.no, p.name) for p in load_products_csv(demo_catalog_path())]

    def reload_the_same_list(window: MainWindow) -> dict[str, Any]:
        # The same products again (as a session's start tells the views): nothing prepared changed.
        assert window.engine.load_catalog(load_products_csv(demo_catalog_path())).applied
        return _on_screen(window)

    assert _console(tmp_path, qtbot, qloop, reload_the_same_list)["products"] == demo
    assert not (tmp_path / "shows").exists()
    assert Settings(tmp_path / "settings.json").get("last_show") == ""


def test_save_open_rename_and_delete_shows_from_the_menu(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    products = _products_csv(tmp_path)

    def work(window: MainWindow) -> None:
        keeper = _keeper(window)
        assert [a.text() for a in window.menuBar().actions()][:2] == ["文件", "直播方案"]
        save = keeper.open_save_dialog()
        save.name_edit.setText("a/b")
        assert not save.save()
        assert "方案名称不能以点开头" in save.error.text()
        assert save.isVisible()
        save.name_edit.setText("周五晚场")
        save.notes_edit.setPlainText("主推红糖")
        assert save.save()
        assert not save.isVisible()
        _import(window, products)  # saved into 周五晚场 (the open show) a moment later
        keeper.flush()
        assert next(p.name for p in ShowLibrary(tmp_path / "shows").load("周五晚场").products) == "山核桃仁 200g"

        # A second show with the demo catalog, then back to 周五晚场.
        second = SaveShowDialog(keeper, window)
        second.name_edit.setText("周五晚场")
        assert second.save()  # the open show's own name: saved again, not refused as taken
        keeper.save_as("早场", "")
        assert window.engine.load_catalog(load_products_csv(demo_catalog_path())).applied
        dialog = keeper.open_open_dialog()
        names = _listed(dialog)
        assert sorted(names) == ["周五晚场", "早场"]
        dialog.list.setCurrentRow(names.index("周五晚场"))
        assert dialog.open_selected()
        assert [p.no for p in window.engine.state.queue.products] == [7, 8, 9]
        assert keeper.name == "周五晚场"
        assert "周五晚场" in window.windowTitle()
        # 早场 was saved with the demo catalog before the switch (autosave on open)
        assert len(ShowLibrary(tmp_path / "shows").load("早场").products) == 12

        dialog = OpenShowDialog(keeper, window)
        dialog.list.setCurrentRow(_listed(dialog).index("早场"))
        dialog.rename_edit.setText("周五晚场")
        assert not dialog.rename_selected()
        assert "已有名为「周五晚场」的方案" in dialog.message.text()
        dialog.rename_edit.setText("周六早场")
        assert dialog.rename_selected()
        assert dialog.selected() == "周六早场"
        assert not dialog.delete_selected()  # the first click only asks
        assert dialog.delete_button.text() == "再点一次，删除「周六早场」"
        assert dialog.delete_selected()
        assert [e.name for e in ShowLibrary(tmp_path / "shows").entries()] == ["周五晚场"]
        dialog.close()

    _console(tmp_path, qtbot, qloop, work)
    assert Settings(tmp_path / "settings.json").get("last_show") == "周五晚场"
    assert ShowLibrary(tmp_path / "shows").load("周五晚场").notes == "主推红糖"


def test_opening_a_show_while_a_flash_sale_runs_says_why_and_changes_nothing(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    from app.core.events import Command

    products = _products_csv(tmp_path)

    def work(window: MainWindow) -> None:
        keeper = _keeper(window)
        keeper.save_as("演示", "")
        _import(window, products)
        keeper.save_as("晚场", "")
        sale = Command("start_flash_sale", {"no": 8, "price_fen": 1990, "stock": 5, "duration_s": 60})
        assert window.engine.execute(sale).applied
        dialog = keeper.open_open_dialog()
        names = _listed(dialog)
        dialog.list.setCurrentRow(names.index("演示"))
        assert not dialog.open_selected()
        assert dialog.message.text() == "未能打开「演示」：秒杀进行中，不能替换商品列表"
        assert dialog.isVisible()
        assert [p.no for p in window.engine.state.queue.products] == [7, 8, 9]
        assert keeper.name == "晚场"
        dialog.close()

    _console(tmp_path, qtbot, qloop, work)
    assert Settings(tmp_path / "settings.json").get("last_show") == "晚场"
