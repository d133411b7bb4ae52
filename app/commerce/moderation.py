"""Blocking a viewer (屏蔽此人) for this show: ``block_viewer {uid, name?}`` and ``unblock_viewer {uid}``.

A block changes no event: the viewer's comments stay in the log, and the command's ``actions`` row is
the flag the review reads. The live views hear ``Change("blocked", uid)`` and hide the viewer from then on
(app/comments/moderation.py).
"""

from __future__ import annotations

from typing import Any

from app.commerce.effects import ChangeAction, ChangeKind, CommandError, Context
from app.core.i18n import tr

MAX_BLOCKED = 10_000
MAX_NAME = 100


def block_viewer(ctx: Context, args: dict[str, Any]) -> None:
    uid = args["uid"].strip()
    if not uid:
        raise CommandError(tr("缺少观众 id"))
    blocked = ctx.state.blocked
    if uid not in blocked and len(blocked) >= MAX_BLOCKED:
        raise CommandError(tr("屏蔽名单已满（最多 {limit} 人）", limit=MAX_BLOCKED))
    name = (args["name"] or "").strip()[:MAX_NAME]
    blocked[uid] = name
    ctx.changed(ChangeKind.BLOCKED, uid, ChangeAction.ADDED)
    ctx.effects.detail = name or uid


def unblock_viewer(ctx: Context, args: dict[str, Any]) -> None:
    uid = args["uid"].strip()
    name = ctx.state.blocked.pop(uid, None)
    if name is None:
        raise CommandError(tr("这位观众没有被屏蔽"))
    ctx.changed(ChangeKind.BLOCKED, uid, ChangeAction.REMOVED)
    ctx.effects.detail = name or uid
