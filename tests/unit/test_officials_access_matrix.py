"""Role × unit × command (and forged button data): nobody reads or changes anything outside
their scope through the officials' desk. A forbidden target answers like a missing one."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from content.catalog import load_catalog
from handlers.common.outbox import PushEnv, PushPolicy
from handlers.support.usecases import ask
from storage.models import AuditEntry, Case, Delivery, HelpRequest, InviteCode, Person, Role
from tests.support import START, Chat
from tests.unit.officials_fixtures import (
    OTHER_NAME,
    OTHER_TEAM,
    add_person,
    other_province_team,
    seed_ward,
)

COMMANDS = ("thongke", "baocao", "tohoagiai", "hotro", "khenthuong")
ALLOWED = {  # who may run each command at all
    "stranger": set(),
    "hgv_a": {"thongke", "hotro"},
    "leader_a": {"thongke", "baocao", "hotro"},
    "official": set(COMMANDS),
    "official_other": set(COMMANDS),
    "prov": set(COMMANDS),
    "lanh_dao": {"thongke", "tohoagiai"},  # read-only overseers of the ward
    "mat_tran": {"thongke", "tohoagiai"},
}
READERS = ("lanh_dao", "mat_tran")
READ_ONLY = "chỉ dùng để xem số liệu"  # the refusal a read-only overseer gets
WARD_WORDS = (
    "Phường B",
    "Thôn 1",
    "Thôn 2",
    "Tổ hòa giải 1",
    "Tổ hòa giải 2",
    "Hòa Giải A",
    "Hòa Giải B",
    "Tổ Trưởng A",
    "Nguyễn Văn An",
)
OTHER_WORDS = ("Xã D", "Thôn X", OTHER_TEAM, OTHER_NAME, "Tỉnh C")
REFUSED = ("Không tìm thấy", "không dành cho vai trò", "tham gia trước", "tin nhắn cũ", READ_ONLY)
PARTY_WORDS = ("Nguyễn Văn An", "Trần Thị Bình", "N.V.A", "T.T.B", "lấn lối đi", "0912", "không chịu ký")


@pytest.fixture
async def scene(db, world, engine):
    await seed_ward(db, world)
    other_team, other_person = await other_province_team(db, world)
    await add_person(db, "prov", "Cán Bộ Tỉnh", Role.CAN_BO, world.province.id)
    await add_person(db, "lanh_dao", "Chủ Tịch Phường", Role.LANH_DAO, world.ward.id)
    await add_person(db, "mat_tran", "Trưởng Ban Mặt Trận", Role.MAT_TRAN, world.ward.id)
    env = PushEnv(load_catalog(), engine.deps.tz, PushPolicy())
    async with db.uow() as uow:
        cases = {c.team_id: c.id for c in (await uow.session.scalars(select(Case).order_by(Case.id))).all()}
        hgv_a = await uow.people.get(world.people["hgv_a"].id)
        ward_req, _ = await ask(uow, env, hgv_a, cases[world.team_a.id], "Bên kia không chịu ký biên bản", START)
        other = await uow.people.get(other_person.id)
        other_req, _ = await ask(uow, env, other, cases[other_team.id], "Một bên không đến buổi hòa giải", START)
        await uow.commit()
    return {
        "world": world,
        "other_team": other_team,
        "other_person": other_person,
        "ward_req": ward_req.id,
        "other_req": other_req.id,
        "ward_case": cases[world.team_a.id],
        "other_case": cases[other_team.id],
    }


async def snapshot(db):
    async with db.uow() as uow:
        people = [
            (p.id, p.unit_id, p.role, p.active) for p in await uow.session.scalars(select(Person).order_by(Person.id))
        ]
        helps = [(h.id, h.status, h.taken_by_id, h.answer) for h in await uow.session.scalars(select(HelpRequest))]
        counts = [
            await uow.session.scalar(select(func.count()).select_from(m))
            for m in (AuditEntry, InviteCode, Delivery, Case)
        ]
    return people, helps, counts


def seen(chat: Chat) -> str:
    return "\n".join([chat.text, *(b.label for r in chat.replies for b in r.choices())])


@pytest.mark.parametrize("who", list(ALLOWED))
async def test_each_command_is_allowed_or_refused_by_role_and_never_leaks(scene, engine, who):
    chat = Chat(engine, who)
    foreign = OTHER_WORDS if who != "official_other" else WARD_WORDS
    for command in COMMANDS:
        await chat.send(f"/{command}")
        if command in ALLOWED[who]:
            assert not any(r in chat.text for r in ("không dành cho vai trò", "tham gia trước", READ_ONLY)), (
                who,
                command,
            )
        elif who in READERS:
            assert READ_ONLY in chat.text, (who, command)
        else:
            assert "không dành cho vai trò" in chat.text or "tham gia trước" in chat.text, (who, command)
        leaked = [w for w in foreign if w in seen(chat)]
        assert leaked == [], (who, command, leaked)
        if who in READERS:
            assert [w for w in PARTY_WORDS if w in seen(chat)] == [], (who, command)
        await chat.send("/huy")


def forged(s: dict, who: str) -> list[str]:
    w = s["world"]
    a, b, ward, prov = w.team_a.id, w.team_b.id, w.ward.id, w.province.id
    hgv_a, other_team, other_person = w.people["hgv_a"].id, s["other_team"].id, s["other_person"].id
    if who == "official_other":  # everything of the ward, from another province
        return [
            f"st:view:{ward}:2026",
            f"st:chart:{ward}:2026",
            f"st:units:{ward}:2026:0",
            f"st:view:{a}:2026",
            f"st:view:{prov}:2026",
            f"rp:o:{ward}:2026",
            f"rp:f:{ward}:2026",
            f"rp:x:{ward}:2026:0",
            f"rp:x:{ward}:2026:1",
            f"rp:x:{a}:2026H1:1",
            f"tm:team:{a}",
            f"tm:add:{a}",
            f"tm:person:{hgv_a}",
            f"tm:move:{hgv_a}:0",
            f"tm:moveto:{hgv_a}:{other_team}",
            f"tm:lead:{hgv_a}",
            f"tm:leave:{hgv_a}",
            f"tm:left:{hgv_a}:a",
            f"sp:view:{s['ward_req']}",
            f"sp:take:{s['ward_req']}",
            f"sp:ans:{s['ward_req']}",
            f"kt:v:{ward}:2026",
            f"kt:v:{prov}:2026",
            f"case:view:{s['ward_case']}",
        ]
    outside = [
        f"st:view:{prov}:2026",
        f"st:view:{other_team}:2026",
        f"st:chart:{other_team}:2026",
        f"rp:x:{prov}:2026:1",
        f"rp:x:{other_team}:2026:1",
        f"tm:team:{other_team}",
        f"tm:person:{other_person}",
        f"tm:moveto:{other_person}:{a}",
        f"tm:left:{other_person}:b",
        f"sp:take:{s['other_req']}",
        f"sp:ans:{s['other_req']}",
        f"sp:view:{s['other_req']}",
        f"kt:v:{prov}:2026",
        f"case:view:{s['other_case']}",
    ]
    if who == "official":  # the province above and the other province
        return [
            *outside,
            f"tm:moveto:{hgv_a}:{other_team}",
            "st:view:99999:2026",
            "st:view:1:2099X",
            "rp:x::2026:0",
            f"tm:left:{hgv_a}:z",
            "tm:team:-1",
            "sp:take:",
            f"st:view:{ward}:2026'--",
        ]
    if who in READERS:  # every change, every case and every party of the ward; and beside the ward
        return [
            *outside,
            f"case:view:{s['ward_case']}",
            f"case:hist:{s['ward_case']}",
            "case:list:0",
            f"case:ok:{s['ward_case']}",
            f"case:fix:{s['ward_case']}",
            f"case:note:{s['ward_case']}",
            f"rp:o:{ward}:2026",
            f"rp:f:{ward}:2026",
            f"rp:x:{ward}:2026:0",
            f"rp:x:{ward}:2026:1",
            f"rp:x:{a}:2026H1:0",
            f"tm:add:{a}",
            f"tm:person:{hgv_a}",
            f"tm:move:{hgv_a}:0",
            f"tm:moveto:{hgv_a}:{b}",
            f"tm:lead:{hgv_a}",
            f"tm:leave:{hgv_a}",
            f"tm:left:{hgv_a}:a",
            f"sp:ask:{s['ward_case']}",
            f"sp:view:{s['ward_req']}",
            f"sp:take:{s['ward_req']}",
            f"sp:ans:{s['ward_req']}",
            f"kt:v:{ward}:2026",
            f"pv:ask:{s['ward_case']}",
            "tb:new",
            "tr:new",
            "tr:list:0",
            "doc:new",
            "dl:status",
            f"st:view:{prov}:2026",
            "nh:mute:1",
        ]
    if who == "leader_a":  # the ward, the other team, and everything officials do
        return [
            *outside,
            f"st:view:{ward}:2026",
            f"st:view:{b}:2026",
            f"st:units:{ward}:2026:0",
            f"rp:x:{ward}:2026:1",
            f"rp:x:{b}:2026:0",
            f"tm:team:{a}",
            f"tm:left:{hgv_a}:a",
            f"tm:add:{a}",
            f"sp:take:{s['ward_req']}",
            f"sp:ans:{s['ward_req']}",
            f"kt:v:{a}:2026",
        ]
    return [
        *outside,
        f"st:view:{a}:2026",
        f"st:view:{ward}:2026",
        f"rp:x:{a}:2026:1",  # hgv_a, stranger
        f"tm:team:{a}",
        f"tm:left:{hgv_a}:a",
        f"sp:take:{s['ward_req']}",
        f"kt:v:{a}:2026",
    ]


@pytest.mark.parametrize("who", ["official_other", "official", "leader_a", "hgv_a", "stranger", *READERS])
async def test_forged_button_data_reads_and_changes_nothing(db, scene, engine, who):
    before = await snapshot(db)
    chat = Chat(engine, who)
    foreign = WARD_WORDS if who == "official_other" else OTHER_WORDS
    for payload in forged(scene, who):
        await chat.payload(payload)
        assert any(r in chat.text for r in REFUSED), (who, payload, chat.text[:200])
        assert all(r.file is None for r in chat.replies), (who, payload)
        leaked = [w for w in foreign if w in seen(chat)]
        assert leaked == [], (who, payload, leaked)
        if who in READERS:
            assert [w for w in PARTY_WORDS if w in seen(chat)] == [], (who, payload)
        await chat.send("Nội dung thử xem có lọt vào đâu không")  # in case a flow had started
        await chat.send("/huy")
    assert await snapshot(db) == before


async def test_each_scope_counts_only_its_own_cases(scene, engine):
    expected = {
        "official": "Tiếp nhận: 7 vụ việc",
        "official_other": "Tiếp nhận: 1 vụ việc",
        "prov": "Tiếp nhận: 7 vụ việc",
        "leader_a": "Tiếp nhận: 5 vụ việc",
        "hgv_a": "Tiếp nhận: 4 vụ việc",
        "hgv_b": "Tiếp nhận: 2 vụ việc",
        "lanh_dao": "Tiếp nhận: 7 vụ việc",
        "mat_tran": "Tiếp nhận: 7 vụ việc",
    }
    for who, line in expected.items():
        chat = Chat(engine, who)
        await chat.send("/thongke 2026")
        assert line in chat.text, who


async def test_a_mediator_who_left_sees_nothing_any_more(db, scene, engine):
    official = Chat(engine, "official")
    await official.payload(f"tm:left:{scene['world'].people['hgv_b'].id}:a")
    assert "thôi làm hòa giải viên" in official.text
    gone = Chat(engine, "hgv_b")
    for command in ("/thongke 2026", "/cuatoi", "/vuviec", "/baocao"):
        await gone.send(command)
        assert "đã thôi làm hòa giải viên" in gone.text and "Tiếp nhận" not in gone.text, command


async def test_the_rule_itself_for_units_and_people(db, scene):
    from storage.access import person_visible, unit_in_scope
    from storage.models import Unit

    ward_people = {
        "Tổ Trưởng A",
        "Hòa Giải A",
        "Hòa Giải A Hai",
        "Hòa Giải B",
        "Cán Bộ Phường",
        "Chủ Tịch Phường",
        "Trưởng Ban Mặt Trận",
    }
    ward_units = {"Phường B", "Thôn 1", "Thôn 2", "Tổ hòa giải 1", "Tổ hòa giải 2"}
    expected = {
        "official": ({"Phường B", "Thôn 1", "Thôn 2", "Tổ hòa giải 1", "Tổ hòa giải 2"}, ward_people),
        "prov": (
            {"Tỉnh A", "Phường B", "Thôn 1", "Thôn 2", "Tổ hòa giải 1", "Tổ hòa giải 2"},
            ward_people | {"Cán Bộ Tỉnh"},
        ),
        "official_other": ({"Xã D", "Thôn X", OTHER_TEAM}, {"Cán Bộ Xã D", OTHER_NAME}),
        "leader_a": ({"Tổ hòa giải 1"}, {"Tổ Trưởng A", "Hòa Giải A", "Hòa Giải A Hai"}),
        "hgv_a": (set(), {"Hòa Giải A"}),
        "lanh_dao": (ward_units, ward_people),  # counts and the team review: the ward's subtree
        "mat_tran": (ward_units, ward_people),
    }
    async with db.uow() as uow:
        people = {p.full_name: p for p in await uow.session.scalars(select(Person))}
        keys = {
            "official": "Cán Bộ Phường",
            "prov": "Cán Bộ Tỉnh",
            "official_other": "Cán Bộ Xã D",
            "leader_a": "Tổ Trưởng A",
            "hgv_a": "Hòa Giải A",
            "lanh_dao": "Chủ Tịch Phường",
            "mat_tran": "Trưởng Ban Mặt Trận",
        }
        for who, (units, persons) in expected.items():
            viewer = people[keys[who]]
            seen_units = set(await uow.session.scalars(select(Unit.name).where(unit_in_scope(viewer))))
            seen_people = set(await uow.session.scalars(select(Person.full_name).where(person_visible(viewer))))
            assert (seen_units, seen_people) == (units, persons), who


# --- read-only overseers: every command and every button of the engine, by role ----------------
READER_COMMANDS = {  # what a read-only overseer may run: counts, reviews, the law, their own account
    "thongke",
    "tohoagiai",
    "start",
    "help",
    "trogiup",
    "menu",
    "huy",
    "hoidap",
    "dieu",
    "quyenriengtu",
    "lienket",
}
READER_BUTTONS = {
    "StatsShow",
    "StatsChart",
    "StatsUnits",
    "TeamReview",
    "TeamView",
    "LinkPref",
    "QaArticle",
    "QaCited",
    "QaClause",
    "QaExplain",
    "QaLegacyArticle",
    "QaOther",
}


def test_readers_are_let_in_only_where_declared(engine):
    """The registry itself: a new command or button refuses read-only overseers unless it is
    declared for them (and added here, once it is known to read only)."""
    for role in (Role.LANH_DAO, Role.MAT_TRAN):
        commands = {name for name, c in engine.commands.items() if role in c.roles}
        buttons = {on.kind.__name__ for on in engine.buttons.values() if role in on.roles}
        assert (commands, buttons) == (READER_COMMANDS, READER_BUTTONS), role


@pytest.mark.parametrize("who", READERS)
async def test_every_other_command_refuses_readers_and_changes_nothing(db, scene, engine, who):
    before = await snapshot(db)
    chat = Chat(engine, who)
    for name in sorted(engine.commands):
        await chat.send(f"/{name}")
        refused = READ_ONLY in chat.text
        assert refused == (name not in READER_COMMANDS), (who, name, chat.text[:200])
        assert all(r.file is None for r in chat.replies), (who, name)
        assert [w for w in (*PARTY_WORDS, *OTHER_WORDS) if w in seen(chat)] == [], (who, name)
        await chat.send("/huy")
    assert await snapshot(db) == before
