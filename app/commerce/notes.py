"""Teleprompter notes (提词), comments the team posts to the room (发评论) and the pinned comment (置顶评论)."""

from __future__ import annotations

from typing import Any

from app.commerce.effects import ChangeAction, ChangeKind, CommandError, Context
from app.commerce.state import MAX_NOTES, Note
from app.core.i18n import tr

MAX_NOTE_TEXT = 500
#: What a platform's comment box takes (巨量百应/抖店 cut at 50 characters).
MAX_COMMENT_TEXT = 50


def note(ctx: Context, args: dict[str, Any]) -> None:
    text = args["text"].strip()
    if not text:
        raise CommandError(tr("提词内容不能为空"))
    cmd = ctx.command
    assert cmd is not None
    notes = ctx.state.notes
    notes.append(Note(ctx.wall, cmd.actor, text[:MAX_NOTE_TEXT], cmd.command_id))
    del notes[:-MAX_NOTES]
    ctx.changed(ChangeKind.NOTES, cmd.command_id, ChangeAction.ADDED)


def send_comment(ctx: Context, args: dict[str, Any]) -> None:
    """A comment for the platform's live console to post (置顶 when ``pin``): checked and logged here.

    Nothing changes in the commerce state; the console connector (app/connectors/console/) posts it and
    logs the page's answer as its own ``actions`` row.
    """
    text = args["text"].strip()
    if not text:
        raise CommandError(tr("评论内容不能为空"))
    if len(text) > MAX_COMMENT_TEXT:
        raise CommandError(tr("评论太长（最多 {limit} 字）", limit=MAX_COMMENT_TEXT))
    ctx.effects.logged_args.update(text=text)
    ctx.effects.detail = text


def pin_comment(ctx: Context, args: dict[str, Any]) -> None:
    seq = args["seq"]
    event = next((e for e in reversed(ctx.state.recent_comments) if e.seq == seq), None)
    if event is None:
        raise CommandError(tr("找不到第 {seq} 条评论", seq=seq))
    ctx.state.pinned = event
    ctx.changed(ChangeKind.PINNED, seq)
    ctx.effects.logged_args.update(user_name=event.user_name, text=event.text)
    ctx.effects.detail = f"{event.user_name}: {event.text[:50]}"


def unpin_comment(ctx: Context, args: dict[str, Any]) -> None:
    if ctx.state.pinned is not None:
        ctx.state.pinned = None
        ctx.changed(ChangeKind.PINNED, None, ChangeAction.REMOVED)
