"""Rebuild an interrupted show's state from its log, by the live rules themselves.

A show killed mid-way (``kill -9``, a crash, a power cut) left everything it knew in the session log:
its product list (``products``), every command it applied (``actions``, with the args the engine
derived: deadlines, seeds, coupon ids) and every event (``events``). :func:`rebuild` plays them back
in the order the engine applied them (each ``actions`` row says after which event: ``after_seq``) into
a scratch :class:`SessionEngine` whose clock reads each row's own time. So the state comes out of the
same handlers and the same event rules that built it the first time: units sold per product, GMV,
the flash sales with their sold counts and buyers, coupon claims, lucky-bag participants (and draws
whose deadline passed before the crash), the explain card, the pinned product and comment, the
teleprompter notes, the message ids already seen.

What the scratch engine does not do again: emit system events, send room commands or log actions;
the first run did those and they are in the log. The catalog commands (``CommandSpec.catalog``:
loading, listing, moving, editing products) are not replayed either: the saved product list is what
they left. The explain windows come from the review's rule over every applied row
(:func:`app.commerce.queue.explain_windows_from_actions`), so the live show and its review agree.

Deadlines are monotonic times; during the replay the monotonic clock equals the wall clock, and
:func:`rebase` moves every deadline onto this process's monotonic clock at the end.

The replay shares the event loop with the console's window, and a long show holds millions of events, so
it never holds the loop for long: the log is read and decoded on a worker thread (``asyncio.to_thread``,
one page of :data:`PAGE` events at a time, the next page read while this one is applied), and the events
are applied :data:`SLICE_EVENTS` at a time, giving the loop back every :data:`SLICE_S` seconds. The
window keeps painting and its timers keep ticking while a six-hour show comes back.

Our own log is re-read as it was written: its events never meet the session's time window (a room's
events do, ``SessionEngine.submit_from_room``); the scratch engine takes them through ``submit``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.commerce.catalog import Product, ProductQueue
from app.commerce.effects import Change, ChangeAction, ChangeKind, Effects
from app.commerce.queue import explain_windows_from_actions
from app.commerce.state import CommerceState
from app.core.clock import Clock
from app.core.events import Command, LiveEvent
from app.engine.commands import COMMANDS
from app.engine.session import SessionEngine
from app.engine.state import SessionState

if TYPE_CHECKING:
    from app.store.session_log import SessionLog

log = logging.getLogger("livedeck.engine")

#: Args the handler drew itself (a lucky bag's 63-bit seed, beyond what an operator may type): put back
#: from the logged row after the handler ran (:func:`_keep_logged_values`).
DRAWN_ARGS = frozenset({"seed"})
#: Events are applied in batches this long, like the live batcher's (50 ms).
BATCH_S = 0.05
PAGE = 20_000  # events read from the log at a time
#: The longest the replay holds the event loop before it lets the window (and every other task) run…
SLICE_S = 0.005
#: …checked after every this many events (a few milliseconds of work).
SLICE_EVENTS = 64


class _ReplayClock(Clock):
    """Reads the time of the row being replayed; the monotonic reading equals the wall clock."""

    def __init__(self, at: float) -> None:
        self.at = at

    def monotonic(self) -> float:
        return self.at

    def time(self) -> float:
        return self.at

    def move_to(self, ts: float) -> None:
        self.at = max(self.at, ts)  # never backwards: deadlines only move on


class _ReplayEngine(SessionEngine):
    """The engine without its ways out: the notices, room commands and extra rows are in the log already."""

    def _apply_effects(self, effects: Effects) -> tuple[Change, ...]:
        effects.events, effects.outbound, effects.actions = [], [], []
        effects.products_changed = False
        return super()._apply_effects(effects)


@dataclass(slots=True)
class Rebuilt:
    """An interrupted session played back: the engine holding its state, and what the log holds."""

    engine: SessionEngine
    seq: int  # the last ``seq`` stored: the continued session goes on from here
    actions: list[dict[str, Any]]
    events: int


def saved_queue(rows: list[dict[str, Any]], fallback: ProductQueue) -> ProductQueue:
    """The product list a session saved (order, 上架/下架, edited fields); ``fallback`` if none was saved."""
    if not rows:
        return ProductQueue(fallback.products)
    products = [Product.from_dict(row) for row in rows]
    queue = ProductQueue(products)
    for row in rows:
        if not row["listed"]:
            queue.set_listed(int(row["no"]), False)
    return queue


async def rebuild(
    session_log: SessionLog, session: dict[str, Any], catalog: ProductQueue,
    feed: Callable[[list[LiveEvent]], None] | None = None,
) -> Rebuilt:
    """Play session ``session`` (a ``sessions`` row) back from ``session_log``; see the module doc. The
    disk is read on a worker thread and the loop is given back every :data:`SLICE_S` seconds.

    Args:
        catalog: the product list to use if the session saved none.
        feed: also gets every stored event, in slices in ``seq`` order (the metrics tracker).
    """
    sid = int(session["id"])
    started = float(session["started_at"])
    clock = _ReplayClock(started)
    engine = _ReplayEngine(clock=clock)
    engine.state = SessionState(
        session_id=sid, title=session["title"], source=session["source"], started_at=started,
        started_monotonic=started, queue=saved_queue(await asyncio.to_thread(session_log.products, sid), catalog),
    )
    rows = await asyncio.to_thread(session_log.actions, sid)
    _keep_session_scope(engine.state, rows)
    todo = deque(r for r in rows if r["result"] == "applied" and r["actor"] != "restore"
                 and r["name"] in COMMANDS and not COMMANDS[r["name"]].catalog)
    batch: list[LiveEvent] = []

    def flush() -> None:
        if batch:
            clock.move_to(batch[-1].ts)
            engine.submit(batch)
            engine.drain()
            batch.clear()

    def run(row: dict[str, Any]) -> None:
        flush()
        clock.move_to(row["ts"])
        spec = COMMANDS[row["name"]]
        known = {arg.name for arg in spec.args} - DRAWN_ARGS
        args = {k: v for k, v in row["args"].items() if k in known}
        result = engine.execute(Command(row["name"], args, row["actor"], row["command_id"]))
        if result.applied:
            _keep_logged_values(engine.state, row)
        else:
            log.warning("replaying %s %s: %s", row["name"], row["command_id"], result.reason)

    def apply(events: list[LiveEvent]) -> None:
        if feed is not None:
            feed(events)
        for event in events:
            while todo and _comes_before(todo[0], event):
                run(todo.popleft())
            if batch and event.ts - batch[0].ts > BATCH_S:
                flush()
            batch.append(event)

    last_seq = count = 0
    slicer = _Slicer()
    async for events in _pages(session_log, sid):
        last_seq = events[-1].seq
        count += len(events)
        for start in range(0, len(events), SLICE_EVENTS):
            apply(events[start:start + SLICE_EVENTS])
            await slicer.turn()
    while todo:
        run(todo.popleft())
    flush()
    _explain_and_pins(engine.state, rows)
    return Rebuilt(engine, last_seq, rows, count)


async def _pages(session_log: SessionLog, sid: int) -> AsyncIterator[list[LiveEvent]]:
    """The session's events in ``seq`` order, a page at a time, read and decoded on a worker thread (the
    next page while the caller applies this one)."""
    page = asyncio.ensure_future(asyncio.to_thread(session_log.events, sid, after_seq=0, limit=PAGE))
    try:
        while events := await page:
            page = asyncio.ensure_future(asyncio.to_thread(session_log.events, sid, after_seq=events[-1].seq,
                                                           limit=PAGE))
            yield events
    finally:
        page.cancel()


class _Slicer:
    """Gives the event loop back once :data:`SLICE_S` has passed since it last did."""

    def __init__(self) -> None:
        self._until = time.perf_counter() + SLICE_S

    async def turn(self) -> None:
        if time.perf_counter() >= self._until:
            await asyncio.sleep(0)
            self._until = time.perf_counter() + SLICE_S


def _comes_before(row: dict[str, Any], event: LiveEvent) -> bool:
    """Whether the command of ``row`` ran before ``event`` was applied: by the ``seq`` it was logged after,
    or (rows logged before that column) by time, the event first on a tie (a pin names its seq)."""
    after = row.get("after_seq")
    return event.seq > after if isinstance(after, int) else row["ts"] < event.ts


def _keep_session_scope(state: SessionState, rows: list[dict[str, Any]]) -> None:
    """The session's id scope (``s<id>-<token>:``, the ids of its plan steps and prepared promotions) as the
    first run had it, read back from its logged command ids: a step run again is still a duplicate."""
    if not hasattr(state, "token"):
        return
    scope = re.compile(rf"^s{state.session_id}-([0-9a-f]+):")
    for row in rows:
        found = scope.match(str(row["command_id"]))
        if found:
            state.token = found.group(1)
            return


def _keep_logged_values(state: CommerceState, row: dict[str, Any]) -> None:
    """The deadlines and seeds exactly as the first run logged them (the replay ran the handler a moment
    later, and drew its own seed)."""
    args, cid = row["args"], row["command_id"]
    sale = state.flash_sales.get(cid)
    if row["name"] == "start_flash_sale" and sale is not None and "ends_at_wall" in args:
        sale.starts_at = sale.starts_at_wall = float(args.get("starts_at_wall", sale.starts_at_wall))
        sale.ends_at = sale.ends_at_wall = float(args["ends_at_wall"])
    coupon = state.coupons.get(str(args.get("coupon_id", "")))
    if row["name"] == "drop_coupon" and coupon is not None and args.get("expires_at_wall") is not None:
        coupon.expires_at = coupon.expires_at_wall = float(args["expires_at_wall"])
    bag = state.lucky_bag
    if row["name"] == "start_lucky_bag" and bag is not None and bag.bag_id == cid and "ends_at_wall" in args:
        bag.ends_at = bag.ends_at_wall = float(args["ends_at_wall"])
        if isinstance(args.get("seed"), int):
            bag.seed = args["seed"]


def _explain_and_pins(state: CommerceState, rows: list[dict[str, Any]]) -> None:
    """The explain windows by the review's rule over every applied row; pins of unlisted products dropped."""
    product_ids = {item.product.no: item.product.product_id for item in state.queue}
    applied = [(r["name"], r["args"], r["ts"]) for r in rows if r["result"] == "applied"]
    state.explain_windows = explain_windows_from_actions(applied, product_ids, None)
    last = state.explain_windows[-1] if state.explain_windows else None
    state.explaining = last.no if last is not None and last.end_ts is None else None
    if state.explaining is not None and not state.queue.is_listed(state.explaining):
        state.explaining = None
        assert last is not None
        state.explain_windows[-1] = dataclasses.replace(last, end_ts=last.start_ts)
    if state.pinned_product is not None and not state.queue.is_listed(state.pinned_product):
        state.pinned_product = None


def rebase(state: CommerceState, offset: float) -> None:
    """Move every monotonic deadline by ``offset`` (this process's monotonic clock minus the wall clock)."""
    for sale in state.flash_sales.values():
        sale.starts_at += offset
        sale.ends_at += offset
        if sale.ended_at is not None:
            sale.ended_at += offset
    for coupon in state.coupons.values():
        if coupon.expires_at is not None:
            coupon.expires_at += offset
    for bag in state.lucky_bags:
        bag.ends_at += offset


def restored_changes(state: CommerceState) -> list[Change]:
    """Everything a view shows of the commerce state, as changes (the views refresh each once)."""
    changes = [Change(ChangeKind.CATALOG, action=ChangeAction.RESET)]
    if state.explaining is not None:
        changes.append(Change(ChangeKind.EXPLAINING, state.explaining, ChangeAction.ADDED))
    if state.pinned_product is not None:
        changes.append(Change(ChangeKind.PINNED_PRODUCT, state.pinned_product, ChangeAction.ADDED))
    changes += [Change(ChangeKind.FLASH_SALE, sid, ChangeAction.ADDED) for sid in state.flash_sales]
    changes += [Change(ChangeKind.COUPON, cid, ChangeAction.ADDED) for cid in state.coupons]
    changes += [Change(ChangeKind.LUCKY_BAG, bag.bag_id, ChangeAction.ADDED) for bag in state.lucky_bags]
    changes += [Change(ChangeKind.NOTES, note.command_id, ChangeAction.ADDED) for note in state.notes]
    if state.pinned is not None:
        changes.append(Change(ChangeKind.PINNED, state.pinned.seq))
    return changes
