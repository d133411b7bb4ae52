"""`make soak`: a long recording under load — nothing lost, memory flat, the log still whole.

Runs for ``LIVEDECK_SOAK_SECONDS`` (default 600) at ``LIVEDECK_SOAK_RATE`` events/s (default 3000), a
demo room in one process and `livedeck record` in another, as on a streamer's PC. Not part of
`make test`.

Memory must stay flat after a warm-up (tests/soak/memory.py says what that means).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.demo_room_process import demo_room_process
from tests.soak.memory import assert_flat, rss_mib

SECONDS = float(os.environ.get("LIVEDECK_SOAK_SECONDS", "600"))
RATE = float(os.environ.get("LIVEDECK_SOAK_RATE", "3000"))


@pytest.mark.soak
@pytest.mark.timeout(SECONDS + 300)
def test_a_long_busy_show_is_recorded_whole_with_flat_memory(tmp_path: Path) -> None:
    env = {**os.environ, "LIVEDECK_HOME": str(tmp_path)}
    db = tmp_path / "soak.sqlite"
    with demo_room_process(rate=RATE, seed=2026, home=tmp_path) as room_url:
        recorder = subprocess.Popen(
            [sys.executable, "-m", "app", "record", "--source", room_url, "--db", str(db),
             "--duration", str(SECONDS), "--title", "soak"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        samples: list[tuple[float, float]] = []
        start = time.monotonic()
        while recorder.poll() is None:
            time.sleep(5)
            try:
                samples.append((time.monotonic() - start, rss_mib(recorder.pid)))
            except OSError:
                break
        out, err = recorder.communicate(timeout=60)
    assert recorder.returncode == 0, err
    with sqlite3.connect(db) as conn:
        total, first, last = conn.execute("select count(*), min(seq), max(seq) from events").fetchone()
        status = conn.execute("select status from sessions").fetchone()[0]
    assert status == "ended"
    assert (first, last) == (1, total)  # every applied event is in the log, none missing in between
    assert f"共 {total} 条事件" in out  # what the recorder applied is what the log holds
    assert total >= RATE * SECONDS * 0.8  # it kept up with the room
    assert "无法保存的事件 0 条" in out, out  # nothing lost…
    assert "拒绝写入 0 次" in out, out  # …nothing refused
    assert_flat(samples, SECONDS)
