"""What a report's reader must know before its numbers (docs/review.md, "Report notes"): the session is not
finished, some events are off its clock, or the log was written by a newer LiveDeck."""

from __future__ import annotations

from app.core.i18n import tr
from app.review.session import SessionReader
from app.store.schema import SCHEMA_VERSION


def report_notes(reader: SessionReader) -> list[str]:
    """One sentence each, in the report language; empty for a finished session of a sound log."""
    notes = []
    if reader.status == "live":
        notes.append(tr("本场尚未结束（直播中或正在录制）：数字截至最后一条事件"))
    elif reader.status == "interrupted":
        notes.append(tr("本场录制中断，未正常结束：数字截至最后一条事件"))
    if reader.late_events:
        notes.append(tr("{n} 条事件的时间晚于场次结束一天以上（可能是以毫秒记的时间），未画入时间线",
                        n=reader.late_events))
    if reader.schema_version > SCHEMA_VERSION:
        notes.append(tr("此日志由更新版本的 LiveDeck 写入（结构版本 {version}），部分内容可能不在报告中",
                        version=reader.schema_version))
    return notes
