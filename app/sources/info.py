"""What a source says about itself to the people choosing it: the one place its UI metadata lives.

Each source class carries a :class:`SourceInfo` as its ``info`` attribute, next to its code. The
connect dialog, the source health panel, ``--format``'s choices and the docs test read it through the
registry (:func:`app.sources.source_info`), so a new platform touches its own module and one
registry line.

Texts are functions that call ``tr`` when asked, so they follow the UI language of the moment (and
the translation check sees their literals).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from app.core.i18n import tr


class AddressKind(StrEnum):
    """What the user types into the address field."""

    WEBSOCKET = "websocket"  # a ws:// or wss:// address
    ROOM = "room"  # the platform's room number (or the room's web address)
    LOG_FILE = "log_file"  # a session log on this PC (the dialog offers a file chooser)
    NONE = "none"  # nothing: the address is known already (the embedded demo room)


class SourceOption(StrEnum):
    """Extra fields a source takes beside its address; the connect dialog shows one widget per option."""

    COOKIE_FILE = "cookie_file"  # a browser's cookies.txt (text; may be empty)
    SESSION = "session"  # which session of a log: digits, "#12", or empty for the newest (text)
    SPEED = "speed"  # replay speed, × real time (a number)


#: ``resolve(address text, option values) -> (url, options)`` for a source's SourceSpec. Raises
#: ValueError with a message for the user.
Resolver = Callable[[str, Mapping[SourceOption, object]], tuple[str, dict[str, object]]]

_WS_URL = re.compile(r"^wss?://[^\s/:?#]+(?::\d{1,5})?(?:[/?#]\S*)?$", re.IGNORECASE)


def _no_text() -> str:
    return ""


def _address() -> str:
    return tr("地址")


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """How a source is offered to the user.

    Attributes:
        label: the platform's name in menus (``tr``-ed on each call).
        hint: one or two sentences under the address field: what to type, what to run first.
        resolve: turns what the user typed into the spec's address and options (see :data:`Resolver`).
        address: what kind of address the field takes.
        address_label: the address field's caption (default 地址).
        placeholder: the address field's grey example text.
        default_url: the address an empty field means ("" when an address is required).
        options: the extra fields this source takes, in the order they are shown.
    """

    label: Callable[[], str]
    hint: Callable[[], str]
    resolve: Resolver
    address: AddressKind = AddressKind.WEBSOCKET
    address_label: Callable[[], str] = _address
    placeholder: Callable[[], str] = _no_text
    default_url: str = ""
    options: tuple[SourceOption, ...] = ()


def websocket_resolver(example: str, default_url: str = "") -> Resolver:
    """The resolver of a source whose address is a ws:// or wss:// URL (``default_url`` when left empty)."""

    def resolve(text: str, options: Mapping[SourceOption, object]) -> tuple[str, dict[str, object]]:
        url = text.strip() or default_url
        if not url:
            raise ValueError(tr("请填写直播间的地址，如 {example}", example=example))
        if not _WS_URL.match(url):
            raise ValueError(tr("地址要以 ws:// 或 wss:// 开头，如 {example}", example=example))
        return url, {}

    return resolve
