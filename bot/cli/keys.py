"""`python -m bot key check | rotate`: the personal-data key of the store.

`rotate` re-encrypts every sealed value and the key check under a new key in one
transaction. The new key is kept before anything is encrypted with it: with the key file
(SQLite default) it is written beside the store as `<key file>.new` and moved over the key
file once the transaction has committed (a start after a crash in between finishes the
move); with DATA_KEY it is printed first, to be set in every worker once the rotation says
it is done. Stop the bot (every worker) before rotating.
"""

from __future__ import annotations

import argparse
import os

from cryptography.fernet import Fernet

from bot.cli.common import open_db
from bot.clock import system_clock
from bot.settings import Settings
from bot.store import key_source_of
from content.catalog import load_catalog
from storage.crypto import PartyCipher, write_key_file
from storage.keycheck import RotationFailed, pending_key_file, rotate


def add_parser(sub: argparse._SubParsersAction) -> None:
    key = sub.add_parser("key", help="the personal-data key: check it, or rotate it")
    acts = key.add_subparsers(dest="key_cmd", required=True)
    acts.add_parser("check", help="does DATA_KEY (or the key file) open this store?")
    acts.add_parser("rotate", help="re-encrypt everything under a new key (stop the bot first)")
    key.set_defaults(run=run)


async def run(args: argparse.Namespace, settings: Settings) -> int:
    t = load_catalog().t
    source = key_source_of(settings)
    db = await open_db(settings)  # no store: said so; a key that does not open it stops here
    try:
        old: PartyCipher = db.engine.sync_engine.dialect.pii_cipher  # type: ignore[attr-defined]
        where = str(source.key_file) if source.key_file else "DATA_KEY"
        if args.key_cmd == "check":
            print(t("keys.check_ok", source=where, key_id=old.key_id))
            return 0
        new = PartyCipher(Fernet.generate_key())
        key_file = source.key_file
        pending = pending_key_file(key_file) if key_file else None
        if pending:  # the new key is kept before anything is encrypted with it
            write_key_file(pending, new.key, replace=True)
        else:
            print(t("keys.new_data_key", new_key=new.key.decode()), flush=True)
        try:
            done = await rotate(db.engine, old, new, system_clock())
        except RotationFailed as failed:
            if pending:
                pending.unlink(missing_ok=True)
            print(t("keys.rotate_failed", where=str(failed)))
            return 2
        count = sum(done.values())
        if pending and key_file:  # a key file's rotation: the new key takes its place
            os.replace(pending, key_file)
            print(t("keys.rotated_file", count=count, key_id=new.key_id, path=str(key_file)))
        else:
            print(t("keys.rotated_data_key", count=count, key_id=new.key_id))
        print(t("keys.old_backups"))
        return 0
    finally:
        await db.dispose()
