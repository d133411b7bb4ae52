"""Returning viewers (回头客): one indexed query over the log's earlier sessions (a real SQLite log)."""

from __future__ import annotations

import time
from pathlib import Path

from app.core.events import Kind, LiveEvent
from app.store.returning import PastVisits, query_plan, read_returning
from app.store.session_log import SessionLog

T0 = time.time() - 3 * 86_400


def _show(log: SessionLog, day: int, events: list[tuple[Kind, str]]) -> int:
    session_id = log.start_session(f"第{day}场", "test", started_at=T0 + day * 86_400)
    log.append(session_id, [LiveEvent(kind, T0 + day * 86_400 + i, user_id=uid, user_name=f"观众{uid}", text="来了",
                                      seq=i + 1) for i, (kind, uid) in enumerate(events)])
    return session_id


def _log(tmp_path: Path) -> tuple[Path, list[int]]:
    path = tmp_path / "shows.sqlite"
    with SessionLog(path) as log:
        ids = [
            _show(log, 0, [(Kind.COMMENT, "old"), (Kind.ENTER, "lurker"), (Kind.ORDER, "buyer")]),
            _show(log, 1, [(Kind.COMMENT, "old"), (Kind.GIFT, "fan"), (Kind.LIKE, "liker")]),
            _show(log, 2, [(Kind.COMMENT, "old"), (Kind.COMMENT, "new")]),  # the show being watched
        ]
        log.flush()
    return path, ids


def test_viewers_of_earlier_shows_come_back_with_when_and_how_often(tmp_path: Path) -> None:
    path, (first, _second, now) = _log(tmp_path)
    found = read_returning(path, now)
    assert found.sessions == 2
    assert found.viewers == {"old": PastVisits(T0, 2), "buyer": PastVisits(T0 + 2, 1),
                             "fan": PastVisits(T0 + 86_401, 1)}
    assert "lurker" not in found  # only entering, or only liking, is not being seen
    assert "new" not in found  # this show's own viewers are not "returning"
    assert read_returning(path, first).sessions == 0  # the first show has nobody to come back


def test_it_looks_back_a_bounded_number_of_shows_and_keeps_the_most_recent_viewers(tmp_path: Path) -> None:
    path, (_first, _second, now) = _log(tmp_path)
    assert set(read_returning(path, now, sessions=1).viewers) == {"old", "fan"}
    assert set(read_returning(path, now, limit=2).viewers) == {"old", "fan"}  # seen last, kept first


def test_the_lookup_is_one_query_on_the_session_index(tmp_path: Path) -> None:
    path, (_first, _second, now) = _log(tmp_path)
    plan = " / ".join(query_plan(path, now))
    assert "USING INDEX events_session_kind_seq" in plan
    assert "SCAN events" not in plan
