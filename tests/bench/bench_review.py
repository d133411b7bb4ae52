"""Opening a 3-hour, 2-million-event session in the review (budget ≤ 3 s, docs/architecture.md).

Generates the log once (``executemany`` straight into the schema, a realistic mix of kinds, explain
windows, flash sales, coupons and pins in ``actions``) and caches it under the temp directory; then times
``Review(path, id)`` + ``summary()`` + ``timeline()`` + ``products()`` + ``questions(limit=200)`` — what the
review window shows first — with a cold ``Review`` each time (the OS file cache is warm after the first).
"""

from __future__ import annotations

import json
import random
import sqlite3
import tempfile
import time
from pathlib import Path

EVENTS = 2_000_000
DURATION_S = 3 * 3600
PRODUCTS = 30
CACHE = Path(tempfile.gettempdir()) / f"livedeck-bench-review-{EVENTS}-v3.sqlite"

# kind, weight (share of events)
_MIX = (
    ("like", 0.30), ("enter", 0.22), ("comment", 0.28), ("product_click", 0.08), ("follow", 0.02),
    ("share", 0.01), ("gift", 0.02), ("order", 0.02), ("coupon_claim", 0.01), ("fansclub", 0.005),
)
# What a busy room writes: a small vocabulary repeated over and over ("扣1" waves, greetings, the same few
# questions), plus a long tail of one-off texts (sizes by height and weight, @replies, remarks). About
# 15 % of comments are questions (app.comments.rules.is_question), ~20 % buying intent, ~20 % one-offs.
_CHATTER = (  # text, weight
    ("主播好", 4), ("来了来了", 4), ("好看", 3), ("家人们冲", 3), ("支持主播", 3), ("质量真的好", 2),
    ("这个颜色好看", 2), ("性价比高", 2), ("回购好几次了", 2), ("主播讲得好详细", 2), ("666", 3), ("哈哈哈", 2),
    ("[比心]", 3), ("[赞]", 2), ("已关注", 2), ("主播辛苦了", 1), ("上次买的很好用", 1), ("链接在哪", 1),
)
_INTENT = (("扣1", 6), ("1", 5), ("111", 2), ("想要", 3), ("已拍", 2), ("拍了", 1), ("要了", 1), ("{n}号想要", 2))
_QUESTIONS = (
    ("{n}号多少钱", 3), ("{n}号有货吗", 3), ("多少钱", 2), ("{n}号还有吗？", 2), ("有没有优惠券", 1), ("发货快吗", 1),
    ("什么时候上{n}号", 1), ("{n}号尺码怎么选", 1), ("能不能便宜点", 1), ("这个怎么用", 1), ("是正品吗", 1),
)
_TAIL_PARTS = (
    ("身高{h}体重{w}斤穿什么码", "身高{h}体重{w}穿{size}码可以吗", "{h} {w}斤 {size}码合适吗？"),  # questions
    ("@用户{u} {chat}", "{chat}{chat2}", "{n}号{color}的好看", "我{h}cm穿{size}刚好", "第{k}次来了 {chat}",
     "{color}{chat}"),  # remarks
)
_COLORS = ("黑色", "白色", "米色", "灰色", "粉色", "蓝色", "卡其色", "酒红")
_SIZES = ("S", "M", "L", "XL", "2XL")
_WORDS = ("真好看", "爱了", "太便宜了", "等了好久", "终于上了", "绝绝子", "蹲一个", "冲冲冲", "好喜欢", "给力")


def _comment(rng: random.Random) -> str:
    """One comment of the mix above."""
    r = rng.random()
    if r < 0.45:
        text = rng.choices([t for t, _ in _CHATTER], [w for _, w in _CHATTER])[0]
    elif r < 0.65:
        text = rng.choices([t for t, _ in _INTENT], [w for _, w in _INTENT])[0]
    elif r < 0.77:
        text = rng.choices([t for t, _ in _QUESTIONS], [w for _, w in _QUESTIONS])[0]
    else:  # the long tail: a one-off (a quarter of them ask about a size)
        parts = _TAIL_PARTS[0] if rng.random() < 0.25 else _TAIL_PARTS[1]
        text = rng.choice(parts).format(
            h=rng.randint(150, 185), w=rng.randint(80, 180), size=rng.choice(_SIZES), u=rng.randrange(150_000),
            chat=rng.choice(_WORDS), chat2=rng.choice(_WORDS), color=rng.choice(_COLORS), k=rng.randint(2, 30),
            n="{n}",
        )
    return text.replace("{n}", str(rng.randint(1, PRODUCTS)))


def make_big_log(path: Path = CACHE, events: int = EVENTS, seed: int = 7) -> tuple[Path, int]:
    """Write (or reuse) the benchmark log; returns ``(path, session_id)``."""
    if path.exists():
        return path, 1
    from app.store.session_log import SessionLog

    tmp = path.with_suffix(".part")
    tmp.unlink(missing_ok=True)
    with SessionLog(tmp):  # creates the schema through the real migrations
        pass
    rng = random.Random(seed)
    t0 = 1_718_000_000.0
    conn = sqlite3.connect(tmp)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute(
        "INSERT INTO sessions (id, title, source, started_at, ended_at, status, pid, host, event_count) "
        "VALUES (1, '三小时大场', 'demo', ?, ?, 'ended', 0, 'bench', ?)",
        (t0, t0 + DURATION_S, events),
    )
    pids = [f"P{n:03d}" for n in range(1, PRODUCTS + 1)]
    conn.executemany(
        "INSERT INTO products (session_id, product_id, no, name, price_fen, stock, position) "
        "VALUES (1, ?, ?, ?, ?, 1000, ?)",
        [(pid, n + 1, f"商品{n + 1}", 1990 + 100 * n, n) for n, pid in enumerate(pids)],
    )
    # explain windows: each product ~6 minutes, in turn
    actions = []
    span = DURATION_S / (PRODUCTS * 12)
    windows = []
    for i in range(PRODUCTS * 12):
        no = (i % PRODUCTS) + 1
        start = t0 + i * span
        windows.append((start, pids[no - 1]))
        actions.append((1, f"x{i}", "local", "explain", json.dumps({"no": no, "product_id": pids[no - 1]}),
                        start, "applied", ""))
    for i in range(20):
        no = rng.randint(1, PRODUCTS)
        ts = t0 + 300 + i * 500
        actions.append((1, f"fs{i}", "local", "start_flash_sale", json.dumps(
            {"no": no, "price_fen": 990, "stock": 100, "duration_s": 60, "product_id": pids[no - 1],
             "starts_at_wall": ts, "ends_at_wall": ts + 60}), ts, "applied", ""))
        actions.append((1, f"cp{i}", "local", "drop_coupon", json.dumps(
            {"kind": "直减", "discount_fen": 500, "quantity": 200, "coupon_id": f"cp{i}"}), ts + 100, "applied", ""))
    conn.executemany(
        "INSERT INTO actions (session_id, command_id, actor, name, args, ts, result, detail) VALUES (?,?,?,?,?,?,?,?)",
        actions,
    )
    kinds = [k for k, _ in _MIX]
    weights = [w for _, w in _MIX]
    step = DURATION_S / events
    users = 150_000
    rows = []
    wi = 0
    online = 500
    seq = 0
    batch_kinds = rng.choices(kinds, weights, k=events)
    for i in range(events):
        seq += 1
        ts = t0 + i * step
        while wi + 1 < len(windows) and windows[wi + 1][0] <= ts:
            wi += 1
        if i % 400 == 0:  # viewer_stats about every 2 s
            online = max(50, online + rng.randint(-40, 42))
            rows.append((1, seq, ts, "viewer_stats", "", "", "", online, 0, "", "", f'{{"total_viewers": {seq}}}'))
            continue
        kind = batch_kinds[i]
        uid = str(rng.randrange(users))
        name = f"用户{uid}"
        text, count, amount, pid, extra = "", 0, 0, "", None
        if kind == "comment":
            text = _comment(rng)
        elif kind == "like":
            count = rng.randint(1, 20)
        elif kind == "gift":
            text, count, amount = "小心心", 1, 10
        elif kind in ("order", "product_click"):
            pid = windows[wi][1] if rng.random() < 0.7 else rng.choice(pids)
            if kind == "order":
                count = rng.randint(1, 3)
                amount = count * 1990
        elif kind == "coupon_claim":
            extra = f'{{"coupon_id": "cp{rng.randrange(20)}"}}'
        rows.append((1, seq, ts, kind, uid, name, text, count, amount, pid, "", extra))
        if len(rows) >= 100_000:
            conn.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
            rows.clear()
    conn.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    conn.execute("UPDATE sessions SET event_count = (SELECT count(*) FROM events) WHERE id = 1")
    # The final metrics snapshot a recording writes when the session ends (app/show/show.py), from SQL.
    _final_snapshot(conn, t0 + DURATION_S)
    conn.commit()
    conn.close()
    tmp.rename(path)
    return path, 1


def _final_snapshot(conn: sqlite3.Connection, ts: float) -> None:
    viewer = "('comment','like','follow','share','gift','fansclub','enter','product_click','order','coupon_claim')"
    social = "('comment','like','follow','share','gift','fansclub')"

    def one(sql: str) -> float:
        return conn.execute(sql).fetchone()[0] or 0

    def people(kind: str) -> float:
        return one(f"SELECT count(DISTINCT user_id) FROM events WHERE session_id=1 AND kind='{kind}' AND user_id!=''")

    def times(kind: str) -> float:
        return one(f"SELECT count(*) FROM events WHERE session_id=1 AND kind='{kind}'")

    row = {
        "ts": ts, "online": one("SELECT count FROM events WHERE session_id=1 AND kind='viewer_stats' "
                                "ORDER BY ts DESC, seq DESC LIMIT 1"),
        "peak_online": one("SELECT max(count) FROM events WHERE session_id=1 AND kind='viewer_stats'"),
        "viewers_uv": one(f"SELECT count(DISTINCT user_id) FROM events WHERE session_id=1 AND user_id!='' "
                          f"AND kind IN {viewer}"),
        "interacting": one(f"SELECT count(DISTINCT user_id) FROM events WHERE session_id=1 AND user_id!='' "
                           f"AND kind IN {social}"),
        "entries_pv": times("enter"), "comments": times("comment"), "commenters": people("comment"),
        "likes": one("SELECT sum(count) FROM events WHERE session_id=1 AND kind='like'"),
        "follows": people("follow"), "clicks": times("product_click"), "clickers": people("product_click"),
        "clicked_buyers": one("SELECT count(DISTINCT user_id) FROM events WHERE session_id=1 AND kind='order' "
                              "AND user_id!='' AND user_id IN (SELECT user_id FROM events WHERE session_id=1 "
                              "AND kind='product_click')"),
        "orders": times("order"), "units": one("SELECT sum(count) FROM events WHERE session_id=1 AND kind='order'"),
        "buyers": people("order"),
        "gmv_fen": one("SELECT sum(amount_fen) FROM events WHERE session_id=1 AND kind='order'"),
    }
    cols = ", ".join(row)
    conn.execute(f"INSERT INTO metrics (session_id, {cols}) VALUES (1, {', '.join('?' * len(row))})",
                 list(row.values()))


def open_review_once(path: Path, session_id: int) -> float:
    from app.review.results import Review

    start = time.perf_counter()
    review = Review(path, session_id)
    review.summary()
    review.timeline()
    review.products()
    review.questions(limit=200)
    elapsed = time.perf_counter() - start
    review.close()
    return elapsed


def run() -> list[tuple[str, float, str, str]]:
    start = time.perf_counter()
    path, sid = make_big_log()
    made = time.perf_counter() - start
    times = [open_review_once(path, sid) for _ in range(3)]
    rows = [
        ("review: open 2M-event session (summary+timeline+products+questions), best of 3", min(times) * 1000,
         "ms", "<= 3000"),
        ("review: open 2M-event session, worst of 3", max(times) * 1000, "ms", "<= 3000"),
    ]
    if made > 1:
        rows.append(("review: generate the 2M-event log (once, cached)", made, "s", ""))
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
