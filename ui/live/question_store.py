"""Where the questions pane keeps every question of the show: column by column, about 100 bytes each.

The pane keeps every question (issue 13), so its memory grows with the show; what it can choose is how
much a question costs. A Python object per question, holding its event's strings and a formatted time,
cost about 490 bytes (and a dict entry to find it again): at the demo room's 29 questions a second that
was 0.8 MiB a minute. :class:`QuestionStore` keeps plain columns instead: the time as a float (formatted
only when a row is painted), the seq, the product number, the kind and the answered flag in typed arrays,
and the three texts (viewer id, name, question) as UTF-8 in one growing buffer with their offsets — about
42 bytes plus the text's UTF-8 bytes, ~90 bytes for the demo room's questions. A :class:`Question` is made
only when a row is read (painting, a click), and nothing holds it afterwards. docs/architecture.md
"Memory" gives the cost of a whole show.
"""

from __future__ import annotations

import bisect
from array import array
from dataclasses import dataclass

#: Stored for a question that names no product.
NO_PRODUCT = -(2**63)


@dataclass(frozen=True, slots=True)
class Question:
    """One stored question as read back (made on demand; changing it changes nothing)."""

    key: int
    ts: float
    user_id: str
    user_name: str
    text: str
    kind: str | None
    product: int | None
    answered: bool


class QuestionStore:
    """Questions in arrival order (index 0 the oldest kept), column by column; the oldest can be dropped.

    Keys are the events' seq numbers, which the engine hands out in order, so finding one is a binary
    search; keys that come out of order (events that never went through an engine) are found by a scan.
    """

    def __init__(self) -> None:
        self._ts = array("d")
        self._keys = array("q")
        self._products = array("q")
        self._kinds = bytearray()  # index into self._kind_names
        self._answered = bytearray()
        self._kind_names: list[str | None] = [None]
        self._kind_codes: dict[str | None, int] = {None: 0}
        # UTF-8 of user_id + user_name + text, question after question; _ends[i] is where question i's
        # texts end, counted from the first byte ever stored (dropping the oldest moves _origin instead).
        self._texts = bytearray()
        self._ends = array("q")
        self._id_bytes = array("I")
        self._name_bytes = array("I")
        self._origin = 0
        self._keys_sorted = True
        self.unanswered = 0

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: int, ts: float, user_id: str, user_name: str, text: str, kind: str | None,
            product: int | None) -> None:
        """Keep one more (newest) question, not answered."""
        if self._keys and key < self._keys[-1]:
            self._keys_sorted = False
        self._keys.append(key)
        self._ts.append(ts)
        self._products.append(NO_PRODUCT if product is None else product)
        self._kinds.append(self._kind_code(kind))
        self._answered.append(0)
        uid, name = _utf8(user_id), _utf8(user_name)
        self._id_bytes.append(len(uid))
        self._name_bytes.append(len(name))
        self._texts += uid
        self._texts += name
        self._texts += _utf8(text)
        self._ends.append(self._origin + len(self._texts))
        self.unanswered += 1

    def _kind_code(self, kind: str | None) -> int:
        code = self._kind_codes.get(kind)
        if code is None:
            if len(self._kind_names) == 256:  # far more kinds than the classifier has: keep the question
                return 0
            code = self._kind_codes[kind] = len(self._kind_names)
            self._kind_names.append(kind)
        return code

    def drop_oldest(self, count: int) -> None:
        """Forget the ``count`` oldest questions."""
        count = min(count, len(self))
        if count <= 0:
            return
        self.unanswered -= count - sum(self._answered[:count])
        cut = self._ends[count - 1]
        del self._texts[: cut - self._origin]
        self._origin = cut
        for column in (self._ts, self._keys, self._products, self._kinds, self._answered, self._ends,
                       self._id_bytes, self._name_bytes):
            del column[:count]

    def clear(self) -> None:
        self.drop_oldest(len(self))

    def get(self, i: int) -> Question:
        """Question ``i`` (0 the oldest kept)."""
        uid, name, text = self._strings(i)
        kind = self._kind_names[self._kinds[i]]
        product = self._products[i]
        return Question(self._keys[i], self._ts[i], uid, name, text, kind,
                        None if product == NO_PRODUCT else product, bool(self._answered[i]))

    def _strings(self, i: int) -> tuple[str, str, str]:
        start = (self._ends[i - 1] if i else self._origin) - self._origin
        end = self._ends[i] - self._origin
        raw = bytes(self._texts[start:end])
        a = self._id_bytes[i]
        b = a + self._name_bytes[i]
        return _text(raw[:a]), _text(raw[a:b]), _text(raw[b:])

    def user_id(self, i: int) -> str:
        return self._strings(i)[0]

    def answered(self, i: int) -> bool:
        return bool(self._answered[i])

    def set_answered(self, i: int, answered: bool = True) -> bool:
        """Mark question ``i``; returns whether that changed it."""
        if bool(self._answered[i]) == answered:
            return False
        self._answered[i] = answered
        self.unanswered += -1 if answered else 1
        return True

    def find(self, key: int) -> int | None:
        """The index of the question with ``key``, None if none is kept."""
        keys = self._keys
        if self._keys_sorted:
            i = bisect.bisect_left(keys, key)
            return i if i < len(keys) and keys[i] == key else None
        try:
            return keys.index(key)
        except ValueError:
            return None

    def answer_product(self, no: int) -> list[int]:
        """Mark every open question naming product ``no`` answered; their indices."""
        answered = self._answered
        marked = [i for i, p in enumerate(self._products) if p == no and not answered[i]]
        for i in marked:
            answered[i] = 1
        self.unanswered -= len(marked)
        return marked

    def nbytes(self) -> int:
        """The bytes the columns hold (what the pane's memory per question is judged by)."""
        columns = (self._ts, self._keys, self._products, self._ends, self._id_bytes, self._name_bytes)
        return (sum(c.buffer_info()[1] * c.itemsize for c in columns) + len(self._kinds)
                + len(self._answered) + len(self._texts))


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # a lone surrogate is replaced at the edge; never fail here


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogatepass")
