"""Opens the console: Qt application, the one qasync loop, the embedded demo room, the main window."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import qasync
from PySide6.QtWidgets import QApplication, QMessageBox

from app.commerce.catalog import Product, demo_catalog_path, load_products_csv
from app.core.i18n import tr
from app.core.settings import Settings, default_log_path
from app.rooms.demo import DemoRoomThread
from app.rooms.demo_state import default_state_path, saved_seed
from app.show.preparation import ShowLibrary
from app.show.show import SourceSpec, interrupted_show, open_show, seat_options
from app.store.integrity import log_error_text
from app.store.schema import SessionLogError
from ui.common.qt_logging import install_qt_message_handler
from ui.common.qt_translations import install_qt_translations
from ui.common.theme import apply_theme
from ui.live.main_window import MainWindow
from ui.live.restore_banner import offer_to_continue
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
    install_qt_translations(app)  # Qt's own buttons and dialogs in the UI language (set by app.cli)
    apply_theme(app)
    # One loop: a QEventLoop as the loop of *this* thread only. (qasync.run on Python 3.11 installs a
    # global policy, and the demo room's thread would then get a Qt loop too.)
    try:
        with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
            runner.run(console_main(args, settings))
    except KeyboardInterrupt:  # Ctrl-C in the terminal: the show was already closed and flushed
        log.info("interrupted; the session was ended and saved")
    except (SessionLogError, sqlite3.Error) as exc:  # a damaged, locked or newer log: left as it was
        db = args.db or default_log_path()
        reason = str(exc) if isinstance(exc, SessionLogError) else log_error_text(db, exc)
        return log_refused(reason)
    return 0


def log_refused(reason: str) -> int:
    """The one line about a session log the console cannot write to: on stderr and in a message box."""
    text = tr("无法打开场次日志：{reason}", reason=reason)
    print(text, file=sys.stderr)
    QMessageBox.critical(None, tr("场次日志"), text)
    return 2


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


def ask_about_interrupted(db: Path) -> dict[str, Any] | None:
    """The interrupted show in the log at ``db`` if the user chose 继续上一场, else None (none, or 开始新的一场)."""
    session = interrupted_show(db)
    return session if session is not None and offer_to_continue(None, session) else None


def start_demo_room(args: argparse.Namespace, settings: Settings, *, continuing: bool) -> DemoRoomThread:
    """The embedded demo room, keeping its state in the data directory (app/rooms/demo_state.py); when the
    show continues, the room it was on (its seed and saved state) comes back too."""
    path = default_state_path()
    seed = args.seed if args.seed is not None else settings.get("demo_seed")
    saved = saved_seed(path) if continuing and args.seed is None else None
    if saved is not None:
        seed = saved
    elif seed == 0:  # the setting's "0 = a new room each launch"
        seed = random.randrange(1, 2**31)
    rate = args.rate if args.rate is not None else settings.get("demo_rate")
    demo = DemoRoomThread(seed=seed, rate=rate, state_path=path, resume=continuing)
    demo.start()
    return demo


async def begin_show(window: MainWindow, interrupted: dict[str, Any] | None) -> None:
    """Start a new session, or continue the interrupted one and say in the banner what came back."""
    if interrupted is None:
        await window.start_session()
        return
    restored = await window.show_runner.resume(window.spec, interrupted)
    window.restore_banner.show_restored(restored, window.engine.clock.monotonic())
    window.refresh()


async def console_main(args: argparse.Namespace, settings: Settings) -> None:
    demo: DemoRoomThread | None = None
    db = args.db or default_log_path()
    interrupted = ask_about_interrupted(db)  # killed mid-show: continue it (the default) or start anew
    if getattr(args, "replay", None):
        # The replay runs in its own thread (app/sources/replay.py); the window reads it like any room.
        spec = SourceSpec("replay", str(args.replay),
                          {"session_id": args.session, "speed": args.speed if args.speed is not None else 1.0})
    elif args.source:
        spec = SourceSpec(args.format, args.source, seat_options(args.token, args.seat))  # a seat of a livedeck host
    else:
        demo = start_demo_room(args, settings, continuing=interrupted is not None)
        spec = SourceSpec("generic", demo.url)
    # The demo catalog belongs to the demo room (and to a seat: its host knows it); a saved show replaces it.
    products = load_products_csv(demo_catalog_path()) if demo is not None or args.token else []
    closed = asyncio.Event()
    try:
        async with open_console(spec, products, db, settings) as window:
            window.closed.connect(closed.set)
            window.demo_url = demo.url if demo is not None else None  # offered by 连接直播间…
            # SIGTERM (logout, `kill`) closes the window without asking: the session ends cleanly.
            loop = asyncio.get_running_loop()
            with contextlib.suppress(ValueError):  # not the main thread (tests)
                signal.signal(signal.SIGTERM, lambda *_: loop.call_soon_threadsafe(window.close_now))
            window.show()
            await begin_show(window, interrupted)
            await closed.wait()
    finally:
        if demo is not None:
            demo.stop()
