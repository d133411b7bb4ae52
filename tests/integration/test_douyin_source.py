"""DouyinBridgeSource against a fake BarrageGrab bridge on loopback."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

from app.core.events import LiveEvent
from app.sources.douyin_bridge import DouyinBridgeSource
from tests.fakes import douyin_bridge_server as fake
from tests.fakes.douyin_bridge_server import FakeDouyinBridge

A = fake.user(uid=7000000000000001, nickname="甲")
B = fake.user(uid=2**63 - 11, nickname="乙")


async def running(source: DouyinBridgeSource, check: Callable[[], bool], limit: float = 5.0) -> None:
    reader = asyncio.create_task(source.run())
    try:
        async with asyncio.timeout(limit):
            while not check():
                await asyncio.sleep(0.01)
    finally:
        source.stop()
        await asyncio.wait_for(reader, 5)


def test_all_types_gift_combos_and_broken_frames() -> None:
    got: list[LiveEvent] = []
    frames: list[str | bytes] = [
        fake.comment("3号链接什么时候上", who=A),
        "{broken",
        fake.like(20, 100, who=B),
        fake.enter(300, who=B),
        json.dumps({"Type": 1, "Data": "{oops"}),
        fake.follow(who=A),
        # a combo: running totals 1, 3, 3 (resent), 6; then a combo with GiftCount
        fake.gift("玫瑰", 463, 1, group=9001, repeat=1, who=A),
        fake.gift("玫瑰", 463, 1, group=9001, repeat=3, who=A),
        fake.gift("玫瑰", 463, 1, group=9001, repeat=3, who=A),
        fake.gift("玫瑰", 463, 1, group=9001, repeat=6, who=A),
        fake.gift("小心心", 5655, 1, group=9002, repeat=2, new=2, who=B),
        fake.gift("小心心", 5655, 1, group=9002, repeat=5, new=3, who=B),
        b"\xff\xfe",
        fake.room_stats(1500, 40000),
        fake.fansclub(1, 6, who=A),
        fake.share(who=B),
        fake.frame(99, {"Content": "new kind"}),
        fake.comment("最后一条", who=A),
        fake.live_end(),
    ]

    async def main() -> DouyinBridgeSource:
        async with FakeDouyinBridge([frames]) as bridge:
            source = DouyinBridgeSource(bridge.url, got.extend)
            await running(source, lambda: any(e.kind == "live_end" for e in got))
        return source

    source = asyncio.run(main())
    kinds = [e.kind for e in got]
    assert kinds == [
        "comment", "like", "enter", "follow", "gift", "gift", "gift", "gift", "gift",
        "viewer_stats", "fansclub", "share", "comment", "live_end",
    ]  # fmt: skip
    gifts = [e for e in got if e.kind == "gift"]
    assert sum(e.count for e in gifts) == 6 + 5
    assert sum(e.amount_fen for e in gifts) == 11 * 10
    assert got[1].user_id == str(2**63 - 11)
    assert got[9].count == 1500
    assert source.status.malformed == 3
    assert source.status.unknown == {"Type 99": 1}


def test_a_closed_bridge_is_reconnected_and_events_continue() -> None:
    got: list[LiveEvent] = []

    async def main() -> FakeDouyinBridge:
        plans: list[list[str | bytes]] = [[fake.comment("一")], [fake.comment("二")]]
        async with FakeDouyinBridge(plans, close_after=True) as bridge:
            source = DouyinBridgeSource(bridge.url, got.extend, backoff_base=0.05)
            await running(source, lambda: len(got) >= 2)
        return bridge

    bridge = asyncio.run(main())
    assert [e.text for e in got] == ["一", "二"]
    assert bridge.connections >= 2


def test_a_silent_bridge_is_detected() -> None:
    got: list[LiveEvent] = []
    reasons: list[str] = []

    async def main() -> FakeDouyinBridge:
        async with FakeDouyinBridge([[fake.comment("一")]]) as bridge:
            source = DouyinBridgeSource(bridge.url, got.extend, idle_timeout=0.3, backoff_base=0.05)
            source.add_status_listener(lambda s: reasons.append(s.reason))
            await running(source, lambda: bridge.connections >= 2)
        return bridge

    asyncio.run(main())
    assert [e.text for e in got] == ["一"]
    assert any("无数据" in reason for reason in reasons)


def test_a_burst_reaches_the_sink_in_order_a_wake_up_at_a_time() -> None:
    calls: list[list[str]] = []
    frames: list[str | bytes] = [fake.comment(f"第{n}条", who=A) for n in range(2000)]
    frames.append(fake.live_end())

    async def main() -> None:
        async with FakeDouyinBridge([frames]) as bridge:
            source = DouyinBridgeSource(bridge.url, lambda events: calls.append([e.text for e in events]))
            await running(source, lambda: sum(map(len, calls)) == 2001)

    asyncio.run(main())
    assert [text for call in calls for text in call] == [f"第{n}条" for n in range(2000)] + ["直播已结束"]
    assert len(calls) < 2001  # the frames one wake-up read went to the sink together
