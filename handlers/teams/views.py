"""/tohoagiai and its buttons: teams that do not meet Điều 12, a team's members, and the
changes an official makes (add, move, appoint the leader, mark as left)."""

from __future__ import annotations

from handlers.common.outbox import PushPolicy
from handlers.common.person_steps import PersonFactsFlow
from handlers.kit.core import Button, Ctx, Reply, rows
from handlers.kit.registry import OFFICIALS, Command, Slice
from handlers.teams.usecases import (
    ISSUES,
    LEAVE_REASONS,
    TeamCheck,
    TeamError,
    add_mediator,
    make_leader,
    managed_mediator,
    mark_left,
    move_mediator,
    review,
    team_check,
)
from handlers.trainings.render import env_of
from handlers.trainings.usecases import invite_to_upcoming
from storage.models import Person, Role

PAGE = 8


def issues_text(ctx: Ctx, check: TeamCheck) -> str:
    return "; ".join(ctx.t(f"teams.issue_{i}") for i in check.issues)


def member_line(ctx: Ctx, p: Person) -> str:
    return ctx.t("teams.member_line", name=p.full_name, role=ctx.t(f"role.{p.role.value}"),
                 sex=ctx.t("teams.sex_nu" if p.sex == "nu" else "teams.sex_nam"),
                 ethnic=ctx.t("teams.ethnic_yes") if p.ethnic_minority else "")


class AddMediatorFlow(PersonFactsFlow):
    """Name, sex, ethnic minority: what the review of Điều 12 needs; then a code to join."""

    name = "team_add"
    sex_key = "teams.ask_sex"
    ethnic_key = "teams.ask_ethnic"

    async def ask_name(self, ctx: Ctx) -> list[Reply]:
        return [ctx.say("teams.ask_name")]

    async def pick_ethnic(self, ctx: Ctx, value: str) -> list[Reply]:
        data = ctx.conv.data
        self.end(ctx)
        try:
            person, invite = await add_mediator(
                ctx.uow, ctx.person, int(data["team_id"]), ctx.now, full_name=data["full_name"],
                sex=data["sex"], ethnic_minority=value == "yes", invite_days=ctx.deps.invite_days)
        except TeamError as err:
            return [ctx.say(err.key)]
        done = ctx.say("teams.added", name=person.full_name, team=person.unit.name, code=invite.code,
                       expires=ctx.local(invite.expires_at).strftime("%d/%m/%Y"))
        return [done, await Teams.team_screen(ctx, await team_check(ctx.uow, ctx.person, person.unit))]


class Teams:
    def __init__(self, policy: PushPolicy) -> None:
        self.add_flow = AddMediatorFlow()
        self.policy = policy

    def slice(self) -> Slice:
        return Slice(
            commands=[Command("tohoagiai", self.review_command, OFFICIALS, "help.tohoagiai", "menu.tohoagiai",
                              menu_rank=34)],
            actions={"tm": self.team_button},
            flows=[self.add_flow],
        )

    async def review_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        return [await self._review(ctx, 0, only_failing=True)]

    async def _review(self, ctx: Ctx, offset: int, only_failing: bool) -> Reply:
        r = await review(ctx.uow, ctx.person, ctx.person.unit)
        women = sum(p.sex == "nu" for c in r.checks for p in c.members)
        ethnic = sum(p.ethnic_minority for c in r.checks for p in c.members)
        lines = [ctx.t("teams.review_head", unit=r.unit.name, teams=len(r.checks), mediators=r.mediators,
                       women=women, ethnic=ethnic)]
        if r.failing:
            counts = {issue: r.count(issue) for issue in ISSUES}
            lines.append(ctx.t("teams.review_counts", failing=len(r.failing), **counts))
        else:
            lines.append(ctx.t("teams.review_all_ok"))
        listed = r.failing if only_failing else r.checks
        offset = offset if offset < max(len(listed), 1) else 0
        page = listed[offset : offset + PAGE]
        for i, c in enumerate(page, offset + 1):
            lines.append(ctx.t("teams.review_line", n=i, team=c.team.name, members=len(c.members),
                               issues=issues_text(ctx, c) or ctx.t("teams.ok")))
        buttons = [Button(ctx.t("teams.btn_team", team=c.team.name[:40]), f"tm:t:{c.team.id}") for c in page]
        flag = int(not only_failing)
        if offset + PAGE < len(listed):
            buttons.append(ctx.button("common.more", f"tm:r:{offset + PAGE}:{flag}"))
        if only_failing:
            buttons.append(ctx.button("teams.btn_all", "tm:r:0:1"))
        return Reply("\n".join(lines), rows(*buttons))

    @staticmethod
    async def team_screen(ctx: Ctx, check: TeamCheck) -> Reply:
        lines = [ctx.t("teams.team_head", team=check.team.name, members=len(check.members))]
        lines += [member_line(ctx, p) for p in check.members]
        lines.append(ctx.t("teams.team_issues", issues=issues_text(ctx, check)) if check.issues
                     else ctx.t("teams.team_ok"))
        buttons = [Button(ctx.t("teams.btn_person", name=p.full_name[:40]), f"tm:p:{p.id}")
                   for p in check.members]
        buttons += [ctx.button("teams.btn_add", f"tm:add:{check.team.id}"),
                    ctx.button("teams.btn_back", "tm:r:0:0")]
        return Reply("\n".join(lines), rows(*buttons))

    async def team_button(self, ctx: Ctx, parts: list[str]) -> list[Reply]:
        if ctx.person is None:
            return [ctx.say("error.join_first")]
        if not ctx.person.role.is_official:
            return [ctx.say("error.not_for_role")]
        nums = [int(p) if p.isdecimal() and len(p) <= 12 else -1 for p in parts[1:]]
        if len(nums) < 1 or nums[0] < 0:
            return [ctx.say("teams.not_found")]
        action, first = parts[0], nums[0]
        second = nums[1] if len(nums) > 1 else 0
        try:
            return await self._act(ctx, action, first, second, parts)
        except TeamError as err:
            return [ctx.say(err.key)]

    async def _act(self, ctx: Ctx, action: str, first: int, second: int, parts: list[str]) -> list[Reply]:
        uow, me = ctx.uow, ctx.person
        if action == "r":
            return [await self._review(ctx, first, only_failing=second != 1)]
        if action == "t":
            team = await uow.teams.team_for(me, first)
            if team is None:
                return [ctx.say("teams.not_found")]
            return [await self.team_screen(ctx, await team_check(uow, me, team))]
        if action == "add":
            if await uow.teams.team_for(me, first) is None:
                return [ctx.say("teams.not_found")]
            self.add_flow.begin(ctx, "name", team_id=first)
            return await self.add_flow.ask_name(ctx)
        person = await managed_mediator(uow, me, first)
        if action == "p":
            return [self._person_screen(ctx, person)]
        if action == "mv":
            return [await self._move_choices(ctx, person, max(second, 0))]
        if action == "mt":
            moved, was_leader = await move_mediator(uow, me, person.id, second, ctx.now)
            await invite_to_upcoming(uow, env_of(ctx, self.policy), moved, ctx.now,
                                     joined=False)  # trainings of the new team they were not invited to
            note = ctx.say("teams.moved_leader" if was_leader else "teams.moved", name=moved.full_name,
                           team=moved.unit.name)
            return [note, await self.team_screen(ctx, await team_check(uow, me, moved.unit))]
        if action == "ld":
            leader = await make_leader(uow, me, person.id, ctx.now)
            return [ctx.say("teams.leader_set", name=leader.full_name, team=leader.unit.name),
                    await self.team_screen(ctx, await team_check(uow, me, leader.unit))]
        if action == "lv":
            options = [ctx.button(f"teams.leave_{r}", f"tm:lr:{person.id}:{r}") for r in LEAVE_REASONS]
            return [ctx.say("teams.ask_leave", rows(*options, ctx.button("common.back", f"tm:p:{person.id}")),
                            name=person.full_name)]
        if action == "lr" and len(parts) > 2 and parts[2] in LEAVE_REASONS:
            gone = await mark_left(uow, me, person.id, parts[2], ctx.now)
            return [ctx.say("teams.left", name=gone.full_name, point=parts[2]),
                    await self.team_screen(ctx, await team_check(uow, me, gone.unit))]
        return [ctx.say("error.stale_button")]

    def _person_screen(self, ctx: Ctx, p: Person) -> Reply:
        buttons = [ctx.button("teams.btn_move", f"tm:mv:{p.id}:0")]
        if p.role is not Role.TO_TRUONG:
            buttons.append(ctx.button("teams.btn_leader", f"tm:ld:{p.id}"))
        buttons += [ctx.button("teams.btn_leave", f"tm:lv:{p.id}"),
                    ctx.button("common.back", f"tm:t:{p.unit_id}")]
        return Reply(ctx.t("teams.person_head", line=member_line(ctx, p), team=p.unit.name), rows(*buttons))

    async def _move_choices(self, ctx: Ctx, p: Person, offset: int) -> Reply:
        teams = [t for t in await ctx.uow.teams.teams_under(ctx.person, ctx.person.unit) if t.id != p.unit_id]
        if not teams:
            return ctx.say("teams.no_other_team", rows(ctx.button("common.back", f"tm:p:{p.id}")))
        offset = offset if offset < len(teams) else 0
        buttons = [Button(t.name[:50], f"tm:mt:{p.id}:{t.id}") for t in teams[offset : offset + PAGE]]
        if offset + PAGE < len(teams):
            buttons.append(ctx.button("common.more", f"tm:mv:{p.id}:{offset + PAGE}"))
        buttons.append(ctx.button("common.back", f"tm:p:{p.id}"))
        return ctx.say("teams.ask_move", rows(*buttons), name=p.full_name)
