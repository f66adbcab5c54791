"""/taphuan, /diemdanh and the `tr:` buttons (also those under pushed invitations)."""

from __future__ import annotations

import datetime as dt

from handlers.common.outbox import PushPolicy
from handlers.kit.core import Button, Ctx, Reply, rows
from handlers.kit.registry import MEMBERS, OFFICIALS, TEAM, Command, Slice, role_of
from handlers.kit.text import shorten
from handlers.trainings.checkin import check_in, read_code, toggle_attended
from handlers.trainings.flows import ChangeTrainingFlow, DeclineFlow, NewTrainingFlow
from handlers.trainings.render import (
    answer_label,
    env_of,
    mediator_detail,
    official_detail,
    tally_text,
    training_line,
)
from handlers.trainings.usecases import TrainingError, answer, cancel_training
from storage.models_outbox import Answer, TrainingStatus

LIST = 8
RECENT = dt.timedelta(days=7)
OFFICIAL_ACTIONS = {"new", "view", "stat", "att", "attt", "mk", "edit", "cancel", "cancelyes"}


class Trainings:
    def __init__(self, policy: PushPolicy) -> None:
        self.policy = policy
        self.new = NewTrainingFlow(policy)
        self.change = ChangeTrainingFlow(policy)
        self.decline = DeclineFlow(policy)

    def slice(self) -> Slice:
        return Slice(
            commands=[
                Command("taphuan", self.trainings_command, MEMBERS, "help.taphuan", "menu.taphuan", menu_rank=40),
                Command("diemdanh", self.checkin_command, TEAM, "help.diemdanh"),
            ],
            actions={"tr": self.training_button},
            flows=[self.new, self.change, self.decline],
        )

    # --- commands --------------------------------------------------------------------------
    async def trainings_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        return await self._list(ctx)

    async def checkin_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        code = read_code(arg[:40])
        if code is None:
            return [ctx.say("training.checkin_how")]
        try:
            training = await check_in(ctx.uow, env_of(ctx, self.policy), ctx.person, code, ctx.now)
        except TrainingError as err:
            return [ctx.say(err.key, **err.values)]
        return [ctx.say("training.checked_in", title=training.title)]

    async def _list(self, ctx: Ctx) -> list[Reply]:
        env = env_of(ctx, self.policy)
        if role_of(ctx) in OFFICIALS:
            trainings = await ctx.uow.trainings.managed_list(ctx.person, ctx.now - RECENT, LIST)
            new = ctx.button("training.new", "tr:new:0")
            if not trainings:
                return [ctx.say("training.none_official", rows(new))]
            lines = [ctx.t("training.list_title")] + [training_line(ctx, env, t) for t in trainings]
            buttons = [Button(shorten(f"{ctx.local(t.starts_at):%d/%m} {t.title}", 60), f"tr:view:{t.id}")
                       for t in trainings]
            return [Reply("\n".join(lines), rows(*buttons, new))]
        mine = await ctx.uow.trainings.mine(ctx.person.id, ctx.now - dt.timedelta(days=1), LIST)
        if not mine:
            return [ctx.say("training.none_mine")]
        lines = [ctx.t("training.my_title")]
        lines += [ctx.t("training.my_line", line=training_line(ctx, env, t), answer=answer_label(ctx, i))
                  for i, t in mine]
        buttons = [Button(shorten(f"{ctx.local(t.starts_at):%d/%m} {t.title}", 60), f"tr:my:{t.id}") for _, t in mine]
        return [Reply("\n".join(lines), rows(*buttons))]

    # --- buttons ---------------------------------------------------------------------------
    async def training_button(self, ctx: Ctx, parts: list[str]) -> list[Reply]:
        if ctx.person is None:
            return [ctx.say("error.join_first")]
        action = parts[0]
        ids = [int(p) for p in parts[1:3] if p.isdecimal() and len(p) <= 12]
        if action == "list":
            return await self._list(ctx)
        if not ids:
            return [ctx.say("error.stale_button")]
        try:
            if action in OFFICIAL_ACTIONS:
                if role_of(ctx) not in OFFICIALS:
                    return [ctx.say("error.not_for_role")]
                return await self._official(ctx, action, ids)
            return await self._mediator(ctx, action, ids[0])
        except TrainingError as err:
            return [ctx.say(err.key, **err.values)]

    async def _official(self, ctx: Ctx, action: str, ids: list[int]) -> list[Reply]:
        if action == "new":
            return await self.new.start(ctx)
        if action == "mk":
            invite, training = await toggle_attended(ctx.uow, env_of(ctx, self.policy), ctx.person, ids[0], ctx.now)
            return await self._team_attendance(ctx, training.id, invite.team_id)
        training = await ctx.uow.trainings.managed(ctx.person, ids[0])
        if training is None:
            return [ctx.say("training.not_found")]
        tid = training.id
        if action == "view":
            return [official_detail(ctx, env_of(ctx, self.policy), training, await ctx.uow.units.get(training.unit_id),
                                    list(await ctx.uow.trainings.tally(tid)))]
        if action == "stat":
            declines = [(p.full_name, i.reason or "") for i, p in await ctx.uow.trainings.invites(tid)
                        if i.answer is Answer.NO][:15]
            text = tally_text(ctx, training, list(await ctx.uow.trainings.tally(tid)), declines)
            return [Reply(text, rows(ctx.button("common.back", f"tr:view:{tid}")))]
        if action == "att":
            tally = await ctx.uow.trainings.tally(tid)
            buttons = [ctx.button("training.team_button", f"tr:attt:{tid}:{u.id}", team=shorten(u.name, 40),
                                  came=d, invited=a) for u, a, _, _, d in tally]
            return [ctx.say("training.ask_team", rows(*buttons, ctx.button("common.back", f"tr:view:{tid}")),
                            code=training.checkin_code)]
        if action == "attt" and len(ids) == 2:
            return await self._team_attendance(ctx, tid, ids[1])
        if action == "edit":
            self.change.begin(ctx, "what", tid=tid)
            return await self.change.ask_what(ctx)
        if action == "cancel":
            return [ctx.say("training.confirm_cancel", rows(
                ctx.button("training.cancel_yes", f"tr:cancelyes:{tid}"), ctx.button("common.back", f"tr:view:{tid}")),
                title=training.title)]
        if action == "cancelyes":
            told = await cancel_training(ctx.uow, env_of(ctx, self.policy), training, ctx.now)
            return [ctx.say("training.cancelled", title=training.title, count=told)]
        return [ctx.say("error.stale_button")]

    async def _team_attendance(self, ctx: Ctx, tid: int, team_id: int) -> list[Reply]:
        invites = await ctx.uow.trainings.invites(tid, team_id)
        buttons = [Button(("✅ " if i.attended else "▫️ ") + shorten(p.full_name, 40), f"tr:mk:{i.id}")
                   for i, p in invites]
        team = await ctx.uow.units.get(team_id)
        return [ctx.say("training.ask_attended", rows(*buttons, ctx.button("common.back", f"tr:att:{tid}")),
                        team=team.name if team else "—")]

    async def _mediator(self, ctx: Ctx, action: str, tid: int) -> list[Reply]:
        env = env_of(ctx, self.policy)
        if action == "yes":
            _, training = await answer(ctx.uow, env, ctx.person, tid, yes=True, now=ctx.now)
            return [ctx.say("training.accepted", title=training.title, when=env.when(training.starts_at))]
        found = await ctx.uow.trainings.invite(tid, ctx.person.id)
        if found is None:
            return [ctx.say("training.not_invited")]
        if action == "no":
            if found[1].status is TrainingStatus.CANCELLED:
                return [ctx.say("training.is_cancelled")]
            self.decline.begin(ctx, "reason", tid=tid)
            return await self.decline.ask_reason(ctx)
        if action == "my":
            invite, training = found
            unit = await ctx.uow.units.get(training.unit_id)
            return [mediator_detail(ctx, env, training, invite, unit.name if unit else "—")]
        return [ctx.say("error.stale_button")]
