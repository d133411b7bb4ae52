"""The console page's own JSON responses, read into LiveEvents by the profile's field maps.

The connector hears every response the page receives (Playwright's ``page.on("response")``); one whose
URL contains a profile's ``url_contains`` is parsed here: JSON, or JSONP with ``"jsonp": true`` (淘宝's
``mtopjsonp3({…})``), used only when the body's ``require`` fields hold their values (视频号's
``errCode`` 0). A map with ``"listen": "websocket"`` reads the frames of the page's WebSocket instead
(千帆); one with ``"listen": "script_hook"`` reads what the page's own script decoded, handed over by a
hook the connector patches into that script (快手, app/connectors/console/listening.py), and with
``"list_optional": true`` a body without the list (a message of another kind) is passed over, not counted.
A ``ts`` field (seconds, or milliseconds with ``"ts_unit": "ms"``; a number or a string of digits) gives
the event its time; without one, or out of range, the event is timed when it is read. Field names may
be dotted paths into a row; ``unwrap`` steps decode rows packed inside rows (千帆's base64 JSON in JSON)
and keep only the relevant ones; ``one`` names a body that is a single row.
Three shapes are known (docs/platform-console.md):

* ``list`` of comments: ``{"list": "data.comment_infos", "kind": "comment", "id": …, "user_name": …,
  "text": …}``; with ``type_field`` the row's type picks its kind from ``kinds`` (视频号: type 1 is a
  comment) and a row of another type is passed over;
* ``groups`` of interactions by type (the 大屏's ``data.messages``: ``comment``, ``room_enter`` …, any of
  them null), mapped to event kinds by ``kinds``;
* ``orders``: one row per order and status; only a status in ``paid_statuses`` is an order LiveDeck
  counts, once per order id. The event names the platform's product id and title and has no amount
  (the stream carries no price): the connector's
  :class:`~app.connectors.console.order_match.OrderMatcher` finds the product and its price.

A map with ``"goods": true`` is the page's goods list (抖店/百应's ``promotions_v2``): it makes no events;
:meth:`ResponseReader.goods` reads each row's platform product id (``id``) and ``title``, which the
connector remembers for the goods it imports from the page.

Each event carries the platform's id as ``msg_id``, so :class:`ResponseReader` drops what it has already
handed on (the page polls and gets the same rows again). A row that breaks the shape is skipped and
counted; the caller logs one line per response, rate-limited.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import time
from collections import OrderedDict
from typing import Any

from app.core.events import Kind, LiveEvent

MAX_REMEMBERED_IDS = 50_000
_KINDS = {k.value for k in Kind}
_JSONP = re.compile(r"^\s*[\w$.]+\s*\((.*)\)\s*;?\s*$", re.DOTALL)
_PASS = object()  # an unwrap step passed over the row


def _path(data: Any, dotted: str) -> Any:
    for part in dotted.split(".") if dotted else ():
        data = data.get(part) if isinstance(data, dict) else None
    return data


def _seconds(value: Any, unit: str) -> float | None:
    """A row's time in seconds: a number or a string of digits, in ``unit`` (``s`` or ``ms``); None when it
    is neither or lies outside 2000–2100."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    seconds = value / 1000 if unit == "ms" else float(value)
    return seconds if 946_684_800 < seconds < 4_102_444_800 else None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value) if isinstance(value, int) else ""


class ResponseReader:
    """Turns response bodies into new LiveEvents for one profile's ``responses`` map.

    Args:
        responses: the profile's ``responses`` (what each response carries, by name).
    """

    def __init__(self, responses: dict[str, dict[str, Any]]) -> None:
        self.responses = responses
        self.malformed = 0
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._made_ids = itertools.count(1)  # for the rows of a map whose rows carry no id

    def wants(self, url: str, listen: str = "response") -> str | None:
        """The name of the map for a ``listen`` (``response`` or ``websocket``) at ``url``, if any; a
        WebSocket map without ``url_contains`` takes every socket of the page."""
        return next((name for name, spec in self.responses.items()
                     if spec.get("listen", "response") == listen and str(spec.get("url_contains", "")) in url
                     and (spec.get("url_contains") or listen == "websocket")), None)

    def decode(self, name: str, text: str) -> Any:
        """The body of a response of map ``name``: JSON, or the JSON inside ``callback(…)`` for a JSONP
        map. ValueError when it is neither."""
        if self.responses[name].get("jsonp"):
            wrapped = _JSONP.match(text)
            if wrapped is None:
                raise ValueError("not JSONP")
            text = wrapped.group(1)
        return json.loads(text)

    def read(self, name: str, body: Any) -> list[LiveEvent]:
        """The events of ``body`` (a response of map ``name``) not handed on before; none when the body
        says the platform refused the request (a ``require`` field off its value)."""
        spec = self.responses[name]
        if spec.get("goods") or any(_path(body, field) != value for field, value in spec.get("require", {}).items()):
            return []
        if "groups" in spec:
            rows = self._grouped(spec, body)
        elif "paid_statuses" in spec:
            rows = self._orders(spec, body)
        elif "type_field" in spec:
            rows = self._typed(spec, body)
        else:
            rows = [(str(spec.get("kind", "comment")), row) for row in self._list(spec, body)]
        events = [event for kind, row in rows if (event := self._event(spec, kind, row)) is not None]
        return [event for event in events if self._first_time(f"{event.kind}:{event.msg_id}")]

    def goods(self, name: str, body: Any) -> list[tuple[str, str]]:
        """The (platform product id, title) of each row of a goods-list response of map ``name``, in the
        list's order; a row without an id is counted as malformed and left out."""
        spec = self.responses[name]
        rows = []
        for row in self._list(spec, body):
            product_id = _text(_path(row, spec["id"])) if isinstance(row, dict) else ""
            if not product_id:
                self.malformed += 1
                continue
            rows.append((product_id, _text(_path(row, spec.get("title", "")))))
        return rows

    def _list(self, spec: dict[str, Any], body: Any) -> list[Any]:
        if "one" in spec:  # the body holds one row (千帆's send_comment answer)
            row = _path(body, str(spec["one"]))
            rows = [row] if row is not None else None
        else:
            rows = _path(body, str(spec.get("list", "")))
            if rows is None and spec.get("list_optional"):
                return []  # a message of another kind (the hooked script decodes every message)
        if not isinstance(rows, list):
            self.malformed += 1
            return []
        for step in spec.get("unwrap", ()):
            rows = [out for row in rows if (out := self._unwrap(step, row)) is not _PASS]
        return rows

    def _unwrap(self, step: dict[str, Any], row: Any) -> Any:
        """One ``unwrap`` step on a row: ``{"keep": {field: value}}`` passes over a row whose fields differ
        (千帆's refresh notices); ``{"decode": field, "as": "json" | "base64-json"}`` replaces the row by
        the JSON in that field. A row that cannot be decoded is counted and passed over."""
        if not isinstance(row, dict):
            self.malformed += 1
            return _PASS
        if "keep" in step:
            return row if all(_path(row, k) == v for k, v in step["keep"].items()) else _PASS
        try:
            raw = row[step["decode"]]
            text = base64.b64decode(raw, validate=True).decode("utf-8") if step["as"] == "base64-json" else raw
            return json.loads(text)
        except (KeyError, TypeError, ValueError):
            self.malformed += 1
            return _PASS

    def _grouped(self, spec: dict[str, Any], body: Any) -> list[tuple[str, Any]]:
        groups = _path(body, str(spec["groups"]))
        if not isinstance(groups, dict):
            self.malformed += 1
            return []
        kinds: dict[str, str] = spec.get("kinds", {})
        return [(kinds[group], row) for group, rows in groups.items()
                if group in kinds and isinstance(rows, list) for row in rows]

    def _typed(self, spec: dict[str, Any], body: Any) -> list[tuple[str, Any]]:
        kinds: dict[str, str] = spec["kinds"]
        rows = []
        for row in self._list(spec, body):
            kind = kinds.get(_text(_path(row, spec["type_field"]))) if isinstance(row, dict) else ""
            if kind is None:
                continue  # a type LiveDeck does not read (视频号's 上墙 notices)
            rows.append((kind, row))
        return rows

    def _orders(self, spec: dict[str, Any], body: Any) -> list[tuple[str, Any]]:
        paid = set(spec["paid_statuses"])
        return [(Kind.ORDER.value, row) for row in self._list(spec, body)
                if isinstance(row, dict) and row.get(spec["status"]) in paid]

    def _event(self, spec: dict[str, Any], kind: str, row: Any) -> LiveEvent | None:
        msg_id = _text(_path(row, spec["id"])) if isinstance(row, dict) and spec["id"] else ""
        if isinstance(row, dict) and not spec["id"]:
            msg_id = f"{spec.get('url_contains', '')}#{next(self._made_ids)}"  # each answer comes once
        if not msg_id or kind not in _KINDS:
            self.malformed += 1
            return None
        ts = _seconds(_path(row, spec["ts"]), spec.get("ts_unit", "s")) if spec.get("ts") else None
        event = LiveEvent(kind, ts or time.time(), user_id=_text(_path(row, spec.get("user_id", ""))),
                          user_name=_text(_path(row, spec.get("user_name", ""))),
                          text=_text(_path(row, spec.get("text", ""))), msg_id=msg_id)
        if kind == Kind.LIKE:
            event.count = 1
        if kind == Kind.ORDER:
            units = row.get(spec["units"])
            if isinstance(units, bool) or not isinstance(units, int) or not 0 < units <= 10_000:
                self.malformed += 1
                return None
            event.product_id = _text(row.get(spec["product_id"]))
            event.count = units
            event.text = _text(row.get(spec.get("product_title", "")))
        return event

    def _first_time(self, key: str) -> bool:
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > MAX_REMEMBERED_IDS:
            self._seen.popitem(last=False)
        return True
