"""Wait for what a test expects, with a deadline, instead of sleeping a fixed time and hoping.

A fixed ``sleep`` is too short on a loaded machine (a flaky failure) and too long everywhere else; a
condition polled until it holds is neither. On timeout the test fails saying what it waited for.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def wait_until(condition: Callable[[], bool], timeout: float = 5.0, *, what: str = "") -> None:
    """Poll ``condition`` on the running loop until it holds; fail the test after ``timeout`` seconds.

    Args:
        condition: checked at once, then every 10 ms (other tasks run in between).
        timeout: generous: a condition that holds returns as soon as it does.
        what: what the test is waiting for, for the failure message (default: the condition's name).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() >= deadline:
            raise AssertionError(f"waited {timeout:g} s for {what or getattr(condition, '__qualname__', condition)}"
                                 " and it never happened")
        await asyncio.sleep(0.01)
