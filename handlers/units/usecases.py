"""What an official may reorganise: units of their subtree (never their own unit), the places a
unit may go, and the change itself, audited. The turn's unit of work commits."""

from __future__ import annotations

import datetime as dt

from handlers.kit.errors import UserError
from handlers.units.buttons import Change
from storage.access import can_manage_people, unit_visible
from storage.db import UnitOfWork
from storage.models import Person, Unit, UnitKind
from storage.reorganise import RANK, Carried, ReorganiseError

ACTIONS = {Change.MOVE: "unit_move", Change.MERGE: "unit_merge", Change.DISSOLVE: "team_dissolve"}


async def managed_unit(uow: UnitOfWork, viewer: Person, unit_id: int) -> Unit:
    unit = await uow.units.get(unit_id)
    if unit is None or unit.id == viewer.unit_id or not can_manage_people(viewer, unit):
        raise UserError("units_chat.not_found")
    return unit


async def below(uow: UnitOfWork, viewer: Person) -> list[Unit]:
    return [u for u in await uow.units.under(viewer.unit) if u.id != viewer.unit_id]


async def targets(uow: UnitOfWork, viewer: Person, unit: Unit, change: Change) -> list[Unit]:
    """Where this unit may go: a unit above its level (move), one of its kind (merge), another
    team (dissolve); all in the official's subtree, none under the unit itself."""
    places = [u for u in await uow.units.under(viewer.unit) if not u.path.startswith(unit.path)]
    if change is Change.MOVE:
        return [u for u in places if RANK[u.kind] < RANK[unit.kind] and u.id != unit.parent_id]
    if change is Change.DISSOLVE and unit.kind is not UnitKind.TO_HOA_GIAI:
        return []
    return [u for u in places if u.kind is unit.kind]


async def target(uow: UnitOfWork, viewer: Person, unit: Unit, change: Change, target_id: int) -> Unit:
    found = next((u for u in await targets(uow, viewer, unit, change) if u.id == target_id), None)
    if found is None or not unit_visible(viewer, found.path):
        raise UserError("units_chat.not_found")
    return found


async def rename(uow: UnitOfWork, viewer: Person, unit_id: int, name: str, now: dt.datetime) -> str:
    unit = await managed_unit(uow, viewer, unit_id)
    try:
        old = await uow.reorganise.rename(unit, name)
    except ReorganiseError as err:
        raise UserError(err.key) from None
    await uow.audit.record(now, viewer.id, "unit_rename", f"unit:{unit.id}", {"old": old, "new": name})
    return old


async def apply_change(uow: UnitOfWork, viewer: Person, data, now: dt.datetime) -> tuple[str, Unit, Carried]:
    unit = await managed_unit(uow, viewer, data.unit_id)
    into = await target(uow, viewer, unit, data.change, data.target_id)
    name, unit_id = unit.name, unit.id
    try:
        if data.change is Change.MOVE:
            carried = await uow.reorganise.move(unit, into)
        else:
            carried = await uow.reorganise.merge(unit, into)
    except ReorganiseError as err:
        raise UserError(err.key) from None
    detail = {"name": name, "into": into.id, **carried.detail()}
    await uow.audit.record(now, viewer.id, ACTIONS[data.change], f"unit:{unit_id}", detail)
    return name, into, carried
