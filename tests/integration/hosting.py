"""The anchor's side of a multi-seat show, for the hub's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.engine.session import SessionEngine
from app.rooms.hub import HubServer
from app.show.show import Show
from app.store.session_log import SessionLog

TOKENS = {"assistant": "assistant-secret-token-1", "viewer": "viewer-secret-token-2"}


@asynccontextmanager
async def hosting(db: Path) -> AsyncIterator[tuple[SessionEngine, HubServer]]:
    """The anchor's side: an engine recording a session (with the demo catalog) and its hub."""
    with SessionLog(db) as session_log:
        engine = SessionEngine(session_log)
        engine.load_catalog(load_products_csv(demo_catalog_path()))
        async with Show(engine):
            await engine.start_session("晚场", "generic:ws://room")
            async with HubServer(engine, tokens=TOKENS) as hub:
                yield engine, hub
            await engine.end_session()
