"""Decode rates of the platform adapters on a synthetic but realistic frame mix.

``run()`` returns ``(name, value, unit)`` rows; ``python -m tests.bench.bench_decoders`` prints them.
Each figure is the best of a few rounds of ``source.decode`` (framing, decompression, JSON, mapping,
counting unknown commands) on one core, without the engine or the log.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from app.sources.bilibili import BilibiliSource
from app.sources.douyin_bridge import DouyinBridgeSource
from tests.fakes import bilibili_server as bili
from tests.fakes import douyin_bridge_server as douyin

ROUNDS = 5
MIN_SECONDS = 0.2


def _bilibili_messages(n: int) -> list[dict]:
    """A busy shopping room: mostly comments and entries, some likes, gifts, stats, unknown commands."""
    out: list[dict] = []
    for i in range(n):
        uid = 3546569288714792 + i
        match i % 20:
            case 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9:
                out.append(bili.danmu(f"{i % 9 + 1}号链接还有货吗", uid, f"观众{i}", id_str=f"{i:032x}"))
            case 10 | 11 | 12:
                out.append(bili.interact_word_v2(uid, f"观众{i}", 1))
            case 13 | 14:
                out.append(bili.like_click(uid, f"观众{i}"))
            case 15:
                out.append(bili.send_gift(uid, f"观众{i}", "小心心", 1, 100))
            case 16:
                out.append(bili.online_rank_count(1000 + i))
            case 17:
                out.append(bili.watched_change(10000 + i))
            case 18:
                out.append(bili.hot_buy_num(100200300, i))
            case _:
                out.append({"cmd": "ONLINE_RANK_V2", "data": {"list": [], "rank_type": "gold-rank"}})
    return out


def _douyin_frames(n: int) -> list[str]:
    out: list[str] = []
    for i in range(n):
        who = douyin.user(uid=7000000000000001 + i, nickname=f"买家{i}")
        match i % 10:
            case 0 | 1 | 2 | 3 | 4:
                out.append(douyin.comment(f"{i % 9 + 1}号什么时候上", who=who))
            case 5 | 6:
                out.append(douyin.enter(1000 + i, who=who))
            case 7:
                out.append(douyin.like(5, 1000 + i, who=who))
            case 8:
                out.append(douyin.gift("小心心", 5655, 1, group=i, repeat=1, who=who))
            case _:
                out.append(douyin.room_stats(1000 + i, 50000 + i, who=who))
    return out


def _rate(decode: Callable[[str | bytes], list], frames: list) -> float:
    """Events per second: best of ``ROUNDS`` rounds of at least ``MIN_SECONDS`` each."""
    best = 0.0
    for _ in range(ROUNDS):
        events = 0
        start = time.perf_counter()
        elapsed = 0.0
        while elapsed < MIN_SECONDS:
            for frame in frames:
                events += len(decode(frame))
            elapsed = time.perf_counter() - start
        best = max(best, events / elapsed)
    return best


def run() -> list[tuple[str, float, str]]:
    rows: list[tuple[str, float, str]] = []
    messages = _bilibili_messages(1000)
    for ver, label in ((3, "brotli"), (2, "zlib")):
        frames = [bili.batch(messages[i : i + 20], ver=ver) for i in range(0, len(messages), 20)]
        source = BilibiliSource("ws://127.0.0.1:9/sub", lambda e: None, room_id=1)
        rows.append(
            (f"bilibili decode, {label} batches of 20, mixed cmds", _rate(source.decode, frames), "events/s")
        )
    plain = [bili.message(m) for m in messages]
    source = BilibiliSource("ws://127.0.0.1:9/sub", lambda e: None, room_id=1)
    rows.append(("bilibili decode, one plain packet per frame", _rate(source.decode, plain), "events/s"))
    bridge = DouyinBridgeSource("", lambda e: None)
    rows.append(("douyin-bridge decode, mixed types", _rate(bridge.decode, _douyin_frames(1000)), "events/s"))
    return rows


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name:55s} {value:12,.0f} {unit}")
