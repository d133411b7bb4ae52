"""Tell a list model's views which rows changed: one ``dataChanged`` per run of consecutive rows.

Never one span from the first changed row to the last: a filter proxy with dynamic filtering re-runs its
(Python) ``filterAcceptsRow`` on every row of a span, so two changed rows thousands apart would make it
re-check the thousands between them (docs/architecture.md, Performance).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import QAbstractItemModel


def runs(rows: Iterable[int]) -> list[tuple[int, int]]:
    """The runs of consecutive numbers in ``rows`` (any order, repeats allowed), as ``(first, last)``."""
    ordered = sorted(set(rows))
    found: list[tuple[int, int]] = []
    for row in ordered:
        if found and row == found[-1][1] + 1:
            found[-1] = (found[-1][0], row)
        else:
            found.append((row, row))
    return found


def emit_rows_changed(model: QAbstractItemModel, rows: Iterable[int], roles: Sequence[int] = ()) -> None:
    """Emit ``model.dataChanged`` (column 0) once per run of consecutive ``rows``."""
    for first, last in runs(rows):
        model.dataChanged.emit(model.index(first, 0), model.index(last, 0), list(roles))
