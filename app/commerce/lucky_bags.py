"""Lucky bags (福袋): viewers enter by a keyword comment or a follow; at the deadline winners are drawn
from a logged seed, so the draw can be checked afterwards (``draw_winners`` over the logged participants)."""

from __future__ import annotations

import secrets
from typing import Any

from app.commerce.effects import ChangeAction, ChangeKind, CommandError, Context
from app.commerce.promotions import LuckyBag, draw_winners
from app.core.events import Command, LiveEvent, LuckyBagNotice
from app.core.i18n import tr


def start_lucky_bag(ctx: Context, args: dict[str, Any]) -> None:
    condition = args["condition"]
    keyword, follow = condition.get("keyword"), condition.get("follow")
    if isinstance(keyword, str) and keyword.strip():
        condition = {"keyword": keyword.strip()}
    elif follow is True:
        condition = {"follow": True}
    else:
        raise CommandError(tr("参数 condition 必须含 keyword（评论关键词）或 follow: true（关注）"))
    duration, winners = args["duration_s"], args["winners"]
    seed = args["seed"] if args["seed"] is not None else secrets.randbits(63)
    state = ctx.state
    if state.lucky_bag_running:
        raise CommandError(tr("已有福袋在进行，一次只能开一个"))
    cmd = ctx.command
    assert cmd is not None
    bag = LuckyBag(cmd.command_id, condition, winners, seed, ctx.now + duration, ctx.wall + duration)
    state.lucky_bag = bag
    state.lucky_bags.append(bag)
    ctx.system(
        tr("福袋开始：{seconds} 秒后开奖，抽 {winners} 人", seconds=f"{duration:g}", winners=winners),
        lucky_bag=LuckyBagNotice.STARTED, bag_id=bag.bag_id, condition=condition,
    )
    ctx.changed(ChangeKind.LUCKY_BAG, bag.bag_id, ChangeAction.ADDED)
    ctx.effects.logged_args.update(seed=seed, condition=condition, ends_at_wall=bag.ends_at_wall)
    ctx.effects.detail = f"seed {seed}"


def cancel_lucky_bag(ctx: Context, args: dict[str, Any]) -> None:
    bag = ctx.state.lucky_bag
    if bag is None or bag.status != "running":
        raise CommandError(tr("没有进行中的福袋"))
    bag.status = "cancelled"
    ctx.changed(ChangeKind.LUCKY_BAG, bag.bag_id)
    ctx.effects.logged_args["bag_id"] = bag.bag_id
    ctx.effects.detail = "cancelled, no draw"


def on_entry(ctx: Context, event: LiveEvent) -> None:
    """A comment or follow enters the running lucky bag if it meets the condition (once per viewer)."""
    bag = ctx.state.lucky_bag
    if (
        bag is not None
        and bag.status == "running"
        and event.user_id
        and event.user_id not in bag.participants
        and ctx.now < bag.ends_at
        and bag.qualifies(event.kind, event.text)
    ):
        bag.participants[event.user_id] = event.user_name
        ctx.changed(ChangeKind.LUCKY_BAG, bag.bag_id)


def check_deadlines(ctx: Context) -> None:
    bag = ctx.state.lucky_bag
    if bag is not None and bag.status == "running" and ctx.now >= bag.ends_at:
        _draw(ctx, bag)


def _draw(ctx: Context, bag: LuckyBag) -> None:
    participants = list(bag.participants)
    bag.winners = draw_winners(participants, bag.seed, bag.winners_wanted)
    bag.status = "drawn"
    names = [bag.participants[u] for u in bag.winners]
    ctx.effects.actions.append((
        Command("lucky_bag_draw", {}, "engine", f"{bag.bag_id}/draw"),
        {"bag_id": bag.bag_id, "seed": bag.seed, "winners_wanted": bag.winners_wanted,
         "participants": sorted(participants), "winners": bag.winners},
        "applied",
        f"{len(bag.winners)} of {len(participants)}",
    ))
    ctx.system(
        tr("福袋开奖：{n} 人中奖（{names}）", n=len(bag.winners), names="、".join(names)),
        lucky_bag=LuckyBagNotice.DRAWN, bag_id=bag.bag_id, winners=bag.winners, seed=bag.seed,
    )
    ctx.changed(ChangeKind.LUCKY_BAG, bag.bag_id)
