"""``--format replay``: a recorded session log as a source. The address is the log file.

The replay runs as a generic-protocol server in its own thread (:class:`app.rooms.replay.ReplayThread`), and
this source reads it like any other generic room: the console, ``livedeck record`` and the connect
dialog need nothing special for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.core.i18n import tr
from app.rooms.replay import ReplayThread, check_speed, resolve_session
from app.sources.base import EventSink
from app.sources.generic import GenericSource
from app.sources.info import AddressKind, SourceInfo, SourceOption


def resolve_replay(text: str, options: Mapping[SourceOption, object]) -> tuple[str, dict[str, object]]:
    """The log and session the connect dialog's fields name; raises ValueError (ReplayError) with a message."""
    text = text.strip()
    if not text:
        raise ValueError(tr("请选择要回放的场次日志"))
    session_text = str(options.get(SourceOption.SESSION) or "").strip().lstrip("#")
    if session_text and not session_text.isdigit():
        raise ValueError(tr("场次编号应为数字，留空表示最新一场"))
    path = Path(text).expanduser()
    session_id, _ = resolve_session(path, int(session_text) if session_text else None)
    speed = options.get(SourceOption.SPEED, 1.0)
    return str(path), {"session_id": session_id, "speed": float(speed) if isinstance(speed, int | float) else 1.0}


class ReplaySource(GenericSource):
    """Replays session ``session_id`` (default: the newest) of the log at ``url`` at ``speed``×.

    Raises:
        app.rooms.replay.ReplayError: (a ValueError) at construction, for a missing log or session or a bad speed.
    """

    format_name = "replay"
    info = SourceInfo(
        label=lambda: tr("回放"),
        hint=lambda: tr("按原来的节奏重播一场已录制的直播，可加速；长时间的空白最多等 10 秒。"),
        resolve=resolve_replay,
        address=AddressKind.LOG_FILE,
        address_label=lambda: tr("场次日志"),
        placeholder=lambda: tr("选择一个 .sqlite 场次日志"),
        options=(SourceOption.SESSION, SourceOption.SPEED),
    )

    def __init__(self, url: str, sink: EventSink, *, session_id: int | None = None, speed: float = 1.0,
                 **kwargs: Any) -> None:
        kwargs.pop("room_id", None)
        kwargs.pop("room", None)
        self.log_path = Path(url).expanduser()
        self.session_id, _ = resolve_session(self.log_path, session_id)  # fail now, with a clear message
        self._replay = ReplayThread(self.log_path, self.session_id, speed=check_speed(speed))
        super().__init__(str(self.log_path), sink, **kwargs)

    async def before_connect(self) -> None:
        if self._replay.server is None:
            # Blocks for the few ms the server needs to listen; once per source, not per reconnect.
            self.url = self._replay.start()

    async def run(self) -> None:
        try:
            await super().run()
        finally:
            self._replay.stop()
