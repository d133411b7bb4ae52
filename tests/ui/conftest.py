"""Fixtures for UI tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest
import qasync


@pytest.fixture
def qloop(qapp: object) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop for async UI tests: run a scenario with ``qloop.run_until_complete(...)``.

    pytest-qt's waitSignal does not drive asyncio tasks on a qasync loop that is not running, so
    async UI tests drive their own loop with ``run_until_complete`` instead of waiting for signals.
    """
    # Closing the last window would otherwise quit the app and stop the loop mid-test (the console
    # turns this off too: the show is shut down after the window closes).
    qapp.setQuitOnLastWindowClosed(False)  # type: ignore[attr-defined]
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        loop.run_until_complete(asyncio.sleep(0))
        asyncio.set_event_loop(None)
        loop.close()


async def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll ``condition`` on the running loop until it holds (fails the test after ``timeout``)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)
