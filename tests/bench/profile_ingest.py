"""Profile LiveDeck's per-frame ingest path for one format: ``python -m tests.bench.profile_ingest douyin``.

Runs the same pipeline as bench_ingest.py (flood server in its own process → source → engine → log) once
under cProfile and prints the functions with the most own time, then the most cumulative time. Not a
``bench_*`` module, so ``make bench`` does not run it. Findings: docs/architecture.md, Performance.
"""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import sys
import tempfile
from pathlib import Path

from app.show.show import SourceSpec
from tests.bench import bench_ingest as ingest
from tests.bench.flood import FloodServer

_SPECS = {
    "generic": (ingest.generic_frames, lambda url: SourceSpec("generic", url)),
    "douyin": (ingest.douyin_frames, lambda url: SourceSpec("douyin-bridge", url)),
    "bilibili": (ingest.bilibili_frames, lambda url: SourceSpec("bilibili", url, {"room_id": 1, "token": "p"})),
}


def main(fmt: str, top: int = 25) -> None:
    build, spec = _SPECS[fmt]
    with tempfile.TemporaryDirectory() as tmp, FloodServer(build, handshake=fmt == "bilibili") as server:
        profile = cProfile.Profile()
        profile.enable()
        finished = asyncio.run(ingest.livedeck_pipeline(spec(server.url), Path(tmp) / "p.sqlite"))
        profile.disable()
        print(f"{fmt}: {ingest.EXPECTED / (finished - server.first_sent()):,.0f} events/s under the profiler")
    stats = pstats.Stats(profile)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "douyin")
