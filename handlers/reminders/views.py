"""/nhacnho: what is coming to me, and muting automatic reminders."""

from __future__ import annotations

from handlers.kit.core import Ctx, Reply, rows
from handlers.kit.payload import payload
from handlers.kit.registry import MEMBERS, Command, On, Slice
from handlers.kit.text import shorten

SHOW = 10


@payload("nh", "mute")
class Mute:
    """«Tắt nhắc nhở tự động» (on) or «Bật lại» (off)."""

    on: bool


class Reminders:
    def slice(self) -> Slice:
        return Slice(
            commands=[
                Command("nhacnho", self.reminders_command, MEMBERS, "help.nhacnho", "menu.nhacnho", menu_rank=60)
            ],
            buttons=[On(Mute, self.mute_button)],
        )

    async def reminders_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        muted = await ctx.uow.outbox.muted(ctx.me.id)
        coming = await ctx.uow.outbox.coming(ctx.me.id, ctx.now, SHOW)
        lines = [ctx.t("reminders.title") if coming else ctx.t("reminders.none")]
        for delivery, push in coming:
            what = shorten((delivery.text or push.text).split("\n", 1)[0], 90)
            mark = ctx.t("reminders.muted_mark") if muted and delivery.mutable else ""
            when = ctx.deps.push.when(max(delivery.next_attempt_at, ctx.now))
            lines.append(ctx.t("reminders.line", when=when, what=what, mark=mark))
        lines.append(ctx.t("reminders.state_muted" if muted else "reminders.state_on"))
        toggle = ctx.button("reminders.unmute" if muted else "reminders.mute", Mute(not muted))
        return [Reply("\n".join(lines), rows(toggle))]

    async def mute_button(self, ctx: Ctx, data: Mute) -> list[Reply]:
        await ctx.uow.outbox.set_muted(ctx.me.id, data.on, ctx.now)
        return [ctx.say("reminders.muted" if data.on else "reminders.unmuted"), *await self.reminders_command(ctx, "")]
