"""`python -m bot backup` / `restore` for the SQLite default store.

A backup is taken with SQLite's online backup API: consistent even while the bot runs
(WAL included). The encryption key file is NOT copied into the backup; keep it apart.
Backups, and the folder they are made in, are readable by their owner only (0600, 0700);
`--encrypt` seals the backup with the data key (bot/backup_crypt.py), and `restore` reads
such a file back with the same key.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

from bot.backup_crypt import BadBackup, backup_cipher, decrypt_file, encrypt_file, is_encrypted
from bot.cli.common import store_url
from bot.settings import Settings
from content.catalog import load_catalog
from storage.crypto import PartyCipher, sqlite_file
from storage.private_files import private_dir, private_file


def add_parser(sub: argparse._SubParsersAction) -> None:
    backup = sub.add_parser("backup", help="copy the SQLite store to a file (safe while running)")
    backup.add_argument("--out", type=Path, help="target file (default: ./backups/hoagiai-<time>.sqlite3)")
    backup.add_argument(
        "--encrypt", action="store_true", help="encrypt the backup with the data key (DATA_KEY or the key file)"
    )
    restore = sub.add_parser("restore", help="replace the SQLite store with a backup (stop the bot first)")
    restore.add_argument("file", type=Path)
    for parser in (backup, restore):
        parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    store_url(settings)  # a DATABASE_URL that cannot be read: one line, exit 2
    t = load_catalog().t
    db = sqlite_file(settings.database_url)
    if db is None:
        print(t("backup.not_sqlite"))
        return 2
    if args.cmd == "backup":
        if not db.exists():
            print(t("backup.no_store", path=db))
            return 2
        cipher = backup_cipher(settings, db, print, t) if args.encrypt else None
        if args.encrypt and cipher is None:
            return 2
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        out = args.out or Path("backups") / f"hoagiai-{stamp}.sqlite3{'.enc' if cipher else ''}"
        if out.is_dir():
            print(t("shell.out_is_folder", path=out))
            return 2
        try:
            private_dir(out.parent)
            copy(db, out, cipher)
        except (OSError, sqlite3.Error) as err:
            print(t("shell.backup_failed", path=out, reason=str(err)[:200]))
            return 2
        if cipher is not None:
            print(t("backup.encrypted_done", path=out, key_id=cipher.key_id))
        else:
            print(t("backup.done", path=out))
        return 0
    source = opened(args.file, settings, db, t) if is_encrypted(args.file) else args.file
    if source is None:
        return 2
    if not args.file.exists() or not is_store(source):
        if source != args.file:
            source.unlink()
        print(t("backup.bad_file", path=args.file))
        return 2
    private_dir(db.parent)
    if db.exists():
        keep = db.with_suffix(db.suffix + ".before-restore")
        copy(db, keep)
        print(t("backup.kept", path=keep))
    for stale in (Path(f"{db}-wal"), Path(f"{db}-shm")):
        stale.unlink(missing_ok=True)
    private_file(db)
    shutil.copyfile(source, db)
    if source != args.file:
        source.unlink()
    print(t("backup.restored", path=db))
    return 0


def copy(source: Path, target: Path, cipher: PartyCipher | None = None) -> None:
    """A consistent copy, readable by its owner only; sealed with `cipher` when given."""
    if cipher is not None:
        plain = _scratch(source.parent)
        try:
            copy(source, plain)
            encrypt_file(plain, target, cipher)
        finally:
            plain.unlink(missing_ok=True)
        return
    private_file(target)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def opened(path: Path, settings: Settings, db: Path, t) -> Path | None:
    """An encrypted backup opened into a private scratch file; None (said why) if it cannot be."""
    cipher = backup_cipher(settings, None, print, t)
    if cipher is None:
        return None
    plain = _scratch(private_dir(db.parent))
    try:
        decrypt_file(path, plain, cipher)
    except BadBackup:
        plain.unlink(missing_ok=True)
        print(t("backup.wrong_key", path=path))
        return None
    return plain


def _scratch(folder: Path) -> Path:
    """An empty file only its owner can read, beside the store (its folder is 0700)."""
    fd, name = tempfile.mkstemp(prefix=".backup-", suffix=".tmp", dir=folder)
    os.close(fd)
    return Path(name)


def is_store(path: Path) -> bool:
    """A readable SQLite file that passes the integrity check and has our tables."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return False
    return ok and {"cases", "people", "units"} <= tables
