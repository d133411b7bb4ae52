"""A believable simulated live room speaking the generic JSON protocol v1 (docs/protocol.md).

The demo room is what LiveDeck shows on first launch, what tests and benchmarks run against, and the
reference server of the generic protocol. It has two layers:

* :class:`DemoRoom` — the simulation. Pure and deterministic: no clock, no I/O, one
  ``random.Random(seed)``. The caller advances it with :meth:`DemoRoom.step` and sends it operator
  commands with :meth:`DemoRoom.apply_command`.
* :func:`serve_demo_room` / :class:`DemoRoomThread` / :func:`main` — a websocket server that ticks one
  shared room every 50 ms and broadcasts its events to every client.

Viewers arrive and leave, comment (questions, buying intent, greetings, praise, the odd complaint),
like, follow, share, send gifts and join the fan club. Orders happen only for the product being
explained or on flash sale, never beyond stock or a per-user limit; coupons are claimed after a
drop, never beyond their quantity.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import random
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

from app.commerce.catalog import Product, demo_catalog_path, load_products_csv
from app.core.i18n import tr
from app.core.shutdown import stop_on_signals
from app.rooms.room_server import RoomServer
from app.rooms.server_thread import ServerThread

log = logging.getLogger("livedeck.demo_room")

TICK_S = 0.05  # one broadcast frame per tick
PING_EVERY_S = 2.0  # the protocol asks for at least one frame every 5 s
STATS_EVERY_S = 2.0  # viewer_stats cadence, in room time
COUPON_BOOST_S = 60.0  # orders stay more likely this long after a coupon drop
BUYER_CLICKED_FIRST = 0.8  # share of orders placed by a viewer who opened the product's card first
COUPON_KINDS = ("满减", "直减", "折扣")

# ---------------------------------------------------------------------------------------------------
# Vocabulary. Texts are drawn from pools built once per room, so that generating an event is a few
# random() calls and a dict: the room must keep up with 20,000 events/s.

_NAME_ADJ = (
    "爱吃橘子的", "不想上班的", "会飞的", "爱笑的", "想睡觉的", "努力减肥的", "熬夜追剧的", "爱喝奶茶的",
    "不吃香菜的", "晒太阳的", "路过的", "认真生活的", "爱吃火锅的", "快乐的", "迷路的", "安静的",
    "发呆的", "种花的", "爱旅行的", "早起的", "减肥失败的", "吃不胖的", "爱追星的", "骑单车的",
)
_NAME_NOUN = (
    "猫", "小熊", "鱼", "兔子", "橘子", "柠檬", "小狗", "企鹅", "星星", "月亮", "云朵", "大白", "喵喵",
    "小羊", "狐狸", "鲸鱼", "松鼠", "小猪", "考拉", "仙人掌", "西瓜", "奶糖", "蘑菇", "小刺猬",
)
_NAME_FIXED = (
    "小鹿乱撞", "岁月静好", "知足常乐", "平安喜乐", "一路向北", "半夏微凉", "南风知我意", "清风徐来",
    "山有木兮", "人间值得", "万事胜意", "随遇而安", "时光不老", "未来可期", "好好吃饭", "暴富锦鲤",
    "快乐星球", "今天也要加油", "无敌小可爱", "追风少年", "一只小可爱", "温柔且坚定", "向阳而生",
)
_NAME_SURNAME = "王李张刘陈杨赵黄周吴徐孙马胡朱郭何林高罗郑梁谢宋唐许韩冯邓曹彭"
_NAME_TITLE = ("姐", "哥", "阿姨", "叔", "妈妈", "老师", "小妹", "大侠", "总", "奶奶")
_NAME_GIVEN = "强珍明花杰伟芳丽军敏静磊娟涛霞勇燕华"
_NAME_DOUBLE = ("甜甜", "糖糖", "朵朵", "乐乐", "豆豆", "果果", "贝贝", "圆圆", "萌萌", "笑笑", "悠悠")
_NAME_DOUBLE_SUFFIX = ("", "呀", "酱", "妈", "宝贝", "妈咪", "的小店", "🌸")
_NAME_CITY = ("杭州", "成都", "广州", "武汉", "重庆", "长沙", "西安", "东北", "苏州", "郑州", "厦门", "昆明")
_NAME_PERSON = ("宝妈", "小伙", "姑娘", "老铁", "大叔", "打工人", "吃货", "小仙女")

_GREETINGS = (
    "主播好", "来了来了", "晚上好呀", "又来看你了", "第一次来直播间", "姐妹们我来了", "打卡", "刚下班就来了",
    "主播今天好漂亮", "来啦", "报到", "从同城过来的", "每天都来", "主播好久不见",
)
_PRAISE = (
    "主播好美", "这个颜色好看", "质量真的好", "回购好几次了", "上次买的很好用", "性价比高", "家人们冲",
    "好看好看", "主播讲得好详细", "已经推荐给闺蜜了", "👍👍👍", "上身效果真不错", "味道真的绝", "老粉支持",
    "主播太实在了", "这价格真的划算",
)
_COMPLAINTS = (
    "上次买的还没到", "客服不回消息", "怎么又涨价了", "卡了卡了", "声音有点小", "能不能快点上链接",
    "上次发错颜色了", "退款还没到账", "昨天还便宜五块", "怎么一直不讲我要的",
)
_QUESTIONS = (
    "多少钱", "有优惠券吗", "什么时候发货", "包邮吗", "偏远地区发吗", "能开发票吗", "有没有赠品",
    "支持七天无理由吗", "优惠券在哪领", "今天有秒杀吗", "福袋什么时候开", "几点下播", "发什么快递",
    "新疆能发吗", "有运费险吗", "可以用花呗吗", "偏大还是偏小", "有大码吗", "敏感肌能用吗", "保质期多久",
)
_SIZE_QUESTIONS = ("{w}斤穿什么码", "{h} {w}斤穿什么码", "身高{h}选哪个码", "{h}/{w}斤 L码可以吗")
_NUMBERED = (
    "{no}号还有吗", "{no}号多少钱", "{no}号链接什么时候上", "讲一下{no}号", "{no}号有优惠吗", "想要{no}号",
    "{no}号什么颜色好看", "求{no}号", "{no}号能再讲一遍吗", "{no}号拍了", "{no}号怎么没库存了",
    "{no}号发货快吗",
)
_INTENT = (
    "扣1", "想要", "已拍", "1", "111", "拍了拍了", "冲", "要了", "已下单", "想要+1", "我也要", "扣1扣1",
)
_EXPLAINING = (
    "{no}号还有吗", "这个多少钱", "这个怎么买", "库存还有多少", "链接在哪", "能便宜点吗", "到手多少钱",
    "怎么没有{no}号链接", "有赠品吗", "{no}号拍了", "这个好", "有别的颜色吗", "买两件有优惠吗",
)
_FLASH = (
    "抢到了！", "没抢到", "秒杀还有吗", "再上点库存", "手慢了", "已抢", "好快", "还能加库存吗",
    "抢到了谢谢主播",
)
_COUPON = ("领到券了", "券领不了", "券怎么用", "还有券吗", "领了领了", "券能叠加吗")

# (name, value of one item in fen, weight). 1 抖币/钻 = 0.1 yuan; cheap gifts dominate.
_GIFTS = (
    ("小心心", 10, 30.0), ("玫瑰", 10, 20.0), ("人气票", 10, 15.0), ("大啤酒", 20, 8.0),
    ("棒棒糖", 90, 8.0), ("墨镜", 100, 4.0), ("加油鸭", 150, 6.0), ("爱你哟", 520, 3.0),
    ("比心兔兔", 990, 2.0), ("礼花筒", 1990, 1.5), ("为你闪耀", 4990, 0.5), ("跑车", 12000, 0.3),
    ("嘉年华", 300000, 0.05),
)
_CHEAP_GIFT_COUNTS = (1, 1, 1, 1, 1, 1, 2, 3, 5, 10, 10, 66, 99)
_LIKE_COUNTS = tuple([1] * 6 + [2] * 4 + [3] * 3 + [5] * 2 + list(range(1, 21)))
_ORDER_COUNTS = (1, 1, 1, 1, 1, 1, 1, 2, 2, 3)


def _build_names(rng: random.Random, size: int) -> list[str]:
    """Nicknames the way viewers choose them, from parts: thousands of distinct ones."""
    names = []
    pick = rng.choice
    for _ in range(size):
        r = rng.random()
        if r < 0.22:
            name = pick(_NAME_ADJ) + pick(_NAME_NOUN)
        elif r < 0.30:
            name = pick(_NAME_FIXED)
        elif r < 0.42:
            name = pick(_NAME_SURNAME) + pick(_NAME_TITLE)
        elif r < 0.48:
            name = "阿" + pick(_NAME_GIVEN)
        elif r < 0.60:
            name = pick(_NAME_DOUBLE) + pick(_NAME_DOUBLE_SUFFIX)
        elif r < 0.70:
            name = pick(_NAME_CITY) + pick(_NAME_PERSON)
        elif r < 0.80:
            name = pick(_NAME_NOUN) + str(rng.randint(1985, 2008))
        else:
            # The default nickname of accounts that never chose one.
            name = "用户" + str(rng.randint(10**9, 10**10 - 1))
        names.append(name)
    return names


def _fill(template: str, rng: random.Random, numbers: list[int]) -> str:
    return template.format(
        no=rng.choice(numbers) if numbers else 1, w=rng.randrange(90, 185, 5), h=rng.randint(150, 185)
    )


def _build_comment_pool(rng: random.Random, numbers: list[int]) -> list[str]:
    """General chatter, weighted by repetition: questions and intent dominate a selling room."""
    pool: list[str] = []
    pool += [rng.choice(_GREETINGS) for _ in range(300)]
    pool += [rng.choice(_PRAISE) for _ in range(220)]
    pool += [rng.choice(_COMPLAINTS) for _ in range(60)]
    pool += [rng.choice(_QUESTIONS) for _ in range(320)]
    pool += [_fill(rng.choice(_SIZE_QUESTIONS), rng, numbers) for _ in range(120)]
    pool += [_fill(rng.choice(_NUMBERED), rng, numbers) for _ in range(300)]
    pool += [rng.choice(_INTENT) for _ in range(120)]
    rng.shuffle(pool)
    return pool


def _build_product_pool(rng: random.Random, no: int) -> list[str]:
    """What viewers say while product ``no`` is being explained."""
    pool = [t.format(no=no) for t in _EXPLAINING for _ in range(3)]
    pool += list(_INTENT) * 3
    rng.shuffle(pool)
    return pool


# ---------------------------------------------------------------------------------------------------
# The simulation


@dataclass(slots=True)
class _FlashSale:
    product: Product
    price_fen: int
    stock: int  # units left in the sale
    ends_at: float  # room time
    limit_per_user: int | None
    bought: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class _Coupon:
    coupon_id: str
    remaining: int
    per_user_limit: int
    dropped_at: float  # room time
    claims: dict[str, int] = field(default_factory=dict)


class CommandError(ValueError):
    """A command the room rejects; the message is the ack's reason."""


def _arg_str(args: dict[str, Any], name: str) -> str:
    value = args.get(name)
    if not isinstance(value, str) or not value:
        raise CommandError(f"args.{name} must be a non-empty string")
    return value


def _arg_int(args: dict[str, Any], name: str, *, low: int) -> int:
    value = args.get(name)
    # bool is an int in Python, never in a protocol.
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise CommandError(f"args.{name} must be an integer ≥ {low}")
    return value


def _arg_optional_int(args: dict[str, Any], name: str, *, low: int) -> int | None:
    return None if args.get(name) is None else _arg_int(args, name, low=low)


class DemoRoom:
    """A simulated live room, deterministic for a given seed and sequence of calls.

    Args:
        seed: the same seed and the same sequence of :meth:`step` / :meth:`apply_command` calls give
            the same events (kinds, users, texts, msg_ids); only ``ts`` follows the ``now`` passed in.
        rate: events per second of room time, across all kinds (approximately).
        catalog: the products on sale; the demo show's products by default.
    """

    def __init__(self, seed: int = 0, rate: float = 8.0, catalog: list[Product] | None = None) -> None:
        if rate <= 0 or not math.isfinite(rate):
            raise ValueError(f"rate must be a positive number of events per second, not {rate!r}")
        self.seed = seed
        self.rate = float(rate)
        self.catalog = list(catalog) if catalog is not None else load_products_csv(demo_catalog_path())
        self._by_id = {p.product_id: p for p in self.catalog}
        self.stock = {p.product_id: p.stock for p in self.catalog}
        self._rng = random.Random(seed)
        rng = self._rng
        self._names = _build_names(rng, 8192)
        self._comments = _build_comment_pool(rng, [p.no for p in self.catalog])
        self._product_pools: dict[int, list[str]] = {}
        self._gift_table = self._build_gift_table()
        self._msg_prefix = f"demo-{seed}-"
        self._seq = 0
        self.t = 0.0  # room time, seconds since the room opened
        self._next_stats = 0.0
        self._pending: list[dict[str, Any]] = []  # events caused by commands, sent at the next step

        # Viewers are (user_id, name) tuples. Lists with swap-remove keep arrivals and departures O(1)
        # at any rate.
        self._enter_share = 0.25
        self._base_online = max(30.0, min(20000.0, self.rate * self._enter_share * 90.0))
        self._walk = 0.0  # slow random walk of the audience size, ±20 %
        self._online: list[tuple[str, str]] = []
        self._gone: list[tuple[str, str]] = []
        # Who opened each product's card lately: most buyers click before they buy, as on a real room.
        self._clickers: dict[str, deque[tuple[str, str]]] = {}
        self._viewer_count = 0  # unique viewers ever
        for _ in range(int(self._base_online)):
            self._online.append(self._new_viewer())

        self.explaining: Product | None = None
        self.flash_sales: dict[str, _FlashSale] = {}
        self.coupons: dict[str, _Coupon] = {}
        self._last_coupon_drop = -math.inf
        self._acks: OrderedDict[str, str] = OrderedDict()  # command_id → first result

    # -- viewers ---------------------------------------------------------------------------------

    def _new_viewer(self) -> tuple[str, str]:
        self._viewer_count += 1
        # A bijection of the viewer's number onto 19-digit ids: unique, but not sequential-looking.
        uid = 10**18 + (self._viewer_count * 0x9E3779B97F4A7C15) % (1 << 62)
        return str(uid), self._names[int(self._rng.random() * len(self._names))]

    @property
    def online(self) -> int:
        """Viewers in the room now."""
        return len(self._online)

    @property
    def total_viewers(self) -> int:
        """Unique viewers since the room opened."""
        return self._viewer_count

    def _target_online(self) -> float:
        wave = 0.2 * math.sin(2 * math.pi * self.t / 300.0)  # audiences ebb and flow over minutes
        boost = 0.3 if self.flash_sales else 0.0  # a flash sale pulls people in
        return max(10.0, self._base_online * (1.0 + wave + self._walk + boost))

    # -- the clock -------------------------------------------------------------------------------

    def step(self, dt: float, now: float) -> list[dict[str, Any]]:
        """Advance the room by ``dt`` seconds of room time and return what happened meanwhile.

        Args:
            dt: seconds of room time to simulate (≥ 0).
            now: the wall-clock time (unix seconds) at the end of the step; events are stamped
                within ``(now - dt, now]``.

        Returns:
            Generic-protocol event objects (``{"type": "event", "kind": ...}``) in order.
        """
        out: list[dict[str, Any]] = []
        for event in self._pending:
            event["ts"] = now - dt
            out.append(event)
        self._pending = []
        end = self.t + max(0.0, dt)
        # Sub-steps end at every boundary (stats tick, flash sale end) so that a sale ends exactly at
        # its deadline, however coarse the caller's steps are.
        while True:
            boundary = min([end, self._next_stats, *(s.ends_at for s in self.flash_sales.values())])
            if boundary > self.t:
                self._generate(boundary - self.t, now - (end - self.t), out)
                self.t = boundary
            for pid, sale in list(self.flash_sales.items()):
                if self.t >= sale.ends_at:
                    self._end_flash_sale(pid, "秒杀结束", now - (end - self.t), out)
            if self.t >= self._next_stats:
                self._next_stats += STATS_EVERY_S
                self._walk = max(-0.2, min(0.2, self._walk + self._rng.gauss(0.0, 0.03)))
                out.append(self._event("viewer_stats", now - (end - self.t), count=len(self._online),
                                       extra={"total_viewers": self._viewer_count}))
            if self.t >= end:
                return out

    def _event(self, kind: str, ts: float, **fields: Any) -> dict[str, Any]:
        self._seq += 1
        return {"type": "event", "kind": kind, "ts": ts, "msg_id": self._msg_prefix + str(self._seq),
                **fields}

    def _count(self, lam: float) -> int:
        """How many events happen in an interval that expects ``lam`` of them (Poisson)."""
        rng = self._rng
        if lam < 30.0:
            # Knuth's method, adequate for small means.
            limit, k, p = math.exp(-lam), 0, rng.random()
            while p > limit:
                k += 1
                p *= rng.random()
            return k
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))

    def _weights(self) -> tuple[list[str], list[float]]:
        kinds = ["comment", "enter", "like", "follow", "share", "gift", "fansclub"]
        weights = [0.40, self._enter_share, 0.20, 0.03, 0.02, 0.05, 0.01]
        if self.explaining is not None or self.flash_sales:
            order = 0.08 if self.flash_sales else 0.015
            if self.t - self._last_coupon_drop < COUPON_BOOST_S:
                order *= 2.5
            kinds += ["product_click", "order"]
            weights += [0.08 if self.flash_sales else 0.05, order]
        if any(c.remaining > 0 for c in self.coupons.values()):
            since = self.t - max(c.dropped_at for c in self.coupons.values() if c.remaining > 0)
            kinds.append("coupon_claim")
            weights.append(0.02 + 0.10 * math.exp(-since / 30.0))  # a rush right after the drop
        return kinds, weights

    def _generate(self, dt: float, ts0: float, out: list[dict[str, Any]]) -> None:
        """Simulate ``dt`` seconds starting at wall-clock ``ts0``, appending events to ``out``."""
        rng = self._rng
        rnd = rng.random
        kinds, weights = self._weights()
        n = self._count(self.rate * dt)
        enter_rate = self.rate * self._enter_share / sum(weights)
        self._leave(len(self._online) * enter_rate / self._target_online() * dt)
        if n == 0:
            return
        total = sum(weights)
        cum, acc = [], 0.0
        for w in weights:
            acc += w
            cum.append(acc / total)
        chosen = rng.choices(kinds, cum_weights=cum, k=n)
        online = self._online
        comments, n_comments = self._comments, len(self._comments)
        explaining = self.explaining
        special: list[str] | None = None
        if explaining is not None:
            special = self._product_pools.get(explaining.no)
            if special is None:
                special = self._product_pools[explaining.no] = _build_product_pool(rng, explaining.no)
        gifts, n_gifts = self._gift_table, len(self._gift_table)
        prefix = self._msg_prefix
        coupon_talk = bool(self.coupons) and self.t - self._last_coupon_drop < COUPON_BOOST_S
        step_ts = dt / n
        for i, kind in enumerate(chosen):
            ts = ts0 + (i + 1) * step_ts
            viewer = self._arrive() if kind == "enter" else online[int(rnd() * len(online))]
            self._seq += 1
            ev: dict[str, Any] = {"type": "event", "kind": kind, "ts": ts, "msg_id": prefix + str(self._seq),
                                  "user_id": viewer[0], "user_name": viewer[1]}
            if kind == "comment":
                # One draw, cumulative thresholds: each context takes its share only while it applies.
                r = rnd()
                if self.flash_sales and r < 0.2:
                    ev["text"] = _FLASH[int(rnd() * len(_FLASH))]
                elif coupon_talk and r < 0.35:
                    ev["text"] = _COUPON[int(rnd() * len(_COUPON))]
                elif special is not None and r < 0.6:
                    ev["text"] = special[int(rnd() * len(special))]
                else:
                    ev["text"] = comments[int(rnd() * n_comments)]
            elif kind == "like":
                ev["count"] = _LIKE_COUNTS[int(rnd() * len(_LIKE_COUNTS))]
            elif kind == "gift":
                name, value, counts = gifts[int(rnd() * n_gifts)]
                count = counts[int(rnd() * len(counts))]
                ev["text"], ev["count"], ev["amount_fen"] = name, count, value * count
            elif kind == "fansclub":
                ev["extra"] = {"level": 1 if rnd() < 0.7 else 2 + int(rnd() * 12)}
            elif kind == "product_click":
                pid = self._featured_product_id()
                if pid is None:  # the flash sale sold out earlier in this sub-step
                    continue
                ev["product_id"] = pid
                self._clickers.setdefault(pid, deque(maxlen=200)).append(viewer)
            elif kind == "order":
                pid = self._featured_product_id()
                clickers = self._clickers.get(pid) if pid is not None else None
                if clickers and rnd() < BUYER_CLICKED_FIRST:
                    ev["user_id"], ev["user_name"] = clickers[int(rnd() * len(clickers))]
                self._order(ev, ts, out)  # appends ev only if stock and limits allow
                continue
            elif kind == "coupon_claim":
                self._claim(ev, ts, out)
                continue
            out.append(ev)

    def _arrive(self) -> tuple[str, str]:
        gone = self._gone
        if gone and self._rng.random() < 0.25:
            # Someone who left comes back: same id, same name.
            i = int(self._rng.random() * len(gone))
            viewer = gone[i]
            gone[i] = gone[-1]
            gone.pop()
        else:
            viewer = self._new_viewer()
        self._online.append(viewer)
        return viewer

    def _leave(self, expected: float) -> None:
        online, gone, rnd = self._online, self._gone, self._rng.random
        n = min(int(expected + rnd()), len(online) - 10)
        for _ in range(n):
            i = int(rnd() * len(online))
            viewer = online[i]
            online[i] = online[-1]
            online.pop()
            if len(gone) >= 20000:
                # Keep memory flat in a long show: forget a random one of those who left.
                gone[int(rnd() * len(gone))] = viewer
            else:
                gone.append(viewer)

    def _featured_product_id(self) -> str | None:
        """The product a viewer looks at or buys now: on flash sale (mostly) or being explained."""
        sales = list(self.flash_sales)
        if sales and (self.explaining is None or self._rng.random() < 0.7):
            return sales[int(self._rng.random() * len(sales))]
        return self.explaining.product_id if self.explaining is not None else None

    def _order(self, ev: dict[str, Any], ts: float, out: list[dict[str, Any]]) -> None:
        """Turn ``ev`` into an order and append it if stock and limits allow."""
        pid = self._featured_product_id()
        if pid is None:
            return
        product = self._by_id[pid]
        sale = self.flash_sales.get(pid)
        uid = ev["user_id"]
        want = _ORDER_COUNTS[int(self._rng.random() * len(_ORDER_COUNTS))]
        can = self.stock[pid]
        if sale is not None:
            can = min(can, sale.stock)
            if sale.limit_per_user is not None:
                can = min(can, sale.limit_per_user - sale.bought.get(uid, 0))
        count = min(want, can)
        if count <= 0:
            return
        price = sale.price_fen if sale is not None else product.price_fen
        ev["product_id"], ev["count"], ev["amount_fen"] = pid, count, price * count
        out.append(ev)
        self.stock[pid] -= count
        if sale is not None:
            sale.stock -= count
            sale.bought[uid] = sale.bought.get(uid, 0) + count
            if sale.stock == 0:
                self._end_flash_sale(pid, "秒杀已抢光", ts, out)
        if self.stock[pid] == 0:
            text = f"{product.no}号 {product.name} 已售罄"
            out.append(self._event("system", ts, product_id=pid, text=text))

    def _claim(self, ev: dict[str, Any], ts: float, out: list[dict[str, Any]]) -> None:
        """Turn ``ev`` into a coupon claim and append it if a coupon is left for this viewer."""
        open_ = [c for c in self.coupons.values() if c.remaining > 0]
        if not open_:
            return
        coupon = open_[int(self._rng.random() * len(open_))]
        uid = ev["user_id"]
        if coupon.claims.get(uid, 0) >= coupon.per_user_limit:
            return
        coupon.claims[uid] = coupon.claims.get(uid, 0) + 1
        coupon.remaining -= 1
        ev["extra"] = {"coupon_id": coupon.coupon_id}
        out.append(ev)
        if coupon.remaining == 0:
            out.append(self._event("system", ts, text=f"优惠券 {coupon.coupon_id} 已抢光",
                                   extra={"coupon_id": coupon.coupon_id}))

    def _end_flash_sale(self, pid: str, why: str, ts: float, out: list[dict[str, Any]]) -> None:
        sale = self.flash_sales.pop(pid)
        sold = sum(sale.bought.values())
        text = f"{why}：{sale.product.no}号 已售 {sold} 件"
        extra = {"flash_sale": "ended", "sold": sold}
        out.append(self._event("system", ts, product_id=pid, text=text, extra=extra))

    def _build_gift_table(self) -> list[tuple[str, int, tuple[int, ...]]]:
        table: list[tuple[str, int, tuple[int, ...]]] = []
        for name, value, weight in _GIFTS:
            counts: tuple[int, ...] = _CHEAP_GIFT_COUNTS if value <= 20 else (1, 1, 1, 1, 2)
            table += [(name, value, counts)] * max(1, round(weight * 10))
        return table

    # -- commands --------------------------------------------------------------------------------

    def apply_command(self, cmd: dict[str, Any]) -> dict[str, Any]:
        """Apply an operator command frame and return its ack frame.

        The same ``command_id`` twice is applied once: the second ack says ``"duplicate"``. A command
        that is unknown or has bad args is rejected with a reason and changes nothing.
        """
        command_id = cmd.get("command_id") if isinstance(cmd, dict) else None
        if not isinstance(command_id, str) or not command_id:
            return _ack(command_id if isinstance(command_id, str) else "", "rejected",
                        "command_id must be a non-empty string")
        first = self._acks.get(command_id)
        if first is not None:
            return _ack(command_id, "duplicate", f"already {first}")
        try:
            self._apply(cmd.get("name"), cmd.get("args", {}))
        except CommandError as e:
            ack = _ack(command_id, "rejected", str(e))
        else:
            ack = _ack(command_id, "applied")
        self._acks[command_id] = ack["result"]
        if len(self._acks) > 10000:
            self._acks.popitem(last=False)  # a show sends hundreds; keep memory bounded anyway
        return ack

    def _product(self, args: dict[str, Any]) -> Product:
        pid = _arg_str(args, "product_id")
        product = self._by_id.get(pid)
        if product is None:
            raise CommandError(f"unknown product_id {pid!r}")
        return product

    def _apply(self, name: Any, args: Any) -> None:
        if not isinstance(args, dict):
            raise CommandError("args must be an object")
        if name == "explain":
            product = self._product(args)
            self.explaining = product
            self._pending.append(self._event("system", 0.0, product_id=product.product_id,
                                             text=f"讲解中：{product.no}号 {product.name}"))
        elif name == "stop_explain":
            self.explaining = None
        elif name == "start_flash_sale":
            product = self._product(args)
            price = _arg_int(args, "price_fen", low=1)
            stock = _arg_int(args, "stock", low=1)
            limit = _arg_optional_int(args, "limit_per_user", low=1)
            duration = args.get("duration_s")
            if isinstance(duration, bool) or not isinstance(duration, int | float) or not 0 < duration < 1e9:
                raise CommandError("args.duration_s must be a number of seconds > 0")
            if product.product_id in self.flash_sales:
                raise CommandError(f"a flash sale of {product.product_id} is already running")
            if stock > self.stock[product.product_id]:
                raise CommandError(f"stock {stock} exceeds the {self.stock[product.product_id]} units left")
            self.flash_sales[product.product_id] = _FlashSale(product, price, stock, self.t + duration, limit)
            self._pending.append(self._event(
                "system", 0.0, product_id=product.product_id,
                text=f"秒杀开始：{product.no}号 {product.name} ¥{price / 100:.2f} 限量{stock}件",
                extra={"flash_sale": "started", "price_fen": price, "stock": stock},
            ))
        elif name == "stop_flash_sale":
            pid = _arg_str(args, "product_id")
            if pid not in self.flash_sales:
                raise CommandError(f"no flash sale of {pid!r} is running")
            ended: list[dict[str, Any]] = []
            self._end_flash_sale(pid, "秒杀已结束", 0.0, ended)
            self._pending += ended
        elif name == "drop_coupon":
            self._drop_coupon(args)
        else:
            raise CommandError(f"unknown command {name!r}")

    def _drop_coupon(self, args: dict[str, Any]) -> None:
        coupon_id = _arg_str(args, "coupon_id")
        kind = args.get("kind")
        if kind not in COUPON_KINDS:
            raise CommandError(f"args.kind must be one of {', '.join(COUPON_KINDS)}")
        if kind == "满减":
            threshold = _arg_int(args, "threshold_fen", low=1)
            discount = _arg_int(args, "discount_fen", low=1)
            if discount >= threshold:
                raise CommandError("args.discount_fen must be below args.threshold_fen")
            label = f"满{threshold / 100:g}减{discount / 100:g}"
        elif kind == "直减":
            discount = _arg_int(args, "discount_fen", low=1)
            label = f"立减{discount / 100:g}元"
        else:
            percent = _arg_int(args, "percent_off", low=1)
            if percent > 99:
                raise CommandError("args.percent_off must be 1–99")
            label = f"{(100 - percent) / 10:g}折"
        quantity = _arg_int(args, "quantity", low=1)
        per_user = _arg_optional_int(args, "per_user_limit", low=1) or 1
        if coupon_id in self.coupons:
            raise CommandError(f"coupon {coupon_id!r} was already dropped")
        self.coupons[coupon_id] = _Coupon(coupon_id, quantity, per_user, self.t)
        self._last_coupon_drop = self.t
        self._pending.append(self._event("system", 0.0, text=f"优惠券来了：{label} 共{quantity}张",
                                         extra={"coupon_id": coupon_id}))


def _ack(command_id: str, result: str, reason: str = "") -> dict[str, Any]:
    ack: dict[str, Any] = {"type": "ack", "command_id": command_id, "result": result}
    if reason:
        ack["reason"] = reason
    return ack


# ---------------------------------------------------------------------------------------------------
# The server


class DemoRoomServer(RoomServer):
    """A running demo room on a websocket. Create it with :func:`serve_demo_room`."""

    task_name = "demo-room-ticker"

    def __init__(self, room: DemoRoom, host: str, room_id: str = "demo", title: str = "") -> None:
        super().__init__(host, room_id, title or "LiveDeck 演示直播间")
        self.room = room

    def on_command(self, item: dict[str, Any]) -> dict[str, Any]:
        return self.room.apply_command(item)

    async def produce(self) -> None:
        """Tick the room every TICK_S and broadcast what each tick made, with a ping now and then."""
        loop = asyncio.get_running_loop()
        last = next_ping = loop.time()
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
) -> DemoRoomServer:
    """Start a demo room listening on ``host:port`` (port 0: any free port) and return it."""
    server = DemoRoomServer(DemoRoom(seed=seed, rate=rate, catalog=catalog), host)
    await server._start(port)
    log.info("demo room listening on %s (seed %s, %s events/s)", server.url, seed, rate)
    return server


class DemoRoomThread(ServerThread):
    """The demo room on its own asyncio loop in a daemon thread, for the GUI (see ServerThread)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, seed: int = 0, rate: float = 8.0,
                 catalog: list[Product] | None = None) -> None:
        super().__init__(
            "livedeck-demo-room", lambda: serve_demo_room(host, port, seed=seed, rate=rate, catalog=catalog)
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
