"""Rebuild the running promotions and the explain card from an interrupted session's ``actions`` rows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.commerce import flash_sales
from app.commerce.effects import ChangeAction, ChangeKind, Context
from app.commerce.queue import end_explaining
from app.commerce.state import ExplainWindow
from app.core.events import SaleEndReason


def restore(ctx: Context, actions: Iterable[dict[str, Any]]) -> None:
    """Replay the applied ``explain``/``stop_explain``/``start_flash_sale``/``stop_flash_sale`` rows
    (as :meth:`SessionLog.actions` returns them) onto the state.

    A sale resumes with its true remaining time (from its logged wall-clock deadline); its sold count
    restarts at 0 unless its orders are counted again afterwards.
    """
    state = ctx.state
    for row in actions:
        if row["result"] != "applied":
            continue
        name, args, command_id = row["name"], row.get("args") or {}, row["command_id"]
        no = args.get("no")
        if name == "explain" and isinstance(no, int) and no in state.queue:
            if state.explaining == no:
                continue
            end_explaining(ctx)
            product = state.queue.get(no)
            assert product is not None
            state.explaining = no
            state.explain_windows.append(ExplainWindow(no, product.product_id, row["ts"]))
            ctx.changed(ChangeKind.EXPLAINING, no, ChangeAction.ADDED)
        elif name == "stop_explain":
            end_explaining(ctx)
        elif name == "start_flash_sale":
            sale = flash_sales.sale_from_action(ctx, command_id, args)
            if sale is not None:
                state.flash_sales[command_id] = sale
                ctx.changed(ChangeKind.FLASH_SALE, command_id, ChangeAction.ADDED)
        elif name == "stop_flash_sale":
            sale = state.flash_sales.get(args.get("sale_id", ""))
            if sale is not None and sale.running:
                sale.status, sale.end_reason, sale.ended_at = "ended", SaleEndReason.STOPPED, ctx.now
                ctx.changed(ChangeKind.FLASH_SALE, sale.sale_id)
