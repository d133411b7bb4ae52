"""The report calls things by their names: the platform as its source does, lucky-bag winners by the name
they had in the show, statuses in words; in Chinese and in English."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from app.core.events import Kind, LiveEvent
from app.review.report import write_report
from app.store.session_log import SessionLog

T0 = 1_767_268_800.0


def _show(path: Path) -> int:
    with SessionLog(path) as log:
        sid = log.start_session("周五上新", "generic:ws://127.0.0.1:8765", started_at=T0)
        events = [LiveEvent(Kind.COMMENT, T0 + 10 + i, user_id=f"u{i}", user_name=f"观众{i}号", text="扣1")
                  for i in range(3)]
        for seq, event in enumerate(events, 1):
            event.seq = seq
        log.append(sid, events)
        log.record_action(sid, command_id="bag", actor="local", name="start_lucky_bag", ts=T0 + 5,
                          args={"condition": {"keyword": "扣1"}, "duration_s": 60, "winners": 1, "seed": 3},
                          result="applied")
        log.record_action(sid, command_id="bag/draw", actor="engine", name="lucky_bag_draw", ts=T0 + 65,
                          args={"bag_id": "bag", "seed": 3, "participants": ["u0", "u1", "u2"], "winners": ["u1"]},
                          result="applied")
        log.end_session(sid, status="ended", ended_at=T0 + 120)
        log.flush()
    return sid


@pytest.mark.parametrize(("lang", "platform", "drawn"),
                         [("zh", "通用 JSON", "已开奖"), ("en", "Generic JSON", "Drawn")])
def test_the_report_names_the_platform_the_winners_and_the_status(
    tmp_path: Path, lang: str, platform: str, drawn: str
) -> None:
    db = tmp_path / "show.sqlite"
    sid = _show(db)
    html = write_report(db, sid, tmp_path / "report.html", lang).read_text(encoding="utf-8")
    book = openpyxl.load_workbook(write_report(db, sid, tmp_path / "report.xlsx", lang), read_only=True)
    cells = {str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row}
    book.close()
    assert platform in cells
    assert "generic" not in cells
    assert "观众1号" in html  # the winner by name
    assert "<td>u1</td>" not in html
    assert f"<td>{drawn}</td>" in html
    assert "<td>drawn</td>" not in html
