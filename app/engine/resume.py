"""After an app restart: resume the flash sales an interrupted (killed) session left running."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.commerce import flash_sales
from app.commerce.effects import Context
from app.commerce.promotions import FlashSale
from app.core.events import Command, FlashSaleNotice, Kind
from app.engine.session import SessionEngine

if TYPE_CHECKING:
    from app.store.session_log import SessionLog

log = logging.getLogger("livedeck.engine")


@dataclass(frozen=True, slots=True)
class Resumed:
    """What :func:`resume_interrupted` brought back: the interrupted session and the flash sales resumed."""

    session_id: int
    sales: tuple[FlashSale, ...]


def resume_interrupted(engine: SessionEngine, session_log: SessionLog | None = None) -> Resumed | None:
    """Resume the flash sales the killed session left running, with their true remaining time.

    Call it once the new session has started. If the newest *other* session in the log is
    ``interrupted`` (its process died; ``SessionLog`` marks it on opening), each flash sale it started
    whose wall-clock deadline (``ends_at_wall`` in its ``actions`` args) is still ahead, and that was
    neither stopped nor sold out, is rebuilt by :meth:`SessionEngine.restore_promotions`: its deadline
    is now + (``ends_at_wall`` − wall-clock now), still warming up if ``starts_at_wall`` is ahead. Its
    units sold so far are recounted from the old session's orders (as the live rule counts them), so
    the stock left stays true. Each resumed sale is logged in this session as a ``start_flash_sale``
    row with actor ``restore`` (args as the original plus ``resumed_from`` and ``sold``), and a
    ``system`` event with ``extra.flash_sale = "resumed"`` marks it. The room is not told again (its
    sale kept running; command ids count as seen, so a retry is a duplicate).

    Returns:
        None when there is nothing to resume (no log, no earlier session, it ended normally, or none of
        its sales is still running).
    """
    log_ = session_log if session_log is not None else engine.log
    current = engine.state.session_id
    if log_ is None or current is None:
        return None
    previous = next((s for s in log_.sessions() if s["id"] != current), None)
    if previous is None or previous["status"] != "interrupted":
        return None
    old = int(previous["id"])
    ended = {
        extra["sale_id"] for event in log_.events(old, kinds=[Kind.SYSTEM])
        if (extra := event.extra or {}).get("flash_sale") == FlashSaleNotice.ENDED
        and isinstance(extra.get("sale_id"), str)
    }
    rows = [
        row for row in log_.actions(old)
        if row["name"] in ("start_flash_sale", "stop_flash_sale") and row["command_id"] not in ended
    ]
    before = set(engine.state.flash_sales)
    engine.restore_promotions(rows)
    sales = [sale for sid, sale in engine.state.flash_sales.items() if sid not in before and sale.running]
    if not sales:
        return None
    orders = log_.events(old, kinds=[Kind.ORDER])
    resumed: list[FlashSale] = []

    def announce(ctx: Context) -> None:
        for sale in sales:
            for order in orders:
                if (
                    order.product_id == sale.product_id
                    and sale.starts_at_wall <= order.ts < sale.ends_at_wall
                    and order.amount_fen <= sale.price_fen * max(1, order.count)
                ):
                    sale.count_order(order.user_id, order.count)
            sale.oversold = 0  # flagged in the old session already
            if sale.left == 0:  # sold out before the app died, its end event lost with it
                engine.state.flash_sales.pop(sale.sale_id)
                continue
            started = next(r for r in rows if r["command_id"] == sale.sale_id)
            flash_sales.resumed_notice(
                ctx, sale, old, Command("start_flash_sale", started["args"], "restore", sale.sale_id))
            resumed.append(sale)

    engine.apply_effects_of(announce)
    log.info("resumed %d flash sale(s) of interrupted session %s", len(resumed), old)
    return Resumed(old, tuple(resumed)) if resumed else None
