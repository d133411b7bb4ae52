"""Headless ingest → SQLite, against a bare websockets + json + sqlite pipeline on the same machine.

Budget (docs/architecture.md, Budgets): LiveDeck ingests at least half the bare pipeline's rate, with zero loss,
and at least 25,000 events/s in absolute terms. Both sides read the same pre-built frames from a real
websocket server on loopback and store the same table (same columns, key and indexes), so the ratio
measures what LiveDeck's layers cost (validation, dedupe, engine, writer thread), not a smaller table.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import tempfile
import time
from pathlib import Path

from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve

from app.core.events import Kind, LiveEvent
from app.engine.session import SessionEngine
from app.show.show import Show, SourceSpec
from app.store.session_log import SessionLog

EVENTS = 200_000
PER_FRAME = 500


def _frames() -> list[str]:
    frames = []
    for start in range(0, EVENTS, PER_FRAME):
        batch = [
            {"type": "event", "kind": "comment", "ts": 1_700_000_000 + n / 1000, "msg_id": f"m{n}",
             "user_id": str(7_000_000_000_000_000_000 + n), "user_name": f"观众{n % 5000}",
             "text": f"3号还有货吗 第{n}条"}
            for n in range(start, start + PER_FRAME)
        ]
        frames.append(json.dumps(batch, ensure_ascii=False))
    return frames


async def _serve(frames: list[str]) -> tuple[object, str]:
    async def handler(ws: ServerConnection) -> None:
        for frame in frames:
            await ws.send(frame)
        await ws.send(json.dumps({"type": "event", "kind": "live_end", "ts": 1_700_000_999}))
        await ws.wait_closed()

    server = await serve(handler, "127.0.0.1", 0, compression=None, max_size=None)
    port = server.sockets[0].getsockname()[1]
    return server, f"ws://127.0.0.1:{port}"


async def bare_pipeline(frames: list[str], db: Path) -> tuple[float, int]:
    """What a minimal script would do: read, json.loads, executemany per frame, commit."""
    server, url = await _serve(frames)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE events (session_id INTEGER, seq INTEGER, ts REAL, kind TEXT, user_id TEXT, "
                 "user_name TEXT, text TEXT, count INTEGER, amount_fen INTEGER, product_id TEXT, msg_id TEXT, "
                 "extra TEXT, PRIMARY KEY (session_id, seq)) WITHOUT ROWID")
    conn.execute("CREATE INDEX events_session_kind_seq ON events (session_id, kind, seq)")
    conn.execute("CREATE INDEX events_session_ts ON events (session_id, ts)")
    seq = 0
    async with connect(url, max_size=None, compression=None) as ws:
        start = time.perf_counter()
        while True:
            data = json.loads(await ws.recv())
            items = data if isinstance(data, list) else [data]
            rows = []
            for item in items:
                seq += 1
                extra = item.get("extra")
                rows.append((1, seq, item["ts"], item["kind"], item.get("user_id", ""), item.get("user_name", ""),
                             item.get("text", ""), item.get("count", 0), item.get("amount_fen", 0),
                             item.get("product_id", ""), item.get("msg_id", ""),
                             json.dumps(extra, ensure_ascii=False) if extra else None))
            conn.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
            conn.commit()
            if items[-1]["kind"] == "live_end":
                break
        elapsed = time.perf_counter() - start
    conn.close()
    server.close()  # type: ignore[attr-defined]
    return elapsed, seq


async def livedeck_pipeline(frames: list[str], db: Path) -> tuple[float, int]:
    """GenericSource → SessionEngine → SessionLog, until everything is committed."""
    server, url = await _serve(frames)
    done = asyncio.Event()
    with SessionLog(db) as log:
        engine = SessionEngine(log)

        def on_batch(batch: list[LiveEvent]) -> None:
            if batch[-1].kind == Kind.LIVE_END:
                done.set()

        engine.subscribe(on_batch)
        async with Show(engine) as show:
            session_id = await show.start(SourceSpec("generic", url), "bench")
            start = time.perf_counter()
            await asyncio.wait_for(done.wait(), 120)
            await asyncio.to_thread(log.flush)
            elapsed = time.perf_counter() - start
            await show.stop()
        stored = log.count_events(session_id)
    server.close()  # type: ignore[attr-defined]
    return elapsed, stored


def run() -> list[tuple[str, float, str, str]]:
    frames = _frames()
    with tempfile.TemporaryDirectory() as tmp:
        bare_s, bare_n = asyncio.run(bare_pipeline(frames, Path(tmp) / "bare.sqlite"))
        ours_s, ours_n = asyncio.run(livedeck_pipeline(frames, Path(tmp) / "ours.sqlite"))
    bare_rate = bare_n / bare_s
    ours_rate = ours_n / ours_s
    expected = EVENTS + 1  # and the live_end
    return [
        ("ingest: bare websockets+json+sqlite", bare_rate, "events/s", "reference"),
        ("ingest: livedeck source→engine→log", ours_rate, "events/s", f">= {bare_rate / 2:,.0f} (50% of bare)"),
        ("ingest: livedeck / bare", ours_rate / bare_rate * 100, "%", ">= 50"),
        ("ingest: livedeck absolute", ours_rate, "events/s", ">= 25,000"),
        ("ingest: events lost", float(expected - ours_n), "events", "<= 0"),
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
