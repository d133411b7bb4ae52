"""The one way a part of LiveDeck lets others listen to it.

:class:`Listeners` keeps the callbacks of one kind of notification. ``add`` returns the function that
removes the callback again (calling it twice is harmless: a closed window may unsubscribe once on
close and once on destruction). ``notify`` calls every callback with the same arguments; a callback
that raises is a bug in the listener, so it is logged with its traceback and the others still hear
the notification: a broken view never stops the show.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Generic, ParamSpec

P = ParamSpec("P")


class Listeners(Generic[P]):
    """Callbacks taking ``P``; see the module docstring.

    Args:
        log: where a failing callback's traceback goes.
        what: how the log line names this kind of listener (``"batch listener"``).
    """

    __slots__ = ("_callbacks", "_log", "_what")

    def __init__(self, log: logging.Logger, what: str) -> None:
        self._callbacks: list[Callable[P, object]] = []
        self._log = log
        self._what = what

    def add(self, callback: Callable[P, object]) -> Callable[[], None]:
        """Start calling ``callback``; returns the function that stops it (idempotent)."""
        self._callbacks.append(callback)

        def remove() -> None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

        return remove

    def notify(self, *args: P.args, **kwargs: P.kwargs) -> None:
        """Call every callback (a snapshot: one may unsubscribe itself while being called)."""
        for callback in tuple(self._callbacks):
            try:
                callback(*args, **kwargs)
            except Exception:
                self._log.exception("%s %r failed", self._what, callback)

    def __len__(self) -> int:
        return len(self._callbacks)

    def __bool__(self) -> bool:
        return bool(self._callbacks)
