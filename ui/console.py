"""Opens the console: Qt application, the one qasync loop, the embedded demo room, the main window."""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys

import qasync
from PySide6.QtWidgets import QApplication

from app.catalog import demo_catalog_path, load_products_csv
from app.demo_room import DemoRoomThread
from app.engine import SessionEngine
from app.settings import Settings, default_log_path
from app.show import Show, SourceSpec
from app.store import SessionLog
from ui.main_window import MainWindow
from ui.qt_logging import install_qt_message_handler
from ui.theme import apply_theme

log = logging.getLogger("livedeck.ui")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """``livedeck`` with no subcommand: open the console (on the embedded demo room by default)."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("LiveDeck")
    app.setOrganizationName("LiveDeck")
    # The window's close ends the show; the loop must keep running until the log is flushed.
    app.setQuitOnLastWindowClosed(False)
    install_qt_message_handler()
    apply_theme(app)
    qasync.run(console_main(args, settings))
    return 0


async def console_main(args: argparse.Namespace, settings: Settings) -> None:
    demo: DemoRoomThread | None = None
    if args.source:
        spec = SourceSpec(args.format, args.source)
    else:
        seed = args.seed if args.seed is not None else settings.get("demo_seed")
        if seed == 0:  # the setting's "0 = a new room each launch"
            seed = random.randrange(1, 2**31)
        rate = args.rate if args.rate is not None else settings.get("demo_rate")
        demo = DemoRoomThread(seed=seed, rate=rate)
        demo.start()
        spec = SourceSpec("generic", demo.url)
    products = load_products_csv(demo_catalog_path())
    closed = asyncio.Event()
    try:
        with SessionLog(args.db or default_log_path()) as session_log:
            engine = SessionEngine(session_log)
            async with Show(engine) as show:
                window = MainWindow(engine, show, spec, products, settings)
                window.closed.connect(closed.set)
                window.show()
                await window.start_session()
                await closed.wait()
    finally:
        if demo is not None:
            demo.stop()
