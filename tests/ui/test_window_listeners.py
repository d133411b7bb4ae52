"""A closed console window stops listening: the show and its metrics never call into deleted widgets."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
import shiboken6
from pytestqt.qtbot import QtBot

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.settings import Settings
from app.engine.session import SessionEngine
from app.metrics.tracker import MetricsTracker
from app.show.show import Show, SourceSpec
from tests.ui.conftest import wait_until
from ui.live.main_window import MainWindow


def test_show_and_metrics_outliving_a_closed_window_do_not_call_into_it(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LIVEDECK_HOME", str(tmp_path))
    products = load_products_csv(demo_catalog_path())

    async def scenario() -> None:
        engine = SessionEngine()
        metrics = MetricsTracker(submit=engine.submit, products=products)
        async with Show(engine, metrics) as show:
            window = MainWindow(engine, show, SourceSpec("generic", "ws://127.0.0.1:9"), products,
                               Settings(tmp_path / "s.json"))
            window.show()
            await window.start_session()
            await wait_until(lambda: show.source is not None)
            window.close_now()  # mid-show, without the question a user would get
            shiboken6.delete(window)  # the window is gone; the show goes on ending
            caplog.clear()
            with caplog.at_level(logging.ERROR):
                metrics.snapshot()  # the per-second snapshot reaches every snapshot listener
                metrics._alert("online_drop", "在线人数下降", 1.0e9)  # an alert reaches every alert listener
                await show.stop()  # the source's status changes to stopped
                await asyncio.sleep(0.05)
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert errors == [], [r.getMessage() for r in errors]

    qloop.run_until_complete(scenario())
