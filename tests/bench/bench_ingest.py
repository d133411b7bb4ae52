"""Headless ingest → SQLite for every format, each beside its reference client in the same run.

Budgets (docs/architecture.md, Budgets and Performance): LiveDeck stores what a bare websockets + json +
sqlite pipeline stores, fed the same frames, at ≥ 0.8× its rate for the generic protocol and the Douyin
bridge, and at ≥ 1.5× the rate of a recorder built on blivedm (the reference Bilibili client) for
Bilibili; zero loss everywhere. Each side is measured from the first frame sent to the last row visible
in SQLite, over 100,000 comments (plus the live-end event that closes the run), three times, and the
median is reported. The frames come from a flood server in its own process (flood.py), so building and
sending them is billed to neither side. Every side stores the same table (same columns, key and
indexes), so a ratio measures what LiveDeck's layers cost (validation, dedupe, engine, writer thread).
LiveDeck runs as its processes do (the collector's pace of app.core.collector, set by ``app.cli.main``);
each reference with the interpreter's defaults, as a plain script would.

Frame shapes: generic — JSON arrays of 100 events; Douyin bridge — one event per frame, JSON inside
JSON; Bilibili — brotli batches of 20 DANMU_MSG packets. Run only these rows: ``python -m tests.bench
ingest`` (``make bench-ingest``); one format: ``BENCH_FORMATS=douyin python -m tests.bench ingest``.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import brotli
from websockets.asyncio.client import connect

from app.core.collector import pace_for_a_live_show
from app.core.events import Kind, LiveEvent
from app.engine.session import SessionEngine
from app.show.show import Show, SourceSpec
from app.store.session_log import SessionLog
from tests.bench.flood import FloodServer, Frames
from tests.fakes import bilibili_server as bili
from tests.fakes import douyin_bridge_server as douyin

COMMENTS = 100_000
EXPECTED = COMMENTS + 1  # and the live end
RUNS = 3
GENERIC_PER_FRAME = 100
BILIBILI_PER_FRAME = 20

_TABLE = ("CREATE TABLE events (session_id INTEGER, seq INTEGER, ts REAL, kind TEXT, user_id TEXT, "
          "user_name TEXT, text TEXT, count INTEGER, amount_fen INTEGER, product_id TEXT, msg_id TEXT, "
          "extra TEXT, PRIMARY KEY (session_id, seq)) WITHOUT ROWID")
_INDEXES = ("CREATE INDEX events_session_kind_seq ON events (session_id, kind, seq)",
            "CREATE INDEX events_session_ts ON events (session_id, ts)")
_INSERT = "INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"


# -- the frames (built in the flood server's process) ------------------------------------------------
def generic_frames() -> Frames:
    start_ts = time.time() - COMMENTS / 1000  # recent: the source refuses times long before the session
    frames: list[str] = []
    for start in range(0, COMMENTS, GENERIC_PER_FRAME):
        frames.append(json.dumps([
            {"type": "event", "kind": "comment", "ts": start_ts + n / 1000, "msg_id": f"m{n}",
             "user_id": str(7_000_000_000_000_000_000 + n), "user_name": f"观众{n % 5000}",
             "text": f"3号还有货吗 第{n}条"}
            for n in range(start, start + GENERIC_PER_FRAME)], ensure_ascii=False))
    frames.append(json.dumps({"type": "event", "kind": "live_end", "ts": time.time()}))
    return frames


def douyin_frames() -> Frames:
    frames = [douyin.comment(f"{n % 9 + 1}号什么时候上 第{n}条",
                             who=douyin.user(uid=7000000000000001 + n, nickname=f"买家{n % 5000}"))
              for n in range(COMMENTS)]
    frames.append(douyin.live_end())
    return frames


def bilibili_frames() -> Frames:
    ts_ms = int(time.time() * 1000)
    frames: list[bytes] = []
    for start in range(0, COMMENTS, BILIBILI_PER_FRAME):
        frames.append(_brotli_batch([bili.danmu(f"{n % 9 + 1}号链接还有货吗 第{n}条", 3546569288714792 + n,
                                                f"观众{n % 5000}", ts_ms=ts_ms, id_str=f"{n:032x}")
                                     for n in range(start, start + BILIBILI_PER_FRAME)]))
    frames.append(_brotli_batch([bili.preparing()]))
    return frames


def _brotli_batch(messages: list[dict[str, Any]]) -> bytes:
    """One protover-3 packet, compressed at a middle quality: brotli's default (11) takes minutes for
    5,000 batches on a busy machine, and the quality does not change the reader's cost much."""
    inner = b"".join(bili.message(m) for m in messages)
    return bili.packet(5, brotli.compress(inner, quality=5), ver=3)


# -- the references ----------------------------------------------------------------------------------
class _Store:
    """The reference side's SQLite table. Rows are kept until 1,000 wait or 0.1 s passed since the last
    commit (then one executemany + commit), like a small script that batches its writes; not one commit
    per frame, which would make the reference slow and the ratio flattering."""

    def __init__(self, db: Path) -> None:
        self.conn = sqlite3.connect(db)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        for statement in (_TABLE, *_INDEXES):
            self.conn.execute(statement)
        self.seq = 0
        self.rows: list[tuple[Any, ...]] = []
        self.committed = time.perf_counter()

    def store(self, items: list[tuple[Any, ...]], *, last: bool = False) -> None:
        """``items``: (ts, kind, user_id, user_name, text, msg_id) each; ``last`` commits at once."""
        for ts, kind, user_id, user_name, text, msg_id in items:
            self.seq += 1
            self.rows.append((1, self.seq, ts, kind, user_id, user_name, text, 0, 0, "", msg_id, None))
        now = time.perf_counter()
        if last or len(self.rows) >= 1000 or now - self.committed >= 0.1:
            self.conn.executemany(_INSERT, self.rows)
            self.conn.commit()
            self.rows, self.committed = [], now


def _generic_items(frame: str | bytes) -> tuple[list[tuple[Any, ...]], bool]:
    data = json.loads(frame)
    items = data if isinstance(data, list) else [data]
    return ([(i["ts"], i["kind"], i.get("user_id", ""), i.get("user_name", ""), i.get("text", ""),
              i.get("msg_id", "")) for i in items], items[-1]["kind"] == "live_end")


def _douyin_items(frame: str | bytes) -> tuple[list[tuple[Any, ...]], bool]:
    outer = json.loads(frame)
    data = json.loads(outer["Data"])
    user = data.get("User") or {}
    end = outer["Type"] == 9
    return [(time.time(), "live_end" if end else "comment", str(user.get("Id", "")), user.get("Nickname", ""),
             data.get("Content", ""), str(data["MsgId"]))], end


async def bare_pipeline(url: str, db: Path, items_of: Callable[[str | bytes], Any]) -> float:
    """What a minimal script would do: read, json.loads, executemany per frame, commit; returns when done."""
    store = _Store(db)
    async with connect(url, max_size=None, compression=None) as ws:
        while True:
            items, end = items_of(await ws.recv())
            store.store(items, last=end)
            if end:
                break
    done = time.perf_counter()
    store.conn.close()
    return done


async def blivedm_recorder(url: str, db: Path) -> float:
    """A recorder on blivedm's client: its framing, brotli (in a thread), JSON and DanmakuMessage model."""
    import blivedm

    store = _Store(db)
    ended = asyncio.Event()

    class Recorder(blivedm.BaseHandler):  # type: ignore[misc]
        def __init__(self) -> None:
            self.items: list[tuple[Any, ...]] = []

        async def handle(self, client: Any, command: dict) -> None:
            if command.get("cmd") == "PREPARING":
                self.items.append((time.time(), "live_end", "", "", "", ""))
                ended.set()
            await super().handle(client, command)

        async def _on_danmaku(self, client: Any, message: Any) -> None:
            self.items.append((message.timestamp / 1000, "comment", str(message.uid), message.uname,
                               message.msg, ""))

    recorder = Recorder()

    class LocalClient(blivedm.BLiveClient):  # type: ignore[misc]
        """blivedm's client with the server list replaced by the local flood server."""

        async def _network_coroutine(self) -> None:
            async with self._session.ws_connect(url, receive_timeout=60) as websocket:
                self._websocket = websocket
                await self._on_ws_connect()
                async for message in websocket:
                    await self._on_ws_message(message)
                    if recorder.items:
                        store.store(recorder.items, last=ended.is_set())
                        recorder.items = []
                    if ended.is_set():
                        return

    client = LocalClient(1)
    client._room_id, client._host_server_token = 1, "bench"
    client.add_handler(recorder)
    client.start()
    await client.join()
    done = time.perf_counter()
    await client.stop_and_close()
    store.conn.close()
    return done


# -- LiveDeck ----------------------------------------------------------------------------------------
async def livedeck_pipeline(spec: SourceSpec, db: Path) -> float:
    """Source → SessionEngine → SessionLog until the live end is committed; returns when done. Runs with
    the collector's pace every LiveDeck process sets at start (app.core.collector); the references keep
    the interpreter's default, as a plain script would."""
    before = gc.get_threshold()
    pace_for_a_live_show()
    try:
        return await _livedeck_run(spec, db)
    finally:
        gc.set_threshold(*before)


async def _livedeck_run(spec: SourceSpec, db: Path) -> float:
    done = asyncio.Event()
    with SessionLog(db) as log:
        engine = SessionEngine(log)

        def on_batch(batch: list[LiveEvent]) -> None:
            if batch[-1].kind == Kind.LIVE_END:
                done.set()

        engine.subscribe(on_batch)
        async with Show(engine) as show:
            session_id = await show.start(spec, "bench")
            await asyncio.wait_for(done.wait(), 300)
            await asyncio.to_thread(log.flush)
            finished = time.perf_counter()
            await show.stop()
        assert log.count_events(session_id) == EXPECTED, log.count_events(session_id)
    return finished


def _stored(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])


def _rate(server: FloodServer, run: Callable[[Path], Awaitable[float]], tmp: Path, name: str) -> tuple[float, int]:
    """(events/s, rows stored) of one run; the rate counts from the server's first frame."""
    db = tmp / f"{name}.sqlite"
    finished = asyncio.run(run(db))
    stored = _stored(db)
    db.unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return stored / (finished - server.first_sent()), stored


def _compare(fmt: str, build: Callable[[], Frames], spec: Callable[[str], SourceSpec],
             reference: Callable[[str, Path], Awaitable[float]], ref_name: str, budget: float
             ) -> list[tuple[str, float, str, str]]:
    ours: list[float] = []
    theirs: list[float] = []
    lost = 0
    with tempfile.TemporaryDirectory() as tmp, FloodServer(build, handshake=fmt == "bilibili") as server:
        for n in range(RUNS):
            rate, stored = _rate(server, lambda db: reference(server.url, db), Path(tmp), f"ref{n}")
            theirs.append(rate)
            rate, stored_ours = _rate(server, lambda db: livedeck_pipeline(spec(server.url), db), Path(tmp), f"ld{n}")
            ours.append(rate)
            lost = max(lost, EXPECTED - stored_ours, EXPECTED - stored)
    mine, ref = statistics.median(ours), statistics.median(theirs)
    return [
        (f"ingest {fmt}: {ref_name} (median of {RUNS})", ref, "events/s", "reference"),
        (f"ingest {fmt}: livedeck (median of {RUNS})", mine, "events/s", f">= {ref * budget:,.0f}"),
        (f"ingest {fmt}: livedeck / {ref_name}", mine / ref, "×", f">= {budget}"),
        (f"ingest {fmt}: events lost", float(lost), "events", "<= 0"),
    ]


_FORMATS: dict[str, Callable[[], list[tuple[str, float, str, str]]]] = {
    "generic": lambda: _compare("generic", generic_frames, lambda url: SourceSpec("generic", url),
                                lambda url, db: bare_pipeline(url, db, _generic_items), "bare", 0.8),
    "douyin": lambda: _compare("douyin-bridge", douyin_frames, lambda url: SourceSpec("douyin-bridge", url),
                               lambda url, db: bare_pipeline(url, db, _douyin_items), "bare", 0.8),
    "bilibili": lambda: _compare("bilibili", bilibili_frames,
                                 lambda url: SourceSpec("bilibili", url, {"room_id": 1, "token": "bench"}),
                                 blivedm_recorder, "blivedm", 1.5),
}


def run() -> list[tuple[str, float, str, str]]:
    wanted = [f for f in os.environ.get("BENCH_FORMATS", "").split(",") if f] or list(_FORMATS)
    rows: list[tuple[str, float, str, str]] = []
    for name in wanted:
        rows += _FORMATS[name]()
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
