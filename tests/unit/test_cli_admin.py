"""`python -m bot admin …` and `db upgrade`, run as a user would, on a SQLite file."""

from __future__ import annotations

from pathlib import Path

from tests.cli import Done, run_bot


def bot(tmp_path: Path, *args: str) -> Done:
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3",
        "TELEGRAM_BOT_USERNAME": "hoagiai_bot",
        "TELEGRAM_BOT_TOKEN": "",
        "DATA_KEY": "",
    }
    return run_bot(tmp_path, env, *args)


def test_units_from_csv_official_and_invites(tmp_path):
    assert "Đã cập nhật" in bot(tmp_path, "db", "upgrade").stdout
    csv = tmp_path / "units.csv"
    csv.write_text(
        "province,commune,village,team\n"
        "Tỉnh Lạng Sơn,Xã Hữu Lũng,Thôn Na,Tổ hòa giải thôn Na\n"
        "Tỉnh Lạng Sơn,Xã Hữu Lũng,Thôn Đồng,Tổ hòa giải thôn Đồng\n"
        "Tỉnh Lạng Sơn,Xã Hữu Lũng\n",
        encoding="utf-8",
    )
    out = bot(tmp_path, "admin", "unit", "import", str(csv)).stdout
    assert "Dòng 4 thiếu cột" in out and "Đã nhập 2 dòng: 6 đơn vị mới" in out
    again = bot(tmp_path, "admin", "unit", "import", str(csv)).stdout
    assert "0 đơn vị mới" in again  # importing twice creates nothing new

    tree = bot(tmp_path, "admin", "units").stdout
    assert "#2 Xã Hữu Lũng (xã/phường)" in tree and "    #3 Thôn Na" in tree

    official = bot(tmp_path, "admin", "official", "--unit", "Xã Hữu Lũng", "--name", "Hà Thị Mai", "--sex", "nu")
    assert "Đã tạo cán bộ" in official.stdout and "https://t.me/hoagiai_bot?start=" in official.stdout

    invite = bot(tmp_path, "admin", "invite", "--unit", "4", "--role", "hoa_giai_vien")
    assert "Hòa giải viên, Tổ hòa giải thôn Na; 30 lần" in invite.stdout

    wrong = bot(tmp_path, "admin", "invite", "--unit", "2", "--role", "hoa_giai_vien")
    assert wrong.returncode == 2 and "Không tạo được mã" in wrong.stdout
    missing = bot(tmp_path, "admin", "invite", "--unit", "Không Có", "--role", "can_bo")
    assert missing.returncode == 2 and "Không tìm thấy" in missing.stdout
    assert "Traceback" not in wrong.stderr + missing.stderr
