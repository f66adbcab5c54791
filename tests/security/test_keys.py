"""Issue 13, finding 3: a lost or changed key must stop the start, never fork the store.

Before: deleting the key file, or starting with another valid DATA_KEY, started the bot
healthy with a new key; new cases were encrypted with it and exports then failed with
either key. A malformed DATA_KEY ended in a traceback. Now the store keeps a key check.
"""

from __future__ import annotations

import asyncio
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Column, Integer, MetaData, String, Table, column, select, table, text

from bot.cli import main
from bot.settings import Settings
from bot.store import open_store
from handlers.cases.usecases import create_case
from storage.crypto import PartyCipher, SealedJSON, SealedText, write_key_file
from storage.db import Database
from storage.keycheck import KeyCheck, RotationFailed, pending_key_file, rotate, sealed_columns
from storage.models import Case, Person
from tests.support import START, build_world

ROOT = Path(__file__).resolve().parents[2]
NAMES = ["Nguyễn Văn An", "Trần Thị Bình"]


@pytest.fixture
async def store(store_url, tmp_path):
    """A store URL as the bot is given: a SQLite file under data/, or a PostgreSQL database."""
    if isinstance(store_url, str):
        yield f"sqlite+aiosqlite:///{tmp_path}/data/hoagiai.sqlite3"
        return
    url = await store_url.new_database()
    yield url
    await store_url.drop_database(url)


def settings(url: str, key: str | bytes | None = None) -> Settings:
    key = key.decode() if isinstance(key, bytes) else key
    return Settings(database_url=url, data_key=key, _env_file=None)


def key_file(url: str) -> Path:
    return Path(url.split("///", 1)[1]).with_name("hoagiai.key")


async def log_a_case(db: Database) -> None:
    """A world and one case whose parties are sealed under the store's key."""
    await build_world(db)
    await log_a_case_more(db)


async def log_a_case_more(db: Database) -> None:
    async with db.uow() as uow:
        author = await uow.session.scalar(select(Person).where(Person.full_name == "Hòa Giải A"))
        draft = {
            "received_on": "2026-01-10",
            "category": "dan_su",
            "source": "yeu_cau",
            "parties": NAMES,
            "contact": "0912 345 678",
            "mediators": [author.id],
            "summary": "Tranh chấp lối đi chung giữa hai nhà",
        }
        await create_case(uow, author, draft, START)
        await uow.commit()


async def parties(db: Database) -> list[list[str]]:
    async with db.uow() as uow:
        cases = (await uow.session.scalars(select(Case).order_by(Case.id))).all()
    return [c.parties["names"] for c in cases]


async def refused(s: Settings, caplog) -> str:
    caplog.clear()
    with pytest.raises(SystemExit) as stop:
        await open_store(s)
    assert stop.value.code not in (0, None)
    return " ".join(r.getMessage() for r in caplog.records if r.levelname == "ERROR")


async def case_count(url: str) -> int:
    db = Database(url, PartyCipher.ephemeral())
    async with db.engine.connect() as conn:
        count = (await conn.execute(text("SELECT count(*) FROM cases"))).scalar_one()
    await db.dispose()
    return count


async def test_a_deleted_key_file_stops_the_start_and_no_new_key_is_made(tmp_path, caplog):
    url = f"sqlite+aiosqlite:///{tmp_path}/data/hoagiai.sqlite3"
    db = await open_store(settings(url))
    await log_a_case(db)
    await db.dispose()
    kept = key_file(url).read_bytes()
    key_file(url).unlink()

    said = await refused(settings(url), caplog)
    assert "key file" in said and str(key_file(url)) in said and "DATA_KEY" in said
    assert not key_file(url).exists()  # before: a new key file, and the store forked

    key_file(url).write_bytes(kept)  # the key put back: the bot starts and reads everything
    db = await open_store(settings(url))
    assert await parties(db) == [NAMES]
    await db.dispose()


async def test_another_data_key_stops_the_start(store, caplog):
    first, other = Fernet.generate_key(), Fernet.generate_key()
    db = await open_store(settings(store, first))
    await log_a_case(db)
    await db.dispose()

    said = await refused(settings(store, other), caplog)
    assert "DATA_KEY" in said
    assert PartyCipher(other).key_id in said and PartyCipher(first).key_id in said
    assert other.decode() not in said and first.decode() not in said  # key ids, never keys
    assert await case_count(store) == 1

    db = await open_store(settings(store, first))
    assert await parties(db) == [NAMES]
    await db.dispose()


async def test_a_store_sealed_with_data_key_does_not_start_on_a_new_key_file(tmp_path, caplog):
    url = f"sqlite+aiosqlite:///{tmp_path}/data/hoagiai.sqlite3"
    db = await open_store(settings(url, Fernet.generate_key()))
    await log_a_case(db)
    await db.dispose()

    said = await refused(settings(url), caplog)  # DATA_KEY forgotten in the next start
    assert "key file" in said and "missing" in said
    assert not key_file(url).exists()


async def test_a_key_file_that_is_not_the_stores_stops_the_start(tmp_path, caplog):
    url = f"sqlite+aiosqlite:///{tmp_path}/data/hoagiai.sqlite3"
    db = await open_store(settings(url))
    await log_a_case(db)
    await db.dispose()
    key_file(url).write_bytes(Fernet.generate_key())  # another machine's key file copied over

    said = await refused(settings(url), caplog)
    assert str(key_file(url)) in said and "does not open" in said


async def test_a_key_file_is_made_only_for_a_new_store(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/data/hoagiai.sqlite3"
    db = await open_store(settings(url))
    async with db.uow() as uow:
        check = await uow.session.scalar(select(KeyCheck))
    await db.dispose()
    key = PartyCipher(key_file(url).read_bytes().strip())
    assert check.key_id == key.key_id and key.key.decode() not in check.token
    assert stat.S_IMODE(os.stat(key_file(url)).st_mode) == 0o600


async def test_a_store_from_before_the_key_check_is_checked_against_its_data(store, caplog):
    first = Fernet.generate_key()
    db = await open_store(settings(store, first))
    await log_a_case(db)
    async with db.engine.begin() as conn:  # as the store was before migration 0008 wrote a check
        await conn.execute(text("DELETE FROM key_check"))
    await db.dispose()

    said = await refused(settings(store, Fernet.generate_key()), caplog)
    assert "DATA_KEY" in said and "cases.parties" in said

    db = await open_store(settings(store, first))
    async with db.uow() as uow:
        assert (await uow.session.scalar(select(KeyCheck))).key_id == PartyCipher(first).key_id
    await db.dispose()


def run_bot(tmp_path: Path, *args: str, data_key: str = "") -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/data/hoagiai.sqlite3",
        "DATA_KEY": data_key,
        "TELEGRAM_BOT_TOKEN": "",
        "ZALO_BOT_TOKEN": "",
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


# a real key cut short, fixed (not generated) so every test process collects the same tests
BAD_KEYS = ["not-a-key", "6GcAFMyAIGDxqEWlgxiv-XpAvVSbscf1Ie_vAUk-wg", "x" * 44, "khóa bí mật"]


def test_a_malformed_data_key_is_one_line_and_exits_non_zero(tmp_path):
    done = run_bot(tmp_path, "run", data_key="khóa-bí-mật")
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "DATA_KEY" in lines[0], done.stderr
    assert "Traceback" not in done.stderr and "khóa-bí-mật" not in done.stderr


@pytest.mark.parametrize("bad", BAD_KEYS)
async def test_every_malformed_data_key_stops_the_start_with_its_name(tmp_path, caplog, bad):
    said = await refused(settings(f"sqlite+aiosqlite:///{tmp_path}/data/h.sqlite3", bad), caplog)
    assert "DATA_KEY is not a valid key" in said and bad not in said
    assert not (tmp_path / "data").exists()  # stopped before anything was made


def test_a_malformed_key_file_is_one_line_and_exits_non_zero(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "hoagiai.key").write_text("garbage\n")
    done = run_bot(tmp_path, "run")
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode != 0 and len(lines) == 1 and "hoagiai.key" in lines[0], done.stderr


def raw(t: Table, c: Column):
    """A sealed column's values as stored (not opened)."""
    return select(column(c.name)).select_from(table(t.name)).where(column(c.name).is_not(None))


def sealed_raw(rows: list) -> list[str]:
    return [v for row in rows for v in row if isinstance(v, str) and v.startswith("v1:")]


async def test_rotate_re_encrypts_every_sealed_column_and_the_check(store, caplog):
    old, new = PartyCipher(Fernet.generate_key()), PartyCipher(Fernet.generate_key())
    db = await open_store(settings(store, old.key))
    await log_a_case(db)
    await log_a_case_more(db)
    columns = sealed_columns()
    assert ("cases", "parties") in {(t.name, c.name) for t, c in columns}
    done = await rotate(db.engine, old, new, START)
    assert done["cases.parties"] == 2
    async with db.engine.connect() as conn:
        values = sealed_raw([(await conn.execute(raw(t, c))).scalars().all() for t, c in columns])
    assert len(values) >= 2
    for value in values:
        assert new.open_text(value)
        with pytest.raises(ValueError):
            old.open_text(value)
    await db.dispose()

    said = await refused(settings(store, old.key), caplog)  # the old key no longer starts the bot
    assert new.key_id in said
    db = await open_store(settings(store, new.key))
    assert await parties(db) == [NAMES, NAMES]
    await db.dispose()


def extra_tables() -> MetaData:
    """Sealed columns the rotation was never told about, as other changes will add."""
    meta = MetaData()
    Table(
        "notes_x",
        meta,
        Column("id", Integer, primary_key=True),
        Column("body", SealedText()),
        Column("extra", SealedJSON(), nullable=True),
    )
    Table(
        "pairs_x",
        meta,
        Column("a", Integer, primary_key=True),
        Column("b", String(5), primary_key=True),
        Column("data", SealedJSON()),
    )
    return meta


async def test_rotate_finds_sealed_columns_by_type_and_is_one_transaction(store):
    old, new = PartyCipher(Fernet.generate_key()), PartyCipher(Fernet.generate_key())
    db = await open_store(settings(store, old.key))
    meta = extra_tables()
    notes, pairs = meta.tables["notes_x"], meta.tables["pairs_x"]
    async with db.engine.begin() as conn:
        await conn.run_sync(meta.create_all)
        await conn.execute(
            notes.insert(),
            [{"id": i, "body": f"bí mật {i}", "extra": {"i": i} if i % 2 else None} for i in range(1, 1202)],
        )
        await conn.execute(
            pairs.insert(), [{"a": 1, "b": "x", "data": {"k": "một"}}, {"a": 1, "b": "y", "data": {"k": "hai"}}]
        )
    tables = [*meta.sorted_tables, Case.__table__]

    stranger = PartyCipher(Fernet.generate_key())  # one value under another key: nothing moves
    change = text("UPDATE pairs_x SET data = :v WHERE b = 'y'")
    async with db.engine.begin() as conn:
        await conn.execute(change, {"v": stranger.seal({"k": "?"})})
    with pytest.raises(RotationFailed, match="pairs_x.data"):
        await rotate(db.engine, old, new, START, tables)
    async with db.engine.connect() as conn:
        first = (await conn.execute(text("SELECT body FROM notes_x WHERE id = 1"))).scalar_one()
    assert old.open_text(first) == "bí mật 1"  # rolled back: still under the old key

    async with db.engine.begin() as conn:
        await conn.execute(change, {"v": old.seal({"k": "hai"})})
    done = await rotate(db.engine, old, new, START, tables)
    assert done == {
        "notes_x.body": 1201,
        "notes_x.extra": 601,
        "pairs_x.data": 2,
        "cases.parties": 0,
        "cases.summary": 0,
        "cases.agreement": 0,
    }
    db.use_cipher(new)
    async with db.engine.connect() as conn:
        query = select(notes.c.body, notes.c.extra).order_by(notes.c.id)
        bodies = (await conn.execute(query)).all()
        data = (await conn.execute(select(pairs.c.data).order_by(pairs.c.b))).scalars().all()
    assert bodies[0] == ("bí mật 1", {"i": 1}) and bodies[-1] == ("bí mật 1201", {"i": 1201})
    assert data == [{"k": "một"}, {"k": "hai"}]
    async with db.engine.begin() as conn:
        await conn.run_sync(meta.drop_all)
    await db.dispose()


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """`python -m bot …` in this process, on tmp_path/data: (exit code, what it printed)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/data/hoagiai.sqlite3")

    def run(*args: str, data_key: str = "") -> tuple[int, str]:
        monkeypatch.setenv("DATA_KEY", data_key)
        capsys.readouterr()
        code = main(list(args))
        return code, capsys.readouterr().out

    return run


def in_store(url: str, key: str | None = None) -> list[list[str]]:
    """What the bot reads when started with this key; SystemExit when it refuses."""

    async def read() -> list[list[str]]:
        db = await open_store(settings(url, key))
        try:
            return await parties(db)
        finally:
            await db.dispose()

    return asyncio.run(read())


def seeded(url: str, key: str | None = None) -> None:
    async def seed() -> None:
        db = await open_store(settings(url, key))
        await log_a_case(db)
        await db.dispose()

    asyncio.run(seed())


def test_key_rotate_command_writes_the_new_key_file(tmp_path, cli):
    url = f"sqlite+aiosqlite:///{tmp_path}/data/hoagiai.sqlite3"
    seeded(url)
    before = key_file(url).read_bytes()
    code, said = cli("key", "rotate")
    assert code == 0, said
    after = key_file(url).read_bytes()
    assert after != before and after.strip().decode() not in said
    assert PartyCipher(after.strip()).key_id in said
    assert stat.S_IMODE(os.stat(key_file(url)).st_mode) == 0o600
    assert not Path(f"{key_file(url)}.new").exists()
    assert in_store(url) == [NAMES]
    key_file(url).write_bytes(before)  # the old key put back does not start the bot
    with pytest.raises(SystemExit):
        in_store(url)


def test_key_rotate_command_prints_the_new_data_key(tmp_path, cli):
    url = f"sqlite+aiosqlite:///{tmp_path}/data/hoagiai.sqlite3"
    first = Fernet.generate_key().decode()
    seeded(url, first)
    code, said = cli("key", "rotate", data_key=first)
    assert code == 0 and "DATA_KEY" in said, said
    printed = [k for k in re.findall(r"[A-Za-z0-9_\-]{43}=", said) if k != first]
    assert len(printed) == 1 and not key_file(url).exists()
    assert in_store(url, printed[0]) == [NAMES]
    with pytest.raises(SystemExit):
        in_store(url, first)
    assert cli("key", "check", data_key=printed[0])[0] == 0


def test_a_rotation_stopped_after_its_commit_is_finished_at_the_next_start(tmp_path):
    """The new key file is written (as <key file>.new) before the transaction commits and moved
    over the key file after: a crash in between must lose nothing."""
    url = f"sqlite+aiosqlite:///{tmp_path}/data/hoagiai.sqlite3"
    seeded(url)
    new = PartyCipher(Fernet.generate_key())

    async def rotate_then_crash() -> None:
        db = await open_store(settings(url))
        write_key_file(pending_key_file(key_file(url)), new.key)
        await rotate(db.engine, db.engine.sync_engine.dialect.pii_cipher, new, START)
        await db.dispose()

    asyncio.run(rotate_then_crash())
    assert in_store(url) == [NAMES]
    assert key_file(url).read_bytes().strip() == new.key
    assert not pending_key_file(key_file(url)).exists()


def test_key_commands_make_no_store_and_no_key(tmp_path, cli):
    for action in ("rotate", "check"):
        code, said = cli("key", action)
        assert code == 2 and "DATABASE_URL" in said
    assert not (tmp_path / "data").exists()
