"""How values become rows of the session log's tables and back: events, actions, products, metrics.

The column lists and the ``INSERT`` / ``SELECT`` statements built from them live here, once; the tables
themselves are created by the migrations (app/store/schema.py) and documented in docs/schema.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from itertools import chain
from typing import Any

from app.core import fastjson
from app.core.events import LiveEvent
from app.core.metric_fields import METRIC_NAMES

# --- events ----------------------------------------------------------------------------------------

_EVENT_COLUMNS = (
    "session_id, seq, ts, kind, user_id, user_name, text, count, amount_fen, product_id, msg_id, extra"
)
# OR IGNORE: a re-sent (session_id, seq) keeps the first copy instead of failing the whole batch.
INSERT_EVENT = f"INSERT OR IGNORE INTO events ({_EVENT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
#: Rows one statement inserts when many are written at once (:func:`event_blocks`): the SQLite module
#: releases the GIL around each statement's step, so a block is one release for 64 rows, and the engine's
#: thread is not held up 64 times by a writer waiting to take the GIL back (docs/architecture.md,
#: Performance). 64 × 12 parameters stay far below SQLite's limit of 32,766.
EVENT_BLOCK = 64
INSERT_EVENT_BLOCK = (f"INSERT OR IGNORE INTO events ({_EVENT_COLUMNS}) VALUES "
                      + ",".join(["(?,?,?,?,?,?,?,?,?,?,?,?)"] * EVENT_BLOCK))
# Column order of LiveEvent's fields, so a row builds an event positionally.
SELECT_EVENT = (
    "SELECT kind, ts, user_id, user_name, text, count, amount_fen, product_id, msg_id, extra, seq "
    "FROM events"
)


def dumps(value: Any) -> str:
    """JSON text for ``events.extra`` and ``actions.args``: UTF-8, Chinese kept as is."""
    # default=str: an exotic value in extra/args (a datetime, a Decimal) must not fail a whole batch.
    return json.dumps(value, ensure_ascii=False, default=str)


def event_rows(session_id: int, events: Sequence[LiveEvent]) -> list[tuple[Any, ...]]:
    """``events`` rows in :data:`INSERT_EVENT` order. ``extra`` is encoded here unless the bounds check
    already did (``LiveEvent.extra_json``, the same text, kept while ``extra`` is the dict it encoded)."""
    return [
        (
            session_id, e.seq, e.ts, e.kind, e.user_id, e.user_name, e.text, e.count, e.amount_fen,
            e.product_id, e.msg_id, _extra_text(e),
        )
        for e in events
    ]


def event_blocks(rows: Sequence[tuple[Any, ...]]) -> tuple[list[tuple[Any, ...]], Sequence[tuple[Any, ...]]]:
    """``rows`` (of :func:`event_rows`) as the parameters of :data:`INSERT_EVENT_BLOCK` statements, each
    :data:`EVENT_BLOCK` rows in order, and the rows left over for :data:`INSERT_EVENT`."""
    whole = len(rows) - len(rows) % EVENT_BLOCK
    blocks = [tuple(chain.from_iterable(rows[i:i + EVENT_BLOCK])) for i in range(0, whole, EVENT_BLOCK)]
    return blocks, rows[whole:]


def _extra_text(event: LiveEvent) -> str | None:
    extra = event.extra
    if extra is None:
        return None
    cached = event.extra_json
    return cached[1] if cached is not None and cached[0] is extra else dumps(extra)


def row_to_event(row: tuple[Any, ...]) -> LiveEvent:
    """The event of a :data:`SELECT_EVENT` row."""
    kind, ts, user_id, user_name, text, count, amount_fen, product_id, msg_id, extra, seq = row
    return LiveEvent(
        kind, ts, user_id, user_name, text, count, amount_fen, product_id, msg_id,
        None if extra is None else fastjson.loads(extra), seq,
    )


# --- actions ---------------------------------------------------------------------------------------

ACTION_RESULTS = frozenset({"applied", "duplicate", "rejected"})
INSERT_ACTION = (
    "INSERT INTO actions (session_id, command_id, actor, name, args, ts, result, detail, after_seq) "
    "VALUES (?,?,?,?,?,?,?,?,?)"
)
SELECT_ACTIONS = (
    "SELECT session_id, command_id, actor, name, args, ts, result, detail, after_seq "
    "FROM actions WHERE session_id = ? ORDER BY rowid"
)

# --- products --------------------------------------------------------------------------------------

_PRODUCT_COLUMNS = ("product_id", "no", "name", "price_fen", "original_price_fen", "stock", "link",
                    "selling_points", "sku", "image", "listed", "position")
_PRODUCT_DEFAULTS: dict[str, Any] = {"original_price_fen": 0, "stock": 0, "link": "", "selling_points": "",
                                     "sku": "", "image": "", "listed": True, "position": 0}
INSERT_PRODUCT = (
    f"INSERT INTO products (session_id, {', '.join(_PRODUCT_COLUMNS)}) "
    f"VALUES ({', '.join('?' * (len(_PRODUCT_COLUMNS) + 1))})"
)


def product_rows(session_id: int, products: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    """``products`` rows in :data:`INSERT_PRODUCT` order; a missing optional column takes its default."""
    return [(session_id, *({**_PRODUCT_DEFAULTS, **p}[c] for c in _PRODUCT_COLUMNS)) for p in products]


# --- metrics ---------------------------------------------------------------------------------------

#: The ``metrics`` table's data columns (after ``session_id``): the metric fields of app.core.metric_fields.
METRICS_COLUMNS: tuple[str, ...] = METRIC_NAMES
INSERT_METRICS = (
    f"INSERT INTO metrics (session_id, {', '.join(METRICS_COLUMNS)}) "
    f"VALUES ({', '.join('?' * (len(METRICS_COLUMNS) + 1))})"
)


def metrics_rows(session_id: int, rows: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    """``metrics`` rows in :data:`INSERT_METRICS` order; a missing column is 0."""
    return [(session_id, *(row.get(c, 0) for c in METRICS_COLUMNS)) for row in rows]
