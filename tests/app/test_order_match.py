"""Which product an order from the platform's console page is for (app/connectors/console/order_match.py):
the exact product id, then the platform id remembered at import, then a unique normalised title; an
ambiguous or missing match is unmatched — counted, never dropped, never guessed."""

from __future__ import annotations

from app.commerce.catalog import Product
from app.connectors.console.order_match import (
    UNMATCHED,
    OrderMatcher,
    match_product,
    normalised_title,
    platform_id_of,
)
from app.core.events import Kind, LiveEvent

NUTS = Product(1, "1", "每日坚果 礼盒装", 5990, platform_id="3581000001")
TEA = Product(2, "SKU-TEA", "Oolong 乌龙茶", 2990)
SOCKS = Product(3, "3", "纯棉袜子", 1990, platform_id="3581000003")


def _order(product_id: str, title: str, units: int = 1, msg_id: str = "o1") -> LiveEvent:
    return LiveEvent(Kind.ORDER, 1.0, user_name="买家", text=title, count=units, product_id=product_id, msg_id=msg_id)


def test_the_exact_product_id_wins() -> None:
    match = match_product([NUTS, TEA, SOCKS], "SKU-TEA", "别的标题")
    assert (match.product, match.rule) == (TEA, "product_id")


def test_the_platform_id_remembered_at_import_is_next() -> None:
    match = match_product([NUTS, TEA, SOCKS], "3581000003", "平台上改过的标题")
    assert (match.product, match.rule) == (SOCKS, "platform_id")


def test_a_unique_title_matches_across_width_spaces_and_case() -> None:
    match = match_product([NUTS, TEA, SOCKS], "999", "ＯＯＬＯＮＧ　乌龙茶")  # full-width letters and space
    assert (match.product, match.rule) == (TEA, "title")
    assert normalised_title(" 每日坚果\t礼盒装 ") == normalised_title("每日坚果礼盒装")


def test_two_products_with_the_same_title_match_nothing() -> None:
    twin = Product(4, "4", "纯棉 袜子", 2490)
    match = match_product([NUTS, SOCKS, twin], "999", "纯棉袜子")
    assert (match.product, match.rule) == (None, UNMATCHED)


def test_a_platform_id_two_products_share_is_not_guessed_from_the_title() -> None:
    copy = Product(4, "4", "纯棉袜子 新款", 2490, platform_id="3581000003")
    assert match_product([SOCKS, copy], "3581000003", "纯棉袜子").rule == UNMATCHED


def test_nothing_matches_an_unknown_id_with_an_unknown_or_empty_title() -> None:
    assert match_product([NUTS, TEA], "999", "没有的商品").product is None
    assert match_product([NUTS, TEA], "", "").product is None
    assert match_product([], "1", "每日坚果礼盒装").product is None


def test_a_matched_order_gets_livedecks_id_and_price_times_units_an_unmatched_one_is_kept_without_money() -> None:
    matcher = OrderMatcher(lambda: [NUTS, TEA, SOCKS])
    comment = LiveEvent(Kind.COMMENT, 1.0, text="3号有货吗", msg_id="c1")
    matched, unmatched = _order("3581000001", "每日坚果礼盒装", 2), _order("777", "不在列表里", 3, "o2")
    matcher.attribute([comment, matched, unmatched])
    assert (matched.product_id, matched.amount_fen, matched.count) == ("1", 2 * 5990, 2)
    assert matched.extra == {"product_match": "platform_id", "platform_product_id": "3581000001"}
    assert (unmatched.product_id, unmatched.amount_fen, unmatched.count) == ("777", 0, 3)
    assert unmatched.extra == {"product_match": UNMATCHED}
    assert comment.extra is None
    assert comment.product_id == ""
    tally = matcher.tally
    assert (tally.orders, tally.gmv_fen, tally.unmatched) == (2, 2 * 5990, 1)


def test_the_price_is_the_queues_at_the_time_of_the_order() -> None:
    queue = [Product(1, "1", "每日坚果", 5990)]
    matcher = OrderMatcher(lambda: queue)
    first = _order("1", "每日坚果")
    matcher.attribute([first])
    queue[0] = Product(1, "1", "每日坚果", 4990)  # the price was changed during the show
    second = _order("1", "每日坚果", msg_id="o2")
    matcher.attribute([second])
    assert (first.amount_fen, second.amount_fen) == (5990, 4990)


def test_imported_goods_take_the_platform_id_of_their_title_or_of_their_place_among_twins() -> None:
    goods = [("p1", "纯棉袜子"), ("p2", "每日坚果"), ("p3", "纯棉袜子")]
    assert platform_id_of(2, "每日坚果", goods) == "p2"
    assert platform_id_of(3, "纯棉 袜子", goods) == "p3"  # two of that title: the one at 3号's place
    assert platform_id_of(2, "纯棉袜子", goods) == ""  # twins, and the 2nd is another product: none
    assert platform_id_of(4, "新品", goods) == ""
    assert platform_id_of(1, "纯棉袜子", []) == ""
