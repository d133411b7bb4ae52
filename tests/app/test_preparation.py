"""Saved shows (直播方案): real JSON files in a tmp data directory, every field checked by name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.events import Command
from app.show.preparation import (
    Preparation,
    PreparationError,
    ShowLibrary,
    parse_preparation,
)

PRODUCTS = load_products_csv(demo_catalog_path())[:3]


def _prep(name: str = "周五晚场") -> Preparation:
    return Preparation(
        name,
        list(PRODUCTS),
        {
            "flash_sale": Command("start_flash_sale", {"no": 2, "price_fen": 4990, "stock": 50, "duration_s": 60.0},
                                  "local", "sale-1"),
            "coupon": Command("drop_coupon", {"kind": "直减", "discount_fen": 500, "quantity": 100,
                                              "coupon_id": "c1"}, "local", "coupon:c1"),
        },
        {"steps": [{"at": 30, "command": "explain", "args": {"no": 3}}, {"at": 90, "prompt": "介绍福袋"}]},
        "主推坚果",
    )


def test_a_show_saved_lists_loads_renames_and_deletes(tmp_path: Path) -> None:
    library = ShowLibrary(tmp_path / "shows")
    assert library.entries() == []
    path = library.save(_prep())
    assert path == tmp_path / "shows" / "周五晚场.json"
    assert json.loads(path.read_text(encoding="utf-8"))["version"] == 1
    loaded = library.load("周五晚场")
    assert loaded.to_dict() == _prep().to_dict()
    assert [p.name for p in loaded.products] == [p.name for p in PRODUCTS]
    assert loaded.prepared["flash_sale"].command_id == "sale-1"
    plan = loaded.run_plan()
    assert plan is not None
    assert [s.at for s in plan.steps] == [30.0, 90.0]
    library.save(_prep("早场"))
    assert {e.name for e in library.entries()} == {"周五晚场", "早场"}
    assert [e.products for e in library.entries()] == [3, 3]

    library.rename("早场", "周六早场")
    assert {e.name for e in library.entries()} == {"周五晚场", "周六早场"}
    assert library.load("周六早场").name == "周六早场"
    with pytest.raises(PreparationError, match="已有名为「周五晚场」的方案"):
        library.rename("周六早场", "周五晚场")
    library.delete("周六早场")
    assert [e.name for e in library.entries()] == ["周五晚场"]
    assert library.unused_name("周五晚场") == "周五晚场 (2)"


def test_a_bad_file_is_skipped_in_the_list_and_says_why_when_opened(tmp_path: Path) -> None:
    library = ShowLibrary(tmp_path)
    library.save(_prep())
    (tmp_path / "坏的.json").write_text("{not json", encoding="utf-8")
    assert [e.name for e in library.entries()] == ["周五晚场"]  # the good show still listed
    with pytest.raises(PreparationError, match=r"坏的\.json 不是有效的 JSON"):
        library.load("坏的")


def _with(**changes: Any) -> dict[str, Any]:
    data = _prep().to_dict()
    data.update(changes)
    return data


@pytest.mark.parametrize(("data", "message"), [
    (_with(version="1"), "「version」：必须是整数"),
    (_with(version=99), "「version」：这个方案来自更新版本"),
    (_with(name="a/b"), "「name」：方案名称不能以点开头"),
    (_with(name=" "), "「name」：方案名称不能为空"),
    (_with(notes=3), "「notes」：必须是文本"),
    (_with(products={"no": 1}), "「products」：必须是商品列表"),
    (_with(products=[PRODUCTS[0].to_dict(), {**PRODUCTS[1].to_dict(), "price_fen": -1}]),
     "「products[2]」：price_fen must be an integer"),
    (_with(products=[PRODUCTS[0].to_dict(), PRODUCTS[0].to_dict()]), "「products[2]」：序号 1 重复"),
    (_with(prepared={"raffle": {"command_id": "x", "args": {}}}), "「prepared.raffle」：未知的营销类型"),
    (_with(prepared={"flash_sale": {"command_id": "x", "args": {"no": 2, "stock": 5, "duration_s": 60}}}),
     "「prepared.flash_sale.args」"),
    (_with(prepared={"flash_sale": {"command_id": "x", "args": {"no": 9, "price_fen": 100, "stock": 5,
                                                                 "duration_s": 60}}}),
     "「prepared.flash_sale.args」：商品列表里没有 9 号"),
    (_with(prepared={"coupon": {"args": {"kind": "直减", "discount_fen": 5, "quantity": 1}}}),
     "「prepared.coupon.command_id」"),
    (_with(plan={"steps": [{"at": -1, "prompt": "x"}]}), "「plan」：第 1 步"),
])
def test_every_bad_field_is_named(data: dict[str, Any], message: str) -> None:
    with pytest.raises(PreparationError) as caught:
        parse_preparation(data)
    assert message in str(caught.value)


def test_a_bad_save_never_costs_the_saved_show(tmp_path: Path) -> None:
    library = ShowLibrary(tmp_path / "shows")
    library.save(_prep())
    with pytest.raises(PreparationError):
        library.save(_prep("../elsewhere"))
    assert library.load("周五晚场").notes == "主推坚果"
    assert sorted(p.name for p in (tmp_path / "shows").iterdir()) == ["周五晚场.json"]
    assert not (tmp_path / "elsewhere.json").exists()


def test_a_plan_step_for_a_product_no_longer_listed_keeps_the_show_and_stops_only_its_run(tmp_path: Path) -> None:
    library = ShowLibrary(tmp_path)
    prep = _prep()
    prep.plan = {"steps": [{"at": 1, "command": "explain", "args": {"no": 9}}]}
    library.save(prep)
    loaded = library.load("周五晚场")
    assert [p.no for p in loaded.products] == [1, 2, 3]
    with pytest.raises(ValueError, match="第 1 步：商品列表里没有 9 号"):
        loaded.run_plan()
