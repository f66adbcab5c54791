"""A record a conversation relied on that is gone by the next turn: the user is told so in
plain words, never an internal error."""

from __future__ import annotations

from sqlalchemy import delete

from storage.models import Unit, UnitKind
from tests.support import START, Chat


async def _empty_village(db, world) -> int:
    async with db.uow() as uow:
        ward = await uow.units.get(world.ward.id)
        village = await uow.units.add(UnitKind.THON, "Thôn 3", ward, START)
        await uow.commit()
        return village.id


async def _remove(db, unit_id: int) -> None:
    async with db.uow() as uow:
        await uow.session.execute(delete(Unit).where(Unit.id == unit_id))
        await uow.commit()


async def test_broadcast_to_a_unit_removed_before_sending_says_so(db, world, engine):
    village = await _empty_village(db, world)
    official = Chat(engine, "official")
    await official.send("/thongbao")
    await official.press("Gửi thông báo mới")
    await official.press("Thôn 3")
    await official.send("Họp tổ tối thứ Sáu.")
    assert "Gửi đến 0 người thuộc Thôn 3" in official.text
    await _remove(db, village)
    await official.press("Gửi")
    assert "Đơn vị bạn chọn không còn nữa" in official.text and "/thongbao" in official.text


async def test_broadcast_whose_unit_is_removed_before_the_confirm_screen_says_so(db, world, engine):
    village = await _empty_village(db, world)
    official = Chat(engine, "official")
    await official.send("/thongbao")
    await official.press("Gửi thông báo mới")
    await official.press("Thôn 3")
    await _remove(db, village)
    await official.send("Họp tổ tối thứ Sáu.")
    assert "Đơn vị bạn chọn không còn nữa" in official.text
    await official.send("/thongbao")  # the flow ended: the command answers afresh
    assert "Bạn chưa gửi thông báo nào" in official.text
