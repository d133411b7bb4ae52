"""The console window on a demo room in another process, as the GUI bench and the GUI soak run it
(tests/bench/bench_gui.py, tests/soak/test_gui_soak.py): one set-up for both.

:func:`run_on_qt_loop` runs a scenario on a qasync loop over the themed QApplication (offscreen under
``QT_QPA_PLATFORM``), :func:`console_window` opens the console (``ui.console.open_console``, as ``livedeck``
does) on the room and shows it, and :func:`stop_and_count` ends the session and says how many events the
source received and how many the log holds.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import Any

import qasync
from PySide6.QtWidgets import QApplication

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.settings import Settings
from app.show.show import SourceSpec
from ui.common.theme import apply_theme
from ui.console import open_console
from ui.live.main_window import MainWindow


def run_on_qt_loop(scenario: Coroutine[Any, Any, None]) -> None:
    """Run ``scenario`` to its end on a qasync loop over the console's QApplication (made and themed if
    there is none; closing the window does not quit it)."""
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    apply_theme(app)
    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        runner.run(scenario)


@contextlib.asynccontextmanager
async def console_window(room_url: str, tmp: Path) -> AsyncIterator[MainWindow]:
    """The console on the generic room at ``room_url`` with the demo catalog, its log and settings under
    ``tmp``, shown (no session started yet); closed on the way out."""
    spec = SourceSpec("generic", room_url)
    async with open_console(spec, load_products_csv(demo_catalog_path()), tmp / "gui.sqlite",
                            Settings(tmp / "s.json")) as window:
        window.show()
        await asyncio.sleep(0)  # let Qt lay out and expose it (never processEvents under qasync)
        yield window
        window.close()


async def stop_and_count(window: MainWindow) -> tuple[int, int]:
    """End the window's session; ``(events the source received, less duplicates; events in the log)``."""
    engine = window.engine
    session_id = engine.state.session_id
    await window.stop_session()
    source = window.show_runner.source
    assert source is not None
    assert engine.log is not None
    assert session_id is not None
    received = source.status.events - engine.state.duplicates
    engine.log.flush()
    return received, engine.log.count_events(session_id)
