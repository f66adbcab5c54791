"""`python -m bot backup` and `restore` on the SQLite default."""

from __future__ import annotations

import sqlite3

from tests.unit.test_cli_admin import bot


def test_backup_then_restore_brings_the_data_back(tmp_path):
    bot(tmp_path, "db", "upgrade")
    bot(tmp_path, "admin", "unit", "add", "--kind", "tinh", "--name", "Tỉnh Lào Cai")
    out = bot(tmp_path, "backup", "--out", str(tmp_path / "b.sqlite3")).stdout
    assert "Đã sao lưu" in out and "khóa" in out
    bot(tmp_path, "admin", "unit", "add", "--kind", "tinh", "--name", "Tỉnh Yên Bái")

    restored = bot(tmp_path, "restore", str(tmp_path / "b.sqlite3")).stdout
    assert "Đã khôi phục" in restored and "before-restore" in restored
    names = sqlite3.connect(tmp_path / "cli.sqlite3").execute("select name from units").fetchall()
    assert names == [("Tỉnh Lào Cai",)]


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database")
    done = bot(tmp_path, "restore", str(junk))
    assert done.returncode == 2 and "không phải bản sao lưu" in done.stdout and "Traceback" not in done.stderr
