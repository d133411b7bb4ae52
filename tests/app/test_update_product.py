"""update_product: the product queue's in-place edits (price, stock, selling points) as a command."""

from __future__ import annotations

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.commerce.effects import Change
from app.core.clock import ManualClock
from app.core.events import Command
from app.engine.session import SessionEngine


def make_engine() -> SessionEngine:
    engine = SessionEngine(clock=ManualClock())
    engine.load_catalog(load_products_csv(demo_catalog_path()))
    return engine


def test_update_product_edits_price_stock_and_selling_points_and_says_what_changed() -> None:
    engine = make_engine()
    heard: list[Change] = []
    engine.subscribe_changes(heard.append)
    result = engine.execute(
        Command("update_product", {"no": 3, "fields": {"price_fen": 7990, "stock": 12, "selling_points": " 新卖点 "}})
    )
    assert result.applied, result.reason
    product = engine.state.queue.get(3)
    assert product is not None
    assert (product.price_fen, product.stock, product.selling_points) == (7990, 12, "新卖点")
    assert engine.state.queue.by_product_id(product.product_id) is product
    assert heard == [Change("product", 3)]


def test_update_product_rejects_bad_fields_and_changes_nothing() -> None:
    engine = make_engine()
    before = engine.state.queue.get(2)
    for fields in ({"price_fen": -1}, {"price_fen": "9.9"}, {"no": 9}, {"product_id": "x"}, {"name": " "}, {}):
        result = engine.execute(Command("update_product", {"no": 2, "fields": fields}))
        assert result.result == "rejected", fields
        assert result.reason
    assert engine.state.queue.get(2) == before
    assert engine.execute(Command("update_product", {"no": 99, "fields": {"stock": 1}})).result == "rejected"
