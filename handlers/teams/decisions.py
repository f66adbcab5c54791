"""The commune chairman's decision about a mediator (Luật Hòa giải ở cơ sở 2013): recognised
(Điều 8 khoản 4), recognised as team leader (Điều 14 khoản 2), stopping (Điều 11). Asked right
after the change an official records, or later from the member; «Bổ sung sau» leaves it missing,
and the team review counts it."""

from __future__ import annotations

import datetime as dt
import enum

from handlers.common.dates import Problem, fmt, read_day
from handlers.kit.core import Ctx, Reply, rows
from handlers.kit.errors import UserError
from handlers.kit.flow import Flow
from handlers.kit.text import clean, one_line
from handlers.teams.screens import team_screen
from handlers.teams.usecases import team_check
from storage.access import can_manage_people
from storage.db import UnitOfWork
from storage.models import Decision, DecisionKind, Person, Role
from storage.models.decisions import MAX_NUMBER

LATER = "later"
TODAY = "today"


async def decision_person(uow: UnitOfWork, viewer: Person, person_id: int, kind: DecisionKind) -> Person:
    """The person the decision is about: a mediator in office (a leader for a leader's decision),
    or, for a leave, someone who has left; always one the official manages."""
    if kind is DecisionKind.LEFT:
        person = await uow.decisions.person_for(viewer, person_id)
        fits = person is not None and not person.active and person.role.in_team
    else:
        person = await uow.teams.mediator_for(viewer, person_id)
        fits = person is not None and (kind is DecisionKind.RECOGNISED or person.role is Role.TO_TRUONG)
    if person is None or not fits or not can_manage_people(viewer, person.unit):
        raise UserError("teams.person_not_found")
    return person


def read_number(text: str) -> str | None:
    """«Số quyết định» as written (12/QĐ-UBND): one line, with a digit, at most MAX_NUMBER."""
    number = one_line(clean(text)).strip()
    return number if 0 < len(number) <= MAX_NUMBER and any(ch.isdigit() for ch in number) else None


async def save_decision(
    uow: UnitOfWork,
    viewer: Person,
    person: Person,
    kind: DecisionKind,
    now: dt.datetime,
    number: str,
    signed_on: dt.date | None,
) -> Decision:
    """Completes the decision still missing for this change, or records a new one."""
    row = await uow.decisions.latest(viewer, person.id, kind)
    if row is None or row.complete:
        row = await uow.decisions.record(person, kind, now, viewer, number=number, signed_on=signed_on)
    else:
        row.number, row.signed_on = number, signed_on
        row.recorded_by_id = viewer.id or None
    detail = {"kind": kind.value, "number": number, "signed_on": signed_on.isoformat() if signed_on else None}
    await uow.audit.record(now, viewer.id, "team_decision", f"person:{person.id}", detail)
    return row


class DecisionStep(enum.StrEnum):
    NUMBER = "number"
    DAY = "day"


class DecisionFlow(Flow):
    """«Số quyết định», then «Ngày quyết định»; either may be left for later."""

    name = "team_decision"
    steps = DecisionStep

    async def start(self, ctx: Ctx, person: Person, kind: DecisionKind) -> list[Reply]:
        self.begin(ctx, DecisionStep.NUMBER, person_id=person.id, kind=kind.value, name=person.full_name)
        return await self.ask_number(ctx)

    def _kind(self, ctx: Ctx) -> DecisionKind:
        return DecisionKind(ctx.conv.data["kind"])

    async def ask_number(self, ctx: Ctx) -> list[Reply]:
        kind = self._kind(ctx)
        later = self.option(ctx, DecisionStep.NUMBER, LATER, "team_decisions.btn_later")
        return [
            ctx.say(
                "team_decisions.ask_number",
                rows(later),
                what=ctx.t(f"team_decisions.what_{kind.value}"),
                law=ctx.t(f"team_decisions.law_{kind.value}"),
                name=ctx.conv.data["name"],
            )
        ]

    async def text_number(self, ctx: Ctx, text: str) -> list[Reply]:
        number = read_number(text)
        if number is None:
            return [ctx.say("team_decisions.bad_number", limit=MAX_NUMBER), *await self.ask_number(ctx)]
        self.put(ctx, number=number)
        self.goto(ctx, DecisionStep.DAY)
        return await self.ask_day(ctx)

    async def pick_number(self, ctx: Ctx, value: str) -> list[Reply]:
        return await self._finish(ctx, None)

    async def ask_day(self, ctx: Ctx) -> list[Reply]:
        buttons = rows(
            self.option(ctx, DecisionStep.DAY, TODAY, "team_decisions.btn_today"),
            self.option(ctx, DecisionStep.DAY, LATER, "team_decisions.btn_later"),
            per_row=2,
        )
        return [ctx.say("team_decisions.ask_day", buttons, number=ctx.conv.data["number"])]

    async def text_day(self, ctx: Ctx, text: str) -> list[Reply]:
        day = read_day(text, ctx.today, not_after=ctx.today)
        if isinstance(day, Problem):
            return [ctx.say(day.key, **day.values), *await self.ask_day(ctx)]
        return await self._finish(ctx, day)

    async def pick_day(self, ctx: Ctx, value: str) -> list[Reply]:
        return await self._finish(ctx, ctx.today if value == TODAY else None)

    async def _finish(self, ctx: Ctx, day: dt.date | None) -> list[Reply]:
        data, kind = ctx.conv.data, self._kind(ctx)
        self.end(ctx)
        person = await decision_person(ctx.uow, ctx.me, int(data["person_id"]), kind)
        what = ctx.t(f"team_decisions.what_{kind.value}")
        number = data.get("number")
        if number is None:
            note = ctx.say("team_decisions.later", what=what, name=person.full_name)
        else:
            await save_decision(ctx.uow, ctx.me, person, kind, ctx.now, number, day)
            key = "team_decisions.saved" if day else "team_decisions.saved_no_day"
            note = ctx.say(key, what=what, number=number, day=fmt(day) if day else "", name=person.full_name)
        return [note, await team_screen(ctx, await team_check(ctx.uow, ctx.me, person.unit))]
