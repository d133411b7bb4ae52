"""The bounds of every number, text and time LiveDeck accepts from outside, declared once.

Every edge reads these: the sources' validators (one check of each decoded event,
:func:`check_event`, run by ``WebSocketSource.handle_frame`` for every protocol), the command table's
argument schemas (app/engine/commands.py), the catalog parser and ``update_product``
(app/commerce/). docs/protocol.md §Bounds lists them for bridge authors.

A value past a bound is refused with a reason naming the field, never clamped or guessed (a timestamp
in milliseconds is not divided by 1000): a wrong number stored looks like a right one. Only sums the
engine computes itself (GMV, likes, units) saturate at :data:`SQLITE_MAX` (:func:`saturate`), so that
a valid event never breaks a metrics snapshot (docs/metrics.md).
"""

from __future__ import annotations

import json
import re
from typing import Any

from app.core import fastjson
from app.core.units import MAX_FEN

__all__ = ["MAX_FEN"]  # re-exported: every bound is read from here

#: SQLite's INTEGER is a signed 64-bit number: nothing larger can be stored.
SQLITE_MAX = 2**63 - 1
#: Money in fen (a price, an order, a gift's value, a coupon) is at most app.core.units.MAX_FEN
#: (10**12, ¥10 billion, far above any real one), the bound typed and imported money is read with.
#: Units and items (stock, units ordered, likes in one event, gifts, viewers online): 10**12.
MAX_COUNT = 10**12
#: A product's 序号 and a position in the queue.
MAX_NO = 10**6
#: Text from a room (a comment, a viewer's name, an id) in characters.
MAX_EVENT_TEXT = 2000
#: ``extra`` of one event as JSON, in characters.
MAX_EXTRA_JSON = 10_000
#: A command's text argument (a note, a coupon id) in characters.
MAX_COMMAND_TEXT = 10_000
#: A product's name in characters (other product text: :data:`MAX_PRODUCT_TEXT`).
MAX_PRODUCT_NAME = 200
MAX_PRODUCT_TEXT = 2000
#: An event's ``ts`` may be at most this far (seconds) ahead of the clock; further is a unit mix-up.
TS_AHEAD = 86_400.0
#: …and at most this far before the session started (a show's events happen during the show).
TS_BEHIND = 86_400.0
#: Before a session has started (a source's own check): no live room's event is older than 2000-01-01.
TS_FLOOR = 946_684_800.0
#: More digits than this is no count or price of any shop: refused before it is turned into a number
#: (a 23-digit stock), so a cell like ``1e999999999`` costs nothing to refuse.
MAX_DIGITS = 15

_SURROGATE = re.compile("[\ud800-\udfff]")


def saturate(value: int) -> int:
    """A sum the engine keeps (GMV, likes) as SQLite can store it: past :data:`SQLITE_MAX` it stays there."""
    return value if value <= SQLITE_MAX else SQLITE_MAX


def has_lone_surrogate(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate, i.e. cannot be encoded as UTF-8. One C encode of the
    whole text, a fifth of the cost of searching it with a regex; the rare failing text is then
    cleaned by :func:`clean_text`."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return True
    return False


def clean_text(text: str) -> str:
    """``text`` with every lone surrogate (half an emoji, from a ``\\ud83d`` escape) replaced by U+FFFD,
    so it can be encoded as UTF-8 (stored, broadcast, exported)."""
    return _SURROGATE.sub("\ufffd", text)


def looks_like_ms(ts: float, now: float) -> bool:
    """Whether ``ts`` reads as a time in milliseconds (÷ 1000 lands within a day of the clock)."""
    return abs(ts / 1000.0 - now) <= TS_AHEAD


def ts_window(started_at: float | None, now: float) -> tuple[float, float]:
    """The ``ts`` values accepted at ``now``: [session start − :data:`TS_BEHIND`, now + :data:`TS_AHEAD`]
    during a session (the engine's check), [:data:`TS_FLOOR`, now + :data:`TS_AHEAD`] before one (the
    sources' check, which knows no session)."""
    low = TS_FLOOR if started_at is None else max(TS_FLOOR, started_at - TS_BEHIND)
    return low, now + TS_AHEAD


def ts_problem(ts: float, now: float, started_at: float | None = None) -> str | None:
    """Why an event's ``ts`` (unix seconds) is refused, or None: it must lie in :func:`ts_window`."""
    low, high = ts_window(started_at, now)
    if low <= ts <= high:
        return None
    if looks_like_ms(ts, now):
        return f"ts {ts:.0f} looks like milliseconds; send unix seconds"
    if ts > now:
        return f"ts {ts:.6g} is more than a day ahead of the clock"
    if started_at is not None and ts >= TS_FLOOR:
        return f"ts {ts:.6g} is more than a day before the session started"
    return f"ts {ts:.6g} is before the year 2000"


def check_event(event: Any, now: float) -> str | None:
    """Hold one decoded :class:`~app.core.events.LiveEvent` to the bounds; returns why it is refused, or None.

    Lone surrogates in its text are replaced (in place) rather than refused: the rest of the comment is
    good. Checks: ``ts`` (:func:`ts_problem`), ``count`` ≤ :data:`MAX_COUNT`, ``amount_fen`` ≤
    :data:`MAX_FEN`, texts ≤ :data:`MAX_EVENT_TEXT`, ``extra`` finite JSON ≤ :data:`MAX_EXTRA_JSON`.
    The JSON text of an accepted ``extra`` stays on the event (``extra_json``) for the session log's row.
    A source that already holds that text for this very dict (``extra_json`` set to ``(extra, text)``,
    ``text`` made by ``fastjson.dumps_strict(extra)``) saves the encoding; the text is still held to the
    size bound and cleaned of lone surrogates here.
    It runs for every event of every room, so the common case is a few comparisons.
    """
    ts = event.ts
    if not TS_FLOOR <= ts <= now + TS_AHEAD:
        return ts_problem(ts, now)
    if event.count > MAX_COUNT:
        return f"count is too large (at most {MAX_COUNT})"
    if event.amount_fen > MAX_FEN:
        return f"amount_fen is too large (at most {MAX_FEN})"
    joined = event.user_id + event.user_name + event.text + event.product_id + event.msg_id
    if len(joined) > MAX_EVENT_TEXT:
        event.user_id, event.user_name, event.text = (
            event.user_id[:MAX_EVENT_TEXT], event.user_name[:MAX_EVENT_TEXT], event.text[:MAX_EVENT_TEXT])
        event.product_id, event.msg_id = event.product_id[:MAX_EVENT_TEXT], event.msg_id[:MAX_EVENT_TEXT]
    if not joined.isascii() and has_lone_surrogate(joined):
        event.user_id, event.user_name, event.text = map(clean_text, (event.user_id, event.user_name, event.text))
        event.product_id, event.msg_id = clean_text(event.product_id), clean_text(event.msg_id)
    extra = event.extra
    if extra:
        encoded = event.extra_json
        if encoded is not None and encoded[0] is extra:
            dumped = encoded[1]  # the source encoded this very dict with fastjson.dumps_strict already
        else:
            try:
                dumped = fastjson.dumps_strict(extra)
            except (ValueError, TypeError, RecursionError):
                return "extra holds a value that is not finite JSON (NaN, Infinity)"
        if len(dumped) > MAX_EXTRA_JSON:
            return f"extra is too large (at most {MAX_EXTRA_JSON} characters as JSON)"
        if not dumped.isascii() and has_lone_surrogate(dumped):
            dumped = clean_text(dumped)
            event.extra = json.loads(dumped)
        event.extra_json = (event.extra, dumped)  # exactly app.store.rows.dumps(event.extra): kept for the row
    return None
