"""The session log's writer on a bad day: one write SQLite refuses costs only itself, and a full disk
(SQLite's own SQLITE_FULL, from ``PRAGMA max_page_count`` on the writer's connection) holds the events in
memory until space returns — none lost, the state told at once."""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

import pytest

from app.core.events import Kind, LiveEvent
from app.store import writer
from app.store.session_log import DiskFullError, SessionLog


def comments(n: int, start_seq: int = 1) -> list[LiveEvent]:
    return [LiveEvent(Kind.COMMENT, 1_700_000_000.0 + i, user_id=f"u{i % 50}", user_name=f"观众{i % 50}",
                      text=f"想要3号链接 第{i}条 " + "有货吗" * 20, msg_id=f"m{i}", seq=i)
            for i in range(start_seq, start_seq + n)]


def wait_for(condition, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    """The writer is a thread: poll its state (no event loop here) until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout} s and it never happened"
        time.sleep(0.01)


def set_max_pages(store: SessionLog, pages: int | None) -> int:
    """Cap the writer connection's database at ``pages`` pages above its size now (None: lift the cap);
    returns the page count when it ran."""
    def pragma(conn: sqlite3.Connection) -> int:
        count = int(conn.execute("PRAGMA page_count").fetchone()[0])
        conn.execute(f"PRAGMA max_page_count = {count + pages if pages is not None else 1_000_000_000}")
        return count
    return int(store._writer.configure(pragma))


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    log = SessionLog(tmp_path / "sessions.sqlite")
    yield log
    log.close()


def test_a_call_sqlite_refuses_costs_only_itself(store: SessionLog, caplog: pytest.LogCaptureFixture) -> None:
    sid = store.start_session("早场", "demo")
    store.append(sid, comments(10))
    # A metrics snapshot with a value SQLite cannot bind (past 64 bits), in the same batch as the events.
    store.append_metrics(sid, [{"ts": 1_700_000_001.0, "likes": 3 * 2**62}])
    store.append(sid, comments(10, start_seq=11))
    store.append_metrics(sid, [{"ts": 1_700_000_002.0, "likes": 5}])
    with caplog.at_level(logging.ERROR, logger="livedeck.store"):
        store.flush()  # nothing raised: the refusal was handled where it happened
    assert [e.seq for e in store.events(sid)] == list(range(1, 21))
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("SELECT likes FROM metrics").fetchall() == [(5,)]
    assert store.refused_writes == 1
    refusals = [r for r in caplog.records if "refused one" in r.getMessage()]
    assert len(refusals) == 1
    assert "OverflowError" in refusals[0].getMessage()


def test_disk_full_holds_the_events_and_writes_them_when_space_returns(store: SessionLog) -> None:
    sid = store.start_session("早场", "demo")
    states: list[bool] = []
    store.subscribe_status(states.append)
    total = fill(store, sid, 4)
    for _ in range(10):  # the show goes on while the disk is full: the writer keeps taking events
        store.append(sid, comments(500, start_seq=total + 1))
        total += 500
    store.flush()
    assert states == [True]
    assert store.disk_full
    assert store.count_events(sid) < total

    set_max_pages(store, None)  # space returns
    wait_for(lambda: not store.disk_full)
    store.flush()
    assert states == [True, False]
    assert [e.seq for e in store.events(sid)] == list(range(1, total + 1))
    assert store.lost_events == 0


def test_a_waited_call_fails_at_once_while_the_disk_is_full(store: SessionLog) -> None:
    sid = store.start_session("早场", "demo")
    fill(store, sid, 2)
    started = time.monotonic()
    with pytest.raises(DiskFullError, match="磁盘已满"):
        store.end_session(sid)
    assert time.monotonic() - started < 2.0


def fill(store: SessionLog, sid: int, pages: int) -> int:
    """Cap the log ``pages`` past its size and append until the writer says the disk is full; returns
    how many events were appended."""
    set_max_pages(store, pages)
    total = 0
    while not store.disk_full:
        assert total < 100_000, "the capped log never filled"
        store.append(sid, comments(500, start_seq=total + 1))
        total += 500
        store.flush()
    return total


def test_past_the_bound_events_are_counted_lost_not_silently_dropped(
    store: SessionLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer, "MAX_HELD_EVENTS", 2_000)
    sid = store.start_session("早场", "demo")
    total = fill(store, sid, 2)
    for _ in range(10):
        store.append(sid, comments(500, start_seq=total + 1))
        total += 500
    store.flush()
    set_max_pages(store, None)
    wait_for(lambda: not store.disk_full)
    store.flush()
    stored = store.count_events(sid)
    assert store.lost_events > 0
    assert stored + store.lost_events == total  # every event is either in the log or counted


def test_closing_on_a_full_disk_returns_at_once_and_counts_what_is_lost(tmp_path: Path) -> None:
    store = SessionLog(tmp_path / "sessions.sqlite")
    sid = store.start_session("早场", "demo")
    total = fill(store, sid, 2)
    started = time.monotonic()
    store.close()  # nothing hangs, nothing raised
    assert time.monotonic() - started < 2.0
    with sqlite3.connect(store.path) as conn:
        stored = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    assert store.lost_events > 0
    assert stored + store.lost_events == total
