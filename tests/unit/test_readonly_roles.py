"""Read-only overseers: UBND leadership (Lãnh đạo) and the Front's committee (Mặt trận, Luật hòa
giải ở cơ sở Điều 30, NQLT 01/2014 Điều 11) are invited like officials, then see the counts,
training coverage and team review of their unit's subtree, never a party, and change nothing.

Province → commune → team: the province's official invites the commune's leadership, the CLI
makes a code for the province's Front; each sees what lies under their own unit."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from storage.models import AuditEntry, Case, CaseEvent, Delivery, HelpRequest, InviteCode, Person, Role
from tests.cli import run_bot
from tests.support import Chat
from tests.unit.officials_fixtures import PARTIES, add_person, seed_ward

READ_ONLY = "chỉ dùng để xem số liệu"
PARTY_WORDS = (*PARTIES, "N.V.A", "T.T.B", "lấn lối đi", "0912")


def seen(chat: Chat) -> str:
    return "\n".join([chat.text, *(b.label for r in chat.replies for b in r.choices())])


async def join_with(chat: Chat, code: str) -> None:
    await chat.send(f"/start {code}")
    await chat.press("Dùng tên")
    await chat.press("Nam")
    await chat.press("Không")


async def test_an_official_invites_the_communes_leadership_who_joins_read_only(db, world, engine):
    await add_person(db, "prov", "Cán Bộ Tỉnh", Role.CAN_BO, world.province.id)
    official = Chat(engine, "prov")
    await official.send("/moi")
    await official.press("Lãnh đạo UBND")
    assert [b.label for b in official.replies[-1].choices()] == ["Tỉnh A", "Phường B"]
    await official.press("Phường B")
    assert "Lãnh đạo UBND" in official.text and "3 lần" in official.text, official.text
    code = re.search(r"Mã mời: ([A-Z0-9]{8})", official.text).group(1)

    leader = Chat(engine, "chu_tich", name="Chủ Tịch Phường")
    await join_with(leader, code)
    assert "Chào mừng Chủ Tịch Phường" in leader.text and "Lãnh đạo UBND" in leader.text
    async with db.uow() as uow:
        person = await uow.session.scalar(select(Person).where(Person.full_name == "Chủ Tịch Phường"))
    assert (person.role, person.unit_id) == (Role.LANH_DAO, world.ward.id)

    await leader.send("/help")
    for shown in ("/thongke", "/tohoagiai", "/hoidap"):
        assert shown in leader.text, shown
    for hidden in ("/vuviec", "/cuatoi", "/baocao", "/moi", "/hotro", "/taphuan", "/thongbao", "/khenthuong"):
        assert hidden not in leader.text, hidden
    await leader.send("/menu")
    labels = [b.label for b in leader.replies[-1].choices()]
    assert "Ghi vụ việc mới" not in labels and "Vụ việc của tôi" not in labels


def test_the_cli_makes_a_code_for_the_front_and_refuses_a_team(tmp_path):
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3",
        "TELEGRAM_BOT_USERNAME": "hoagiai_bot",
        "TELEGRAM_BOT_TOKEN": "",
        "DATA_KEY": "",
    }
    run_bot(tmp_path, env, "db", "upgrade")
    csv = tmp_path / "units.csv"
    csv.write_text(
        "province,commune,village,team\nTỉnh Lạng Sơn,Xã Hữu Lũng,Thôn Na,Tổ hòa giải thôn Na\n", encoding="utf-8"
    )
    run_bot(tmp_path, env, "admin", "unit", "import", str(csv))
    made = run_bot(tmp_path, env, "admin", "invite", "--unit", "Tỉnh Lạng Sơn", "--role", "mat_tran")
    assert made.returncode == 0 and "Ủy ban Mặt trận Tổ quốc, Tỉnh Lạng Sơn; 3 lần" in made.stdout, made.stdout
    team = run_bot(tmp_path, env, "admin", "invite", "--unit", "Tổ hòa giải thôn Na", "--role", "lanh_dao")
    assert team.returncode == 2 and "Không tạo được mã" in team.stdout and "Traceback" not in team.stderr


async def test_overseers_see_counts_coverage_and_reviews_of_their_subtree_never_a_party(db, world, engine):
    await seed_ward(db, world)
    await add_person(db, "lanh_dao", "Chủ Tịch Phường", Role.LANH_DAO, world.ward.id)
    await add_person(db, "mat_tran_tinh", "Ủy Viên Mặt Trận Tỉnh", Role.MAT_TRAN, world.province.id)
    ward = Chat(engine, "lanh_dao")
    await ward.send("/thongke 2026")
    assert "Phường B" in ward.text and "Tiếp nhận: 7 vụ việc" in ward.text, ward.text
    assert "Tập huấn" in ward.text  # the training coverage block
    assert "Chỉ tiêu" in ward.text and "Tỷ lệ hòa giải thành" in ward.text, ward.text  # the targets block
    assert "/chitieu" not in ward.text  # theirs to read, not to set
    assert "Xuất báo cáo" not in seen(ward)
    await ward.press("Thôn 1")
    assert "Tiếp nhận: 5 vụ việc" in ward.text, ward.text
    await ward.send("/thongke 2026 Thôn 2")  # a unit by name, within the subtree
    assert "Tiếp nhận: 2 vụ việc" in ward.text, ward.text
    await ward.send("/thongke 2026 Xã D")  # beside it: unknown
    assert "Tiếp nhận" not in ward.text

    await ward.send("/tohoagiai")
    assert "Phường B" in ward.text and "2 tổ" in ward.text, ward.text
    await ward.press("Xem tất cả")
    await ward.press("Tổ hòa giải 1")
    assert "Hòa Giải A" in ward.text and "Tổ Trưởng A" in ward.text
    labels = [b.label for r in ward.replies for b in r.choices()]
    assert labels == ["« Danh sách tổ"], labels  # no change offered
    assert not [w for w in PARTY_WORDS if w in seen(ward)]

    province = Chat(engine, "mat_tran_tinh")
    await province.send("/thongke 2026")
    assert "Tỉnh A" in province.text and "Tiếp nhận: 7 vụ việc" in province.text, province.text
    assert "Tỉnh C" not in seen(province) and "Xã D" not in seen(province)
    await province.send("/tohoagiai")
    assert "Tỉnh A" in province.text and "2 tổ" in province.text, province.text


async def counts(db) -> list[int]:
    async with db.uow() as uow:
        return [
            await uow.session.scalar(select(func.count()).select_from(m))
            for m in (AuditEntry, Case, CaseEvent, Delivery, HelpRequest, InviteCode, Person)
        ]


async def test_every_change_is_refused_with_a_clear_message_and_nothing_changes(db, world, engine):
    ids = await seed_ward(db, world)
    await add_person(db, "mat_tran", "Trưởng Ban Mặt Trận", Role.MAT_TRAN, world.ward.id)
    before = await counts(db)
    front = Chat(engine, "mat_tran")
    hgv_a, a = world.people["hgv_a"].id, world.team_a.id
    for typed in (
        "/vuviec",
        "/cuatoi",
        "/baocao 2026",
        "/moi",
        "/hotro",
        "/khenthuong",
        "/thongbao",
        "/taphuan",
        "/diemdanh",
        "/hanbaocao",
        "/tailieu",
        "/nhacnho",
        "ghi vụ việc",
    ):
        await front.send(typed)
        assert READ_ONLY in front.text, (typed, front.text)
    for data in (
        f"case:view:{ids[0]}",
        "case:list:0",
        f"rp:x:{world.ward.id}:2026:0",
        f"rp:x:{world.ward.id}:2026:1",
        f"tm:add:{a}",
        f"tm:person:{hgv_a}",
        f"tm:lead:{hgv_a}",
        f"tm:left:{hgv_a}:a",
        f"tm:moveto:{hgv_a}:{world.team_b.id}",
        f"sp:ask:{ids[3]}",
        f"pv:ask:{ids[0]}",
        "tb:new",
    ):
        await front.payload(data)
        assert READ_ONLY in front.text or "tin nhắn cũ" in front.text, (data, front.text)
        assert all(r.file is None for r in front.replies), data
        assert not [w for w in PARTY_WORDS if w in seen(front)], data
    assert await counts(db) == before
