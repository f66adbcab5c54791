"""Parties' personal data: encrypted at rest, readable through the app, erasable."""

from __future__ import annotations

import os
import stat

import pytest
from sqlalchemy import select, text

from bot.settings import Settings
from bot.store import data_cipher
from storage.crypto import PartyCipher
from storage.models import AuditEntry, Case
from tests.support import Chat, record_outcome
from tests.unit.test_case_flow import log_case


async def test_parties_are_encrypted_in_the_store_and_read_back(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await log_case(chat)
    await chat.send("1")  # «Xác nhận»
    async with db.engine.connect() as conn:
        raw = (await conn.execute(text("SELECT parties FROM cases"))).scalar_one()
    assert raw.startswith("v1:") and "Nguyễn Văn An" not in raw and "Nguy" not in raw
    async with db.uow() as uow:
        case = await uow.session.scalar(select(Case))
    assert case.parties["names"] == ["Nguyễn Văn An", "Trần Thị Bình"]


async def test_another_key_cannot_read_the_parties(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await log_case(chat)
    await chat.send("1")
    db.engine.sync_engine.dialect.pii_cipher = PartyCipher.ephemeral()  # as with a wrong DATA_KEY
    with pytest.raises(ValueError, match="DATA_KEY"):
        async with db.uow() as uow:
            await uow.session.scalar(select(Case))


async def test_rows_from_before_encryption_are_sealed_at_start(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await log_case(chat)
    await chat.send("1")
    async with db.engine.begin() as conn:
        await conn.execute(
            text("""UPDATE cases SET parties = '{"names": ["Cũ A", "Cũ B"], "contact": ""}',
                                   summary = 'Cũ A lấn lối đi'""")
        )
        await conn.execute(text("UPDATE case_events SET text = 'ghi chú cũ của Cũ A'"))
    assert await db.seal_plain_rows() == 3  # the parties, the summary, the event's text
    assert await db.seal_plain_rows() == 0
    async with db.engine.connect() as conn:
        row = (await conn.execute(text("SELECT parties, summary FROM cases"))).one()
        assert all(v.startswith("v1:") for v in row)
        assert (await conn.execute(text("SELECT text FROM case_events"))).scalar_one().startswith("v1:")
    async with db.uow() as uow:
        case = await uow.session.scalar(select(Case))
        assert case.parties["names"] == ["Cũ A", "Cũ B"] and case.summary == "Cũ A lấn lối đi"
    async with db.uow() as uow:
        assert (await uow.session.scalar(select(Case))).parties["names"] == ["Cũ A", "Cũ B"]


def test_sqlite_key_file_is_created_private_and_reused(tmp_path):
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/d/h.sqlite3", data_key=None, _env_file=None)
    first = data_cipher(settings)
    key = tmp_path / "d" / "h.key"
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    sealed = first.seal({"names": ["A"]})
    assert data_cipher(settings).open(sealed) == {"names": ["A"]}


def test_postgresql_without_data_key_refuses_to_start():
    settings = Settings(database_url="postgresql+asyncpg://u@127.0.0.1/x", data_key=None, _env_file=None)
    with pytest.raises(SystemExit):
        data_cipher(settings)


async def test_official_erases_parties_and_it_is_audited(db, world, engine):
    chat = Chat(engine, "hgv_a")
    await log_case(chat)
    await chat.send("1")
    async with db.uow() as uow:
        case = await uow.session.scalar(select(Case))
    official = Chat(engine, "official")
    await official.payload(f"case:view:{case.id}")
    await official.press("Xóa thông tin các bên")
    assert "không hoàn tác" in official.text
    await official.press("Xóa thông tin các bên")
    assert "Đã xóa thông tin các bên" in official.text
    mediator = Chat(engine, "hgv_a")
    await mediator.payload(f"case:view:{case.id}")
    assert "Nguyễn Văn An" not in mediator.text and "Các bên: Bên 1; Bên 2" in mediator.text
    async with db.uow() as uow:
        audit = (await uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "anonymise_parties"))).all()
    assert [(a.target, a.person_id) for a in audit] == [(f"case:{case.id}", world.people["official"].id)]
    intruder = Chat(engine, "official_other")
    await intruder.payload(f"pv:anon:{case.id}")
    assert "Không tìm thấy" in intruder.text
    await mediator.payload(f"pv:anon:{case.id}")
    assert "không dành cho vai trò" in mediator.text


async def test_old_closed_cases_are_anonymised_automatically(db, world, engine, clock):
    from handlers.privacy.views import anonymise_old_cases

    chat = Chat(engine, "hgv_a")
    for _ in range(2):
        await log_case(chat)
        await chat.send("1")
    async with db.uow() as uow:
        first, second = (await uow.session.scalars(select(Case).order_by(Case.id))).all()
    await chat.payload(f"case:view:{first.id}")
    await record_outcome(chat, "khong_thanh")
    clock.advance(days=365 * 5 + 2)
    async with db.uow() as uow:
        assert await anonymise_old_cases(uow, clock(), years=5) == 1
        await uow.commit()
    async with db.uow() as uow:
        first, second = (await uow.session.scalars(select(Case).order_by(Case.id))).all()
    assert first.parties["names"] == ["#1", "#2"]
    assert second.parties["names"] == ["Nguyễn Văn An", "Trần Thị Bình"]  # still in progress: kept


async def test_privacy_notice_for_everyone(db, world, engine):
    guest = Chat(engine, "stranger")
    await guest.send("/quyenriengtu")
    assert "mã hóa" in guest.text and "5 năm" in guest.text and "cán bộ tư pháp" in guest.text
