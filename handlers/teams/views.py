"""/tohoagiai and its buttons: teams that do not meet Điều 12, a team's members, and the
changes an official makes (add, move, appoint the leader, mark as left)."""

from __future__ import annotations

from handlers.common.outbox import PushPolicy
from handlers.common.person_steps import FactStep, PersonFactsFlow
from handlers.kit.core import Button, Ctx, Reply, rows
from handlers.kit.errors import UserError
from handlers.kit.events import PersonMoved
from handlers.kit.registry import OFFICIALS, OVERSEERS, Command, On, Slice
from handlers.teams.buttons import (
    DecisionAdd,
    LeaveChoices,
    MakeLeader,
    MarkLeft,
    MediatorView,
    MoveChoices,
    MoveTo,
    TeamAdd,
    TeamReview,
    TeamView,
)
from handlers.teams.decisions import DecisionFlow, decision_person
from handlers.teams.screens import issues_text, person_screen, team_screen
from handlers.teams.usecases import (
    ISSUES,
    LeaveReason,
    add_mediator,
    make_leader,
    managed_mediator,
    mark_left,
    move_mediator,
    review,
    team_check,
)
from storage.models import DecisionKind, Person, Unit

PAGE = 8


class AddMediatorFlow(PersonFactsFlow):
    """Name, sex, ethnic minority: what the review of Điều 12 needs; then a code to join."""

    name = "team_add"
    sex_key = "teams.ask_sex"
    ethnic_key = "teams.ask_ethnic"

    def __init__(self, decision: DecisionFlow) -> None:
        self.decision = decision

    async def ask_name(self, ctx: Ctx) -> list[Reply]:
        return [ctx.say("teams.ask_name")]

    async def pick_ethnic(self, ctx: Ctx, value: str) -> list[Reply]:
        data = ctx.conv.data
        self.end(ctx)
        person, invite = await add_mediator(
            ctx.uow,
            ctx.me,
            int(data["team_id"]),
            ctx.now,
            full_name=data["full_name"],
            sex=data["sex"],
            ethnic_minority=value == "yes",
            invite_days=ctx.deps.invite_days,
        )
        done = ctx.say(
            "teams.added",
            name=person.full_name,
            team=person.unit.name,
            code=invite.code,
            expires=ctx.local(invite.expires_at).strftime("%d/%m/%Y"),
        )
        return [done, *await self.decision.start(ctx, person, DecisionKind.RECOGNISED)]


class Teams:
    def __init__(self, policy: PushPolicy) -> None:
        self.decision_flow = DecisionFlow()
        self.add_flow = AddMediatorFlow(self.decision_flow)
        self.policy = policy

    def slice(self) -> Slice:
        return Slice(
            commands=[
                Command("tohoagiai", self.review_command, OVERSEERS, "help.tohoagiai", "menu.tohoagiai", menu_rank=34)
            ],
            buttons=[
                On(TeamReview, self.review_button, OVERSEERS),
                On(TeamView, self.team_button, OVERSEERS),
                On(TeamAdd, self.add_button, OFFICIALS),
                On(MediatorView, self.person_button, OFFICIALS),
                On(MoveChoices, self.move_choices, OFFICIALS),
                On(MoveTo, self.move_to, OFFICIALS),
                On(MakeLeader, self.make_leader, OFFICIALS),
                On(LeaveChoices, self.leave_choices, OFFICIALS),
                On(MarkLeft, self.mark_left, OFFICIALS),
                On(DecisionAdd, self.decision_button, OFFICIALS),
            ],
            flows=[self.add_flow, self.decision_flow],
        )

    async def review_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        return [await self._review(ctx, 0, only_failing=True)]

    async def _review(self, ctx: Ctx, offset: int, only_failing: bool) -> Reply:
        r = await review(ctx.uow, ctx.me, ctx.me.unit)
        women = sum(p.sex == "nu" for c in r.checks for p in c.members)
        ethnic = sum(p.ethnic_minority for c in r.checks for p in c.members)
        lines = [
            ctx.t(
                "teams.review_head",
                unit=r.unit.name,
                teams=len(r.checks),
                mediators=r.mediators,
                women=women,
                ethnic=ethnic,
            )
        ]
        if r.failing:
            counts = {issue: r.count(issue) for issue in ISSUES}
            lines.append(ctx.t("teams.review_counts", failing=len(r.failing), **counts))
        else:
            lines.append(ctx.t("teams.review_all_ok"))
        if r.undecided:
            lines.append(ctx.t("team_decisions.review_missing", people=r.undecided, teams=r.undecided_teams))
        listed = r.failing if only_failing else r.checks
        offset = offset if offset < max(len(listed), 1) else 0
        page = listed[offset : offset + PAGE]
        for i, c in enumerate(page, offset + 1):
            line = ctx.t(
                "teams.review_line",
                n=i,
                team=c.team.name,
                members=len(c.members),
                issues=issues_text(ctx, c) or ctx.t("teams.ok"),
            )
            missing = c.missing_decisions
            lines.append(ctx.t("team_decisions.review_line", line=line, count=missing) if missing else line)
        buttons = [Button.of(ctx.t("teams.btn_team", team=c.team.name[:40]), TeamView(c.team.id)) for c in page]
        if offset + PAGE < len(listed):
            buttons.append(ctx.button("common.more", TeamReview(offset + PAGE, everyone=not only_failing)))
        if only_failing:
            buttons.append(ctx.button("teams.btn_all", TeamReview(0, everyone=True)))
        return Reply("\n".join(lines), rows(*buttons))

    async def review_button(self, ctx: Ctx, data: TeamReview) -> list[Reply]:
        return [await self._review(ctx, data.offset, only_failing=not data.everyone)]

    async def _team(self, ctx: Ctx, team_id: int) -> Unit:
        team = await ctx.uow.teams.team_for(ctx.me, team_id)
        if team is None:
            raise UserError("teams.not_found")
        return team

    async def team_button(self, ctx: Ctx, data: TeamView) -> list[Reply]:
        team = await self._team(ctx, data.team_id)
        return [await team_screen(ctx, await team_check(ctx.uow, ctx.me, team))]

    async def add_button(self, ctx: Ctx, data: TeamAdd) -> list[Reply]:
        team = await self._team(ctx, data.team_id)
        self.add_flow.begin(ctx, FactStep.NAME, team_id=team.id)
        return await self.add_flow.ask_name(ctx)

    async def person_button(self, ctx: Ctx, data: MediatorView) -> list[Reply]:
        return [await person_screen(ctx, await managed_mediator(ctx.uow, ctx.me, data.person_id))]

    async def move_choices(self, ctx: Ctx, data: MoveChoices) -> list[Reply]:
        person = await managed_mediator(ctx.uow, ctx.me, data.person_id)
        return [await self._move_choices(ctx, person, data.offset)]

    async def move_to(self, ctx: Ctx, data: MoveTo) -> list[Reply]:
        uow, me = ctx.uow, ctx.me
        moved, was_leader = await move_mediator(uow, me, data.person_id, data.team_id, ctx.now)
        await ctx.deps.events.publish(uow, PersonMoved(moved, ctx.now))  # e.g. the new team's trainings
        note = ctx.say(
            "teams.moved_leader" if was_leader else "teams.moved", name=moved.full_name, team=moved.unit.name
        )
        return [note, await team_screen(ctx, await team_check(uow, me, moved.unit))]

    async def make_leader(self, ctx: Ctx, data: MakeLeader) -> list[Reply]:
        leader = await make_leader(ctx.uow, ctx.me, data.person_id, ctx.now)
        note = ctx.say("teams.leader_set", name=leader.full_name, team=leader.unit.name)
        return [note, *await self.decision_flow.start(ctx, leader, DecisionKind.LEADER)]

    async def leave_choices(self, ctx: Ctx, data: LeaveChoices) -> list[Reply]:
        person = await managed_mediator(ctx.uow, ctx.me, data.person_id)
        options = [ctx.button(f"teams.leave_{r}", MarkLeft(person.id, r)) for r in LeaveReason]
        return [
            ctx.say(
                "teams.ask_leave",
                rows(*options, ctx.button("common.back", MediatorView(person.id))),
                name=person.full_name,
            )
        ]

    async def mark_left(self, ctx: Ctx, data: MarkLeft) -> list[Reply]:
        gone = await mark_left(ctx.uow, ctx.me, data.person_id, data.reason.value, ctx.now)
        note = ctx.say("teams.left", name=gone.full_name, point=data.reason.value)
        return [note, *await self.decision_flow.start(ctx, gone, DecisionKind.LEFT)]

    async def decision_button(self, ctx: Ctx, data: DecisionAdd) -> list[Reply]:
        person = await decision_person(ctx.uow, ctx.me, data.person_id, data.kind)
        return await self.decision_flow.start(ctx, person, data.kind)

    async def _move_choices(self, ctx: Ctx, p: Person, offset: int) -> Reply:
        teams = [t for t in await ctx.uow.teams.teams_under(ctx.me, ctx.me.unit) if t.id != p.unit_id]
        if not teams:
            return ctx.say("teams.no_other_team", rows(ctx.button("common.back", MediatorView(p.id))))
        offset = offset if offset < len(teams) else 0
        buttons = [Button.of(t.name[:50], MoveTo(p.id, t.id)) for t in teams[offset : offset + PAGE]]
        if offset + PAGE < len(teams):
            buttons.append(ctx.button("common.more", MoveChoices(p.id, offset + PAGE)))
        buttons.append(ctx.button("common.back", MediatorView(p.id)))
        return ctx.say("teams.ask_move", rows(*buttons), name=p.full_name)
