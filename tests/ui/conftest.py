"""Fixtures for UI tests.

* ``qloop``: a qasync loop for async UI tests.
* No modal dialog may block a test: ``exec()`` of any QDialog (QMessageBox, QFileDialog, QInputDialog…) or
  QMenu, and the static QMessageBox / QFileDialog / QInputDialog / QColorDialog / QFontDialog helpers, raise
  an AssertionError naming the dialog instead of waiting offscreen for a click that never comes (until the
  60 s timeout). A test that expects a dialog replaces the one it expects with ``monkeypatch.setattr``
  (its patch wins over the guard's); ``@pytest.mark.allow_modal`` turns the guard off for a whole test.
  A refusal the code under test swallows (a broad ``except``, a task nobody awaits) still fails the test
  when it ends; a test that provokes one on purpose takes it with ``modal_guard.take()``.
* ``wait_until`` (from tests/waiting.py): poll a condition on the running loop, with a deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import qasync
from PySide6.QtWidgets import (
    QColorDialog,
    QDialog,
    QFileDialog,
    QFontDialog,
    QInputDialog,
    QMenu,
    QMessageBox,
)

from tests.waiting import wait_until

__all__ = ["ModalGuard", "wait_until"]

#: The static helpers that open a modal dialog and wait for it, by class.
MODAL_STATICS: dict[type, tuple[str, ...]] = {
    QMessageBox: ("critical", "warning", "information", "question", "about", "aboutQt"),
    QFileDialog: ("getOpenFileName", "getOpenFileNames", "getSaveFileName", "getExistingDirectory",
                  "getOpenFileUrl", "getOpenFileUrls", "getSaveFileUrl", "getExistingDirectoryUrl"),
    QInputDialog: ("getText", "getMultiLineText", "getInt", "getDouble", "getItem"),
    QColorDialog: ("getColor",),
    QFontDialog: ("getFont",),
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "allow_modal: the test may open modal dialogs for real (the modal-dialog guard is off)")


#: Whether the test itself (its call phase) failed, for the guard's teardown.
_CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    report: pytest.TestReport = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


class ModalGuard:
    """What the modal-dialog guard refused during one test (each refusal also raised)."""

    def __init__(self) -> None:
        self.blocked: list[str] = []

    def refuse(self, what: str) -> AssertionError:
        message = (f"{what} would open a modal dialog and block the test; replace it with "
                   "monkeypatch.setattr(...) or mark the test @pytest.mark.allow_modal")
        self.blocked.append(message)
        return AssertionError(message)

    def take(self) -> list[str]:
        """The refusals so far, forgotten (a test that expected them says so by taking them)."""
        taken, self.blocked = self.blocked, []
        return taken


def _texts(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    return ", ".join(repr(a) for a in (*args, *kwargs.values()) if isinstance(a, str))


def _static(guard: ModalGuard, cls: type, name: str) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise guard.refuse(f"{cls.__name__}.{name}({_texts(args, kwargs)})")

    return staticmethod(refuse)  # type: ignore[return-value]


def _dialog_exec(guard: ModalGuard) -> Callable[..., Any]:
    def exec_(self: QDialog, *args: Any, **kwargs: Any) -> Any:
        what = f"{type(self).__name__}.exec() of {self.windowTitle()!r}"
        if isinstance(self, QMessageBox):
            what += f" saying {self.text()!r}"
        elif isinstance(self, QInputDialog):
            what += f" asking {self.labelText()!r}"
        raise guard.refuse(what)

    return exec_


def _menu_exec(guard: ModalGuard) -> Callable[..., Any]:
    """QMenu.exec(actions, pos), the static form."""

    def exec_(actions: Any = (), *args: Any, **kwargs: Any) -> Any:
        raise guard.refuse(f"QMenu.exec() with {[a.text() for a in actions]}")

    return staticmethod(exec_)  # type: ignore[return-value]


def _menu_getattribute(guard: ModalGuard) -> Callable[[QMenu, str], Any]:
    """menu.exec(pos), the instance form. QMenu (a static and an instance ``exec``) has its own attribute
    lookup that ignores the class's ``exec``; only replacing that lookup reaches an instance's call."""
    lookup = QMenu.__dict__["__getattribute__"]

    def getattribute(self: QMenu, name: str) -> Any:
        if name in ("exec", "exec_"):
            def exec_(*args: Any, **kwargs: Any) -> Any:
                raise guard.refuse(f"QMenu.exec() with {[a.text() for a in self.actions()]}")

            return exec_
        return lookup(self, name)

    return getattribute


@pytest.fixture(autouse=True)
def modal_guard(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModalGuard]:
    """Make every modal dialog fail the test at once (see the module docstring)."""
    guard = ModalGuard()
    if request.node.get_closest_marker("allow_modal") is not None:
        yield guard
        return
    for cls, names in MODAL_STATICS.items():
        for name in names:
            monkeypatch.setattr(cls, name, _static(guard, cls, name))
    for name in ("exec", "exec_"):
        monkeypatch.setattr(QDialog, name, _dialog_exec(guard))
        monkeypatch.setattr(QMenu, name, _menu_exec(guard))
    monkeypatch.setattr(QMenu, "__getattribute__", _menu_getattribute(guard))
    yield guard
    # A refusal the code under test swallowed (a broad except, an asyncio task nobody awaited) still fails
    # the test; one that already failed it is not reported twice.
    if guard.blocked and not request.node.stash.get(_CALL_FAILED, False):
        pytest.fail("\n".join(guard.blocked), pytrace=False)


@pytest.fixture
def qloop(qapp: object) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop for async UI tests: run a scenario with ``qloop.run_until_complete(...)``.

    pytest-qt's waitSignal does not drive asyncio tasks on a qasync loop that is not running, so
    async UI tests drive their own loop with ``run_until_complete`` instead of waiting for signals.
    """
    # Closing the last window would otherwise quit the app and stop the loop mid-test (the console
    # turns this off too: the show is shut down after the window closes).
    qapp.setQuitOnLastWindowClosed(False)  # type: ignore[attr-defined]
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        loop.run_until_complete(asyncio.sleep(0))
        asyncio.set_event_loop(None)
        loop.close()
