"""The garbage collector's pace for a live show, set once by every LiveDeck process (``app.cli.main``).

A busy room makes many short-lived objects that never form cycles: for each event its decoded JSON, a
LiveEvent, its row. CPython's cyclic collector runs its youngest generation every 700 net allocations
(the interpreter's default), and every tenth of those runs also walks the middle generation, so at a few
thousand events a second most collections find nothing to free and only cost time: measured over
100,000 comments through source → engine → log, about a fifth of the process's CPU for the Douyin
bridge and of the generic protocol's (docs/architecture.md, Performance). Reference counting still frees
every event the moment it is written; the collector only looks for cycles, which LiveDeck's per-event
objects do not make, so running it every :data:`YOUNG_THRESHOLD` allocations instead changes no memory
the soak can see (``make soak``) and the console's widgets are unaffected (Qt owns them).
"""

from __future__ import annotations

import gc

#: Net allocations between two collections of the youngest generation (CPython's default is 700).
YOUNG_THRESHOLD = 10_000


def pace_for_a_live_show() -> tuple[int, int, int]:
    """Set the collector's thresholds for a live show; returns the ones before (to restore them)."""
    before = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, before[1], before[2])
    return before
