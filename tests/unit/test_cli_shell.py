"""The operator's shell (`python -m bot …`): every wrong input is one clear line and a non-zero
exit, never a traceback; `people list` shows the ids that `team move --person` needs.

Commands run in-process through `bot.cli.main` (what `python -m bot` calls) on a SQLite file;
one runs as a real process to show the traceback of `admin unit add` is gone there too.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from storage.db import Database
from storage.models import Person

ROOT = Path(__file__).resolve().parents[2]
UNEXPECTED = "Lỗi không lường trước"
KEY = "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdC0="  # a valid Fernet key (32 bytes, base64)


@dataclass
class Said:
    code: int
    out: str


@pytest.fixture
def shell(tmp_path, monkeypatch, capsys):
    """Run `python -m bot ARGS` in-process in tmp_path; returns (exit code, stdout + stderr)."""
    monkeypatch.chdir(tmp_path)
    for var in (
        "TELEGRAM_BOT_TOKEN",
        "ZALO_BOT_TOKEN",
        "DATA_KEY",
        "WEBHOOK_URL",
        "LOG_LEVEL",
        "WEB_PORT",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/shell.sqlite3")
    monkeypatch.setattr("bot.logs.setup_logging", lambda level, secrets: None)  # keep pytest's log capture

    def run(*argv: str, **env: str) -> Said:
        with monkeypatch.context() as m:
            for name, value in env.items():
                m.setenv(name, value)
            code = main(list(argv))
        seen = capsys.readouterr()
        return Said(code, seen.out + seen.err)

    return run


def ward(shell) -> None:
    """Units: #1 Tỉnh A › #2 Xã B › #3 Thôn 1 › #4 Tổ 1; #2 › #5 Thôn 2 › #6 Tổ 2;
    #1 › #7 Xã C › #8 Thôn 1. People: #1 the official of Xã B, #2 Lò Thị Mai and #3 Hà Văn Nam
    in Tổ 1 (#3 left)."""
    for kind, name, parent in (
        ("tinh", "Tỉnh A", None),
        ("xa", "Xã B", "1"),
        ("thon", "Thôn 1", "2"),
        ("to_hoa_giai", "Tổ 1", "3"),
        ("thon", "Thôn 2", "2"),
        ("to_hoa_giai", "Tổ 2", "5"),
        ("xa", "Xã C", "1"),
        ("thon", "Thôn 1", "7"),
    ):
        said = shell(
            "admin",
            "unit",
            "add",
            "--kind",
            kind,
            "--name",
            name,
            *(["--parent", parent] if parent else []),
        )
        assert said.code == 0, said.out
    assert shell("admin", "official", "--unit", "Xã B", "--name", "Vũ Thị Thu", "--sex", "nu").code == 0
    assert shell("team", "add", "--team", "4", "--name", "Lò Thị Mai", "--sex", "nu", "--ethnic").code == 0
    assert shell("team", "add", "--team", "Tổ 1", "--name", "Hà Văn Nam", "--sex", "nam", "--leader").code == 0
    assert shell("team", "leave", "--person", "3", "--reason", "b").code == 0


def people(tmp_path: Path) -> int:
    async def count() -> int:
        db = Database(f"sqlite+aiosqlite:///{tmp_path}/shell.sqlite3")
        try:
            async with db.uow() as uow:
                return await uow.session.scalar(select(func.count(Person.id)))
        finally:
            await db.dispose()

    return asyncio.run(count())


def test_adding_an_existing_commune_is_one_line_in_a_real_process(shell, tmp_path):
    add = (
        "admin",
        "unit",
        "add",
        "--kind",
        "xa",
        "--name",
        "Phường Kinh Bắc",
        "--parent",
        "Tỉnh Bắc Ninh",
    )
    assert shell("admin", "unit", "add", "--kind", "tinh", "--name", "Tỉnh Bắc Ninh").code == 0
    assert shell(*add).code == 0
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/shell.sqlite3",
        "PYTHONPATH": str(ROOT),
    }
    again = subprocess.run(
        [sys.executable, "-m", "bot", *add],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 2
    assert "Traceback" not in again.stdout + again.stderr
    assert again.stdout.strip() == "«Phường Kinh Bắc» đã có: #2 (xã/phường, thuộc Tỉnh Bắc Ninh). Không tạo thêm."


# (argv, what the operator is told); every one of them exits 2 on the ward above
WRONG = [
    (("admin", "unit", "add", "--kind", "tinh", "--name", "Tỉnh A"), "«Tỉnh A» đã có: #1"),
    (
        ("admin", "unit", "add", "--kind", "xa", "--name", " xã  b ", "--parent", "1"),
        "«Xã B» đã có: #2",
    ),
    (("admin", "unit", "add", "--kind", "xa", "--name", "Xã Mới"), "cần đơn vị cấp trên"),
    (
        ("admin", "unit", "add", "--kind", "tinh", "--name", "Tỉnh Z", "--parent", "1"),
        "cấp cao nhất",
    ),
    (
        ("admin", "unit", "add", "--kind", "thon", "--name", "Thôn Z", "--parent", "1"),
        "không đặt dưới",
    ),
    (("admin", "unit", "add", "--kind", "xa", "--name", "", "--parent", "1"), "Tên đơn vị cần"),
    (
        ("admin", "unit", "add", "--kind", "xa", "--name", "X" * 300, "--parent", "1"),
        "Tên đơn vị cần",
    ),
    (
        ("admin", "unit", "add", "--kind", "xa", "--name", "Xã D", "--parent", "Không Có"),
        "Không tìm thấy đơn vị",
    ),
    (
        ("admin", "unit", "add", "--kind", "to_hoa_giai", "--name", "Tổ 3", "--parent", "Thôn 1"),
        "#3, #8",
    ),
    (("admin", "unit", "import", "khong-co.csv"), "Không có tệp khong-co.csv"),
    (("admin", "unit", "import", "."), "là thư mục"),
    (("admin", "unit", "import", "latin1.csv"), "không phải văn bản UTF-8"),
    (("admin", "official", "--unit", "999", "--name", "Vũ Văn Ba"), "Không tìm thấy đơn vị «999»"),
    (("admin", "official", "--unit", "4", "--name", "Vũ Văn Ba"), "Tổ 1 là tổ hòa giải"),
    (("admin", "official", "--unit", "2", "--name", "  "), "Họ tên cần"),
    (("admin", "invite", "--unit", "4", "--role", "hoa_giai_vien", "--uses", "0"), "--uses cần"),
    (("admin", "invite", "--unit", "4", "--role", "hoa_giai_vien", "--days", "-1"), "--days cần"),
    (("admin", "invite", "--unit", "Thôn 1", "--role", "can_bo"), "#3, #8"),
    (("admin", "invites", "--unit", "9" * 30), "Không tìm thấy đơn vị «999"),
    (("admin", "invites", "--unit", "Thôn 1"), "#3, #8"),
    (("admin", "revoke", "#999"), "Không tìm thấy mã mời «#999»"),
    (("stats", "--unit", "999"), "Không tìm thấy đơn vị «999»"),
    (
        ("report", "--unit", "2", "--period", "2026", "--out", "khong-co/bao-cao.xlsx"),
        "Chưa có thư mục khong-co",
    ),
    (("report", "--unit", "2", "--period", "2026", "--out", "."), "là thư mục"),
    (("team", "review", "--unit", "999"), "Không tìm thấy đơn vị «999»"),
    (
        ("team", "add", "--team", "2", "--name", "Lò Văn Ba", "--sex", "nam"),
        "Xã B là xã/phường, không phải tổ",
    ),
    (("team", "add", "--team", "4", "--name", "1", "--sex", "nam"), "Họ tên cần"),
    (
        ("team", "add", "--team", "4", "--name", "lò thị  mai", "--sex", "nu"),
        "Lò Thị Mai đã có ở Tổ 1: #2",
    ),
    (("admin", "official", "--unit", "2", "--name", "Vũ Thị Thu"), "Vũ Thị Thu đã có ở Xã B: #1"),
    (("team", "move", "--person", "999", "--to", "6"), "Không có người #999"),
    (("team", "move", "--person", "1", "--to", "6"), "#1 Vũ Thị Thu là Cán bộ tư pháp"),
    (("team", "move", "--person", "2", "--to", "2"), "Xã B là xã/phường, không phải tổ"),
    (("team", "move", "--person", "2", "--to", "Tổ 1"), "#2 Lò Thị Mai đã ở Tổ 1"),
    (
        ("team", "leave", "--person", "3", "--reason", "a"),
        "#3 Hà Văn Nam đã thôi làm hòa giải viên",
    ),
    (("people", "list", "--unit", "999"), "Không tìm thấy đơn vị «999»"),
    (
        (
            "training",
            "add",
            "--unit",
            "999",
            "--title",
            "Tập huấn",
            "--at",
            "15/01/2027 08:00",
            "--place",
            "Hội trường",
        ),
        "Không tìm thấy đơn vị «999»",
    ),
    (
        (
            "training",
            "add",
            "--unit",
            "2",
            "--title",
            "Tập huấn",
            "--at",
            "15/01/2027 08:00",
            "--place",
            "Hội trường",
            "--invite",
            "999",
        ),
        "Không tìm thấy đơn vị «999»",
    ),
    (
        (
            "training",
            "add",
            "--unit",
            "2",
            "--title",
            " ",
            "--at",
            "15/01/2027 08:00",
            "--place",
            "Hội trường",
        ),
        "Tên lớp cần",
    ),
    (
        (
            "training",
            "add",
            "--unit",
            "2",
            "--title",
            "Tập huấn",
            "--at",
            "15/01/2027 08:00",
            "--place",
            "",
        ),
        "Địa điểm cần",
    ),
    (("training", "import", "khong-co.csv", "--unit", "2"), "Không có tệp khong-co.csv"),
    (("training", "import", "latin1.csv", "--unit", "2"), "không phải văn bản UTF-8"),
    (("broadcast", "--unit", "999", "--text", "Xin chào"), "Không tìm thấy đơn vị «999»"),
    (
        ("deadline", "set", "--unit", "2", "--kind", "half", "--due", "99999999999999999999/1"),
        "05/07",
    ),
    (("deadline", "list", "--unit", "999"), "Không tìm thấy đơn vị «999»"),
    (("backup", "--out", "."), "là thư mục"),
    (("restore", "khong-co.sqlite3"), "không phải bản sao lưu"),
    (("db", "upgrade", "zzz"), "Không có phiên bản cấu trúc «zzz»"),
]


def test_wrong_input_is_one_line_and_exit_2(shell, tmp_path):
    ward(shell)
    # saved by an old Excel in the Vietnamese code page, not UTF-8
    (tmp_path / "latin1.csv").write_bytes("Tỉnh A,Xã B,Thôn Đông,Tổ Đông\n".encode("cp1258", "replace"))
    for argv, told in WRONG:
        said = shell(*argv)
        assert said.code == 2, (argv, said.out)
        assert told in said.out, (argv, said.out)
        assert "Traceback" not in said.out and UNEXPECTED not in said.out, (argv, said.out)
        assert len(said.out.strip().splitlines()) == 1, (argv, said.out)
    assert shell("admin", "units").out.count("\n") == 8  # nothing was created by the wrong commands


def test_a_refused_official_leaves_no_person_behind(shell, tmp_path):
    ward(shell)
    assert people(tmp_path) == 3
    assert shell("admin", "official", "--unit", "Tổ 2", "--name", "Vũ Văn Ba").code == 2
    assert people(tmp_path) == 3


def test_a_store_that_is_missing_or_wrong(shell, tmp_path):
    missing = f"sqlite+aiosqlite:///{tmp_path}/khong-co/kho.sqlite3"
    cases = [
        (("stats", "--unit", "1"), {"DATABASE_URL": missing}, "Chưa có kho dữ liệu ở"),
        (("people", "list", "--unit", "1"), {"DATABASE_URL": missing}, "Chưa có kho dữ liệu ở"),
        (
            (
                "training",
                "list",
            ),
            {"DATABASE_URL": missing},
            "Chưa có kho dữ liệu ở",
        ),
        (("admin", "units"), {"DATABASE_URL": "khong phai url"}, "DATABASE_URL chưa đúng dạng"),
        (
            ("admin", "units"),
            {"DATABASE_URL": "postgresql+asyncpg://u:mat-khau@127.0.0.1:9/kho", "DATA_KEY": KEY},
            "Không mở được kho dữ liệu postgresql+asyncpg://u:***@127.0.0.1:9/kho",
        ),
        (("admin", "units"), {"LOG_LEVEL": "LOUD"}, "LOG_LEVEL «LOUD»"),
        (("admin", "units"), {"WEB_PORT": "tam-muoi"}, "WEB_PORT"),
    ]
    for argv, env, told in cases:
        said = shell(*argv, **env)
        assert said.code == 2, (argv, env, said.out)
        assert told in said.out, (argv, env, said.out)
        assert "Traceback" not in said.out and "mat-khau" not in said.out, said.out
    assert not (tmp_path / "khong-co").exists()  # a read on a missing store creates nothing
    assert shell("db", "upgrade").code == 0  # an empty store: the way to its first unit
    empty = shell("admin", "units")
    assert empty.code == 0 and "Chưa có đơn vị nào. Tạo tỉnh trước: " in empty.out


def test_an_unexpected_fault_is_one_line_too(shell, monkeypatch):
    from bot.cli import common

    async def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(common, "open_db", broken)
    said = shell("admin", "units")
    assert said.code == 1 and UNEXPECTED in said.out and "RuntimeError" in said.out
    assert "Traceback" not in said.out


def test_people_list_shows_the_ids_team_move_needs(shell):
    ward(shell)
    said = shell("people", "list", "--unit", "Xã B")
    assert said.code == 0
    lines = said.out.strip().splitlines()
    assert lines[0] == "Xã B: 3 người (2 đang làm, 1 đã thôi)."
    assert "#1 Vũ Thị Thu — Cán bộ tư pháp — Xã B (#2) — chưa vào bot" in lines
    assert "#2 Lò Thị Mai — Hòa giải viên — Tổ 1 (#4) — chưa vào bot" in lines
    assert any(
        line.startswith("#3 Hà Văn Nam — Tổ trưởng tổ hòa giải — Tổ 1 (#4) — đã thôi từ ")
        and line.endswith("(Điều 11 khoản 1 điểm b)")
        for line in lines
    )
    namesake = shell("team", "add", "--team", "4", "--name", "Lò Thị Mai", "--sex", "nu", "--same-name")
    assert namesake.code == 0  # someone else of the same name, said so
    assert shell("team", "move", "--person", "2", "--to", "Tổ 2").code == 0
    moved = shell("people", "list", "--unit", "6").out
    assert moved.strip().splitlines() == [
        "Tổ 2: 1 người (1 đang làm, 0 đã thôi).",
        "#2 Lò Thị Mai — Hòa giải viên — Tổ 2 (#6) — chưa vào bot",
    ]
    empty = shell("people", "list", "--unit", "Xã C")
    assert empty.code == 0 and "Xã C chưa có ai" in empty.out


def test_a_csv_with_bad_rows_keeps_the_good_ones_and_exits_2(shell, tmp_path):
    ward(shell)
    assert shell("admin", "unit", "add", "--kind", "huyen", "--name", "Huyện Y", "--parent", "1").code == 0
    (tmp_path / "units.csv").write_text(
        "province,commune,village,team\n"
        "Tỉnh A,Xã B,Thôn 3,Tổ 3\n"  # a new village and team under the ward
        "Tỉnh A,Huyện Y,Thôn 5,Tổ 5\n"  # a district (older plans) where the CSV has a commune
        f"Tỉnh A,Xã B,Thôn 4,{'T' * 200}\n"  # a name too long
        "Tỉnh A,Xã B\n"
        "\n",
        encoding="utf-8",
    )
    said = shell("admin", "unit", "import", "units.csv")
    assert said.code == 2 and "Traceback" not in said.out
    assert said.out.splitlines() == [
        "Dòng 3: «Huyện Y» đã có nhưng là huyện, không phải xã/phường: bỏ qua.",
        "Dòng 4: tên «" + "T" * 40 + "» cần từ 2 đến 120 ký tự và có chữ cái: bỏ qua.",
        "Dòng 5 thiếu cột (cần: tỉnh,xã/phường,thôn/tổ dân phố,tổ hòa giải): bỏ qua.",
        "Đã nhập 1 dòng: 2 đơn vị mới.",
    ]
    tree = shell("admin", "units").out
    assert "#10 Thôn 3" in tree and "#11 Tổ 3" in tree and tree.count("\n") == 11
    assert "Chưa có đơn vị nào" not in tree


def test_a_trainings_csv_with_bad_rows_keeps_the_good_ones_and_exits_2(shell, tmp_path, monkeypatch):
    ward(shell)
    monkeypatch.setattr("bot.cli.common.system_clock", lambda: dt.datetime(2026, 12, 3, 2, tzinfo=dt.UTC))
    (tmp_path / "lop.csv").write_text(
        "title,date,time,place,units\n"
        "Kỹ năng hòa giải,15/01/2027,08:00,Hội trường xã,Tổ 1\n"
        "Luật mới,16/01/2027,08:00,Hội trường xã,Tổ 9\n"  # no such unit
        "HG,17/01/2027,08:00,Hội trường xã,\n"  # a title too short
        "Pháp luật đất đai,18/01/2027,08:00,Hội trường xã,Thôn 1\n",  # two units have that name
        encoding="utf-8",
    )
    said = shell("training", "import", "lop.csv", "--unit", "Xã B")
    assert said.code == 2 and "Traceback" not in said.out
    lines = said.out.strip().splitlines()
    assert lines[0].startswith("Đã tạo lớp tập huấn #1 «Kỹ năng hòa giải», ")
    assert lines[1:] == [
        "Dòng 3: Không tìm thấy đơn vị «Tổ 9». Xem danh sách: python -m bot admin units",
        "Dòng 4: Tên lớp cần từ 3 đến 200 ký tự.",
        "Dòng 5: Có 2 đơn vị tên «Thôn 1» (#3, #8): dùng số hiệu, ví dụ 3.",
        "Đã tạo 1 lớp tập huấn; 3 dòng không tạo được.",
    ]
    assert "#1 " in shell("training", "list").out  # the good row was kept
