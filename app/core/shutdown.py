"""How the headless commands (record, host, demo-room, replay) learn that the user wants them to stop."""

from __future__ import annotations

import asyncio
import contextlib
import signal


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT (Ctrl-C) or SIGTERM, so the command can flush and exit 0.

    Must be called on the running loop. On Windows there is no ``add_signal_handler``: Ctrl-C arrives
    as KeyboardInterrupt there, which each command's ``main`` handles.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    return stop
