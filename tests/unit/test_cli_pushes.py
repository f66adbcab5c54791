"""`python -m bot training …` and `broadcast …` (run in-process on a SQLite file): a training
with a document, a year's CSV of trainings, an announcement with a file."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from bot.cli import admin, parser, pushes
from bot.settings import Settings
from storage.db import Database
from storage.models import Account, Delivery, Person, Push, PushFile, Role, Training

PDF = b"%PDF-1.4 tai lieu tap huan"


async def cli(settings: Settings, *argv: str) -> int:
    args = parser().parse_args(list(argv))
    runner = admin.run if args.cmd == "admin" else pushes.run
    return await runner(args, settings)


async def test_trainings_and_announcements_from_the_cli(tmp_path, capsys):
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3"
    settings = Settings(database_url=url, quiet_hours="off", _env_file=None)
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
    db = Database(url)
    now = dt.datetime.now(dt.UTC)
    async with db.uow() as uow:
        for i in range(2):
            person = await uow.people.add(
                Person(full_name=f"Hòa giải viên {i}", role=Role.HOA_GIAI_VIEN, unit_id=4, created_at=now)
            )
            uow.session.add(
                Account(channel="telegram", external_id=str(900 + i), person_id=person.id, last_seen_at=now)
            )
        await uow.commit()
    capsys.readouterr()

    day = (now + dt.timedelta(days=20)).strftime("%d/%m/%Y")
    (tmp_path / "tai-lieu.pdf").write_bytes(PDF)
    assert (
        await cli(
            settings,
            "training",
            "add",
            "--unit",
            "Xã I",
            "--title",
            "Kỹ năng hòa giải",
            "--at",
            f"{day} 08:00",
            "--place",
            "Hội trường xã",
            "--invite",
            "Thôn K",
            "--file",
            str(tmp_path / "tai-lieu.pdf"),
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Đã tạo lớp tập huấn #1 «Kỹ năng hòa giải»" in out and "mời 2 người" in out

    (tmp_path / "lich.csv").write_text(
        "title,date,time,place,units\n"
        f"Bồi dưỡng nghiệp vụ,{day},14:00,Nhà văn hóa thôn K,Tổ hòa giải K\n"
        f"Luật Hòa giải ở cơ sở,{day},8h30,Hội trường xã,\n"
        "Thiếu cột,01/01/2020\n"
        f"Ngày sai,32/13/2026,08:00,Hội trường xã,\n",
        encoding="utf-8",
    )
    # the good rows are kept; the bad ones are told and make the exit 2
    assert await cli(settings, "training", "import", str(tmp_path / "lich.csv"), "--unit", "2") == 2
    out = capsys.readouterr().out
    assert "Dòng 4 thiếu cột" in out and "Không tạo được lớp «Ngày sai»" in out
    assert "Đã tạo 2 lớp tập huấn; 2 dòng không tạo được." in out
    assert await cli(settings, "training", "list") == 0
    listed = capsys.readouterr().out
    assert "— Kỹ năng hòa giải (đã lên lịch; mã điểm danh" in listed and listed.count("\n") == 3

    assert (
        await cli(
            settings,
            "broadcast",
            "--unit",
            "Xã I",
            "--text",
            "Gửi tài liệu tập huấn.",
            "--file",
            str(tmp_path / "tai-lieu.pdf"),
        )
        == 0
    )
    assert "để gửi đến 2 người thuộc Xã I" in capsys.readouterr().out
    assert (
        await cli(
            settings, "broadcast", "--unit", "Xã I", "--text", "x" * 1200, "--file", str(tmp_path / "tai-lieu.pdf")
        )
        == 2
    )
    assert "dài quá" in capsys.readouterr().out
    (tmp_path / "virus.exe").write_bytes(b"MZ")
    assert await cli(settings, "broadcast", "--unit", "Xã I", "--text", "x", "--file", str(tmp_path / "virus.exe")) == 2
    assert "cần tệp PDF" in capsys.readouterr().out

    async with db.uow() as uow:
        trainings = (await uow.session.scalars(select(Training).order_by(Training.id))).all()
        files = await uow.session.scalar(select(func.count(PushFile.id)))
        with_file = await uow.session.scalar(
            select(func.count(Delivery.id)).join(Push).where(Push.file_id.is_not(None))
        )
    await db.dispose()
    assert [t.title for t in trainings] == ["Kỹ năng hòa giải", "Bồi dưỡng nghiệp vụ", "Luật Hòa giải ở cơ sở"]
    assert trainings[2].starts_at.astimezone(dt.timezone(dt.timedelta(hours=7))).strftime("%H:%M") == "08:30"
    assert files == 2 and with_file == 4  # the invitations of the first training, and the announcement
