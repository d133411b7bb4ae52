"""Damaged and foreign logs (issue 15, item 7): ``livedeck report``, ``record`` and ``replay`` say one clear
line about a garbage, truncated, corrupt, locked or newer log, never a traceback, never a hang, and never
change it; a report reads a log on a read-only medium, and says when its session is unfinished. Real
SQLite files, the real command line."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.store.schema import SCHEMA_VERSION
from tests.faults.report_logs import evil_log, livedeck, one_clear_line

NOWHERE = "ws://127.0.0.1:9/"  # nothing listens: record must refuse the log before it connects


def _damaged(tmp_path: Path, how: str) -> Path:
    good = tmp_path / "good.sqlite"
    evil_log(good)
    path = tmp_path / f"{how}.sqlite"
    data = good.read_bytes()
    if how == "garbage":
        path.write_bytes(bytes(range(256)) * 40)
    elif how == "truncated":
        path.write_bytes(data[:6000])
    elif how == "corrupt":  # a sound header, one b-tree page overwritten: only quick_check sees it
        shutil.copy(good, path)
        conn = sqlite3.connect(path)
        page = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'events_session_ts'").fetchone()[0]
        conn.close()
        with path.open("r+b") as f:
            f.seek(4096 * (page - 1))
            f.write(b"\x0d\x00\x00\xff\xff")
    elif how == "newer":
        shutil.copy(good, path)
        conn = sqlite3.connect(path)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        conn.close()
    return path


@pytest.mark.parametrize("how", ["garbage", "truncated", "corrupt"])
def test_a_report_of_a_garbage_or_truncated_file_is_one_line(tmp_path: Path, how: str) -> None:
    path = _damaged(tmp_path, how)
    before = path.read_bytes()
    line = one_clear_line(livedeck("report", str(path), "-o", str(tmp_path / "r.html")))
    assert "不是 LiveDeck 会话日志，或文件已损坏" in line
    assert path.read_bytes() == before
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("how", ["garbage", "truncated", "corrupt", "newer"])
def test_record_refuses_a_damaged_or_newer_log_and_leaves_it_as_it_was(tmp_path: Path, how: str) -> None:
    path = _damaged(tmp_path, how)
    before = path.read_bytes()
    line = one_clear_line(livedeck("record", "--source", NOWHERE, "--db", str(path), "--duration", "1"))
    assert line.startswith("无法录制：")
    expected = {"garbage": "不是 LiveDeck 会话日志", "truncated": "不是 LiveDeck 会话日志", "corrupt": "已损坏",
                "newer": "由更新版本的 LiveDeck 写入"}[how]
    assert expected in line
    assert path.read_bytes() == before


def test_a_newer_log_is_reported_with_a_warning_and_replayed_with_one(tmp_path: Path) -> None:
    path = _damaged(tmp_path, "newer")
    before = path.read_bytes()
    result = livedeck("report", str(path), "-o", str(tmp_path / "r.html"))
    assert result.returncode == 0, result.stderr
    assert "注意：此日志由更新版本的 LiveDeck 写入" in result.stderr
    assert "由更新版本的 LiveDeck 写入" in (tmp_path / "r.html").read_text(encoding="utf-8")
    assert path.read_bytes() == before
    for how in ("garbage", "truncated"):
        line = one_clear_line(livedeck("replay", str(_damaged(tmp_path, how)), "--port", "0"))
        assert line.startswith("无法回放：")


def test_a_locked_log_is_one_line_not_a_hang(tmp_path: Path) -> None:
    path = tmp_path / "locked.sqlite"
    evil_log(path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")  # a rollback-journal log: a writer locks readers out
    conn.execute("BEGIN EXCLUSIVE")
    conn.execute("UPDATE sessions SET title = title")
    try:
        line = one_clear_line(livedeck("report", str(path), "-o", str(tmp_path / "r.html"), timeout=40))
        assert "正被另一个程序写入并锁定" in line
        line = one_clear_line(livedeck("record", "--source", NOWHERE, "--db", str(path), timeout=40))
        assert "正被另一个程序写入并锁定" in line
    finally:
        conn.execute("ROLLBACK")
        conn.close()


@contextlib.contextmanager
def _read_only_medium(log: Path) -> Iterator[Path]:
    """``log`` copied onto a real read-only file system (a tmpfs remounted ro); skipped where the test
    cannot mount."""
    where = Path(tempfile.mkdtemp(prefix="livedeck-ro-"))
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(where)], capture_output=True,
                      check=False).returncode != 0:
        where.rmdir()
        pytest.skip("mounting a file system needs root")
    try:
        shutil.copy(log, where / log.name)
        subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True, capture_output=True)
        yield where / log.name
    finally:
        subprocess.run(["umount", str(where)], check=True, capture_output=True)
        where.rmdir()


def test_a_report_reads_a_wal_log_on_a_read_only_medium(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    evil_log(path)
    with _read_only_medium(path) as on_medium:
        plain = sqlite3.connect(on_medium.as_uri() + "?mode=ro", uri=True)
        try:
            with pytest.raises(sqlite3.Error):  # the -shm a WAL log needs cannot be made there
                plain.execute("SELECT count(*) FROM events").fetchone()
        finally:
            plain.close()
        for ext in (".html", ".csv"):
            result = livedeck("report", str(on_medium), "-o", str(tmp_path / f"r{ext}"))
            assert result.returncode == 0, result.stderr
    assert "春季上新" in (tmp_path / "r.html").read_text(encoding="utf-8")
    assert len((tmp_path / "r.csv").read_text(encoding="utf-8-sig").strip().splitlines()) > 5


def test_a_report_of_an_unfinished_session_says_so(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    evil_log(path, end=False)  # still live, as a recorder that runs (or crashed) leaves it
    result = livedeck("report", str(path), "-o", str(tmp_path / "r.html"))
    assert result.returncode == 0, result.stderr
    assert "注意：本场尚未结束" in result.stderr
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert '<p class="note">本场尚未结束（直播中或正在录制）' in html
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE sessions SET status = 'interrupted'")
    conn.close()
    assert livedeck("report", str(path), "-o", str(tmp_path / "r.xlsx")).returncode == 0
    from openpyxl import load_workbook

    overview = dict(load_workbook(tmp_path / "r.xlsx")["概览"].iter_rows(min_row=2, values_only=True))
    assert overview["注意"].startswith("本场录制中断")


@pytest.mark.parametrize("how", ["garbage", "corrupt", "newer"])
def test_the_console_says_one_line_about_a_damaged_log_and_leaves_it(
        tmp_path: Path, how: str, qapp: object, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from PySide6.QtWidgets import QMessageBox

    from app.cli import build_parser
    from app.core.settings import Settings
    from ui import console

    path = _damaged(tmp_path, how)
    before = path.read_bytes()
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, _title, text, *a: shown.append(text))
    assert console.run(build_parser().parse_args(["--db", str(path)]), Settings(tmp_path / "settings.json")) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(shown) == 1
    assert err == shown
    assert shown[0].startswith("无法打开场次日志：")
    assert "Traceback" not in shown[0]
    assert path.read_bytes() == before


def test_the_review_window_says_one_line_when_a_report_of_a_damaged_log_fails(
        tmp_path: Path, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox, QWidget

    from ui.review.report_saving import _ReportJob

    path = _damaged(tmp_path, "corrupt")
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text, *a: shown.append(text))
    parent = QWidget()
    qtbot.addWidget(parent)
    _ReportJob(parent, path, 1, str(tmp_path / "r.html"))
    qtbot.waitUntil(lambda: bool(shown), timeout=30_000)
    assert shown == ["报告生成失败：corrupt.sqlite 不是 LiveDeck 会话日志，或文件已损坏"
                     "（database disk image is malformed）"]
    assert not (tmp_path / "r.html").exists()
