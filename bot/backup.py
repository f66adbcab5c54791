"""`python -m bot backup` / `restore` for the SQLite default store.

A backup is taken with SQLite's online backup API: consistent even while the bot runs
(WAL included). The encryption key file is NOT copied into the backup; keep it apart.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sqlite3
from pathlib import Path

from bot.settings import Settings
from content.catalog import load_catalog
from storage.crypto import sqlite_file


def add_parser(sub: argparse._SubParsersAction) -> None:
    backup = sub.add_parser("backup", help="copy the SQLite store to a file (safe while running)")
    backup.add_argument("--out", type=Path, help="target file (default: ./backups/hoagiai-<time>.sqlite3)")
    restore = sub.add_parser("restore", help="replace the SQLite store with a backup (stop the bot first)")
    restore.add_argument("file", type=Path)


def run(args: argparse.Namespace, settings: Settings) -> int:
    t = load_catalog().t
    db = sqlite_file(settings.database_url)
    if db is None:
        print(t("backup.not_sqlite"))
        return 2
    if args.cmd == "backup":
        if not db.exists():
            print(t("backup.no_store", path=db))
            return 2
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        out = args.out or Path("backups") / f"hoagiai-{stamp}.sqlite3"
        out.parent.mkdir(parents=True, exist_ok=True)
        copy(db, out)
        print(t("backup.done", path=out))
        return 0
    if not args.file.exists() or not is_store(args.file):
        print(t("backup.bad_file", path=args.file))
        return 2
    db.parent.mkdir(parents=True, exist_ok=True)
    if db.exists():
        keep = db.with_suffix(db.suffix + ".before-restore")
        copy(db, keep)
        print(t("backup.kept", path=keep))
    for stale in (Path(f"{db}-wal"), Path(f"{db}-shm")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(args.file, db)
    print(t("backup.restored", path=db))
    return 0


def copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


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
