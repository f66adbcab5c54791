"""Issue 13, finding 4 (files): the store's files are for its owner only, deleted data is
overwritten, backups can be encrypted with the data key.

Before: the data folder was 0755, the database, backups and exports 0644 (world-readable
under the usual umask), SQLite left deleted rows in free pages, and a backup could only be
a plain copy of the store.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from bot import backup_crypt
from bot.cli import main
from bot.settings import Settings
from bot.store import open_store
from storage.crypto import PartyCipher
from storage.db import Database
from storage.models import UnitKind
from tests.support import START

MARK = "Lò Thị Bí Mật 0987 654 321"


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def bot(tmp_path, monkeypatch, capsys, umask_022):
    """The CLI as an operator runs it in tmp_path, under the usual umask (022): (exit, output)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{store_of(tmp_path)}")
    for name in ("TELEGRAM_BOT_TOKEN", "ZALO_BOT_TOKEN"):
        monkeypatch.setenv(name, "")

    def run(*args: str, data_key: str = "") -> tuple[int, str]:
        monkeypatch.setenv("DATA_KEY", data_key)
        capsys.readouterr()
        code = main(list(args))
        return code, capsys.readouterr().out

    return run


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def store_of(tmp_path: Path) -> Path:
    return tmp_path / "data" / "hoagiai.sqlite3"


def settings(tmp_path: Path, key: str | None = None) -> Settings:
    return Settings(database_url=f"sqlite+aiosqlite:///{store_of(tmp_path)}", data_key=key, _env_file=None)


async def add_unit(db: Database, name: str) -> None:
    async with db.uow() as uow:
        await uow.units.add(UnitKind.TINH, name, None, START)
        await uow.commit()


def seed(tmp_path: Path, name: str = MARK, key: str | None = None) -> None:
    async def go() -> None:
        db = await open_store(settings(tmp_path, key))
        await add_unit(db, name)
        await db.dispose()

    asyncio.run(go())


def unit_names(store: Path) -> list[str]:
    conn = sqlite3.connect(store)
    try:
        return [r[0] for r in conn.execute("SELECT name FROM units ORDER BY id")]
    finally:
        conn.close()


def test_the_data_folder_store_and_key_file_are_private(tmp_path, umask_022):
    seed(tmp_path)
    data = tmp_path / "data"
    assert mode(data) == 0o700
    for name in ("hoagiai.sqlite3", "hoagiai.sqlite3-wal", "hoagiai.sqlite3-shm", "hoagiai.key"):
        if (data / name).exists():
            assert mode(data / name) == 0o600, name
    assert (data / "hoagiai.key").exists()


def test_a_store_left_world_readable_is_tightened_at_start(tmp_path, umask_022):
    seed(tmp_path)
    for path in store_of(tmp_path).parent.iterdir():
        os.chmod(path, 0o644)  # as an older version left them
    seed(tmp_path, "Tỉnh Hai")
    assert mode(store_of(tmp_path)) == 0o600
    for side in ("-wal", "-shm"):
        path = Path(f"{store_of(tmp_path)}{side}")
        assert not path.exists() or mode(path) == 0o600


async def test_deleted_data_is_overwritten_in_the_sqlite_file(tmp_path):
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/s.sqlite3")
    await db.create_all()
    async with db.engine.connect() as conn:
        assert (await conn.exec_driver_sql("PRAGMA secure_delete")).scalar() == 1
    await add_unit(db, MARK)
    await add_unit(db, "Tỉnh Khác")
    async with db.engine.begin() as conn:
        await conn.execute(text("DELETE FROM units WHERE name = :n"), {"n": MARK})
    async with db.engine.connect() as conn:
        await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    await db.dispose()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("s.sqlite3"))
    assert "Tỉnh Khác".encode() in raw  # the file is readable as bytes: the search is real
    assert MARK.encode() not in raw


def test_backups_and_their_folder_are_private(tmp_path, bot):
    seed(tmp_path)
    assert bot("backup")[0] == 0
    backups = tmp_path / "backups"
    [made] = list(backups.iterdir())
    assert mode(backups) == 0o700 and mode(made) == 0o600

    assert bot("backup", "--out", "b.sqlite3")[0] == 0
    assert mode(tmp_path / "b.sqlite3") == 0o600
    assert bot("restore", "b.sqlite3")[0] == 0
    assert mode(store_of(tmp_path)) == 0o600
    assert mode(Path(f"{store_of(tmp_path)}.before-restore")) == 0o600


def test_an_encrypted_backup_holds_nothing_readable_and_restores(tmp_path, bot):
    seed(tmp_path)
    code, said = bot("backup", "--encrypt", "--out", "b.enc")
    assert code == 0 and "mã hóa" in said, said
    sealed = (tmp_path / "b.enc").read_bytes()
    assert b"SQLite format 3" not in sealed and MARK.encode() not in sealed
    assert mode(tmp_path / "b.enc") == 0o600

    seed(tmp_path, "Tỉnh Sau Sao Lưu")
    code, said = bot("restore", "b.enc")
    assert code == 0 and "Đã khôi phục" in said, said
    assert unit_names(store_of(tmp_path)) == [MARK]
    assert mode(store_of(tmp_path)) == 0o600
    assert [p.name for p in store_of(tmp_path).parent.iterdir() if p.suffix == ".tmp"] == []


def test_an_encrypted_backup_does_not_restore_with_another_key_or_cut_short(tmp_path, bot):
    key = Fernet.generate_key().decode()
    seed(tmp_path, key=key)
    assert bot("backup", "--encrypt", "--out", "b.enc", data_key=key)[0] == 0
    seed(tmp_path, "Tỉnh Sau Sao Lưu", key=key)

    code, said = bot("restore", "b.enc", data_key=Fernet.generate_key().decode())
    assert code == 2 and "Không mở được bản sao lưu" in said
    whole = (tmp_path / "b.enc").read_bytes()
    for broken in (whole[:-50] + b"\n", whole.splitlines(keepends=True)[0], whole + whole[-200:]):
        (tmp_path / "cut.enc").write_bytes(broken)
        code, said = bot("restore", "cut.enc", data_key=key)
        assert code == 2 and "Không mở được bản sao lưu" in said
    assert unit_names(store_of(tmp_path)) == [MARK, "Tỉnh Sau Sao Lưu"]  # untouched

    another = Fernet.generate_key().decode()
    code, said = bot("backup", "--encrypt", "--out", "x.enc", data_key=another)
    assert code == 2 and not (tmp_path / "x.enc").exists()
    assert "không phải khóa của kho này" in said


def test_exports_are_private(tmp_path, bot):
    seed(tmp_path)
    code, said = bot("report", "--unit", MARK, "--period", "2026", "--out", "r.xlsx", "--csv", "r.csv")
    assert code == 0, said
    assert mode(tmp_path / "r.xlsx") == 0o600 and mode(tmp_path / "r.csv") == 0o600


def test_an_encrypted_backup_with_chunks_dropped_moved_or_cut_does_not_open(tmp_path, monkeypatch):
    monkeypatch.setattr(backup_crypt, "CHUNK", 1000)
    cipher = PartyCipher(Fernet.generate_key())
    plain = tmp_path / "plain"
    plain.write_bytes(os.urandom(4500))  # five chunks
    backup_crypt.encrypt_file(plain, tmp_path / "b.enc", cipher)
    head, *chunks = (tmp_path / "b.enc").read_bytes().splitlines(keepends=True)
    assert len(chunks) == 5
    backup_crypt.decrypt_file(tmp_path / "b.enc", tmp_path / "back", cipher)
    assert (tmp_path / "back").read_bytes() == plain.read_bytes()
    for broken in (chunks[:2] + chunks[3:], [chunks[1], chunks[0], *chunks[2:]], chunks[:4], [*chunks, chunks[4]]):
        (tmp_path / "x.enc").write_bytes(head + b"".join(broken))
        with pytest.raises(backup_crypt.BadBackup):
            backup_crypt.decrypt_file(tmp_path / "x.enc", tmp_path / "x", cipher)
