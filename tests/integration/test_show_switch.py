"""Show.switch: the new source is connected first; only then does the running session end."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import pytest

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.events import Command, Kind
from app.rooms.demo import DemoRoomThread
from app.show import show as show_module
from app.show.show import Show, SourceSpec, SourceUnreachableError, open_show
from app.sources import make_source
from app.sources.base import SourceState, WebSocketSource
from app.store.session_log import SessionLog
from tests.waiting import wait_until


def _closed_port() -> int:
    """A loopback port nothing listens on (bound once, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _live_with_a_sale(show: Show, url: str) -> int:
    sid = await show.start(SourceSpec("generic", url))
    await wait_until(lambda: show.source is not None and show.source.status.state is SourceState.LIVE
                     and show.engine.state.events > 20, timeout=15, what="the first room live")
    assert show.engine.execute(Command("start_flash_sale", {"no": 3, "price_fen": 6990, "stock": 50,
                                                           "duration_s": 120})).applied
    return sid


def test_a_source_that_does_not_answer_leaves_the_show_running(tmp_path: Path) -> None:
    room = DemoRoomThread(seed=3, rate=50)
    room.start()
    dead = f"ws://127.0.0.1:{_closed_port()}"

    async def main() -> tuple[str, int, int | None, bool, str, int]:
        async with open_show(tmp_path / "s.sqlite", load_products_csv(demo_catalog_path())) as show:
            sid = await _live_with_a_sale(show, room.url)
            first_source = show.source
            with pytest.raises(SourceUnreachableError) as caught:
                await show.switch(SourceSpec("generic", dead))
            events = show.engine.state.events
            # The show goes on: same session, same source, still reading, the sale still counting down.
            await wait_until(lambda: show.engine.state.events > events + 10, what="more events after the failure")
            sale = next(iter(show.engine.state.flash_sales.values()))
            assert first_source is not None
            return (str(caught.value), sid, show.engine.state.session_id, show.source is first_source,
                    sale.status, first_source.status.events)

    try:
        message, sid, running_id, same_source, sale_status, events = asyncio.run(main())
    finally:
        room.stop()
    assert message == "没有连上新的直播源（连接被拒绝）"
    assert running_id == sid
    assert same_source
    assert sale_status == "live"
    assert events > 0
    with SessionLog(tmp_path / "s.sqlite") as log:
        assert [s["id"] for s in log.sessions()] == [sid]  # no session was opened for the dead address


def test_a_source_that_never_finishes_the_handshake_is_given_up_after_the_timeout(tmp_path: Path) -> None:
    async def main() -> str:
        accepted: list[asyncio.StreamWriter] = []
        silent = await asyncio.start_server(lambda _r, w: accepted.append(w), "127.0.0.1", 0)  # never answers
        port = silent.sockets[0].getsockname()[1]
        try:
            async with open_show(tmp_path / "s.sqlite") as show:
                with pytest.raises(SourceUnreachableError) as caught:
                    await show.switch(SourceSpec("generic", f"ws://127.0.0.1:{port}"), timeout=0.3)
                assert not show.running
                assert show.source is None
                return caught.value.reason
        finally:
            for writer in accepted:
                writer.close()
            silent.close()
            await silent.wait_closed()

    assert asyncio.run(main()) == "0 秒内没有连上"


def test_switching_to_a_room_that_answers_ends_the_old_session_and_records_the_new_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, second = DemoRoomThread(seed=3, rate=50), DemoRoomThread(seed=4, rate=50)
    first.start()
    second.start()
    made: list[WebSocketSource] = []  # the real sources the show makes, to watch the new one

    def watched(*args: Any, **kwargs: Any) -> WebSocketSource:
        made.append(make_source(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(show_module, "make_source", watched)

    async def main() -> tuple[int, int, int]:
        async with open_show(tmp_path / "s.sqlite", load_products_csv(demo_catalog_path())) as show:
            old = await _live_with_a_sale(show, first.url)
            end_session = show.engine.end_session

            async def slow_end(status: str = "ended") -> None:  # a slow disk: the new room talks meanwhile
                await wait_until(lambda: made[-1].status.events > 0, what="the new room's first events")
                await end_session(status)

            monkeypatch.setattr(show.engine, "end_session", slow_end)
            new = await show.switch(SourceSpec("generic", second.url))
            source = show.source
            assert show.engine.state.session_id == new
            assert source is not None
            assert source.url == second.url
            assert source.status.state is SourceState.LIVE
            assert not show.engine.state.flash_sales  # the old show's sale ended with it
            await wait_until(lambda: show.engine.state.counts[Kind.VIEWER_STATS] > 0, timeout=10,
                             what="the second room's events in the new session")
            await show.stop()
            return old, new, source.status.events

    try:
        old, new, delivered = asyncio.run(main())
    finally:
        first.stop()
        second.stop()
    assert new != old
    with SessionLog(tmp_path / "s.sqlite") as log:
        sessions = {s["id"]: s for s in log.sessions()}
        assert sessions[old]["status"] == "ended"
        assert sessions[new]["status"] == "ended"
        assert second.url in sessions[new]["source"]
        # Everything the second room sent is in the new session, including what came while the old
        # session was ending (held, not lost, not counted in the old one).
        room_events = log.count_events(new) - log.count_events(new, Kind.SYSTEM)
        assert room_events == delivered > 0
