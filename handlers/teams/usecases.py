"""The team review of Điều 12 and the changes officials make: add, move, appoint the team
leader, and mark a mediator as having left (Điều 11). The turn's unit of work commits."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

from handlers.kit.errors import UserError
from handlers.onboarding.usecases import create_invite
from storage.access import can_manage_people
from storage.db import UnitOfWork
from storage.models import DecisionKind, InviteCode, Person, Role, Unit

MIN_MEDIATORS = 3  # Điều 12 khoản 1: "từ 03 hòa giải viên trở lên"
ISSUES = ("few", "no_woman", "no_ethnic", "no_leader")
CHUNK = 5000  # ids per query (PostgreSQL takes at most 32,767 parameters)


class LeaveReason(enum.StrEnum):
    """Điều 11 khoản 1: the point (a, b or c) under which a mediator stops."""

    A = "a"
    B = "b"
    C = "c"


LEAVE_REASONS = tuple(r.value for r in LeaveReason)


@dataclass
class TeamCheck:
    team: Unit
    members: list[Person]
    ethnic_area: bool
    issues: list[str] = field(default_factory=list)
    undecided: set[int] = field(default_factory=set)  # people with no chairman's decision on record
    left_pending: list[Person] = field(default_factory=list)  # left, their decision not yet written

    @property
    def missing_decisions(self) -> int:
        return len(self.undecided) + len(self.left_pending)


@dataclass
class Review:
    unit: Unit
    checks: list[TeamCheck]

    @property
    def failing(self) -> list[TeamCheck]:
        return [c for c in self.checks if c.issues]

    def count(self, issue: str) -> int:
        return sum(issue in c.issues for c in self.checks)

    @property
    def mediators(self) -> int:
        return sum(len(c.members) for c in self.checks)

    @property
    def undecided(self) -> int:
        """People (in office, or left through the bot) whose chairman's decision is missing."""
        return sum(c.missing_decisions for c in self.checks)

    @property
    def undecided_teams(self) -> int:
        return sum(c.missing_decisions > 0 for c in self.checks)


def check_team(team: Unit, members: list[Person], ethnic_area: bool) -> TeamCheck:
    issues = []
    if len(members) < MIN_MEDIATORS:
        issues.append("few")
    if not any(p.sex == "nu" for p in members):
        issues.append("no_woman")
    if ethnic_area and not any(p.ethnic_minority for p in members):
        issues.append("no_ethnic")
    if not any(p.role is Role.TO_TRUONG for p in members):
        issues.append("no_leader")
    return TeamCheck(team, members, ethnic_area, issues)


async def review(uow: UnitOfWork, viewer: Person, unit: Unit) -> Review:
    teams = list(await uow.teams.teams_under(viewer, unit))
    members = await uow.teams.members(viewer, [t.id for t in teams])
    ethnic = await uow.teams.ethnic_areas(teams)
    checks = [check_team(t, members[t.id], t.id in ethnic) for t in teams]
    return Review(unit, await _with_decisions(uow, viewer, checks))


async def team_check(uow: UnitOfWork, viewer: Person, team: Unit) -> TeamCheck:
    members = await uow.teams.members(viewer, [team.id])
    check = check_team(team, members[team.id], team.id in await uow.teams.ethnic_areas([team]))
    return (await _with_decisions(uow, viewer, [check]))[0]


async def _with_decisions(uow: UnitOfWork, viewer: Person, checks: list[TeamCheck]) -> list[TeamCheck]:
    """Who has no chairman's decision on record (Điều 8 khoản 4, Điều 14, Điều 11), per team."""
    people = [p for c in checks for p in c.members]
    undecided: set[int] = set()
    for at in range(0, len(people), CHUNK):
        undecided |= await uow.decisions.missing(people[at : at + CHUNK])
    pending: dict[int, list[Person]] = {}
    teams = [c.team.id for c in checks]
    for at in range(0, len(teams), CHUNK):
        pending |= await uow.decisions.pending_left(viewer, teams[at : at + CHUNK])
    for c in checks:
        c.undecided = {p.id for p in c.members if p.id in undecided}
        c.left_pending = pending.get(c.team.id, [])
    return checks


async def _managed_team(uow: UnitOfWork, viewer: Person, team_id: int) -> Unit:
    team = await uow.teams.team_for(viewer, team_id)
    if team is None or not can_manage_people(viewer, team):
        raise UserError("teams.not_found")
    return team


async def managed_mediator(uow: UnitOfWork, viewer: Person, person_id: int) -> Person:
    person = await uow.teams.mediator_for(viewer, person_id)
    if person is None or not can_manage_people(viewer, person.unit):
        raise UserError("teams.person_not_found")
    return person


async def _audit(uow: UnitOfWork, viewer: Person, now: dt.datetime, action: str, person: Person, **detail) -> None:
    await uow.audit.record(now, viewer.id, action, f"person:{person.id}", detail)


async def add_mediator(
    uow: UnitOfWork,
    viewer: Person,
    team_id: int,
    now: dt.datetime,
    *,
    full_name: str,
    sex: str,
    ethnic_minority: bool,
    leader: bool = False,
    invite_days: int = 14,
) -> tuple[Person, InviteCode]:
    """A mediator recognised by the commune (Điều 8), with a one-time code to join the bot."""
    team = await _managed_team(uow, viewer, team_id)
    person = await uow.people.add(
        Person(
            full_name=full_name,
            sex=sex,
            ethnic_minority=ethnic_minority,
            role=Role.HOA_GIAI_VIEN,
            unit_id=team.id,
            created_at=now,
        )
    )
    await uow.people.with_unit(person)
    await uow.decisions.record(person, DecisionKind.RECOGNISED, now, viewer)
    if leader:
        await make_leader(uow, viewer, person.id, now)
    invite = await create_invite(
        uow,
        role=person.role,
        unit=team,
        now=now,
        days=invite_days,
        uses=1,
        created_by=viewer if viewer.id else None,
        person=person,
    )
    await _audit(uow, viewer, now, "team_add", person, team=team.id)
    return person, invite


async def move_mediator(
    uow: UnitOfWork, viewer: Person, person_id: int, team_id: int, now: dt.datetime
) -> tuple[Person, bool]:
    """Move to another team; a team leader becomes a mediator there (True when so)."""
    person = await managed_mediator(uow, viewer, person_id)
    team = await _managed_team(uow, viewer, team_id)
    if team.id == person.unit_id:
        raise UserError("teams.same_team")
    was_leader = person.role is Role.TO_TRUONG
    old = person.unit_id
    person.unit_id = team.id
    person.role = Role.HOA_GIAI_VIEN
    await uow.people.with_unit(person)
    await _audit(uow, viewer, now, "team_move", person, team_from=old, team_to=team.id)
    return person, was_leader


async def make_leader(uow: UnitOfWork, viewer: Person, person_id: int, now: dt.datetime) -> Person:
    person = await managed_mediator(uow, viewer, person_id)
    members = (await uow.teams.members(viewer, [person.unit_id]))[person.unit_id]
    for other in members:
        if other.role is Role.TO_TRUONG and other.id != person.id:
            other.role = Role.HOA_GIAI_VIEN
    person.role = Role.TO_TRUONG
    await uow.decisions.record(person, DecisionKind.LEADER, now, viewer)
    await _audit(uow, viewer, now, "team_leader", person, team=person.unit_id)
    return person


async def mark_left(uow: UnitOfWork, viewer: Person, person_id: int, reason: str, now: dt.datetime) -> Person:
    """Thôi làm hòa giải viên (Điều 11 khoản 1 điểm a, b or c): kept on record, no longer counted
    and no longer able to see the team's cases."""
    if reason not in LEAVE_REASONS:
        raise UserError("teams.person_not_found")
    person = await managed_mediator(uow, viewer, person_id)
    person.active = False
    person.left_at = now
    person.left_reason = reason
    await uow.decisions.record(person, DecisionKind.LEFT, now, viewer)
    await _audit(uow, viewer, now, "team_leave", person, team=person.unit_id, reason=reason)
    return person
