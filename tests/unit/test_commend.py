"""/khenthuong: the shortlist, ranked by points worked out by hand from officials_fixtures.py."""

from __future__ import annotations

import datetime as dt

from storage.models import Answer, Training, TrainingInvite, TrainingStatus
from tests.support import START, Chat
from tests.unit.officials_fixtures import seed_ward


async def add_training(db, world, day: dt.date, attended: dict[str, bool], status=TrainingStatus.SCHEDULED):
    async with db.uow() as uow:
        training = Training(
            unit_id=world.ward.id,
            unit_path=world.ward.path,
            title="Kỹ năng hòa giải",
            starts_at=dt.datetime.combine(day, dt.time(1, 0), tzinfo=dt.UTC),
            place="UBND phường",
            scope=[world.ward.id],
            status=status,
            checkin_code="1234",
            version=1,
            created_at=START,
            updated_at=START,
        )
        await uow.trainings.add(training)
        for key, came in attended.items():
            person = world.people[key]
            uow.session.add(
                TrainingInvite(
                    training_id=training.id,
                    person_id=person.id,
                    team_id=person.unit_id,
                    answer=Answer.YES,
                    attended=came,
                )
            )
        await uow.commit()


async def test_ranking_on_cases_and_success(db, world, engine):
    await seed_ward(db, world)
    official = Chat(engine, "official")
    await official.send("/khenthuong 2026")
    text = official.text
    # hgv_a: 4 cases, 2 thành → 2×2 + 2 = 6; hgv_b: 2 cases, 1 thành → 3; hgv_a2: 1 case → 1
    assert "1. Hòa Giải A (Tổ hòa giải 1) — 6 điểm: 4 vụ, thành 2 (66,7%)" in text
    assert "2. Hòa Giải B (Tổ hòa giải 2) — 3 điểm: 2 vụ, thành 1 (50%)" in text
    assert "3. Hòa Giải A Hai (Tổ hòa giải 1) — 1 điểm: 1 vụ, thành 0 (0%)" in text
    assert "1. Tổ hòa giải 1 — 7 điểm: 5 vụ, thành 2 (50%)" in text
    assert "2. Tổ hòa giải 2 — 3 điểm: 2 vụ, thành 1 (50%)" in text
    assert "chưa có buổi tập huấn" in text and "chỉ để tham khảo" in text
    await official.press("Năm trước")
    # 2025: hgv_a 2 cases (1 thành) → 3; hgv_b 2 cases (0 thành) → 2
    assert "1. Hòa Giải A (Tổ hòa giải 1) — 3 điểm" in official.text
    assert "2. Hòa Giải B (Tổ hòa giải 2) — 2 điểm" in official.text


async def test_training_attendance_counts_when_trainings_exist(db, world, engine):
    await seed_ward(db, world)
    await add_training(db, world, dt.date(2026, 5, 10), {"hgv_a": False, "hgv_a2": True, "hgv_b": True})
    await add_training(db, world, dt.date(2026, 9, 1), {"hgv_a2": True})
    await add_training(db, world, dt.date(2026, 10, 1), {"hgv_b": True}, status=TrainingStatus.CANCELLED)
    await add_training(db, world, dt.date(2025, 10, 1), {"hgv_b": True})  # another year
    official = Chat(engine, "official")
    await official.send("/khenthuong 2026")
    text = official.text
    assert "1 × buổi tập huấn có mặt" in text
    # hgv_a 6 + 0; hgv_b 3 + 1 = 4; hgv_a2 1 + 2 = 3
    assert text.index("1. Hòa Giải A (") < text.index("2. Hòa Giải B (") < text.index("3. Hòa Giải A Hai (")
    assert "2. Hòa Giải B (Tổ hòa giải 2) — 4 điểm: 2 vụ, thành 1 (50%), tập huấn 1" in text
    assert "3. Hòa Giải A Hai (Tổ hòa giải 1) — 3 điểm: 1 vụ, thành 0 (0%), tập huấn 2" in text
    assert "1. Tổ hòa giải 1 — 9 điểm: 5 vụ, thành 2 (50%), tập huấn 2" in text


async def test_only_officials_and_only_their_scope(db, world, engine):
    await seed_ward(db, world)
    leader = Chat(engine, "leader_a")
    await leader.send("/khenthuong")
    assert "không dành cho vai trò" in leader.text
    outsider = Chat(engine, "official_other")
    await outsider.send("/khenthuong 2026")
    assert "Hòa Giải A" not in outsider.text and "Chưa có hòa giải viên nào" in outsider.text
    await outsider.payload(f"kt:v:{world.ward.id}:2026")
    assert "Không tìm thấy đơn vị" in outsider.text and "Hòa Giải A" not in outsider.text
