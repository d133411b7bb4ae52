"""The SQLite session log: real files in tmp_path, real threads, a real killed process."""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.core.bounds import check_event
from app.core.events import Kind, LiveEvent
from app.core.metric_fields import METRIC_FIELDS, METRIC_NAMES
from app.store.rows import EVENT_BLOCK
from app.store.session_log import METRICS_COLUMNS, SCHEMA_VERSION, SessionLog, SessionLogError, open_readonly

REPO = Path(__file__).resolve().parents[2]
BIG_ID = "3546569288714792123"  # > 2**53: a float would turn it into ...2000


def comments(n: int, start_seq: int = 1, ts0: float = 1_700_000_000.0) -> list[LiveEvent]:
    return [
        LiveEvent(Kind.COMMENT, ts0 + i * 0.01, user_id=str(10**18 + i), user_name=f"观众{i}",
                  text=f"扣1 第{i}条", seq=start_seq + i)
        for i in range(n)
    ]


@pytest.fixture
def store(tmp_path: Path):
    with SessionLog(tmp_path / "data" / "sessions.sqlite") as log:
        yield log


@pytest.fixture
def write_lock(tmp_path: Path):
    """Another process's view: a connection that can take the log's write lock and hold it."""
    conns: list[sqlite3.Connection] = []

    def take(path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        conns.append(conn)
        return conn

    yield take
    for conn in conns:
        conn.close()


def test_events_round_trip_exactly(store: SessionLog) -> None:
    sid = store.start_session("春季上新专场", "demo")
    sent = [
        LiveEvent(Kind.COMMENT, 1_700_000_000.25, user_id=BIG_ID, user_name="小美🌸",
                  text="3号有货吗？多少钱", msg_id="7301234567890123456", seq=1),
        LiveEvent(Kind.GIFT, 1_700_000_001.5, user_id="42", user_name="土豪", text="嘉年华", count=2,
                  amount_fen=600_000, seq=2),
        LiveEvent(Kind.ORDER, 1_700_000_002.0, user_id=BIG_ID, product_id="SKU-003", count=3,
                  amount_fen=29_700, seq=3),
        LiveEvent(Kind.VIEWER_STATS, 1_700_000_003.0, count=1234,
                  extra={"total_viewers": 56789, "说明": "累计"}, seq=4),
    ]
    store.append(sid, sent)
    store.flush()

    got = store.events(sid)
    assert got == sent
    assert got[0].user_id == BIG_ID
    assert got[3].extra == {"total_viewers": 56789, "说明": "累计"}
    assert store.written_events == 4



def test_extra_is_stored_as_the_bounds_check_encoded_it_and_afresh_once_replaced(store: SessionLog) -> None:
    now = 1_700_000_000.0
    kept = LiveEvent(Kind.GIFT, now, extra={"gift_id": "1", "说明": "玫瑰", "ratio": 1.5}, seq=1)
    replaced = LiveEvent(Kind.GIFT, now, extra={"gift_id": "1"}, seq=2)
    cleaned = LiveEvent(Kind.COMMENT, now, extra={"who": "半个\ud83d"}, seq=3)
    assert [check_event(e, now) for e in (kept, replaced, cleaned)] == [None, None, None]
    assert kept.extra_json is not None  # the check's text rides along to the writer
    replaced.extra = {"gift_id": "2"}  # a new dict: the check's text no longer describes it
    sid = store.start_session("show", "demo")
    store.append(sid, [kept, replaced, cleaned])
    store.flush()
    reader = open_readonly(store.path)
    try:
        stored = [r[0] for r in reader.execute("SELECT extra FROM events ORDER BY seq")]
    finally:
        reader.close()
    assert stored == ['{"gift_id": "1", "说明": "玫瑰", "ratio": 1.5}', '{"gift_id": "2"}', '{"who": "半个\ufffd"}']

def test_extra_a_source_encoded_is_still_held_to_the_bounds(store: SessionLog) -> None:
    # A source may hand the bounds check extra's text (LiveEvent.extra_json); the check still cleans a
    # lone surrogate out of that text and refuses it past the size bound, and ignores it once extra changed.
    now = 1_700_000_000.0
    half = {"who": "半个\ud83d"}
    cleaned = LiveEvent(Kind.COMMENT, now, extra=half, extra_json=(half, '{"who": "半个\ud83d"}'), seq=1)
    big = {"note": "长" * 20_000}
    too_large = LiveEvent(Kind.COMMENT, now, extra=big, extra_json=(big, '{"note": "' + "长" * 20_000 + '"}'))
    stale = LiveEvent(Kind.COMMENT, now, extra={"n": 2}, extra_json=({"n": 1}, '{"n": 1}'), seq=2)
    assert check_event(too_large, now) == "extra is too large (at most 10000 characters as JSON)"
    assert [check_event(e, now) for e in (cleaned, stale)] == [None, None]
    assert cleaned.extra == {"who": "半个\ufffd"}
    sid = store.start_session("show", "demo")
    store.append(sid, [cleaned, stale])
    store.flush()
    reader = open_readonly(store.path)
    try:
        stored = [r[0] for r in reader.execute("SELECT extra FROM events ORDER BY seq")]
    finally:
        reader.close()
    assert stored == ['{"who": "半个\ufffd"}', '{"n": 2}']


def test_events_come_back_in_seq_order_and_page_by_kind(store: SessionLog) -> None:
    sid = store.start_session("show", "demo")
    later, earlier = comments(5, start_seq=6), comments(5, start_seq=1)
    store.append(sid, later)
    store.append(sid, earlier)
    store.append(sid, [LiveEvent(Kind.LIKE, 1_700_000_009.0, count=30, seq=11)])
    store.flush()

    assert [e.seq for e in store.events(sid)] == list(range(1, 12))
    assert [e.seq for e in store.events(sid, after_seq=4, limit=3)] == [5, 6, 7]
    assert [e.seq for e in store.events(sid, kinds=[Kind.LIKE])] == [11]
    assert store.events(sid, kinds=[]) == []
    assert store.count_events(sid) == 11
    assert store.count_events(sid, Kind.COMMENT) == 10


def test_append_returns_while_the_disk_is_busy(tmp_path: Path, write_lock) -> None:
    path = tmp_path / "sessions.sqlite"
    with SessionLog(path, busy_timeout=30) as store:
        sid = store.start_session("show", "demo")
        other = write_lock(path)  # the writer cannot commit until this lets go

        started = time.monotonic()
        for i in range(20):
            store.append(sid, comments(500, start_seq=1 + i * 500))
        assert time.monotonic() - started < 1.0  # a blocked append would wait for the 30 s busy timeout
        assert store.count_events(sid) == 0

        other.execute("ROLLBACK")
        store.flush()
        assert store.count_events(sid) == 10_000


def test_flush_makes_events_visible_to_a_readonly_connection(store: SessionLog) -> None:
    sid = store.start_session("show", "demo")
    reader = open_readonly(store.path)
    try:
        store.append(sid, comments(300))
        store.flush()
        assert reader.execute("SELECT count(*) FROM events WHERE session_id = ?", (sid,)).fetchone() == (300,)
        row = reader.execute("SELECT user_id, typeof(user_id), text FROM events WHERE seq = 1").fetchone()
        assert row == (str(10**18), "text", "扣1 第0条")
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader.execute("DELETE FROM events")
    finally:
        reader.close()


KILLED_SHOW = """
import sys, time
from app.core.events import LiveEvent
from app.store.session_log import SessionLog
store = SessionLog(sys.argv[1])
sid = store.start_session("被中断的直播", "demo")
store.append(sid, [LiveEvent("comment", 1_700_000_000.0 + i, user_id="3546569288714792123",
                             text=f"第{i}条", seq=i + 1) for i in range(2000)])
store.flush()
print(sid, flush=True)
time.sleep(60)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_killed_show_is_marked_interrupted_and_keeps_its_flushed_events(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", KILLED_SHOW, str(path)], stdout=subprocess.PIPE,
                            env=env, text=True)
    try:
        sid = int(proc.stdout.readline())  # type: ignore[union-attr]
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()  # type: ignore[union-attr]

    with SessionLog(path) as store:
        session = store.session(sid)
        assert session is not None
        assert session["status"] == "interrupted"
        assert session["event_count"] == 2000
        assert session["ended_at"] == 1_700_000_000.0 + 1999  # the last event seen
        events = store.events(sid)
        assert [e.seq for e in events] == list(range(1, 2001))
        assert events[-1].text == "第1999条"
        assert events[-1].user_id == "3546569288714792123"


def test_a_session_of_a_running_process_stays_live(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite"
    with SessionLog(path) as first:
        sid = first.start_session("show", "demo")
        with SessionLog(path) as second:  # e.g. the review window opening the same log mid-show
            assert second.session(sid)["status"] == "live"  # type: ignore[index]


def test_end_session_records_status_time_and_count(store: SessionLog) -> None:
    first = store.start_session("早场", "demo", started_at=1_700_000_000.0)
    second = store.start_session("晚场", "bilibili:123", started_at=1_700_040_000.0)
    store.append(second, comments(7))
    store.end_session(second, ended_at=1_700_050_000.0)

    newest, oldest = store.sessions()
    assert (newest["id"], oldest["id"]) == (second, first)
    assert newest["title"] == "晚场"
    assert newest["source"] == "bilibili:123"
    assert newest["status"] == "ended"
    assert newest["ended_at"] == 1_700_050_000.0
    assert newest["event_count"] == 7
    assert newest["pid"] == os.getpid()
    assert oldest["status"] == "live"
    assert oldest["ended_at"] is None
    assert store.session(9999) is None
    with pytest.raises(ValueError, match="status"):
        store.end_session(first, status="paused")


def test_schema_version_is_recorded_and_reopening_migrates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite"
    with SessionLog(path) as store:
        sid = store.start_session("show", "demo")
        store.append(sid, comments(3))

    def schema() -> tuple[int, list[tuple[str, str]]]:
        conn = open_readonly(path)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            return version, conn.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
        finally:
            conn.close()

    version, tables = schema()
    assert version == SCHEMA_VERSION >= 1
    assert {"sessions", "events", "actions"} <= {name for name, _ in tables}
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()

    with SessionLog(path) as again:
        assert again.count_events(sid) == 3
    assert schema() == (version, tables)


def test_a_log_from_a_newer_livedeck_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SessionLogError, match="更新版本"):
        SessionLog(path)
    assert not any(t.name == "livedeck-log-writer" for t in threading.enumerate())


def test_an_action_round_trips(store: SessionLog) -> None:
    sid = store.start_session("show", "demo")
    store.record_action(sid, command_id="c-1", actor="场控小王", name="push_product",
                        args={"product_id": "SKU-003", "价格": 9900}, ts=1_700_000_010.0, result="applied",
                        after_seq=7)
    store.record_action(sid, command_id="c-1", actor="场控小王", name="push_product",
                        args={"product_id": "SKU-003", "价格": 9900}, ts=1_700_000_010.2, result="duplicate",
                        detail="already applied")
    store.flush()

    applied, duplicate = store.actions(sid)
    assert applied == {"session_id": sid, "command_id": "c-1", "actor": "场控小王", "name": "push_product",
                       "args": {"product_id": "SKU-003", "价格": 9900}, "ts": 1_700_000_010.0,
                       "result": "applied", "detail": "", "after_seq": 7}
    assert (duplicate["result"], duplicate["detail"], duplicate["after_seq"]) == ("duplicate", "already applied", None)
    with pytest.raises(ValueError, match="result"):
        store.record_action(sid, command_id="c-2", actor="a", name="n", args={}, ts=0.0, result="ok")


def test_a_resent_seq_keeps_the_first_copy(store: SessionLog) -> None:
    sid = store.start_session("show", "demo")
    store.append(sid, comments(3))
    store.append(sid, [LiveEvent(Kind.COMMENT, 1.0, text="重发", seq=2), *comments(2, start_seq=4)])
    store.flush()
    texts = [e.text for e in store.events(sid)]
    assert texts == ["扣1 第0条", "扣1 第1条", "扣1 第2条", "扣1 第0条", "扣1 第1条"]
    assert store.written_events == 5


def test_one_unstorable_event_does_not_cost_its_batch(store: SessionLog, caplog) -> None:
    sid = store.start_session("show", "demo")
    bad = LiveEvent(Kind.COMMENT, 1.0, user_name=["not", "text"], seq=2)  # type: ignore[arg-type]
    store.append(sid, [*comments(1), bad, *comments(1, start_seq=3)])
    store.flush()
    assert [e.seq for e in store.events(sid)] == [1, 3]
    assert "unstorable event" in caplog.text


def test_an_integer_beyond_64_bits_does_not_cost_its_batch(store: SessionLog, caplog) -> None:
    sid = store.start_session("show", "demo")
    bad = LiveEvent(Kind.ORDER, 1.0, count=1, amount_fen=2**64, seq=2)
    store.append(sid, [*comments(1), bad, *comments(1, start_seq=3)])
    store.flush()
    assert [e.seq for e in store.events(sid)] == [1, 3]
    assert "unstorable event" in caplog.text


def test_a_big_batch_is_written_in_blocks_whole_and_in_order_a_resent_seq_and_a_bad_event_cost_only_themselves(
        store: SessionLog, caplog) -> None:
    # 2 blocks of EVENT_BLOCK rows and 7 left over; the bad event and the re-sent seq sit in the second block.
    sid = store.start_session("show", "demo")
    store.append(sid, comments(10))
    store.flush()
    n = 2 * EVENT_BLOCK + 7
    batch = comments(n, start_seq=11)
    batch[EVENT_BLOCK + 3] = LiveEvent(Kind.ORDER, 1.0, amount_fen=2**64, seq=EVENT_BLOCK + 14)
    batch[EVENT_BLOCK + 5] = LiveEvent(Kind.COMMENT, 1.0, text="重发", seq=4)
    store.append(sid, batch)
    store.flush()
    stored = store.events(sid)
    assert [e.seq for e in stored] == [s for s in range(1, n + 11) if s != EVENT_BLOCK + 14 and s != EVENT_BLOCK + 16]
    assert stored[3].text == "扣1 第3条"  # seq 4 keeps its first copy
    assert [e.text for e in stored[10:13]] == ["扣1 第0条", "扣1 第1条", "扣1 第2条"]
    assert store.written_events == n + 10 - 2
    assert "unstorable event" in caplog.text


def test_a_writer_error_surfaces_from_flush(tmp_path: Path, write_lock, caplog) -> None:
    path = tmp_path / "sessions.sqlite"
    store = SessionLog(path, busy_timeout=0.05)
    try:
        sid = store.start_session("show", "demo")
        other = write_lock(path)
        store.append(sid, comments(10))
        with caplog.at_level(logging.ERROR, logger="livedeck.store"), \
                pytest.raises(sqlite3.OperationalError, match="locked"):
            store.flush()
        assert any(r.exc_info for r in caplog.records if r.name == "livedeck.store")

        other.execute("ROLLBACK")
        store.append(sid, comments(5, start_seq=11))
        store.flush()  # the error was reported once; the writer kept going
        assert [e.seq for e in store.events(sid)] == list(range(11, 16))
    finally:
        store.close()


def test_close_is_idempotent_and_stops_the_writer(tmp_path: Path) -> None:
    store = SessionLog(tmp_path / "sessions.sqlite")
    sid = store.start_session("show", "demo")
    store.append(sid, comments(50))
    assert any(t.name == "livedeck-log-writer" for t in threading.enumerate())
    store.close()
    store.close()
    assert not store._writer.thread.is_alive()
    assert store.count_events(sid) == 50  # close flushed what was queued
    with pytest.raises(SessionLogError, match="closed"):
        store.append(sid, comments(1))


def test_every_table_column_and_event_kind_is_documented(store: SessionLog) -> None:
    doc = (REPO / "docs" / "schema.md").read_text(encoding="utf-8")
    conn = open_readonly(store.path)
    try:
        for table in ("sessions", "events", "actions", "products", "metrics", "shop_orders"):
            assert f"### `{table}`" in doc
            for (column,) in conn.execute(f"SELECT name FROM pragma_table_info('{table}')"):
                assert f"| `{column}` |" in doc, f"{table}.{column} is not documented"
    finally:
        conn.close()
    for kind in Kind:
        assert f"| `{kind.value}` |" in doc, f"event kind {kind.value} is not documented"


def test_the_metrics_table_has_exactly_the_declared_metric_fields(store: SessionLog) -> None:
    """A metric field is added in app.core.metric_fields *and* by a migration adding its column, or not
    at all: the table a fresh log gets (every migration run) has the declared fields, typed, and no other."""
    conn = open_readonly(store.path)
    try:
        columns = [(name, sql_type, notnull) for _, name, sql_type, notnull, _, _ in
                   conn.execute("PRAGMA table_info('metrics')")]
    finally:
        conn.close()
    assert columns[0] == ("session_id", "INTEGER", 1)
    assert sorted(columns[1:]) == sorted((f.name, f.sql_type, 1) for f in METRIC_FIELDS)
    assert len(columns) == len(METRIC_FIELDS) + 1
    assert {f.sql_type for f in METRIC_FIELDS} <= {"INTEGER", "REAL"}
    assert METRICS_COLUMNS == METRIC_NAMES
