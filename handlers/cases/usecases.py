"""Case use cases: log, record an outcome, correct, reopen, note. The turn's unit of work commits.

A case's record is one CaseRecord (`record_of`, handlers/cases/drafts.py), the draft a flow fills,
so logging, recording an outcome and correcting fill and check the same fields; each use case
checks the draft it is given (UserError), whoever made it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from handlers.cases.drafts import (
    CATEGORIES,
    END_REASONS,
    EXCLUSIONS,
    FIELDS,
    OUTCOMES,
    REFERRALS,
    SOURCES,
    CaseDraft,
    CaseRecord,
    real_text,
)
from handlers.cases.transitions import check_outcome, check_reopen
from handlers.common.parties import keep
from handlers.kit.errors import UserError
from storage.access import can_change_case, can_correct_case
from storage.db import UnitOfWork
from storage.models import Case, CaseEvent, CaseMediator, CaseStatus, Person

# Fields of the record kept in the sealed `parties` object (personal data).
SEALED = ("parties", "addresses", "contact", "place", "invited", "requests")
__all__ = ["CATEGORIES", "END_REASONS", "EXCLUSIONS", "OUTCOMES", "REFERRALS", "SOURCES", "real_text"]


def record_of(case: Case) -> dict[str, Any]:
    """The stored case as a record (CaseRecord's fields), with the phones its text refers to."""
    p = case.parties or {}
    names = list(p.get("names") or [])
    return {
        "received_on": case.received_on.isoformat(),
        "category": case.category,
        "source": case.source,
        "parties": names,
        "addresses": list(p.get("addresses") or [""] * len(names)),
        "contact": p.get("contact") or "",
        "place": p.get("place") or "",
        "invited": list(p.get("invited") or []),
        "requests": list(p.get("requests") or []),
        "summary": case.summary,
        "mediators": sorted(m.person_id for m in case.mediators),
        "status": case.status.value,
        "agreement": case.agreement or "",
        "referral": case.referral or "",
        "end_reason": case.end_reason or "",
        "outcome_on": case.outcome_on.isoformat() if case.outcome_on else "",
        "sessions": list(case.sessions or []),
        "phones": list(p.get("phones") or []),  # what stored text refers to (⟪t1⟫), to show it
    }


def normalised(d: dict[str, Any]) -> dict[str, Any]:
    """The record as it will be stored: what does not belong to its outcome is blank."""
    status = d.get("status") or "dang_hoa_giai"
    return {
        **d,
        "agreement": d.get("agreement", "") if status == "thanh" else "",
        "requests": list(d.get("requests") or []) if status == "khong_thanh" else [],
        "referral": d.get("referral", "") if status == "khong_thanh" else "",
        "end_reason": d.get("end_reason", "") if status == "ket_thuc" else "",
        "outcome_on": d.get("outcome_on", "") if status != "dang_hoa_giai" else "",
    }


def _sealed(d: dict[str, Any], keep: dict[str, Any] | None = None) -> dict[str, Any]:
    names = list(d.get("parties") or [])
    out = dict(keep or {})
    out.update(
        names=names,
        addresses=list(d.get("addresses") or [""] * len(names)),
        contact=d.get("contact") or "",
        place=d.get("place") or "",
        invited=list(d.get("invited") or []),
        requests=list(d.get("requests") or []) if d.get("status") == "khong_thanh" else [],
    )
    return out


# Free text of the record kept in stored form: the parties as references (handlers/common/parties.py).
TEXTS = ("summary", "agreement", "place")


def stored(d: dict[str, Any], sealed: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The record with its free text as stored (names and phones of the parties become
    references), and the sealed parties value (with the phones the texts held)."""
    out = dict(d)
    for key in TEXTS:
        if out.get(key):
            out[key], sealed = keep(sealed, out[key], again=True)
    requests = []
    for text in out.get("requests") or []:
        coded, sealed = keep(sealed, text, again=True) if text else ("", sealed)
        requests.append(coded)
    out["requests"] = requests
    return out, sealed


async def _check_mediators(uow: UnitOfWork, team_id: int, ids: list[int], author: Person | None) -> None:
    if author is not None and (not author.active or author.unit_id != team_id):
        raise UserError("case.author_moved")
    for pid in ids:
        person = await uow.people.get(pid)
        if person is None or not person.active or person.unit_id != team_id:
            raise UserError("case.mediator_gone", name=person.full_name if person else str(pid))


async def create_case(
    uow: UnitOfWork,
    author: Person,
    given: CaseDraft | Mapping[str, Any],
    now: dt.datetime,
    today: dt.date | None = None,
) -> Case:
    new = given if isinstance(given, CaseDraft) else CaseDraft.of(given)
    team_id = int(new.team_id or author.unit_id)
    mediator_ids = sorted({int(i) for i in new.mediators or [author.id]})
    await _check_mediators(uow, team_id, mediator_ids, author)
    new.check(today or now.date())
    draft = new.as_dict()
    team = await uow.units.get(team_id)
    if team is None:  # the author's own team (checked above): gone only if reorganised meanwhile
        raise UserError("case.author_moved")
    received = dt.date.fromisoformat(new.received_on)
    record, sealed = stored(draft, _sealed({**draft, "status": "dang_hoa_giai"}))

    def numbered(seq: int) -> Case:
        return Case(
            team_id=team_id,
            unit_path=team.path,
            code=team.code or "",
            year=received.year,
            seq=seq,
            received_on=received,
            category=new.category,
            source=new.source,
            parties=sealed,
            summary=record["summary"],
            status=CaseStatus.DANG_HOA_GIAI,
            sessions=[],
            created_by_id=author.id,
            created_at=now,
            updated_at=now,
            mediators=[CaseMediator(person_id=i) for i in mediator_ids],
        )

    case = await uow.cases.add_numbered(numbered, team_id, received.year)
    if case is None:
        raise UserError("case.save_failed")
    await uow.cases.add_event(
        CaseEvent(case_id=case.id, at=now, actor_id=author.id, kind="created", status=CaseStatus.DANG_HOA_GIAI)
    )
    return case


async def changeable(uow: UnitOfWork, person: Person, case_id: int) -> Case:
    case = await uow.cases.visible(person, case_id)
    if case is None:
        raise UserError("case.not_found")
    if not can_change_case(person, case):
        raise UserError("case.read_only")
    return case


async def correctable(uow: UnitOfWork, person: Person, case_id: int, now: dt.datetime) -> Case:
    case = await changeable(uow, person, case_id)
    if not can_correct_case(person, case, now):
        raise UserError("case.correct_not_allowed")
    return case


def _apply(case: Case, d: dict[str, Any], now: dt.datetime) -> None:
    status = CaseStatus(d["status"])
    if status is not case.status:
        case.closed_at = None if status is CaseStatus.DANG_HOA_GIAI else now
    case.received_on = dt.date.fromisoformat(d["received_on"])
    d, sealed = stored(d, _sealed(d, case.parties))
    case.category, case.source, case.summary, case.status = d["category"], d["source"], d["summary"], status
    case.parties = {
        **sealed,
        "place": d.get("place") or "",
        "requests": d["requests"] if status is CaseStatus.KHONG_THANH else [],
    }
    done = status is not CaseStatus.DANG_HOA_GIAI
    case.agreement = (d.get("agreement") or None) if status is CaseStatus.THANH else None
    case.referral = (d.get("referral") or None) if status is CaseStatus.KHONG_THANH else None
    case.end_reason = (d.get("end_reason") or None) if status is CaseStatus.KET_THUC else None
    case.outcome_on = dt.date.fromisoformat(d["outcome_on"]) if done and d.get("outcome_on") else None
    case.sessions = sorted(set(d.get("sessions") or []))
    case.updated_at = now


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before[k], after[k]] for k in FIELDS if before[k] != after[k]}


def _merged(case: Case, draft: CaseRecord | Mapping[str, Any]) -> dict[str, Any]:
    """The case's record with the draft's fields over it, as it will be stored."""
    given = draft.as_dict() if isinstance(draft, CaseRecord) else draft
    return normalised(CaseRecord.of(given, base=CaseRecord.of(record_of(case))).as_dict())


async def record_outcome(
    uow: UnitOfWork,
    person: Person,
    case_id: int,
    draft: CaseRecord | Mapping[str, Any],
    now: dt.datetime,
    today: dt.date,
) -> Case:
    """Thành, không thành or ended (Điều 23), as the user confirmed it."""
    case = await changeable(uow, person, case_id)
    record = _merged(case, draft)
    status = record["status"]
    check_outcome(case.status, CaseStatus(status) if status in OUTCOMES else None)
    CaseRecord.of(record).check(today)
    _apply(case, record, now)
    text = case.agreement if case.status is CaseStatus.THANH else case.end_reason or case.referral
    await uow.cases.add_event(
        CaseEvent(case_id=case.id, at=now, actor_id=person.id, kind="status", status=case.status, text=text)
    )
    return case


async def correct_case(
    uow: UnitOfWork,
    person: Person,
    case_id: int,
    draft: CaseRecord | Mapping[str, Any],
    reason: str,
    now: dt.datetime,
    today: dt.date,
) -> tuple[Case, dict[str, list[Any]]]:
    """A correction with its reason: the record changes, the history keeps old → new."""
    case = await correctable(uow, person, case_id, now)
    before = record_of(case)
    after = {**_merged(case, draft), "phones": before["phones"]}
    old, _ = stored(before, case.parties)  # older rows may hold plain text: compare like with like
    new, _ = stored(after, _sealed(after, case.parties))
    change = _diff(old, new)
    if not change:
        raise UserError("case.correct_nothing")
    added = sorted(set(after["mediators"]) - set(before["mediators"]))
    if not after["mediators"]:
        raise UserError("case.mediators_none")
    await _check_mediators(uow, case.team_id, added, None)
    CaseRecord.of(after).check(today)
    _apply(case, after, now)
    if "mediators" in change:
        case.mediators = [CaseMediator(person_id=i) for i in sorted(set(after["mediators"]))]
    case.corrected_at = now
    await uow.cases.add_event(
        CaseEvent(
            case_id=case.id,
            at=now,
            actor_id=person.id,
            kind="correction",
            status=case.status,
            text=reason,
            change=change,
        )
    )
    return case, change


async def reopen(uow: UnitOfWork, person: Person, case_id: int, now: dt.datetime) -> Case:
    """Điều 27: after không thành the parties may ask to continue."""
    case = await changeable(uow, person, case_id)
    check_reopen(case.status)
    before = record_of(case)
    _apply(case, {**before, "status": "dang_hoa_giai"}, now)
    await uow.cases.add_event(
        CaseEvent(
            case_id=case.id,
            at=now,
            actor_id=person.id,
            kind="status",
            status=case.status,
            change=_diff(before, record_of(case)),
        )
    )
    return case


async def add_note(uow: UnitOfWork, person: Person, case_id: int, text: str, now: dt.datetime) -> Case:
    case = await changeable(uow, person, case_id)
    case.updated_at = now
    text, case.parties = keep(case.parties, text)
    await uow.cases.add_event(CaseEvent(case_id=case.id, at=now, actor_id=person.id, kind="note", text=text))
    return case
