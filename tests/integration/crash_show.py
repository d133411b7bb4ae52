"""A headless show for tests/integration/test_crash_resume.py, run in its own process to be SIGKILLed.

``python -m tests.integration.crash_show ROOM_URL DB``: the show's parts as the console builds them
(app.show.show.open_show), a session on the room, 3号 explained, a flash sale of 3号 started, 5号 pinned
and a coupon dropped; prints ``ready`` and records until it is killed.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.events import Command
from app.show.show import SourceSpec, open_show
from app.sources.base import SourceState

SALE = {"no": 3, "price_fen": 6990, "stock": 300, "duration_s": 120}
COUPON = {"kind": "满减", "threshold_fen": 10000, "discount_fen": 1000, "quantity": 500, "coupon_id": "cp"}


async def main(url: str, db: Path) -> None:
    async with open_show(db, load_products_csv(demo_catalog_path())) as show:
        await show.start(SourceSpec("generic", url), "彩排")
        while show.source is None or show.source.status.state is not SourceState.LIVE:
            await asyncio.sleep(0.01)  # the room hears the commands only once connected
        engine = show.engine
        for command in (Command("explain", {"no": 3}, command_id="ex-3"),
                        Command("pin_product", {"no": 5}, command_id="pin-5"),
                        Command("start_flash_sale", SALE, command_id="fs-3"),
                        Command("drop_coupon", COUPON, command_id="cp")):
            result = engine.execute(command)
            assert result.applied, result.reason
        print("ready", flush=True)
        await asyncio.Event().wait()  # until SIGKILL


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2])))
