"""The ``livedeck`` entry point, the one place the program is put together: the command line of
:mod:`app.cli` with the Qt console as what opens when no subcommand is given.

app/ never imports ui (docs/architecture.md, "Layers"); ``python -m app`` is the same command line
without a window.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from app import cli
from app.core.settings import Settings


def open_console(args: argparse.Namespace, settings: Settings) -> int:
    """Open the console window (Qt loads here, so ``livedeck record`` and ``report`` stay headless)."""
    from ui.console import run

    return run(args, settings)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(argv, open_console=open_console)
