"""Hand-made session logs for the review UI tests (and for rendering the review windows).

Each session is written through app.store.session_log.SessionLog exactly as a show writes it: events with their
``seq``, operator actions as the commerce engine logs them, the catalog snapshot, and the session's end.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from app.core.events import Kind, LiveEvent
from app.store.session_log import SessionLog

T0 = 1_767_268_800.0  # 2026-01-01 20:00 +08:00
SPECIAL = "主播这件衣服有蓝色吗特别的评论"
SPECIAL_AT = 600.0  # seconds after the start

PRODUCTS = [
    {"no": 1, "product_id": "p-tee", "name": "春秋款宽松纯棉T恤", "price_fen": 9900},
    {"no": 2, "product_id": "p-sun", "name": "清爽防晒霜 SPF50", "price_fen": 12900},
    {"no": 3, "product_id": "p-tea", "name": "云南古树普洱茶饼", "price_fen": 19900},
]
CHATTER = ["主播好", "好看", "扣1", "想要", "已拍", "多少钱", "太好看了", "来了来了", "支持", "喜欢",
           "1号还有吗", "2号有货吗？", "3号怎么泡？", "什么时候发货", "包邮吗", "有优惠券吗"]


@dataclass(frozen=True)
class Built:
    path: Path
    ids: dict[str, int]


def _session(log: SessionLog, title: str, source: str, t0: float, minutes: int, seed: int, *,
             scale: int, status: str) -> int:
    rng = random.Random(seed)
    sid = log.start_session(title, source, started_at=t0)
    log.save_products(sid, [{**p, "original_price_fen": p["price_fen"] * 2, "stock": 500} for p in PRODUCTS])
    events: list[LiveEvent] = []
    duration = minutes * 60
    for s in range(0, duration, 5):
        ts = t0 + s
        online = int(scale * (200 + 150 * (s / duration) + rng.randint(0, 60)))
        events.append(LiveEvent(Kind.VIEWER_STATS, ts, count=online))
        events.append(LiveEvent(Kind.ENTER, ts + 0.5, user_id=f"u{rng.randint(1, 400)}", user_name="观众"))
        for k in range(rng.randint(1, 3 * scale)):
            uid = rng.randint(1, 400)
            events.append(LiveEvent(Kind.COMMENT, ts + 1 + k * 0.3, user_id=f"u{uid}", user_name=f"观众{uid}",
                                    text=rng.choice(CHATTER)))
        if s % 20 == 0:
            p = PRODUCTS[(s // 240) % len(PRODUCTS)]
            uid = rng.randint(1, 400)
            events.append(LiveEvent(Kind.PRODUCT_CLICK, ts + 2, user_id=f"u{uid}", product_id=p["product_id"]))
            if rng.random() < 0.6:
                units = rng.randint(1, 2)
                events.append(LiveEvent(Kind.ORDER, ts + 3, user_id=f"u{uid}", user_name=f"观众{uid}",
                                        product_id=p["product_id"], count=units,
                                        amount_fen=units * int(p["price_fen"])))
        if s == 300:
            for c in range(12):
                events.append(LiveEvent(Kind.COUPON_CLAIM, ts + c * 0.1, user_id=f"u{c}",
                                        extra={"coupon_id": f"q-{seed}"}))
    if t0 + SPECIAL_AT < t0 + duration:
        events.append(LiveEvent(Kind.COMMENT, t0 + SPECIAL_AT, user_id="u999", user_name="小蓝",
                                text=SPECIAL))
    events.sort(key=lambda e: e.ts)
    for i, e in enumerate(events, 1):
        e.seq = i
    log.append(sid, events)

    def act(name: str, at: float, args: dict[str, object], cid: str) -> None:
        log.record_action(sid, command_id=f"{seed}-{cid}", actor="local", name=name, args=args,
                          ts=t0 + at, result="applied")

    for i, p in enumerate(PRODUCTS):
        start = 30 + i * 240
        if start < duration:
            act("explain", start, {"no": p["no"], "product_id": p["product_id"]}, f"e{i}")
            act("stop_explain", min(start + 200, duration - 1), {}, f"s{i}")
    if duration > 400:
        act("drop_coupon", 295, {"coupon_id": f"q-{seed}", "kind": "直减", "discount_fen": 500,
                                 "quantity": 50, "expires_at_wall": t0 + 900}, "c")
        act("start_flash_sale", 480, {"no": 3, "product_id": "p-tea", "price_fen": 9900, "stock": 30,
                                      "ends_at_wall": t0 + 660, "starts_at_wall": t0 + 480}, "f")
    log.end_session(sid, status=status, ended_at=t0 + duration)
    return sid


def build_log(path: Path) -> Built:
    """Three sessions: a 20-minute show, a shorter weaker one a day later, and an interrupted one."""
    with SessionLog(path) as log:
        ids = {
            "spring": _session(log, "春季上新专场", "demo", T0, 20, 1, scale=2, status="ended"),
            "weekend": _session(log, "周末清仓", "bilibili", T0 + 86_400, 12, 2, scale=1, status="ended"),
            "cut": _session(log, "断网的一场", "demo", T0 + 2 * 86_400, 6, 3, scale=1, status="interrupted"),
        }
        log.flush()
    return Built(path, ids)
