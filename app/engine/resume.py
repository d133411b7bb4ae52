"""After a crash: find the interrupted show and continue it, as the same session.

A show whose process died (``kill -9``, a crash, a power cut) is marked ``interrupted`` when the log is
next opened (app/store/orphans.py). :func:`find_interrupted` finds it; :func:`continue_interrupted`
plays it back from the log (app/engine/replay.py) and makes the engine go on recording it: the same
session id, marked ``live`` again, so its review covers the whole show, before and after the crash.
Nothing is logged for the continuation itself except the gap: no events arrive while the app is down.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.commerce.catalog import Product
from app.commerce.promotions import Coupon, FlashSale, LuckyBag
from app.core.events import Kind, LiveEvent
from app.engine.replay import rebase, rebuild, restored_changes
from app.engine.session import SessionEngine

log = logging.getLogger("livedeck.engine")


@dataclass(frozen=True, slots=True)
class Restored:
    """What :func:`continue_interrupted` brought back, for telling the user.

    Attributes:
        session_id: the session that goes on.
        events: events the log held.
        explaining / pinned_product: the explain card and the pinned product (None: none).
        pinned_comment: the pinned comment.
        sales: flash sales still warming up or live.
        coupons: coupons dropped and still valid (their claims so far in ``claimed``).
        lucky_bag: the lucky bag still collecting participants.
        notes: teleprompter notes.
        plan_steps: run-of-show steps already run (following the plan again skips them).
        orders / gmv_fen: orders and their amount so far.
    """

    session_id: int
    events: int
    explaining: Product | None
    pinned_product: Product | None
    pinned_comment: LiveEvent | None
    sales: tuple[FlashSale, ...]
    coupons: tuple[Coupon, ...]
    lucky_bag: LuckyBag | None
    notes: int
    plan_steps: int
    orders: int
    gmv_fen: int


def find_interrupted(sessions: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The newest session (``SessionLog.sessions()``, newest first) if it was interrupted, else None."""
    newest = sessions[0] if sessions else None
    return newest if newest is not None and newest["status"] == "interrupted" else None


async def continue_interrupted(
    engine: SessionEngine, session: dict[str, Any], feed: Callable[[list[LiveEvent]], None] | None = None,
) -> Restored:
    """Continue the interrupted ``session`` (a ``sessions`` row of ``engine.log``) on ``engine``.

    The state is played back from the log by the live rules; every countdown keeps its logged wall-clock
    deadline (a flash sale has exactly the time left it had; a sale or lucky bag whose deadline passed
    while the app was down ends, or is drawn, at once). ``feed`` gets every stored event
    (the metrics tracker's ``feed_history``). A long show comes back without holding the event loop:
    the log is read on a worker thread and applied in short slices (app/engine/replay.py).
    """
    session_log = engine.log
    if session_log is None:
        raise ValueError("continuing a show needs its session log")
    rebuilt = await rebuild(session_log, session, engine.state.queue, feed)  # gives the loop back as it goes
    state = rebuilt.engine.state
    offset = engine.clock.monotonic() - engine.clock.time()
    rebase(state, offset)
    state.started_monotonic = float(session["started_at"]) + offset
    session_id = await engine.continue_session(rebuilt.engine, seq=rebuilt.seq, actions=rebuilt.actions,
                                               changes=restored_changes(state))
    engine.drain()  # what ran out while the app was down ends (or is drawn) now, in this session's log
    now = engine.clock.monotonic()
    bag = state.lucky_bag
    steps = {row["command_id"].removesuffix("-prompt") for row in rebuilt.actions
             if row["actor"] == "plan" and row["result"] == "applied"}
    restored = Restored(
        session_id=session_id,
        events=rebuilt.events,
        explaining=state.queue.get(state.explaining) if state.explaining is not None else None,
        pinned_product=state.queue.get(state.pinned_product) if state.pinned_product is not None else None,
        pinned_comment=state.pinned,
        sales=tuple(s for s in state.flash_sales.values() if s.running and s.phase(now) != "ended"),
        coupons=tuple(c for c in state.coupons.values() if c.valid(now) and c.left > 0),
        lucky_bag=bag if bag is not None and bag.status == "running" and bag.remaining(now) > 0 else None,
        notes=len(state.notes),
        plan_steps=len(steps),
        orders=state.counts[Kind.ORDER],
        gmv_fen=state.gmv_fen,
    )
    log.info("continued interrupted session %s: %d events, %d sale(s) running", session_id, rebuilt.events,
             len(restored.sales))
    return restored
