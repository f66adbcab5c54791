"""Hand-made cases for the officials' desk tests: what each one is, so counts can be worked
out by hand.

Ward "Phường B" (official), teams A (Thôn 1) and B (Thôn 2):

    team  author  received     category   outcome
    A     hgv_a   10/01/2026   dan_su     thanh
    A     hgv_a   05/02/2026   dan_su     khong_thanh
    A     hgv_a   15/03/2026   hon_nhan   thanh
    A     hgv_a   01/07/2026   mau_thuan  (in progress)
    A     hgv_a2  20/07/2026   vi_pham    ket_thuc
    B     hgv_b   31/03/2026   dan_su     thanh
    B     hgv_b   30/06/2026   khac       khong_thanh
    A     hgv_a   01/02/2025   dan_su     thanh
    A     hgv_a   10/04/2025   dan_su     khong_thanh
    B     hgv_b   05/05/2025   mau_thuan  khong_thanh
    B     hgv_b   09/09/2025   dan_su     khong_thanh

Another province (Tỉnh C → Xã D → Thôn X → "Tổ hòa giải X") has one case by "Người Tỉnh Khác".
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from handlers.cases.usecases import create_case, record_outcome
from storage.db import Database
from storage.models import Account, CaseStatus, Person, Role, Unit, UnitKind
from tests.support import START, World

T, KT, DANG, END = CaseStatus.THANH, CaseStatus.KHONG_THANH, CaseStatus.DANG_HOA_GIAI, CaseStatus.KET_THUC
PARTIES = ["Nguyễn Văn An", "Trần Thị Bình"]
WARD_CASES = [
    ("hgv_a", "2026-01-10", "dan_su", T),
    ("hgv_a", "2026-02-05", "dan_su", KT),
    ("hgv_a", "2026-03-15", "hon_nhan", T),
    ("hgv_a", "2026-07-01", "mau_thuan", DANG),
    ("hgv_a2", "2026-07-20", "vi_pham", END),
    ("hgv_b", "2026-03-31", "dan_su", T),
    ("hgv_b", "2026-06-30", "khac", KT),
    ("hgv_a", "2025-02-01", "dan_su", T),
    ("hgv_a", "2025-04-10", "dan_su", KT),
    ("hgv_b", "2025-05-05", "mau_thuan", KT),
    ("hgv_b", "2025-09-09", "dan_su", KT),
]
OTHER_NAME = "Người Tỉnh Khác"
OTHER_TEAM = "Tổ hòa giải X"


async def add_person(
    db: Database, key: str, name: str, role: Role, unit_id: int, sex: str = "nam", now: dt.datetime = START
) -> Person:
    async with db.uow() as uow:
        person = await uow.people.add(Person(full_name=name, role=role, unit_id=unit_id, sex=sex, created_at=now))
        uow.session.add(
            Account(channel="test", external_id=key, person_id=person.id, display_name=name, last_seen_at=now)
        )
        await uow.commit()
        return person


async def add_cases(db: Database, people: dict[str, Person], specs, now: dt.datetime = START) -> list[int]:
    ids = []
    async with db.uow() as uow:
        for key, day, category, status in specs:
            author = await uow.people.get(people[key].id)
            draft = {
                "received_on": day,
                "category": category,
                "source": "yeu_cau",
                "parties": PARTIES,
                "contact": "số 5 ngõ 3, 0912 345 678",
                "summary": "Ông Nguyễn Văn An lấn lối đi của bà Trần Thị Bình",
                "mediators": [author.id],
            }
            case = await create_case(uow, author, draft, now)
            if status is not DANG:
                await record_outcome(
                    uow,
                    author,
                    case.id,
                    {
                        "status": status.value,
                        "agreement": "An trả lại lối đi cho Bình" if status is T else "",
                        "requests": ["Giữ nguyên lối đi", "Mở lại lối đi"],
                        "referral": "ubnd_xa",
                        "end_reason": "yeu_cau_cham_dut" if status is END else "",
                        "outcome_on": day,
                        "sessions": [day],
                    },
                    now,
                    now.date(),
                )
            ids.append(case.id)
        await uow.commit()
    return ids


async def other_province_team(db: Database, world: World) -> tuple[Unit, Person]:
    """A team in the other province, with one mediator and one case of theirs."""
    async with db.uow() as uow:
        ward = await uow.session.scalar(select(Unit).where(Unit.name == "Xã D"))
        village = await uow.units.add(UnitKind.THON, "Thôn X", ward, START)
        team = await uow.units.add(UnitKind.TO_HOA_GIAI, OTHER_TEAM, village, START)
        await uow.commit()
    person = await add_person(db, "hgv_other", OTHER_NAME, Role.HOA_GIAI_VIEN, team.id)
    await add_cases(db, {"hgv_other": person}, [("hgv_other", "2026-04-04", "dan_su", T)])
    return team, person


async def seed_ward(db: Database, world: World) -> list[int]:
    return await add_cases(db, world.people, WARD_CASES)
