"""Trainings that follow the calendar (issue 12 item 6, issue 13 item 6): check-in only from
30 minutes before a class until it ends, cleared when the class moves, never guessed by
trying every code; /khenthuong counts only classes that took place and were attended."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from handlers.trainings.usecases import create_training
from storage.models import Answer, Training, TrainingInvite, TrainingStatus
from tests.pushes import TZ, FakeSender, dispatcher, env
from tests.support import START, Chat


def at(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%d/%m/%Y %H:%M").replace(tzinfo=TZ).astimezone(dt.UTC)


async def new_training(db, world, clock, starts: str) -> tuple[int, str]:
    async with db.uow() as uow:
        official = await uow.people.get(world.people["official"].id)
        ward = await uow.units.get(world.ward.id)
        team = await uow.units.get(world.team_a.id)
        training, _ = await create_training(
            uow,
            env(),
            organiser=official,
            unit=ward,
            title="Kỹ năng hòa giải",
            starts_at=at(starts),
            place="Hội trường UBND phường",
            scope=[team],
            now=clock(),
        )
        await uow.commit()
        return training.id, training.checkin_code


async def attended(db, tid: int) -> dict[int, bool]:
    async with db.uow() as uow:
        rows = await uow.session.scalars(select(TrainingInvite).where(TrainingInvite.training_id == tid))
        return {i.person_id: i.attended for i in rows}


def wrong(code: str) -> str:
    return f"{(int(code) - 1000 + 1) % 9000 + 1000}"


async def test_checkin_opens_thirty_minutes_before_and_closes_when_the_class_ends(db, world, engine, clock):
    tid, code = await new_training(db, world, clock, "26/11/2026 08:00")
    hgv_a, hgv_a2, leader = Chat(engine, "hgv_a"), Chat(engine, "hgv_a2"), Chat(engine, "leader_a")
    clock.now = at("26/11/2026 07:10")  # 50 minutes before
    await hgv_a.send(f"/diemdanh {code}")
    assert "Đã điểm danh" not in hgv_a.text and "từ 07:30" in hgv_a.text
    assert not any((await attended(db, tid)).values())
    clock.now = at("26/11/2026 07:30")
    await hgv_a.send(f"/diemdanh {code}")
    assert "Đã điểm danh" in hgv_a.text
    clock.now = at("26/11/2026 11:59")  # a class lasts 4 hours unless stored otherwise
    await leader.send(f"/diemdanh {code}")
    assert "Đã điểm danh" in leader.text
    clock.now = at("26/11/2026 12:01")
    await hgv_a2.send(f"/diemdanh {code}")
    assert "Đã điểm danh" not in hgv_a2.text
    assert "đã kết thúc" in hgv_a2.text and "nhờ cán bộ" in hgv_a2.text
    people = world.people
    assert await attended(db, tid) == {
        people["hgv_a"].id: True,
        people["leader_a"].id: True,
        people["hgv_a2"].id: False,
    }


async def test_a_class_moved_clears_its_checkins_and_tells_those_people(db, world, engine, clock):
    tid, code = await new_training(db, world, clock, "26/11/2026 08:00")
    sender = FakeSender()
    await dispatcher(db, clock, sender).drain()  # the invitations reach everyone
    clock.now = at("26/11/2026 07:40")
    hgv_a = Chat(engine, "hgv_a")
    await hgv_a.send(f"/diemdanh {code}")
    assert "Đã điểm danh" in hgv_a.text
    official = Chat(engine, "official")
    await official.payload(f"tr:view:{tid}")
    await official.press("Đổi thời gian")
    await official.press("Địa điểm")
    await official.send("Nhà văn hóa thôn 1")
    assert (await attended(db, tid))[world.people["hgv_a"].id] is True  # same class, another room

    await official.payload(f"tr:view:{tid}")
    await official.press("Đổi thời gian")
    await official.press("Thời gian")
    await official.send("03/12/2026 08:00")
    assert "3 người được mời" in official.text
    assert not any((await attended(db, tid)).values())
    await official.payload(f"tr:view:{tid}")
    assert "có mặt 0" in official.text

    await dispatcher(db, clock, sender).drain()
    moved = [t for t in sender.texts("hgv_a") if "đã thay đổi" in t]
    assert "08:00 thứ Năm, 03/12/2026" in moved[-1] and "điểm danh lại" in moved[-1]
    other = [t for t in sender.texts("hgv_a2") if "đã thay đổi" in t]
    assert other and "điểm danh lại" not in other[-1]

    await hgv_a.send(f"/diemdanh {code}")  # still 26/11: the class is next week now
    assert "Đã điểm danh" not in hgv_a.text
    await official.send("/khenthuong 2026")
    assert "Hòa Giải A" not in official.text and "tập huấn 1" not in official.text


async def add_training(
    db, world, starts: dt.datetime, came: dict[str, bool], status: TrainingStatus = TrainingStatus.SCHEDULED
) -> None:
    async with db.uow() as uow:
        training = await uow.trainings.add(
            Training(
                unit_id=world.ward.id,
                unit_path=world.ward.path,
                title="Kỹ năng hòa giải",
                starts_at=starts,
                place="UBND phường",
                scope=[world.ward.id],
                status=status,
                checkin_code="1234",
                version=1,
                created_at=START,
                updated_at=START,
            )
        )
        for key, yes in came.items():
            person = world.people[key]
            uow.session.add(
                TrainingInvite(
                    training_id=training.id,
                    person_id=person.id,
                    team_id=person.unit_id,
                    answer=Answer.YES,
                    attended=yes,
                )
            )
        await uow.commit()


async def test_commendation_counts_only_classes_that_took_place(db, world, engine, clock):
    await add_training(db, world, START - dt.timedelta(days=30), {"hgv_b": True, "hgv_a": False})
    await add_training(db, world, START + dt.timedelta(days=10), {"hgv_a2": True})  # not yet held
    await add_training(db, world, START - dt.timedelta(days=3), {"leader_a": True}, TrainingStatus.CANCELLED)
    official = Chat(engine, "official")
    await official.send("/khenthuong 2026")
    text = official.text
    assert "1. Hòa Giải B (Tổ hòa giải 2) — 1 điểm: 0 vụ" in text and "tập huấn 1" in text
    assert "Hòa Giải A Hai" not in text and "Tổ Trưởng A" not in text and "Hòa Giải A (" not in text
    assert "1. Tổ hòa giải 2 — 1 điểm" in text and "Tổ hòa giải 1" not in text


async def test_only_future_classes_in_the_period_leave_the_training_column_out(db, world, engine, clock):
    await add_training(db, world, START + dt.timedelta(days=10), {"hgv_a2": True})
    official = Chat(engine, "official")
    await official.send("/khenthuong 2026")
    assert "chưa có buổi tập huấn" in official.text and "Hòa Giải A Hai" not in official.text


async def test_five_wrong_codes_lock_self_checkin_for_that_person_and_class(db, world, engine, clock):
    from storage.models import CheckinMiss

    tid, code = await new_training(db, world, clock, "26/11/2026 08:00")
    clock.now = at("26/11/2026 08:05")
    hgv_a = Chat(engine, "hgv_a")
    await hgv_a.send("/diemdanh abc")  # not a code at all: explained, not counted
    assert "mã 4 số" in hgv_a.text
    for left in (4, 3, 2, 1):
        await hgv_a.send(f"/diemdanh {wrong(code)}")
        assert "chưa đúng" in hgv_a.text and f"còn {left} lần" in hgv_a.text
    await hgv_a.send(f"/diemdanh {wrong(code)}")
    assert "sai mã 5 lần" in hgv_a.text and "nhờ cán bộ" in hgv_a.text
    await hgv_a.send(f"/diemdanh {code}")  # even the right code: the class is closed to guessing
    assert "Đã điểm danh" not in hgv_a.text and "nhờ cán bộ" in hgv_a.text
    await hgv_a.send(f"/diemdanh {wrong(code)}")
    async with db.uow() as uow:
        misses = await uow.session.scalar(
            select(func.count(CheckinMiss.id)).where(
                CheckinMiss.training_id == tid, CheckinMiss.person_id == world.people["hgv_a"].id
            )
        )
    assert misses == 5  # every wrong try is recorded, until the class is closed to this person
    assert not any((await attended(db, tid)).values())

    hgv_a2 = Chat(engine, "hgv_a2")
    await hgv_a2.send(f"/diemdanh {code[:2]} {code[2:]}")  # another person, a space typed in the code
    assert "Đã điểm danh" in hgv_a2.text
    official = Chat(engine, "official")  # the organiser marks by hand
    await official.payload(f"tr:attendance:{tid}")
    await official.press("Tổ hòa giải 1")
    await official.press("▫️ Hòa Giải A")
    assert (await attended(db, tid))[world.people["hgv_a"].id] is True


async def test_the_organiser_cannot_mark_anyone_present_before_the_class(db, world, engine, clock):
    tid, _ = await new_training(db, world, clock, "26/11/2026 08:00")
    official = Chat(engine, "official")
    await official.payload(f"tr:attendance:{tid}")
    await official.press("Tổ hòa giải 1")
    await official.press("▫️ Hòa Giải A")
    assert "Lớp chưa bắt đầu" in official.text and "07:30 thứ Năm, 26/11/2026" in official.text
    assert not any((await attended(db, tid)).values())
    clock.now = at("26/11/2026 07:30")
    await official.payload(f"tr:attendance:{tid}")
    await official.press("Tổ hòa giải 1")
    await official.press("▫️ Hòa Giải A")
    assert (await attended(db, tid))[world.people["hgv_a"].id] is True
