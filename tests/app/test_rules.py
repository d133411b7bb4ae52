import pytest

from app.comments.rules import is_buying_intent, is_question


@pytest.mark.parametrize(
    "text",
    [
        "3号有货吗",
        "多少钱",
        "怎么用",
        "这是什么材质",
        "有没有大码",
        "几号链接",
        "能发顺丰?",
        "包邮？",
        "啥时候发货",
    ],
)
def test_questions(text: str) -> None:
    assert is_question(text)


@pytest.mark.parametrize("text", ["好看", "主播好美", "扣1", "已拍", "哈哈哈", ""])
def test_not_questions(text: str) -> None:
    assert not is_question(text)


INTENT = ["扣1", "扣一", "1", "111", " 1 ", "１", "想要", "我想要", "要了", "我要了", "要了要了", "已拍", "拍了两件",
          "刚下单了", "想要想要", "3号想要"]
# Negated, or about a refund or a mistake: a viewer who says these does not want to buy (any more).
NOT_INTENT = ["不想要了", "不要了", "不想要", "别要", "别要了", "退款", "退了", "下单了退款", "拍错了", "没拍了",
              "还没下单", "不要了不要了", "已拍，退款怎么弄", "12号", "第1个好看", "主播好美", "2", ""]


@pytest.mark.parametrize("text", INTENT)
def test_buying_intent(text: str) -> None:
    assert is_buying_intent(text)


@pytest.mark.parametrize("text", NOT_INTENT)
def test_no_buying_intent(text: str) -> None:
    assert not is_buying_intent(text)


def test_negation_only_cancels_its_own_word() -> None:
    assert is_buying_intent("不想要红色，黑色想要")
    assert is_buying_intent("不要了，换2号想要")
