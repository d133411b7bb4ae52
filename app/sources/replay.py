"""``--format replay``: a recorded session log as a source. The address is the log file.

The replay runs as a generic-protocol server in its own thread (:class:`app.rooms.replay.ReplayThread`), and
this source reads it like any other generic room: the console, ``livedeck record`` and the connect
dialog need nothing special for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.rooms.replay import ReplayThread, check_speed, resolve_session
from app.sources.base import EventSink
from app.sources.generic import GenericSource


class ReplaySource(GenericSource):
    """Replays session ``session_id`` (default: the newest) of the log at ``url`` at ``speed``×.

    Raises:
        app.rooms.replay.ReplayError: (a ValueError) at construction, for a missing log or session or a bad speed.
    """

    format_name = "replay"

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
