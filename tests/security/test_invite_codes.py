"""Invite codes: guessing is limited and audited, officials list and revoke their codes (chat
and CLI), and the store keeps only digests of invite and link codes, so a copy of the
database or a backup holds no code anyone could type (migration 0010 hashes older codes)."""

from __future__ import annotations

import asyncio
import datetime as dt
import re

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from bot.cli import admin, parser
from bot.settings import Settings
from handlers.onboarding.usecases import valid_invite
from storage.db import Database
from storage.links import LinkCode
from storage.migrate import downgrade, upgrade
from storage.models import AuditEntry, Conversation, InviteCode, Person, Role, UTCDateTime
from tests.support import START, Chat, build_world, invite_code, make_engine

WRONG = ["ZZZZZZZ2", "ZZZZZZZ3", "ZZZZZZZ4", "ZZZZZZZ5", "ZZZZZZZ6"]
CODE = re.compile(r"Mã mời: ([A-Z0-9]{8})")


async def audit_of(db, action: str) -> list[AuditEntry]:
    async with db.uow() as uow:
        return list(await uow.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


async def test_wrong_codes_are_audited_and_limited_for_fifteen_minutes(db, world, engine, clock):
    code = await invite_code(db, Role.HOA_GIAI_VIEN, world.team_a)
    guesser = Chat(engine, "guesser", channel="zalo")
    for wrong in WRONG[:3]:
        await guesser.send(f"/start {wrong}")
        assert "không đúng hoặc đã hết hạn" in guesser.text
    for wrong in WRONG[3:]:
        await guesser.send(wrong)  # a code typed alone (Zalo) counts the same
        assert "không đúng hoặc đã hết hạn" in guesser.text
    failed = await audit_of(db, "invite_failed")
    assert len(failed) == 5 and len({e.target for e in failed}) == 1 and failed[0].target.startswith("account:")
    assert not any(w in str(e.detail) for e in failed for w in WRONG)  # the tries themselves are not kept

    await guesser.send(f"/start {code}")  # even the right code waits now
    assert "sai mã mời 5 lần" in guesser.text and "15 phút" in guesser.text
    assert "Mã hợp lệ" not in guesser.text
    other = Chat(engine, "someone-else")
    await other.send(f"/start {code}")
    assert "Mã hợp lệ" in other.text  # the limit is per account

    clock.advance(minutes=15)
    await guesser.send(f"/start {code}")
    assert "Mã hợp lệ" in guesser.text


async def test_officials_list_and_revoke_their_codes_in_chat(db, world, engine):
    official = Chat(engine, "official")
    codes = []
    for role, team in (("Hòa giải viên", "Tổ hòa giải 2"), ("Tổ trưởng", "Tổ hòa giải 1")):
        await official.send("/moi")
        await official.press(role)
        await official.press(team)
        codes.append(CODE.search(official.text).group(1))
    async with db.uow() as uow:
        ids = [i.id for i in await uow.session.scalars(select(InviteCode).order_by(InviteCode.id))]

    await official.send("/moi")
    assert "Mã đang dùng (2)" in official.text
    assert f"#{ids[0]} · Hòa giải viên · Tổ hòa giải 2 · còn 30 lượt" in official.text
    assert f"#{ids[1]} · Tổ trưởng tổ hòa giải · Tổ hòa giải 1 · còn 1 lượt" in official.text
    assert not any(c in official.text for c in codes)  # numbers only: the codes are not kept

    intruder = Chat(engine, "official_other")  # an official of another province, forging the button
    await intruder.send("/moi")
    token = intruder.replies[-1].choices()[0].payload.split(":")[1]
    await intruder.payload(f"f:{token}:role:x{ids[0]}")
    assert "đã hết hạn, hết lượt hoặc đã được thu hồi" in intruder.text

    await official.press(f"Thu hồi #{ids[0]}")
    assert f"Đã thu hồi mã #{ids[0]}" in official.text and "Mã đang dùng (1)" in official.text
    assert (await audit_of(db, "invite_revoked"))[0].target == f"invite:{ids[0]}"
    await official.send("/huy")

    late = Chat(engine, "late")
    await late.send(f"/start {codes[0]}")
    assert "không đúng hoặc đã hết hạn" in late.text
    await late.send(f"/start {codes[1]}")
    assert "Mã hợp lệ" in late.text


async def test_the_store_keeps_digests_only(db, world, engine):
    official = Chat(engine, "official")
    await official.send("/moi")
    await official.press("Hòa giải viên")
    await official.press("Tổ hòa giải 1")
    code = CODE.search(official.text).group(1)
    newcomer = Chat(engine, "newcomer", channel="telegram", name="Lan")
    await newcomer.send(f"/start {code}")  # the join draft is in the store now
    mediator = Chat(engine, "hgv_a")
    await mediator.send("/lienket")
    link = re.search(r"lienket ([A-Z0-9]{6})\b", mediator.text).group(1)
    async with db.uow() as uow:
        stored = [
            str(tuple(r))
            for table in (InviteCode.__table__, LinkCode.__table__, Conversation.__table__)
            for r in await uow.session.execute(select(table))
        ]
    assert stored and not any(code in r or link in r for r in stored)

    await newcomer.press("Dùng tên")
    await newcomer.press("Nữ")
    await newcomer.press("Không")
    assert "Chào mừng Lan" in newcomer.text
    zalo = Chat(engine, "zalo-lan", channel="zalo")
    await zalo.send(f"lienket {link}")
    assert "Hòa Giải A" in zalo.text


async def test_a_backup_of_the_database_file_holds_no_code(tmp_path):
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/store.sqlite3")
    await db.create_all()
    world = await build_world(db)
    code = await invite_code(db, Role.CAN_BO, world.ward)
    chat = Chat(make_engine(db, lambda: START), "hgv_a")
    await chat.send("/lienket")
    link = re.search(r"lienket ([A-Z0-9]{6})\b", chat.text).group(1)
    await db.dispose()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert code.encode() not in raw and link.encode() not in raw


async def test_migration_0010_hashes_the_codes_already_stored(store_url, tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/m.sqlite3" if isinstance(store_url, str) else await store_url.new_database()
    await asyncio.to_thread(upgrade, url, "0009")
    engine = create_async_engine(url)
    later = START + dt.timedelta(days=3)

    def seed(conn) -> None:
        from sqlalchemy import MetaData

        meta = MetaData()
        tables = {n: Table(n, meta, autoload_with=conn) for n in ("units", "people", "invite_codes", "link_codes")}
        for t in tables.values():  # aware datetimes in, as the models write them
            for c in t.columns:
                if c.name in ("created_at", "expires_at"):
                    c.type = UTCDateTime()
        conn.execute(
            insert(tables["units"]).values(
                id=1, kind="xa", name="Xã M", path="/1/", ethnic_area=False, created_at=START
            )
        )
        conn.execute(
            insert(tables["people"]).values(
                id=1,
                full_name="Cán Bộ M",
                ethnic_minority=False,
                role="can_bo",
                unit_id=1,
                active=True,
                created_at=START,
            )
        )
        conn.execute(
            insert(tables["invite_codes"]).values(
                id=1,
                code="ABCDEFGH",
                role="can_bo",
                unit_id=1,
                expires_at=later,
                uses_left=1,
                created_at=START,
            )
        )
        conn.execute(
            insert(tables["link_codes"]).values(id=1, code="AB12CD", person_id=1, expires_at=later, created_at=START)
        )

    async with engine.begin() as conn:
        await conn.run_sync(seed)
    await engine.dispose()
    await asyncio.to_thread(upgrade, url)

    db = Database(url)
    async with db.uow() as uow:
        stored = [
            str(tuple(r))
            for t in (InviteCode.__table__, LinkCode.__table__)
            for r in await uow.session.execute(select(t))
        ]
        assert len(stored) == 2 and not any("ABCDEFGH" in r or "AB12CD" in r for r in stored)
        invite = await valid_invite(uow, "abcdefgh ", START)
        assert invite is not None and invite.unit_id == 1
        assert await uow.links.spend("AB12CD", START) == 1
    await db.dispose()
    await asyncio.to_thread(downgrade, url, "0009")  # and back: the rows stay, no code works
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    async with db.uow() as uow:
        assert await uow.session.scalar(select(func.count(InviteCode.id))) == 1
        assert await valid_invite(uow, "ABCDEFGH", START) is None
    await db.dispose()
    if not isinstance(store_url, str):
        await store_url.drop_database(url)


async def cli(settings: Settings, *argv: str) -> int:
    return await admin.run(parser().parse_args(list(argv)), settings)


async def test_the_cli_lists_codes_by_number_and_revokes_by_code_or_number(tmp_path, capsys):
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3", _env_file=None)
    for kind, name, parent in (
        ("tinh", "Tỉnh H", None),
        ("xa", "Xã I", "1"),
        ("thon", "Thôn K", "2"),
        ("to_hoa_giai", "Tổ hòa giải K", "3"),
    ):
        assert (
            await cli(
                settings,
                "admin",
                "unit",
                "add",
                "--kind",
                kind,
                "--name",
                name,
                *(["--parent", parent] if parent else []),
            )
            == 0
        )
    codes = []
    for role in ("hoa_giai_vien", "to_truong"):
        capsys.readouterr()
        assert await cli(settings, "admin", "invite", "--unit", "4", "--role", role) == 0
        codes.append(CODE.search(capsys.readouterr().out).group(1))

    assert await cli(settings, "admin", "invites", "--unit", "Xã I") == 0
    out = capsys.readouterr().out
    assert "#1 Hòa giải viên, Tổ hòa giải K; còn 30 lượt" in out and "#2 Tổ trưởng tổ hòa giải" in out
    assert not any(c in out for c in codes)

    assert await cli(settings, "admin", "revoke", codes[0].lower()) == 0
    assert "Đã thu hồi mã #1" in capsys.readouterr().out
    assert await cli(settings, "admin", "revoke", "#2") == 0
    assert "Đã thu hồi mã #2" in capsys.readouterr().out
    assert await cli(settings, "admin", "revoke", "#2") == 2
    assert "Không tìm thấy mã mời «#2»" in capsys.readouterr().out
    assert await cli(settings, "admin", "invites", "--unit", "Xã I") == 0
    assert "Không có mã mời nào còn dùng được" in capsys.readouterr().out

    db = Database(settings.database_url)
    async with db.uow() as uow:
        revoked = await uow.session.scalars(select(AuditEntry.target).where(AuditEntry.action == "invite_revoked"))
        assert sorted(revoked) == ["invite:1", "invite:2"]
        assert await uow.session.scalar(select(func.count(Person.id))) == 0
    await db.dispose()
