"""The ``livedeck`` command line (headless). With no subcommand, ``livedeck`` (ui/launcher.py) opens the
console on the embedded demo room; ``python -m app`` says so and stops.

Subcommands (their flags are contracts; keep them stable):
    livedeck record --source URL --format generic --db PATH [--duration S] [--title T] [--plan PLAN]
                    [--show NAME | --catalog FILE] [--token T --seat NAME]
                    [--console PROFILE [--console-url URL] [--browser PATH] [--console-dir DIR] [--headless]]
    livedeck record --source console --console PROFILE …  (the console page is the only source)
    livedeck host --source URL --format F --db PATH [--duration S] [--lan] [--port 8770]
                  [--show NAME | --catalog FILE]
    livedeck demo-room [--host 127.0.0.1] [--port 8765] [--seed N] [--rate EVENTS_PER_S]
    livedeck replay LOG [--session ID] [--speed 1..50] [--host 127.0.0.1] [--port 8766]
    livedeck report LOG [--session ID] -o report.html|report.xlsx|report.csv|report.pdf [--lang en]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from app import __version__
from app.comments import batch as classify_batch
from app.commerce.catalog import Product, demo_catalog_path, load_products_csv
from app.connectors.console.cli import add_check_parser, add_console_flags, console_options, console_summary, run_check
from app.connectors.console.connector import ConsoleConnector
from app.connectors.console.options import ConsoleOptions
from app.core.collector import pace_for_a_live_show
from app.core.events import Kind, LiveEvent
from app.core.i18n import LANGUAGES, set_language, tr
from app.core.log import setup_logging
from app.core.settings import Settings, default_log_path
from app.core.shutdown import stop_on_signals
from app.engine.commands import Role
from app.engine.session import SessionEngine
from app.rooms import replay
from app.rooms.hub import DEFAULT_PORT, HubServer
from app.show.console_feed import CONSOLE_SOURCE, import_goods_if_empty
from app.show.plan import Plan, PlanRunner, load_plan
from app.show.preparation import ShowLibrary
from app.show.show import Show, SourceSpec, open_show, seat_options
from app.sources import FORMATS
from app.sources.base import SourceStatus
from app.store.session_log import DiskFullError, SessionLogError

log = logging.getLogger("livedeck.cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="livedeck", description=tr("LiveDeck 直播中控台 — 直播带货中控台")
    )
    parser.add_argument("--version", action="version", version=f"livedeck {__version__}")
    parser.add_argument("--lang", choices=sorted(LANGUAGES), help=tr("界面语言（默认：设置里的语言，中文）"))
    parser.add_argument("--db", type=Path, help=tr("场次日志文件（默认：<数据目录>/sessions.sqlite）"))
    parser.add_argument("-v", "--verbose", action="store_true", help=tr("输出调试日志"))
    parser.add_argument("--source", help=tr("控制台：连接这个直播源，而不是内置演示直播间"))
    parser.add_argument("--format", choices=sorted(FORMATS), default="generic", help=tr("--source 的协议"))
    _seat_flags(parser)
    parser.add_argument("--seed", type=int, help=tr("控制台：内置演示直播间的随机种子"))
    parser.add_argument("--rate", type=float, help=tr("控制台：内置演示直播间每秒事件数"))
    parser.add_argument("--replay", type=Path, metavar="LOG", help=tr("控制台：回放一个已录制的场次日志"))
    parser.add_argument("--session", type=int, help=tr("控制台 --replay：场次编号（默认：最新一场）"))
    parser.add_argument("--speed", type=float, help=tr("控制台 --replay：1 到 50 倍速（默认 1）"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    rec = sub.add_parser("record", help=tr("无界面录制直播间到场次日志"))
    _recording_flags(rec)
    rec.add_argument("--room", help=tr("直播间号（哔哩哔哩：配合直连的 websocket --source）"))
    rec.add_argument("--cookie-file", type=Path,
                     help=tr("哔哩哔哩：已登录的 cookies.txt（或「SESSDATA=…; buvid3=…」），观众昵称不被打码"))
    _seat_flags(rec)

    host = sub.add_parser("host", help=tr("无界面录制直播间，并让其他电脑上的席位（助播、场控）加入这场直播"))
    _recording_flags(host)
    host.add_argument("--lan", action="store_true",
                      help=tr("允许局域网内其他电脑连接（默认只允许本机）"))
    host.add_argument("--port", type=int, default=DEFAULT_PORT, help=tr("席位连接的端口（默认 8770）"))

    demo = sub.add_parser("demo-room", help=tr("运行演示直播间服务器"))
    demo.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    replay.add_parser(sub)
    classify_batch.add_parser(sub)

    add_check_parser(sub)
    rep = sub.add_parser("report", help=tr("生成复盘报告：.html、.xlsx、.csv（事件）或 .pdf"))
    rep.add_argument("log", type=Path, help=tr("场次日志（sessions.sqlite）"))
    rep.add_argument("--session", type=int, default=argparse.SUPPRESS, help=tr("场次编号（默认：最新一场）"))
    rep.add_argument("-o", "--output", type=Path, required=True, help=tr("报告文件：.html、.xlsx、.csv 或 .pdf"))
    rep.add_argument("--lang", choices=sorted(LANGUAGES), default=argparse.SUPPRESS, help=tr("报告语言（默认中文）"))
    return parser


def _recording_flags(parser: argparse.ArgumentParser) -> None:
    """What ``record`` and ``host`` both take: the source, the log, how long, the plan, the title."""
    parser.add_argument("--source", required=True,
                        help=tr("直播间或弹幕桥的 websocket 地址；console：只读平台中控台页面（配合 --console）"))
    parser.add_argument("--format", choices=sorted(FORMATS), default="generic", help=tr("协议（默认 generic）"))
    parser.add_argument("--db", type=Path, help=tr("场次日志文件（默认：<数据目录>/sessions.sqlite）"))
    parser.add_argument("--duration", type=float, help=tr("录制这么多秒后停止"))
    parser.add_argument("--plan", type=Path,
                        help=tr("直播流程（JSON/XLSX，见 docs/plan.md）：按流程向场次执行命令"))
    parser.add_argument("--title", default="", help=tr("场次标题（默认：直播源和日期）"))
    add_console_flags(parser)
    products = parser.add_mutually_exclusive_group()
    products.add_argument("--show", metavar="NAME",
                          help=tr("已保存的直播方案（见 docs/shows.md）：它的商品、已准备的营销和直播流程"))
    products.add_argument("--catalog", type=Path, metavar="FILE",
                          help=tr("商品列表文件（CSV/XLSX，和「导入商品」相同的格式）"))


def _seat_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--token", help=tr("以席位身份加入主播的 livedeck host：主播给的令牌（仅 generic 协议）"))
    parser.add_argument("--seat", default="", help=tr("席位名称，主播端按它记录你的操作（如 小王）"))


def _chosen_language(argv: Sequence[str], settings: Settings) -> str:
    """``--lang`` from the command line, else the setting: known before the parser is built, so that
    ``--help`` speaks it too."""
    for i, arg in enumerate(argv):
        if arg.startswith("--lang="):
            value = arg.partition("=")[2]
        elif arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        else:
            continue
        if value in LANGUAGES:
            return value
    language: str = settings.get("language")
    return language if language in LANGUAGES else "zh"


#: Opens the Qt console for ``livedeck`` without a subcommand: ``(args, settings) -> exit code``. The entry
#: point (ui/launcher.py) passes it in; app/ itself never imports ui.
ConsoleOpener = Callable[[argparse.Namespace, Settings], int]


def main(argv: Sequence[str] | None = None, open_console: ConsoleOpener | None = None) -> int:
    """``livedeck`` and ``python -m app``: parse the command line and run the subcommand; without one,
    open the console through ``open_console`` (``python -m app`` has none: it is the headless CLI)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    pace_for_a_live_show()
    settings = Settings()
    set_language(_chosen_language(argv, settings))
    if argv[:1] == ["demo-room"]:  # the demo room parses its own flags
        from app.rooms.demo import main as demo_main

        return demo_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "token", None) and (args.format != "generic" or getattr(args, "replay", None)
                                         or not args.source):
        parser.error(tr("--token 只能用于 generic 协议的 --source（livedeck host 的地址）"))
    if args.command in ("record", "host") and args.source == CONSOLE_SOURCE and not args.console:
        parser.error(tr("--source console 要和 --console PROFILE 一起用：平台中控台页面就是直播源"))
    setup_logging(logging.DEBUG if args.verbose else logging.INFO)
    if args.command in ("record", "host"):
        return record(args)
    if args.command == "replay":
        return replay.run(args)
    if args.command == "console-check":
        return run_check(args)
    if args.command == "classify":
        return classify_batch.run(args, settings)
    if args.command == "report":
        from app.review.report import run_cli  # matplotlib loads only for reports

        return run_cli(args)
    if open_console is None:
        print(tr("这是无界面的命令行（record、host、replay、report）；打开控制台请运行 livedeck"), file=sys.stderr)
        return 2
    return open_console(args, settings)


def record(args: argparse.Namespace) -> int:
    """``livedeck record`` / ``livedeck host``: record until the duration ends, the live ends, or
    SIGINT/SIGTERM; ``host`` also runs the hub (app/rooms/hub.py) for other seats."""
    db = args.db or default_log_path()
    hosting = args.command == "host"
    options: dict[str, object] = {} if hosting else seat_options(args.token, args.seat)
    if getattr(args, "room", None):
        options["room_id"] = args.room
    if getattr(args, "cookie_file", None):
        options["cookie_file"] = args.cookie_file
    hub = HubOptions(args.port, args.lan) if hosting else None
    try:
        products, plan = _show_products_and_plan(args)
        title = args.title or (f"{args.show} {time.strftime('%Y-%m-%d %H:%M')}" if args.show else "")
        spec = SourceSpec(CONSOLE_SOURCE, args.console) if args.source == CONSOLE_SOURCE else \
            SourceSpec(args.format, args.source, options)
        summary = asyncio.run(_record(Recording(spec, db, args.duration,
                                                title, products, plan, hub, console_options(args))))
    except (OSError, ValueError, sqlite3.DatabaseError, SessionLogError) as exc:
        # Expected, the user can act on it: a file that is not a session log, a log from a newer LiveDeck,
        # a bad plan or address. No traceback, one clear line.
        print(tr("无法录制：{reason}", reason=exc), file=sys.stderr)
        return 2
    except Exception as exc:  # a bug: one clear line here, the traceback only in the log at debug level
        log.debug("record failed", exc_info=True)
        print(tr("录制意外中止：{reason}", reason=f"{type(exc).__name__}: {exc}"), file=sys.stderr)
        return 1
    print(summary)
    return 0


@dataclass(frozen=True, slots=True)
class Recording:
    """What ``record``/``host`` run: the source, the log, how long (None: until the live ends or a
    signal), the title, the product list (None: none was chosen) and plan, and the hub (``host`` only)."""

    spec: SourceSpec
    db: Path
    duration: float | None
    title: str
    products: list[Product] | None = None
    plan: Plan | None = None
    hub: HubOptions | None = None
    console: ConsoleOptions | None = None


@dataclass(frozen=True, slots=True)
class HubOptions:
    """``livedeck host``'s hub: the port seats connect to, and whether other PCs may."""

    port: int
    lan: bool


def _print_hub(hub: HubServer) -> None:
    """The URL and the tokens, once, on the anchor's terminal (stdout, never the log)."""
    lines = [
        tr("席位地址：{url}", url=hub.seat_url),
        tr("助播令牌（可执行讲解、秒杀、发券等）：{token}", token=hub.tokens[Role.ASSISTANT]),
        tr("只读令牌（只能查看）：{token}", token=hub.tokens[Role.VIEWER]),
        tr("助播电脑上运行：livedeck --source {url} --token <助播令牌> --seat <名字>", url=hub.seat_url),
    ]
    if not hub.lan:
        lines.append(tr("只有本机能连接；要让局域网内的其他电脑连接，加 --lan"))
    print("\n".join(lines), flush=True)


def _log_plan_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("the plan failed", exc_info=task.exception())


def _show_products_and_plan(args: argparse.Namespace) -> tuple[list[Product] | None, Plan | None]:
    """What ``record``/``host`` run with: the products of ``--show`` (a saved show, with its plan) or
    ``--catalog``, else of ``--plan``'s own catalog (the demo catalog when it names none); ``--plan``
    replaces a show's plan. None: no product list was chosen. ValueError/OSError say what is wrong."""
    products: list[Product] | None = None
    plan: Plan | None = None
    if args.show:
        library = ShowLibrary()
        if not library.exists(args.show):
            names = "、".join(e.name for e in library.entries()) or tr("（无）")
            raise ValueError(tr("没有名为「{name}」的直播方案；已保存的方案：{names}", name=args.show, names=names))
        prep = library.load(args.show)
        products, plan = prep.products, prep.run_plan()
    elif args.catalog:
        products = load_products_csv(args.catalog)
    if args.plan:
        plan = load_plan(args.plan)
        if products is None:
            products = load_products_csv(plan.catalog or demo_catalog_path())
    if plan is not None and products is not None:
        plan.check_products(products)
    return products, plan


async def _record(recording: Recording) -> str:
    products = recording.products
    if products is None:
        # Seats name products as their consoles do (the demo catalog) and the host must know them.
        products = load_products_csv(demo_catalog_path()) if recording.hub is not None else []

    unfinished = ""
    show_parts: list[Show] = []
    try:
        session_id, status = await _run_show(recording, products, show_parts)
    except DiskFullError:
        if not show_parts:
            raise
        # The disk was still full when the session should have closed: say so in the summary.
        unfinished = tr("磁盘已满，场次未能正常结束；")
        source = show_parts[0].source
        session_id, status = show_parts[0].engine.state.session_id or 0, source.status if source else None
    show = show_parts[0]
    return _summary(show, session_id, status, recording.db, unfinished)


async def _run_show(recording: Recording, products: list[Product],
                    show_parts: list[Show]) -> tuple[int, SourceStatus | None]:
    """Record ``recording`` with ``products``; the show is put in ``show_parts`` as soon as it exists, so
    the caller can still summarise it when closing it fails (disk full)."""
    stop = stop_on_signals()
    plan, hub_options = recording.plan, recording.hub
    async with open_show(recording.db, products, webhook=Settings().get("room_webhook")) as show:
        show_parts.append(show)
        engine = show.engine
        if engine.log is not None:
            engine.log.subscribe_status(_say_disk_state)

        def on_batch(batch: list[LiveEvent]) -> None:
            if any(e.kind == Kind.LIVE_END for e in batch):
                stop.set()

        engine.subscribe(on_batch)
        show.console_options = recording.console
        session_id = await show.start(recording.spec, recording.title)
        hub = None
        if hub_options is not None:
            hub = HubServer(engine, lan=hub_options.lan, title=engine.state.title)
            await hub.start(hub_options.port)
            _print_hub(hub)
        importer = None
        if recording.spec.format == CONSOLE_SOURCE and not products and show.console is not None:
            importer = asyncio.create_task(_import_console_goods(engine, show.console), name="console-goods")
        runner = None
        if plan is not None:
            runner = asyncio.create_task(PlanRunner(engine, plan).run(), name="plan")
            runner.add_done_callback(_log_plan_failure)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), recording.duration)
        for task in (runner, importer):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await show.stop()
        if hub is not None:  # after the stop: the seats got the show's last events
            await hub.close()
        assert show.source is not None
        return session_id, show.source.status


async def _import_console_goods(engine: SessionEngine, console: ConsoleConnector) -> None:
    """``record --source console`` without a product list: the page's goods become the queue (and the
    terminal says so), so the page's orders find their products."""
    if n := await import_goods_if_empty(engine, console):
        print(tr("已从中控台导入 {n} 个商品", n=n), flush=True)


def _say_disk_state(full: bool) -> None:
    """The anchor's terminal learns at once that the disk is full (and when it is not any more)."""
    text = tr("磁盘已满：新事件暂存在内存中，腾出空间后自动写入") if full else tr("磁盘空间已恢复，暂存的事件已写入")
    print(text, file=sys.stderr, flush=True)


def _summary(show: Show, session_id: int, status: SourceStatus | None, db: Path, unfinished: str) -> str:
    """What ``record`` prints at the end, always: what was recorded, skipped, refused and lost."""
    state = show.engine.state
    store = show.engine.log
    kinds = " ".join(f"{kind} {n}" for kind, n in sorted(state.counts.items()))
    return unfinished + tr(
        "已录制场次 #{session} 共 {events} 条事件（{kinds}）；跳过格式错误的帧 {malformed} 个；"
        "时间超出范围而拒绝的事件 {bad_ts} 条；重连 {reconnects} 次；"
        "重复 {duplicates} 条已去除；拒绝写入 {refused} 次（其中事件 {refused_events} 条）；"
        "无法保存的事件 {lost} 条；日志：{db}",
        session=session_id,
        events=state.events,
        kinds=kinds or "-",
        malformed=status.malformed if status else 0,
        bad_ts=state.bad_ts + (status.bad_ts if status else 0),  # the engine's window, the source's bounds
        reconnects=status.reconnects if status else 0,
        duplicates=state.duplicates,
        refused=store.refused_writes if store else 0,
        refused_events=store.refused_events if store else 0,
        lost=store.lost_events if store else 0,
        db=db,
    ) + console_summary(show.console)
