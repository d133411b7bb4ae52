"""What the demo room's viewers are called and what they say, send and buy.

Texts are drawn from pools built once per room (:func:`build_comment_pool`, :func:`build_product_pool`),
so that generating an event is a few ``random()`` calls and a dict: the room must keep up with 20,000
events/s. Everything here is data or a pure function of a ``random.Random``.
"""

from __future__ import annotations

import random

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
    "{no}号什么颜色好看", "求{no}号", "{no}号能再讲一遍吗", "{no}号拍了", "{no}号发货快吗",
)
#: Said only about a product that is (nearly) sold out: see ``LOW_STOCK``.
STOCK_TALK = (
    "{no}号怎么没库存了", "{no}号没货了吗", "{no}号还补货吗", "{no}号什么时候补货", "{no}号抢不到了",
    "{no}号卖完了", "{no}号就剩几件了", "{no}号快没了",
)
#: A product with at most this many units left is low on stock: viewers may notice and say so.
LOW_STOCK = 20
_INTENT = (
    "扣1", "想要", "已拍", "1", "111", "拍了拍了", "冲", "要了", "已下单", "想要+1", "我也要", "扣1扣1",
)
_EXPLAINING = (
    "{no}号还有吗", "这个多少钱", "这个怎么买", "库存还有多少", "链接在哪", "能便宜点吗", "到手多少钱",
    "怎么没有{no}号链接", "有赠品吗", "{no}号拍了", "这个好", "有别的颜色吗", "买两件有优惠吗",
)
FLASH_TALK = (
    "抢到了！", "没抢到", "秒杀还有吗", "再上点库存", "手慢了", "已抢", "好快", "还能加库存吗",
    "抢到了谢谢主播",
)
COUPON_TALK = ("领到券了", "券领不了", "券怎么用", "还有券吗", "领了领了", "券能叠加吗")

# (name, value of one item in fen, weight). 1 抖币/钻 = 0.1 yuan; cheap gifts dominate.
_GIFTS = (
    ("小心心", 10, 30.0), ("玫瑰", 10, 20.0), ("人气票", 10, 15.0), ("大啤酒", 20, 8.0),
    ("棒棒糖", 90, 8.0), ("墨镜", 100, 4.0), ("加油鸭", 150, 6.0), ("爱你哟", 520, 3.0),
    ("比心兔兔", 990, 2.0), ("礼花筒", 1990, 1.5), ("为你闪耀", 4990, 0.5), ("跑车", 12000, 0.3),
    ("嘉年华", 300000, 0.05),
)
_CHEAP_GIFT_COUNTS = (1, 1, 1, 1, 1, 1, 2, 3, 5, 10, 10, 66, 99)
LIKE_COUNTS = tuple([1] * 6 + [2] * 4 + [3] * 3 + [5] * 2 + list(range(1, 21)))
ORDER_COUNTS = (1, 1, 1, 1, 1, 1, 1, 2, 2, 3)


def build_names(rng: random.Random, size: int) -> list[str]:
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


def build_comment_pool(rng: random.Random, numbers: list[int]) -> list[str]:
    """General chatter, weighted by repetition: greetings, praise and intent dominate a selling room;
    about one comment in five asks something (``app.comments.classifier.is_question``)."""
    pool: list[str] = []
    pool += [rng.choice(_GREETINGS) for _ in range(300)]
    pool += [rng.choice(_PRAISE) for _ in range(260)]
    pool += [rng.choice(_COMPLAINTS) for _ in range(60)]
    pool += [rng.choice(_QUESTIONS) for _ in range(100)]
    pool += [_fill(rng.choice(_SIZE_QUESTIONS), rng, numbers) for _ in range(30)]
    pool += [_fill(rng.choice(_NUMBERED), rng, numbers) for _ in range(130)]
    pool += [rng.choice(_INTENT) for _ in range(260)]
    rng.shuffle(pool)
    return pool


def build_product_pool(rng: random.Random, no: int) -> list[str]:
    """What viewers say while product ``no`` is being explained: mostly 扣1 and praise, some questions."""
    pool = [t.format(no=no) for t in _EXPLAINING for _ in range(2)]
    pool += list(_INTENT) * 4
    pool += list(_PRAISE) * 2
    rng.shuffle(pool)
    return pool


def stock_talk(rng: random.Random, numbers: list[int]) -> str:
    """A comment about the low stock of one of ``numbers`` (products with at most ``LOW_STOCK`` left)."""
    return STOCK_TALK[int(rng.random() * len(STOCK_TALK))].format(no=numbers[int(rng.random() * len(numbers))])


#: One gift as the room draws it: (name, value of one item in fen, the counts one viewer sends at once).
GiftChoice = tuple[str, int, tuple[int, ...]]


def build_gift_table() -> list[GiftChoice]:
    """Gifts repeated by weight, so one uniform draw picks a believable one."""
    table: list[GiftChoice] = []
    for name, value, weight in _GIFTS:
        counts: tuple[int, ...] = _CHEAP_GIFT_COUNTS if value <= 20 else (1, 1, 1, 1, 2)
        table += [(name, value, counts)] * max(1, round(weight * 10))
    return table
