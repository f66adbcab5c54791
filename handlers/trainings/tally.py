"""«Theo từng tổ»: who of a unit was invited to a class and what each one did.

A commune (or a unit below it) is shown team by team with every name — accepted, declined
(with the reason), present, not answered yet; a province (or a district) unit by unit below it,
with counts, each a button to that unit's names. An official sees only their own subtree.
"""

from __future__ import annotations

from collections import defaultdict

from handlers.kit.core import Button, Ctx, Reply, rows
from handlers.kit.text import shorten
from handlers.trainings.buttons import TrainingUnitTally
from storage.models import Answer, Person, Training, TrainingInvite, Unit, UnitKind

ROLLED_UP = (UnitKind.TINH, UnitKind.HUYEN)  # shown unit by unit, not name by name

Counts = tuple[Unit, int, int, int, int]


def counts_line(ctx: Ctx, row: Counts) -> str:
    unit, invited, yes, no, came = row
    return ctx.t("training.tally_line", team=unit.name, invited=invited, yes=yes, no=no, came=came)


def total_line(ctx: Ctx, tally: list[Counts]) -> str:
    invited, yes, no, came = (sum(t[1:][i] for t in tally) for i in range(4))
    return ctx.t("training.tally_total", invited=invited, yes=yes, no=no, came=came)


def person_line(ctx: Ctx, invite: TrainingInvite, person: Person) -> str:
    if invite.attended:
        return ctx.t("training.tally_came", name=person.full_name)
    if invite.answer is Answer.NO:
        return ctx.t("training.tally_no", name=person.full_name, reason=invite.reason or ctx.t("training.no_reason"))
    if invite.answer is Answer.YES:
        return ctx.t("training.tally_yes", name=person.full_name)
    return ctx.t("training.tally_pending", name=person.full_name)


async def tally_screen(ctx: Ctx, training: Training, unit: Unit, back: Button) -> Reply:
    """The unit's «Theo từng tổ»: names team by team, or counts unit by unit above a commune."""
    if unit.kind in ROLLED_UP:
        tally = await ctx.uow.trainings.tally_by_child(training.id, unit)
        lines = [ctx.t("training.tally_title_units", title=training.title)]
        lines += [*(counts_line(ctx, row) for row in tally), total_line(ctx, tally)]
        tid = training.id
        buttons = [
            ctx.button(
                "training.unit_button", TrainingUnitTally(tid, u.id), unit=shorten(u.name, 40), came=d, invited=a
            )
            for u, a, _, _, d in tally
            if u.id != unit.id
        ]
        if buttons:
            lines.append(ctx.t("training.tally_pick"))
        return Reply("\n".join(lines), rows(*buttons, back))
    tally = list(await ctx.uow.trainings.tally(training.id, unit.path))
    people: dict[int, list[str]] = defaultdict(list)
    for invite, person in await ctx.uow.trainings.invites(training.id, path=unit.path):
        people[invite.team_id].append(person_line(ctx, invite, person))
    lines = [ctx.t("training.tally_title", title=training.title), ctx.t("training.tally_legend")]
    for row in tally:
        lines += [counts_line(ctx, row), *people[row[0].id]]
    lines.append(total_line(ctx, tally))
    return Reply("\n".join(lines), rows(back))
