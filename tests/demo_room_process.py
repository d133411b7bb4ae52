"""A demo room in its own process, as the soaks and the GUI bench run one beside the console or the recorder.

:func:`demo_room_process` starts ``livedeck demo-room`` on a free port and returns once it listens (it reads
the address the room prints when its socket is open), so nobody has to guess how long the room takes to
start; the room is stopped on the way out, also when the run fails.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

#: The address in the room's first line, 演示直播间已开启：ws://127.0.0.1:PORT (any language).
ROOM_URL = re.compile(r"ws://\S+")


@contextlib.contextmanager
def demo_room_process(*, rate: float, seed: int, home: Path) -> Iterator[str]:
    """Run ``livedeck demo-room`` at ``rate`` events a second from ``seed`` (``LIVEDECK_HOME=home``) and
    yield its ``ws://`` address once it listens."""
    with subprocess.Popen(
        [sys.executable, "-m", "app", "demo-room", "--port", "0", "--rate", str(rate), "--seed", str(seed)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env={**os.environ, "LIVEDECK_HOME": str(home)},
    ) as room:  # leaving it closes the pipe
        try:
            assert room.stdout is not None
            first = room.stdout.readline()  # the room prints its address once its socket is open
            found = ROOM_URL.search(first)
            assert found, f"the demo room did not start: {first!r} (exit status {room.poll()})"
            yield found.group(0)
        finally:
            room.terminate()
            room.wait(10)
