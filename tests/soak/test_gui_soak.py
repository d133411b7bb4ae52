"""`make soak`, the console: the offscreen main window over a long show at 500 events/s from a demo room
in another process — every event it received is in the log and its memory stays flat after warm-up
(tests/soak/memory.py). ``LIVEDECK_GUI_SOAK_SECONDS`` (default 1800, the issue's 30 minutes) and
``LIVEDECK_GUI_SOAK_RATE`` (default 500). Not part of `make test`.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.soak.memory import assert_flat, free_port, rss_mib

SECONDS = float(os.environ.get("LIVEDECK_GUI_SOAK_SECONDS", "1800"))
RATE = float(os.environ.get("LIVEDECK_GUI_SOAK_RATE", "500"))


@pytest.mark.soak
@pytest.mark.timeout(SECONDS + 300)
def test_the_console_holds_a_long_show_with_flat_memory(tmp_path: Path) -> None:
    import qasync
    from PySide6.QtWidgets import QApplication

    from app.commerce.catalog import demo_catalog_path, load_products_csv
    from app.core.settings import Settings
    from app.show.show import SourceSpec
    from ui.common.theme import apply_theme
    from ui.console import open_console

    port = free_port()
    room = subprocess.Popen(
        [sys.executable, "-m", "app", "demo-room", "--port", str(port), "--rate", str(RATE), "--seed", "2026"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "LIVEDECK_HOME": str(tmp_path)})
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    apply_theme(app)
    samples: list[tuple[float, float]] = []
    counts: dict[str, int] = {}

    async def show() -> None:
        spec = SourceSpec("generic", f"ws://127.0.0.1:{port}")
        async with open_console(spec, load_products_csv(demo_catalog_path()), tmp_path / "gui.sqlite",
                                Settings(tmp_path / "s.json")) as window:
            window.show()
            engine = window.engine
            await window.start_session()
            session_id = engine.state.session_id
            start = time.monotonic()
            while (elapsed := time.monotonic() - start) < SECONDS:
                await asyncio.sleep(5)  # the sampling period, not a synchronisation
                samples.append((elapsed, rss_mib()))
            await window.stop_session()
            source = window.show_runner.source
            assert source is not None
            assert engine.log is not None
            assert session_id is not None
            counts["received"] = source.status.events - engine.state.duplicates
            engine.log.flush()
            counts["logged"] = engine.log.count_events(session_id)
            window.close()

    try:
        with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
            runner.run(show())
    finally:
        room.terminate()
        room.wait(10)
    assert counts["received"] >= RATE * SECONDS * 0.8, counts  # it kept up with the room
    assert counts["logged"] >= counts["received"], counts  # every event received is in the log
    assert_flat(samples, SECONDS)
