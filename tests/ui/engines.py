"""Engines the dock and window tests drive."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from app.commerce.catalog import Product
from app.core.clock import ManualClock
from app.engine.session import SessionEngine


def live_engine(products: Iterable[Product] = ()) -> SessionEngine:
    """A SessionEngine on a manual clock with a session started and ``products`` loaded as its
    catalog (none: no catalog)."""
    engine = SessionEngine(clock=ManualClock())
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(engine.start_session("test", "test"))
    finally:
        loop.close()
    catalog = list(products)
    if catalog:
        assert engine.load_catalog(catalog).applied
    return engine
