"""Fixtures every test shares.

* Qt runs offscreen unless told otherwise (set before anything imports Qt).
* ``LIVEDECK_HOME`` points at a fresh temporary directory, so no test touches the user's data.
* The UI language goes back to Chinese after each test.
* ``demo_room(seed, rate)`` starts an embedded demo room and gives its ws:// address; it stops after the test.
* A Qt test fails if it leaves a QTimer running or a QThread alive (napari's habit): a leaked timer
  fires into the next test, a leaked thread crashes the interpreter at exit.
"""

from __future__ import annotations

import gc
import inspect
import os
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

#: Qt warnings fail tests (pyproject ``qt_log_level_fail``), except these known-harmless ones.
HARMLESS_QT_WARNINGS = (
    # The offscreen platform plugin says this whenever a top-level window is shown.
    r"This plugin does not support propagateSizeHints\(\)",
)


def pytest_configure(config: pytest.Config) -> None:
    for pattern in HARMLESS_QT_WARNINGS:
        config.addinivalue_line("qt_log_ignore", pattern)


@pytest.fixture(autouse=True)
def livedeck_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private LiveDeck data directory for the test."""
    home = tmp_path / "livedeck-home"
    home.mkdir()
    monkeypatch.setenv("LIVEDECK_HOME", str(home))
    return home


@pytest.fixture
def demo_room() -> Iterator[Callable[..., str]]:
    """Start demo rooms (app.rooms.demo.DemoRoomThread) for the test: ``demo_room(seed=7, rate=50)``
    returns the room's ws:// address; every room started is stopped after the test."""
    from app.rooms.demo import DemoRoomThread

    rooms: list[DemoRoomThread] = []

    def start(seed: int = 7, rate: float = 50.0) -> str:
        room = DemoRoomThread(seed=seed, rate=rate)
        room.start()
        rooms.append(room)
        return room.url

    yield start
    for room in rooms:
        room.stop()


@pytest.fixture(autouse=True)
def _reset_language() -> Iterator[None]:
    yield
    from app.core import i18n

    i18n.set_language(i18n.DEFAULT_LANGUAGE)


def _where(stack: list[inspect.FrameInfo]) -> str:
    for frame in stack[1:]:
        if "conftest" not in frame.filename:
            return f"{frame.filename}:{frame.lineno} in {frame.function}"
    return "?"


def _alive(obj: object, check: str) -> bool:
    try:
        return bool(getattr(obj, check)())
    except RuntimeError:  # the C++ object is already deleted: nothing is left running
        return False


@pytest.fixture(autouse=True)
def _fail_on_leaked_qt_timers_and_threads(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test if a QTimer it started is still active, or a QThread still running, at the end.

    Only tests that use Qt (a pytest-qt fixture) are watched; ``tests/app`` never imports Qt. Being
    autouse, this fixture is set up before ``qtbot`` and so torn down after pytest-qt has closed and
    deleted the test's widgets: timers owned by those widgets are gone by then and do not count.
    """
    uses_qt = bool({"qtbot", "qapp", "qtmodeltester"} & set(request.fixturenames))
    if not uses_qt:
        yield
        return
    from PySide6.QtCore import QCoreApplication, QEvent, QThread, QTimer

    timers: weakref.WeakKeyDictionary[QTimer, str] = weakref.WeakKeyDictionary()
    threads: weakref.WeakKeyDictionary[QThread, str] = weakref.WeakKeyDictionary()
    timer_start = QTimer.start
    thread_start = QThread.start

    def start_timer(self: QTimer, *args: object) -> None:
        timers[self] = _where(inspect.stack(0))
        timer_start(self, *args)  # type: ignore[arg-type]

    def start_thread(self: QThread, *args: object) -> None:
        threads[self] = _where(inspect.stack(0))
        thread_start(self, *args)  # type: ignore[arg-type]

    QTimer.start = start_timer  # type: ignore[method-assign]
    QThread.start = start_thread  # type: ignore[method-assign]
    try:
        yield
    finally:
        QTimer.start = timer_start  # type: ignore[method-assign]
        QThread.start = thread_start  # type: ignore[method-assign]
    if QCoreApplication.instance() is not None:
        # pytest-qt called deleteLater() on the test's widgets; make it happen now, and collect the test's
        # cyclic garbage (Python wrappers of Qt objects) here too, not at whatever later test the
        # collector happens to run in.
        gc.collect()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    leaks = [
        f"QTimer started at {where}" for timer, where in list(timers.items()) if _alive(timer, "isActive")
    ]
    leaks += [
        f"QThread started at {where}"
        for thread, where in list(threads.items())
        if _alive(thread, "isRunning")
    ]
    # Do not let a leak fire into (or crash) the next test.
    for timer in [timer for timer in list(timers) if _alive(timer, "isActive")]:
        timer.stop()
    for thread in [thread for thread in list(threads) if _alive(thread, "isRunning")]:
        thread.quit()
        thread.wait(2000)
    if leaks:
        pytest.fail("test left Qt objects running:\n  " + "\n  ".join(leaks), pytrace=False)
