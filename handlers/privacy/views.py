"""Personal data (Luật Bảo vệ dữ liệu cá nhân 2025): what we keep, and erasing parties' data.

/quyenriengtu explains what is stored, why, who sees it and how to ask for deletion. An
official erases the parties of a case under their unit (a button on the case); cases closed
more than PARTY_RETENTION_YEARS ago are erased by the recurring job; drafts left unfinished
are emptied by a daily job.

Erasing reaches every place the parties can be (storage/erasure.py): the sealed parties value
keeps only how many there were (and the parties' requests and the place, as references); the
case's free text, its history (notes, outcomes, corrections, under earlier spellings too),
its help requests and answers keep the parties only as references, shown «Bên 1» from then
on — a name, address or phone still written plainly (rows from before references) becomes
one; pushes about the case, sent or waiting, are rewritten with «Bên 1»; drafts naming the
parties are emptied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from handlers.cases.buttons import CaseView
from handlers.common.parties import (
    ERASED,
    ERASED_MARK,
    INITIALS,
    NAMES,
    deep,
    erased,
    is_erased,
    mentions,
    recode,
    render,
)
from handlers.kit.core import Ctx, Reply, rows
from handlers.kit.registry import EVERYONE, OFFICIALS, Command, On, Slice
from handlers.privacy.buttons import EraseParties, ErasePartiesAsk
from storage.access import can_view_case
from storage.db import UnitOfWork
from storage.erasure import (
    expire_draft,
    free_text,
)
from storage.models import AuditEntry, Case, Person

ANONYMOUS_MARK = ERASED_MARK
# fields of a correction's record of changes that are dropped whole on erasure
BLANK_WHEN_ERASED = ("addresses", "contact", "invited")


def viewer_mode(person: Person | None) -> str:
    """How the parties show to this person: names for the team, initials for anyone else."""
    team = person is not None and person.role.in_team
    return NAMES if team else INITIALS


def _with_history(sealed: dict[str, Any], events) -> dict[str, Any]:
    """The parties, with the names they had before a correction as other spellings."""
    aliases: list[list[str]] = [[] for _ in sealed.get("names") or []]
    for e in events:
        for names in (e.change or {}).get("parties") or [] if isinstance(e.change, dict) else []:
            for i, name in enumerate(names if isinstance(names, list) else []):
                if i < len(aliases) and isinstance(name, str):
                    aliases[i].append(name)
    return {**sealed, "aliases": aliases}


def _scrub(row: Any, change: Callable[[str], str], skip: tuple[str, ...] = ()) -> None:
    for name in free_text(row):
        value = getattr(row, name)
        if name not in skip and value is not None and (new := deep(value, change)) != value:
            setattr(row, name, new)


def _strings(value: Any) -> list[str]:
    found: list[str] = []

    def keep(s: str) -> str:
        found.append(s)
        return s

    deep(value, keep)
    return found


async def open_drafts_text(uow: UnitOfWork) -> list[tuple[Any, list[str]]]:
    return [(conv, _strings([conv.data, conv.choices])) for conv in await uow.erasure.open_drafts()]


async def anonymise_case(
    uow: UnitOfWork, case: Case, actor: Person | None, now: dt.datetime, reason: str, drafts: list | None = None
) -> bool:
    """Erase the parties of a case everywhere they are; False if they already were.
    `drafts`: the open drafts with their strings (`open_drafts_text`), when erasing many."""
    if is_erased(case.parties):
        case.parties_erased_at = case.parties_erased_at or now  # erased before the marker was kept
        return False
    found = await uow.erasure.case_rows(case)
    known = _with_history(case.parties or {}, found.events)

    def stored(text: str) -> str:
        return recode(text, known).text

    def shown(text: str) -> str:
        return render(text, known, ERASED)

    _scrub(case, stored, skip=("parties",))
    for event in found.events:
        if isinstance(event.change, dict):
            event.change = {k: deep(v, lambda _: "") if k in BLANK_WHEN_ERASED else v for k, v in event.change.items()}
        _scrub(event, stored)
    for request in found.requests:
        _scrub(request, stored)
    for sent in (*found.pushes, *found.deliveries):
        _scrub(sent, shown)
    for conv, strings in drafts if drafts is not None else await open_drafts_text(uow):
        if conv.data and any(mentions(s, known, any_phone=False) for s in strings):
            expire_draft(conv)
    case.parties = erased(case.parties)
    case.updated_at = case.parties_erased_at = now
    await uow.audit.add(
        AuditEntry(
            at=now,
            person_id=actor.id if actor else None,
            action="anonymise_parties",
            target=f"case:{case.id}",
            detail={"reason": reason},
        )
    )
    return True


async def anonymise_old_cases(uow: UnitOfWork, now: dt.datetime, years: int, batch: int = 500) -> int:
    """Erase the parties of at most `batch` cases closed more than `years` years ago; returns
    how many. Those erased before are not read (their marker is set; one erased before the
    marker existed is read once and marked)."""
    cutoff, after, done, drafts = now - dt.timedelta(days=365 * years), 0, 0, None
    while done < batch and (chunk := await uow.erasure.closed_before(cutoff, after, 200)):
        await uow.erasure.mark_erased([c.id for c in chunk if is_erased(c.parties)], now)
        for case in chunk:
            if done < batch and not is_erased(case.parties):
                drafts = drafts if drafts is not None else await open_drafts_text(uow)
                done += await anonymise_case(uow, case, None, now, "retention", drafts)
        after = chunk[-1].id
    return done


async def privacy_job(uow: UnitOfWork, now: dt.datetime, years: int) -> tuple[int, int]:
    """Daily: erase the parties of cases closed more than `years` years ago, and empty the
    drafts whose flow expired (a case draft holds the parties' names and phones; the user
    hears that the flow expired at their next message). Returns both counts."""
    return await anonymise_old_cases(uow, now, years), await uow.erasure.purge_expired_drafts(now)


class Privacy:
    def __init__(self, retention_years: int = 5) -> None:
        self.retention_years = retention_years

    def slice(self) -> Slice:
        return Slice(
            commands=[Command("quyenriengtu", self.privacy_command, EVERYONE, "help.quyenriengtu")],
            buttons=[
                On(ErasePartiesAsk, self.ask_button, roles=OFFICIALS),
                On(EraseParties, self.erase_button, roles=OFFICIALS),
            ],
        )

    async def privacy_command(self, ctx: Ctx, arg: str) -> list[Reply]:
        return [ctx.say("privacy.notice", years=self.retention_years)]

    async def ask_button(self, ctx: Ctx, data: ErasePartiesAsk) -> list[Reply]:
        case = await self._case(ctx, data.case_id)
        if case is None:
            return [ctx.say("case.not_found")]
        return [
            ctx.say(
                "privacy.confirm",
                rows(
                    ctx.button("privacy.confirm_yes", EraseParties(case.id)),
                    ctx.button("common.back", CaseView(case.id)),
                ),
                number=case.number,
            )
        ]

    async def erase_button(self, ctx: Ctx, data: EraseParties) -> list[Reply]:
        case = await self._case(ctx, data.case_id)
        if case is None:
            return [ctx.say("case.not_found")]
        changed = await anonymise_case(ctx.uow, case, ctx.person, ctx.now, "official")
        return [ctx.say("privacy.done" if changed else "privacy.already", number=case.number)]

    @staticmethod
    async def _case(ctx: Ctx, case_id: int) -> Case | None:
        case = await ctx.uow.cases.visible(ctx.me, case_id)
        return case if case is not None and can_view_case(ctx.me, case) else None
