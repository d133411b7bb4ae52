"""The platform live-console connector (巨量百应, 抖店 …): see :mod:`app.connectors.console.connector`."""

from app.connectors.console.connector import ConsoleConnector
from app.connectors.console.profile import ConsoleProfile, ProfileError, available_profiles, load_profile
from app.connectors.console.status import ConsoleState, ConsoleStatus

__all__ = ["ConsoleConnector", "ConsoleProfile", "ConsoleState", "ConsoleStatus", "ProfileError",
           "available_profiles", "load_profile"]
