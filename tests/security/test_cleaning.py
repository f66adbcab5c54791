"""One cleaning for every name and text, whatever its path in: typed in chat, a profile name
taken with «Dùng tên», CLI arguments, CSV imports of units and trainings.

Control characters (NUL, ESC…), direction controls (U+202E…), zero-width characters and
non-characters (U+FFFF…) never reach the store, and lengths are capped."""

from __future__ import annotations

import datetime as dt
import io
import sys
import unicodedata

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.cli import admin, officials, parser, pushes
from bot.settings import Settings
from handlers.kit.text import MAX_INPUT, clean, clean_name
from handlers.reports.logbook_cells import COLUMNS
from storage.db import Database
from storage.models import Account, Person, Role, Training, Unit
from tests.support import Chat, invite_code
from tests.unit.officials_fixtures import DANG, add_cases

HIDDEN = [
    "\x00",
    "\x07",
    "\x1b",
    "\x7f",
    "\x85",
    "\x9b",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u200e",
    "\u200f",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u2060",
    "\u2061",
    "\u00ad",
    "\u061c",
    "\ufeff",
    "\ufff9",
    "\ufffe",
    "\uffff",
    "\ufdd0",
    "\ufdef",
    "\U0001fffe",
    "\U0010ffff",
    "\ud800",
    "\udfff",
    "\U000e0041",
    "\u3164",
]


def noncharacter(cp: int) -> bool:
    return 0xFDD0 <= cp <= 0xFDEF or (cp & 0xFFFE) == 0xFFFE


@pytest.mark.parametrize("ch", HIDDEN, ids=[f"U+{ord(c):04X}" for c in HIDDEN])
def test_clean_removes_each_hidden_character(ch):
    assert clean(f"Minh{ch} An{ch}") == "Minh An"
    assert clean_name(f"{ch}Minh{ch}") == "Minh"


def test_every_control_format_surrogate_and_noncharacter_is_removed():
    kept = []
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        hidden = unicodedata.category(ch) in ("Cc", "Cf", "Cs") or noncharacter(cp)
        if hidden and ch not in "\n\t\r" and clean(f"a{ch}b") != "ab":
            kept.append(f"U+{cp:04X}")
    assert kept == []


def test_text_keeps_lines_and_letters_names_are_one_line_and_capped():
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    flag_and_tick = "\U0001f1fb\U0001f1f3 \u2714\ufe0f"  # they keep their look; joiners go
    assert clean(f"{family} {flag_and_tick}") == f"\U0001f468\U0001f469\U0001f467 {flag_and_tick}"
    assert clean("Ho\u0300a") == "Hòa" and len(clean("Ho\u0300a")) == 3  # NFC
    assert clean_name("  Nguyễn\n\tVăn   An  ") == "Nguyễn Văn An"
    assert len(clean_name("A" * 500)) == 80 and len(clean("A" * 5000, limit=MAX_INPUT)) == MAX_INPUT
    assert clean_name("Minh" + "\u0301" * 300) == "Minh\u0301\u0301"  # a flood of marks is cut
    assert clean("👨‍👩‍👧 🇻🇳 ✔️") == "👨👩👧 🇻🇳 ✔️"  # emoji keep their look (joiners go)


async def join_as(engine, account: str, profile_name: str, code: str) -> Chat:
    chat = Chat(engine, account, name=profile_name)
    await chat.send(f"/start {code}")
    return chat


async def test_a_profile_name_taken_with_dung_ten_is_cleaned(db, world, engine):
    code = await invite_code(db, Role.HOA_GIAI_VIEN, world.team_a)
    chat = await join_as(engine, "minh", "\u202eMinh\x1b\x00\u200b Trần\ufeff", code)
    button = chat.button("Dùng tên")
    assert button.label == "Dùng tên: Minh Trần"
    await chat.press("Dùng tên")
    await chat.press("Nam")
    await chat.press("Không")
    assert "Chào mừng Minh Trần" in chat.text
    async with db.uow() as uow:
        account = await uow.accounts.get("test", "minh")
        person = await uow.people.get(account.person_id)
    assert person.full_name == "Minh Trần"


async def test_a_profile_name_of_hidden_characters_only_is_not_offered(db, world, engine):
    code = await invite_code(db, Role.HOA_GIAI_VIEN, world.team_a)
    chat = await join_as(engine, "ghost", "\u202e\u200b\u3164\u3164", code)
    assert "Họ và tên" in chat.text
    assert not any("Dùng tên" in b.label for r in chat.replies for b in r.choices())


async def test_team_and_ward_reports_work_for_a_mediator_who_joined_as_minh_esc(db, world, engine):
    code = await invite_code(db, Role.HOA_GIAI_VIEN, world.team_a)
    chat = await join_as(engine, "minh", "Minh\x1b", code)
    await chat.press("Dùng tên")
    await chat.press("Nam")
    await chat.press("Không")
    async with db.uow() as uow:
        minh = await uow.people.get((await uow.accounts.get("test", "minh")).person_id)
    await add_cases(db, {"minh": minh}, [("minh", "2026-03-02", "dan_su", DANG)])
    for who in ("leader_a", "official"):
        reporter = Chat(engine, who)
        await reporter.send("/baocao 2026")
        await reporter.press("📥 Xuất báo cáo")
        assert "Có lỗi" not in reporter.text, reporter.text
        book = load_workbook(io.BytesIO(reporter.replies[0].file.data)).worksheets[0]
        col = COLUMNS.index("mediators")
        names = [row[col] for row in book.iter_rows(min_row=5, values_only=True)]
        assert "Minh" in names


async def cli(settings: Settings, *argv: str) -> int:
    args = parser().parse_args(list(argv))
    runner = {"admin": admin.run, "team": officials.run, "training": pushes.run}[args.cmd]
    return await runner(args, settings)


async def test_cli_arguments_and_csv_imports_are_cleaned(tmp_path, capsys):
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3"
    settings = Settings(database_url=url, quiet_hours="off", _env_file=None)
    assert await cli(settings, "admin", "unit", "add", "--kind", "tinh", "--name", " Tỉnh\x1b H\u202e ") == 0
    (tmp_path / "units.csv").write_text(
        "province,commune,village,team\nTỉnh H,Xã\x00 I\u200b,Thôn\u2066 K,Tổ hòa giải\x07 K\uffff\n",
        encoding="utf-8",
        errors="surrogatepass",
    )
    assert await cli(settings, "admin", "unit", "import", str(tmp_path / "units.csv")) == 0
    assert await cli(settings, "admin", "official", "--unit", "Xã I", "--name", "Hà\x1b[31m Thị Mai\u200f") == 0
    assert (
        await cli(
            settings,
            "team",
            "add",
            "--team",
            "Tổ hòa giải K",
            "--name",
            "Lò\x00 Văn\u202e Páo",
            "--sex",
            "nam",
        )
        == 0
    )
    day = (dt.datetime.now(dt.UTC) + dt.timedelta(days=20)).strftime("%d/%m/%Y")
    (tmp_path / "lich.csv").write_text(
        f"title,date,time,place,units\nBồi\x1b dưỡng\u202e,{day},14:00,Nhà\u200b văn hóa\x00,\n",
        encoding="utf-8",
    )
    assert await cli(settings, "training", "import", str(tmp_path / "lich.csv"), "--unit", "Xã I") == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x00" not in out
    db = Database(url)
    async with db.uow() as uow:
        units = list(await uow.session.scalars(select(Unit.name).order_by(Unit.id)))
        people = list(await uow.session.scalars(select(Person.full_name).order_by(Person.id)))
        trainings = list(await uow.session.execute(select(Training.title, Training.place)))
    await db.dispose()
    assert units == ["Tỉnh H", "Xã I", "Thôn K", "Tổ hòa giải K"]
    assert people == ["Hà[31m Thị Mai", "Lò Văn Páo"]
    assert [tuple(t) for t in trainings] == [("Bồi dưỡng", "Nhà văn hóa")]


async def test_the_platform_name_is_stored_cleaned(db, world, engine):
    """PostgreSQL refuses NUL in text: a profile name with one made every turn of that user
    fail before any step could clean it."""
    zalo = Chat(engine, "zalo-x", channel="zalo", name="Lan\x00\x1b\u202e" + "L" * 400)
    await zalo.send("menu")
    assert "Bạn muốn làm gì" in zalo.text
    async with db.uow() as uow:
        account = await uow.session.scalar(select(Account).where(Account.external_id == "zalo-x"))
    assert account.display_name == "Lan" + "L" * 197
