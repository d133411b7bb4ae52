"""The review's charts read at a glance at any window size: the keyword bars and the timeline's markers
never overlap (their text extents measured by matplotlib's renderer), markers are horizontal and
translated, each product's explain windows have their own colour, named in the legend."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations
from typing import Any

import pytest

from app.core import i18n
from app.review.explain_windows import ExplainWindow
from app.review.timeline import Marker, TimelinePoint
from ui.review.review_charts import KeywordChart, ReviewTimeline

T0 = 1_767_268_800.0
SIZES = [(420, 260), (700, 420), (1040, 520), (1366, 330), (360, 700), (1900, 900)]
WORDS = [(w, 400 - i * 13) for i, w in enumerate(
    ["好看", "想要", "多少钱", "超级无敌好看的连衣裙", "包邮", "优惠券", "发货", "尺码", "喜欢", "主播",
     "颜色", "链接", "质量", "面料", "纯棉", "宽松", "显瘦", "上身效果", "库存", "抢到了", "已拍", "回购",
     "便宜", "划算", "太值了", "还有吗", "什么时候", "几号链接", "福袋", "秒杀"])]


@pytest.fixture
def english() -> Iterator[None]:
    before = i18n.language()
    i18n.set_language("en")
    yield
    i18n.set_language(before)


def boxes(artists: list[Any], renderer: Any) -> list[Any]:
    return [a.get_window_extent(renderer) for a in artists]


def assert_apart(artists: list[Any], renderer: Any) -> None:
    for (a, box_a), (b, box_b) in combinations(zip(artists, boxes(artists, renderer), strict=True), 2):
        assert not box_a.overlaps(box_b), f"{a.get_text()!r} overlaps {b.get_text()!r}"


def rendered(qtbot: Any, chart: Any, size: tuple[int, int]) -> Any:
    chart.resize(*size)
    chart.show()
    qtbot.waitExposed(chart)
    chart.draw()
    return chart.get_renderer()


@pytest.mark.parametrize("size", SIZES)
def test_keyword_labels_never_overlap_and_stay_on_the_chart(qtbot: Any, size: tuple[int, int]) -> None:
    chart = KeywordChart()
    qtbot.addWidget(chart)
    chart.set_words(WORDS)
    renderer = rendered(qtbot, chart, size)
    labels = chart.label_artists()
    assert len(chart.shown) >= 1
    assert len(labels) == 2 * len(chart.shown)  # each word and its count
    assert [t.get_text() for t in chart.ax.get_yticklabels()][::-1] == [w for w, _ in chart.shown]
    assert chart.shown == WORDS[:len(chart.shown)]  # the most frequent, top first
    assert_apart(labels, renderer)
    figure = chart.figure.bbox
    for box in boxes(labels, renderer):
        assert figure.x0 <= box.x0
        assert box.x1 <= figure.x1
        assert figure.y0 <= box.y0
        assert box.y1 <= figure.y1


def test_a_tall_keyword_chart_shows_the_top_twenty(qtbot: Any) -> None:
    chart = KeywordChart()
    qtbot.addWidget(chart)
    chart.set_words(WORDS)
    rendered(qtbot, chart, (600, 900))
    assert len(chart.shown) == 20
    rendered(qtbot, chart, (600, 260))
    assert 3 <= len(chart.shown) < 20  # fewer rows, each still readable


def show_data(markers: int, products: int) -> dict[str, Any]:
    points = [TimelinePoint(T0 + m * 60, 500 + m, 500.0 + m, 30, 2, 1000, 1000 * (m + 1)) for m in range(60)]
    windows = [ExplainWindow(i + 1, f"p{i}", f"商品{i + 1}号春秋款", T0 + i * 400, T0 + i * 400 + 300)
               for i in range(products)]
    kinds = ["flash_sale_start", "flash_sale_end", "coupon_drop", "alert", "lucky_bag"]
    marks = [Marker(T0 + 300 + i * 25, kinds[i % len(kinds)],
                    f"秒杀开始 {i}号 春秋款宽松纯棉T恤" if kinds[i % len(kinds)] == "flash_sale_start" else "评论突增")
             for i in range(markers)]
    return {"points": points, "start": T0, "end": T0 + 3600, "windows": windows, "markers": marks}


@pytest.mark.parametrize("size", SIZES)
def test_timeline_markers_are_horizontal_and_never_overlap(qtbot: Any, size: tuple[int, int]) -> None:
    chart = ReviewTimeline()
    qtbot.addWidget(chart)
    chart.set_data(**show_data(markers=14, products=4))  # 14 markers within 6 minutes of an hour's show
    renderer = rendered(qtbot, chart, size)
    labels = chart.marker_labels()
    assert labels, "no marker label fits"
    assert all(t.get_rotation() == 0 for t in labels)
    titles = list(chart._titles.values())
    assert_apart(labels + titles, renderer)
    legend = chart._legend.get_window_extent(renderer)
    for box in boxes(labels, renderer):
        assert not box.overlaps(legend)
        assert box.x1 <= chart.figure.bbox.x1


def test_spread_markers_are_all_labelled_in_one_row(qtbot: Any) -> None:
    chart = ReviewTimeline()
    qtbot.addWidget(chart)
    data = show_data(markers=0, products=1)
    data["markers"] = [Marker(T0 + 300 + i * 600, "coupon_drop", "") for i in range(5)]
    chart.set_data(**data)
    renderer = rendered(qtbot, chart, (1200, 520))
    labels = chart.marker_labels()
    assert len(labels) == 5
    assert len({round(t.get_window_extent(renderer).y0) for t in labels}) == 1


def test_crowded_markers_stack_in_rows(qtbot: Any) -> None:
    chart = ReviewTimeline()
    qtbot.addWidget(chart)
    chart.set_data(**show_data(markers=6, products=1))  # 6 markers within 2 minutes
    renderer = rendered(qtbot, chart, (1200, 600))
    rows = {round(t.get_window_extent(renderer).y0) for t in chart.marker_labels()}
    assert len(rows) >= 3


def test_each_product_has_its_own_colour_named_in_the_legend(qtbot: Any) -> None:
    chart = ReviewTimeline()
    qtbot.addWidget(chart)
    chart.set_data(**show_data(markers=5, products=4))
    rendered(qtbot, chart, (1200, 600))
    texts = [t.get_text() for t in chart._legend.get_texts()]
    assert texts[:4] == ["1号 商品1号春秋款", "2号 商品2号春秋款", "3号 商品3号春秋款", "4号 商品4号春秋款"]
    assert texts[4:] == ["秒杀开始", "秒杀结束", "发券", "系统提醒", "福袋"]
    shaded = {tuple(p.get_facecolor()[:3]) for p in chart.ax_online.patches}
    assert len(shaded) == 4


def test_timeline_speaks_english_in_english(qtbot: Any, english: None) -> None:
    chart = ReviewTimeline()
    qtbot.addWidget(chart)
    data = show_data(markers=0, products=1)
    data["markers"] = [Marker(T0 + 900, "alert", "评论突增"), Marker(T0 + 1800, "coupon_drop", "发放优惠券")]
    chart.set_data(**data)
    rendered(qtbot, chart, (1200, 600))
    assert [t.get_text() for t in chart.marker_labels()] == ["Alert", "Drop coupon"]
    assert [t.get_text() for t in chart._legend.get_texts()][1:] == ["Alert", "Drop coupon"]
