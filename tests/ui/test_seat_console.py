"""A seat's console (`livedeck --source <hub> --token T --seat 小王`) shows a command's effect only once the
host applied it: a real MainWindow on a real HubServer over loopback, the host with its own catalog."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.events import Command
from app.core.settings import Settings
from app.engine.session import SessionEngine
from app.rooms.hub import HubServer
from app.show.show import Show, SourceSpec
from app.sources.base import SourceState
from app.store.session_log import SessionLog
from tests.waiting import wait_until
from ui.live.main_window import MainWindow
from ui.live.product_queue import QueueRole

TOKEN = "assistant-secret-token-1"


@pytest.mark.qt_log_ignore(r"This plugin does not support (raise\(\)|grabbing the keyboard)")
def test_the_seat_waits_for_the_host_and_shows_its_refusal(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    catalog = load_products_csv(demo_catalog_path())

    async def scenario() -> list[tuple[str, bool, str]]:
        seen: list[tuple[str, bool, str]] = []  # (status bar, 9号 shown 讲解中, its status tag)
        with SessionLog(tmp_path / "host.sqlite") as host_log, SessionLog(tmp_path / "seat.sqlite") as seat_log:
            host = SessionEngine(host_log)
            host.load_catalog(catalog)
            async with Show(host):
                await host.start_session("晚场", "generic:ws://room")
                assert host.execute(Command("unlist", {"no": 9})).applied  # the seat's catalog still lists it
                async with HubServer(host, tokens={"assistant": TOKEN}) as hub:
                    seat = SessionEngine(seat_log)
                    async with Show(seat) as show:
                        spec = SourceSpec("generic", hub.url, {"token": TOKEN, "seat": "小王"})
                        window = MainWindow(seat, show, spec, catalog, Settings(tmp_path / "s.json"))
                        qtbot.addWidget(window)
                        window.show()
                        await window.start_session()
                        await wait_until(lambda: bool(hub.seats) and show.source is not None
                                         and show.source.status.state is SourceState.LIVE,
                                         what="the seat joined and its link is live")
                        panel, model = window.queue_panel, window.products

                        def look() -> tuple[str, bool, str]:
                            row = model.index(model.row_of(9), 0)
                            return (window.statusBar().currentMessage(), bool(row.data(QueueRole.EXPLAINING)),
                                    str(row.data(QueueRole.STATUS)))

                        panel.select_no(9)
                        panel.explain_button.click()
                        seen.append(look())
                        await wait_until(lambda: "拒绝" in window.statusBar().currentMessage(),
                                         what="the host's refusal on the status bar")
                        seen.append(look())
                        assert host.execute(Command("list", {"no": 9})).applied  # the anchor lists it
                        panel.explain_button.click()
                        await wait_until(lambda: seat.state.explaining == 9, what="the host's ack")
                        seen.append(look())
                        window.close()
                        await show.stop()
                await host.end_session()
        return seen

    waiting, refused, applied = qloop.run_until_complete(scenario())
    assert waiting == ("等待主播端确认…", False, "")
    assert refused == ("主播端拒绝了：9 号商品已下架，先上架再讲解", False, "")
    assert applied == ("正在讲解 9 号，商品卡已推送", True, "讲解中")
