"""What the feed hides: blocked viewers, the user's hidden keywords and, optionally, spam.

A :class:`Moderation` is a plain policy the live views ask about every event before showing it
(:meth:`Moderation.hides`). Nothing here deletes anything: a hidden comment is still in the session
log, and a block is an ``actions`` row (``block_viewer``), so the review knows who was blocked and when.

The block list and the keyword list persist in the user's settings (``blocked_viewers``,
``hidden_keywords``, ``hide_spam``); the console keeps them in step with the engine's
``state.blocked`` (docs/comments.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from app.comments.tags import is_spam
from app.core.events import Kind, LiveEvent

#: Longest keyword kept; a longer one is a paste accident, not a word to hide.
MAX_KEYWORD = 50
MAX_KEYWORDS = 500
MAX_BLOCKED = 10_000

SpamCheck = Callable[[str], bool]


def clean_keywords(words: Iterable[object]) -> tuple[str, ...]:
    """The keywords worth keeping: text, stripped, not empty, at most MAX_KEYWORD long, no repeats."""
    kept: dict[str, None] = {}
    for word in words:
        if not isinstance(word, str):
            continue
        word = word.strip()
        if word and len(word) <= MAX_KEYWORD:
            kept[word.casefold()] = None
        if len(kept) >= MAX_KEYWORDS:
            break
    return tuple(kept)


def clean_blocked(blocked: object) -> dict[str, str]:
    """A ``{user_id: name}`` block list from settings; entries that are not text are dropped."""
    if not isinstance(blocked, Mapping):
        return {}
    return {
        uid: name for uid, name in list(blocked.items())[:MAX_BLOCKED]
        if isinstance(uid, str) and uid and isinstance(name, str)
    }


@dataclass(slots=True)
class Moderation:
    """Who and what the live views hide.

    Attributes:
        blocked: blocked viewers, ``user_id → name`` (the name only for the block list's display).
        keywords: case-folded words; a comment containing one is hidden.
        hide_spam: hide comments ``spam_check`` calls spam (they are flagged when shown otherwise).
        spam_check: says whether a comment's text is an ad or spam (the comment classifier's ``spam``).
        hidden_count: events hidden since the policy was made.
    """

    blocked: dict[str, str] = field(default_factory=dict)
    keywords: tuple[str, ...] = ()
    hide_spam: bool = False
    spam_check: SpamCheck = is_spam
    hidden_count: int = 0

    def block(self, user_id: str, name: str = "") -> None:
        if user_id:
            self.blocked[user_id] = name

    def unblock(self, user_id: str) -> None:
        self.blocked.pop(user_id, None)

    def set_keywords(self, words: Iterable[object]) -> None:
        self.keywords = clean_keywords(words)

    def is_blocked(self, event: LiveEvent) -> bool:
        return bool(event.user_id) and event.user_id in self.blocked

    def is_spam(self, event: LiveEvent) -> bool:
        return event.kind == Kind.COMMENT and self.spam_check(event.text)

    def hides(self, event: LiveEvent) -> bool:
        """Whether the feed, the questions pane and the overlays leave ``event`` out (counted)."""
        hidden = self._hides(event)
        if hidden:
            self.hidden_count += 1
        return hidden

    def _hides(self, event: LiveEvent) -> bool:
        if self.blocked and self.is_blocked(event):
            return True
        if event.kind != Kind.COMMENT:
            return False
        if self.keywords:
            folded = event.text.casefold()
            if any(word in folded for word in self.keywords):
                return True
        return self.hide_spam and self.spam_check(event.text)
