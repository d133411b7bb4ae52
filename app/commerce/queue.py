"""The product queue (排品) and the explain card (讲解): load, explain, list/unlist, move, edit, pin.

Command handlers take a :class:`~app.commerce.effects.Context` and the validated args (see the
command table, app/engine/commands.py); they change the state and record their effects on the context.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from app.commerce.catalog import Product
from app.commerce.effects import Change, ChangeAction, ChangeKind, CommandError, Context
from app.commerce.state import ExplainWindow
from app.core.bounds import MAX_COUNT, MAX_FEN, MAX_PRODUCT_NAME, MAX_PRODUCT_TEXT
from app.core.events import ProductNotice
from app.core.i18n import tr

#: Product fields ``update_product`` may change (the 序号 and the shop's product id never change).
EDITABLE_INT_FIELDS = frozenset({"price_fen", "original_price_fen", "stock"})
EDITABLE_TEXT_FIELDS = frozenset({"name", "link", "selling_points", "sku", "image"})
#: Bounds from app.core.bounds: money in fen ≤ MAX_FEN, stock ≤ MAX_COUNT.
MAX_FIELD_INT = {"price_fen": MAX_FEN, "original_price_fen": MAX_FEN, "stock": MAX_COUNT}
MAX_TEXT = {"name": MAX_PRODUCT_NAME, "sku": 100}  # other text fields: MAX_TEXT_DEFAULT
MAX_TEXT_DEFAULT = MAX_PRODUCT_TEXT


def load_catalog(ctx: Context, args: dict[str, Any]) -> None:
    products = []
    for i, item in enumerate(args["products"], start=1):
        try:
            products.append(item if isinstance(item, Product) else Product.from_dict(item))
        except (TypeError, ValueError) as exc:
            raise CommandError(tr("第 {i} 个商品无效：{reason}", i=i, reason=exc)) from None
    if not products:
        raise CommandError(tr("参数 products 必须是非空的商品列表"))
    state = ctx.state
    if any(s.running for s in state.flash_sales.values()):
        raise CommandError(tr("秒杀进行中，不能替换商品列表"))
    try:
        state.queue.replace(products)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    ctx.changed(ChangeKind.CATALOG, action=ChangeAction.RESET)
    ctx.effects.detail = f"{len(products)} products"
    ctx.effects.products_changed = True
    if state.explaining is not None and state.explaining not in state.queue:
        end_explaining(ctx)
    if state.pinned_product is not None and state.pinned_product not in state.queue:
        _unpin(ctx)


def end_explaining(ctx: Context) -> None:
    """Close the explain window of the product being explained, if any."""
    state = ctx.state
    if state.explaining is None:
        return
    no = state.explaining
    window = state.explain_windows[-1]
    state.explain_windows[-1] = dataclasses.replace(window, end_ts=ctx.wall)
    state.explaining = None
    ctx.changed(ChangeKind.EXPLAINING, no, ChangeAction.REMOVED)


def explain(ctx: Context, args: dict[str, Any]) -> None:
    product = ctx.product(args["no"])
    state = ctx.state
    if not state.queue.is_listed(product.no):
        raise CommandError(tr("{no} 号商品已下架，先上架再讲解", no=product.no))
    ctx.effects.logged_args["product_id"] = product.product_id
    if state.explaining != product.no:
        previous = state.explaining
        end_explaining(ctx)
        state.explaining = product.no
        state.explain_windows.append(ExplainWindow(product.no, product.product_id, ctx.wall))
        ctx.changed(ChangeKind.EXPLAINING, product.no, ChangeAction.ADDED)
        ctx.effects.detail = f"explaining {product.no}" + (f", ended {previous}" if previous is not None else "")
    else:
        ctx.effects.detail = f"{product.no} was already being explained; card pushed again"
    ctx.to_room("explain", {"product_id": product.product_id})


def stop_explain(ctx: Context, args: dict[str, Any]) -> None:
    previous = ctx.state.explaining
    end_explaining(ctx)
    ctx.effects.detail = f"ended {previous}" if previous is not None else "nothing was being explained"
    ctx.to_room("stop_explain", {})


def _set_listed(ctx: Context, no: int, listed: bool) -> None:
    product = ctx.product(no)
    state = ctx.state
    ctx.effects.logged_args["product_id"] = product.product_id
    if state.queue.is_listed(product.no) == listed:
        ctx.effects.detail = "unchanged"
        return
    state.queue.set_listed(product.no, listed)
    ctx.changed(ChangeKind.QUEUE, product.no)
    if not listed and state.explaining == product.no:
        end_explaining(ctx)
    if not listed and state.pinned_product == product.no:
        _unpin(ctx)
    ctx.effects.detail = ("listed " if listed else "unlisted ") + str(product.no)
    ctx.effects.products_changed = True


def list_product(ctx: Context, args: dict[str, Any]) -> None:
    _set_listed(ctx, args["no"], True)


def unlist_product(ctx: Context, args: dict[str, Any]) -> None:
    _set_listed(ctx, args["no"], False)


def move(ctx: Context, args: dict[str, Any]) -> None:
    product = ctx.product(args["no"])
    queue = ctx.state.queue
    before = queue.position(product.no)
    queue.move(product.no, args["to"])
    after = queue.position(product.no)
    if before != after:
        ctx.effects.changes.append(Change(ChangeKind.QUEUE, product.no, ChangeAction.MOVED, (before, after)))
        ctx.effects.products_changed = True
    ctx.effects.detail = f"{product.no}: position {before} → {after}"


def update_product(ctx: Context, args: dict[str, Any]) -> None:
    product = ctx.product(args["no"])
    fields = args["fields"]
    if not fields:
        raise CommandError(tr("参数 fields 必须是非空对象"))
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if name in EDITABLE_INT_FIELDS:
            high = MAX_FIELD_INT[name]
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
                raise CommandError(tr("参数 {name} 必须是整数（{bound}）", name=name, bound=f"0–{high}"))
            values[name] = value
        elif name in EDITABLE_TEXT_FIELDS:
            if not isinstance(value, str):
                raise CommandError(tr("参数 {name} 必须是文本", name=name))
            limit = MAX_TEXT.get(name, MAX_TEXT_DEFAULT)
            if len(value.strip()) > limit:
                raise CommandError(tr("参数 {name} 太长（最多 {limit} 字）", name=name, limit=limit))
            values[name] = value.strip()
        else:
            raise CommandError(tr("不能修改字段 {name}", name=name))
    if "name" in values and not values["name"]:
        raise CommandError(tr("商品名称为空"))
    ctx.effects.logged_args["product_id"] = product.product_id
    updated = dataclasses.replace(product, **values)
    if updated == product:
        ctx.effects.detail = "unchanged"
        return
    ctx.state.queue.update(updated)
    ctx.effects.products_changed = True
    ctx.changed(ChangeKind.PRODUCT, product.no)
    ctx.effects.detail = f"{product.no}: " + ", ".join(sorted(values))


def pin_product(ctx: Context, args: dict[str, Any]) -> None:
    """置顶商品: pin a listed product at the top of the room's cart (one at a time)."""
    product = ctx.product(args["no"])
    state = ctx.state
    if not state.queue.is_listed(product.no):
        raise CommandError(tr("{no} 号商品已下架，先上架再置顶", no=product.no))
    ctx.effects.logged_args["product_id"] = product.product_id
    if state.pinned_product == product.no:
        ctx.effects.detail = f"{product.no} was already pinned"
    else:
        state.pinned_product = product.no
        ctx.changed(ChangeKind.PINNED_PRODUCT, product.no, ChangeAction.ADDED)
        ctx.effects.detail = f"pinned {product.no}"
        ctx.system(tr("置顶商品：{no}号 {name}", no=product.no, name=product.name),
                   product_id=product.product_id, product=ProductNotice.PINNED)
    ctx.to_room("pin_product", {"product_id": product.product_id})


def unpin_product(ctx: Context, args: dict[str, Any]) -> None:
    previous = ctx.state.pinned_product
    _unpin(ctx)
    ctx.effects.detail = f"unpinned {previous}" if previous is not None else "nothing was pinned"
    ctx.to_room("unpin_product", {})


def _unpin(ctx: Context) -> None:
    no = ctx.state.pinned_product
    if no is None:
        return
    ctx.state.pinned_product = None
    ctx.changed(ChangeKind.PINNED_PRODUCT, no, ChangeAction.REMOVED)


def explain_windows_from_actions(
    rows: Iterable[tuple[str, dict[str, Any], float]], product_ids: dict[int, str], end_ts: float | None,
) -> list[ExplainWindow]:
    """The explain windows as the handlers above produced them, rebuilt from logged ``actions``.

    Args:
        rows: the applied commands in order, as ``(name, args, ts)``.
        product_ids: 序号 → product id, for rows logged without ``product_id``.
        end_ts: closes a window still open at the end (None leaves it open, as in a running show).

    An ``explain`` of the product already explained continues its window; ``stop_explain``, an
    ``unlist`` of that product, or a ``load_catalog`` without it ends it.
    """
    out: list[ExplainWindow] = []
    current: ExplainWindow | None = None

    def close(at: float) -> None:
        nonlocal current
        if current is not None:
            out.append(dataclasses.replace(current, end_ts=max(current.start_ts, at)))
            current = None

    for name, args, ts in rows:
        no = args.get("no")
        if name == "explain" and isinstance(no, int):
            if current is not None and current.no == no:
                continue  # pushed again: the same window goes on
            close(ts)
            current = ExplainWindow(no, str(args.get("product_id") or product_ids.get(no, "")), ts)
        elif name == "stop_explain" or (name == "unlist" and current is not None and no == current.no):
            close(ts)
        elif name == "load_catalog" and current is not None:
            nos = {p.get("no") for p in args.get("products", []) if isinstance(p, dict)}
            if current.no not in nos:
                close(ts)
    if current is not None:
        if end_ts is None:
            out.append(current)
        else:
            close(end_ts)
    return out
