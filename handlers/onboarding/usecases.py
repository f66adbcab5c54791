"""Use cases for joining: invite codes and turning a chat account into a person."""

from __future__ import annotations

import datetime as dt
import secrets

from handlers.kit.errors import UserError
from storage.db import UnitOfWork
from storage.models import Account, InviteCode, Person, Role, Unit, UnitKind

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8

# Which units an invite of each role may point at.
ROLE_UNIT_KINDS: dict[Role, frozenset[UnitKind]] = {
    Role.HOA_GIAI_VIEN: frozenset({UnitKind.TO_HOA_GIAI}),
    Role.TO_TRUONG: frozenset({UnitKind.TO_HOA_GIAI}),
    Role.CAN_BO: frozenset({UnitKind.TINH, UnitKind.HUYEN, UnitKind.XA}),
    Role.LANH_DAO: frozenset({UnitKind.TINH, UnitKind.HUYEN, UnitKind.XA}),
    Role.MAT_TRAN: frozenset({UnitKind.TINH, UnitKind.HUYEN, UnitKind.XA}),
    Role.ADMIN: frozenset(UnitKind),
}


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def looks_like_code(text: str) -> bool:
    t = text.strip().upper()
    return len(t) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in t)


async def create_invite(
    uow: UnitOfWork,
    *,
    role: Role,
    unit: Unit,
    now: dt.datetime,
    days: int,
    uses: int,
    created_by: Person | None = None,
    person: Person | None = None,
) -> InviteCode:
    if unit.kind not in ROLE_UNIT_KINDS[role]:
        raise UserError("invite.wrong_unit_kind")
    if created_by is not None and not unit.path.startswith(created_by.unit.path):
        raise UserError("invite.outside_unit")
    for _ in range(5):
        code = new_code()
        if await uow.invites.get(code) is None:
            break
    invite = InviteCode(
        code=code,
        role=role,
        unit_id=unit.id,
        expires_at=now + dt.timedelta(days=days),
        uses_left=uses,
        created_by_id=created_by.id if created_by else None,
        person_id=person.id if person else None,
        created_at=now,
    )
    return await uow.invites.add(invite)


async def valid_invite(uow: UnitOfWork, code: str, now: dt.datetime) -> InviteCode | None:
    invite = await uow.invites.get(code.strip().upper())
    if invite is None or invite.uses_left <= 0 or invite.expires_at <= now:
        return None
    return invite


async def join(
    uow: UnitOfWork,
    account: Account,
    invite: InviteCode,
    now: dt.datetime,
    *,
    full_name: str,
    sex: str | None,
    ethnic_minority: bool,
) -> Person | None:
    """Spend the code and link the account; None if the code was used up meanwhile."""
    if not await uow.invites.use(invite.id, now):
        return None
    person = await uow.people.get(invite.person_id) if invite.person_id else None
    if person is None:
        person = await uow.people.add(
            Person(
                full_name=full_name,
                sex=sex,
                ethnic_minority=ethnic_minority,
                role=invite.role,
                unit_id=invite.unit_id,
                created_at=now,
            )
        )
    account.person_id = person.id
    await uow.people.with_unit(person)
    return person
