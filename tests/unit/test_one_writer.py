"""On SQLite, units of work of one process take turns instead of polling SQLite's lock."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import select

from storage.db import Database
from storage.migrate import upgrade_async
from storage.models import Unit, UnitKind

NOW = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)


async def test_units_of_work_take_turns_and_one_inside_another_goes_on(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.sqlite3'}"
    await upgrade_async(url)
    db = Database(url)
    events, release, inside, knocked = [], asyncio.Event(), asyncio.Event(), asyncio.Event()
    enter = db.writer.enter

    async def knock_then_enter() -> bool:  # the second asks for its turn, then waits in enter()
        if asyncio.current_task().get_name() == "second":
            knocked.set()
        return await enter()

    db.writer.enter = knock_then_enter

    async def first() -> None:
        async with db.uow() as uow:
            events.append("first in")
            inside.set()
            await uow.units.add(UnitKind.TINH, "Tỉnh Một", None, NOW)
            await release.wait()  # a long turn (a province's report)
            async with db.uow() as inner:  # opened inside the first, in the same task
                events.append("nested")
                await inner.session.scalar(select(Unit.id))
            await uow.commit()
        events.append("first out")

    async def second() -> None:
        async with db.uow() as uow:
            events.append("second in")
            await uow.units.add(UnitKind.TINH, "Tỉnh Hai", None, NOW)
            await uow.commit()

    one = asyncio.create_task(first())
    await asyncio.wait_for(inside.wait(), 10)
    two = asyncio.create_task(second(), name="second")
    await asyncio.wait_for(knocked.wait(), 10)  # we run again only once the second has stopped somewhere:
    assert events == ["first in"]  # in enter(), waiting its turn (unlocked, it would be "second in" by now)
    release.set()
    await asyncio.wait_for(asyncio.gather(one, two), 10)
    assert events == ["first in", "nested", "first out", "second in"]
    async with db.uow() as uow:
        assert sorted(await uow.session.scalars(select(Unit.name))) == ["Tỉnh Hai", "Tỉnh Một"]
    await db.dispose()


async def test_postgresql_units_of_work_run_side_by_side(pg_server):
    url = await pg_server.new_database()
    db = Database(url)
    await db.create_all()
    release, inside, both_in = asyncio.Event(), [], asyncio.Event()

    async def hold(name: str) -> None:
        async with db.uow() as uow:
            inside.append(name)
            await uow.units.add(UnitKind.TINH, name, None, NOW)
            if len(inside) == 2:
                both_in.set()
            await release.wait()
            await uow.commit()

    tasks = [asyncio.create_task(hold(name)) for name in ("Tỉnh Một", "Tỉnh Hai")]
    await asyncio.wait_for(both_in.wait(), 10)  # both at once: PostgreSQL locks rows, not the store
    assert sorted(inside) == ["Tỉnh Hai", "Tỉnh Một"]
    release.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 10)
    await db.dispose()
    await pg_server.drop_database(url)
