"""``make shots``: render the console on a seeded demo room and save PNGs to look at.

Runs offscreen (QT_QPA_PLATFORM=offscreen) so it works on CI and headless machines. Everything it
writes (the session log, settings, saved shows, the demo room's state) goes into the output folder,
never into the user's data directory.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

import qasync
from PySide6.QtWidgets import QApplication

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.events import Command
from app.core.i18n import set_language
from app.core.settings import Settings
from app.rooms.demo import serve_demo_room
from app.show.show import SourceSpec
from ui.common.qt_translations import install_qt_translations
from ui.common.theme import apply_theme
from ui.console import open_console
from ui.review.review_window import ReviewWindow
from ui.review.session_library import SessionLibrary


async def _shoot(out: Path, seconds: float, size: tuple[int, int]) -> list[Path]:
    room = await serve_demo_room(seed=11, rate=40)
    saved: list[Path] = []
    try:
        products = load_products_csv(demo_catalog_path())
        spec = SourceSpec("generic", room.url)
        async with open_console(spec, products, out / "shots.sqlite", Settings(out / "settings.json")) as window:
            window.resize(*size)
            window.show()
            await window.start_session()
            await asyncio.sleep(seconds / 2)
            window.engine.execute(Command("explain", {"no": 3}))
            await asyncio.sleep(seconds / 2)
            window.refresh()
            await asyncio.sleep(0.3)
            path = out / "console.png"
            window.grab().save(str(path))
            saved.append(path)
            session_id = window.engine.state.session_id
            window.close_now()  # mid-show: no question
        assert session_id is not None
        saved += await _shoot_review(out, out / "shots.sqlite", session_id, size)
    finally:
        await room.close()
    return saved


async def _shoot_review(out: Path, db: Path, session_id: int, size: tuple[int, int]) -> list[Path]:
    """The 场次库 and the review (复盘) of the session just recorded."""
    saved = []
    library = SessionLibrary(db)
    loaded = asyncio.Event()
    library.loaded.connect(loaded.set)
    library.resize(size[0] * 3 // 4, size[1] // 2)
    library.show()
    await asyncio.wait_for(loaded.wait(), 10)  # the session list is read on a worker thread
    saved.append(out / "library.png")
    library.grab().save(str(saved[-1]))
    library.close()
    review = ReviewWindow(db, session_id)
    review.resize(*size)
    review.show()
    await asyncio.sleep(1.5)  # the review's first queries run on worker threads
    saved.append(out / "review.png")
    review.grab().save(str(saved[-1]))
    review.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path, nargs="?", default=Path("shots"))
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--lang", default="zh")
    parser.add_argument("--size", default="1440x900")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    os.environ["LIVEDECK_HOME"] = str((args.out / "data").resolve())  # shots never touch the user's data
    set_language(args.lang)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    install_qt_translations(app)
    apply_theme(app)
    width, height = (int(v) for v in args.size.split("x"))
    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        for path in runner.run(_shoot(args.out, args.seconds, (width, height))):
            print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
