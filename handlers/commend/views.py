"""/khenthuong: a shortlist of mediators and teams for biểu dương, khen thưởng over a period,
ranked on cases handled, success and training attendance. It supports the official's
choice; it does not make it."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from handlers.common import periods
from handlers.common.periods import Period, Problem
from handlers.kit.core import Ctx, Reply
from handlers.kit.payload import payload
from handlers.kit.registry import OFFICIALS, Command, On, Slice
from handlers.stats.render import pct, period_heading, period_rows
from handlers.stats.usecases import find_unit
from handlers.stats.views import scoped_unit
from storage.db import UnitOfWork
from storage.models import CaseStatus, Person, Role, Unit

TOP_PEOPLE = 10
TOP_TEAMS = 5
SUCCESS, IN_PROGRESS = CaseStatus.THANH.value, CaseStatus.DANG_HOA_GIAI.value


@payload("kt", "v")
class CommendPeriod:
    """The shortlist of a unit (0: one's own) over another period (a code of handlers/common/periods.py)."""

    unit_id: int
    period: str


@dataclass
class Candidate:
    id: int
    name: str
    team: str
    handled: int
    success: int
    closed: int
    trainings: int

    @property
    def points(self) -> int:
        """2 per hòa giải thành, 1 per other case taken part in, 1 per training attended."""
        return 2 * self.success + (self.handled - self.success) + self.trainings

    @property
    def rate(self) -> float | None:
        return self.success / self.closed if self.closed else None


def candidate(id_: int, name: str, team: str, results: Counter[str], trainings: int) -> Candidate:
    handled = sum(results.values())
    return Candidate(
        id_, name, team, handled, results.get(SUCCESS, 0), handled - results.get(IN_PROGRESS, 0), trainings
    )


def ranked(cands: list[Candidate], top: int) -> list[Candidate]:
    keep = [c for c in cands if c.points > 0]
    return sorted(keep, key=lambda c: (-c.points, -(c.rate or 0), c.name, c.id))[:top]


async def shortlist(
    uow: UnitOfWork, viewer: Person, unit: Unit, period: Period, tz: dt.tzinfo, now: dt.datetime
) -> tuple[list[Candidate], list[Candidate], bool]:
    """(mediators, teams, whether training attendance was counted). A training counts when it
    took place (started by now, not cancelled) in the period and the person attended it."""
    s, e = period.start, period.end
    by_person = await uow.registers.mediator_results(viewer, unit, s, e)
    low = dt.datetime.combine(s, dt.time.min, tzinfo=tz)
    high = min(dt.datetime.combine(e, dt.time.max, tzinfo=tz), now)
    attended = await uow.registers.attendance(viewer, unit, low, high) if low <= high else None
    people = await uow.registers.people(viewer, sorted({*by_person, *(attended or {})}))
    came = attended or {}
    mediators = [
        candidate(p.id, p.full_name, p.unit.name, by_person.get(p.id, Counter()), came.get(p.id, 0))
        for p in people.values()
        if p.role in (Role.HOA_GIAI_VIEN, Role.TO_TRUONG)
    ]
    by_team = await uow.registers.team_results(viewer, unit, s, e)
    team_training: Counter[int] = Counter()
    for p in people.values():
        team_training[p.unit_id] += (attended or {}).get(p.id, 0)
    teams = {t.id: t for t in await uow.registers.teams(viewer, unit)}
    crews = [
        candidate(tid, team.name, "", by_team.get(tid, Counter()), team_training[tid]) for tid, team in teams.items()
    ]
    return ranked(mediators, TOP_PEOPLE), ranked(crews, TOP_TEAMS), attended is not None


class Commend:
    def slice(self) -> Slice:
        return Slice(
            commands=[
                Command(
                    "khenthuong", self.commend_command, OFFICIALS, "help.khenthuong", "menu.khenthuong", menu_rank=38
                )
            ],
            buttons=[On(CommendPeriod, self.period_button, roles=OFFICIALS)],
        )

    async def commend_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        period, rest = periods.split_arg(arg, ctx.today)
        if isinstance(period, Problem):
            return [ctx.say(period.key, **period.values)]
        unit = ctx.me.unit
        if rest:
            found = await find_unit(ctx.uow, ctx.me, rest)
            if len(found) != 1:
                return [ctx.say("stats.unit_or_period_unknown", text=rest[:60])]
            unit = found[0]
        return [await self._show(ctx, unit, period or periods.this("year", ctx.today))]

    async def period_button(self, ctx: Ctx, data: CommendPeriod) -> list[Reply]:
        period = periods.from_code(data.period)
        unit = await scoped_unit(ctx, data.unit_id) if period is not None else None
        if period is None or unit is None:
            return [ctx.say("stats.not_found")]
        return [await self._show(ctx, unit, period)]

    async def _show(self, ctx: Ctx, unit: Unit, period: Period) -> Reply:
        people, teams, with_trainings = await shortlist(ctx.uow, ctx.me, unit, period, ctx.deps.tz, ctx.now)
        lines = [
            ctx.t("commend.title", unit=unit.name, period=period_heading(ctx.t, period)),
            ctx.t("commend.how" if with_trainings else "commend.how_no_training"),
        ]
        lines.append(ctx.t("commend.people_title") if people else ctx.t("commend.nobody"))
        suffix = "" if with_trainings else "_no_training"
        for i, c in enumerate(people, 1):
            lines.append(ctx.t(f"commend.person_line{suffix}", n=i, name=c.name, team=c.team, **self._numbers(ctx, c)))
        if teams:
            lines.append(ctx.t("commend.teams_title"))
        for i, c in enumerate(teams, 1):
            lines.append(ctx.t(f"commend.team_line{suffix}", n=i, name=c.name, **self._numbers(ctx, c)))
        lines.append(ctx.t("commend.note"))
        return Reply("\n".join(lines), tuple(period_rows(ctx, CommendPeriod, unit.id, ctx.today)))

    @staticmethod
    def _numbers(ctx: Ctx, c: Candidate) -> dict[str, str | int]:
        return {
            "points": c.points,
            "handled": c.handled,
            "success": c.success,
            "rate": pct(c.rate) + "%" if c.rate is not None else ctx.t("stats.no_rate"),
            "trainings": c.trainings,
        }
