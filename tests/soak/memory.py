"""What the soaks share: a free loopback port, a process's RSS, and the one rule for "memory flat".

Memory is judged after a warm-up, the time a process's bounded parts take to fill: the dedupe window
(at most 120 s of ids), the SQLite page caches of the log and of the metrics' scratch tables (2 MiB
each, full once those tables pass that size, about 90 s at 3,000 events/s). After it RSS may wander
within :data:`RSS_BAND_MIB` but must not climb: the last minute's median stays within
:data:`RSS_CLIMB_MIB` of the first warm minute's (before the fix the recorder climbed about 19 MiB a
minute).

Two parts of the console are allowed to grow after the warm-up, by design, and the GUI soak subtracts
exactly what they hold (the third field of a sample, :func:`by_design_mib`) before judging:

- SQLite's page caches still filling: the metrics' scratch tables (app/metrics/people.py, 2 MiB each)
  take 10 to 18 minutes to fill at the demo room's 500 events/s, the log's within a minute. SQLite's
  own count of its memory (``sqlite3_status64``) is subtracted, and must itself stay under
  :data:`SQLITE_MIB` (the caches' bound: a leaked connection or statement fails the soak there).
- the questions pane, which keeps every question of the show (issue 13): the store's own size
  (``QuestionStore.nbytes``) plus :data:`QT_BYTES_PER_QUESTION` for each row the list view holds.

Everything else — every other view, the feed, the engine, the metrics, Python, Qt, malloc — is judged
as it was: its climb from the first warm minute to the last stays under :data:`RSS_CLIMB_MIB`
(docs/architecture.md "Memory of the console").
"""

from __future__ import annotations

import _sqlite3
import ctypes
import re
import socket
import statistics
from collections.abc import Sequence
from pathlib import Path

WARM_UP_S = 180.0
#: After warm-up, highest minus lowest RSS sample, MiB.
RSS_BAND_MIB = 40.0
#: After warm-up, how much the last minute's median RSS may exceed the first warm minute's, MiB.
RSS_CLIMB_MIB = 10.0
#: What SQLite may hold in all: the console's three connections' page caches (the log's default 2,000
#: KiB, the metrics' two scratch tables' 2 MiB each), their schemas and prepared statements, MiB.
SQLITE_MIB = 8.0
#: What Qt's list view and the open-questions proxy hold per question row (docs/architecture.md).
QT_BYTES_PER_QUESTION = 70


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mib(pid: int | str = "self") -> float:
    """The resident memory of process ``pid`` in MiB (NaN once it has gone)."""
    match = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(match.group(1)) / 1024 if match else float("nan")


def sqlite_mib() -> float:
    """The memory SQLite holds in this process, every connection's page cache included, in MiB."""
    status64 = ctypes.CDLL(_sqlite3.__file__).sqlite3_status64  # the SQLite the sqlite3 module uses
    current, highest = ctypes.c_int64(), ctypes.c_int64()
    status64(0, ctypes.byref(current), ctypes.byref(highest), 0)  # 0: SQLITE_STATUS_MEMORY_USED
    return current.value / 2**20


def by_design_mib(questions: int, question_bytes: int) -> float:
    """What the console holds by design and may grow after warm-up (module doc), in MiB: SQLite's memory
    and ``questions`` kept in ``question_bytes`` of the questions pane's store. Fails if SQLite's memory
    passes the bound of its caches (:data:`SQLITE_MIB`)."""
    sqlite = sqlite_mib()
    assert sqlite < SQLITE_MIB, f"SQLite holds {sqlite:.1f} MiB, more than its page caches' bound"
    return sqlite + (question_bytes + questions * QT_BYTES_PER_QUESTION) / 2**20


def assert_flat(samples: Sequence[tuple[float, ...]], seconds: float) -> None:
    """Fail unless the ``(elapsed s, RSS MiB)`` samples of a ``seconds`` run are flat after the warm-up
    (:data:`WARM_UP_S`, a third of a shorter run); prints what it judged. A sample's optional third field
    is what the process held by design at that moment (:func:`by_design_mib`): it is judged on RSS minus
    that."""
    judged = [(s[0], s[1] - (s[2] if len(s) > 2 else 0.0)) for s in samples]
    warm = [(t, rss) for t, rss in judged if t > min(WARM_UP_S, seconds / 3) and rss == rss]
    assert len(warm) >= 4, samples
    minute = min(60.0, (warm[-1][0] - warm[0][0]) / 3)
    first = statistics.median(rss for t, rss in warm if t <= warm[0][0] + minute)
    last = statistics.median(rss for t, rss in warm if t >= warm[-1][0] - minute)
    low, high = min(r for _, r in warm), max(r for _, r in warm)
    judged_as = "RSS less what is kept by design" if any(len(s) > 2 for s in samples) else "RSS"
    print(f"{judged_as} after warm-up: {low:.0f}–{high:.0f} MiB, first minute {first:.0f}, last minute {last:.0f}; "
          f"samples {samples}")
    assert high - low < RSS_BAND_MIB, f"memory wandered: {samples}"
    assert last - first < RSS_CLIMB_MIB, f"memory grew {last - first:.0f} MiB after warm-up: {samples}"
