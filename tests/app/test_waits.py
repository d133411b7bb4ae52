"""wait_at_most: says whether the event came, gives up after its time, and never eats a cancel."""

from __future__ import annotations

import asyncio

import pytest

from app.core.waits import wait_at_most


def test_it_says_whether_the_event_came_in_time() -> None:
    async def scenario() -> tuple[bool, bool]:
        event = asyncio.Event()
        late = await wait_at_most(event, 0.01)
        asyncio.get_running_loop().call_soon(event.set)
        return late, await wait_at_most(event, 5)

    assert asyncio.run(scenario()) == (False, True)


def test_a_cancel_landing_as_the_event_fires_still_cancels_the_waiter() -> None:
    async def scenario() -> int:
        survived = 0
        for _ in range(200):
            event = asyncio.Event()

            async def waiter(event: asyncio.Event = event) -> None:
                while True:  # the shape of a batcher or a back-off loop
                    await wait_at_most(event, 0.5)
                    event.clear()

            task = asyncio.create_task(waiter())
            await asyncio.sleep(0)
            event.set()  # wakes the waiter …
            task.cancel()  # … in the same turn as the cancel
            with pytest.raises(asyncio.CancelledError):
                await asyncio.wait_for(task, 2)
            survived += not task.cancelled()
        return survived

    assert asyncio.run(scenario()) == 0
