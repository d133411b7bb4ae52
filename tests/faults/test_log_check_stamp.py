"""The page check before appending runs once per change of the file (app/store/integrity.py): a log this
LiveDeck closed cleanly opens again without reading every page, and a log anything else touched since —
a damaged page, a crash mid-write — is checked in full and refused when damaged. Real SQLite files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.core.events import Kind, LiveEvent
from app.store import integrity
from app.store.session_log import SessionLog, SessionLogError
from tests.faults.report_logs import evil_log


@pytest.fixture
def page_checks(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The logs whose pages were checked (``PRAGMA quick_check``), in order."""
    checked: list[Path] = []
    real = integrity.page_problems

    def counting(conn: sqlite3.Connection) -> list[str]:
        checked.append(Path(conn.execute("PRAGMA database_list").fetchone()[2]))
        return real(conn)

    monkeypatch.setattr(integrity, "page_problems", counting)
    return checked


def _damage_a_page(path: Path) -> None:
    """Overwrite the start of one index page: the header stays sound, only the page check sees it."""
    conn = sqlite3.connect(path)
    page = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'events_session_ts'").fetchone()[0]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with path.open("r+b") as f:
        f.seek(size * (page - 1))
        f.write(b"\x0d\x00\x00\xff\xff")


def test_a_cleanly_closed_log_skips_the_page_check_and_a_damaged_one_is_still_refused(
        tmp_path: Path, page_checks: list[Path]) -> None:
    path = tmp_path / "sessions.sqlite"
    evil_log(path)  # written and closed cleanly
    with SessionLog(path) as log:  # nothing touched it since: no page read
        sid = log.start_session("第二场", "demo")
        log.append(sid, [LiveEvent(Kind.COMMENT, 1_700_000_100.0, user_id="u", text="又来了", msg_id="x", seq=1)])
    assert page_checks == []
    _damage_a_page(path)  # another program (or the disk) changed it after the clean close
    with pytest.raises(SessionLogError, match="已损坏"):
        SessionLog(path)
    assert page_checks == [path]


def test_an_open_log_has_no_stamp_so_a_crash_means_a_full_check_next_time(
        tmp_path: Path, page_checks: list[Path]) -> None:
    path = tmp_path / "sessions.sqlite"
    evil_log(path)
    stamp = path.with_name(path.name + ".checked")
    assert stamp.is_file()
    log = SessionLog(path)
    try:
        assert not stamp.exists()  # killed from here on, the file is not vouched for
    finally:
        log.close()
    assert stamp.is_file()
    stamp.write_text("0:0:0", encoding="ascii")  # a stamp that no longer matches the file
    SessionLog(path).close()
    assert page_checks == [path]
