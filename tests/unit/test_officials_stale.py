"""Cases still being mediated after STALE_CASE_DAYS (30 by default), for officials: counted per
team in /thongke, the teams with most first, and in a weekly message to the commune's officials.
Counts and case numbers only: the parties' names never appear."""

from __future__ import annotations

import datetime as dt

from handlers.cases.usecases import create_case
from handlers.stats.stale_block import officials_stale_job
from storage.models import Role
from tests.pushes import FakeSender, dispatcher, env
from tests.support import START, Chat
from tests.unit.officials_fixtures import add_person

PARTY = "Nguyễn Văn An"


async def log_case(db, world, key: str, days_ago: int, clock) -> str:
    async with db.uow() as uow:
        author = await uow.people.get(world.people[key].id)
        received = (clock().astimezone(env().tz).date() - dt.timedelta(days=days_ago)).isoformat()
        draft = {
            "received_on": received,
            "category": "dan_su",
            "source": "yeu_cau",
            "parties": [PARTY, "Trần Thị Bình"],
            "summary": "Tranh chấp lối đi",
            "mediators": [author.id],
        }
        case = await create_case(uow, author, draft, clock())
        await uow.commit()
        return case.number


async def stale_world(db, world, clock) -> dict[str, str]:
    """Team 1: 45 and 31 days (stale), 10 days (not yet); team 2: 40 days (stale)."""
    numbers = {}
    for name, key, days in (("a45", "hgv_a", 45), ("a31", "hgv_a2", 31), ("a10", "hgv_a", 10), ("b40", "hgv_b", 40)):
        numbers[name] = await log_case(db, world, key, days, clock)
    return numbers


async def test_thongke_counts_stale_cases_per_team_most_first(db, world, engine, clock):
    n = await stale_world(db, world, clock)
    official = Chat(engine, "official")
    await official.send("/thongke 2026")
    text = official.text
    assert "⏳ Vụ việc quá 30 ngày chưa có kết quả: 3 vụ" in text
    assert f"• Tổ hòa giải 1: 2 vụ ({n['a45']}, {n['a31']})" in text
    assert f"• Tổ hòa giải 2: 1 vụ ({n['b40']})" in text
    assert text.index("Tổ hòa giải 1: 2 vụ") < text.index("Tổ hòa giải 2: 1 vụ")
    assert n["a10"] not in text and PARTY not in text and "Trần Thị Bình" not in text
    await add_person(db, "prov", "Cán Bộ Tỉnh", Role.CAN_BO, world.province.id)
    province = Chat(engine, "prov")
    await province.send("/thongke")
    assert "Vụ việc quá 30 ngày chưa có kết quả: 3 vụ" in province.text
    other = Chat(engine, "official_other")  # another province: nothing of Phường B
    await other.send("/thongke")
    assert "⏳ Không có vụ việc nào quá 30 ngày chưa có kết quả." in other.text and n["a45"] not in other.text
    leader = Chat(engine, "leader_a")  # team leaders and mediators have their own weekly digest
    await leader.send("/thongke")
    assert "⏳" not in leader.text


async def test_commune_officials_get_one_weekly_message(db, world, clock):
    n = await stale_world(db, world, clock)
    await add_person(db, "prov", "Cán Bộ Tỉnh", Role.CAN_BO, world.province.id)

    async def run_job() -> int:
        async with db.uow() as uow:
            made = await officials_stale_job(uow, env(), clock())
            await uow.commit()
            return made

    sender = FakeSender()
    assert await run_job() == 1  # Sunday: this week's digest (Monday 08:00) was missed: catch up
    assert await run_job() == 0  # run often, sent once a week
    await dispatcher(db, clock, sender).drain()
    assert set(sender.sent) == {"official"}  # not the province, not Xã D (nothing stale there)
    (message,) = sender.texts("official")
    assert message.startswith("⏳ Phường B: 3 vụ việc đang hòa giải quá 30 ngày.")
    assert f"• Tổ hòa giải 1: 2 vụ ({n['a45']}, {n['a31']})" in message
    assert f"• Tổ hòa giải 2: 1 vụ ({n['b40']})" in message and "/thongke" in message
    assert PARTY not in message and "Tranh chấp lối đi" not in message
    clock.now = START + dt.timedelta(days=1, hours=5)  # Monday 15:00: the new week's digest
    assert await run_job() == 1
