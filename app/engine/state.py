"""What the engine knows about the running show: the commerce state plus the show's own totals."""

from __future__ import annotations

import re
import secrets
from collections import Counter
from dataclasses import dataclass, field

from app.commerce.state import CommerceState

#: The scope :meth:`SessionState.scoped_id` puts in front of an id: ``s<session id>-<token>:``.
_SCOPE = re.compile(r"^s\d+-[0-9a-f]+:")


@dataclass(slots=True)
class SessionState(CommerceState):
    """The running show. Read it; only the engine writes it (commerce fields through the handlers)."""

    session_id: int | None = None
    title: str = ""
    source: str = ""
    started_at: float | None = None  # wall clock
    started_monotonic: float | None = None
    online: int = 0
    peak_online: int = 0
    total_viewers: int = 0
    gmv_fen: int = 0  # sum of order amounts
    counts: Counter[str] = field(default_factory=Counter)  # applied events by kind
    events: int = 0  # events applied (after dropping duplicates)
    duplicates: int = 0  # events dropped because their msg_id was seen before
    bad_ts: int = 0  # events refused because their ts lay outside the session's window (app.core.bounds)
    #: Random for each session; with the session id it scopes the ids of plans and prepared promotions.
    token: str = field(default_factory=lambda: secrets.token_hex(4))

    @property
    def running(self) -> bool:
        return self.session_id is not None

    def scoped_id(self, local: str) -> str:
        """``local`` (a plan step's ``plan-3``, a prepared promotion's id) as an id of this session:
        ``s<session id>-<token>:<local>``.

        The same ``local`` gives the same id all session long, so a repeat is still a ``duplicate``; the
        next session (a new token) gives another, so a room that saw the rehearsal does not answer the
        show with ``duplicate``. An id scoped to an earlier session is scoped again, not prefixed twice.
        """
        return f"s{self.session_id or 0}-{self.token}:{_SCOPE.sub('', local, count=1)}"

    def elapsed(self, now_monotonic: float) -> float:
        """Seconds since the session started, by the engine's monotonic clock; 0 when none runs."""
        if self.started_monotonic is None:
            return 0.0
        return now_monotonic - self.started_monotonic
