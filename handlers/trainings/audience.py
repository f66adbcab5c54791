"""Who a training invites: one rule for creating it, for its confirm screen and for people who
join or move afterwards."""

from __future__ import annotations

from collections.abc import Sequence

from storage.db import UnitOfWork
from storage.models import Person, Role, Unit

INVITED_ROLES = (Role.HOA_GIAI_VIEN, Role.TO_TRUONG, Role.CAN_BO)


def invitable(person: Person, organising_path: str) -> bool:
    """Who a class invites in the units it covers: mediators and team leaders, and the officials
    (công chức) of units below the organising one; the organising unit's officials run it."""
    if not person.active:
        return False
    if person.role.in_team:
        return True
    path = person.unit.path
    return person.role is Role.CAN_BO and path != organising_path and path.startswith(organising_path)


async def invitees(uow: UnitOfWork, unit: Unit, scope: Sequence[Unit]) -> list[Person]:
    """The people a class organised by `unit` for these units invites."""
    people = await uow.outbox.people_under([u.path for u in scope], INVITED_ROLES)
    return [p for p in people if invitable(p, unit.path)]
