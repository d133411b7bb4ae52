"""``make shots``: render the console on a seeded demo room and save PNGs to look at.

The console at 1920×1080 and 1366×768 in Chinese and English, mid-show (3号 explained, a flash sale
running), the full-HD one also scaled to what a 24" screen shows from 2 m (``-2m.png``), the teleprompter
in both languages, then the session library and the review of the show.

Runs offscreen (QT_QPA_PLATFORM=offscreen) so it works on CI and headless machines. Everything it
writes (the session log, settings, saved shows, the demo room's state) goes into the output folder,
never into the user's data directory.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
from pathlib import Path

import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.events import Command
from app.core.i18n import set_language, tr
from app.core.settings import Settings, data_dir
from app.rooms.demo import serve_demo_room
from app.show.show import SourceSpec
from ui.common.qt_translations import install_qt_translations
from ui.common.theme import apply_theme
from ui.console import open_console
from ui.review.review_window import ReviewWindow
from ui.review.session_library import SessionLibrary

#: The screens every ``make shots`` renders: a full-HD desktop and a 1366×768 laptop.
SIZES: tuple[tuple[int, int], ...] = ((1920, 1080), (1366, 768))
#: A 24" 1920×1080 screen read from 2 m looks about this much smaller than from the desk (60 cm).
TWO_METRES = 3


def _save(widget: QWidget, path: Path, saved: list[Path], *, at_two_metres: bool = False) -> None:
    image = widget.grab()
    image.save(str(path))
    saved.append(path)
    if at_two_metres:  # what the anchor sees from 2 m: 序号, price and countdown must stay readable
        far = path.with_name(path.stem + "-2m.png")
        image.scaled(image.width() // TWO_METRES, image.height() // TWO_METRES,
                     Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation).save(str(far))
        saved.append(far)


async def _shoot_console(out: Path, url: str, seconds: float, lang: str,
                         size: tuple[int, int]) -> tuple[list[Path], int]:
    """The console at ``size`` in ``lang`` mid-show (3号 explained, a flash sale running) and, at full HD,
    the teleprompter beside it; returns the PNGs and the session's id."""
    set_language(lang)
    install_qt_translations(QApplication.instance())  # type: ignore[arg-type]
    saved: list[Path] = []
    products = load_products_csv(demo_catalog_path())
    name = f"{lang}-{size[0]}x{size[1]}"
    (data_dir() / "ui-state.ini").unlink(missing_ok=True)  # each size starts from its default layout
    async with open_console(SourceSpec("generic", url), products, out / "shots.sqlite",
                            Settings(out / "settings.json")) as window:
        window.resize(*size)
        window.show()
        await window.start_session()
        await asyncio.sleep(seconds / 2)
        window.engine.execute(Command("explain", {"no": 3}))
        window.engine.execute(Command("start_flash_sale", {"no": 3, "price_fen": 6990, "stock": 40,
                                                           "duration_s": 120}))
        await asyncio.sleep(seconds / 2)
        window.refresh()
        await asyncio.sleep(0.3)
        _save(window, out / f"console-{name}.png", saved, at_two_metres=size[0] >= 1920)
        if size[0] >= 1920:
            prompter = window.open_teleprompter()
            prompter.resize(*size)
            window.engine.execute(Command("note", {"text": tr("3号库存只剩 5 件，记得说包邮")}))
            await asyncio.sleep(0.5)
            _save(prompter, out / f"teleprompter-{lang}.png", saved)
        session_id = window.engine.state.session_id
        window.close_now()  # mid-show: no question
    assert session_id is not None
    return saved, session_id


async def _shoot(out: Path, seconds: float, langs: list[str], sizes: tuple[tuple[int, int], ...]) -> list[Path]:
    room = await serve_demo_room(seed=11, rate=40)
    saved: list[Path] = []
    try:
        for lang in langs:
            for size in sizes:
                shots, session_id = await _shoot_console(out, room.url, seconds, lang, size)
                saved += shots
        set_language(langs[0])
        install_qt_translations(QApplication.instance())  # type: ignore[arg-type]
        saved += await _shoot_review(out, out / "shots.sqlite", session_id, sizes[0])
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
    parser.add_argument("--lang", action="append", help="zh, en (default: both)")
    parser.add_argument("--size", action="append", help="WIDTHxHEIGHT (default: 1920x1080 and 1366x768)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    os.environ["LIVEDECK_HOME"] = str((args.out / "data").resolve())  # shots never touch the user's data
    langs = args.lang or ["zh", "en"]
    sizes = tuple(tuple(int(v) for v in size.split("x")) for size in args.size) if args.size else SIZES
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    apply_theme(app)
    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        for path in runner.run(_shoot(args.out, args.seconds, langs, sizes)):  # type: ignore[arg-type]
            print(path)
    for path in _shoot_report(args.out, args.out / "shots.sqlite"):
        print(path)
    return 0


def _shoot_report(out: Path, db: Path) -> list[Path]:
    """The HTML report of the newest session, and how headless Chromium shows it on a phone (390 px) and
    a desktop (1280 px). Without Playwright or a chromium on the PATH only the HTML is written."""
    from app.review.library import list_sessions
    from app.review.report import write_report

    html = out / "report.html"
    write_report(db, list_sessions(db)[0].id, html)
    saved = [html]
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        chromium = None
    if chromium is None:
        print("no chromium/playwright: report.html written, not rendered", file=sys.stderr)
        return saved
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium)
        try:
            for width in (390, 1280):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(html.resolve().as_uri())
                saved.append(out / f"report-{width}.png")
                page.screenshot(path=str(saved[-1]), full_page=True)
                page.close()
        finally:
            browser.close()
    return saved


if __name__ == "__main__":
    raise SystemExit(main())
