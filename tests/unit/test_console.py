"""The console chat (`make run` with no token), driven in-process through a fake stdin and
stdout: its banner tells the truth about the store it chats on, and the files the bot sends
are saved in a folder it names (0700, files 0600) instead of being dropped."""

from __future__ import annotations

import io
import stat
from pathlib import Path

from sqlalchemy import func, select

from bot.channels.console import console_for
from bot.channels.console_push import ConsoleSender
from handlers.kit.core import Attachment, Reply
from storage.models import Account, Case, UnitKind
from tests.support import build_world, make_engine


async def start(db, clock, tmp_path: Path, lines: list[str]):
    """The console as `make run` makes it, on this store; returns it and what it printed."""
    out = io.StringIO()
    console = await console_for(
        make_engine(db, clock),
        db_path=str(tmp_path / "kho.sqlite3"),
        exports=tmp_path / "exports",
        now=clock(),
        stdin=io.StringIO("".join(f"{line}\n" for line in lines)),
        stdout=out,
    )
    await console.run()
    return console, out.getvalue()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_on_a_real_store_the_banner_says_so_and_who_each_persona_is(db, clock, tmp_path):
    world = await build_world(db)
    async with db.uow() as uow:  # the ward's official once joined from the console as «canbo»
        uow.session.add(
            Account(
                channel="console",
                external_id="canbo",
                display_name="Cán Bộ Phường",
                person_id=world.people["official"].id,
                last_seen_at=clock(),
            )
        )
        await uow.commit()
    _, said = await start(db, clock, tmp_path, ["/vai canbo", "menu"])
    banner = said.split("\n> ")[0]
    assert f"trên kho dữ liệu {tmp_path}/kho.sqlite3: 8 đơn vị, 6 người, 0 vụ việc." in banner
    assert "Đây không phải dữ liệu mẫu: mọi thay đổi được lưu vào kho này." in banner
    assert "Bạn đang đóng vai: tài khoản thử «hgv», chưa tham gia: gõ /start và mã mời." in banner
    assert "/vai canbo — Cán Bộ Phường (Cán bộ tư pháp, Phường B)" in banner
    assert "/vai totruong — tài khoản thử «totruong», chưa tham gia" in banner
    assert "Dữ liệu mẫu" not in said and "Trần Văn Minh" not in said and "Phường Kinh Bắc" not in said
    assert "Đã đổi vai: Cán Bộ Phường (Cán bộ tư pháp, Phường B)." in said
    async with db.uow() as uow:
        assert len(await uow.units.all()) == 8  # the demo was not poured into it


async def test_a_store_with_the_demo_wards_name_is_not_the_demo(db, clock, tmp_path):
    """The README's example units carry the demo's names; without its people it is not the demo."""
    async with db.uow() as uow:
        province = await uow.units.add(UnitKind.TINH, "Tỉnh Bắc Ninh", None, clock())
        await uow.units.add(UnitKind.XA, "Phường Kinh Bắc", province, clock())
        await uow.commit()
    _, said = await start(db, clock, tmp_path, [])
    assert "Đây không phải dữ liệu mẫu" in said and "2 đơn vị, 0 người, 0 vụ việc" in said
    assert "Dữ liệu mẫu" not in said and "Trần Văn Minh" not in said


async def test_an_empty_store_gets_the_demo_and_the_banner_says_so(db, clock, tmp_path):
    _, said = await start(db, clock, tmp_path, [])
    async with db.uow() as uow:
        cases = await uow.session.scalar(select(func.count(Case.id)))
    assert cases > 0
    assert f"Dữ liệu mẫu ở {tmp_path}/kho.sqlite3: Phường Kinh Bắc, hai tổ hòa giải, {cases} vụ việc." in said
    assert "Bạn đang đóng vai: Trần Văn Minh (Hòa giải viên, Tổ hòa giải TDP Đông)." in said
    assert "/vai canbo — Vũ Thị Thu (Cán bộ tư pháp, Phường Kinh Bắc)" in said
    assert "không phải dữ liệu mẫu" not in said


async def test_exported_files_are_saved_in_the_folder_the_chat_names(db, clock, tmp_path):
    console, said = await start(db, clock, tmp_path, ["/vai canbo", "/baocao", "1", "/baocao", "1"])
    folder = tmp_path / "exports"
    assert f"Tệp bot gửi (XLSX, CSV, PNG, tài liệu) được lưu vào thư mục {folder}." in said
    assert mode(folder) == 0o700
    saved = sorted(p.name for p in folder.iterdir())
    assert len(saved) == 4  # the XLSX and the CSV, twice: the second pair does not overwrite the first
    xlsx = sorted((name for name in saved if name.endswith(".xlsx")), key=len)
    assert len(xlsx) == 2 and xlsx[1] == xlsx[0].replace(".xlsx", "-2.xlsx"), saved
    for name in saved:
        assert mode(folder / name) == 0o600
        assert f"vào {folder / name}" in said
    assert (folder / xlsx[0]).read_bytes()[:2] == b"PK"  # a real workbook, as it was sent

    out = console.stdout
    before = len(out.getvalue())
    sender = ConsoleSender(console)  # a push (an announcement with its document) lands there too
    await sender.send("hgv", Reply("Công văn mới.", file=Attachment("cong-van.pdf", b"%PDF-1.4", "document")))
    pushed = out.getvalue()[before:]
    assert "Tin nhắn Trợ lý gửi đến Trần Văn Minh (Hòa giải viên, Tổ hòa giải TDP Đông)" in pushed
    assert f"📎 Đã lưu cong-van.pdf (8 B) vào {folder / 'cong-van.pdf'}" in pushed
    assert (folder / "cong-van.pdf").read_bytes() == b"%PDF-1.4"
