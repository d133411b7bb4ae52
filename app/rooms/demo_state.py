"""The demo room's state on disk, so a console that restarts after a crash finds the room as it left it.

The embedded demo room (app/rooms/demo.py) writes its state to a small JSON file in the data directory
after every command and once a second: what is explained and pinned, each running flash sale (its
wall-clock deadline, its stock left and its buyers), each coupon (left, its claims), the stock of every
product, its message counter and the command ids it acknowledged. A restarted room's message ids carry
a new generation (``demo-<seed>-g1-<n>``): the continued show drops an id it has seen as a repeat, and
the old room may have sent ids past its last save. When the console continues an
interrupted show it starts the room with the same seed and :func:`load_state`; a new show starts clean.

Times inside the room run on its own clock (``DemoRoom.t``, seconds since it opened), so deadlines are
written in wall-clock seconds and turned back into room time on loading.
"""

from __future__ import annotations

import json
import logging
import math
import os
from pathlib import Path
from typing import Any

from app.core.settings import data_dir
from app.rooms.demo_simulation import DemoRoom, _Coupon, _FlashSale

log = logging.getLogger("livedeck.demo_room")

STATE_FILE = "demo-room-state.json"
VERSION = 1
MAX_ACKS = 2000  # the newest acknowledged command ids kept (a show sends hundreds)


def default_state_path() -> Path:
    """Where the embedded demo room keeps its state: ``demo-room-state.json`` in the data directory."""
    return data_dir() / STATE_FILE


def room_state(room: DemoRoom, now: float) -> dict[str, Any]:
    """The room's state as JSON-ready data, deadlines in wall-clock seconds (``now`` is the wall clock)."""
    def wall(room_t: float) -> float:
        return now + (room_t - room.t)

    return {
        "version": VERSION,
        "seed": room.seed,
        "saved_at": now,
        "seq": room._seq,
        "generation": _generation(room),
        "viewers": room._viewer_count,
        "stock": dict(room.stock),
        "explaining": room.explaining.product_id if room.explaining is not None else None,
        "pinned": room.pinned.product_id if room.pinned is not None else None,
        "flash_sales": [
            {"sale_id": s.sale_id, "product_id": s.product.product_id, "price_fen": s.price_fen, "stock": s.stock,
             "ends_at_wall": wall(s.ends_at), "limit_per_user": s.limit_per_user, "bought": s.bought}
            for s in room.flash_sales.values()
        ],
        "coupons": [
            {"coupon_id": c.coupon_id, "remaining": c.remaining, "per_user_limit": c.per_user_limit,
             "dropped_at_wall": wall(c.dropped_at), "claims": c.claims, "label": c.label}
            for c in room.coupons.values()
        ],
        "last_coupon_drop_wall": wall(room._last_coupon_drop) if math.isfinite(room._last_coupon_drop) else None,
        "acks": list(room._acks.items())[-MAX_ACKS:],
    }


def apply_state(room: DemoRoom, data: dict[str, Any], now: float) -> None:
    """Put a saved state back into a room opened with the same seed (``now`` is the wall clock).

    Raises:
        ValueError: the data is not a state of this room (another version or seed, a product it does not
            sell, a malformed field); the room is left unchanged.
    """
    if data.get("version") != VERSION or data.get("seed") != room.seed:
        raise ValueError(f"not a saved state of the demo room with seed {room.seed}")
    by_id = {p.product_id: p for p in room.catalog}

    def product(pid: Any) -> Any:
        if pid is None:
            return None
        if pid not in by_id:
            raise ValueError(f"unknown product_id {pid!r}")
        return by_id[pid]

    def room_t(wall: Any) -> float:
        return room.t + (float(wall) - now)

    try:
        stock = {pid: int(n) for pid, n in data["stock"].items() if pid in by_id}
        sales = {}
        for s in data["flash_sales"]:
            sale = _FlashSale(str(s["sale_id"]), product(s["product_id"]), int(s["price_fen"]), int(s["stock"]),
                              room_t(s["ends_at_wall"]), s["limit_per_user"], {str(u): int(n) for u, n in
                                                                            s["bought"].items()})
            sales[sale.product.product_id] = sale
        coupons = {
            str(c["coupon_id"]): _Coupon(str(c["coupon_id"]), int(c["remaining"]), int(c["per_user_limit"]),
                                         room_t(c["dropped_at_wall"]), {str(u): int(n) for u, n in c["claims"].items()},
                                         str(c.get("label") or ""))
            for c in data["coupons"]
        }
        explaining, pinned = product(data["explaining"]), product(data["pinned"])
        last_drop = data["last_coupon_drop_wall"]
        seq, viewers, generation = int(data["seq"]), int(data["viewers"]), int(data.get("generation", 0))
        acks = [(str(cid), str(result)) for cid, result in data["acks"]]
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"malformed demo room state: {exc!r}") from None
    room.stock.update(stock)
    room.flash_sales = sales
    room.coupons = coupons
    room.explaining, room.pinned = explaining, pinned
    room._last_coupon_drop = room_t(last_drop) if last_drop is not None else -math.inf
    room._seq = max(room._seq, seq)
    # Events the old room sent after its last save carry ids past ``seq``; the restarted room's own ids
    # carry the next generation, so none of them repeats one the show already has (it would be dropped).
    room._msg_prefix = f"demo-{room.seed}-g{generation + 1}-"
    room._viewer_count = max(room._viewer_count, viewers)  # earlier viewers' ids are not handed out again
    room._acks.clear()
    room._acks.update(acks)
    room._pending.clear()  # the opening audience's entries: the old room announced them already


def _generation(room: DemoRoom) -> int:
    """How many times this room was restarted from a saved state (0: the room as it opened)."""
    tail = room._msg_prefix.removeprefix(f"demo-{room.seed}-")
    return int(tail[1:-1]) if tail.startswith("g") and tail[1:-1].isdigit() else 0


def save_state(room: DemoRoom, path: Path, now: float) -> None:
    """Write the room's state to ``path`` atomically (a crash mid-write leaves the previous state)."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(room_state(room, now), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        log.warning("demo room: could not save its state to %s", path, exc_info=True)


def load_state(room: DemoRoom, path: Path, now: float) -> bool:
    """Load the state saved at ``path`` into ``room``; False (room unchanged, reason logged) if there is
    none or it does not fit this room."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not an object")
        apply_state(room, data, now)
    except FileNotFoundError:
        return False
    except (OSError, ValueError) as exc:
        log.warning("demo room: saved state %s not used: %s", path, exc)
        return False
    log.info("demo room: state of %s loaded (%d flash sale(s), %d coupon(s))", path, len(room.flash_sales),
             len(room.coupons))
    return True


def saved_seed(path: Path) -> int | None:
    """The seed of the room whose state is saved at ``path`` (None: no readable state)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    seed = data.get("seed") if isinstance(data, dict) else None
    return seed if isinstance(seed, int) and not isinstance(seed, bool) else None
