"""/taphuan, /diemdanh and the `tr:` buttons (also those under pushed invitations)."""

from __future__ import annotations

import datetime as dt

from handlers.common.outbox import PushPolicy
from handlers.kit.core import Button, Ctx, Reply, rows
from handlers.kit.errors import UserError
from handlers.kit.registry import MEMBERS, OFFICIALS, Command, On, Slice, is_official
from handlers.kit.text import shorten
from handlers.trainings.buttons import (
    MarkAttended,
    MyTraining,
    TeamAttendance,
    TrainingAttendance,
    TrainingCancel,
    TrainingCancelYes,
    TrainingEdit,
    TrainingList,
    TrainingNew,
    TrainingNo,
    TrainingTally,
    TrainingUnitTally,
    TrainingView,
    TrainingYes,
)
from handlers.trainings.checkin import check_in, read_code, toggle_attended
from handlers.trainings.flows import ChangeStep, ChangeTrainingFlow, DeclineFlow, DeclineStep, NewTrainingFlow
from handlers.trainings.render import answer_label, mediator_detail, official_detail, training_line
from handlers.trainings.tally import tally_screen
from handlers.trainings.usecases import answer, cancel_training
from storage.access import unit_visible
from storage.models import Role, Training, TrainingStatus, Unit

LIST = 8
RECENT = dt.timedelta(days=7)


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
                Command("diemdanh", self.checkin_command, MEMBERS, "help.diemdanh"),
            ],
            buttons=[
                On(TrainingList, self.list_button),
                On(TrainingYes, self.yes),
                On(TrainingNo, self.no),
                On(MyTraining, self.mine),
                On(TrainingNew, self.new_button, OFFICIALS),
                On(TrainingView, self.view, OFFICIALS),
                On(TrainingTally, self.tally, OFFICIALS),
                On(TrainingUnitTally, self.unit_tally, OFFICIALS),
                On(TrainingAttendance, self.attendance, OFFICIALS),
                On(TeamAttendance, self.team_attendance, OFFICIALS),
                On(MarkAttended, self.mark, OFFICIALS),
                On(TrainingEdit, self.edit, OFFICIALS),
                On(TrainingCancel, self.cancel, OFFICIALS),
                On(TrainingCancelYes, self.cancel_yes, OFFICIALS),
            ],
            flows=[self.new, self.change, self.decline],
        )

    # --- commands --------------------------------------------------------------------------
    async def trainings_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        return await self._list(ctx)

    async def checkin_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        code = read_code(arg[:40])
        if code is None:
            return [ctx.say("training.checkin_how")]
        training = await check_in(ctx.uow, ctx.deps.push, ctx.me, code, ctx.now)
        return [ctx.say("training.checked_in", title=training.title)]

    async def _list(self, ctx: Ctx) -> list[Reply]:
        env = ctx.deps.push
        if is_official(ctx):
            trainings = await ctx.uow.trainings.followed_list(ctx.me, ctx.now - RECENT, LIST)
            new = ctx.button("training.new", TrainingNew())
            if not trainings:
                return [ctx.say("training.none_official", rows(new))]
            lines = [ctx.t("training.list_title")] + [await self._line(ctx, t) for t in trainings]
            buttons = [
                Button.of(shorten(f"{ctx.local(t.starts_at):%d/%m} {t.title}", 60), TrainingView(t.id))
                for t in trainings
            ]
            return [Reply("\n".join(lines), rows(*buttons, new))]
        mine = await ctx.uow.trainings.mine(ctx.me.id, ctx.now - dt.timedelta(days=1), LIST)
        if not mine:
            return [ctx.say("training.none_mine")]
        lines = [ctx.t("training.my_title")]
        lines += [
            ctx.t("training.my_line", line=training_line(ctx, env, t), answer=answer_label(ctx, i)) for i, t in mine
        ]
        buttons = [
            Button.of(shorten(f"{ctx.local(t.starts_at):%d/%m} {t.title}", 60), MyTraining(t.id)) for _, t in mine
        ]
        return [Reply("\n".join(lines), rows(*buttons))]

    async def _line(self, ctx: Ctx, training: Training) -> str:
        """A class in an official's list; one organised above them says by whom."""
        line = training_line(ctx, ctx.deps.push, training)
        if unit_visible(ctx.me, training.unit_path):
            return line
        unit = await ctx.uow.units.get(training.unit_id)
        return line + ctx.t("training.organised_by", unit=unit.name if unit else "—")

    async def list_button(self, ctx: Ctx, data: TrainingList) -> list[Reply]:
        return await self._list(ctx)

    # --- a mediator's own invitation ----------------------------------------------------------
    async def yes(self, ctx: Ctx, data: TrainingYes) -> list[Reply]:
        env = ctx.deps.push
        _, training = await answer(ctx.uow, env, ctx.me, data.training_id, yes=True, now=ctx.now)
        return [ctx.say("training.accepted", title=training.title, when=env.when(training.starts_at))]

    async def no(self, ctx: Ctx, data: TrainingNo) -> list[Reply]:
        found = await ctx.uow.trainings.invite(data.training_id, ctx.me.id)
        if found is None:
            raise UserError("training.not_invited")
        if found[1].status is TrainingStatus.CANCELLED:
            raise UserError("training.is_cancelled")
        self.decline.begin(ctx, DeclineStep.REASON, tid=data.training_id)
        return await self.decline.ask_reason(ctx)

    async def mine(self, ctx: Ctx, data: MyTraining) -> list[Reply]:
        found = await ctx.uow.trainings.invite(data.training_id, ctx.me.id)
        if found is None:
            raise UserError("training.not_invited")
        invite, training = found
        unit = await ctx.uow.units.get(training.unit_id)
        return [mediator_detail(ctx, ctx.deps.push, training, invite, unit.name if unit else "—")]

    # --- an official's trainings ----------------------------------------------------------------
    async def _managed(self, ctx: Ctx, training_id: int) -> Training:
        training = await ctx.uow.trainings.managed(ctx.me, training_id)
        if training is None:
            raise UserError("training.not_found")
        return training

    async def _followed(self, ctx: Ctx, training_id: int) -> Training:
        """A class the official manages, or one organised above that invited their people."""
        training = await ctx.uow.trainings.followed(ctx.me, training_id)
        if training is None:
            raise UserError("training.not_found")
        return training

    async def _top(self, ctx: Ctx, training: Training) -> Unit:
        """Whose people an official's screens count: their unit's (an admin: the organiser's)."""
        if ctx.me.role is Role.ADMIN:
            unit = await ctx.uow.units.get(training.unit_id)
            if unit is not None:
                return unit
        return ctx.me.unit

    async def new_button(self, ctx: Ctx, data: TrainingNew) -> list[Reply]:
        return await self.new.start(ctx)

    async def view(self, ctx: Ctx, data: TrainingView) -> list[Reply]:
        training = await self._followed(ctx, data.training_id)
        top = await self._top(ctx, training)
        mine = await ctx.uow.trainings.invite(training.id, ctx.me.id)
        return [
            official_detail(
                ctx,
                ctx.deps.push,
                training,
                await ctx.uow.units.get(training.unit_id),
                list(await ctx.uow.trainings.tally(training.id, top.path)),
                manages=unit_visible(ctx.me, training.unit_path),
                invite=mine[0] if mine else None,
            )
        ]

    async def tally(self, ctx: Ctx, data: TrainingTally) -> list[Reply]:
        training = await self._followed(ctx, data.training_id)
        back = ctx.button("common.back", TrainingView(training.id))
        return [await tally_screen(ctx, training, await self._top(ctx, training), back)]

    async def unit_tally(self, ctx: Ctx, data: TrainingUnitTally) -> list[Reply]:
        training = await self._followed(ctx, data.training_id)
        unit = await ctx.uow.units.get(data.unit_id)
        if unit is None or not unit_visible(ctx.me, unit.path):
            raise UserError("training.not_found")
        back = ctx.button("common.back", TrainingTally(training.id))
        return [await tally_screen(ctx, training, unit, back)]

    async def attendance(self, ctx: Ctx, data: TrainingAttendance) -> list[Reply]:
        training = await self._managed(ctx, data.training_id)
        tid = training.id
        tally = await ctx.uow.trainings.tally(tid)
        buttons = [
            ctx.button("training.team_button", TeamAttendance(tid, u.id), team=shorten(u.name, 40), came=d, invited=a)
            for u, a, _, _, d in tally
        ]
        return [
            ctx.say(
                "training.ask_team",
                rows(*buttons, ctx.button("common.back", TrainingView(tid))),
                code=training.checkin_code,
            )
        ]

    async def team_attendance(self, ctx: Ctx, data: TeamAttendance) -> list[Reply]:
        training = await self._managed(ctx, data.training_id)
        return await self._team_attendance(ctx, training.id, data.team_id)

    async def mark(self, ctx: Ctx, data: MarkAttended) -> list[Reply]:
        env = ctx.deps.push
        invite, training = await toggle_attended(ctx.uow, env, ctx.me, data.invite_id, ctx.now)
        return await self._team_attendance(ctx, training.id, invite.team_id)

    async def _team_attendance(self, ctx: Ctx, tid: int, team_id: int) -> list[Reply]:
        invites = await ctx.uow.trainings.invites(tid, team_id)
        buttons = [
            Button.of(("✅ " if i.attended else "▫️ ") + shorten(p.full_name, 40), MarkAttended(i.id))
            for i, p in invites
        ]
        team = await ctx.uow.units.get(team_id)
        return [
            ctx.say(
                "training.ask_attended",
                rows(*buttons, ctx.button("common.back", TrainingAttendance(tid))),
                team=team.name if team else "—",
            )
        ]

    async def edit(self, ctx: Ctx, data: TrainingEdit) -> list[Reply]:
        training = await self._managed(ctx, data.training_id)
        self.change.begin(ctx, ChangeStep.WHAT, tid=training.id)
        return await self.change.ask_what(ctx)

    async def cancel(self, ctx: Ctx, data: TrainingCancel) -> list[Reply]:
        training = await self._managed(ctx, data.training_id)
        return [
            ctx.ask(
                "training.confirm_cancel",
                ("training.cancel_yes", TrainingCancelYes(training.id)),
                ("common.back", TrainingView(training.id)),
                title=training.title,
            )
        ]

    async def cancel_yes(self, ctx: Ctx, data: TrainingCancelYes) -> list[Reply]:
        training = await self._managed(ctx, data.training_id)
        told = await cancel_training(ctx.uow, ctx.deps.push, training, ctx.now)
        return [ctx.say("training.cancelled", title=training.title, count=told)]
