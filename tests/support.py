"""Test helpers: a small world of units and people, a controllable clock, a chat driver."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bot.app import build_engine
from handlers.kit.core import Button, Reply, Turn
from handlers.kit.engine import Engine
from handlers.onboarding.usecases import create_invite
from storage.db import Database
from storage.models import Account, Person, Role, Unit, UnitKind

# 10:00 in Hà Nội on a Sunday.
START = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self, now: dt.datetime = START) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += dt.timedelta(**kw)


@dataclass
class World:
    province: Unit
    ward: Unit
    team_a: Unit
    team_b: Unit
    other_province: Unit
    people: dict[str, Person] = field(default_factory=dict)


async def build_world(db: Database, now: dt.datetime = START) -> World:
    """Province → ward → two villages, each with a team; people linked to 'test' accounts."""
    async with db.uow() as uow:
        prov = await uow.units.add(UnitKind.TINH, "Tỉnh A", None, now)
        ward = await uow.units.add(UnitKind.XA, "Phường B", prov, now)
        v1 = await uow.units.add(UnitKind.THON, "Thôn 1", ward, now)
        v2 = await uow.units.add(UnitKind.THON, "Thôn 2", ward, now)
        team_a = await uow.units.add(UnitKind.TO_HOA_GIAI, "Tổ hòa giải 1", v1, now)
        team_b = await uow.units.add(UnitKind.TO_HOA_GIAI, "Tổ hòa giải 2", v2, now)
        other = await uow.units.add(UnitKind.TINH, "Tỉnh C", None, now)
        other_ward = await uow.units.add(UnitKind.XA, "Xã D", other, now)
        world = World(prov, ward, team_a, team_b, other)
        spec = {
            "leader_a": ("Tổ Trưởng A", Role.TO_TRUONG, team_a, "nu"),
            "hgv_a": ("Hòa Giải A", Role.HOA_GIAI_VIEN, team_a, "nam"),
            "hgv_a2": ("Hòa Giải A Hai", Role.HOA_GIAI_VIEN, team_a, "nam"),
            "hgv_b": ("Hòa Giải B", Role.HOA_GIAI_VIEN, team_b, "nu"),
            "official": ("Cán Bộ Phường", Role.CAN_BO, ward, "nu"),
            "official_other": ("Cán Bộ Xã D", Role.CAN_BO, other_ward, "nam"),
        }
        for key, (name, role, unit, sex) in spec.items():
            person = await uow.people.add(Person(full_name=name, role=role, unit_id=unit.id, sex=sex, created_at=now))
            uow.session.add(
                Account(channel="test", external_id=key, person_id=person.id, display_name=name, last_seen_at=now)
            )
            world.people[key] = person
        await uow.commit()
    return world


async def invite_code(db: Database, role: Role, unit: Unit, now: dt.datetime = START, uses: int = 5) -> str:
    async with db.uow() as uow:
        unit = await uow.units.get(unit.id)
        invite = await create_invite(uow, role=role, unit=unit, now=now, days=14, uses=uses)
        await uow.commit()
        return invite.code


class Chat:
    """Drives the engine as one user would: type text, press a button by its label."""

    def __init__(self, engine: Engine, account: str, channel: str = "test", name: str = "Người Dùng") -> None:
        self.engine = engine
        self.account = account
        self.channel = channel
        self.name = name
        self.replies: list[Reply] = []
        self.updates = 0

    async def send(self, text: str | None) -> list[Reply]:
        return await self._turn(Turn(self.channel, self.account, self.name, text=text))

    async def payload(self, data: str) -> list[Reply]:
        return await self._turn(Turn(self.channel, self.account, self.name, payload=data))

    async def press(self, label: str) -> list[Reply]:
        return await self.payload(self.button(label).payload)

    def button(self, label: str) -> Button:
        for reply in reversed(self.replies):
            for b in reply.choices():
                if label in b.label:
                    return b
        raise AssertionError(f"no button {label!r} in: {[b.label for r in self.replies for b in r.choices()]}")

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.replies)

    async def _turn(self, turn: Turn) -> list[Reply]:
        self.updates += 1
        self.replies = await self.engine.handle(turn)
        return self.replies


def make_engine(db: Database, clock: Clock) -> Engine:
    return build_engine(db, clock=clock, bot_username="hoagiai_test_bot")


async def record_outcome(
    chat: Chat,
    kind: str,
    *,
    agreement: str = "Hai bên đồng ý mở lại lối đi chung",
    requests: tuple[str, ...] = ("Đòi mở lối đi", "Không đồng ý mở"),
    referral: str = "UBND xã/phường",
    day: str = "Hôm nay",
    place: str | None = None,
    invited: str | None = None,
    confirm: bool = True,
) -> None:
    """From a case's screen: «Hòa giải thành», «Không thành» or «Kết thúc», each field, then
    «Xác nhận» (unless `confirm` is False: the confirm screen is left open)."""
    await chat.press({"thanh": "Hòa giải thành", "khong_thanh": "Không thành", "ket_thuc": "Kết thúc"}[kind])
    if kind == "thanh":
        await chat.send(agreement)
    elif kind == "khong_thanh":
        for request in requests:
            await chat.send(request)
        await chat.press(referral)
    else:
        await chat.press("Một bên hoặc các bên yêu cầu chấm dứt")
    await (chat.press(day) if day in ("Hôm nay", "Hôm qua") else chat.send(day))
    await chat.press("Một buổi")
    await (chat.send(place) if place else chat.press("Bỏ qua"))
    await (chat.send(invited) if invited else chat.press("Không mời ai"))
    assert "Kiểm tra kết quả" in chat.text, chat.text
    if confirm:
        await chat.press("Xác nhận")
