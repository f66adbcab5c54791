"""Case use cases: create, record outcomes and notes. The turn's unit of work commits."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.exc import IntegrityError

from storage.access import can_change_case
from storage.db import UnitOfWork
from storage.models import Case, CaseEvent, CaseMediator, CaseStatus, Person

# Điều 5 khoản 1 Nghị định 15/2014/NĐ-CP (a–d) and "other".
CATEGORIES = ("mau_thuan", "dan_su", "hon_nhan", "vi_pham", "khac")
# Điều 3 khoản 1 Luật Hòa giải ở cơ sở: matters that may not be mediated.
EXCLUSIONS = ("a", "b", "c", "d")
# Điều 16 Luật Hòa giải ở cơ sở.
SOURCES = ("yeu_cau", "chung_kien", "phan_cong", "de_nghi")
# Điều 23 khoản 2 and 3 (khoản 1, agreement, is "hòa giải thành").
END_REASONS = ("yeu_cau_cham_dut", "khong_the_dat")


class CaseError(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


async def create_case(uow: UnitOfWork, author: Person, draft: dict[str, Any], now: dt.datetime) -> Case:
    received = dt.date.fromisoformat(draft["received_on"])
    mediator_ids = sorted({int(i) for i in draft.get("mediators") or [author.id]})
    for _ in range(5):
        try:
            async with uow.session.begin_nested():
                case = Case(
                    team_id=author.unit_id,
                    unit_path=author.unit.path,
                    year=received.year,
                    seq=await uow.cases.next_seq(author.unit_id, received.year),
                    received_on=received,
                    category=draft["category"],
                    source=draft["source"],
                    parties={"names": list(draft["parties"]), "contact": draft.get("contact") or ""},
                    summary=draft["summary"],
                    status=CaseStatus.DANG_HOA_GIAI,
                    created_by_id=author.id,
                    created_at=now,
                    updated_at=now,
                    mediators=[CaseMediator(person_id=i) for i in mediator_ids],
                )
                await uow.cases.add(case)
        except IntegrityError:
            continue  # another worker took this number: take the next one
        await uow.cases.add_event(CaseEvent(case_id=case.id, at=now, actor_id=author.id, kind="created",
                                            status=CaseStatus.DANG_HOA_GIAI))
        return case
    raise CaseError("case.save_failed")


async def changeable(uow: UnitOfWork, person: Person, case_id: int) -> Case:
    case = await uow.cases.visible(person, case_id)
    if case is None:
        raise CaseError("case.not_found")
    if not can_change_case(person, case):
        raise CaseError("case.read_only")
    return case


async def set_outcome(uow: UnitOfWork, person: Person, case_id: int, status: CaseStatus,
                      now: dt.datetime, *, text: str | None = None, reason: str | None = None) -> Case:
    case = await changeable(uow, person, case_id)
    reopening = status is CaseStatus.DANG_HOA_GIAI
    if reopening and case.status is not CaseStatus.KHONG_THANH:
        raise CaseError("case.cannot_reopen")
    if not reopening and case.status is not CaseStatus.DANG_HOA_GIAI:
        raise CaseError("case.already_closed")
    case.status = status
    case.updated_at = now
    case.closed_at = None if reopening else now
    if status is CaseStatus.THANH:
        case.agreement = text
    case.end_reason = reason
    await uow.cases.add_event(CaseEvent(case_id=case.id, at=now, actor_id=person.id, kind="status",
                                        status=status, text=text or reason))
    return case


async def add_note(uow: UnitOfWork, person: Person, case_id: int, text: str, now: dt.datetime) -> Case:
    case = await changeable(uow, person, case_id)
    case.updated_at = now
    await uow.cases.add_event(CaseEvent(case_id=case.id, at=now, actor_id=person.id, kind="note", text=text))
    return case
