"""The ``livedeck`` command. With no subcommand it opens the console on the embedded demo room.

Subcommands (their flags are contracts; keep them stable):
    livedeck record --source URL --format generic --db PATH [--duration S] [--title T] [--plan PLAN]
    livedeck demo-room [--host 127.0.0.1] [--port 8765] [--seed N] [--rate EVENTS_PER_S]
    livedeck replay LOG [--session ID] [--speed 1..50] [--host 127.0.0.1] [--port 8766]
    livedeck report LOG [--session ID] -o report.html|report.xlsx|report.csv|report.pdf [--lang en]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from app import __version__, replay
from app.catalog import Product, demo_catalog_path, load_products_csv
from app.engine import SessionEngine
from app.events import Kind, LiveEvent
from app.i18n import LANGUAGES, set_language, tr
from app.log import setup_logging
from app.metrics import MetricsTracker
from app.plan import Plan, PlanRunner, load_plan
from app.settings import Settings, default_log_path
from app.show import Show, SourceSpec
from app.sources import FORMATS

log = logging.getLogger("livedeck.cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="livedeck", description="LiveDeck 直播中控台 — live-stream commerce console"
    )
    parser.add_argument("--version", action="version", version=f"livedeck {__version__}")
    parser.add_argument("--lang", choices=sorted(LANGUAGES), help="UI language (default: the setting, zh)")
    parser.add_argument("--db", type=Path, help="session log file (default: <data dir>/sessions.sqlite)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("--source", help="console: connect here instead of the embedded demo room")
    parser.add_argument("--format", choices=sorted(FORMATS), default="generic", help="protocol of --source")
    parser.add_argument("--seed", type=int, help="console: seed of the embedded demo room")
    parser.add_argument("--rate", type=float, help="console: events/s of the embedded demo room")
    parser.add_argument("--replay", type=Path, metavar="LOG", help="console: replay a recorded session log")
    parser.add_argument("--session", type=int, help="console --replay: session id (default: the newest)")
    parser.add_argument("--speed", type=float, help="console --replay: 1 to 50 (default 1)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    rec = sub.add_parser("record", help="record a live room into the session log, headless")
    rec.add_argument("--source", required=True, help="websocket address of the room or bridge")
    rec.add_argument("--format", choices=sorted(FORMATS), default="generic", help="protocol (default generic)")
    rec.add_argument("--db", type=Path, help="session log file (default: <data dir>/sessions.sqlite)")
    rec.add_argument("--duration", type=float, help="stop after this many seconds")
    rec.add_argument("--plan", type=Path,
                     help="run-of-show plan (JSON/XLSX, docs/plan.md): run its commands against the session")
    rec.add_argument("--title", default="", help="session title (default: source and date)")
    rec.add_argument("--room", help="room id (bilibili: with a direct websocket --source)")
    rec.add_argument("--cookie-file", type=Path,
                     help="bilibili: a logged-in cookies.txt (or 'SESSDATA=…; buvid3=…') so names are not masked")

    demo = sub.add_parser("demo-room", help="run the demo live room server")
    demo.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    replay.add_parser(sub)

    rep = sub.add_parser("report", help="write a post-show report (复盘): .html, .xlsx, .csv (events) or .pdf")
    rep.add_argument("log", type=Path, help="the session log (sessions.sqlite)")
    rep.add_argument("--session", type=int, default=argparse.SUPPRESS, help="session id (default: the newest)")
    rep.add_argument("-o", "--output", type=Path, required=True, help="report file: .html, .xlsx, .csv or .pdf")
    rep.add_argument("--lang", choices=sorted(LANGUAGES), default=argparse.SUPPRESS, help="report language (zh)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["demo-room"]:  # the demo room parses its own flags
        from app.demo_room import main as demo_main

        return demo_main(argv[1:])
    args = build_parser().parse_args(argv)
    setup_logging(logging.DEBUG if args.verbose else logging.INFO)
    settings = Settings()
    set_language(args.lang or settings.get("language"))
    if args.command == "record":
        return record(args)
    if args.command == "replay":
        return replay.run(args)
    if args.command == "report":
        from app.report import run_cli  # matplotlib loads only for reports

        return run_cli(args)
    # app/ stays headless: the Qt console is loaded only when the user asks for the window.
    console = importlib.import_module("ui.console")
    result: int = console.run(args, settings)
    return result


def record(args: argparse.Namespace) -> int:
    """``livedeck record``: record until the duration ends, the live ends, or SIGINT/SIGTERM."""
    db = args.db or default_log_path()
    options: dict[str, object] = {}
    if args.room:
        options["room_id"] = args.room
    if args.cookie_file:
        options["cookie_file"] = args.cookie_file
    try:
        plan = _load_plan(args.plan) if args.plan else None
        summary = asyncio.run(_record(args.source, args.format, db, args.duration, args.title, options, plan))
    except (OSError, ValueError) as exc:
        print(tr("无法录制：{reason}", reason=exc), file=sys.stderr)
        return 2
    print(summary)
    return 0


def _log_plan_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("the plan failed", exc_info=task.exception())


def _load_plan(path: Path) -> tuple[Plan, list[Product]]:
    """The plan and its catalog (the demo catalog when it names none); ValueError says what is wrong."""
    plan = load_plan(path)
    products = load_products_csv(plan.catalog or demo_catalog_path())
    plan.check_products(products)
    return plan, products


async def _record(
    url: str,
    format_name: str,
    db: Path,
    duration: float | None,
    title: str,
    options: dict[str, object],
    plan: tuple[Plan, list[Product]] | None = None,
) -> str:
    from app.store import SessionLog

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Windows has no add_signal_handler: Ctrl-C arrives as KeyboardInterrupt there.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)

    with SessionLog(db) as session_log:
        engine = SessionEngine(session_log)

        def on_batch(batch: list[LiveEvent]) -> None:
            if any(e.kind == Kind.LIVE_END for e in batch):
                stop.set()

        engine.subscribe(on_batch)
        spec = SourceSpec(format_name, url, options)
        metrics = MetricsTracker(submit=engine.submit)
        if plan is not None:
            engine.load_catalog(plan[1])
        async with Show(engine, metrics, webhook=Settings().get("room_webhook")) as show:
            session_id = await show.start(spec, title)
            runner = None
            if plan is not None:
                runner = asyncio.create_task(PlanRunner(engine, plan[0]).run(), name="plan")
                runner.add_done_callback(_log_plan_failure)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), duration)
            if runner is not None:
                runner.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await runner
            await show.stop()
            assert show.source is not None
            status = show.source.status
        state = engine.state
    kinds = " ".join(f"{kind} {n}" for kind, n in sorted(state.counts.items()))
    return tr(
        "已录制场次 #{session} 共 {events} 条事件（{kinds}）；跳过格式错误的帧 {malformed} 个；重连 {reconnects} 次；"
        "重复 {duplicates} 条已去除；日志：{db}",
        session=session_id,
        events=state.events,
        kinds=kinds or "-",
        malformed=status.malformed,
        reconnects=status.reconnects,
        duplicates=state.duplicates,
        db=db,
    )
