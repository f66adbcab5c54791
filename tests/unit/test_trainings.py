"""Trainings: the deliveries a training creates (at the right local times), answering,
attendance, changes and cancellation — at the handler level on in-memory SQLite."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from handlers.common.outbox import Kind
from handlers.trainings.usecases import create_training
from storage.models import Answer, DeliveryStatus, TrainingInvite
from tests.pushes import TZ, FakeSender, deliveries, dispatcher, env, local
from tests.support import Chat


def at(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%d/%m/%Y %H:%M").replace(tzinfo=TZ).astimezone(dt.UTC)


async def new_training(db, world, clock, starts: str, scope=None) -> int:
    async with db.uow() as uow:
        official = await uow.people.get(world.people["official"].id)
        ward = await uow.units.get(world.ward.id)
        units = [await uow.units.get(u.id) for u in (scope or [world.ward])]
        training, _ = await create_training(
            uow,
            env(),
            organiser=official,
            unit=ward,
            title="Kỹ năng hòa giải",
            starts_at=at(starts),
            place="Hội trường UBND phường",
            scope=units,
            now=clock(),
        )
        await uow.commit()
        return training.id


def plan(rows) -> list[tuple[str, str, int]]:
    """(kind, local due time, how many people) for each distinct delivery time."""
    out: dict[tuple[str, str], int] = {}
    for d, push in rows:
        if d.status is DeliveryStatus.PENDING:
            out[(push.kind, local(d.due_at))] = out.get((push.kind, local(d.due_at)), 0) + 1
    return [(k, t, n) for (k, t), n in out.items()]


async def test_invitation_now_and_reminders_three_days_and_two_hours_before(db, world, clock):
    await new_training(db, world, clock, "26/11/2026 08:00")  # now: Sunday 22/11 10:00 in Hà Nội
    assert plan(await deliveries(db)) == [
        (Kind.TRAINING_INVITE, "22/11 10:00", 4),
        (Kind.TRAINING_REMINDER, "23/11 08:00", 4),  # 3 days before
        (Kind.TRAINING_REMINDER, "26/11 07:00", 4),  # 2 hours before is 06:00, quiet: morning
    ]
    invite, push = (await deliveries(db, Kind.TRAINING_INVITE))[0]
    assert "08:00 thứ Năm, 26/11/2026" in push.text and invite.expires_at == at("26/11/2026 08:00")


async def test_training_across_midnight_is_reminded_the_evening_before(db, world, clock):
    await new_training(db, world, clock, "27/11/2026 00:30")  # 26/11 17:30 UTC
    assert plan(await deliveries(db)) == [
        (Kind.TRAINING_INVITE, "22/11 10:00", 4),
        (Kind.TRAINING_REMINDER, "24/11 07:00", 4),  # 24/11 00:30 is quiet: morning
        (Kind.TRAINING_REMINDER, "26/11 20:59", 4),  # 22:30 is quiet, morning is too late
    ]
    _, push = (await deliveries(db, Kind.TRAINING_INVITE))[0]
    assert "00:30 thứ Sáu, 27/11/2026" in push.text


async def test_created_less_than_two_hours_ahead_only_invites(db, world, clock):
    await new_training(db, world, clock, "22/11/2026 11:30")
    assert plan(await deliveries(db)) == [(Kind.TRAINING_INVITE, "22/11 10:00", 4)]


async def test_created_late_at_night_for_early_morning_goes_at_once(db, world, clock):
    clock.advance(hours=12)  # 22:00, quiet hours
    await new_training(db, world, clock, "23/11/2026 06:30", scope=[world.team_a])
    rows = await deliveries(db)
    assert plan(rows) == [(Kind.TRAINING_INVITE, "22/11 22:00", 3)] and all(d.urgent for d, _ in rows)
    sender = FakeSender()
    await dispatcher(db, clock, sender).drain()
    assert "Mời tham dự tập huấn" in sender.texts("hgv_a")[0]


async def test_official_creates_in_chat_mediators_answer_and_attend(db, world, engine, clock):
    official = Chat(engine, "official")
    await official.send("/taphuan")
    await official.press("Tạo lớp tập huấn")
    await official.send("Bồi dưỡng kỹ năng hòa giải")
    await official.send("ngày mai")
    assert "Chưa đọc được ngày giờ" in official.text
    await official.send("26/11 8h")
    await official.send("Hội trường UBND phường")
    await official.press("Tổ hòa giải 1")
    await official.press("Xong")
    assert "Mời: Tổ hòa giải 1 (3 người)" in official.text
    await official.press("Kèm tài liệu")
    await official.press("Bỏ qua")
    await official.press("Tạo và gửi lời mời")
    assert "xếp gửi lời mời đến 3 người" in official.text
    code = official.text.split("Mã điểm danh: ")[1][:4]

    sender = FakeSender()
    await dispatcher(db, clock, sender).drain()
    [invitation] = sender.sent["hgv_a"]
    assert "Bồi dưỡng kỹ năng hòa giải" in invitation.text and "08:00 thứ Năm, 26/11/2026" in invitation.text
    assert sender.sent["hgv_b"] == []  # team B was not invited

    hgv_a, hgv_a2 = Chat(engine, "hgv_a"), Chat(engine, "hgv_a2")
    await hgv_a.payload(invitation.buttons[0][0].payload)
    assert "sẽ tham dự «Bồi dưỡng kỹ năng hòa giải»" in hgv_a.text
    await hgv_a2.payload(invitation.buttons[1][0].payload)
    await hgv_a2.press("Ốm, mệt")
    assert "không tham dự" in hgv_a2.text
    outsider = Chat(engine, "hgv_b")
    await outsider.payload(invitation.buttons[0][0].payload)
    assert "không dành cho bạn" in outsider.text

    reminders = {
        d.person_id: d.status
        for d, _ in await deliveries(db, Kind.TRAINING_REMINDER)
        if local(d.due_at) == "23/11 08:00"
    }
    assert reminders[world.people["hgv_a2"].id] is DeliveryStatus.CANCELLED
    assert reminders[world.people["hgv_a"].id] is DeliveryStatus.PENDING

    clock.now = at("26/11/2026 08:10")
    await hgv_a.send("/diemdanh 0000")
    assert "chưa đúng" in hgv_a.text
    await hgv_a.send(f"/diemdanh {code}")
    assert "Đã điểm danh" in hgv_a.text

    await official.send("/taphuan")
    await official.press("Bồi dưỡng")
    assert "Mời 3 người · nhận lời 1 · không tham dự 1 · có mặt 1" in official.text
    await official.press("Điểm danh")
    await official.press("Tổ hòa giải 1")
    await official.press("Tổ Trưởng A")
    assert "✅ Tổ Trưởng A" in [b.label for b in official.replies[-1].choices()]
    await official.press("Quay lại")
    await official.press("Quay lại")
    await official.press("Theo từng tổ")
    assert "Tổ hòa giải 1: mời 3 · nhận lời 1 · không tham dự 1 · có mặt 2" in official.text
    assert "Hòa Giải A Hai: Ốm, mệt" in official.text
    async with db.uow() as uow:
        invites = (await uow.session.scalars(select(TrainingInvite))).all()
    assert {i.person_id: (i.answer, i.attended) for i in invites} == {
        world.people["leader_a"].id: (Answer.PENDING, True),
        world.people["hgv_a"].id: (Answer.YES, True),
        world.people["hgv_a2"].id: (Answer.NO, False),
    }


async def test_change_tells_everyone_and_cancel_stops_reminders(db, world, engine, clock):
    tid = await new_training(db, world, clock, "26/11/2026 08:00", scope=[world.team_a])
    sender = FakeSender()
    await dispatcher(db, clock, sender).drain()
    official = Chat(engine, "official")
    await official.payload(f"tr:view:{tid}")
    await official.press("Đổi thời gian")
    await official.press("Thời gian")
    await official.send("27/11/2026 14:00")
    assert "3 người được mời" in official.text
    await dispatcher(db, clock, sender).drain()
    assert "đã thay đổi" in sender.texts("hgv_a")[-1] and "14:00 thứ Sáu, 27/11/2026" in sender.texts("hgv_a")[-1]
    pending = plan(await deliveries(db, Kind.TRAINING_REMINDER))
    assert pending == [(Kind.TRAINING_REMINDER, "24/11 14:00", 3), (Kind.TRAINING_REMINDER, "27/11 12:00", 3)]

    await official.payload(f"tr:cancel:{tid}")
    await official.press("Đúng, hủy lớp")
    assert "Đã hủy lớp" in official.text
    clock.now = at("27/11/2026 12:30")
    await dispatcher(db, clock, sender).drain()
    texts = sender.texts("hgv_a")
    assert "đã hủy" in texts[-1] and not any("Nhắc lịch" in t for t in texts)
    assert plan(await deliveries(db)) == []


async def test_other_officials_and_mediators_cannot_manage(db, world, engine, clock):
    tid = await new_training(db, world, clock, "26/11/2026 08:00")
    other = Chat(engine, "official_other")
    await other.payload(f"tr:view:{tid}")
    assert "Không tìm thấy lớp tập huấn" in other.text
    mediator = Chat(engine, "hgv_a")
    await mediator.payload(f"tr:cancelyes:{tid}")
    assert "không dành cho vai trò" in mediator.text
    await mediator.send("/taphuan")
    assert "Kỹ năng hòa giải" in mediator.text and "chưa trả lời" in mediator.text


async def test_a_mediator_who_joins_after_the_training_was_created_is_invited_too(db, world, engine, clock):
    from storage.models import Role
    from tests.support import invite_code

    tid = await new_training(db, world, clock, "26/11/2026 08:00", scope=[world.team_a])
    code = await invite_code(db, Role.HOA_GIAI_VIEN, world.team_a, clock())
    newcomer = Chat(engine, "newcomer", name="Lan")
    await newcomer.send(f"/start {code}")
    await newcomer.send("Lê Thị Lan")
    await newcomer.press("Nữ")
    await newcomer.press("Không")
    assert "Chào mừng Lê Thị Lan" in newcomer.text
    sender = FakeSender()
    await dispatcher(db, clock, sender).drain()
    [invitation] = sender.sent["newcomer"]
    assert "Mời tham dự tập huấn" in invitation.text and "08:00 thứ Năm, 26/11/2026" in invitation.text
    await newcomer.payload(invitation.buttons[0][0].payload)  # «Tham gia»
    assert "sẽ tham dự «Kỹ năng hòa giải»" in newcomer.text
    async with db.uow() as uow:
        invites = {p.full_name: (i.answer, p.id) for i, p in await uow.trainings.invites(tid)}
    answer, lan = invites["Lê Thị Lan"]
    assert answer is Answer.YES  # on the organiser's list like the others
    reminders = [local(d.due_at) for d, _ in await deliveries(db, Kind.TRAINING_REMINDER) if d.person_id == lan]
    assert reminders == ["23/11 08:00", "26/11 07:00"]  # and reminded at the same times as they are


async def test_a_mediator_moved_to_an_invited_team_is_invited_once(db, world, engine, clock):
    tid = await new_training(db, world, clock, "26/11/2026 08:00", scope=[world.team_b])
    sender = FakeSender()
    await dispatcher(db, clock, sender).drain()
    assert sender.sent["hgv_a"] == []  # team A was not invited
    official = Chat(engine, "official")
    await official.payload(f"tm:person:{world.people['hgv_a'].id}")
    await official.press("Chuyển sang tổ khác")
    await official.press("Tổ hòa giải 2")
    await dispatcher(db, clock, sender).drain()
    [invitation] = sender.sent["hgv_a"]
    assert "Mời tham dự tập huấn" in invitation.text
    await official.payload(f"tm:person:{world.people['hgv_a'].id}")  # moved back and forth: not invited again
    await official.press("Chuyển sang tổ khác")
    await official.press("Tổ hòa giải 1")
    await official.payload(f"tm:person:{world.people['hgv_a'].id}")
    await official.press("Chuyển sang tổ khác")
    await official.press("Tổ hòa giải 2")
    await dispatcher(db, clock, sender).drain()
    assert len(sender.sent["hgv_a"]) == 1
    async with db.uow() as uow:
        assert [p.full_name for _, p in await uow.trainings.invites(tid)].count("Hòa Giải A") == 1
