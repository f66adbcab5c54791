"""/tohoagiai: the review of Điều 12, and adding, moving, appointing and releasing mediators."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from sqlalchemy import select

from storage.migrate import upgrade_async
from storage.models import AuditEntry, InviteCode, Person, Role, Unit
from tests.cli import Done, run_bot
from tests.support import Chat

ROOT = Path(__file__).resolve().parents[2]


async def person_named(db, name: str) -> Person:
    async with db.uow() as uow:
        return await uow.session.scalar(select(Person).where(Person.full_name == name))


async def test_review_counts_each_rule(db, world, engine):
    async with db.uow() as uow:  # team B's village has many ethnic-minority people
        (await uow.session.get(Unit, world.team_b.parent_id)).ethnic_area = True
        await uow.commit()
    official = Chat(engine, "official")
    await official.send("/tohoagiai")
    text = official.text
    assert "Tổng số: 2 tổ, 4 hòa giải viên (2 nữ, 0 người dân tộc thiểu số)" in text
    assert "Chưa đạt: 1 tổ" in text
    assert "• Dưới 3 hòa giải viên: 1" in text and "• Chưa có hòa giải viên nữ: 0" in text
    assert "chưa có hòa giải viên là người dân tộc thiểu số: 1" in text and "• Chưa có tổ trưởng: 1" in text
    assert (
        "1. Tổ hòa giải 2 (1 hòa giải viên): dưới 3 hòa giải viên; chưa có hòa giải viên người dân tộc thiểu số; "
        "chưa có tổ trưởng"
    ) in text
    assert "Tổ hòa giải 1" not in text  # team A meets the Law: 3 mediators, a woman, a leader
    await official.press("Xem tất cả")
    assert "Tổ hòa giải 1 (3 hòa giải viên): đạt" in official.text


async def test_add_a_mediator_then_appoint_the_leader(db, world, engine):
    official = Chat(engine, "official")
    await official.send("/tohoagiai")
    await official.press("Tổ hòa giải 2")
    assert "Hòa Giải B — Hòa giải viên, nữ" in official.text
    await official.press("Thêm hòa giải viên")
    await official.send("Lò Văn Sáu")
    assert "Giới tính của người này?" in official.text and "của bạn" not in official.text  # asked about someone else
    await official.press("Nam")
    await official.press("Có")
    assert "Đã thêm Lò Văn Sáu vào Tổ hòa giải 2" in official.text
    sau = await person_named(db, "Lò Văn Sáu")
    assert (sau.unit_id, sau.role, sau.sex, sau.ethnic_minority) == (world.team_b.id, Role.HOA_GIAI_VIEN, "nam", True)
    async with db.uow() as uow:
        invite = await uow.session.scalar(select(InviteCode).where(InviteCode.person_id == sau.id))
    code = re.search(r"tham gia bot: ([A-Z0-9]{8})", official.text).group(1)  # shown once, not stored
    assert invite.uses_left == 1 and code not in {invite.code_hash, invite.code}
    await official.press("Bổ sung sau")  # the chairman's decision (Điều 8 khoản 4), written later
    await official.press("Hòa Giải B")
    await official.press("Đặt làm tổ trưởng")
    assert "Đã đặt Hòa Giải B làm tổ trưởng Tổ hòa giải 2" in official.text
    await official.press("Bổ sung sau")  # the chairman's decision (Điều 14), written later
    assert "Chưa đạt: dưới 3 hòa giải viên." in official.text  # leader and ethnic rule now met
    assert (await person_named(db, "Hòa Giải B")).role is Role.TO_TRUONG
    chat = Chat(engine, "joiner")  # the new mediator joins with their code: nothing to ask
    await chat.send(f"/start {code}")
    assert "Chào mừng Lò Văn Sáu" in chat.text


async def test_move_a_leader_and_mark_one_as_left(db, world, engine):
    official = Chat(engine, "official")
    await official.payload(f"tm:person:{world.people['leader_a'].id}")
    await official.press("Chuyển sang tổ khác")
    await official.press("Tổ hòa giải 2")
    assert "Vai trò tổ trưởng không chuyển theo" in official.text
    moved = await person_named(db, "Tổ Trưởng A")
    assert (moved.unit_id, moved.role) == (world.team_b.id, Role.HOA_GIAI_VIEN)
    await official.payload(f"tm:person:{world.people['hgv_a2'].id}")
    await official.press("Thôi làm hòa giải viên")
    assert "(Điều 11 khoản 1)" in official.text
    await official.press("a)")
    assert "thôi làm hòa giải viên (Điều 11 khoản 1 điểm a)" in official.text
    gone = await person_named(db, "Hòa Giải A Hai")
    assert not gone.active and gone.left_reason == "a" and gone.left_at is not None
    await official.press("Bổ sung sau")  # the chairman's decision (Điều 11), written later
    await official.send("/tohoagiai")
    assert "Tổng số: 2 tổ, 3 hòa giải viên" in official.text
    assert (
        "Tổ hòa giải 1 (1 hòa giải viên): dưới 3 hòa giải viên; chưa có hòa giải viên nữ; chưa có tổ trưởng"
        in official.text
    )
    await official.payload(f"tm:person:{gone.id}")  # no longer a mediator in office
    assert "đã thôi làm hòa giải viên" in official.text
    async with db.uow() as uow:
        actions = [e.action for e in await uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["team_move", "team_leave"]


async def test_only_officials_manage_teams(db, world, engine):
    leader = Chat(engine, "leader_a")
    await leader.send("/tohoagiai")
    assert "không dành cho vai trò" in leader.text
    await leader.payload(f"tm:left:{world.people['hgv_a'].id}:a")
    assert "không dành cho vai trò" in leader.text
    assert (await person_named(db, "Hòa Giải A")).active


async def test_cli_team_commands(tmp_path):
    from storage.db import Database
    from tests.support import build_world

    url = f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3"
    await upgrade_async(url)
    db = Database(url)
    world = await build_world(db)
    await db.dispose()
    env = {"DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": ""}

    async def bot(*args: str) -> Done:
        return await asyncio.to_thread(run_bot, tmp_path, env, "team", *args)

    review = await bot("review", "--unit", "Phường B")
    assert "2 tổ, 1 tổ chưa đạt Điều 12" in review.stdout
    assert (
        f"#{world.team_b.id} Tổ hòa giải 2 (1 hòa giải viên): dưới 3 hòa giải viên; chưa có tổ trưởng" in review.stdout
    )
    added = await bot("add", "--team", str(world.team_b.id), "--name", "Vi Thị Hoa", "--sex", "nu", "--leader")
    assert "Đã thêm hòa giải viên" in added.stdout and "Mã tham gia bot:" in added.stdout
    moved = await bot("move", "--person", str(world.people["hgv_a2"].id), "--to", str(world.team_b.id))
    assert "Đã chuyển Hòa Giải A Hai sang Tổ hòa giải 2" in moved.stdout
    left = await bot("leave", "--person", str(world.people["hgv_a"].id), "--reason", "b")
    assert "Điều 11 khoản 1 điểm b" in left.stdout
    review = await bot("review", "--unit", "Phường B")
    assert "Tổ hòa giải 2 (3 hòa giải viên): đạt" in review.stdout
    assert "Tổ hòa giải 1 (1 hòa giải viên)" in review.stdout
    missing = await bot("move", "--person", "999", "--to", "Tổ hòa giải 1")
    assert missing.returncode == 2 and "Không có người #999" in missing.stdout and "Traceback" not in missing.stderr
