"""The session engine, headless: ordering, seq, duplicates, state, batching to the log."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.core.clock import ManualClock
from app.core.events import Kind, LiveEvent
from app.engine.session import SessionEngine
from app.metrics.tracker import MetricsTracker
from app.store.session_log import SessionLog
from tests.waiting import wait_until


def ev(kind: str, n: int = 0, **fields: object) -> LiveEvent:
    return LiveEvent(kind=kind, ts=1_700_000_000.0 + n, **fields)  # type: ignore[arg-type]


def test_events_apply_in_order_with_consecutive_seq() -> None:
    engine = SessionEngine()
    seen: list[LiveEvent] = []
    engine.subscribe(seen.extend)
    engine.submit([ev(Kind.COMMENT, n, text=f"评论{n}") for n in range(3)])
    engine.submit([ev(Kind.COMMENT, 3, text="评论3")])
    engine.drain()
    assert [e.text for e in seen] == ["评论0", "评论1", "评论2", "评论3"]
    assert [e.seq for e in seen] == [1, 2, 3, 4]


def test_a_message_id_seen_before_is_dropped_once_and_counted() -> None:
    engine = SessionEngine()
    engine.submit([ev(Kind.COMMENT, msg_id="a"), ev(Kind.COMMENT, msg_id="b"), ev(Kind.COMMENT, msg_id="a"),
                   ev(Kind.COMMENT), ev(Kind.COMMENT)])  # events without an id are never deduplicated
    batch = engine.drain()
    assert [e.msg_id for e in batch] == ["a", "b", "", ""]
    assert engine.state.duplicates == 1


def test_state_tracks_online_peak_likes_and_sales() -> None:
    engine = SessionEngine()
    engine.submit([
        ev(Kind.VIEWER_STATS, count=120, extra={"total_viewers": 300}),
        ev(Kind.VIEWER_STATS, count=90, extra={"total_viewers": 320}),
        ev(Kind.LIKE, count=15), ev(Kind.LIKE, count=5),
        ev(Kind.ORDER, count=2, amount_fen=11980, product_id="1003"),
        ev(Kind.ORDER, count=1, amount_fen=5990, product_id="1003"),
    ])
    batch = engine.drain()
    state = engine.state
    assert (state.online, state.peak_online, state.total_viewers) == (90, 120, 320)
    # Likes are the metrics' to sum (the engine keeps no total nobody reads): the same batch, 20 likes.
    tracker = MetricsTracker()
    tracker.feed(batch)
    assert tracker.snapshot(batch[-1].ts).likes == 20
    assert (state.counts[Kind.ORDER], sum(state.sold.values()), state.gmv_fen) == (2, 3, 17970)
    assert state.sold["1003"] == 3


def test_batcher_flushes_on_its_own_and_on_cancel(tmp_path: Path) -> None:
    async def main() -> tuple[list[int], int, int]:
        with SessionLog(tmp_path / "s.sqlite") as log:
            engine = SessionEngine(log, batch_interval=0.05)
            batches: list[int] = []
            engine.subscribe(lambda batch: batches.append(len(batch)))
            session_id = await engine.start_session("测试", "generic:test")
            batcher = asyncio.create_task(engine.run())
            engine.submit([ev(Kind.COMMENT, n) for n in range(10)])
            # Nobody calls drain() here: the batcher takes the 10 events to the log and the listeners.
            await wait_until(lambda: sum(batches) >= 10, what="the batcher to drain the 10 events")
            log.flush()
            after_batcher = log.count_events(session_id)
            engine.submit([ev(Kind.COMMENT, n) for n in range(5)])
            batcher.cancel()  # shutting down must not lose what is queued
            await asyncio.gather(batcher, return_exceptions=True)
            await engine.end_session()
            return batches, after_batcher, log.count_events(session_id)

    batches, after_batcher, final = asyncio.run(main())
    assert batches == [10, 5]  # one batch for the 10 queued together, one drained on cancel
    assert after_batcher == 10
    assert final == 15



def test_events_after_a_quiet_spell_are_batched_at_once_and_a_burst_waits_for_the_interval() -> None:
    # A 60 s interval and a manual clock: whatever is applied before the clock moves was woken, not timed.
    async def main() -> tuple[list[int], list[int]]:
        clock = ManualClock(1_700_000_000.0)
        engine = SessionEngine(batch_interval=60.0, clock=clock)
        batches: list[int] = []
        engine.subscribe(lambda batch: batches.append(len(batch)))
        batcher = asyncio.create_task(engine.run())
        try:
            engine.submit([ev(Kind.COMMENT, 1)])  # the room was quiet: no timer to wait for
            await wait_until(lambda: batches == [1], what="the first comment to be batched at once")
            engine.submit([ev(Kind.COMMENT, n) for n in range(2, 5)])  # right after a batch: it waits
            for _ in range(20):
                await asyncio.sleep(0)  # give a wrongly woken batcher every chance to run
            right_after = list(batches)
            engine.drain()  # what the batcher's timer does an interval later
            clock.advance(60.0)
            engine.submit([ev(Kind.COMMENT, 5)])  # an interval after that batch: at once again
            await wait_until(lambda: len(batches) == 3, what="the comment after the interval to be batched")
        finally:
            batcher.cancel()
            await asyncio.gather(batcher, return_exceptions=True)
        return right_after, batches

    right_after, batches = asyncio.run(main())
    assert right_after == [1]
    assert batches == [1, 3, 1]


def test_a_failing_listener_does_not_stop_the_others() -> None:
    engine = SessionEngine()
    seen: list[LiveEvent] = []

    def broken(batch: list[LiveEvent]) -> None:
        raise RuntimeError("boom")

    engine.subscribe(broken)
    engine.subscribe(seen.extend)
    engine.submit([ev(Kind.COMMENT)])
    engine.drain()
    assert len(seen) == 1


def test_a_new_session_restarts_seq(tmp_path: Path) -> None:
    async def main() -> list[list[int]]:
        with SessionLog(tmp_path / "s.sqlite") as log:
            engine = SessionEngine(log)
            ids = []
            for _ in range(2):
                ids.append(await engine.start_session("场次", "generic:test"))
                engine.submit([ev(Kind.COMMENT, n) for n in range(3)])
                await engine.end_session()
            return [[e.seq for e in log.events(i)] for i in ids]

    assert asyncio.run(main()) == [[1, 2, 3], [1, 2, 3]]


def test_a_new_session_does_not_drop_message_ids_of_the_previous_one(tmp_path: Path) -> None:
    # Replaying the same log twice in one console (README: "recording a replay again drops nothing"):
    # the second session gets the same msg_ids as the first and must record every one of them.
    async def main() -> tuple[list[int], int]:
        with SessionLog(tmp_path / "s.sqlite") as log:
            engine = SessionEngine(log)
            counts = []
            for _ in range(2):
                sid = await engine.start_session("回放", "generic:replay")
                engine.submit([ev(Kind.COMMENT, n, msg_id=f"m{n}") for n in range(3)])
                await engine.end_session()
                counts.append(log.count_events(sid))
            return counts, engine.state.duplicates

    assert asyncio.run(main()) == ([3, 3], 0)
