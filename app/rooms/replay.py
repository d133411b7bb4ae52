"""Replay: re-stream a recorded session log as a live room speaking the generic JSON protocol.

Assistants train on yesterday's show, demos run on a real audience, a problem a streamer reported is
reproduced from their log. A replay is a websocket server like the demo room (docs/protocol.md:
``hello``, then every ~50 ms tick's events as one JSON-array frame, a ``ping`` every 2 s), so the console
and ``livedeck record`` read it through the ordinary :class:`~app.sources.generic.GenericSource`.

* Pacing follows the events' ``ts`` gaps divided by ``speed`` (1×–50×); a gap longer than
  ``gap_cap`` seconds of *real* time is shortened to it, so a dead hour doesn't stall a training session.
* Events keep their original ``ts``, user ids, names, texts and ``msg_id``, so recording a replay
  again deduplicates correctly. (An event logged without a ``msg_id`` gets a stable one,
  ``replay-<session>-<seq>``, so a reconnect during the replay doesn't duplicate it either.)
* The log is read in pages of ``page_size`` events through a read-only connection: a 2-million-event
  log is never in memory.
* Playback starts when the first client has its ``hello`` (a recorder that connects a moment late
  misses nothing) and ends with a ``live_end`` event; the server keeps pinging until it is closed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sqlite3
import sys
import time
from collections import deque
from pathlib import Path
from typing import Any, ClassVar

from websockets.asyncio.server import ServerConnection

from app.core.i18n import tr
from app.core.shutdown import stop_on_signals
from app.rooms.room_server import RoomServer
from app.rooms.server_thread import ServerThread
from app.store.session_log import SCHEMA_VERSION, open_readonly

log = logging.getLogger("livedeck.replay")

TICK_S = 0.05
PING_EVERY_S = 2.0
MIN_SPEED, MAX_SPEED = 1.0, 50.0
DEFAULT_GAP_CAP_S = 10.0
DEFAULT_PAGE_SIZE = 2000

_SELECT = (
    "SELECT seq, kind, ts, user_id, user_name, text, count, amount_fen, product_id, msg_id, extra "
    "FROM events WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?"
)


class ReplayError(ValueError):
    """A replay that cannot start (no such file or session, bad speed); the message says why."""


def check_speed(speed: float) -> float:
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise ReplayError(tr("回放速度须在 1 到 50 倍之间，而不是 {speed}", speed=speed))
    return float(speed)


def _connect(path: str | Path) -> sqlite3.Connection:
    if not Path(path).is_file():
        raise ReplayError(tr("找不到场次日志：{path}", path=path))
    try:
        return open_readonly(path)
    except sqlite3.Error as exc:
        raise ReplayError(tr("无法打开场次日志 {path}：{reason}", path=path, reason=exc)) from None


def resolve_session(path: str | Path, session_id: int | None = None) -> tuple[int, str]:
    """The session to replay (the newest when ``session_id`` is None) and its title.

    Raises:
        ReplayError: the file is not a session log, holds no sessions, or not that one.
    """
    conn = _connect(path)
    try:
        if session_id is None:
            sql, params = "SELECT id, title FROM sessions ORDER BY started_at DESC, id DESC LIMIT 1", tuple[int, ...]()
        else:
            sql, params = "SELECT id, title FROM sessions WHERE id = ?", (session_id,)
        row = conn.execute(sql, params).fetchone()
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:  # read what this version understands, and say so
            log.warning("%s was written by a newer LiveDeck (schema version %d, this one knows %d): replaying "
                        "what this version understands", Path(path).name, version, SCHEMA_VERSION)
    except sqlite3.Error as exc:
        raise ReplayError(tr("{path} 不是场次日志（{reason}）", path=path, reason=exc)) from None
    finally:
        conn.close()
    if row is None:
        if session_id is None:
            raise ReplayError(tr("{path} 里没有场次", path=path))
        raise ReplayError(tr("{path} 里没有场次 #{session}", path=path, session=session_id))
    return int(row[0]), str(row[1] or "")


def _event_object(session_id: int, row: tuple[Any, ...]) -> dict[str, Any]:
    """One logged row as a generic-protocol ``event`` object; empty fields are left out."""
    seq, kind, ts, user_id, user_name, text, count, amount_fen, product_id, msg_id, extra = row
    obj: dict[str, Any] = {"type": "event", "kind": kind, "msg_id": msg_id or f"replay-{session_id}-{seq}"}
    if ts is not None:
        obj["ts"] = ts
    for name, value in (("user_id", user_id), ("user_name", user_name), ("text", text),
                        ("product_id", product_id)):
        if value:
            obj[name] = value
    for name, value in (("count", count), ("amount_fen", amount_fen)):
        if value:
            obj[name] = value
    if extra:
        with contextlib.suppress(ValueError):
            decoded = json.loads(extra)
            if isinstance(decoded, dict):
                obj["extra"] = decoded
    return obj


class ReplayServer(RoomServer):
    """A recorded session re-streamed on a websocket. Create it with :func:`serve_replay`.

    Attributes:
        sent: events broadcast so far (``live_end`` included).
        finished: set once the last event and ``live_end`` went out.
        pages: pages read from the log so far (tests check that a replay pages).
    """

    hello_fields: ClassVar[dict[str, Any]] = {"replay": True}  # its events keep their recorded times

    def __init__(self, path: str | Path, session_id: int, title: str, *, speed: float = 1.0, host: str = "127.0.0.1",
                 gap_cap: float = DEFAULT_GAP_CAP_S, page_size: int = DEFAULT_PAGE_SIZE) -> None:
        super().__init__(host, f"replay-{session_id}", tr("回放：{title}", title=title))
        self.path = Path(path)
        self.session_id = session_id
        self.speed = check_speed(speed)
        self.gap_cap = gap_cap
        self.page_size = max(1, page_size)
        self.sent = 0
        self.pages = 0
        self.finished = asyncio.Event()
        self._started = asyncio.Event()

    task_name = "replay-player"

    def on_join(self, ws: ServerConnection) -> None:
        self._started.set()  # play from the first client on, so a recorder that connects late misses nothing

    def on_command(self, item: dict[str, Any]) -> dict[str, Any]:
        # A replay takes no commands: the show already happened.
        return {"type": "ack", "command_id": str(item.get("command_id", "")), "result": "rejected",
                "reason": "a replay takes no commands"}

    def _read_page(self, after_seq: int) -> list[tuple[Any, ...]]:
        """One page, on a worker thread, on its own short read-only connection (a live writer may be
        appending to the same file: a short read never holds back its checkpoints)."""
        self.pages += 1
        conn = _connect(self.path)
        try:
            return conn.execute(_SELECT, (self.session_id, after_seq, self.page_size)).fetchall()
        finally:
            conn.close()

    async def produce(self) -> None:
        await self._started.wait()
        loop = asyncio.get_running_loop()
        try:
            await self._stream(loop)
        except (sqlite3.Error, ReplayError) as exc:  # a damaged page: one line, not a traceback
            log.error("replay of session %s stopped: the log could not be read (%s)", self.session_id, exc)
            self.finished.set()
            raise
        end = {"type": "event", "kind": "live_end", "ts": time.time(), "text": tr("回放结束"),
               "msg_id": f"replay-{self.session_id}-end"}
        self._broadcast([end])
        self.finished.set()
        log.info("replay of session %s finished: %s events", self.session_id, self.sent)
        next_ping = loop.time()
        while True:  # keep the link alive until closed: the protocol wants a frame every 5 s
            await asyncio.sleep(max(0.0, next_ping - loop.time()))
            next_ping = loop.time() + PING_EVERY_S
            self._broadcast([{"type": "ping", "ts": time.time()}], count=False)

    async def _stream(self, loop: asyncio.AbstractEventLoop) -> None:
        """Broadcast the session's events on their (sped-up, gap-capped) timeline."""
        buffered: deque[dict[str, Any]] = deque()
        after_seq, exhausted = 0, False
        max_gap = self.gap_cap * self.speed  # in log seconds
        skipped = 0.0  # log seconds cut out of long gaps so far
        last_ts: float | None = None
        log_clock: float | None = None  # the log time "now", on the shortened timeline
        last = next_ping = loop.time()

        while True:
            if len(buffered) < self.page_size // 2 and not exhausted:
                rows = await asyncio.to_thread(self._read_page, after_seq)
                exhausted = len(rows) < self.page_size
                if rows:
                    after_seq = rows[-1][0]
                for row in rows:
                    obj = _event_object(self.session_id, row)
                    ts = obj.get("ts")
                    if isinstance(ts, int | float):
                        if last_ts is not None and ts - last_ts > max_gap:
                            skipped += ts - last_ts - max_gap
                        last_ts = max(ts, last_ts) if last_ts is not None else ts
                    obj["_at"] = (last_ts if last_ts is not None else 0.0) - skipped
                    buffered.append(obj)
            if not buffered and exhausted:
                break
            now = loop.time()
            if log_clock is None:
                log_clock = buffered[0]["_at"] if buffered else 0.0
            else:
                log_clock += (now - last) * self.speed
            last = now
            due: list[dict[str, Any]] = []
            while buffered and buffered[0]["_at"] <= log_clock:
                obj = buffered.popleft()
                del obj["_at"]
                due.append(obj)
            if now >= next_ping:
                next_ping = now + PING_EVERY_S
                due.append({"type": "ping", "ts": time.time()})
            if due:
                self._broadcast(due)
            await asyncio.sleep(TICK_S)

    def _broadcast(self, objects: list[dict[str, Any]], *, count: bool = True) -> None:
        if count:
            self.sent += sum(1 for o in objects if o.get("type") == "event")
        self.broadcast(objects)


async def serve_replay(
    path: str | Path,
    session_id: int | None = None,
    *,
    speed: float = 1.0,
    host: str = "127.0.0.1",
    port: int = 0,
    gap_cap: float = DEFAULT_GAP_CAP_S,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> ReplayServer:
    """Start replaying ``session_id`` (default: the newest) of the log at ``path`` on ``host:port``.

    Raises:
        ReplayError: no such log or session, or a speed outside 1–50.
        OSError: the port is taken.
    """
    check_speed(speed)
    sid, title = await asyncio.to_thread(resolve_session, path, session_id)
    server = ReplayServer(path, sid, title, speed=speed, host=host, gap_cap=gap_cap, page_size=page_size)
    await server._start(port)
    log.info("replaying session %s of %s at %s× on %s", sid, path, speed, server.url)
    return server


class ReplayThread(ServerThread):
    """A replay on its own asyncio loop in a daemon thread (see ServerThread), so re-streaming a busy
    log at 50× never costs the GUI loop a frame."""

    def __init__(self, path: str | Path, session_id: int | None = None, *, speed: float = 1.0,
                 host: str = "127.0.0.1", port: int = 0, **kwargs: Any) -> None:
        super().__init__(
            "livedeck-replay",
            lambda: serve_replay(path, session_id, speed=speed, host=host, port=port, **kwargs),
        )

    @property
    def server(self) -> ReplayServer | None:
        return self._server  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------------
# livedeck replay LOG


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """The ``replay`` subcommand, added to ``livedeck``'s subparsers."""
    rep: argparse.ArgumentParser = sub.add_parser(
        "replay", help=tr("以 1–50 倍速把已录制的场次重新播放成通用协议直播间"))
    rep.add_argument("log", type=Path, metavar="LOG", help=tr("场次日志文件（SQLite）"))
    rep.add_argument("--session", type=int, help=tr("场次编号（默认：最新一场）"))
    rep.add_argument("--speed", type=float, default=1.0, help=tr("1 到 50 倍速（默认 1）"))
    rep.add_argument("--host", default="127.0.0.1", help=tr("监听地址（默认 127.0.0.1，仅本机）"))
    rep.add_argument("--port", type=int, default=8766, help=tr("端口（默认 8766；0 表示任意空闲端口）"))
    return rep


async def _run_replay(args: argparse.Namespace) -> None:
    server = await serve_replay(args.log, args.session, speed=args.speed, host=args.host, port=args.port)
    print(tr("回放场次 #{session}（{speed}×）：{url}", session=server.session_id, speed=f"{args.speed:g}",
             url=server.url), flush=True)
    print(tr("按 Ctrl-C 停止。"), flush=True)
    stop = stop_on_signals()
    try:
        done = asyncio.ensure_future(server.finished.wait())
        await asyncio.wait([done, asyncio.ensure_future(stop.wait())], return_when=asyncio.FIRST_COMPLETED)
        if done.done():
            print(tr("回放结束：共 {events} 条事件", events=server.sent), flush=True)
            await asyncio.sleep(1.0)  # let clients read live_end before the server goes away
    finally:
        await server.close()


def run(args: argparse.Namespace) -> int:
    """``livedeck replay LOG [--session ID] [--speed 1..50] [--host H] [--port P]``."""
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_run_replay(args))
    except (ReplayError, OSError) as exc:
        print(tr("无法回放：{reason}", reason=exc), file=sys.stderr)
        return 2
    return 0
