"""JSON for the per-frame path: msgspec's decoder, with Python's json as the judge of the rest, and one
reusable strict encoder.

``loads(text)`` returns exactly what ``json.loads(text)`` returns, only faster for the frames that real
rooms send. msgspec (chosen by measurement: a Douyin bridge frame's two documents in about a third of
``json``'s time, a Bilibili DANMU_MSG in a fifth; docs/architecture.md, Performance) keeps integers
beyond 2**53 and 2**64 exact like ``json`` does. What it refuses — ``NaN``/``Infinity`` literals, lone
surrogate escapes (half an emoji), numbers past a float's range, very deep nesting — is handed to
``json.loads``, which accepts or refuses it as before, so every caller's counted refusals are unchanged.

``dumps_strict(value)`` is ``json.dumps(value, ensure_ascii=False, allow_nan=False)`` — the very text the
session log stores for ``extra`` — from one C encoder built once: ``json.dumps`` with arguments builds a
new encoder (and its float formatter) on every call, which cost more than the encoding of a small dict.
"""

from __future__ import annotations

import json
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

import msgspec

_DECODER = msgspec.json.Decoder()


def loads(text: str) -> Any:
    """``json.loads(text)``: the same value, or the same exception (ValueError, RecursionError)."""
    try:
        return _DECODER.decode(text)
    except msgspec.DecodeError:
        return json.loads(text)



def _not_json(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# No circular-reference markers: a value that contains itself raises RecursionError instead of ValueError.
_STRICT = None if c_make_encoder is None else c_make_encoder(
    None, _not_json, encode_basestring, None, ": ", ", ", False, False, False)


def dumps_strict(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, allow_nan=False)``: the same text, or ValueError (NaN,
    Infinity), TypeError (not a JSON type) or RecursionError (nested too deeply, or circular)."""
    if _STRICT is None:  # an interpreter without the C accelerator
        return json.dumps(value, ensure_ascii=False, allow_nan=False)
    return "".join(_STRICT(value, 0))
