"""/baocao: the workbook read back with openpyxl — sheets, headers, totals, money, no parties'
names unless asked — the CSV, and the audit log."""

from __future__ import annotations

import asyncio
import csv as csvlib
import io
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from bot.app import build_engine
from handlers.reports.money import Rates
from storage.migrate import upgrade_async
from storage.models import AuditEntry
from tests.cli import run_bot
from tests.support import Chat
from tests.unit.officials_fixtures import seed_ward

ROOT = Path(__file__).resolve().parents[2]
LOGBOOK_HEADERS = [
    "Tổ hòa giải",
    "Số vụ việc",
    "STT",
    "Ngày tiếp nhận",
    "Loại việc",
    "Căn cứ hòa giải (Điều 16)",
    "Ngày hòa giải",
    "Địa điểm",
    "Hòa giải viên",
    "Người được mời tham gia hòa giải",
    "Họ tên, địa chỉ các bên",
    "Nội dung chủ yếu của vụ việc",
    "Thỏa thuận của các bên (hoặc yêu cầu của mỗi bên) sau khi hòa giải",
    "Kết quả (thành / không thành)",
    "Ngày có kết quả",
    "Hướng dẫn các bên đến",
    "Ghi chú",
]
NAMES = ("Nguyễn Văn An", "Trần Thị Bình", "0912 345 678", "số 5 ngõ 3")


def cells(ws) -> list[tuple]:
    return [row for row in ws.iter_rows(values_only=True)]


def all_text(wb) -> str:
    return "\n".join(str(v) for ws in wb.worksheets for row in cells(ws) for v in row if v is not None)


def row_starting(ws, first) -> tuple:
    return next(r for r in cells(ws) if r and r[0] == first)


async def export(engine, who: str = "official", arg: str = "2026", full: bool = False):
    chat = Chat(engine, who)
    await chat.send(f"/baocao {arg}")
    if full:
        await chat.press("Xuất kèm họ tên")
        assert "dữ liệu cá nhân" in chat.text
        await chat.press("Tôi cần họ tên")
    else:
        await chat.press("📥 Xuất báo cáo")
    xlsx, csv = chat.replies[0].file, chat.replies[1].file
    return chat, load_workbook(io.BytesIO(xlsx.data)), xlsx, csv


async def audits(db) -> list[AuditEntry]:
    async with db.uow() as uow:
        return list((await uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "export_report"))).all())


async def test_workbook_sheets_headers_rows_and_no_parties_by_default(db, world, engine):
    await seed_ward(db, world)
    chat, wb, xlsx, csv = await export(engine)
    assert "7 vụ việc" in chat.text and "viết tắt" in chat.text
    assert xlsx.filename == "bao-cao-phuong-b-2026.xlsx" and csv.filename.endswith(".csv")
    assert wb.sheetnames == [
        "1. Sổ theo dõi",
        "1b. Tổng hợp theo hòa giải viên",
        "2. Thống kê",
        "3. Kinh phí",
        "4. Tập huấn",
        "5. Chỉ tiêu",
    ]
    book = wb["1. Sổ theo dõi"]
    assert book["A1"].value == "SỔ THEO DÕI HOẠT ĐỘNG HÒA GIẢI Ở CƠ SỞ"
    assert [c.value for c in book[4]] == LOGBOOK_HEADERS
    assert book.freeze_panes == "A5"
    rows = [r for r in cells(book)[4:] if r[0]]
    assert len(rows) == 7
    assert [r[2] for r in rows] == [1, 2, 3, 4, 5, 1, 2]  # STT restarts for each team
    first = rows[0]
    assert first[0] == "Tổ hòa giải 1" and first[1] == "T1-1/2026" and first[3].date().isoformat() == "2026-01-10"
    assert first[8] == "Hòa Giải A" and first[10] == "N.V.A.; T.T.B."
    assert first[11] == "Ông N.V.A. lấn lối đi của bà T.T.B." and first[12] == "A. trả lại lối đi cho B."
    assert first[13] == "Thành" and first[14].date().isoformat() == "2026-01-10"
    assert rows[4][13] == "Kết thúc" and "Một bên hoặc các bên yêu cầu chấm dứt" in rows[4][16]
    text = all_text(wb)
    assert not any(name in text for name in NAMES)
    assert not any(name in csv.data.decode("utf-8-sig") for name in NAMES)
    assert book.column_dimensions["L"].width >= 30  # the summary column is wide enough to read


async def test_statistics_and_tally_totals(db, world, engine):
    await seed_ward(db, world)
    _, wb, _, _ = await export(engine)
    stats = wb["2. Thống kê"]
    assert cells(stats)[3][:6] == (
        "Đơn vị",
        "Số tổ hòa giải",
        "Số hòa giải viên",
        "Trong đó nữ",
        "Trong đó người dân tộc thiểu số",
        "Vụ việc tiếp nhận",
    )
    # Thôn 1: leader_a (nữ), hgv_a, hgv_a2; Thôn 2: hgv_b (nữ)
    assert row_starting(stats, "Thôn 1")[:11] == ("Thôn 1", 1, 3, 1, 0, 5, 2, 1, 1, 1, 0.5)
    assert row_starting(stats, "Thôn 2")[:11] == ("Thôn 2", 1, 1, 1, 0, 2, 1, 1, 0, 0, 0.5)
    assert row_starting(stats, "Tổng cộng — Phường B")[:11] == ("Tổng cộng — Phường B", 2, 4, 2, 0, 7, 3, 2, 1, 1, 0.5)
    assert row_starting(stats, "Tranh chấp dân sự (đất, hợp đồng, thừa kế…)")[:6] == (
        "Tranh chấp dân sự (đất, hợp đồng, thừa kế…)",
        3,
        2,
        1,
        0,
        0,
    )
    assert row_starting(stats, "Tổng cộng")[:6] == ("Tổng cộng", 7, 3, 2, 1, 1)
    tally = wb["1b. Tổng hợp theo hòa giải viên"]
    hgv_a = next(r for r in cells(tally) if r[1] == "Hòa Giải A")
    # categories (mâu thuẫn, dân sự, hôn nhân, vi phạm, khác), then thành, không thành, đang, kết thúc, total
    assert hgv_a == ("Tổ hòa giải 1", "Hòa Giải A", 1, 2, 1, 0, 0, 2, 1, 1, 0, 4)
    team_a = next(r for r in cells(tally) if r[0] == "Tổ hòa giải 1" and r[1] == "Cộng tổ (số vụ việc)")
    assert team_a[-1] == 5


async def test_money_under_circular_56_and_configured_rates(db, world, engine, clock):
    await seed_ward(db, world)
    _, wb, _, _ = await export(engine)
    money = wb["3. Kinh phí"]
    assert row_starting(money, "Thù lao hòa giải viên, mỗi vụ việc (đồng)")[1] == 300_000
    assert row_starting(money, "Số tháng trong kỳ")[1] == 12
    # team A: 2 thành × 400k + (1 không thành + 1 kết thúc) × 300k = 1,400k; support 12 × 150k
    assert row_starting(money, "Tổ hòa giải 1") == ("Tổ hòa giải 1", 2, 2, 1_400_000, 12, 1_800_000, 3_200_000)
    assert row_starting(money, "Tổ hòa giải 2") == ("Tổ hòa giải 2", 1, 1, 700_000, 12, 1_800_000, 2_500_000)
    assert row_starting(money, "Tổng cộng") == ("Tổng cộng", 3, 3, 2_100_000, 12, 3_600_000, 5_700_000)
    assert money.cell(money.max_row, 4).number_format == "#,##0"
    local = build_engine(db, clock=clock, rates=Rates(per_case=200_000, per_success=250_000, team_month=100_000))
    _, wb2, _, _ = await export(local, arg="2026H1")
    # H1: team A 2 thành + 1 không thành; team B 1 thành + 1 không thành; 6 months
    assert row_starting(wb2["3. Kinh phí"], "Tổng cộng") == ("Tổng cộng", 3, 2, 1_150_000, 6, 1_200_000, 2_350_000)


async def test_parties_only_when_asked_and_every_export_audited(db, world, engine):
    await seed_ward(db, world)
    await export(engine)
    chat, wb, _, csv = await export(engine, full=True)
    assert "đã ghi nhật ký" in chat.text
    text = all_text(wb)
    assert "Nguyễn Văn An; Trần Thị Bình — số 5 ngõ 3, 0912 345 678" in text
    assert "Nguyễn Văn An" in csv.data.decode("utf-8-sig")
    entries = await audits(db)
    assert [(e.person_id, e.target, e.detail["parties"], e.detail["cases"]) for e in entries] == [
        (world.people["official"].id, f"unit:{world.ward.id}", False, 7),
        (world.people["official"].id, f"unit:{world.ward.id}", True, 7),
    ]
    assert entries[0].detail["from"] == "2026-01-01" and entries[0].detail["to"] == "2026-12-31"


async def test_csv_lists_the_same_cases(db, world, engine):
    await seed_ward(db, world)
    _, _, _, csv = await export(engine)
    assert csv.data.startswith("\ufeff".encode())
    lines = list(csvlib.reader(io.StringIO(csv.data.decode("utf-8-sig"))))
    assert lines[0][:5] == ["Tổ hòa giải", "Số vụ việc", "STT", "Ngày tiếp nhận", "Loại việc"]  # the logbook's
    assert len(lines) == 8 and lines[1][1:4] == ["T1-1/2026", "1", "10/01/2026"]


async def test_team_leader_exports_the_team_only_and_mediators_cannot(db, world, engine):
    await seed_ward(db, world)
    chat, wb, _, _ = await export(engine, who="leader_a")
    assert "Tổ hòa giải 1" in chat.text and "5 vụ việc" in chat.text
    assert {r[0] for r in cells(wb["1. Sổ theo dõi"])[4:] if r[0]} == {"Tổ hòa giải 1"}
    mediator = Chat(engine, "hgv_a")
    await mediator.send("/baocao")
    assert "không dành cho vai trò" in mediator.text
    await mediator.payload(f"rp:x:{world.team_a.id}:2026:1")
    assert "không dành cho vai trò" in mediator.text and mediator.replies[-1].file is None


async def test_empty_period_still_gives_a_workbook(db, world, engine):
    chat, wb, _, _ = await export(engine, arg="2024")
    assert "0 vụ việc" in chat.text
    assert row_starting(wb["2. Thống kê"], "Tổng cộng — Phường B")[5] == 0
    assert row_starting(wb["3. Kinh phí"], "Tổng cộng")[3] == 0


async def test_cli_report_writes_the_files_and_audits(tmp_path):
    from storage.db import Database
    from tests.support import build_world

    url = f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3"
    await upgrade_async(url)
    db = Database(url)
    world = await build_world(db)
    await seed_ward(db, world)
    env = {"DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": ""}
    args = [
        "report",
        "--unit",
        "Phường B",
        "--from",
        "01/01/2026",
        "--to",
        "30/06/2026",
        "--out",
        "h1.xlsx",
        "--csv",
        "h1.csv",
    ]
    out = await asyncio.to_thread(run_bot, tmp_path, env, *args)
    assert out.returncode == 0, out.stderr
    assert "h1.xlsx: 5 vụ việc" in out.stdout
    wb = load_workbook(tmp_path / "h1.xlsx")
    assert len([r for r in cells(wb["1. Sổ theo dõi"])[4:] if r[0]]) == 5
    assert not any(n in all_text(wb) for n in NAMES)
    assert (tmp_path / "h1.csv").read_bytes().startswith("\ufeff".encode())
    [entry] = await audits(db)
    assert entry.person_id is None and entry.detail["via"] == "cli" and entry.detail["parties"] is False
    await db.dispose()
