"""Opens the console: Qt application, the one qasync loop, the embedded demo room, the main window."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import qasync
from PySide6.QtWidgets import QApplication

from app.commerce.catalog import Product, demo_catalog_path, load_products_csv
from app.core.i18n import tr
from app.core.settings import Settings, default_log_path
from app.engine.resume import resume_interrupted
from app.rooms.demo import DemoRoomThread
from app.show.preparation import ShowLibrary
from app.show.show import SourceSpec, open_show, seat_options
from ui.common.qt_logging import install_qt_message_handler
from ui.common.theme import apply_theme
from ui.live.main_window import MainWindow
from ui.live.show_dialog import ShowKeeper, last_show

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
    # One loop: a QEventLoop as the loop of *this* thread only. (qasync.run on Python 3.11 installs a
    # global policy, and the demo room's thread would then get a Qt loop too.)
    try:
        with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
            runner.run(console_main(args, settings))
    except KeyboardInterrupt:  # Ctrl-C in the terminal: the show was already closed and flushed
        log.info("interrupted; the session was ended and saved")
    return 0


@contextlib.asynccontextmanager
async def open_console(
    spec: SourceSpec, products: list[Product], db: Path, settings: Settings, library: ShowLibrary | None = None
) -> AsyncIterator[MainWindow]:
    """The show's parts (app.show.show.open_show, as ``record`` builds them) and the window over them.

    The console opens on the last saved show (the ``last_show`` setting, in ``library``, default
    ``<data dir>/shows``): its products replace ``products`` and its prepared promotions and plan fill the
    docks; later changes are saved to it (ui/live/show_dialog.py ShowKeeper, a child of the window).
    The window is built but not shown and no session is started; leaving the block ends the show
    (session ended, log flushed). ``livedeck``, ``make shots`` and the benches all open it this way.
    """
    library = library or ShowLibrary()
    prep = last_show(library, settings)
    if prep is not None and prep.products:
        products = prep.products
    async with open_show(db, products, webhook=settings.get("room_webhook")) as show:
        window = MainWindow(show.engine, show, spec, products, settings)
        keeper = ShowKeeper(window, library, settings, prep)
        try:
            yield window
        finally:
            keeper.flush()


async def console_main(args: argparse.Namespace, settings: Settings) -> None:
    demo: DemoRoomThread | None = None
    if getattr(args, "replay", None):
        # The replay runs in its own thread (app/sources/replay.py); the window reads it like any room.
        spec = SourceSpec("replay", str(args.replay),
                          {"session_id": args.session, "speed": args.speed if args.speed is not None else 1.0})
    elif args.source:
        spec = SourceSpec(args.format, args.source, seat_options(args.token, args.seat))  # a seat of a livedeck host
    else:
        seed = args.seed if args.seed is not None else settings.get("demo_seed")
        if seed == 0:  # the setting's "0 = a new room each launch"
            seed = random.randrange(1, 2**31)
        rate = args.rate if args.rate is not None else settings.get("demo_rate")
        demo = DemoRoomThread(seed=seed, rate=rate)
        demo.start()
        spec = SourceSpec("generic", demo.url)
    # The demo catalog belongs to the demo room (and to a seat: its host knows it); a saved show replaces it.
    products = load_products_csv(demo_catalog_path()) if demo is not None or args.token else []
    closed = asyncio.Event()
    try:
        async with open_console(spec, products, args.db or default_log_path(), settings) as window:
            window.closed.connect(closed.set)
            window.demo_url = demo.url if demo is not None else None  # offered by 连接直播间…
            # SIGTERM (logout, `kill`) closes the window without asking: the session ends cleanly.
            loop = asyncio.get_running_loop()
            with contextlib.suppress(ValueError):  # not the main thread (tests)
                signal.signal(signal.SIGTERM, lambda *_: loop.call_soon_threadsafe(window.close_now))
            window.show()
            await window.start_session()
            # The app was killed mid-show: its flash sales go on with their true remaining time.
            resumed = resume_interrupted(window.engine)
            if resumed is not None:
                window.statusBar().showMessage(
                    tr("已恢复中断场次 #{session} 的 {n} 个秒杀倒计时", session=resumed.session_id,
                       n=len(resumed.sales)), 15_000)
            await closed.wait()
    finally:
        if demo is not None:
            demo.stop()
