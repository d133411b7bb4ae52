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


@pytest.mark.parametrize(
    "text", ["扣1", "扣一", "1", "111", " 1 ", "１", "我想要", "要了要了", "已拍", "拍了两件", "刚下单了"]
)
def test_buying_intent(text: str) -> None:
    assert is_buying_intent(text)


@pytest.mark.parametrize("text", ["不想要", "不要了", "没拍了", "12号", "第1个好看", "主播好美", "2", ""])
def test_no_buying_intent(text: str) -> None:
    assert not is_buying_intent(text)


def test_negation_only_cancels_its_own_word() -> None:
    assert is_buying_intent("不想要红色，黑色想要")
