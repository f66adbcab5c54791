"""The outbox with an in-memory Sender: announcements, quiet hours, muting, expiry, crash
recovery, two dispatchers at once, failures, and the weekly digest of stale cases."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import func, select, update

from bot.channels.base import Rejected, RetryLater
from bot.dispatcher import MAX_ATTEMPTS
from handlers.broadcasts.views import create_broadcast
from handlers.cases.stale import stale_digest_job
from handlers.cases.usecases import create_case
from handlers.common.outbox import Kind, PushPolicy, QuietHours
from storage.db import Database
from storage.models import Account, Delivery, DeliveryStatus
from tests.pushes import FakeSender, deliveries, dispatcher, env, local
from tests.support import START, Chat, build_world

MORNING = dt.datetime(2026, 11, 23, 0, 0, tzinfo=dt.UTC)  # 07:00 in Hà Nội on Monday 23/11


async def announce(db, world, clock, unit=None, text="Họp tổ sáng thứ Hai.") -> int:
    async with db.uow() as uow:
        target = await uow.units.get((unit or world.ward).id)
        push, _ = await create_broadcast(uow, env(), sender=None, unit=target, text=text, now=clock())
        await uow.commit()
        return push.id


async def statuses(db) -> dict[str, DeliveryStatus]:
    async with db.uow() as uow:
        rows = await uow.session.execute(
            select(Account.external_id, Delivery.status)
            .join(Account, Account.person_id == Delivery.person_id)
            .where(Account.channel == "test")
        )
        return dict(rows.all())


async def test_official_announces_in_chat_after_hours_and_sees_who_received(db, world, engine, clock):
    async with db.uow() as uow:  # Hòa Giải B cannot be reached on any app
        await uow.session.execute(update(Account).where(Account.external_id == "hgv_b").values(unreachable=True))
        await uow.commit()
    clock.advance(hours=12)  # 22:00
    official = Chat(engine, "official")
    await official.send("/thongbao")
    await official.press("Gửi thông báo mới")
    await official.press("Mọi người thuộc Phường B")
    await official.send("Tuần sau tập huấn, mọi người thu xếp thời gian nhé.")
    assert "Gửi đến 4 người thuộc Phường B" in official.text and "7 giờ sáng" in official.text
    await official.press("Gửi")
    assert "Đã xếp gửi đến 4 người" in official.text

    sender = FakeSender()
    await dispatcher(db, clock, sender).drain()
    assert sender.sent == {}  # quiet hours: nothing before morning
    clock.now = MORNING
    await dispatcher(db, clock, sender).drain()
    assert sender.texts("hgv_a") == [
        "📢 Thông báo của Cán Bộ Phường (Phường B):\nTuần sau tập huấn, mọi người thu xếp thời gian nhé."
    ]
    assert set(sender.sent) == {"hgv_a", "hgv_a2", "leader_a"}
    await official.press("Xem kết quả")
    assert "4 người\n✅ Đã nhận: 3\n⏳ Đang chờ gửi: 0\n⚠️ Chưa liên lạc được: 1" in official.text
    assert "Chưa liên lạc được: Hòa Giải B" in official.text
    other = Chat(engine, "official_other")
    await other.payload(official.button("Xem lại").payload)
    assert "Không tìm thấy thông báo" in other.text


async def test_muted_person_gets_no_automatic_reminders_but_still_announcements(db, world, engine, clock):
    from tests.unit.test_trainings import new_training

    await new_training(db, world, clock, "26/11/2026 08:00", scope=[world.team_a])
    mediator = Chat(engine, "hgv_a")
    await mediator.send("/nhacnho")
    assert "10:00 Chủ nhật, 22/11/2026 — 📚 Mời tham dự tập huấn: Kỹ năng hòa giải" in mediator.text
    assert "08:00 thứ Hai, 23/11/2026 — ⏰ Nhắc lịch tập huấn" in mediator.text
    await mediator.press("Tắt nhắc tự động")
    assert "Đã tắt" in mediator.text and "(đã tắt)" in mediator.text
    clock.now = START + dt.timedelta(days=1)  # Monday 10:00: the 3-day reminder is due
    await announce(db, world, clock, world.team_a)
    sender = FakeSender()
    await dispatcher(db, clock, sender).drain()
    assert [t.split("\n")[0] for t in sender.texts("hgv_a")] == [
        "📚 Mời tham dự tập huấn: Kỹ năng hòa giải",
        "📢 Thông báo của Tổ hòa giải 1:",
    ]
    assert any("Nhắc lịch" in t for t in sender.texts("hgv_a2"))
    reminders = [d for d, _ in await deliveries(db, Kind.TRAINING_REMINDER) if local(d.due_at) == "23/11 08:00"]
    assert {d.status for d in reminders} == {DeliveryStatus.SKIPPED, DeliveryStatus.SENT}


async def test_what_is_past_its_use_expires(db, world, clock):
    await announce(db, world, clock)
    clock.advance(days=8)
    sender = FakeSender()
    await dispatcher(db, clock, sender).drain()
    assert sender.sent == {} and set((await statuses(db)).values()) == {DeliveryStatus.EXPIRED}


async def test_restart_resends_claimed_never_what_was_in_flight(db, world, clock):
    await announce(db, world, clock)
    async with db.uow() as uow:  # a dispatcher died: two rows claimed, one handed to the platform
        ids = (await uow.session.scalars(select(Delivery.id).order_by(Delivery.id))).all()
        await uow.session.execute(
            update(Delivery).where(Delivery.id.in_(ids[:2])).values(status=DeliveryStatus.CLAIMED, claimed_by="dead")
        )
        await uow.session.execute(
            update(Delivery).where(Delivery.id == ids[2]).values(status=DeliveryStatus.SENDING, claimed_by="dead")
        )
        await uow.commit()
    sender = FakeSender()
    restarted = dispatcher(db, clock, sender)
    assert await restarted.recover() == (2, 1)
    await restarted.drain()
    assert sum(len(r) for r in sender.sent.values()) == 4  # five people under the ward, one maybe reached
    assert sorted(s.value for s in (await statuses(db)).values()) == ["sent"] * 4 + ["uncertain"]


async def test_two_dispatchers_at_once_send_each_message_once(store_url, tmp_path, clock):
    url = (
        f"sqlite+aiosqlite:///{tmp_path}/two.sqlite3" if isinstance(store_url, str) else await store_url.new_database()
    )
    db = Database(url)
    await db.create_all()
    try:
        world = await build_world(db)
        for i in range(30):
            await announce(db, world, clock, text=f"Thông báo số {i}")
        sender = FakeSender()
        await asyncio.gather(dispatcher(db, clock, sender).drain(), dispatcher(db, clock, sender).drain())
        pairs = [(account, r.text) for account, replies in sender.sent.items() for r in replies]
        assert len(pairs) == len(set(pairs)) == 30 * 5  # five people under the ward
        async with db.uow() as uow:
            sent = await uow.session.scalar(
                select(func.count(Delivery.id)).where(Delivery.status == DeliveryStatus.SENT)
            )
        assert sent == 150
    finally:
        await db.dispose()
        if not isinstance(store_url, str):
            await store_url.drop_database(url)


async def test_refused_fails_and_transient_errors_give_up_in_the_end(db, world, clock):
    await announce(db, world, clock, world.team_a)
    sender = FakeSender()
    sender.fail["hgv_a"] = [Rejected("Bad Request: message is too long")]
    sender.fail["hgv_a2"] = [RetryLater(1, "network")] * MAX_ATTEMPTS
    for _ in range(MAX_ATTEMPTS):
        await dispatcher(db, clock, sender).drain()
        clock.advance(hours=1)
    result = await statuses(db)
    assert (result["hgv_a"], result["hgv_a2"], result["leader_a"]) == (
        DeliveryStatus.FAILED,
        DeliveryStatus.FAILED,
        DeliveryStatus.SENT,
    )


async def test_quiet_hours_are_settable_and_can_be_off(db, world, clock):
    clock.advance(hours=12)  # 22:00
    sender = FakeSender()
    policy = PushPolicy(quiet=QuietHours.parse("off"))
    await announce(db, world, clock)
    await dispatcher(db, clock, sender, policy).drain()  # due at 07:00 (made with the default)
    assert sender.sent == {}
    async with db.uow() as uow:
        await uow.session.execute(update(Delivery).values(next_attempt_at=clock(), due_at=clock()))
        await uow.commit()
    await dispatcher(db, clock, sender, policy).drain()
    assert len(sender.sent) == 5
    late = dt.datetime(2026, 11, 23, 5, 45, tzinfo=env().tz)
    assert QuietHours.parse("22:30-06:00").contains(late) and not QuietHours.parse("off").contains(late)


async def log_case(db, world, key: str, days_ago: int, clock) -> None:
    async with db.uow() as uow:
        author = await uow.people.get(world.people[key].id)
        received = (clock().astimezone(env().tz).date() - dt.timedelta(days=days_ago)).isoformat()
        await create_case(
            uow,
            author,
            {
                "received_on": received,
                "category": "dan_su",
                "source": "yeu_cau",
                "parties": ["Nguyễn Văn An", "Trần Thị Bình"],
                "summary": "Tranh chấp lối đi",
                "mediators": [author.id],
            },
            clock(),
        )
        await uow.commit()


async def test_weekly_digest_lists_all_stale_cases_in_one_message(db, world, clock):
    for days in (45, 31, 10):
        await log_case(db, world, "hgv_a", days, clock)
    await log_case(db, world, "hgv_b", 5, clock)

    async def run_job() -> int:
        async with db.uow() as uow:
            made = await stale_digest_job(uow, env(), clock())
            await uow.commit()
            return made

    sender = FakeSender()
    assert await run_job() == 1  # Sunday: this week's digest (due Monday 08:00) was missed: catch up
    await dispatcher(db, clock, sender).drain()
    assert await run_job() == 0  # the clock runs the job often: still once a week
    clock.now = START + dt.timedelta(hours=21, minutes=59)  # Monday 07:59
    assert await run_job() == 0
    clock.advance(minutes=1)  # Monday 08:00: a new week's digest
    assert await run_job() == 1
    await dispatcher(db, clock, sender).drain()
    _, digest = sender.sent["hgv_a"]
    assert digest.text.startswith("📋 Vụ việc bạn đang hòa giải quá 30 ngày (2 vụ):")
    assert "(46 ngày)" in digest.text and "(32 ngày)" in digest.text and "(11 ngày)" not in digest.text
    assert digest.buttons[0][0].payload == "cmd:cuatoi"
    assert "hgv_b" not in sender.sent
