"""Comment sources, one module per protocol. ``make_source`` builds one by its ``--format`` name.

A new platform is its module (the source class with its ``format_name`` and ``info``, see
:mod:`app.sources.info`) and one line in :data:`FORMATS`: the connect dialog, the health panel, the
CLI's ``--format`` choices and the docs check read everything else from there.
"""

from __future__ import annotations

import importlib
from typing import Any

from app.sources.base import EventSink, WebSocketSource
from app.sources.info import SourceInfo

#: ``--format`` name → "module:Class". Imported on use, so one protocol's extra dependencies never
#: stand in the way of another's.
FORMATS: dict[str, str] = {
    "generic": "app.sources.generic:GenericSource",
    "bilibili": "app.sources.bilibili:BilibiliSource",
    "douyin-bridge": "app.sources.douyin_bridge:DouyinBridgeSource",
    "replay": "app.sources.replay:ReplaySource",
}


def source_class(format_name: str) -> type[WebSocketSource]:
    try:
        module_name, class_name = FORMATS[format_name].split(":")
    except KeyError:
        raise ValueError(f"unknown format {format_name!r}; choose one of {', '.join(FORMATS)}") from None
    cls: type[WebSocketSource] = getattr(importlib.import_module(module_name), class_name)
    return cls


def source_info(format_name: str) -> SourceInfo:
    """How the source of ``format_name`` presents itself (label, hint, address, options)."""
    return source_class(format_name).info


def make_source(format_name: str, url: str, sink: EventSink, **options: Any) -> WebSocketSource:
    """A source of the given protocol reading ``url`` into ``sink``."""
    return source_class(format_name)(url, sink, **options)
