"""The comment classifier's vocabulary: what viewers of a live-commerce room write, by class.

Plain data for :mod:`app.comments.classifier`, which folds every comment first (NFKC, lower case,
traditional → simplified, spaces and decoration dropped, see ``docs/comments.md``), so every word here
is written once, folded: simplified, half-width, lower case, no spaces. Patterns are regular-expression
fragments; plain words are escaped by the classifier. Add a word here, never a second list elsewhere.
"""

from __future__ import annotations

#: Traditional → simplified for the characters viewers use in shopping talk (one pair per character).
TRADITIONAL = (
    "這这個个價价錢钱號号貨货嗎吗發发郵邮運运費费險险碼码優优裡里請请問问幾几麼么時时還还沒没經经單单"
    "謝谢選选適适膚肤們们寶宝買买賣卖貴贵換换維维衛卫對对顏颜實实樣样質质確确點点鏈链車车無无後后讓让"
    "說说話话給给來来會会過过機机長长寬宽鬆松廣广國国級级絕绝頂顶極极專专屬属滿满減减紅红綠绿藍蓝贈赠"
    "劃划愛爱歡欢錯错厲厉聲声貼贴為为幫帮聯联繫系電电網网騙骗壞坏現现預预備备補补庫库倉仓數数總总體体"
    "腳脚襪袜褲裤裝装開开關关歲岁兒儿嬰婴護护潤润飯饭麵面雞鸡魚鱼鮮鲜蝦虾東东區区遠远邊边達达間间題题"
    "認认證证計计進进員员驗验顧顾雙双塊块動动轉转圓圆紙纸書书學学獎奖嘗尝響响頁页頭头髮发臉脸餘余種种"
    "圍围標标準准搶抢撈捞擊击讚赞穩稳處处辦办"
)

#: Characters dropped before matching: spaces and the decoration viewers put between letters ("加·V").
DECORATION = " \t\u3000·・~～-_—–…、,，。.!！*＊'\"“”‘’`^|/\\=<>《》「」【】()（）"

#: A question: a question mark, a question word, or an "A不A" choice ("厚不厚", "发不发").
QUESTION_PATTERNS: tuple[str, ...] = (
    r"\?", "吗", "么", "多少", "多钱", "多久", "多高", "多重", "多大", "多长", "(?<!好)几", "什么", "啥",
    "哪", "有没", "能不能", "可不可以", "是不是", "会不会", "行不行", "有木有", "还是", "呢$",
    "同问", "想知道", "求问", "请问", "谁出", "谁付", "没$", "真的假的", r"(.)不\1",
)
#: Rhetorical "questions" that are complaints ("什么破质量", "怎么又卡了").
RHETORICAL_PATTERNS: tuple[str, ...] = ("什么破", "怎么又", "搞什么")

#: Question kinds in the order they win when a question names more than one topic ("已拍 能退吗" is
#: after-sales, "下单了 有运费险吗" too, not shipping). Each: words that make a question that kind.
QUESTION_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("aftersales", ("退", "换", "售后", "运费险", "无理由", "保修", "质保", "包赔", "破了", "坏了",
                    "发票", "过敏了", "怎么办")),
    ("coupon", ("券", "优惠", "满减", r"满\d+减", "福利", "赠品", "送", "买一送一", "第二件", "半价",
                "红包", "福袋", "折扣", "打折", "叠")),
    ("shipping", ("发货", "快递", "包邮", "偏远", "新疆", "西藏", "内蒙", "港澳台", "海外", "顺丰",
                  "中通", "圆通", "韵达", "申通", "邮政", "京东", "到货", "能到", "几天到", "到上海", "能发",
                  "发吗", "发不发", "寄", "运费", "哪里发", "从哪", "物流", "地址", "当天发", "时候发$",
                  "什么时候发", "啥时候发")),
    ("stock", ("有货", "没货", "现货", "还有", "没了", "补货", "库存", "预售", "售罄", "卖完", "缺货",
               "上架", "还剩", "还能抢", "上车", "颜色", r"[红黑白粉蓝绿灰黄紫卡杏米]色", "白的",
               "还有几")),
    ("size", ("码", "尺寸", "身高", "体重", r"\d+斤", r"\d+kg", r"\d+cm", "多高", "多重", "腰围", "裤长",
              "偏大", "偏小", "宽松", "能穿", "穿什么", "穿几", "穿的什么", "多长", "多大", "容量", "毫升",
              "几斤装", r"(?<![a-z])(?:x{0,3}l|[sm]|\dxl)(?![a-z])", "胖")),
    ("price", ("钱", "价", "便宜", "贵", "几块", "几米", "多少米", "米一", "怎么卖", r"\d+块", r"是\d{2,4}吗",
               "多少$")),
    ("usage", ("怎么用", "用法", "怎么吃", "能用", "可以用", "适合", "敏感肌", "孕妇", "干皮", "油皮", "痘",
               "能吃", "几次", "水洗", "机洗", "掉色", "起球", "透气", "冷", "热", "面料", "材质", "纯棉",
               "成分", "保质期", "味道", "香味", "好用", "好吃", "甜", "辣", "厚", "重不重", "过敏", "见效",
               "飞机", "多大的孩子", "闷", "[早晚]上用")),
)
#: Words that are a question of their kind without a question word ("一号价格", "缺货了").
BARE_QUESTIONS: tuple[tuple[str, str], ...] = (
    ("价格$", "price"), ("尺码表", "size"), ("售罄", "stock"), ("缺货", "stock"),
)

#: Buying intent ("扣1", "想要", "已拍", "冲"): searched anywhere in the folded comment.
INTENT_PATTERNS: tuple[str, ...] = (
    "扣1", "扣一", "想要", "想yao", "相要", "要了", "我要", "要要", r"要\d+号", "已拍", "已pai", "拍了",
    "拍啦", "拍下", "下单", "付款", "付了", "买了", "冲冲", "抢到了", "已上车", "求链接", r"[快等]点?上链接",
    "来一单", "来一个", "给我来", r"\+1", "已经下单",
    # A quantity taken or asked for: "拍3件了", "要一个", "要两套", "给我留一件".
    r"(?:^[来买要]|拍了?|买了?)[\d一两二三四五]+[件个单份套](?![多月天])", "给我留", "帮我留",
    r"[们家妹]冲+$", r"^冲+[鸭呀啊]", r"^快?点?上链接",
    # Paid, grabbed, bought, waiting for the link: "付完款了", "抢到两件", "已买", "蹲链接", "我也要".
    r"付[了完过好]款", "抢到", "已买", "已经买", "已入", r"^蹲", r"^我?也要[了啊呀!]*$", "再要", "还要一",
)
#: Buying intent only as the whole comment (emoji and punctuation aside): "1", "冲", "要", "蹲".
INTENT_WHOLE = (
    r"[1一]+", r"k1", r"冲+", r"要+", r"蹲(?:一个|\d+号)?", r"上车",
)
#: An intent word after a negation says the opposite ("不想要了", "还没下单", "别买").
NEGATIONS = r"(?:不|没|别|还没|不用)(?:想|再|用|太|去)?"
NEGATABLE = ("想要", "要了", "要", "拍了", "拍", "下单", "买了", "买", "冲", "抢到")
#: "想要 but …": wanting it and saying why not ("想要但是没钱", "想要又怕不合适").
HESITATION = r"想要(?:的|.{0,2}(?:但|可是|可惜|又怕|就是|不过))"
#: Talk of taking a purchase back: never buying intent ("下单了想退款", "已拍 能退吗", "拍错了").
REFUND_PATTERNS = ("退", "拍错", "取消订单")
#: Someone asking others to buy, not buying ("想要的扣1", "大家扣1").
CALLS_TO_BUY = ("想要的扣", "大家扣", "的扣1")

#: Spam and ads. Contact words that precede an id ("v信 zz88990", "wx:meimei_888").
CONTACT_WORDS = ("v信", "vx", "wx", "微信", "薇信", "威信", "卫星", "微", "薇", "威", "维", "v", "qq",
                 "扣扣", "q群", "群号", "群", "q")
#: "加" (or "+", "➕", "伽") before a contact word: "加V", "+v看主页", "加微".
ADD_PREFIX = r"[加+➕伽]"
ADD_TARGETS = ("v", "微", "薇", "维", "威", "卫", "q", "扣扣")
#: Web addresses and short links (searched before decoration is dropped, so dots count).
LINK_PATTERN = (r"https?://|www\.|[a-z0-9]\.(?:com|cn|cc|net|top|xyz|me|ly)\b|t\.cn/|tb\.cn/|bit\.ly")
#: Ad words on their own.
SPAM_WORDS = (
    "代理", "招募", "招聘", "兼职", "刷单", "日结", "日赚", "私我", "私信我", "私聊", "主页", "头像",
    "微商", "货源", "一件代发", "厂家直销", "工厂价", "拿货", "进群", "加群", "互粉", "涨粉", "推广",
    "赚钱", "要粉丝", "同款更便宜", "同款便宜", "内部价", "关注我送",
)

#: Complaints: delivery, quality, service, price, the stream itself.
COMPLAINT_PATTERNS: tuple[str, ...] = (
    "没发货", "不发货", "不发", "还没发", "太慢", "慢死", "好慢", "物流都不", "不更新", "没动", "没收到",
    "还没到", "不回", "不理", "态度", "太差", "很差", "好差", "真差", "质量不行", "质量差", "垃圾",
    "骗", "坑", "假货", "后悔",
    "起球了", "掉色严重", "缩水", "开线", "坏的", "坏了", "破了", "异味", "味道太大", "不一样", "涨价",
    "退款还没", "不给退", "一直不给", "发错", "少发", "贵", "不值", "抢不到", "没抢到", "手慢", "领不了",
    "用不了", "不好看", "不准", "太小了", "穿不了", "割韭菜", "智商税", "踩雷", "拖", "磨叽", "磨磨唧唧",
    "等半天", r"等了.{0,2}天", "卡了", "画面卡", "又卡", "太卡", "声音太小", "看不到", "再也不买", "别买",
    "差评", "破质量", "比这便宜", "别家", r"(?:一周|一个礼拜|几天)了还",
)

#: Praise: looks, quality, value, the anchor.
PRAISE_PATTERNS: tuple[str, ...] = (
    "好看", "漂亮", "好美", "真美", "美美", "太美", "很美", "你好美", "喜欢", "爱了", "太爱", "绝绝子",
    "yyds", "划算", "超值", "性价比", "物美价廉", "好用", "好吃", "不错", "很好", "真好", "好评", "回购",
    r"第.次买", "一直在买", "推荐", "辛苦", "支持", "主播加油", "真香", "(?<!点)赞", "nice", "👍", "👏",
    "舒服", "好听", "可爱", "绝了", "开心", "好正", "讲得", "^真?便宜$", "美哭",
)
#: A praise word negated or asked about is no praise ("不好看", "好用吗").
NOT_PRAISE = r"不(?:好看|漂亮|好用|好吃|喜欢|划算|舒服)|(?:好用|好吃|好看)(?:吗|不)"

#: Chinese numerals for product numbers ("三号", "十五号") and spelled-out phone numbers.
CHINESE_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
                  "九": 9}
