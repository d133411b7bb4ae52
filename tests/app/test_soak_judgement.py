"""The soaks' rule for "memory flat" (tests/soak/memory.py): what the console keeps by design is taken out
of RSS before judging, and nothing else is."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.soak.memory import QT_BYTES_PER_QUESTION, assert_flat, by_design_mib, sqlite_mib


def climbing(by: float, kept: float | None = None) -> list[tuple[float, ...]]:
    """Samples of a 600 s run whose RSS climbs ``by`` MiB after the warm-up, ``kept`` of it by design."""
    samples: list[tuple[float, ...]] = []
    for t in range(0, 601, 5):
        rise = by * max(0.0, t - 200) / 400
        rss = 200.0 + rise
        samples.append((float(t), rss) if kept is None else (float(t), rss, kept * rise / by))
    return samples


def test_a_climb_the_console_keeps_by_design_passes_and_the_same_climb_otherwise_fails() -> None:
    assert_flat(climbing(15.0, kept=15.0), 600)
    with pytest.raises(AssertionError, match=r"memory grew 1[34] MiB"):
        assert_flat(climbing(15.0), 600)


def test_only_what_is_kept_by_design_is_taken_out() -> None:
    with pytest.raises(AssertionError, match=r"memory grew 1[01] MiB"):
        assert_flat(climbing(15.0, kept=3.0), 600)


def test_sqlite_memory_is_counted_as_its_page_cache_fills(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "fill.sqlite")
    db.execute("PRAGMA cache_size = -4096")
    db.execute("CREATE TABLE t (x TEXT)")
    before = sqlite_mib()
    db.executemany("INSERT INTO t VALUES (?)", ((f"{i:0400d}",) for i in range(8000)))  # ~3 MiB of pages
    db.commit()
    assert sqlite_mib() - before > 2.0
    questions = by_design_mib(1000, 100_000) - sqlite_mib()
    assert questions == pytest.approx((100_000 + 1000 * QT_BYTES_PER_QUESTION) / 2**20, abs=0.01)
    db.close()
    assert sqlite_mib() < before + 1.0  # closing the connection gives its cache back


def test_sqlite_past_its_caches_bound_fails(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "big.sqlite")
    db.execute("PRAGMA cache_size = -20000")
    db.execute("CREATE TABLE t (x TEXT)")
    db.executemany("INSERT INTO t VALUES (?)", ((f"{i:0400d}",) for i in range(25_000)))  # ~10 MiB
    db.commit()
    try:
        with pytest.raises(AssertionError, match="more than its page caches' bound"):
            by_design_mib(0, 0)
    finally:
        db.close()
