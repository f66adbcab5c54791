"""/nhacnho: what is coming to me, and muting automatic reminders. Also the list of every
slice of issue #4, for the composition root."""

from __future__ import annotations

from handlers.broadcasts.views import Broadcasts
from handlers.common.outbox import PushEnv, PushPolicy
from handlers.deadlines.views import Deadlines
from handlers.kit.core import Ctx, Reply, rows
from handlers.kit.registry import MEMBERS, Command, Slice
from handlers.kit.text import shorten
from handlers.trainings.views import Trainings

SHOW = 10


def reminder_slices(policy: PushPolicy) -> list[Slice]:
    return [Trainings(policy).slice(), Deadlines(policy).slice(), Broadcasts(policy).slice(),
            Reminders(policy).slice()]


class Reminders:
    def __init__(self, policy: PushPolicy) -> None:
        self.policy = policy

    def slice(self) -> Slice:
        return Slice(
            commands=[Command("nhacnho", self.reminders_command, MEMBERS, "help.nhacnho", "menu.nhacnho",
                              menu_rank=60)],
            actions={"nh": self.mute_button},
        )

    async def reminders_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        env = PushEnv(ctx.deps.catalog, ctx.deps.tz, self.policy)
        muted = await ctx.uow.outbox.muted(ctx.person.id)
        coming = await ctx.uow.outbox.coming(ctx.person.id, ctx.now, SHOW)
        lines = [ctx.t("reminders.title") if coming else ctx.t("reminders.none")]
        for delivery, push in coming:
            what = shorten((delivery.text or push.text).split("\n", 1)[0], 90)
            mark = ctx.t("reminders.muted_mark") if muted and delivery.mutable else ""
            lines.append(ctx.t("reminders.line", when=env.when(max(delivery.next_attempt_at, ctx.now)), what=what,
                               mark=mark))
        lines.append(ctx.t("reminders.state_muted" if muted else "reminders.state_on"))
        toggle = ctx.button("reminders.unmute" if muted else "reminders.mute", f"nh:mute:{0 if muted else 1}")
        return [Reply("\n".join(lines), rows(toggle))]

    async def mute_button(self, ctx: Ctx, parts: list[str]) -> list[Reply]:
        if ctx.person is None:
            return [ctx.say("error.join_first")]
        if parts[0] != "mute" or len(parts) < 2 or parts[1] not in ("0", "1"):
            return [ctx.say("error.stale_button")]
        await ctx.uow.outbox.set_muted(ctx.person.id, parts[1] == "1", ctx.now)
        return [ctx.say("reminders.muted" if parts[1] == "1" else "reminders.unmuted"),
                *await self.reminders_command(ctx, "")]
