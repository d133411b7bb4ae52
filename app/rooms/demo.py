"""The demo room on a websocket, speaking the generic JSON protocol v1 (docs/protocol.md).

The demo room is what LiveDeck shows on first launch, what tests and benchmarks run against, and the
reference server of the generic protocol. Two layers:

* :class:`~app.rooms.demo_simulation.DemoRoom` — the simulation, pure and deterministic (its own
  module, with the viewers' vocabulary in :mod:`app.rooms.demo_vocabulary`);
* :func:`serve_demo_room` / :class:`DemoRoomThread` / :func:`main` (here) — a websocket server that
  ticks one shared room every 50 ms and broadcasts its events to every client.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import Any

from app.commerce.catalog import Product
from app.core.i18n import tr
from app.core.shutdown import stop_on_signals
from app.rooms.demo_simulation import CommandError, DemoRoom
from app.rooms.demo_state import load_state, save_state
from app.rooms.room_server import RoomServer
from app.rooms.server_thread import ServerThread

__all__ = ["CommandError", "DemoRoom", "DemoRoomServer", "DemoRoomThread", "main", "serve_demo_room"]

log = logging.getLogger("livedeck.demo_room")

TICK_S = 0.05  # one broadcast frame per tick
PING_EVERY_S = 2.0  # the protocol asks for at least one frame every 5 s
SAVE_EVERY_S = 1.0  # the room's state file (app/rooms/demo_state.py), besides after every command


class DemoRoomServer(RoomServer):
    """A running demo room on a websocket. Create it with :func:`serve_demo_room`."""

    task_name = "demo-room-ticker"

    def __init__(self, room: DemoRoom, host: str, room_id: str = "demo", title: str = "",
                 state_path: Path | None = None) -> None:
        super().__init__(host, room_id, title or "LiveDeck 演示直播间")
        self.room = room
        #: Where the room keeps its state for a console that restarts after a crash (None: nowhere).
        self.state_path = state_path

    def on_command(self, item: dict[str, Any]) -> dict[str, Any]:
        ack = self.room.apply_command(item)
        self.save_state()
        return ack

    def save_state(self) -> None:
        if self.state_path is not None:
            save_state(self.room, self.state_path, time.time())

    async def produce(self) -> None:
        """Tick the room every TICK_S and broadcast what each tick made, with a ping now and then."""
        loop = asyncio.get_running_loop()
        last = next_ping = next_save = loop.time()
        next_tick = last + TICK_S
        while True:
            await asyncio.sleep(max(0.0, next_tick - loop.time()))
            now = loop.time()
            # After a stall (laptop asleep, debugger) don't replay minutes of room at once.
            dt = min(now - last, 1.0)
            last = now
            next_tick = max(next_tick + TICK_S, now)
            events = self.room.step(dt, time.time())
            if now >= next_ping:
                next_ping = now + PING_EVERY_S
                events.append({"type": "ping", "ts": time.time()})
            if events:
                self.broadcast(events)
            if now >= next_save:
                next_save = now + SAVE_EVERY_S
                self.save_state()

    async def close(self, farewell: dict[str, Any] | None = None) -> None:
        """Say ``live_end`` to every client, then stop listening and close the connections."""
        end = {"type": "event", "kind": "live_end", "ts": time.time(), "text": "直播已结束"}
        await super().close(farewell or end)


async def serve_demo_room(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    seed: int = 0,
    rate: float = 8.0,
    catalog: list[Product] | None = None,
    state_path: Path | None = None,
    resume: bool = False,
) -> DemoRoomServer:
    """Start a demo room listening on ``host:port`` (port 0: any free port) and return it.

    ``state_path``: the room saves its state there (after each command, once a second); with ``resume``
    it first loads the state saved there by a room of the same seed (app/rooms/demo_state.py).
    """
    room = DemoRoom(seed=seed, rate=rate, catalog=catalog)
    if state_path is not None and resume:
        load_state(room, state_path, time.time())
    server = DemoRoomServer(room, host, state_path=state_path)
    await server._start(port)
    log.info("demo room listening on %s (seed %s, %s events/s)", server.url, seed, rate)
    return server


class DemoRoomThread(ServerThread):
    """The demo room on its own asyncio loop in a daemon thread, for the GUI (see ServerThread)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, seed: int = 0, rate: float = 8.0,
                 catalog: list[Product] | None = None, state_path: Path | None = None,
                 resume: bool = False) -> None:
        super().__init__(
            "livedeck-demo-room", lambda: serve_demo_room(host, port, seed=seed, rate=rate, catalog=catalog,
                                                          state_path=state_path, resume=resume)
        )

    @property
    def server(self) -> DemoRoomServer | None:
        """The running room's server (its ``room`` is the simulation)."""
        return self._server  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------------
# livedeck demo-room


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="livedeck demo-room",
        description=tr("运行一个模拟直播间（通用 JSON 协议 v1），供调试和演示。"),
    )
    parser.add_argument("--host", default="127.0.0.1", help=tr("监听地址（默认 127.0.0.1，仅本机）"))
    parser.add_argument("--port", type=int, default=8765, help=tr("端口（默认 8765；0 表示任意空闲端口）"))
    parser.add_argument("--seed", type=int, default=0, help=tr("随机种子：相同种子得到相同的直播间"))
    parser.add_argument("--rate", type=float, default=8.0, metavar="EVENTS_PER_S",
                        help=tr("每秒事件数（默认 8）"))
    return parser


async def _run_until_signalled(args: argparse.Namespace) -> None:
    server = await serve_demo_room(args.host, args.port, seed=args.seed, rate=args.rate)
    print(tr("演示直播间已开启：{url}", url=server.url), flush=True)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(tr("注意：直播间监听 {host}，局域网内的其他电脑也能连接。", host=args.host), flush=True)
    print(tr("按 Ctrl-C 停止。"), flush=True)
    stop = stop_on_signals()
    try:
        await stop.wait()
    finally:
        await server.close()


def main(argv: list[str] | None = None) -> int:
    """``livedeck demo-room [--host H] [--port P] [--seed N] [--rate EVENTS_PER_S]``."""
    args = _parser().parse_args(argv)
    if args.rate <= 0:
        _parser().error(tr("--rate 必须大于 0"))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run_until_signalled(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
