"""Logging set-up and a rate-limited logger for noisy edges (malformed frames, unknown commands)."""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit


def setup_logging(level: int = logging.INFO) -> None:
    """One format for every subsystem's named logger (``livedeck.<subsystem>``)."""
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    # websockets logs every connection at INFO; our sources report what matters themselves.
    logging.getLogger("websockets").setLevel(max(level, logging.WARNING))


def describe_url(url: str) -> str:
    """``scheme://host[:port]`` of ``url`` — never its path, query or user info (they may hold a token)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = parts.port
    except ValueError:
        return "<invalid URL>"
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def excerpt(data: object, limit: int = 80) -> str:
    """A short printable excerpt of a frame for a log line (never the whole frame)."""
    text = repr(data)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class RateLimitedLog:
    """Logs the first message at once, then at most one per ``interval`` seconds with a suppressed count.

    A broken stream can send thousands of bad frames a second; one line every few seconds tells the
    user what is wrong without drowning the log.
    """

    def __init__(self, logger: logging.Logger, interval: float = 5.0, level: int = logging.WARNING) -> None:
        self.logger = logger
        self.interval = interval
        self.level = level
        self._last = float("-inf")
        self._suppressed = 0

    def __call__(self, msg: str, *args: object) -> None:
        now = time.monotonic()
        if now - self._last < self.interval:
            self._suppressed += 1
            return
        if self._suppressed:
            msg += " (%d similar suppressed)"
            args = (*args, self._suppressed)
        self.logger.log(self.level, msg, *args)
        self._last = now
        self._suppressed = 0
