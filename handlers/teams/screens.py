"""What /tohoagiai shows of a team and of a mediator: members with the commune chairman's
decisions about them (Điều 8 khoản 4, Điều 14, Điều 11), and the buttons officials get."""

from __future__ import annotations

from handlers.common.dates import fmt
from handlers.kit.core import Button, Ctx, Reply, rows
from handlers.kit.registry import is_official
from handlers.teams.buttons import (
    DecisionAdd,
    LeaveChoices,
    MakeLeader,
    MediatorView,
    MoveChoices,
    TeamAdd,
    TeamReview,
    TeamView,
)
from handlers.teams.usecases import TeamCheck
from storage.models import Decision, DecisionKind, Person, Role

Decisions = dict[tuple[int, DecisionKind], Decision]


def issues_text(ctx: Ctx, check: TeamCheck) -> str:
    return "; ".join(ctx.t(f"teams.issue_{i}") for i in check.issues)


def member_line(ctx: Ctx, p: Person) -> str:
    return ctx.t(
        "teams.member_line",
        name=p.full_name,
        role=ctx.t(f"role.{p.role.value}"),
        sex=ctx.t("teams.sex_nu" if p.sex == "nu" else "teams.sex_nam"),
        ethnic=ctx.t("teams.ethnic_yes") if p.ethnic_minority else "",
    )


def kinds_of(p: Person) -> list[DecisionKind]:
    """The decisions a mediator in office needs: recognised; a leader's, recognised as leader."""
    return [DecisionKind.RECOGNISED, DecisionKind.LEADER] if p.role is Role.TO_TRUONG else [DecisionKind.RECOGNISED]


def decision_text(ctx: Ctx, kind: DecisionKind, d: Decision | None) -> str:
    if d is None or not d.number:
        return ctx.t(f"team_decisions.short_{kind.value}_none")
    if d.signed_on is None:
        return ctx.t(f"team_decisions.short_{kind.value}_no_day", number=d.number)
    return ctx.t(f"team_decisions.short_{kind.value}", number=d.number, day=fmt(d.signed_on))


def decisions_line(ctx: Ctx, p: Person, found: Decisions) -> str:
    items = "; ".join(decision_text(ctx, k, found.get((p.id, k))) for k in kinds_of(p))
    return ctx.t("team_decisions.member_line", items=items)


async def team_screen(ctx: Ctx, check: TeamCheck) -> Reply:
    found = await ctx.uow.decisions.of_people(check.members)
    lines = [ctx.t("teams.team_head", team=check.team.name, members=len(check.members))]
    for p in check.members:
        lines += [member_line(ctx, p), decisions_line(ctx, p, found)]
    lines.append(ctx.t("teams.team_issues", issues=issues_text(ctx, check)) if check.issues else ctx.t("teams.team_ok"))
    if check.left_pending:
        names = ", ".join(p.full_name for p in check.left_pending)
        lines.append(ctx.t("team_decisions.left_pending", names=names))
    buttons = []
    if is_official(ctx):  # read-only overseers see the review, without the changes
        buttons += [
            Button.of(ctx.t("teams.btn_person", name=p.full_name[:40]), MediatorView(p.id)) for p in check.members
        ]
        buttons += [
            ctx.button("team_decisions.btn_left", DecisionAdd(p.id, DecisionKind.LEFT), name=p.full_name[:40])
            for p in check.left_pending
        ]
        buttons.append(ctx.button("teams.btn_add", TeamAdd(check.team.id)))
    buttons.append(ctx.button("teams.btn_back", TeamReview(0, everyone=False)))
    return Reply("\n".join(lines), rows(*buttons))


async def person_screen(ctx: Ctx, p: Person) -> Reply:
    found = await ctx.uow.decisions.of_people([p])
    buttons = [ctx.button("teams.btn_move", MoveChoices(p.id, 0))]
    if p.role is not Role.TO_TRUONG:
        buttons.append(ctx.button("teams.btn_leader", MakeLeader(p.id)))
    for kind in kinds_of(p):
        d = found.get((p.id, kind))
        if d is None or not d.complete:
            buttons.append(ctx.button(f"team_decisions.btn_{kind.value}", DecisionAdd(p.id, kind)))
    buttons += [ctx.button("teams.btn_leave", LeaveChoices(p.id)), ctx.button("common.back", TeamView(p.unit_id))]
    line = f"{member_line(ctx, p)}\n{decisions_line(ctx, p, found)}"
    return Reply(ctx.t("teams.person_head", line=line, team=p.unit.name), rows(*buttons))
