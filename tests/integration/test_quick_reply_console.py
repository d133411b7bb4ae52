"""A quick reply reaches the platform's own comment list: the reply sender posts through the console
connector driving the fake 巨量百应 page in headless Chromium; before the page is connected it is copied."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.comments.replies import fill
from app.connectors.quick_reply import ReplySender, reply_values
from app.core.events import Command
from tests.fakes.console_page.server import FakeConsole
from tests.integration.test_console_buyin import console_show, fake  # noqa: F401  (the page fixture)
from tests.waiting import wait_until


def test_a_quick_reply_reaches_the_fake_console_pages_comment_list(fake: FakeConsole, tmp_path: Path) -> None:  # noqa: F811
    async def scenario() -> None:
        async with console_show(fake, tmp_path) as (engine, console):
            copied: list[str] = []
            sender = ReplySender(engine, lambda: console, copied.append)
            assert engine.execute(Command("explain", {"no": 3})).applied
            text = fill("{序号}号{商品}，到手价{价格}元", reply_values(engine.state, engine.clock.monotonic()))
            outcome = sender.send(text, pin=True)
            assert outcome.outcome == "sent"
            await wait_until(lambda: any(c["content"] == text for c in fake.posted()), 10,
                             what="the reply in the page's comment list")
            assert [c["pinned"] for c in fake.posted() if c["content"] == text] == [True]
            assert sender.send("全网最低价").outcome == "refused"
            assert all(c["content"] != "全网最低价" for c in fake.posted())
            assert copied == []

    asyncio.run(scenario())
