"""Waiting for an :class:`asyncio.Event` with a time limit, the one way the app does it.

``asyncio.timeout`` and not ``asyncio.wait_for``: on Python 3.11, ``wait_for`` can swallow a cancel that
lands just as the event fires, and a loop waiting that way (a batcher, a reconnect back-off, a watchdog)
would then outlive the task that stopped it.
"""

from __future__ import annotations

import asyncio
import contextlib


async def wait_at_most(event: asyncio.Event, seconds: float) -> bool:
    """Wait until ``event`` is set or ``seconds`` have passed; whether it is set."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()
    return event.is_set()
