"""How a show connects the platform console: ``livedeck record|host … --console PROFILE [--console-url URL]
[--browser PATH] [--console-dir DIR] [--headless]``, and the console dialog, build a :class:`ConsoleOptions`;
the show (app/show/show.py) opens the connector with it when its session starts and closes it at the end.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from app.connectors.console.connector import ConsoleConnector
from app.connectors.console.profile import load_profile
from app.core.settings import data_dir
from app.engine.session import SessionEngine

#: Tried in this order when neither a browser executable nor a channel is given.
SYSTEM_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "microsoft-edge")


def default_browser() -> tuple[str, str]:
    """(executable, channel) of the browser used when none is named: the first system browser found,
    else Playwright's ``chrome`` channel (an installed Google Chrome)."""
    browser = next((found for name in SYSTEM_BROWSERS if (found := shutil.which(name))), "")
    return browser, "" if browser else "chrome"


def default_profile_dir(platform: str, home: Path | None = None) -> Path:
    """The persistent browser profile folder of ``platform`` when none is named."""
    return (home or data_dir()) / "consoles" / platform


@dataclass(frozen=True, slots=True)
class ConsoleOptions:
    """Which console to drive and with what browser.

    Attributes:
        platform: the profile's name (``buyin``, ``douyin``; docs/platform-console.md).
        url: replaces the profile's live-control URL ('' = the profile's).
        browser: the browser executable ('' = ``channel``, else a system browser, else Chrome's channel).
        channel: Playwright's name of an installed browser (``chrome``, ``msedge``).
        profile_dir: the persistent browser profile folder (None = ``<data dir>/consoles/<platform>``).
        headless: run without a window (only once logged in).
        home: the data directory (None = the usual one).
    """

    platform: str
    url: str = ""
    browser: str = ""
    channel: str = ""
    profile_dir: Path | None = None
    headless: bool = False
    home: Path | None = None

    def connector(self, engine: SessionEngine) -> ConsoleConnector:
        """A connector for ``engine`` (not started); ProfileError when the profile is missing or broken."""
        browser, channel = (self.browser, self.channel) if self.browser or self.channel else default_browser()
        return ConsoleConnector(engine, load_profile(self.platform, home=self.home), url=self.url,
                                browser=browser, channel=channel, profile_dir=self.profile_dir,
                                headless=self.headless, home=self.home)
