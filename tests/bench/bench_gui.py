"""The console under a burst: 5,000 events/s from a demo room in another process, for a few seconds.

Budgets (docs/architecture.md, Budgets): event-loop lag p99 ≤ 50 ms, comment-to-screen p99 ≤ 250 ms, zero loss in
the log, memory flat; window visible ≤ 2 s after launch.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RATE = 5000
SECONDS = 8.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _p(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run() -> list[tuple[str, float, str, str]]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtCore import QModelIndex
    from PySide6.QtWidgets import QApplication

    from app.commerce.catalog import demo_catalog_path, load_products_csv
    from app.core.settings import Settings
    from app.show.show import SourceSpec
    from ui.common.theme import apply_theme
    from ui.console import open_console

    port = _free_port()
    room = subprocess.Popen(
        [sys.executable, "-m", "app", "demo-room", "--port", str(port), "--rate", str(RATE), "--seed", "9"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    apply_theme(app)
    lags: list[float] = []
    latencies: list[float] = []
    result: dict[str, float] = {}

    async def scenario(tmp: Path) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # wait for the room to listen
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                await asyncio.sleep(0.1)
        spec = SourceSpec("generic", f"ws://127.0.0.1:{port}")
        t0 = time.perf_counter()
        async with open_console(spec, load_products_csv(demo_catalog_path()), tmp / "gui.sqlite",
                                Settings(tmp / "s.json")) as window:
            window.show()
            await asyncio.sleep(0)  # let Qt lay out and expose it (never processEvents under qasync)
            result["window_ms"] = (time.perf_counter() - t0) * 1000
            engine, model = window.engine, window.feed.model

            def on_rows(parent: QModelIndex, first: int, last: int) -> None:
                now = time.time()
                latencies.extend(now - model.row_at(r).event.ts for r in range(first, last + 1))

            model.rowsInserted.connect(on_rows)
            await window.start_session()
            session_id = engine.state.session_id
            stop_at = time.monotonic() + SECONDS
            rss_start = None
            while time.monotonic() < stop_at:
                before = time.perf_counter()
                await asyncio.sleep(0.01)
                lags.append((time.perf_counter() - before - 0.01) * 1000)
                if rss_start is None and time.monotonic() > stop_at - SECONDS + 2:
                    rss_start = _rss_mib()
            result["rss_growth"] = _rss_mib() - (rss_start or _rss_mib())
            await window.stop_session()
            source = window.show_runner.source
            assert source is not None
            assert engine.log is not None
            assert session_id is not None
            result["received"] = source.status.events - engine.state.duplicates
            engine.log.flush()
            result["logged"] = engine.log.count_events(session_id)
            window.close()

    try:
        with tempfile.TemporaryDirectory() as tmp, asyncio.Runner(
            loop_factory=lambda: qasync.QEventLoop(app)
        ) as runner:
            runner.run(scenario(Path(tmp)))
    finally:
        room.terminate()
        room.wait(10)
    received = result.get("received", 0.0)
    return [
        ("gui: events received", received / SECONDS, "events/s", f"≈ {RATE}"),
        ("gui: event-loop lag p99", _p(lags, 0.99), "ms", "<= 50"),
        ("gui: event-loop lag median", statistics.median(lags) if lags else float("nan"), "ms", ""),
        ("gui: comment-to-screen p99", _p(latencies, 0.99) * 1000, "ms", "<= 250"),
        ("gui: events lost in the log", received - result.get("logged", 0.0), "events", "<= 0"),
        ("gui: memory growth after warm-up", result.get("rss_growth", float("nan")), "MiB", "<= 50 (flat)"),
        ("gui: window constructed and shown", result.get("window_ms", float("nan")), "ms", "<= 2000"),
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
