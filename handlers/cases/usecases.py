"""Case use cases: log, record an outcome, correct, reopen, note. The turn's unit of work commits.

A case's record is handled as one dict (`record_of`), the same shape a flow's draft has, so
logging, recording an outcome and correcting fill and check the same fields.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from handlers.common.parties import keep
from storage.access import can_change_case, can_correct_case
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
OUTCOMES = ("thanh", "khong_thanh", "ket_thuc", "dang_hoa_giai")
# Where the parties of a failed mediation were guided (Điều 21 khoản 3, Điều 27).
REFERRALS = ("tiep_tuc", "ubnd_xa", "toa_an", "cong_an", "co_quan_khac", "chua")
# Fields of the record kept in the sealed `parties` object (personal data).
SEALED = ("parties", "addresses", "contact", "place", "invited", "requests")
FIELDS = ("received_on", "category", "source", *SEALED, "summary", "mediators", "status", "agreement",
          "referral", "end_reason", "outcome_on", "sessions")


class CaseError(Exception):
    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def real_text(text: str, letters: int = 8, words: int = 2) -> bool:
    """Words a person wrote, not only emoji, digits or a couple of characters."""
    worded = [w for w in text.split() if sum(ch.isalpha() for ch in w) >= 1]
    return sum(ch.isalpha() for ch in text) >= letters and len(worded) >= words


def record_of(case: Case) -> dict[str, Any]:
    p = case.parties or {}
    names = list(p.get("names") or [])
    return {
        "received_on": case.received_on.isoformat(), "category": case.category, "source": case.source,
        "parties": names, "addresses": list(p.get("addresses") or [""] * len(names)),
        "contact": p.get("contact") or "", "place": p.get("place") or "", "invited": list(p.get("invited") or []),
        "requests": list(p.get("requests") or []), "summary": case.summary,
        "mediators": sorted(m.person_id for m in case.mediators), "status": case.status.value,
        "agreement": case.agreement or "", "referral": case.referral or "", "end_reason": case.end_reason or "",
        "outcome_on": case.outcome_on.isoformat() if case.outcome_on else "", "sessions": list(case.sessions or []),
        "phones": list(p.get("phones") or []),  # what stored text refers to (⟪t1⟫), to show it
    }


def normalised(d: dict[str, Any]) -> dict[str, Any]:
    """The record as it will be stored: what does not belong to its outcome is blank."""
    status = d.get("status") or "dang_hoa_giai"
    return {**d, "agreement": d.get("agreement", "") if status == "thanh" else "",
            "requests": list(d.get("requests") or []) if status == "khong_thanh" else [],
            "referral": d.get("referral", "") if status == "khong_thanh" else "",
            "end_reason": d.get("end_reason", "") if status == "ket_thuc" else "",
            "outcome_on": d.get("outcome_on", "") if status != "dang_hoa_giai" else ""}


def _sealed(d: dict[str, Any], keep: dict[str, Any] | None = None) -> dict[str, Any]:
    names = list(d.get("parties") or [])
    out = dict(keep or {})
    out.update(names=names, addresses=list(d.get("addresses") or [""] * len(names)),
               contact=d.get("contact") or "", place=d.get("place") or "", invited=list(d.get("invited") or []),
               requests=list(d.get("requests") or []) if d.get("status") == "khong_thanh" else [])
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


def _check(d: dict[str, Any], today: dt.date) -> None:
    """What must hold of every record, however it was made."""
    status = d.get("status") or "dang_hoa_giai"
    received, outcome = d["received_on"], d.get("outcome_on") or ""
    sessions = d.get("sessions") or []
    if status == "thanh" and not real_text(d.get("agreement") or ""):
        raise CaseError("case.agreement_not_text")
    if status == "khong_thanh" and len([r for r in d.get("requests") or [] if r]) < len(d["parties"]):
        raise CaseError("case.requests_missing")
    if status == "ket_thuc" and d.get("end_reason") not in END_REASONS:
        raise CaseError("case.end_reason_missing")
    if status != "dang_hoa_giai" and not outcome:
        raise CaseError("case.outcome_on_missing")
    last = outcome or today.isoformat()
    if (outcome and outcome < received) or any(not received <= s <= last for s in sessions):
        raise CaseError("case.dates_out_of_order")


async def _check_mediators(uow: UnitOfWork, team_id: int, ids: list[int], author: Person | None) -> None:
    if author is not None and (not author.active or author.unit_id != team_id):
        raise CaseError("case.author_moved")
    for pid in ids:
        person = await uow.people.get(pid)
        if person is None or not person.active or person.unit_id != team_id:
            raise CaseError("case.mediator_gone", name=person.full_name if person else str(pid))


async def create_case(uow: UnitOfWork, author: Person, draft: dict[str, Any], now: dt.datetime,
                      today: dt.date | None = None) -> Case:
    team_id = int(draft.get("team_id") or author.unit_id)
    mediator_ids = sorted({int(i) for i in draft.get("mediators") or [author.id]})
    await _check_mediators(uow, team_id, mediator_ids, author)
    _check({**draft, "status": "dang_hoa_giai"}, today or now.date())
    team = await uow.units.get(team_id)
    received = dt.date.fromisoformat(draft["received_on"])
    record, sealed = stored(draft, _sealed({**draft, "status": "dang_hoa_giai"}))

    def numbered(seq: int) -> Case:
        return Case(
            team_id=team_id, unit_path=team.path, code=team.code or "", year=received.year,
            seq=seq, received_on=received, category=draft["category"], source=draft["source"],
            parties=sealed, summary=record["summary"],
            status=CaseStatus.DANG_HOA_GIAI, sessions=[], created_by_id=author.id, created_at=now,
            updated_at=now, mediators=[CaseMediator(person_id=i) for i in mediator_ids],
        )

    case = await uow.cases.add_numbered(numbered, team_id, received.year)
    if case is None:
        raise CaseError("case.save_failed")
    await uow.cases.add_event(CaseEvent(case_id=case.id, at=now, actor_id=author.id, kind="created",
                                        status=CaseStatus.DANG_HOA_GIAI))
    return case


async def changeable(uow: UnitOfWork, person: Person, case_id: int) -> Case:
    case = await uow.cases.visible(person, case_id)
    if case is None:
        raise CaseError("case.not_found")
    if not can_change_case(person, case):
        raise CaseError("case.read_only")
    return case


async def correctable(uow: UnitOfWork, person: Person, case_id: int, now: dt.datetime) -> Case:
    case = await changeable(uow, person, case_id)
    if not can_correct_case(person, case, now):
        raise CaseError("case.correct_not_allowed")
    return case


def _apply(case: Case, d: dict[str, Any], now: dt.datetime) -> None:
    status = CaseStatus(d["status"])
    if status is not case.status:
        case.closed_at = None if status is CaseStatus.DANG_HOA_GIAI else now
    case.received_on = dt.date.fromisoformat(d["received_on"])
    d, sealed = stored(d, _sealed(d, case.parties))
    case.category, case.source, case.summary, case.status = d["category"], d["source"], d["summary"], status
    case.parties = {**sealed, "place": d.get("place") or "",
                    "requests": d["requests"] if status is CaseStatus.KHONG_THANH else []}
    done = status is not CaseStatus.DANG_HOA_GIAI
    case.agreement = (d.get("agreement") or None) if status is CaseStatus.THANH else None
    case.referral = (d.get("referral") or None) if status is CaseStatus.KHONG_THANH else None
    case.end_reason = (d.get("end_reason") or None) if status is CaseStatus.KET_THUC else None
    case.outcome_on = dt.date.fromisoformat(d["outcome_on"]) if done and d.get("outcome_on") else None
    case.sessions = sorted(set(d.get("sessions") or []))
    case.updated_at = now


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before[k], after[k]] for k in FIELDS if before[k] != after[k]}


async def record_outcome(uow: UnitOfWork, person: Person, case_id: int, draft: dict[str, Any],
                         now: dt.datetime, today: dt.date) -> Case:
    """Thành, không thành or ended (Điều 23), as the user confirmed it."""
    case = await changeable(uow, person, case_id)
    if case.status is not CaseStatus.DANG_HOA_GIAI:
        raise CaseError("case.already_closed")
    record = normalised({**record_of(case), **{k: draft[k] for k in FIELDS if k in draft}})
    _check(record, today)
    _apply(case, record, now)
    text = case.agreement if case.status is CaseStatus.THANH else case.end_reason or case.referral
    await uow.cases.add_event(CaseEvent(case_id=case.id, at=now, actor_id=person.id, kind="status",
                                        status=case.status, text=text))
    return case


async def correct_case(uow: UnitOfWork, person: Person, case_id: int, draft: dict[str, Any], reason: str,
                       now: dt.datetime, today: dt.date) -> tuple[Case, dict[str, list[Any]]]:
    """A correction with its reason: the record changes, the history keeps old → new."""
    case = await correctable(uow, person, case_id, now)
    before = record_of(case)
    after = normalised({**before, **{k: draft[k] for k in FIELDS if k in draft}})
    old, _ = stored(before, case.parties)  # older rows may hold plain text: compare like with like
    new, _ = stored(after, _sealed(after, case.parties))
    change = _diff(old, new)
    if not change:
        raise CaseError("case.correct_nothing")
    added = sorted(set(after["mediators"]) - set(before["mediators"]))
    if not after["mediators"]:
        raise CaseError("case.mediators_none")
    await _check_mediators(uow, case.team_id, added, None)
    _check(after, today)
    _apply(case, after, now)
    if "mediators" in change:
        case.mediators = [CaseMediator(person_id=i) for i in sorted(set(after["mediators"]))]
    case.corrected_at = now
    await uow.cases.add_event(CaseEvent(case_id=case.id, at=now, actor_id=person.id, kind="correction",
                                        status=case.status, text=reason, change=change))
    return case, change


async def reopen(uow: UnitOfWork, person: Person, case_id: int, now: dt.datetime) -> Case:
    """Điều 27: after không thành the parties may ask to continue."""
    case = await changeable(uow, person, case_id)
    if case.status is not CaseStatus.KHONG_THANH:
        raise CaseError("case.cannot_reopen")
    before = record_of(case)
    _apply(case, {**before, "status": "dang_hoa_giai"}, now)
    await uow.cases.add_event(CaseEvent(case_id=case.id, at=now, actor_id=person.id, kind="status",
                                        status=case.status, change=_diff(before, record_of(case))))
    return case


async def add_note(uow: UnitOfWork, person: Person, case_id: int, text: str, now: dt.datetime) -> Case:
    case = await changeable(uow, person, case_id)
    case.updated_at = now
    text, case.parties = keep(case.parties, text)
    await uow.cases.add_event(CaseEvent(case_id=case.id, at=now, actor_id=person.id, kind="note", text=text))
    return case
