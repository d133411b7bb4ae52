"""What the soaks share: a free loopback port, a process's RSS, and the one rule for "memory flat".

Memory is judged after a warm-up, the time a process's bounded parts take to fill: the dedupe window
(at most 120 s of ids), the SQLite page caches of the log and of the metrics' scratch tables (2 MiB
each, full once those tables pass that size, about 90 s at 3,000 events/s). After it RSS may wander
within :data:`RSS_BAND_MIB` but must not climb: the last minute's median stays within
:data:`RSS_CLIMB_MIB` of the first warm minute's (before the fix the recorder climbed about 19 MiB a
minute).
"""

from __future__ import annotations

import re
import socket
import statistics
from pathlib import Path

WARM_UP_S = 180.0
#: After warm-up, highest minus lowest RSS sample, MiB.
RSS_BAND_MIB = 40.0
#: After warm-up, how much the last minute's median RSS may exceed the first warm minute's, MiB.
RSS_CLIMB_MIB = 10.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mib(pid: int | str = "self") -> float:
    """The resident memory of process ``pid`` in MiB (NaN once it has gone)."""
    match = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(match.group(1)) / 1024 if match else float("nan")


def assert_flat(samples: list[tuple[float, float]], seconds: float) -> None:
    """Fail unless the ``(elapsed s, RSS MiB)`` samples of a ``seconds`` run are flat after the warm-up
    (:data:`WARM_UP_S`, a third of a shorter run); prints what it judged."""
    warm = [(t, rss) for t, rss in samples if t > min(WARM_UP_S, seconds / 3) and rss == rss]
    assert len(warm) >= 4, samples
    minute = min(60.0, (warm[-1][0] - warm[0][0]) / 3)
    first = statistics.median(rss for t, rss in warm if t <= warm[0][0] + minute)
    last = statistics.median(rss for t, rss in warm if t >= warm[-1][0] - minute)
    low, high = min(r for _, r in warm), max(r for _, r in warm)
    print(f"RSS after warm-up: {low:.0f}–{high:.0f} MiB, first minute {first:.0f}, last minute {last:.0f}; "
          f"samples {samples}")
    assert high - low < RSS_BAND_MIB, f"memory wandered: {samples}"
    assert last - first < RSS_CLIMB_MIB, f"memory grew {last - first:.0f} MiB after warm-up: {samples}"
