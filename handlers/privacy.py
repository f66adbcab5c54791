"""Personal data (Luật Bảo vệ dữ liệu cá nhân 2025): what we keep, and erasing parties' data.

/quyenriengtu explains what is stored, why, who sees it and how to ask for deletion. An
official can anonymise the parties of a case under their unit (a button on the case);
cases closed more than PARTY_RETENTION_YEARS ago are anonymised by a daily job.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from handlers.core import Ctx, Reply, rows
from handlers.registry import EVERYONE, Command, Slice
from storage.access import can_view_case
from storage.db import UnitOfWork
from storage.models import AuditEntry, Case, CaseStatus, Person

ANONYMOUS_MARK = "anonymised"


def anonymous_parties(count: int) -> dict:
    return {"names": [f"#{i}" for i in range(1, max(count, 1) + 1)], "contact": "", ANONYMOUS_MARK: True}


async def anonymise_case(uow: UnitOfWork, case: Case, actor: Person | None, now: dt.datetime,
                         reason: str) -> bool:
    """Replace the parties' names and contacts; False if they already were."""
    if case.parties.get(ANONYMOUS_MARK):
        return False
    case.parties = anonymous_parties(len(case.parties.get("names", [])))
    case.updated_at = now
    await uow.audit.add(AuditEntry(at=now, person_id=actor.id if actor else None, action="anonymise_parties",
                                   target=f"case:{case.id}", detail={"reason": reason}))
    return True


async def anonymise_old_cases(uow: UnitOfWork, now: dt.datetime, years: int, batch: int = 500) -> int:
    """Anonymise the parties of cases closed more than `years` years ago; returns how many."""
    cutoff = now - dt.timedelta(days=365 * years)
    q = (select(Case).where(Case.status != CaseStatus.DANG_HOA_GIAI, Case.closed_at.is_not(None),
                            Case.closed_at < cutoff).order_by(Case.id).limit(batch))
    done = 0
    for case in (await uow.session.scalars(q)).all():
        done += await anonymise_case(uow, case, None, now, "retention")
    return done


class Privacy:
    def __init__(self, retention_years: int = 5) -> None:
        self.retention_years = retention_years

    def slice(self) -> Slice:
        return Slice(
            commands=[Command("quyenriengtu", self.privacy_command, EVERYONE, "help.quyenriengtu")],
            actions={"pv": self.privacy_button},
        )

    async def privacy_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        return [ctx.say("privacy.notice", years=self.retention_years)]

    async def privacy_button(self, ctx: Ctx, parts: list[str]) -> list[Reply]:
        if ctx.person is None or ctx.person.role.value not in ("can_bo", "admin"):
            return [ctx.say("error.not_for_role")]
        if len(parts) != 2 or parts[0] not in ("ask", "anon") or not parts[1].isdecimal() or len(parts[1]) > 12:
            return [ctx.say("error.stale_button")]
        case = await self._case(ctx, int(parts[1]))
        if case is None:
            return [ctx.say("case.not_found")]
        if parts[0] == "ask":
            return [ctx.say("privacy.confirm", rows(ctx.button("privacy.confirm_yes", f"pv:anon:{case.id}"),
                                                    ctx.button("common.back", f"case:view:{case.id}")),
                            number=case.number)]
        changed = await anonymise_case(ctx.uow, case, ctx.person, ctx.now, "official")
        return [ctx.say("privacy.done" if changed else "privacy.already", number=case.number)]

    @staticmethod
    async def _case(ctx: Ctx, case_id: int) -> Case | None:
        case = await ctx.uow.cases.visible(ctx.person, case_id)
        return case if case is not None and can_view_case(ctx.person, case) else None
